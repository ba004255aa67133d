"""Autosave and crash recovery: an app killed mid-edit is restored at the
next start; a save, a discard or a clean exit leaves no recovery file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from guinet.core import recovery
from guinet.core.project import Project
from guinet.gui.commands import set_field
from guinet.gui.recovery import AUTOSAVE_MS, RecoveryDialog
from tests.conftest import ROOT

CRASH = textwrap.dedent(
    """
    import os, sys
    from guinet.gui.app import create_application
    from guinet.gui.commands import set_field
    from guinet.gui.main_window import MainWindow

    app = create_application()
    window = MainWindow()
    window.open_path(sys.argv[1], ask=False)
    set_field(window.undo_stack, window.project, "training.epochs", 42, "Epochs")
    window.autosave.timer.timeout.emit()  # the minute is up
    print(window.autosave.file, flush=True)
    os._exit(1)  # a crash: no closeEvent, nothing cleaned up
    """
)


def recovery_files(data: Path) -> list[Path]:
    return sorted((data / "recovery").glob(f"*{recovery.SUFFIX}"))


def test_a_killed_app_is_restored_at_the_next_start(
    window, qtbot, tmp_path, monkeypatch, dialogs
):
    data = tmp_path / "data"
    own = tmp_path / "mine.guinet"
    Project.new().save(own)
    before = own.read_bytes()
    env = dict(
        os.environ,
        GUINET_DATA_DIR=str(data),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=str(ROOT),
    )
    crashed = subprocess.run(
        [sys.executable, "-c", CRASH, str(own)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert crashed.returncode == 1, crashed.stderr
    (left,) = recovery_files(data)
    assert str(left) == crashed.stdout.strip()
    assert own.read_bytes() == before  # the person's file was never written

    monkeypatch.setenv("GUINET_DATA_DIR", str(data))
    assert window.offer_recovery()
    dialog = window.recovery_dialog
    assert isinstance(dialog, RecoveryDialog)
    qtbot.waitExposed(dialog)
    details = dialog.details.text()
    assert "mine" in details and str(own.resolve()) in details
    assert dialog.recovery.saved_text() in details
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)

    assert window.project.training.epochs == 42
    assert window.project.path == own.resolve()
    assert window.is_modified and window.isWindowModified()
    assert not left.exists()  # the crash's file is this window's own now
    (mine,) = recovery_files(data)
    assert json.loads(mine.read_text())["project"]["training"]["epochs"] == 42
    assert own.read_bytes() == before
    # closing and letting the changes go: no recovery file
    dialogs.answers.append(QMessageBox.StandardButton.Discard)
    assert window.close()
    assert recovery_files(data) == []


def test_autosave_writes_while_modified_and_a_save_undo_or_new_removes_it(
    window, qtbot, tmp_path, monkeypatch, dialogs
):
    data = tmp_path / "data"
    monkeypatch.setenv("GUINET_DATA_DIR", str(data))
    saver = window.autosave
    assert saver.timer.isActive() and saver.timer.interval() == AUTOSAVE_MS == 60_000
    assert saver.save_now() is None  # nothing unsaved: nothing written
    assert recovery_files(data) == []
    set_field(window.undo_stack, window.project, "training.epochs", 9, "Epochs")
    window.training_panel.training_changed.emit(True)  # a run starts
    (file,) = recovery_files(data)
    assert recovery.read_recovery(file).name == window.project.name
    own = tmp_path / "saved.guinet"
    dialogs.answers.append(str(own))
    assert window.save()  # saved: the copy is no longer needed
    assert recovery_files(data) == []
    assert Project.load(own).training.epochs == 9
    # undo back to the saved state, and another project: no file either
    set_field(window.undo_stack, window.project, "training.epochs", 10, "Epochs")
    window.autosave.save_now()
    assert len(recovery_files(data)) == 1
    window.undo_stack.undo()
    assert recovery_files(data) == []
    set_field(window.undo_stack, window.project, "training.epochs", 8, "Epochs")
    window.autosave.save_now()
    dialogs.answers.append(QMessageBox.StandardButton.Discard)
    assert window.new_project()
    assert recovery_files(data) == []


def test_the_launch_offers_it_and_discard_deletes_the_copy(
    qtbot, qapp, tmp_path, monkeypatch
):
    from guinet.gui import app

    data = tmp_path / "data"
    monkeypatch.setenv("GUINET_DATA_DIR", str(data))
    project = Project.new()
    project.name = "Lost cause"
    file = recovery.write_recovery(project, "other", data / "recovery")
    raw = json.loads(file.read_text())
    raw["pid"] = 2**22 + 7  # above Linux's largest process id: not running
    file.write_text(json.dumps(raw))
    own = tmp_path / "mine.guinet"
    Project.new().save(own)
    app.create_application()
    shown = app.show_main_window(own)  # as `guinet mine.guinet` starts
    try:
        qtbot.waitUntil(lambda: shown.recovery_dialog is not None, timeout=20_000)
        dialog = shown.recovery_dialog
        assert "not saved to a file yet" in dialog.details.text()
        assert "Lost cause" in dialog.details.text()
        qtbot.mouseClick(dialog.discard_button, Qt.MouseButton.LeftButton)
        assert not file.exists()
        assert shown.recovery_dialog is None  # nothing more to offer
        assert shown.project.path == own.resolve()  # what was opened stays
        assert not shown.is_modified
    finally:
        qtbot.waitUntil(lambda: not shown.data_panel.busy, timeout=20_000)
        shown.close()
        shown.deleteLater()
        # deleted now, or a later test's restyle visits its plots
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
