"""Redo from the keyboard: real key presses on the shown, active main window
(issue 9, item 4: Ctrl+Shift+Z was "ambiguous" and did nothing; Ctrl+Y too)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from guinet.gui.main_window import redo_shortcuts

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier

#: The standard redo bindings of each keyboard scheme Qt knows (KDE and GNOME
#: on X11/xcb, Windows, macOS as Qt spells Cmd), as QKeySequence.keyBindings
#: returns them there.
SCHEMES = {
    "x11-gnome": ["Ctrl+Shift+Z"],
    "x11-kde": ["Ctrl+Y", "Ctrl+Shift+Z"],
    "windows": ["Ctrl+Y", "Alt+Shift+Backspace", "Ctrl+Shift+Z", "Redo"],
    "mac": ["Ctrl+Shift+Z"],
}


@pytest.mark.parametrize("scheme", sorted(SCHEMES))
def test_redo_keys_hold_no_duplicate_on_any_platform(qapp, scheme):
    keys = [
        k.toString() for k in redo_shortcuts(list(map(QKeySequence, SCHEMES[scheme])))
    ]
    assert len(keys) == len(set(keys)), keys  # a duplicate is ambiguous to Qt
    assert keys[:2] == ["Ctrl+Shift+Z", "Ctrl+Y"]


def test_the_window_offers_each_redo_key_once(window):
    keys = [k.toString() for k in window.redo_action.shortcuts()]
    assert len(keys) == len(set(keys))
    assert {"Ctrl+Shift+Z", "Ctrl+Y"} <= set(keys)


@pytest.fixture(params=["native", "x11-gnome", "x11-kde"])
def scheme_window(request, monkeypatch, qtbot, qapp):
    """A main window built where the platform's redo keys are ``request.param``'s
    (the offscreen platform's own list is Windows-like; xcb's is not)."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    from guinet.gui.app import create_application
    from guinet.gui.main_window import MainWindow

    if request.param != "native":
        native = QKeySequence.keyBindings
        redo = [QKeySequence(k) for k in SCHEMES[request.param]]

        def bindings(key):  # type: ignore[no-untyped-def]
            return list(redo) if key == QKeySequence.StandardKey.Redo else native(key)

        monkeypatch.setattr(QKeySequence, "keyBindings", staticmethod(bindings))
    create_application()
    win = MainWindow()
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    yield win
    qtbot.waitUntil(lambda: not win.data_panel.busy, timeout=20_000)
    win.undo_stack.setClean()
    win.close()
    win.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.mark.parametrize(
    ("key", "modifiers"),
    [(Qt.Key.Key_Z, CTRL | SHIFT), (Qt.Key.Key_Y, CTRL)],
    ids=["ctrl+shift+z", "ctrl+y"],
)
def test_redo_keys_pressed_on_the_window_redo(scheme_window, qtbot, key, modifiers):
    window = scheme_window
    keys = [k.toString() for k in window.redo_action.shortcuts()]
    assert len(keys) == len(set(keys)), keys
    window.designer.append_layer("ReLU")
    window.designer.append_layer("Sigmoid")
    qtbot.keyClick(window, Qt.Key.Key_Z, CTRL)
    qtbot.keyClick(window, Qt.Key.Key_Z, CTRL)
    assert len(window.project.model.layers) == 0

    qtbot.keyClick(window, key, modifiers)
    assert [s.type for s in window.project.model.layers] == ["ReLU"]
    qtbot.keyClick(window, key, modifiers)
    assert [s.type for s in window.project.model.layers] == ["ReLU", "Sigmoid"]
    assert not window.undo_stack.canRedo()
