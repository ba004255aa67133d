"""Live training curves: loss, accuracy (or MAE) and the learning rate.

Every curve is created once and updated with ``setData``; :meth:`refresh`
pushes whatever arrived since the last refresh in one ``setData`` per curve,
so the panel can call it from a timer at a bounded rate however fast epochs
and batches come in. The per-batch trace keeps its points in arrays that
grow by doubling (float64 x) and draws with ``clipToView`` and peak
downsampling, so a long run costs about as much to redraw as a short one.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

TRAIN = "#2563eb"
VALIDATION = "#f59e0b"
BATCH = (37, 99, 235, 70)
LR = "#10b981"
CROSSHAIR = "#9ca3af"
LEGEND = (255, 255, 255, 210)
#: Epoch curves show a dot per epoch while they are this short.
SYMBOL_LIMIT = 60
METRIC_TITLES = {"accuracy": "Accuracy", "mae": "Mean absolute error"}


class _GrowingSeries:
    """x/y arrays that grow by doubling; ``view()`` is the filled part."""

    def __init__(self, capacity: int = 1024) -> None:
        self.x = np.empty(capacity, dtype=np.float64)
        self.y = np.empty(capacity, dtype=np.float64)
        self.size = 0

    def append(self, x: float, y: float) -> None:
        if self.size == len(self.x):
            self.x = np.concatenate([self.x, np.empty_like(self.x)])
            self.y = np.concatenate([self.y, np.empty_like(self.y)])
        self.x[self.size] = x
        self.y[self.size] = y
        self.size += 1

    def clear(self) -> None:
        self.size = 0

    def view(self) -> tuple[np.ndarray, np.ndarray]:
        return self.x[: self.size], self.y[: self.size]


def _plot(title: str, left: str) -> pg.PlotWidget:
    plot = pg.PlotWidget()
    plot.setTitle(title, size="9pt")
    plot.setLabel("left", left)
    plot.setLabel("bottom", "epoch")
    plot.showGrid(x=True, y=True, alpha=0.18)
    for side in ("left", "bottom"):
        axis = plot.getAxis(side)
        # Grid lines at major ticks only: minor ones cost most of a repaint.
        axis.setStyle(maxTickLevel=0)
        axis.enableAutoSIPrefix(False)
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.getPlotItem().getViewBox().setDefaultPadding(0.04)
    plot.setMinimumHeight(120)
    return plot


def _line(
    plot: pg.PlotWidget, color: Any, name: str | None, **options: Any
) -> pg.PlotDataItem:
    item = plot.plot([], [], pen=pg.mkPen(color, width=1), name=name, **options)
    return item


class TrainingCurves(QWidget):
    """Loss and metric per epoch, a light per-batch loss trace, and the LR.

    Feed it with :meth:`add_epoch` and :meth:`add_batch`; call :meth:`refresh`
    to draw. Hovering a plot shows that epoch's values in the read-out line
    and a vertical line across the plots; otherwise the latest epoch is shown.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        pg.setConfigOptions(antialias=True, background="w", foreground="#374151")
        self.epochs: list[dict[str, float]] = []
        self.total_epochs = 0
        self.metric_key = "accuracy"
        self._batches = _GrowingSeries()
        self._dirty = False
        self._hover: int | None = None

        self.readout = QLabel()
        self.readout.setObjectName("curveReadout")
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.readout.setMinimumWidth(10)
        self.readout.setWordWrap(True)
        self.show_batches = QCheckBox("Batches")
        self.show_batches.setToolTip("Show the loss of single batches (light line)")
        self.show_batches.setChecked(True)
        self.show_batches.toggled.connect(self._on_batches_toggled)
        self.log_scale = QCheckBox("Log scale")
        self.log_scale.setToolTip("Loss on a logarithmic axis")
        self.log_scale.toggled.connect(self._on_log_toggled)

        self.loss_plot = _plot("Loss", "loss")
        self.metric_plot = _plot("Accuracy", "accuracy")
        self.lr_plot = _plot("Learning rate", "lr")
        self.lr_plot.setMinimumHeight(90)
        self.lr_plot.setMaximumHeight(150)
        self.lr_plot.setLabel("bottom", "")
        self.lr_plot.setLogMode(y=True)  # schedules multiply the rate
        for plot in (self.metric_plot, self.lr_plot):
            plot.setXLink(self.loss_plot)

        self.loss_plot.addLegend(offset=(-8, 8), labelTextSize="8pt", brush=LEGEND)
        self.batch_curve = _line(self.loss_plot, BATCH, None, antialias=False)
        self.batch_curve.setClipToView(True)
        self.batch_curve.setDownsampling(auto=True, method="peak")
        self.batch_curve.setZValue(-1)
        self.loss_curve = _line(self.loss_plot, TRAIN, "training")
        self.val_loss_curve = _line(self.loss_plot, VALIDATION, "validation")
        self.metric_plot.addLegend(offset=(-8, -8), labelTextSize="8pt", brush=LEGEND)
        self.metric_curve = _line(self.metric_plot, TRAIN, "training")
        self.val_metric_curve = _line(self.metric_plot, VALIDATION, "validation")
        self.lr_curve = _line(self.lr_plot, LR, None)
        self.epoch_curves = (
            self.loss_curve,
            self.val_loss_curve,
            self.metric_curve,
            self.val_metric_curve,
        )

        self.crosshairs = []
        for plot in (self.loss_plot, self.metric_plot, self.lr_plot):
            line = pg.InfiniteLine(
                angle=90,
                movable=False,
                pen=pg.mkPen(CROSSHAIR, width=1, style=Qt.PenStyle.DashLine),
            )
            line.hide()
            plot.addItem(line, ignoreBounds=True)
            self.crosshairs.append(line)
            plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
            plot.viewport().installEventFilter(self)

        header = QHBoxLayout()
        header.setContentsMargins(4, 0, 4, 0)
        header.addWidget(self.readout, 1)
        header.addWidget(self.show_batches)
        header.addWidget(self.log_scale)
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(6)
        grid.addWidget(self.loss_plot, 0, 0, 2, 1)
        grid.addWidget(self.metric_plot, 0, 1)
        grid.addWidget(self.lr_plot, 1, 1)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        grid.setRowStretch(0, 3)
        grid.setRowStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(header)
        layout.addLayout(grid, 1)
        self.lr_plot.hide()
        self.clear()

    # -- feeding ----------------------------------------------------------------
    def clear(
        self, epochs: int = 0, metric: str = "accuracy", lr: bool = False
    ) -> None:
        """Start over for a run of ``epochs`` epochs (0: nothing planned)."""
        self.epochs = []
        self.total_epochs = epochs
        self.metric_key = metric
        self._batches.clear()
        self._series = {key: _GrowingSeries(256) for key in self._keys}
        self._hover = None
        title = METRIC_TITLES.get(metric, metric)
        self.metric_plot.setTitle(title, size="9pt")
        self.metric_plot.setLabel("left", metric)
        self.lr_plot.setVisible(lr)
        for line in self.crosshairs:
            line.hide()
        self._dirty = True
        self.refresh()

    @property
    def _keys(self) -> tuple[str, ...]:
        metric = self.metric_key
        return ("loss", "val_loss", metric, f"val_{metric}", "lr")

    def add_epoch(self, logs: dict[str, float]) -> None:
        self.epochs.append(dict(logs))
        x = float(len(self.epochs))
        for key, series in self._series.items():
            value = _number(logs.get(key))
            if math.isfinite(value):
                series.append(x, value)
        self._dirty = True

    def add_batch(self, epoch: int, batch: int, batches: int, loss: float) -> None:
        """``epoch`` and ``batch`` from 0; drawn at epoch + (batch + 1) / batches."""
        self._batches.append(epoch + (batch + 1) / max(1, batches), loss)
        self._dirty = True

    # -- drawing ----------------------------------------------------------------
    def refresh(self) -> None:
        """Draw what arrived since the last call: one ``setData`` per curve."""
        if not self._dirty:
            return
        self._dirty = False
        symbol = "o" if len(self.epochs) <= SYMBOL_LIMIT else None
        keys = self._keys
        for curve, key in zip(self.epoch_curves, keys, strict=False):
            x, y = self._series[key].view()
            curve.setData(
                x,
                y,
                symbol=symbol,
                symbolSize=5,
                symbolPen=None,
                symbolBrush=curve.opts["pen"].color(),
            )
        self.lr_curve.setData(*self._series["lr"].view())
        bx, by = self._batches.view()
        if self.show_batches.isChecked():
            self.batch_curve.setData(bx, by)
        if self._hover is None:
            self._show_readout(len(self.epochs) - 1, latest=True)

    def series(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """The epochs (from 1) that have a finite ``key``, and its values."""
        return self._series[key].view()

    @property
    def batch_points(self) -> int:
        return self._batches.size

    @Slot(bool)
    def _on_batches_toggled(self, on: bool) -> None:
        self.batch_curve.setVisible(on)
        self._dirty = True
        self.refresh()

    @Slot(bool)
    def _on_log_toggled(self, on: bool) -> None:
        self.loss_plot.setLogMode(y=on)
        self.loss_plot.setLabel("left", "loss (log)" if on else "loss")

    # -- hover read-out -----------------------------------------------------------
    @Slot(QPointF)
    def _on_mouse_moved(self, pos: QPointF) -> None:
        scene = self.sender()
        for plot in (self.loss_plot, self.metric_plot, self.lr_plot):
            if plot.scene() is scene:
                self.hover_at(plot, pos)
                return

    def hover_at(self, plot: pg.PlotWidget, scene_pos: QPointF) -> None:
        """Show the epoch nearest to ``scene_pos`` (in ``plot``'s scene)."""
        box = plot.getPlotItem().getViewBox()
        if not self.epochs or not box.sceneBoundingRect().contains(scene_pos):
            self.leave()
            return
        x = box.mapSceneToView(scene_pos).x()
        index = int(min(max(round(x) - 1, 0), len(self.epochs) - 1))
        self._hover = index
        for line in self.crosshairs:
            line.setPos(index + 1)
            line.show()
        self._show_readout(index, latest=False)

    def leave(self) -> None:
        self._hover = None
        for line in self.crosshairs:
            line.hide()
        self._show_readout(len(self.epochs) - 1, latest=True)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Leave:
            self.leave()
        return super().eventFilter(watched, event)

    def _show_readout(self, index: int, latest: bool) -> None:
        if index < 0 or index >= len(self.epochs):
            self.readout.setText(
                "<span style='color:#6b7280'>Curves appear here as the network "
                "trains. Hover a plot to read its values.</span>"
            )
            return
        logs = self.epochs[index]
        of = f" of {self.total_epochs}" if self.total_epochs else ""
        head = f"<b>Epoch {index + 1}{of}</b>"
        if latest:
            head += " <span style='color:#6b7280'>(latest)</span>"
        parts = [head]
        keys = (
            ("loss", TRAIN),
            ("val_loss", VALIDATION),
            (self.metric_key, TRAIN),
            (f"val_{self.metric_key}", VALIDATION),
            ("lr", LR),
        )
        for key, color in keys:
            value = logs.get(key)
            if value is None or (key == "lr" and not self.lr_plot.isVisible()):
                continue
            parts.append(
                f"<span style='color:{QColor(color).darker(115).name()}'>"
                f"{key.replace('_', ' ')}</span> {_fmt(key, value)}"
            )
        self.readout.setText(" &nbsp;·&nbsp; ".join(parts))


def _number(value: Any) -> float:
    if value is None:
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _fmt(key: str, value: float) -> str:
    if not math.isfinite(value):
        return str(value)
    if key.endswith("accuracy"):
        return f"{value:.3f}"
    if key == "lr":
        return f"{value:.3g}"
    return f"{value:.4f}"
