"""Class probabilities as horizontal bars: a class name, a bar and a percentage.

Painted in one ``paintEvent`` (no child widget per class), so a drawing that
updates the bars on every mouse move costs one repaint. The predicted class
is drawn in the accent colour with its name in bold. Many classes: the most
likely :data:`SHOWN` are drawn, the rest summed in a last line.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from guinet.gui.theme import ACCENT, MUTED, TEXT

#: Classes drawn at most; the others are summed on one line.
SHOWN = 12
ROW = 24  # pixels per class
BAR_BG = QColor("#e5e7eb")
BAR = QColor("#93c5fd")


class ProbabilityBars(QWidget):
    """One bar per class; :meth:`set_probabilities` redraws them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("probabilityBars")
        self._names: list[str] = []
        self._values: list[float] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(220)

    # -- what is shown (the tests read these) -------------------------------------
    def class_names(self) -> list[str]:
        return list(self._names)

    def values(self) -> list[float]:
        """The probabilities drawn, one per class, in the classes' order."""
        return list(self._values)

    def predicted(self) -> str | None:
        if not self._values:
            return None
        return self._names[max(range(len(self._values)), key=self._values.__getitem__)]

    def set_probabilities(self, names: Sequence[str], values: Sequence[float]) -> None:
        changed = len(names) != len(self._names)
        self._names = [str(n) for n in names]
        self._values = [float(v) for v in values]
        if changed:
            self.updateGeometry()
        self.update()

    def clear(self) -> None:
        self.set_probabilities([], [])

    # -- layout and painting -------------------------------------------------------
    def _rows(self) -> list[tuple[str, float, bool]]:
        """(name, value, predicted) per drawn line, most likely first when
        there are more classes than :data:`SHOWN`."""
        best = self.predicted()
        pairs = list(zip(self._names, self._values, strict=True))
        if len(pairs) <= SHOWN:
            return [(n, v, n == best) for n, v in pairs]
        pairs.sort(key=lambda p: -p[1])
        rest = sum(v for _, v in pairs[SHOWN - 1 :])
        shown = [(n, v, n == best) for n, v in pairs[: SHOWN - 1]]
        return [*shown, (f"{len(pairs) - SHOWN + 1} others", rest, False)]

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(320, max(1, len(self._rows())) * ROW + 8)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(220, max(1, len(self._rows())) * ROW + 8)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rows = self._rows()
        plain = QFont(self.font())
        bold = QFont(self.font())
        bold.setBold(True)
        metrics = QFontMetrics(bold)
        name_width = min(
            max((metrics.horizontalAdvance(n) for n, _, _ in rows), default=0) + 12,
            self.width() // 2,
        )
        percent_width = metrics.horizontalAdvance("100.0 %") + 8
        bar_left = name_width
        bar_width = max(10, self.width() - name_width - percent_width)
        for i, (name, value, best) in enumerate(rows):
            top = 4 + i * ROW
            painter.setFont(bold if best else plain)
            painter.setPen(TEXT if best else MUTED)
            text_rect = QRectF(0, top, name_width - 8, ROW - 4)
            elided = QFontMetrics(painter.font()).elidedText(
                name, Qt.TextElideMode.ElideRight, int(text_rect.width())
            )
            align = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            painter.drawText(text_rect, align, elided)
            back = QRectF(bar_left, top + 3, bar_width, ROW - 10)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(BAR_BG)
            painter.drawRoundedRect(back, 3, 3)
            filled = QRectF(back)
            filled.setWidth(max(0.0, min(1.0, value)) * bar_width)
            painter.setBrush(ACCENT if best else BAR)
            painter.drawRoundedRect(filled, 3, 3)
            painter.setPen(TEXT if best else MUTED)
            painter.drawText(
                QRectF(bar_left + bar_width + 6, top, percent_width, ROW - 4),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                f"{100 * value:.1f} %",
            )
        painter.end()
