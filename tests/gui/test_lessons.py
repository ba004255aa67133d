"""Lessons in the window: the pane with the text, the hidden and locked
controls, the start page, and File ▸ Save as Lesson… driven with clicks."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from guinet._resources import find_example
from guinet.gui.lesson_pane import LOCKED_TIP
from tests.gui.helpers import choose

TEXT = "Watch the validation loss: it turns when the network starts to memorise."


def _lesson_file(tmp_path: Path, lesson: dict) -> Path:
    source = find_example("moons_mlp")
    assert source is not None
    raw = json.loads(source.read_text(encoding="utf-8"))
    raw.pop("lesson", None)
    raw["lesson"] = lesson
    path = tmp_path / "lesson.guinet"
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


def _tab_visible(window, page) -> bool:
    return window.tabs.isTabVisible(window.tabs.indexOf(page))


def test_opening_a_lesson_shows_its_text_hides_and_locks_and_starts_on_its_page(
    window, qtbot, tmp_path
):
    form = window.training_panel.form
    assert window.lesson_pane.isHidden()  # a new project is no lesson
    path = _lesson_file(
        tmp_path,
        {
            "title": "Overfitting, seen",
            "text": TEXT,
            "result": "validation loss turns near epoch 20",
            "start_page": "train",
            "hidden": ["model.palette", "training.epochs", "page.predict"],
            "locked": ["training.optimizer", "training.lr", "data.source"],
        },
    )
    assert window.open_path(path)

    pane = window.lesson_pane
    assert pane.isVisible()
    assert pane.title.text() == "Overfitting, seen"
    assert pane.text.text() == TEXT
    assert "epoch 20" in pane.result.text()
    # the start page
    assert window.tabs.currentWidget() is window.training_panel
    # hidden: the palette, the epochs row (editor and label), the Predict tab
    assert not window.designer.layer_palette.isVisibleTo(window)
    epochs = form.run.editors["epochs"]
    assert not epochs.isVisible()
    assert not form.run.form.labelForField(form.run.rows["epochs"]).isVisible()
    assert form.run.editors["batch_size"].isVisible()
    assert not _tab_visible(window, window.predict_panel)
    assert _tab_visible(window, window.evaluate_panel)
    # locked: greyed out, and the tooltip says why
    for widget in (
        form.optimizer,
        form.optimizer.editors["lr"],
        window.data_panel.source,
    ):
        assert not widget.isEnabled()
        assert LOCKED_TIP in widget.toolTip()
    assert form.loss.isEnabled()
    # a click on the locked optimizer box changes nothing
    qtbot.mouseClick(form.optimizer.combo, Qt.MouseButton.LeftButton)
    assert not form.optimizer.combo.view().isVisible()

    # another project: everything is back as it was
    window.new_project()
    assert pane.isHidden()
    assert window.designer.layer_palette.isVisibleTo(window)
    assert form.run.form.isRowVisible(form.run.rows["epochs"])
    assert not form.run.editors["epochs"].isHidden()
    assert _tab_visible(window, window.predict_panel)
    assert form.optimizer.isEnabled()
    assert LOCKED_TIP not in form.optimizer.toolTip()
    assert window.data_panel.source.isEnabled()
    assert window.tabs.currentWidget() is window.designer


def test_a_locked_learning_rate_stays_locked_when_its_editor_is_rebuilt(
    window, qtbot, tmp_path
):
    form = window.training_panel.form
    path = _lesson_file(
        tmp_path, {"text": "x", "locked": ["training.lr"], "start_page": "train"}
    )
    window.open_path(path)
    assert not form.optimizer.editors["lr"].isEnabled()
    choose(qtbot, form.optimizer.combo, "SGD")  # the optimizer is not locked
    assert window.project.training.optimizer.type == "SGD"
    assert not form.optimizer.editors["lr"].isEnabled()


def test_unknown_control_ids_are_noted_in_the_pane_not_a_crash(window, tmp_path):
    path = _lesson_file(
        tmp_path,
        {"text": "x", "hidden": ["model.palette", "training.warp_drive"]},
    )
    assert window.open_path(path)
    assert window.lesson_pane.isVisible()
    assert "training.warp_drive" in window.lesson_pane.notes.text()
    assert not window.designer.layer_palette.isVisibleTo(window)
    findings = window.session.preflight(torch_ready=False).area("lesson")
    assert [f.severity for f in findings] == ["note"]


def test_the_bundled_examples_open_as_lessons(window):
    path = find_example("xor")
    assert path is not None
    window.open_example(path)
    assert window.lesson_pane.isVisible()
    assert "hidden layer" in window.lesson_pane.title.text()
    assert window.lesson_pane.text.text().startswith("Each point")
    assert window.tabs.currentWidget() is window.designer
    assert not window.data_panel.source.isEnabled()  # the XOR lesson locks it


def test_save_as_lesson_driven_with_clicks_writes_the_section(
    window, qtbot, dialogs, tmp_path
):
    target = tmp_path / "my lesson.guinet"
    dialogs.answers.append(str(target))
    window.save_lesson_action.trigger()
    dialog = window.lesson_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    qtbot.mouseClick(dialog.title, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(dialog.title, "Moons for beginners")
    qtbot.mouseClick(dialog.text, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(dialog.text, "Press Train and watch.")
    for box in (dialog.hide_boxes["model.palette"], dialog.lock_boxes["training.lr"]):
        qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
        assert box.isChecked()
    choose(qtbot, dialog.start_page, "train")
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save),
        Qt.MouseButton.LeftButton,
    )
    qtbot.waitUntil(lambda: target.exists(), timeout=5_000)

    saved = json.loads(target.read_text(encoding="utf-8"))["lesson"]
    assert saved == {
        "title": "Moons for beginners",
        "text": "Press Train and watch.",
        "start_page": "train",
        "hidden": ["model.palette"],
        "locked": ["training.lr"],
    }
    # the window shows the lesson at once, and Undo takes it back
    assert window.lesson_pane.isVisible()
    assert not window.designer.layer_palette.isVisibleTo(window)
    window.undo_stack.undo()
    assert window.project.lesson is None
    assert window.lesson_pane.isHidden()
    assert window.designer.layer_palette.isVisibleTo(window)
