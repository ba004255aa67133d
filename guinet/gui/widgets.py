"""Small widgets shared by the pages."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


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
