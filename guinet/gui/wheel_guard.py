"""Scrolling a form never changes a setting.

A settings column scrolls with the mouse wheel; Qt's combo and spin boxes
also take the wheel, so a person scrolling down the Train page silently
changed the learning-rate schedule or the batch size under the pointer. A
guarded box takes the wheel only once it has focus (a click or Tab gives it),
and otherwise passes it on, so the column scrolls instead.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QWidget


class _WheelGuard(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if (
            event.type() == QEvent.Type.Wheel
            and isinstance(watched, QWidget)
            and not watched.hasFocus()
        ):
            area = _scroll_area(watched)
            if area is not None:  # the column scrolls instead
                QApplication.sendEvent(area.verticalScrollBar(), event)
            return True
        return False


def _scroll_area(widget: QWidget) -> QAbstractScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QAbstractScrollArea):
        parent = parent.parentWidget()
    return parent


_GUARD = _WheelGuard()


def guard(widget: QWidget) -> QWidget:
    """Let ``widget`` (a combo or spin box) take the wheel only with focus."""
    widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    widget.installEventFilter(_GUARD)
    return widget
