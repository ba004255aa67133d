"""Edit ▸ Preferences: each preference, applied at OK, kept, and Reset."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from guinet.core.training.folders import checkpoint_folder
from guinet.gui.appearance import appearance, system_theme
from guinet.gui.main_window import MainWindow, settings
from guinet.gui.preferences import Preferences
from tests.gui.helpers import choose, menu_action


@pytest.fixture(autouse=True)
def _checkpoints_variable_restored(monkeypatch):
    """The preference sets $GUINET_CHECKPOINTS_DIR: gone again after the test."""
    monkeypatch.setenv("GUINET_CHECKPOINTS_DIR", "unset")
    monkeypatch.delenv("GUINET_CHECKPOINTS_DIR")


def open_preferences(window, qtbot):  # type: ignore[no-untyped-def]
    action = menu_action(window, "Edit", "Preferences…")
    assert action.shortcut().toString() == "Ctrl+,"
    action.trigger()
    dialog = window.preferences_dialog
    qtbot.waitExposed(dialog)
    return dialog


def type_into(qtbot, edit, text: str) -> None:  # type: ignore[no-untyped-def]
    edit.clear()
    qtbot.keyClicks(edit, text)


def test_preferences_apply_at_ok_and_are_kept(window, qtbot, tmp_path, monkeypatch):
    projects, checkpoints = tmp_path / "projects", tmp_path / "checkpoints"
    projects.mkdir()
    checkpoints.mkdir()
    dialog = open_preferences(window, qtbot)
    assert dialog.preferences() == Preferences()  # the defaults
    choose(qtbot, dialog.theme, "dark")
    choose(qtbot, dialog.zoom, 1.25)
    choose(qtbot, dialog.device, "cpu")
    type_into(qtbot, dialog.projects.edit, str(projects))
    type_into(qtbot, dialog.checkpoints.edit, str(checkpoints))
    box = dialog.show_start  # its box, at the left
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert not box.isChecked()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()

    look = appearance().look
    assert (look.theme, look.zoom) == ("dark", 1.25)
    assert window.view_controls.theme_actions["dark"].isChecked()
    assert window.session.default_device == "cpu"
    assert window.session.run_device() == "cpu"  # the project's device is auto
    assert os.environ["GUINET_CHECKPOINTS_DIR"] == str(checkpoints)
    folder, _note = checkpoint_folder(window.project)  # a project without a file
    assert folder is not None and folder.parent == checkpoints
    # File ▸ Open starts in the projects folder
    seen = []
    monkeypatch.setattr(
        QFileDialog,
        "getOpenFileName",
        staticmethod(
            lambda parent, caption, start, *a: (seen.append(start), ("", ""))[1]
        ),
    )
    window.open_action.trigger()
    assert seen == [str(projects)]
    assert window._dialog_dir() == str(projects)  # Save As of an unsaved project
    # kept: a new window reads them back
    stored = Preferences.load(settings())
    assert stored == Preferences(
        "dark", "cpu", str(projects), str(checkpoints), 1.25, False
    )
    again = MainWindow()
    try:
        assert again.session.default_device == "cpu"
        again.show_preferences()
        assert again.preferences_dialog.preferences() == stored
        again.preferences_dialog.reject()
    finally:
        again.close()
        again.deleteLater()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_a_folder_that_is_not_one_is_refused_where_it_is_typed(window, qtbot, tmp_path):
    dialog = open_preferences(window, qtbot)
    type_into(qtbot, dialog.checkpoints.edit, "relative/folder")
    assert dialog.problem.isVisible() and "not a full path" in dialog.problem.text()
    assert not dialog.ok_button.isEnabled()
    type_into(qtbot, dialog.checkpoints.edit, str(tmp_path / "absent"))
    assert "not an existing folder" in dialog.problem.text()
    dialog.checkpoints.edit.clear()  # empty: the default
    assert not dialog.problem.isVisible() and dialog.ok_button.isEnabled()
    assert "GUINET_CHECKPOINTS_DIR" not in os.environ
    # the system's theme: what Qt reports, else light
    choose(qtbot, dialog.theme, "system")
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert appearance().look.theme == system_theme()
    assert window.view_controls.theme_actions["system"].isChecked()
    assert settings().value("view/theme") == "system"
    dialog.reject()


def test_reset_asks_then_brings_back_the_defaults(window, qtbot, dialogs, tmp_path):
    dialog = open_preferences(window, qtbot)
    choose(qtbot, dialog.theme, "dark")
    choose(qtbot, dialog.zoom, 1.5)
    choose(qtbot, dialog.device, "cpu")
    type_into(qtbot, dialog.checkpoints.edit, str(tmp_path))
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert appearance().look.zoom == 1.5
    dialogs.answers.append(QMessageBox.StandardButton.No)
    qtbot.mouseClick(dialog.reset_button, Qt.MouseButton.LeftButton)
    assert dialogs.texts("question")[-1].startswith("Set every preference back")
    assert dialog.preferences().theme == "dark"  # not asked to: nothing changes
    dialogs.answers.append(QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(dialog.reset_button, Qt.MouseButton.LeftButton)
    assert dialog.preferences() == Preferences()
    assert (appearance().look.theme, appearance().look.zoom) == ("light", 1.0)
    assert window.session.default_device == "auto"
    assert "GUINET_CHECKPOINTS_DIR" not in os.environ
    assert Preferences.load(settings()) == Preferences()
    dialog.reject()


def test_the_last_page_shown_opens_again_and_runs_use_the_device(
    window, qtbot, monkeypatch
):
    window.tabs.setCurrentWidget(window.training_panel)
    window.save_window_state()
    again = MainWindow()
    try:
        assert again.tabs.currentWidget() is again.training_panel
    finally:
        again.close()
        again.deleteLater()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    window.session.default_device = "cpu"
    started = {}
    monkeypatch.setattr(
        window.training_panel.runner, "start", lambda *a, **kw: started.update(kw)
    )
    window.training_panel.run.start()
    assert started["device"] == "cpu"
