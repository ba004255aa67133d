"""Real drag-and-drop events and combo-box choices for widget tests."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QComboBox, QWidget

NO_BUTTONS = Qt.MouseButton.NoButton
NO_MODIFIERS = Qt.KeyboardModifier.NoModifier
ACTIONS = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction


def _event(cls, pos: QPoint, mime: QMimeData):  # type: ignore[no-untyped-def]
    """PySide6 6.12 takes a QPointF (QPoint is deprecated there), older a QPoint."""
    try:
        return cls(QPointF(pos), ACTIONS, mime, NO_BUTTONS, NO_MODIFIERS)
    except TypeError:
        return cls(pos, ACTIONS, mime, NO_BUTTONS, NO_MODIFIERS)


def drag_enter_move(target: QWidget, mime: QMimeData, pos: QPoint) -> bool:
    """Enter and move over ``target``; return whether the drop would be accepted."""
    enter = _event(QDragEnterEvent, pos, mime)
    QApplication.sendEvent(target, enter)
    move = _event(QDragMoveEvent, pos, mime)
    QApplication.sendEvent(target, move)
    return move.isAccepted()


def drop(target: QWidget, mime: QMimeData, pos: QPoint) -> bool:
    """A full enter → move → drop sequence at ``pos`` (viewport coordinates)."""
    drag_enter_move(target, mime, pos)
    event = QDropEvent(QPointF(pos), ACTIONS, mime, NO_BUTTONS, NO_MODIFIERS)
    QApplication.sendEvent(target, event)
    return event.isAccepted()


def settle(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    """Wait until the Data page has prepared the current data."""
    qtbot.waitUntil(
        lambda: window.session.prepared is not None and not window.data_panel.busy,
        timeout=20_000,
    )


def train_page_settled(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    """Wait until the data is prepared and the Train page has checked it:
    the problems, notes and hints it shows (and so its layout) are final."""
    settle(qtbot, window)
    qtbot.waitUntil(lambda: not window.training_panel.check_pending)


def choose(qtbot, combo: QComboBox, value: object) -> None:  # type: ignore[no-untyped-def]
    """Pick the item holding ``value`` as a person does: click the combo box to
    open its list, move to the item with the arrow keys, press Enter.

    Only a real choice emits ``activated``, the signal the pages act on.
    """
    row = combo.findData(value)
    assert row >= 0, f"{value!r} is not offered"
    assert combo.isVisible() and combo.isEnabled(), "the combo box cannot be used"
    qtbot.mouseClick(combo, Qt.MouseButton.LeftButton)
    view = combo.view()
    qtbot.waitUntil(view.isVisible, timeout=2_000)
    for _ in range(combo.count()):
        here = view.currentIndex().row()
        if here == row:
            break
        key = Qt.Key.Key_Down if here < row else Qt.Key.Key_Up
        qtbot.keyClick(view, key)
    assert view.currentIndex().row() == row, "the arrow keys did not reach the item"
    qtbot.keyClick(view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not view.isVisible(), timeout=2_000)
    assert combo.currentIndex() == row


def menu_action(window, menu: str, text: str):  # type: ignore[no-untyped-def]
    """The action ``text`` of the menu bar's ``menu`` (mnemonics ignored)."""
    (found,) = [
        a.menu()
        for a in window.menuBar().actions()
        if a.text().replace("&", "") == menu
    ]
    (action,) = [a for a in found.actions() if a.text().replace("&", "") == text]
    return action
