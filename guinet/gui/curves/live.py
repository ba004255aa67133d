"""The run's curves and the numbers behind them: loss, metric, batches, LR.

:class:`LiveCurves` owns the three plots, the line items on them and the data
they draw. It has no timer and no notion of "dirty": the widget decides when
to :meth:`~LiveCurves.draw`, and one draw is one ``setData`` per line, so the
cost of a refresh does not depend on how many epochs or batches came in since
the last one.

Epoch values go into arrays that grow by doubling (float64 x), so an epoch is
an O(1) append and a draw hands pyqtgraph views, not new lists. The per-batch
trace is a :class:`~guinet.gui.series.DecimatingSeries` drawn with
``clipToView`` and peak downsampling, so a long run costs about as much to
redraw as a short one.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from guinet.core.training.metrics import METRICS
from guinet.gui.curves.style import (
    BATCH,
    LEGEND,
    LR,
    PREVIOUS_ALPHA,
    TRAIN,
    VALIDATION,
    make_line,
    make_plot,
    number,
)
from guinet.gui.series import DecimatingSeries

#: Epoch curves show a dot per epoch while they are this short.
SYMBOL_LIMIT = 60


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

    def view(self) -> tuple[np.ndarray, np.ndarray]:
        return self.x[: self.size], self.y[: self.size]


class LiveCurves:
    """Loss and metric per epoch (training and validation), batches and the LR.

    ``epochs`` holds every epoch's logs as given (the markers and the hover
    read-out look values up there); the line data holds only finite values,
    so a missing validation value is a gap, never a zero.
    """

    def __init__(self) -> None:
        self.epochs: list[dict[str, float]] = []
        self.total_epochs = 0  # planned; 0 when unknown
        self.metric_key = "accuracy"
        self.show_lr = False
        # at most 2×1,000 drawn points however long the run: redraws stay flat
        self._batches = DecimatingSeries(max_points=1000)
        self._series: dict[str, _GrowingSeries] = {}
        self._previous: list[tuple[pg.PlotWidget, pg.PlotDataItem]] = []

        self.loss_plot = make_plot("Loss", "loss")
        self.metric_plot = make_plot("Accuracy", "accuracy")
        self.lr_plot = make_plot("Learning rate", "lr")
        self.lr_plot.setMinimumHeight(90)
        self.lr_plot.setMaximumHeight(150)
        self.lr_plot.setLabel("bottom", "")
        self.lr_plot.setLogMode(y=True)  # schedules multiply the rate
        for plot in (self.metric_plot, self.lr_plot):
            plot.setXLink(self.loss_plot)
        self.plots = (self.loss_plot, self.metric_plot, self.lr_plot)

        self.loss_plot.addLegend(offset=(-8, 8), labelTextSize="8pt", brush=LEGEND)
        self.batch_curve = make_line(self.loss_plot, BATCH, None, antialias=False)
        self.batch_curve.setClipToView(True)
        self.batch_curve.setDownsampling(auto=True, method="peak")
        self.batch_curve.setZValue(-1)
        self.loss_curve = make_line(self.loss_plot, TRAIN, "training")
        self.val_loss_curve = make_line(self.loss_plot, VALIDATION, "validation")
        self.metric_plot.addLegend(offset=(-8, -8), labelTextSize="8pt", brush=LEGEND)
        self.metric_curve = make_line(self.metric_plot, TRAIN, "training")
        self.val_metric_curve = make_line(self.metric_plot, VALIDATION, "validation")
        self.lr_curve = make_line(self.lr_plot, LR, None)
        #: In the order of :attr:`keys`.
        self.epoch_curves = (
            self.loss_curve,
            self.val_loss_curve,
            self.metric_curve,
            self.val_metric_curve,
        )

    @property
    def keys(self) -> tuple[str, ...]:
        """The logged values drawn: the epoch curves' keys, then ``"lr"``."""
        metric = self.metric_key
        return ("loss", "val_loss", metric, f"val_{metric}", "lr")

    def clear(self, epochs: int, metric: str, lr: bool) -> None:
        """Empty every line; the metric plot shows ``metric``, the LR plot ``lr``."""
        self.epochs = []
        self.total_epochs = epochs
        self.metric_key = metric
        self.show_lr = lr
        self._batches.clear()
        self._series = {key: _GrowingSeries(256) for key in self.keys}
        declared = METRICS.get(metric)
        title = declared.label if declared is not None else metric
        self.metric_plot.setTitle(title, size="9pt")
        self.metric_plot.setLabel("left", metric)
        self.lr_plot.setVisible(lr)
        self.reset_view(epochs)

    def reset_view(self, epochs: int = 0) -> None:
        """Forget the last run's axis ranges (and any zoom): empty plots show
        the epochs planned, and each plot follows its data again."""
        boxes = [plot.getPlotItem().getViewBox() for plot in self.plots]
        for box in boxes:  # (a linked plot's range switches the others' auto off)
            box.setRange(xRange=(0, max(1, epochs)), yRange=(0, 1))
        for box in boxes:
            box.enableAutoRange()

    def add_epoch(self, logs: dict[str, float]) -> None:
        self.epochs.append(dict(logs))
        x = float(len(self.epochs))
        for key, series in self._series.items():
            value = number(logs.get(key))
            if math.isfinite(value):
                series.append(x, value)

    def add_batch(self, epoch: int, batch: int, batches: int, loss: float) -> None:
        """``epoch`` and ``batch`` from 0; drawn at epoch + (batch + 1) / batches."""
        self._batches.append(epoch + (batch + 1) / max(1, batches), loss)

    def draw(self, batches: bool) -> None:
        """One ``setData`` per line; the batch trace only if ``batches``."""
        symbol = "o" if len(self.epochs) <= SYMBOL_LIMIT else None
        for curve, key in zip(self.epoch_curves, self.keys, strict=False):
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
        if batches:
            self.batch_curve.setData(*self._batches.view())

    def series(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """The epochs (from 1) that have a finite ``key``, and its values."""
        return self._series[key].view()

    @property
    def batch_points(self) -> int:
        """Batches added since :meth:`clear` (not the points drawn)."""
        return self._batches.size

    def value(self, key: str, epoch: int) -> float | None:
        """``key`` logged at ``epoch`` (from 1), or ``None`` if not a number."""
        if not 1 <= epoch <= len(self.epochs):
            return None
        value = number(self.epochs[epoch - 1].get(key))
        return value if math.isfinite(value) else None

    def plot_for(self, key: str) -> pg.PlotWidget:
        """The plot that draws the logged value ``key``."""
        if key == "lr":
            return self.lr_plot
        return self.loss_plot if key.endswith("loss") else self.metric_plot

    def set_log_loss(self, on: bool) -> None:
        self.loss_plot.setLogMode(y=on)
        self.loss_plot.setLabel("left", "loss (log)" if on else "loss")

    # -- faded curves of an earlier run -----------------------------------------
    def forget_previous(self) -> None:
        """Remove the faded curves of earlier runs."""
        for plot, item in self._previous:
            plot.removeItem(item)
        self._previous = []

    def keep_as_previous(self, label: str | None = None) -> None:
        """Keep the epoch curves as faded dashed copies (a branch starts here);
        ``label``: the loss plot's legend names them (on the training loss)."""
        self.forget_previous()
        plots = (self.loss_plot, self.loss_plot, self.metric_plot, self.metric_plot)
        for curve, plot, key in zip(self.epoch_curves, plots, self.keys, strict=False):
            x, y = self._series[key].view()
            if not len(x):
                continue
            color = QColor(curve.opts["pen"].color())
            color.setAlpha(PREVIOUS_ALPHA)
            item = pg.PlotDataItem(
                x.copy(),
                y.copy(),
                pen=pg.mkPen(color, width=1, style=Qt.PenStyle.DashLine),
                name=label if label and curve is self.loss_curve else None,
            )
            item.setZValue(-2)
            plot.addItem(item)
            self._previous.append((plot, item))

    @property
    def previous_curves(self) -> list[pg.PlotDataItem]:
        """The faded curves kept from earlier runs."""
        return [item for _plot, item in self._previous]
