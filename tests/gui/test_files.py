"""File menu, title, unsaved-changes guard, recent files, and `guinet PROJECT`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMessageBox

from guinet._resources import example_projects
from guinet.core.project import Project

Button = QMessageBox.StandardButton


def test_title_shows_the_file_and_an_unsaved_mark(window):
    assert window.windowTitle() == "Untitled[*] — guinet"
    assert not window.isWindowModified()
    window.designer.append_layer("Linear")
    assert window.isWindowModified()
    window.undo_action.trigger()
    assert not window.isWindowModified()  # back to the saved state


def test_save_as_then_save_and_reopen(window, dialogs, tmp_path):
    window.project.model.set_input_shape((3,))
    window.designer.append_layer("Linear")
    target = tmp_path / "first"
    dialogs.answers.append(str(target))
    window.save_action.trigger()  # untitled: Save asks where

    saved = tmp_path / "first.guinet"
    assert saved.is_file()
    data = json.loads(saved.read_text())
    assert data["guinet"] == 1
    assert data["model"] == {
        "input_shape": [3],
        "layers": [{"type": "Linear", "out_features": 16}],
    }
    assert window.windowTitle() == "first.guinet[*] — guinet"
    assert not window.isWindowModified()

    window.designer.append_layer("ReLU")
    window.save_action.trigger()  # has a file now: no dialog
    assert len(dialogs.texts("getSaveFileName")) == 1
    assert json.loads(saved.read_text())["model"]["layers"][-1] == {"type": "ReLU"}

    window.new_action.trigger()
    assert len(window.project.model.layers) == 0
    assert window.open_path(saved)
    assert [s.type for s in window.project.model.layers] == ["Linear", "ReLU"]
    assert window.recent_files()[0] == str(saved)


def test_open_dialog_then_open_recent_reopens_a_project(
    window, qtbot, dialogs, tmp_path
):
    paths = {}
    for name, width in (("first", 2), ("second", 3), ("third", 4)):
        paths[name] = tmp_path / f"{name}.guinet"
        project = Project()
        project.model.set_input_shape((width,))
        project.save(paths[name])
        dialogs.answers.append(str(paths[name]))
        window.open_action.trigger()
        assert window.project.path == paths[name]
    window.new_action.trigger()
    assert window.project.path is None

    # File > Open Recent: the menu fills itself as it opens, newest first
    menu = window.recent_menu
    with qtbot.waitSignal(menu.aboutToShow, timeout=2_000):
        menu.popup(window.mapToGlobal(QPoint(40, 40)))
    qtbot.waitUntil(menu.isVisible, timeout=2_000)
    actions = menu.actions()
    assert [a.text() for a in actions[:3]] == [
        "&1 third.guinet",
        "&2 second.guinet",
        "&3 first.guinet",
    ]
    assert actions[1].toolTip() == str(paths["second"])
    # the one in the middle, by its mnemonic, as a person would press it
    qtbot.keyClick(menu, Qt.Key.Key_2)
    qtbot.waitUntil(lambda: window.project.path is not None, timeout=2_000)
    assert window.project.path == paths["second"]
    assert not menu.isVisible()
    assert window.project.model.input_shape == (3,)
    assert window.windowTitle() == "second.guinet[*] — guinet"
    assert window.recent_files()[:3] == [
        str(paths[name]) for name in ("second", "third", "first")
    ]


def test_a_bad_file_gets_a_message_and_keeps_the_open_project(
    window, dialogs, tmp_path
):
    window.designer.append_layer("Linear")
    bad = tmp_path / "broken.guinet"
    bad.write_text('{"guinet": 1, "model": {"layers": [{"type": "Conv9d"}]}}')
    newer = tmp_path / "newer.guinet"
    newer.write_text('{"guinet": 7}')
    junk = tmp_path / "junk.guinet"
    junk.write_text("not json at all")

    for path, expected in (
        (bad, "Conv9d"),
        (newer, "newer guinet"),
        (junk, "not valid JSON"),
    ):
        assert not window.open_path(path, ask=False)
        assert expected in dialogs.texts("warning")[-1]
    assert [s.type for s in window.project.model.layers] == ["Linear"]
    window.designer.append_layer("ReLU")  # still usable
    assert len(window.project.model.layers) == 2


def test_closing_with_unsaved_changes_asks_first(window, dialogs, tmp_path):
    window.designer.append_layer("Linear")
    dialogs.answers.append(Button.Cancel)
    assert not window.close()
    assert window.isVisible()
    assert "Save the changes" in dialogs.texts("question")[-1]

    dialogs.answers += [Button.Save, str(tmp_path / "kept")]
    assert window.close()
    assert (tmp_path / "kept.guinet").is_file()


def test_discarding_changes_on_new(window, dialogs):
    window.designer.append_layer("Linear")
    dialogs.answers.append(Button.Discard)
    window.new_action.trigger()
    assert len(window.project.model.layers) == 0
    assert not window.isWindowModified()


def test_unmodified_window_closes_without_asking(window, dialogs):
    assert window.close()
    assert dialogs.calls == []


def test_examples_open_as_untitled_copies(window):
    examples = example_projects()
    assert len(examples) >= 3
    cnn = next(p for p in examples if "cnn" in p.stem)
    window.open_example(cnn)
    assert window.project.path is None
    assert window.project.model.layers[0].type == "Conv2d"
    assert window.project.model.analyze().ok


def test_command_line_opens_the_window_on_a_project(
    window, qtbot, tmp_path, monkeypatch
):
    from guinet import cli
    from guinet.gui import app

    path = tmp_path / "cli.guinet"
    project = Project("From the command line")
    project.model.set_input_shape((5,))
    project.save(path)

    opened = {}
    monkeypatch.setattr(
        app,
        "run",
        lambda project=None, example=False: opened.setdefault("path", project) and 0,
    )
    cli.main([str(path)])
    assert Path(opened["path"]) == path

    shown = app.show_main_window(path)
    try:
        qtbot.waitUntil(lambda: shown.built and shown.project.path == path)
        assert shown.windowTitle() == "cli.guinet[*] — guinet"
        assert shown.project.model.input_shape == (5,)
    finally:
        shown.close()
        shown.deleteLater()


def test_main_window_imports_without_torch():
    """The window can paint before torch is imported (start-up time)."""
    code = (
        "import sys; import guinet.gui.app, guinet.gui.main_window; "
        "print('torch' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"
