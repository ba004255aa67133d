"""Live training curves: loss, accuracy (or MAE) and the learning rate.

Every curve is created once and updated with ``setData``; :meth:`refresh`
pushes whatever arrived since the last refresh in one ``setData`` per curve,
so the panel can call it from a timer at a bounded rate however fast epochs
and batches come in.

Early stopping and checkpoints are drawn on the plot of the monitored value
(:meth:`TrainingCurves.set_early_stopping`, :meth:`~TrainingCurves.add_checkpoint`):
a marker and a dotted line at the best epoch, a labelled line where training
stopped and why, and a small diamond at each epoch a checkpoint was saved.
A branched run keeps the curves it started from as faded lines
(:meth:`~TrainingCurves.keep_as_previous`).

The per-batch trace keeps its points in arrays that grow by doubling
(float64 x) and draws with ``clipToView`` and peak downsampling, so a long
run costs about as much to redraw as a short one.
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

from guinet.gui.series import DecimatingSeries

TRAIN = "#2563eb"
VALIDATION = "#f59e0b"
BATCH = (37, 99, 235, 70)
LR = "#10b981"
CROSSHAIR = "#9ca3af"
BEST = "#16a34a"
STOP = "#dc2626"
CHECKPOINT = "#7c3aed"
PREVIOUS_ALPHA = 110
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
        # at most 2×1,000 drawn points however long the run: redraws stay flat
        self._batches = DecimatingSeries(max_points=1000)
        self._dirty = False
        self._hover: int | None = None
        self.start_epoch = 0  # epochs the curves hold from before this run
        self.early_stopping: dict[str, Any] = {}  # EarlyStoppingStatus.to_dict()
        self.checkpoint_epochs: dict[int, str] = {}  # epoch (from 1) → kind
        self._previous: list[tuple[pg.PlotWidget, pg.PlotDataItem]] = []

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

        self._build_markers()

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

        self.stopping = QLabel()
        self.stopping.setObjectName("earlyStoppingReadout")
        self.stopping.setWordWrap(True)
        self.stopping.hide()

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
        layout.addWidget(self.stopping)
        layout.addLayout(grid, 1)
        self.lr_plot.hide()
        self.clear()

    def _build_markers(self) -> None:
        """Items for early stopping and checkpoints, created once, moved later."""
        dotted = Qt.PenStyle.DotLine
        self.best_line = pg.InfiniteLine(
            angle=90,
            movable=False,
            pen=pg.mkPen(BEST, width=1, style=dotted),
            label="",
            labelOpts={
                "position": 0.78,
                "color": BEST,
                "fill": LEGEND,
                "anchors": [(1, 0.5), (1, 0.5)],
            },
        )
        self.best_marker = pg.ScatterPlotItem(
            size=15, symbol="star", pen=pg.mkPen("w", width=1), brush=BEST
        )
        self.best_marker.setZValue(5)
        self.stop_line = pg.InfiniteLine(
            angle=90,
            movable=False,
            pen=pg.mkPen(STOP, width=1, style=Qt.PenStyle.DashLine),
            label="",
            labelOpts={
                "position": 0.6,
                "color": STOP,
                "fill": LEGEND,
                "anchors": [(1, 0.5), (1, 0.5)],
            },
        )
        self.checkpoint_marker = pg.ScatterPlotItem(
            size=10, symbol="d", pen=pg.mkPen("w", width=1), brush=CHECKPOINT
        )
        self.checkpoint_marker.setZValue(4)
        self._marker_plot: pg.PlotWidget | None = None

    def _markers(self) -> tuple[Any, ...]:
        return (
            self.best_line,
            self.best_marker,
            self.stop_line,
            self.checkpoint_marker,
        )

    # -- feeding ----------------------------------------------------------------
    def clear(
        self,
        epochs: int = 0,
        metric: str = "accuracy",
        lr: bool = False,
        history: list[dict[str, float]] | None = None,
    ) -> None:
        """Start over for a run of ``epochs`` epochs (0: nothing planned).

        ``history``: the epochs a resumed or branched run starts after; they
        are drawn first, and the run's own epochs continue from there.
        """
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
        self.start_epoch = len(history or [])
        self.early_stopping = {}
        self.checkpoint_epochs = {}
        for logs in history or []:
            self.add_epoch(logs)
        self._place_markers()
        self._dirty = True
        self.refresh()

    def forget_previous(self) -> None:
        """Remove the faded curves of earlier runs."""
        for plot, item in self._previous:
            plot.removeItem(item)
        self._previous = []

    def keep_as_previous(self) -> None:
        """Keep the curves shown now as faded lines (a branch starts from them)."""
        self.forget_previous()
        plots = (self.loss_plot, self.loss_plot, self.metric_plot, self.metric_plot)
        for curve, plot, key in zip(self.epoch_curves, plots, self._keys, strict=False):
            x, y = self._series[key].view()
            if not len(x):
                continue
            color = QColor(curve.opts["pen"].color())
            color.setAlpha(PREVIOUS_ALPHA)
            item = pg.PlotDataItem(
                x.copy(),
                y.copy(),
                pen=pg.mkPen(color, width=1, style=Qt.PenStyle.DashLine),
            )
            item.setZValue(-2)
            plot.addItem(item)
            self._previous.append((plot, item))

    @property
    def previous_curves(self) -> list[pg.PlotDataItem]:
        """The faded curves kept from earlier runs."""
        return [item for _plot, item in self._previous]

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

    def set_early_stopping(self, status: dict[str, Any]) -> None:
        """Show early stopping's state (``EarlyStoppingStatus.to_dict()``)."""
        self.early_stopping = dict(status or {})
        self._place_markers()
        self._dirty = True

    def add_checkpoint(self, info: dict[str, Any]) -> None:
        """Mark the epoch of a saved checkpoint (``CheckpointInfo.to_dict()``)."""
        epoch = int(info.get("epoch") or 0)
        if epoch <= 0:
            return
        kinds = self.checkpoint_epochs.get(epoch)
        kind = str(info.get("kind", "?"))
        if kinds is None or kind not in kinds.split(", "):
            self.checkpoint_epochs[epoch] = f"{kinds}, {kind}" if kinds else kind
        self._dirty = True

    def set_checkpoints(self, infos: list[dict[str, Any]]) -> None:
        """Mark exactly these checkpoints (the folder's list after a run)."""
        self.checkpoint_epochs = {}
        for info in infos:
            self.add_checkpoint(info)

    @property
    def monitor(self) -> str:
        return str(self.early_stopping.get("monitor") or "val_loss")

    def _monitor_plot(self) -> pg.PlotWidget:
        key = self.monitor
        if key == "lr":
            return self.lr_plot
        return self.loss_plot if key.endswith("loss") else self.metric_plot

    def _monitor_value(self, epoch: int) -> float | None:
        """The monitored value at ``epoch`` (from 1), or ``None``."""
        if not 1 <= epoch <= len(self.epochs):
            return None
        value = _number(self.epochs[epoch - 1].get(self.monitor))
        return value if math.isfinite(value) else None

    def _place_markers(self) -> None:
        plot = self._monitor_plot()
        if plot is not self._marker_plot:
            for item in self._markers():
                if self._marker_plot is not None:
                    self._marker_plot.removeItem(item)
                plot.addItem(item, ignoreBounds=isinstance(item, pg.InfiniteLine))
            self._marker_plot = plot
        status = self.early_stopping
        best = status.get("best_epoch") if status.get("enabled") else None
        value = self._monitor_value(best) if best else None
        self.best_line.setVisible(value is not None)
        if best and value is not None:
            self.best_line.setPos(best)
            restored = status.get("restored_epoch")
            self.best_line.label.setFormat(
                f"weights restored from epoch {restored}"
                if restored == best
                else f"best: epoch {best}"
            )
            self.best_marker.setData([float(best)], [value])
        else:
            self.best_marker.setData([], [])
        stopped = status.get("stopped_epoch")
        self.stop_line.setVisible(bool(stopped))
        if stopped:
            self.stop_line.setPos(stopped)
            self.stop_line.label.setFormat(self.stop_label())
        points = [
            (float(e), v)
            for e in sorted(self.checkpoint_epochs)
            if (v := self._monitor_value(e)) is not None
        ]
        self.checkpoint_marker.setData(
            [p[0] for p in points],
            [p[1] for p in points],
            data=[self.checkpoint_epochs[int(p[0])] for p in points],
        )
        self._show_stopping()

    def stop_label(self) -> str:
        """The stop line's label: where and why early stopping ended the run."""
        status = self.early_stopping
        reason = status.get("reason")
        if reason == "patience":
            why = f"no improvement for {status.get('patience')} epochs"
        elif reason == "stop_at":
            why = "target reached"
        elif reason == "baseline":
            why = "baseline not beaten"
        elif reason == "divergence":
            why = "diverged"
        elif reason == "non_finite":
            why = "not a number"
        else:
            why = str(reason or "early stopping")
        return f"stopped: {why}"

    def stopping_text(self) -> str:
        """The patience count-down, or where it stopped and what was restored."""
        status = self.early_stopping
        if not status:
            return ""
        if not status.get("enabled"):
            return "Early stopping is off."
        monitor = status.get("monitor", "?")
        parts = []
        if status.get("stopped_epoch"):
            parts.append(
                f"<span style='color:{STOP}'>Stopped at epoch "
                f"{status['stopped_epoch']}</span>: "
                f"{status.get('message') or self.stop_label()}"
            )
        elif status.get("best") is None:
            parts.append(f"Early stopping watches {monitor}: no value yet.")
        else:
            parts.append(
                f"<span style='color:{BEST}'>★ best {monitor} "
                f"{status['best']:.4g} at epoch {status.get('best_epoch')}</span>"
                f" · no improvement for {status.get('wait', 0)} of "
                f"{status.get('patience')} epochs"
            )
        restored = status.get("restored_epoch")
        if restored:
            parts.append(f"<b>weights restored from epoch {restored}</b>")
        return " · ".join(parts)

    def _show_stopping(self) -> None:
        text = self.stopping_text()
        self.stopping.setText(text)
        self.stopping.setVisible(bool(text))

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
        self._place_markers()
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
