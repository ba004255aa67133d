"""The Train page's checks and its auto loss, driven through the page.

Preflight's findings are all shown at once above the plots, each with its
Fix button; a fix is one undoable step. The loss box's first entry is auto,
named by what the session would pick.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from guinet._resources import resource
from tests.gui.helpers import choose, settle, train_page_settled
from tests.gui.test_training_panel import LEFT, pick

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def panel(window, qtbot):
    window.open_example(resource("examples", "moons_mlp.guinet"))
    panel = window.training_panel
    window.tabs.setCurrentWidget(panel)
    panel.form.set_value("epochs", 3)
    settle(qtbot, window)
    yield panel
    if panel.is_training:
        panel.stop_training()


def test_auto_loss_on_binary_moons_trains_with_bce_with_logits(window, panel, qtbot):
    project = window.project
    project.set_value("data.task", "binary")
    settle(qtbot, window)
    window.designer.set_param(4, "out_features", 1)  # one output for two classes
    combo = panel.form.loss.combo
    assert combo.currentData() == "CrossEntropyLoss"

    pick(qtbot, combo, None)  # the first entry: auto
    assert "loss" not in project.training.to_dict()
    assert project.training.loss is None
    qtbot.waitUntil(
        lambda: combo.itemText(0) == "auto — BCEWithLogitsLoss", timeout=5_000
    )
    assert combo.currentIndex() == 0
    assert panel.form.loss.editors == {}

    with qtbot.waitSignal(panel.runner.run_ended, timeout=30_000):
        qtbot.mouseClick(panel.train_button, LEFT)
    assert panel.last_summary["stop_reason"] == "completed"
    assert any("BCEWithLogitsLoss" in line for line in panel.log_lines())
    assert "loss" not in project.training.to_dict()  # auto stays auto

    window.undo_action.trigger()  # back to the loss the example named
    assert project.training.to_dict()["loss"] == {"type": "CrossEntropyLoss"}
    assert combo.currentData() == "CrossEntropyLoss"


def test_every_error_is_shown_with_its_fix_and_a_fix_is_one_undo_step(
    window, panel, qtbot
):
    project = window.project
    panel.form.set_value("device", "cuda:7")
    panel.form.set_value("early_stopping.monitor", "val_f1")
    panel.check()
    problems = panel.message
    texts = problems.text()
    assert "cuda:7" in texts and "val_f1" in texts  # both at once, not the first
    assert len(problems.rows) >= 2
    assert panel.problem_text == problems.rows[0].text
    assert panel.status.text().endswith("Fix the problem below first.")
    buttons = {b.text(): b for b in problems.fix_buttons()}
    assert "Fix: Train on the best device here" in buttons
    assert "Fix: Watch val_loss" in buttons

    steps = window.undo_stack.count()
    qtbot.mouseClick(buttons["Fix: Train on the best device here"], LEFT)
    assert project.training.device == "auto"
    assert window.undo_stack.count() == steps + 1
    assert window.undo_stack.undoText() == "Train on the best device here"
    qtbot.waitUntil(lambda: "cuda:7" not in problems.text(), timeout=5_000)
    assert "val_f1" in problems.text()

    qtbot.keyClick(window, Qt.Key.Key_Z, CTRL)  # the window's Undo shortcut
    assert project.training.device == "cuda:7"
    assert panel.form.device.currentData() == "cuda:7"
    qtbot.waitUntil(lambda: "cuda:7" in problems.text(), timeout=5_000)

    for label in ("Fix: Train on the best device here", "Fix: Watch val_loss"):
        button = next(b for b in problems.fix_buttons() if b.text() == label)
        qtbot.mouseClick(button, LEFT)
        qtbot.waitUntil(
            lambda label=label: label not in [b.text() for b in problems.fix_buttons()],
            timeout=5_000,
        )
    qtbot.waitUntil(lambda: not problems.isVisibleTo(panel), timeout=5_000)
    assert panel.problem_text == ""
    assert panel.status.text().endswith("Press Train to start.")


def test_notes_are_shown_as_notes(window, panel, qtbot):
    """A loss that works but deserves a word is a note, not an error."""
    window.project.set_value("data.task", "binary")
    settle(qtbot, window)
    window.designer.set_param(4, "out_features", 1)
    window.designer.append_layer("Sigmoid")
    pick(qtbot, panel.form.loss.combo, None)  # auto: BCEWithLogitsLoss
    panel.check()
    assert "BCEWithLogitsLoss applies the sigmoid itself" in panel.notes.full_text()
    assert panel.notes.text().startswith("ℹ ")
    assert panel.notes.toolTip() == panel.notes.full_text()  # whole, as a tooltip
    assert panel.notes.isVisibleTo(panel)
    assert not panel.message.isVisibleTo(panel)
    assert panel.problem_text == ""


def test_an_empty_model_is_said_plainly_and_a_layer_problem_points_to_the_model(
    window, qtbot
):
    window.training_panel.session.project.set_value("data.source.name", "moons")
    panel = window.training_panel
    window.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: "no layers yet" in panel.problems.text(), timeout=10_000)
    assert "cannot be built" not in panel.problems.text()
    window.designer.append_layer("Conv2d")  # needs (C, H, W); moons gives (2,)
    qtbot.waitUntil(lambda: "cannot be built" in panel.problems.text(), timeout=10_000)
    assert "layer 1 (Conv2d)" in panel.problems.text()


def test_a_new_user_trains_moons_from_a_new_project_with_fix_buttons(window, qtbot):
    """New project, the moons data, the Train page: the loss is auto, an empty
    model is one Fix away from a network, Train works, and a broken setting
    shows a Fix that works — all through the window's own buttons."""
    project = window.project
    assert project.training.loss is None  # auto, never a loss against the output
    data = window.data_panel
    window.tabs.setCurrentWidget(data)
    choose(qtbot, data.dataset, "moons")
    settle(qtbot, window)
    panel = window.training_panel
    window.tabs.setCurrentWidget(panel)
    panel.form.set_value("epochs", 3)
    problems = panel.message

    def starter_offered():
        return [b for b in problems.fix_buttons() if "starter network" in b.text()]

    qtbot.waitUntil(lambda: bool(starter_offered()), timeout=10_000)
    assert "no layers yet" in problems.text()
    starter = starter_offered()[0]
    steps = window.undo_stack.count()
    qtbot.mouseClick(starter, LEFT)
    assert [layer.type for layer in project.model.layers][-1] == "Linear"
    assert window.undo_stack.count() == steps + 1  # one step
    qtbot.waitUntil(lambda: not problems.isVisibleTo(panel), timeout=10_000)
    with qtbot.waitSignal(panel.runner.run_ended, timeout=30_000):
        qtbot.mouseClick(panel.train_button, LEFT)
    assert panel.last_summary["stop_reason"] == "completed"
    assert len(panel.curves.epochs) == 3

    # a loss that does not fit two outputs: the page says so, with a Fix
    pick(qtbot, panel.form.loss.combo, "BCELoss")
    qtbot.waitUntil(lambda: bool(problems.fix_buttons()), timeout=10_000)
    assert problems.isVisibleTo(panel)
    labels = [b.text() for b in problems.fix_buttons()]
    assert labels == ["Fix: Set the last Linear's out_features to 1"]
    qtbot.mouseClick(problems.fix_buttons()[0], LEFT)
    # BCELoss then needs probabilities: the next problem has its Fix too
    qtbot.waitUntil(
        lambda: (
            [b.text() for b in problems.fix_buttons()]
            == ["Fix: Add a Sigmoid at the end"]
        ),
        timeout=10_000,
    )
    qtbot.mouseClick(problems.fix_buttons()[0], LEFT)
    assert project.model.layers[-1].type == "Sigmoid"
    qtbot.waitUntil(lambda: not problems.isVisibleTo(panel), timeout=10_000)
    with qtbot.waitSignal(panel.runner.run_ended, timeout=30_000):
        qtbot.mouseClick(panel.train_button, LEFT)
    assert panel.last_summary["stop_reason"] == "completed"


def test_a_long_fix_fits_a_narrow_window_and_keeps_its_words(window, qtbot):
    """The new project's "Add a starter network (Linear 16, ReLU, …)" fix once
    made the Train page 820 px wide at least, clipped in a narrower window."""
    panel = window.training_panel
    window.tabs.setCurrentWidget(panel)
    train_page_settled(qtbot, window)
    [button] = [b for b in panel.message.fix_buttons() if "starter" in b.text()]
    whole = button.text()

    window.resize(760, 600)
    row = button.parentWidget()

    def fits() -> None:  # once laid out at this width
        assert panel.minimumSizeHint().width() <= panel.width() <= 760
        assert button.geometry().right() <= row.width()
        assert row.label.width() >= row.width() // 3  # the words keep their room
        assert button.shown_text().endswith("…")

    qtbot.waitUntil(fits)
    shown = button.shown_text()
    assert whole.startswith(shown[:-1])
    assert button.text() == whole  # what a test, or a screen reader, reads
    assert whole in button.toolTip()

    window.resize(1600, 700)  # room again: all of it
    qtbot.waitUntil(lambda: button.shown_text() == whole)
    assert whole not in button.toolTip()
    qtbot.mouseClick(button, LEFT)
    assert len(window.project.model.layers) == 5
