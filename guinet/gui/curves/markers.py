"""Early stopping and checkpoints drawn on the plot of the monitored value.

A learner should see on the curve itself why training ended where it did:
a star and a dotted line at the best epoch (labelled "weights restored from
epoch N" once they were), a dashed line where early stopping ended the run
and why, and a small diamond at each epoch a checkpoint was saved. Above the
plots, one line counts the patience down ("no improvement for 2 of 5 epochs").

The items are created once and moved with ``setData``/``setPos``; they move
to another plot only when the monitored value does (``val_loss`` → the loss
plot, ``val_accuracy`` → the metric plot).
"""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QLabel

from guinet.gui.curves.live import LiveCurves
from guinet.gui.curves.style import BEST, CHECKPOINT, LEGEND, STOP

#: Why early stopping ended a run, as the stop line says it.
STOP_REASONS = {
    "stop_at": "target reached",
    "baseline": "baseline not beaten",
    "divergence": "diverged",
    "non_finite": "not a number",
}


def _label_options(position: float, color: str) -> dict[str, Any]:
    return {
        "position": position,
        "color": color,
        "fill": LEGEND,
        "anchors": [(1, 0.5), (1, 0.5)],
    }


class EpochMarkers:
    """The best epoch, the stop, restored weights and checkpoints of a run.

    Reads the epochs' values from ``live``; holds early stopping's last
    status (``EarlyStoppingStatus.to_dict()``) and the checkpointed epochs.
    """

    def __init__(self, live: LiveCurves) -> None:
        self._live = live
        self.early_stopping: dict[str, Any] = {}
        self.checkpoint_epochs: dict[int, str] = {}  # epoch (from 1) → kinds
        #: A narrow pane: the count-down in a few words.
        self.compact = False
        self.best_line = pg.InfiniteLine(
            angle=90,
            movable=False,
            pen=pg.mkPen(BEST, width=1, style=Qt.PenStyle.DotLine),
            label="",
            # low on the plot, where the legend (top right) never is; the
            # side it takes is chosen so it never leaves the plot (_anchor_best)
            labelOpts=_label_options(0.04, BEST),
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
            labelOpts=_label_options(0.6, STOP),
        )
        self.checkpoint_marker = pg.ScatterPlotItem(
            size=10, symbol="d", pen=pg.mkPen("w", width=1), brush=CHECKPOINT
        )
        self.checkpoint_marker.setZValue(4)
        self._plot: pg.PlotWidget | None = None

        #: The patience count-down, or where it stopped and what was restored.
        self.stopping = QLabel()
        self.stopping.setObjectName("earlyStoppingReadout")
        self.stopping.setWordWrap(True)
        self.stopping.hide()

    def _items(self) -> tuple[Any, ...]:
        return (
            self.best_line,
            self.best_marker,
            self.stop_line,
            self.checkpoint_marker,
        )

    def clear(self) -> None:
        """Forget early stopping and the checkpoints (a new run)."""
        self.early_stopping = {}
        self.checkpoint_epochs = {}

    def set_status(self, status: dict[str, Any]) -> None:
        self.early_stopping = dict(status or {})

    def add_checkpoint(self, info: dict[str, Any]) -> None:
        """Mark ``info["epoch"]``; an epoch saved twice lists both kinds once."""
        epoch = int(info.get("epoch") or 0)
        if epoch <= 0:
            return
        kinds = self.checkpoint_epochs.get(epoch)
        kind = str(info.get("kind", "?"))
        if kinds is None or kind not in kinds.split(", "):
            self.checkpoint_epochs[epoch] = f"{kinds}, {kind}" if kinds else kind

    def set_checkpoints(self, infos: list[dict[str, Any]]) -> None:
        self.checkpoint_epochs = {}
        for info in infos:
            self.add_checkpoint(info)

    @property
    def monitor(self) -> str:
        """The value early stopping watches (``val_loss`` until told)."""
        return str(self.early_stopping.get("monitor") or "val_loss")

    def place(self) -> None:
        """Move every marker to the current status and epochs."""
        live, monitor = self._live, self.monitor
        plot = live.plot_for(monitor)
        if plot is not self._plot:
            for item in self._items():
                if self._plot is not None:
                    self._plot.removeItem(item)
                plot.addItem(item, ignoreBounds=isinstance(item, pg.InfiniteLine))
            if self._plot is not None:
                box = self._plot.getPlotItem().getViewBox()
                box.sigRangeChanged.disconnect(self._anchor_best)
                box.sigResized.disconnect(self._anchor_best)
            box = plot.getPlotItem().getViewBox()
            box.sigRangeChanged.connect(self._anchor_best)
            box.sigResized.connect(self._anchor_best)
            self._plot = plot
        status = self.early_stopping
        best = status.get("best_epoch") if status.get("enabled") else None
        value = live.value(monitor, best) if best else None
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
            self._anchor_best()
        else:
            self.best_marker.setData([], [])
        stopped = status.get("stopped_epoch")
        self.stop_line.setVisible(bool(stopped))
        if stopped:
            self.stop_line.setPos(stopped)
            self.stop_line.label.setFormat(self.stop_label())
        points = [
            (epoch, value)
            for epoch in sorted(self.checkpoint_epochs)
            if (value := live.value(monitor, epoch)) is not None
        ]
        self.checkpoint_marker.setData(
            [float(epoch) for epoch, _ in points],
            [value for _, value in points],
            data=[self.checkpoint_epochs[epoch] for epoch, _ in points],
        )
        text = self.stopping_text()
        if self.compact and text:
            self.stopping.setToolTip(text)
            text = self.short_stopping_text()
        else:
            self.stopping.setToolTip("")
        self.stopping.setText(text)
        self.stopping.setVisible(bool(text))

    def _anchor_best(self, *_args: Any) -> None:
        """Put the best line's label on the side of the line with room for it
        (centred under it when neither side has), so it is never clipped."""
        if self._plot is None or not self.best_line.isVisible():
            return
        label = self.best_line.label
        box = self._plot.getPlotItem().getViewBox()
        view = box.sceneBoundingRect()
        x = box.mapViewToScene(QPointF(self.best_line.value(), 0)).x()
        width = label.boundingRect().width()
        if width <= 0 or x + width <= view.right() - 2:
            across = 0.0  # the text runs right of the line
        elif x - width >= view.left() + 2:
            across = 1.0  # left of it
        else:  # under it, shifted as little as keeps both ends inside
            across = min(max(1 - (view.right() - 2 - x) / width, 0.0), 1.0)
        anchor = (across, 1.0)
        if label.anchors != [anchor, anchor]:
            label.anchors = [anchor, anchor]
            label.updatePosition()

    def stop_label(self) -> str:
        """The stop line's label: where and why early stopping ended the run."""
        status = self.early_stopping
        reason = status.get("reason")
        if reason == "patience":
            # the count early stopping itself stopped at (its message says the
            # same), not the patience: that may have been lowered mid-run
            waited = status.get("wait") or status.get("patience")
            why = f"no improvement for {waited} epochs"
        else:
            why = STOP_REASONS.get(str(reason), str(reason or "early stopping"))
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

    def short_stopping_text(self) -> str:
        """:meth:`stopping_text` in a few words, for a narrow pane (the whole
        sentence is the label's tooltip)."""
        status = self.early_stopping
        if not status:
            return ""
        if not status.get("enabled"):
            return "Early stopping off"
        parts = []
        if status.get("stopped_epoch"):
            parts.append(
                f"<span style='color:{STOP}'>Stopped at epoch "
                f"{status['stopped_epoch']}</span>"
            )
        elif status.get("best") is None:
            parts.append(f"Watching {status.get('monitor', '?')}")
        else:
            parts.append(
                f"<span style='color:{BEST}'>★ best {status['best']:.4g} "
                f"@ {status.get('best_epoch')}</span> · wait "
                f"{status.get('wait', 0)}/{status.get('patience')}"
            )
        restored = status.get("restored_epoch")
        if restored:
            parts.append(f"<b>weights restored from epoch {restored}</b>")
        return " · ".join(parts)
