"""The read-out line above the plots and the crosshair that follows the mouse.

Reading a curve should not need a steady hand on a tiny dot: hovering any of
the three plots picks the nearest epoch, draws a vertical line at it across
all plots and writes that epoch's values, each coloured like its line. Off
the plots the read-out shows the latest epoch, so it doubles as a live
"where are we" line while training runs.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel

from guinet.core.training.metrics import format_value
from guinet.gui.curves.live import LiveCurves
from guinet.gui.curves.style import CROSSHAIR, LR, MUTED, TRAIN, VALIDATION

#: Short names of metrics for the compact read-out.
SHORT = {"accuracy": "acc"}
EMPTY = (
    f"<span style='color:{MUTED}'>Curves appear here as the network "
    "trains. Hover a plot to read its values.</span>"
)


class HoverReadout(QObject):
    """Crosshairs on ``live``'s plots and the read-out label they drive.

    A ``QObject`` so it can receive the scenes' ``sigMouseMoved`` in a slot
    and filter the viewports' ``Leave`` events (a mouse that leaves quickly
    sends no last move inside the view box).
    """

    def __init__(self, live: LiveCurves, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._live = live
        #: The hovered epoch's index (from 0), or ``None``: show the latest.
        self.index: int | None = None
        #: A narrow pane: numbers only, the colours named once.
        self.compact = False
        self.label = QLabel()
        self.label.setObjectName("curveReadout")
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setMinimumWidth(10)
        self.label.setWordWrap(True)
        self.crosshairs: list[pg.InfiniteLine] = []
        for plot in live.plots:
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

    def clear(self) -> None:
        """Nothing hovered (a new run); the label updates on the next show."""
        self.index = None
        for line in self.crosshairs:
            line.hide()

    @Slot(QPointF)
    def _on_mouse_moved(self, pos: QPointF) -> None:
        scene = self.sender()
        for plot in self._live.plots:
            if plot.scene() is scene:
                self.hover_at(plot, pos)
                return

    def hover_at(self, plot: pg.PlotWidget, scene_pos: QPointF) -> None:
        """Show the epoch nearest to ``scene_pos`` (in ``plot``'s scene)."""
        epochs = self._live.epochs
        box = plot.getPlotItem().getViewBox()
        if not epochs or not box.sceneBoundingRect().contains(scene_pos):
            self.leave()
            return
        x = box.mapSceneToView(scene_pos).x()
        index = int(min(max(round(x) - 1, 0), len(epochs) - 1))
        self.index = index
        for line in self.crosshairs:
            line.setPos(index + 1)
            line.show()
        self._show(index, latest=False)

    def leave(self) -> None:
        """Stop hovering: hide the crosshairs, show the latest epoch."""
        self.clear()
        self.show_latest()

    def show_latest(self) -> None:
        """The latest epoch's values, unless one is hovered."""
        if self.index is None:
            self._show(len(self._live.epochs) - 1, latest=True)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Leave:
            self.leave()
        return super().eventFilter(watched, event)

    def _show(self, index: int, latest: bool) -> None:
        live = self._live
        if not 0 <= index < len(live.epochs):
            self.label.setText(EMPTY)
            return
        logs = live.epochs[index]
        if self.compact:
            self.label.setText(self._compact(index, logs, latest))
            self.label.setToolTip(self._full(index, logs, latest))
            return
        self.label.setToolTip("")
        self.label.setText(self._full(index, logs, latest))

    def _compact(self, index: int, logs: dict[str, float], latest: bool) -> str:
        """Epoch, then each value's training and validation numbers in their
        lines' colours, the colours named once."""
        live = self._live
        of = f" of {live.total_epochs}" if live.total_epochs else ""
        train, val = (QColor(c).darker(115).name() for c in (TRAIN, VALIDATION))
        head = (
            f"<b>Epoch {index + 1}{of}</b> &nbsp;<span style='color:{train}'>"
            f"train</span>&nbsp;<span style='color:{val}'>val</span>"
        )
        metric = live.metric_key
        parts = []
        for name, key in (("loss", "loss"), (SHORT.get(metric, metric), metric)):
            numbers = [
                f"<span style='color:{color}'>{_fmt(k, logs[k])}</span>"
                for k, color in ((key, train), (f"val_{key}", val))
                if logs.get(k) is not None
            ]
            if numbers:
                # a group never breaks: lines wrap at the separators only
                parts.append(f"{name}&nbsp;{'&nbsp;'.join(numbers)}")
        if live.show_lr and logs.get("lr") is not None:
            parts.append(f"lr&nbsp;{_fmt('lr', logs['lr'])}")
        return f"{head}<br>{' · '.join(parts)}"

    def _full(self, index: int, logs: dict[str, float], latest: bool) -> str:
        live = self._live
        of = f" of {live.total_epochs}" if live.total_epochs else ""
        head = f"<b>Epoch {index + 1}{of}</b>"
        if latest:
            head += f" <span style='color:{MUTED}'>(latest)</span>"
        parts = [head]
        metric = live.metric_key
        colors = (
            ("loss", TRAIN),
            ("val_loss", VALIDATION),
            (metric, TRAIN),
            (f"val_{metric}", VALIDATION),
            ("lr", LR),
        )
        for key, color in colors:
            value = logs.get(key)
            if value is None or (key == "lr" and not live.show_lr):
                continue
            parts.append(
                f"<span style='color:{QColor(color).darker(115).name()}'>"
                f"{key.replace('_', ' ')}</span> {_fmt(key, value)}"
            )
        return " &nbsp;·&nbsp; ".join(parts)


def _fmt(key: str, value: float) -> str:
    return format_value(key, value)
