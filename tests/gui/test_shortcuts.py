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


# -- issue 11: keys for everything frequent, listed in Help ▸ Keyboard Shortcuts --


@pytest.fixture
def active(window, qtbot):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


def all_shortcuts(window) -> list[str]:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QAction

    return [
        key.toString()
        for action in window.findChildren(QAction)
        for key in action.shortcuts()
        if not key.isEmpty()
    ]


def test_no_two_actions_share_a_key(window):
    keys = all_shortcuts(window)
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
    for key in ("F5", "F6", "Shift+F5", "F11", "Ctrl+1", "Ctrl+7", "Ctrl+=", "Ctrl+0"):
        assert key in keys


def test_ctrl_digits_show_the_pages_in_tab_order(active, qtbot):
    window = active
    pages = ["Data", "Model", "Train", "Evaluate", "Predict", "Runs", "Search"]
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == pages
    for index in (2, 0, 6, 5, 4, 3, 1):
        qtbot.keyClick(window, getattr(Qt.Key, f"Key_{index + 1}"), CTRL)
        assert window.tabs.currentIndex() == index


def test_f5_trains_f6_pauses_and_shift_f5_stops(active, qtbot):
    from guinet._resources import resource
    from tests.gui.helpers import settle

    window = active
    window.open_example(resource("examples", "moons_mlp.guinet"))
    panel = window.training_panel
    panel.form.set_value("epochs", 2000)
    # no early stop: the run must still be going when F6 pauses it
    panel.form.set_value("early_stopping.enabled", False)
    settle(qtbot, window)
    assert window.tabs.currentWidget() is not panel
    with qtbot.waitSignal(panel.runner.epoch_finished, timeout=30_000):
        qtbot.keyClick(window, Qt.Key.Key_F5)
    assert window.tabs.currentWidget() is panel  # where the run shows
    assert panel.is_training
    qtbot.keyClick(window, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: panel.pause_button.text() == "Resume")
    qtbot.keyClick(window, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: panel.pause_button.text() == "Pause")
    with qtbot.waitSignal(panel.runner.run_ended, timeout=30_000):
        qtbot.keyClick(window, Qt.Key.Key_F5, SHIFT)
    qtbot.waitUntil(lambda: not panel.is_training)
    assert len(panel.curves.epochs) < 2000


def test_the_run_menu_shows_what_the_buttons_allow(window):
    controls = window.view_controls
    controls.run_menu.aboutToShow.emit()
    assert controls.train_action.isEnabled()
    assert not controls.stop_action.isEnabled()  # nothing runs
    controls.run_menu.aboutToHide.emit()
    assert controls.stop_action.isEnabled()  # the key checks the button


def test_help_shortcuts_lists_every_action_with_a_key(active, qtbot):
    from PySide6.QtGui import QAction

    from guinet.gui.shortcuts_dialog import ShortcutsDialog, action_label

    window = active
    help_menu = next(
        a.menu() for a in window.menuBar().actions() if a.text() == "&Help"
    )
    item = next(a for a in help_menu.actions() if "Shortcuts" in a.text())
    item.trigger()
    dialog = window.view_controls.shortcuts_dialog
    assert isinstance(dialog, ShortcutsDialog)
    qtbot.waitExposed(dialog)
    listed = {(command, keys) for _menu, command, keys in dialog.rows()}
    native = QKeySequence.SequenceFormat.NativeText
    for action in window.findChildren(QAction):
        keys = [k.toString(native) for k in action.shortcuts() if not k.isEmpty()]
        if keys:
            assert (action_label(action), ", ".join(keys)) in listed, action.text()
    assert ("Train", "F5") in listed
    assert ("Presentation Mode", "F11") in listed
    assert ("6 Runs", "Ctrl+6") in listed
    assert ("7 Search", "Ctrl+7") in listed
    dialog.close()
