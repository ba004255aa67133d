"""The network view: a small network learning, live, and one step from inside.

Fed the weights a run copies (:meth:`NetworkView.show_state`, connected to
the runner's ``weights_copied``), it draws a dense network's units and
weights — for 2-D data each unit with its activation map over the plane —
or a CNN's filters and the feature maps of a chosen test sample. Copies
arrive faster than they are worth drawing; the view keeps only the latest
and computes the next picture off the GUI thread when the previous one is
done (latest wins), so drawing never holds up the window or the run; a
view behind another tab computes nothing until it is shown.

"Inside one step" runs one sample through a copy of the weights, the
project's loss and one step of its optimizer (:mod:`guinet.core.network_step`)
and draws each unit's value and each weight's update; hovering shows the
gradient and the update of each weight.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QPushButton,
    QScrollArea,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from guinet.gui.network_canvas import (
    ConvCanvas,
    ConvPicture,
    DenseCanvas,
    DensePicture,
    diverging,
    greys,
    round_image,
)
from guinet.gui.tasks import BackgroundTask
from guinet.gui.widgets import ElidedLabel, FittedText, FlowLayout

if TYPE_CHECKING:
    from guinet.core.network import Grid
    from guinet.core.network_step import NetworkSource, State
    from guinet.core.session import Session

#: At most this many pictures a second are computed (the newest copy wins).
REFRESH_MS = 200
LEGEND = (
    "Backpropagation: the loss's gradient flows back from the output layer by "
    "layer (the chain rule), giving each weight ∂loss/∂w; the optimizer moves "
    "each weight against it. Lines: width the gradient's size, colour where "
    "the step moved the weight (blue up, orange down); numbers: each unit's "
    "value. Hover for the numbers."
)
CONV_LEGEND = (
    "Filters: each conv layer's kernels (averaged over its input channels; blue "
    "positive, orange negative). Feature maps: where each filter responds in "
    "the chosen test sample (white strongest)."
)
NO_RUN = "Train the model to see its network learn."
LIVE_LEGEND = (
    "Lines: weights (blue positive, orange negative, width their size). "
    "Circles: units; for 2-D data each shows its output over the plane."
)


@dataclass
class _Job:
    source: NetworkSource
    state: State
    epoch: int
    batch: int | None
    sample: int
    grid: Grid | None
    step: bool


def _compute(job: _Job) -> object:
    """The picture of one copy of the weights (runs off the GUI thread)."""
    import numpy as np

    from guinet.core.network import (
        activation_maps,
        conv_views,
        dense_layout,
        describe_network,
        is_cnn,
    )
    from guinet.core.network_step import inside_step

    model = job.source.reused(job.state)
    names = job.source.prepared.feature_names
    layout = dense_layout(model, names)
    if layout is not None:
        diagram = describe_network(model, layout)
        picture = DensePicture(diagram)
        if job.grid is not None:
            maps = activation_maps(model, layout, job.grid)
            for layer_maps in maps:
                scale = float(np.abs(layer_maps).max()) if layer_maps.size else 1.0
                picture.maps.append(
                    [round_image(diverging(m, scale)) for m in layer_maps]
                )
        if job.step:
            x, y = job.source.sample(job.sample)
            picture.step = inside_step(job.source, job.state, layout, x, y)
        return picture
    if is_cnn(model):
        x, _y = job.source.sample(job.sample)
        views = conv_views(model, x[0])
        filters = []
        for view in views:
            mean = view.filters.mean(axis=1)  # over the input channels
            scale = float(np.abs(mean).max()) or 1.0
            filters.append([diverging(f, scale) for f in mean])
        return ConvPicture(views, filters, [[greys(m) for m in v.maps] for v in views])
    raise ValueError(
        "the network view draws stacks of Linear layers and CNNs; this model "
        "has neither"
    )


class NetworkView(QWidget):
    """The network learning (see the module doc)."""

    #: A picture of the weights after (epoch, batch) was drawn.
    view_updated = Signal(int, object)
    #: An inside-one-step result was drawn (its loss).
    step_shown = Signal(float)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("networkView")
        self.session = session
        self.source: NetworkSource | None = None
        self.state: State | None = None
        self.epoch = 0
        self.batch: int | None = None
        self.step_result: Any = None
        self._pending: _Job | None = None
        self._grid_of: NetworkSource | None = None
        self._grid_cache: Grid | None = None
        self.task = BackgroundTask("network-view", self)
        self.task.succeeded.connect(self._on_computed)
        self.task.failed.connect(self._on_failed)
        self.task.running_changed.connect(self._on_running_changed)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._launch)
        self._build()
        # beside the curves and the boundary the pane may get narrow (a small
        # screen): the picture shrinks, rather than the window outgrowing it
        self.setMinimumSize(60, 100)
        session.project_changed.connect(self.clear)
        session.data_changed.connect(self.clear)

    def _build(self) -> None:
        # the header: a short status line (the whole sentence its tooltip)
        # and the controls, which wrap onto their own row in a narrow pane
        self.status = ElidedLabel(mode=Qt.TextElideMode.ElideRight)
        self.status.setObjectName("networkStatus")
        self.step_mode = QPushButton("Inside one step")
        self.step_mode.setCheckable(True)
        self.step_mode.setToolTip(
            "Stop the live drawing and look inside one training step of one "
            "sample: its forward pass, the loss, and each weight's gradient "
            "and update."
        )
        self.step_mode.toggled.connect(self._on_mode_toggled)
        self.sample = QSpinBox()
        self.sample.setPrefix("sample ")
        self.sample.setMaximum(0)
        self.sample.setToolTip("Which sample of the test split to look at.")
        self.sample.valueChanged.connect(self._on_sample_changed)
        self.step_button = QPushButton("Step")
        self.step_button.setToolTip(
            "Run the sample forward, compute the loss, backpropagate and "
            "take one optimizer step — on a copy; the run is not changed."
        )
        self.step_button.clicked.connect(self.run_step)
        self.step_button.setVisible(False)
        self.header = QWidget()
        bar = FlowLayout(self.header)
        for widget in (self.status, self.sample, self.step_mode, self.step_button):
            bar.addWidget(widget)
        # under the picture: what the step did, and what the colours mean —
        # as many lines as fit a narrow pane, the rest in their tooltips
        self.loss_label = FittedText(lines=3)
        self.loss_label.setObjectName("networkLoss")
        self.legend = FittedText(LIVE_LEGEND, lines=2)
        self.legend.setObjectName("networkLegend")
        self.dense = DenseCanvas()
        self.conv = ConvCanvas()
        conv_scroll = QScrollArea()
        conv_scroll.setWidgetResizable(True)
        conv_scroll.setWidget(self.conv)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.dense)
        self.stack.addWidget(conv_scroll)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.header)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.loss_label)
        layout.addWidget(self.legend)

    # -- feeding -------------------------------------------------------------------
    @Slot()
    def clear(self) -> None:
        """Forget the weights shown and what they belong to (a new run or project)."""
        self.task.cancel()
        self._pending = None
        self.source = None
        self.state = None
        self.step_result = None
        self.dense.show_picture(None, NO_RUN)
        self.conv.show_picture(None)
        self._set_status("no run yet", NO_RUN)
        self.loss_label.setText("")

    def show_state(self, state: dict, epoch: int, batch: int | None) -> None:
        """Draw ``state`` (a CPU state_dict) as the weights after ``epoch``
        epochs (and ``batch`` batches of the next). Cheap: the picture is
        computed off the GUI thread, and only the newest state is drawn."""
        self.state, self.epoch, self.batch = state, epoch, batch
        if self.step_mode.isChecked():
            return  # the step shown stays until the person goes back to Live
        if not self.isVisible():
            return  # hidden behind another tab: drawn when shown (showEvent)
        self._queue(step=False)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if self.state is not None and not self.step_mode.isChecked():
            self._queue(step=False)

    def _queue(self, step: bool) -> None:
        if self.state is None or not self._ensure_source():
            return
        assert self.source is not None
        self._pending = _Job(
            self.source,
            self.state,
            self.epoch,
            self.batch,
            self.sample.value(),
            self._grid(),
            step,
        )
        if not self.task.running and not self._timer.isActive():
            self._timer.start(0 if step else REFRESH_MS)

    def _ensure_source(self) -> bool:
        if self.source is not None:
            return True
        from guinet.core.network_step import NetworkSource

        try:
            self.source = NetworkSource.from_session(self.session)
        except Exception as exc:  # no data, a model that cannot be built
            self._cannot_draw(exc)
            return False
        self.sample.setMaximum(max(0, self.source.split_size("test") - 1))
        return True

    def _grid(self) -> Grid | None:
        """The plane the maps cover (2-D data only), once per source."""
        from guinet.core.network import Grid

        source = self.source
        if source is None or tuple(source.prepared.input_shape) != (2,):
            return None
        if self._grid_of is not source:
            self._grid_of = source
            self._grid_cache = Grid.around(source.prepared.x_train, size=24)
        return self._grid_cache

    @Slot()
    def _launch(self) -> None:
        if self.task.running or self._pending is None:
            return
        job, self._pending = self._pending, None
        self.task.start(lambda _progress, _cancelled: (job, _compute(job)))

    @Slot(bool)
    def _on_running_changed(self, running: bool) -> None:
        if not running and self._pending is not None and not self._timer.isActive():
            self._timer.start(0 if self._pending.step else REFRESH_MS)

    @Slot(object)
    def _on_computed(self, result: object) -> None:
        job, picture = cast("tuple[_Job, Any]", result)
        if job.source is not self.source:
            return  # computed for a run or project that is gone
        when = (
            f"epoch {job.epoch}"
            if job.batch is None
            else (f"epoch {job.epoch + 1}, batch {job.batch}")
        )
        short = when.replace(", ", " · ")
        conv = isinstance(picture, ConvPicture)
        self.step_mode.setVisible(not conv)  # one step is drawn for dense nets
        if conv:
            self.legend.setText(CONV_LEGEND)
        elif not self.step_mode.isChecked():
            self.legend.setText(LIVE_LEGEND)
        if isinstance(picture, ConvPicture):
            self.stack.setCurrentIndex(1)
            self.conv.show_picture(picture)
            self._set_status(
                f"{short} · sample {job.sample}",
                f"Weights after {when}; test sample {job.sample}.",
            )
        else:
            self.stack.setCurrentIndex(0)
            self.dense.show_picture(picture)
            self._set_status(short, f"Weights after {when}.")
            if picture.step is not None:
                self._show_step(picture.step)
                return
        self.view_updated.emit(job.epoch, job.batch)

    def _show_step(self, step: Any) -> None:
        self.step_result = step
        target = ", ".join(f"{v:g}" for v in step.target)
        before = ", ".join(f"{v:.3f}" for v in step.output)
        after = ", ".join(f"{v:.3f}" for v in step.output_after)
        self.loss_label.setText(
            f"<b>{step.loss_name} = {step.loss:.4f}</b> on test sample "
            f"{self.sample.value()} (target {target}; output {before}). After one "
            f"{step.optimizer} step (lr {step.lr:g}): loss {step.loss_after:.4f}, "
            f"output {after}.<br><small>{' '.join(step.notes)}</small>"
        )
        self.step_shown.emit(step.loss)

    @Slot(object)
    def _on_failed(self, error: object) -> None:
        self._cannot_draw(error)

    def _set_status(self, short: str, sentence: str) -> None:
        """``short`` in the header (elided when the pane is narrow), the
        whole ``sentence`` as its tooltip."""
        self.status.setText(short)
        self.status.setToolTip(sentence)

    def _cannot_draw(self, error: object) -> None:
        """Say why where the picture would be: wrapped, never cut."""
        sentence = f"The network cannot be drawn: {error}"
        self._set_status("cannot be drawn", sentence)
        self.stack.setCurrentIndex(0)
        self.dense.show_picture(None, sentence)

    # -- inside one step -----------------------------------------------------------
    @Slot(bool)
    def _on_mode_toggled(self, on: bool) -> None:
        self.step_button.setVisible(on)
        self.legend.setText(LEGEND if on else LIVE_LEGEND)
        if not on:
            self.step_result = None
            self.loss_label.setText("")
            self._queue(step=False)

    @Slot()
    def run_step(self) -> None:
        """One training step of the chosen sample, on a copy of the weights
        shown (or, before any run, the weights a run would start from)."""
        if self.state is None:
            self.state = self._initial_state()
            if self.state is None:
                return
        self._queue(step=True)

    def _initial_state(self) -> State | None:
        if not self._ensure_source():
            return None
        import torch

        from guinet.core.training.snapshots import copy_state

        assert self.source is not None
        seed = self.session.project.training.seed
        with torch.random.fork_rng(devices=[]):
            if seed is not None:
                torch.manual_seed(seed)
            model = self.source.spec.build("cpu")  # as the run would start
        self._set_status(
            "initial weights", "The weights a run would start from (not trained yet)."
        )
        return copy_state(model)

    @Slot(int)
    def _on_sample_changed(self, _value: int) -> None:
        if self.state is not None and not self.step_mode.isChecked():
            self._queue(step=False)  # a CNN's feature maps are of this sample

    def stop(self) -> None:
        """End any computation (the window is closing)."""
        self._timer.stop()
        self.task.stop()
