"""The decision boundary, drawn live while a small model trains, and on replay.

:class:`BoundaryView` shows what the model makes of the input plane: a
coloured background (the predicted class, more opaque the surer the model)
under the data's points, training points filled and test points hollow, in
the class colours of the Data page. A 1-D regression shows the fitted curve
over the points instead; a table of more than two features gets two pickers,
the other features held at their training mean. Images get a sentence.

The numbers come from :mod:`guinet.core.boundary`, computed off the GUI
thread by a :class:`~guinet.gui.tasks.BackgroundTask` — model rebuilt from
the snapshot's weights, one forward pass, the RGBA image — so the GUI thread
only hands pixels to pyqtgraph. Weights arrive faster than that may take:
one computation at a time, at most :data:`MIN_INTERVAL_MS` apart, and a
snapshot that arrives meanwhile replaces any still waiting (latest wins).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from guinet.core.boundary import (
    BoundaryPlan,
    BoundaryResult,
    Unsupported,
    boundary_rgba,
    evaluate_boundary,
    plan_boundary,
)
from guinet.gui.curves.style import configure
from guinet.gui.data_views import CLASS_COLORS
from guinet.gui.tasks import BackgroundTask
from guinet.gui.widgets import FittedText

if TYPE_CHECKING:
    import torch

    from guinet.core.data import PreparedData
    from guinet.core.model import ModelSpec

#: Boundaries are computed at most this often (4 a second, as the curves redraw).
MIN_INTERVAL_MS = 250
CURVE_COLOUR = "#dc2626"
POINT_COLOUR = "#374151"
NO_RUN = "Train a model to see how it divides the plane."
#: Points drawn per split at most (evenly spread over the rows): a scatter's
#: repaint grows with its points, and every new boundary repaints them.
MAX_POINTS = {"train": 800, "test": 400}


class BoundaryView(QWidget):
    """The model's decision boundary (see the module doc).

    :meth:`set_data` gives it the run's model and data; :meth:`show_state`
    the weights to draw (live snapshots, or a replayed epoch). ``updated``
    carries ``(epoch, batch)`` each time a new image is on screen.
    """

    updated = Signal(int, object)  # epoch, batch (None: an epoch's end)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("boundaryView")
        configure()
        self.plan: BoundaryPlan | Unsupported | None = None
        self.result: BoundaryResult | None = None
        self.shown: tuple[int, int | None] | None = None  # (epoch, batch) drawn
        self.update_count = 0
        self._spec: ModelSpec | None = None
        self._prepared: PreparedData | None = None
        self._model: torch.nn.Module | None = None  # rebuilt per run, reused
        self._pending: tuple[dict[str, Any], int, int | None] | None = None
        self._last: tuple[dict[str, Any], int, int | None] | None = None
        self._started_at = 0.0
        self.task = BackgroundTask("guinet-boundary", self)
        self.task.succeeded.connect(self._on_computed)
        self.task.failed.connect(self._on_failed)
        self.task.running_changed.connect(self._on_task_running)
        self._later = QTimer(self)
        self._later.setSingleShot(True)
        self._later.timeout.connect(self._start_next)
        self._build()
        self.clear()

    # -- layout ------------------------------------------------------------------------
    def _build(self) -> None:
        self.plot = pg.PlotWidget()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setMinimumSize(90, 120)
        self.plot.showGrid(x=False, y=False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        self.plot.addItem(self.image)
        self.curve = self.plot.plot([], [], pen=pg.mkPen(CURVE_COLOUR, width=2))
        self.train_points = pg.ScatterPlotItem(size=6, pen=pg.mkPen("w", width=0.6))
        self.test_points = pg.ScatterPlotItem(size=7, brush=pg.mkBrush(None))
        for points in (self.train_points, self.test_points):
            # a new image under the points repaints them from a cached pixmap
            points.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            self.plot.addItem(points)

        self.x_feature = QComboBox()
        self.x_feature.setObjectName("boundaryX")
        self.x_feature.setToolTip("The feature along the horizontal axis")
        self.y_feature = QComboBox()
        self.y_feature.setObjectName("boundaryY")
        self.y_feature.setToolTip(
            "The feature along the vertical axis; the others stay at their "
            "training mean"
        )
        self.pickers = QWidget()
        row = QHBoxLayout(self.pickers)
        row.setContentsMargins(4, 0, 4, 0)
        row.addWidget(QLabel("x:"))
        row.addWidget(self.x_feature, 1)
        row.addWidget(QLabel("y:"))
        row.addWidget(self.y_feature, 1)
        self.x_feature.activated.connect(self._on_feature_picked)
        self.y_feature.activated.connect(self._on_feature_picked)

        # under the plot: what fits in two lines (the key first), the whole
        # caption its tooltip, so a narrow pane gives the plot the height
        self.caption = FittedText(lines=2)
        self.caption.setObjectName("boundaryCaption")
        self.placeholder = QLabel()
        self.placeholder.setObjectName("boundaryPlaceholder")
        self.placeholder.setWordWrap(True)
        self.placeholder.setMargin(16)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.placeholder)
        plot_box = QWidget()
        box = QVBoxLayout(plot_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addWidget(self.pickers)
        box.addWidget(self.plot, 1)
        box.addWidget(self.caption)
        self.stack.addWidget(plot_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        # narrow windows: the wrapped sentences may shrink with the plot
        self.setMinimumSize(96, 140)

    @property
    def applicable(self) -> bool:
        return isinstance(self.plan, BoundaryPlan)

    @property
    def placeholder_text(self) -> str:
        return self.placeholder.text() if self.stack.currentIndex() == 0 else ""

    # -- what to draw ------------------------------------------------------------------
    def clear(self) -> None:
        """No run: a sentence instead of the plot."""
        self.task.cancel()
        self._later.stop()
        self._pending = self._last = None
        self.plan = self.result = self.shown = None
        self._spec = self._prepared = self._model = None
        self.placeholder.setText(NO_RUN)
        self.stack.setCurrentIndex(0)

    def set_data(self, spec: ModelSpec, prepared: PreparedData) -> None:
        """The run's model and data: points drawn, the grid planned."""
        self.task.cancel()
        self._pending = self._last = None
        self._spec, self._prepared, self._model = spec, prepared, None
        self.result = self.shown = None
        self._fill_pickers(prepared)
        self._replan()

    def _fill_pickers(self, prepared: PreparedData) -> None:
        names = list(prepared.feature_names)
        many = len(prepared.input_shape) == 1 and len(names) > 2
        for combo, index in ((self.x_feature, 0), (self.y_feature, 1)):
            combo.clear()
            if many:
                for i, name in enumerate(names):
                    combo.addItem(name, i)
                combo.setCurrentIndex(index)
        self.pickers.setVisible(many)

    def _replan(self) -> None:
        prepared = self._prepared
        if prepared is None or self._spec is None:
            return
        features = (self.x_feature.currentIndex(), self.y_feature.currentIndex())
        if min(features) < 0:
            features = (0, 1)
        plan = plan_boundary(prepared, features, self._spec.analyze().total_params)
        self.plan = plan
        if isinstance(plan, Unsupported):
            self.placeholder.setText(plan.reason)
            self.stack.setCurrentIndex(0)
            return
        self.stack.setCurrentIndex(1)
        self.image.clear()
        self.curve.setData([], [])
        self._draw_points(plan, prepared)
        self.plot.setLabel("bottom", plan.names[0])
        self.plot.setLabel("left", plan.names[1] if plan.kind == "plane" else "")
        box = self.plot.getPlotItem().getViewBox()
        box.setRange(xRange=plan.x_range, yRange=plan.y_range, padding=0)
        self.caption.setText(_caption(plan))

    def _draw_points(self, plan: BoundaryPlan, prepared: PreparedData) -> None:
        for item, split in ((self.train_points, "train"), (self.test_points, "test")):
            x, y = prepared.split(split)
            rows = _spread(len(x), MAX_POINTS[split])
            x, y = x[rows], np.asarray(y)[rows]
            raw = plan.to_data_units(x.reshape(len(x), -1).astype(np.float64))
            across = raw[:, plan.features[0]]
            if plan.kind == "plane":
                up = raw[:, plan.features[1]]
            else:
                up = np.asarray(y, np.float64).reshape(len(y), -1)[:, 0]
            colours = _point_colours(plan, y)
            if item is self.train_points:
                brushes = {c: pg.mkBrush(c) for c in set(colours)}
                item.setData(across, up, brush=[brushes[c] for c in colours])
            else:
                pens = {c: pg.mkPen(c, width=1.6) for c in set(colours)}
                item.setData(across, up, pen=[pens[c] for c in colours])

    @Slot(int)
    def _on_feature_picked(self, _index: int) -> None:
        self._replan()
        if self._last is not None and self.applicable:
            self.show_state(*self._last)

    # -- computing off the GUI thread ------------------------------------------------
    def show_state(
        self, state: dict[str, Any], epoch: int = 0, batch: int | None = None
    ) -> None:
        """Draw the model with the weights ``state`` (latest wins, rate-limited)."""
        if not self.applicable:
            return
        self._pending = (state, epoch, batch)
        self._last = self._pending
        if not self.task.running and not self._later.isActive():
            wait = MIN_INTERVAL_MS - (time.monotonic() - self._started_at) * 1000
            if wait > 0:
                self._later.start(int(wait))
            else:
                self._start_next()

    @property
    def busy(self) -> bool:
        """Whether an image is being computed or waits to be."""
        return self.task.running or self._pending is not None

    @Slot()
    def _start_next(self) -> None:
        plan, spec, pending = self.plan, self._spec, self._pending
        if pending is None or spec is None or not isinstance(plan, BoundaryPlan):
            return
        if self.task.running:
            return  # started again when the running one is delivered
        self._pending = None
        self._started_at = time.monotonic()
        state, epoch, batch = pending
        model = self._model
        colours = CLASS_COLORS

        def work(*_args: Any) -> tuple[Any, ...]:
            nonlocal model
            if model is None:
                model = spec.build("cpu")
                model.eval()
            model.load_state_dict(state)
            result = evaluate_boundary(model, plan)
            rgba = boundary_rgba(result, colours) if plan.kind == "plane" else None
            return model, result, rgba, epoch, batch

        self.task.start(work)

    @Slot(object)
    def _on_computed(self, computed: object) -> None:
        assert isinstance(computed, tuple)
        model, result, rgba, epoch, batch = computed
        self._model = model
        if result.plan is self.plan:
            self._show(result, rgba)
            self.shown = (epoch, batch)
            self.update_count += 1
            self.updated.emit(epoch, batch)

    @Slot(bool)
    def _on_task_running(self, running: bool) -> None:
        if not running and self._pending is not None:
            self.show_state(*self._pending)  # the latest that came meanwhile

    @Slot(object)
    def _on_failed(self, error: object) -> None:
        self.caption.setText(f"The boundary could not be drawn: {error}")

    def _show(self, result: BoundaryResult, rgba: np.ndarray | None) -> None:
        plan = result.plan
        if plan.kind == "plane" and rgba is not None:
            (x0, x1), (y0, y1) = plan.x_range, plan.y_range
            self.image.setImage(rgba, autoLevels=False)
            self.image.setRect(x0, y0, x1 - x0, y1 - y0)
        elif result.values is not None:
            self.curve.setData(plan.axis(0), result.values)
        elif result.probability is not None:
            self.curve.setData(plan.axis(0), result.probability)

    def stop(self) -> None:
        """Closing: end the computation in progress."""
        self._later.stop()
        self._pending = None
        self.task.stop()


def _spread(count: int, most: int) -> np.ndarray:
    """At most ``most`` row indices of ``count``, evenly spread (all if fewer)."""
    if count <= most:
        return np.arange(count)
    return np.linspace(0, count - 1, most).round().astype(int)


def _point_colours(plan: BoundaryPlan, y: np.ndarray) -> list[Any]:
    if plan.task == "regression":
        return [POINT_COLOUR] * len(y)
    labels = np.asarray(y).reshape(len(y), -1)[:, 0].astype(int)
    return [CLASS_COLORS[k % len(CLASS_COLORS)] for k in labels]


def _caption(plan: BoundaryPlan) -> str:
    return f"● training, ○ test. {_colour_text(plan)}"


def _colour_text(plan: BoundaryPlan) -> str:
    if plan.kind == "curve":
        what = "value" if plan.task == "regression" else "probability of class 1"
        return f"The model's {what} over {plan.names[0]} (red line)."
    if plan.task == "regression":
        return "Colour: the predicted value (blue low, orange high)."
    return "Colour: the predicted class; paler where the model is less sure."
