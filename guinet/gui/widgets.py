"""Small widgets shared by the pages."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget


def titled(title: str, widget: QWidget) -> QWidget:
    """``widget`` under a small bold panel title."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(4, 0, 4, 0)
    layout.setSpacing(4)
    label = QLabel(title)
    label.setObjectName("panelTitle")
    layout.addWidget(label)
    layout.addWidget(widget, 1)
    return box


class ElidedLabel(QLabel):
    """One line of plain text that shrinks with its room, ending in "…"
    (the whole text is the tooltip): a long file name never widens a bar
    past the window."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(40, super().minimumSizeHint().height())

    def shown_text(self) -> str:
        """The text as drawn at the current width."""
        room = self.contentsRect().width()
        return self.fontMetrics().elidedText(
            self.text(), Qt.TextElideMode.ElideMiddle, room
        )

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setPen(self.palette().windowText().color())
        painter.drawText(
            self.contentsRect(),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            self.shown_text(),
        )
        painter.end()
