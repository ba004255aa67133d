"""The confusion matrix as a heat map a person can click.

Rows are the true classes, columns the predicted ones, both named. Each
cell shows its count; normalised by row or column it shows the share as a
percentage with the count beneath it. Clicking a cell selects it and sends
:attr:`ConfusionMatrixView.cell_clicked` with ``(true, predicted)``.
A custom painted widget rather than a plot: every cell's text must stay
readable whatever the window's size, and a cell is one click target.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from guinet.core.evaluation import normalise_confusion
from guinet.gui.theme import MUTED, TEXT

#: The heat map's two ends: an empty cell and the fullest one.
LOW = QColor("#f8fafc")
HIGH = QColor("#1d4ed8")
SELECTED = QColor("#f59e0b")
#: the theme's text colours, recoloured in place when the theme changes
AXIS_TEXT = TEXT
TITLE_TEXT = MUTED
MARGIN = 6


class ConfusionMatrixView(QWidget):
    """A painted confusion matrix; :meth:`cell_rect` says where each cell is."""

    cell_clicked = Signal(int, int)  # true class, predicted class

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("confusionMatrix")
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._counts = np.zeros((0, 0), dtype=np.int64)
        self._names: list[str] = []
        self._by = "none"
        self._shown = np.zeros((0, 0))
        self.selected: tuple[int, int] | None = None

    # -- what it shows ---------------------------------------------------------------
    def set_matrix(self, counts: np.ndarray, names: list[str]) -> None:
        self._counts = np.asarray(counts, dtype=np.int64)
        self._names = list(names)
        self.selected = None
        self._update_shown()

    def set_normalisation(self, by: str) -> None:
        self._by = by
        self._update_shown()

    @property
    def normalisation(self) -> str:
        return self._by

    def _update_shown(self) -> None:
        self._shown = (
            normalise_confusion(self._counts, self._by)
            if self._counts.size
            else np.zeros((0, 0))
        )
        self.updateGeometry()
        self.update()

    def select(self, true: int, predicted: int) -> None:
        self.selected = (true, predicted)
        self.update()

    def cell_text(self, true: int, predicted: int) -> str:
        """What a cell says: its count, or its share and count when normalised."""
        count = int(self._counts[true, predicted])
        if self._by == "none":
            return str(count)
        return f"{self._shown[true, predicted] * 100:.0f}%\n{count}"

    # -- geometry --------------------------------------------------------------------
    def _label_font(self) -> QFont:
        return QFont(self.font())

    def _title_font(self) -> QFont:
        font = QFont(self.font())
        font.setBold(True)
        return font

    def _label_width(self) -> int:
        metrics = QFontMetrics(self._label_font())
        widest = max((metrics.horizontalAdvance(n) for n in self._names), default=0)
        return min(widest, 160) + 8

    def _grid(self) -> tuple[QRect, int]:
        """The cells' area and one cell's side."""
        n = len(self._names)
        line = QFontMetrics(self._title_font()).height()
        left = MARGIN + line + 4 + self._label_width()  # "True" + row names
        top = MARGIN + line + 4 + QFontMetrics(self._label_font()).height() + 4
        room_w = self.width() - left - MARGIN
        room_h = self.height() - top - MARGIN
        side = max(4, min(room_w, room_h) // max(n, 1))
        left += max(0, room_w - side * n) // 2  # centred in the room there is
        return QRect(left, top, side * n, side * n), side

    def cell_rect(self, true: int, predicted: int) -> QRect:
        grid, side = self._grid()
        return QRect(
            grid.left() + predicted * side, grid.top() + true * side, side, side
        )

    def cell_at(self, pos: QPoint) -> tuple[int, int] | None:
        grid, side = self._grid()
        if not self._names or not grid.contains(pos):
            return None
        column = (pos.x() - grid.left()) // side
        row = (pos.y() - grid.top()) // side
        n = len(self._names)
        if 0 <= row < n and 0 <= column < n:
            return int(row), int(column)
        return None

    def sizeHint(self) -> QSize:  # noqa: N802
        n = max(len(self._names), 2)
        side = 56 if n <= 6 else 40
        extra = self._label_width() + 60
        return QSize(extra + side * n, extra // 2 + side * n)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        n = max(len(self._names), 2)
        return QSize(self._label_width() + 40 + 26 * n, 60 + 26 * n)

    # -- painting --------------------------------------------------------------------
    def paintEvent(self, event: object) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        n = len(self._names)
        if n == 0:
            painter.end()
            return
        grid, side = self._grid()
        label_font, title_font = self._label_font(), self._title_font()
        peak = float(self._shown.max()) if self._shown.size else 0.0
        cell_font = QFont(self.font())
        cell_font.setPointSizeF(max(7.0, min(12.0, side / 4.2)))
        for i in range(n):
            for j in range(n):
                rect = self.cell_rect(i, j)
                value = float(self._shown[i, j])
                share = value / peak if peak > 0 else 0.0
                painter.fillRect(rect, _blend(share))
                painter.setPen(QPen(QColor("#e2e8f0"), 1))
                painter.drawRect(rect.adjusted(0, 0, -1, -1))
                painter.setFont(cell_font)
                if share > 0.55:
                    painter.setPen(QColor("#ffffff"))
                else:  # an empty cell in grey: the mistakes made stand out
                    empty = self._counts[i, j] == 0
                    painter.setPen(QColor("#94a3b8" if empty else "#111827"))
                text = self.cell_text(i, j)
                if side < 34:  # too small for two lines: the share alone
                    text = text.split("\n")[0]
                if side >= 16:  # smaller, the colour says it (and the tooltip)
                    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        if self.selected is not None:
            painter.setPen(QPen(SELECTED, 3))
            painter.drawRect(self.cell_rect(*self.selected).adjusted(1, 1, -2, -2))
        # class names: rows on the left, columns along the top
        painter.setFont(label_font)
        painter.setPen(AXIS_TEXT)
        metrics = QFontMetrics(label_font)
        width = self._label_width() - 8
        for k, name in enumerate(self._names):
            text = metrics.elidedText(name, Qt.TextElideMode.ElideRight, width)
            row = self.cell_rect(k, 0)
            painter.drawText(
                QRect(grid.left() - width - 6, row.top(), width, side),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                text,
            )
            column = self.cell_rect(0, k)
            above = QRect(
                column.left(), grid.top() - metrics.height() - 4, side, metrics.height()
            )
            painter.drawText(
                above,
                Qt.AlignmentFlag.AlignCenter,
                metrics.elidedText(name, Qt.TextElideMode.ElideRight, side - 2),
            )
        # axis titles
        painter.setFont(title_font)
        painter.setPen(TITLE_TEXT)
        line = QFontMetrics(title_font).height()
        painter.drawText(
            QRect(grid.left(), MARGIN, grid.width(), line),
            Qt.AlignmentFlag.AlignCenter,
            "Predicted",
        )
        painter.save()
        painter.translate(
            grid.left() - self._label_width() - line - 4, grid.top() + grid.height() / 2
        )
        painter.rotate(-90)
        painter.drawText(
            QRect(-grid.height() // 2, 0, grid.height(), line),
            Qt.AlignmentFlag.AlignCenter,
            "True",
        )
        painter.restore()
        painter.end()

    # -- clicks ------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        cell = self.cell_at(event.position().toPoint())
        if cell is None:
            return
        self.select(*cell)
        self.cell_clicked.emit(*cell)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        cell = self.cell_at(event.position().toPoint())
        if cell is None:
            self.setToolTip("")
            self.unsetCursor()
            return
        i, j = cell
        count = int(self._counts[i, j])
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(
            f"{count} sample{'s' * (count != 1)} of {self._names[i]} predicted as "
            f"{self._names[j]}: click to see them"
        )


def _blend(share: float) -> QColor:
    share = min(max(share, 0.0), 1.0)
    return QColor(
        round(LOW.red() + (HIGH.red() - LOW.red()) * share),
        round(LOW.green() + (HIGH.green() - LOW.green()) * share),
        round(LOW.blue() + (HIGH.blue() - LOW.blue()) * share),
    )
