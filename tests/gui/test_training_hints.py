"""Teaching hints on the Train page: live during a run, each with its Fix as
one undoable step, dismissible for good, and the NaN explained."""

from __future__ import annotations

import json

import pytest

from guinet._resources import resource
from tests.gui.helpers import settle
from tests.gui.test_training_panel import LEFT


@pytest.fixture
def panel(window, qtbot):
    window.open_example(resource("examples", "moons_mlp.guinet"))
    panel = window.training_panel
    window.tabs.setCurrentWidget(panel)
    settle(qtbot, window)
    yield panel
    if panel.is_training:
        panel.stop_training()


def test_a_live_hint_appears_during_a_run_and_its_fix_is_one_undoable_step(
    window,
    panel,
    qtbot,
):
    project = window.project
    panel.form.set_value("optimizer", {"type": "SGD", "lr": 1e-6})
    panel.form.set_value("epochs", 500)
    # no early stop: the run must still be going when the hint shows
    panel.form.set_value("early_stopping.enabled", False)
    settle(qtbot, window)
    assert panel.hint_list.shown_keys() == []  # a clean model: no hint before the run
    with qtbot.waitSignal(panel.runner.run_ended, timeout=60_000):
        qtbot.mouseClick(panel.train_button, LEFT)
        qtbot.waitUntil(
            lambda: panel.hint_list.row("hint.lr_low") is not None, timeout=30_000
        )
        assert panel.is_training and panel.hint_list.isVisible()
        qtbot.mouseClick(panel.stop_button, LEFT)
    row = panel.hint_list.row("hint.lr_low")
    assert row is not None
    assert "hardly moved in 5 epochs" in row.label.text()
    assert "learning rate (1e-06)" in row.label.text()
    assert row.label.toolTip().startswith("learning rate: ")
    steps = window.undo_stack.count()
    qtbot.mouseClick(row.fix_button, LEFT)
    assert project.training.lr == 1e-5
    assert window.undo_stack.count() == steps + 1
    assert window.undo_stack.undoText() == "Raise the learning rate to 1e-05"
    assert panel.hint_list.row("hint.lr_low") is None
    window.undo_stack.undo()
    assert project.training.lr == 1e-6


def test_a_dismissed_hint_stays_hidden_after_reopening(window, qtbot, tmp_path):
    raw = json.loads(resource("examples", "moons_mlp.guinet").read_text())
    layers = raw["model"]["layers"]
    raw["model"]["layers"] = [{"type": "Linear", "out_features": 8}, *layers]
    path = tmp_path / "collapse.guinet"
    path.write_text(json.dumps(raw))
    window.open_path(path, ask=False)
    panel = window.training_panel
    window.tabs.setCurrentWidget(panel)
    settle(qtbot, window)
    qtbot.waitUntil(lambda: panel.hint_list.shown_keys() == ["hint.linear_collapse.0"])
    row = panel.hint_list.rows[0]
    assert "Layers 1 and 2" in row.label.text()
    qtbot.mouseClick(row.dismiss_button, LEFT)
    qtbot.waitUntil(lambda: panel.hint_list.shown_keys() == [])
    assert not panel.hint_list.isVisible()
    window.undo_stack.undo()  # dismissing is a step like any other
    qtbot.waitUntil(lambda: panel.hint_list.shown_keys() == ["hint.linear_collapse.0"])
    window.undo_stack.redo()
    assert window.save()
    assert json.loads(path.read_text())["hints"]["dismissed"] == [
        "hint.linear_collapse.0"
    ]
    window.open_path(path, ask=False)
    settle(qtbot, window)
    panel.check()
    assert panel.hint_list.shown_keys() == []


def test_a_run_that_ends_in_nan_says_what_diverged_and_what_to_change(
    window,
    panel,
    qtbot,
):
    panel.form.set_value("optimizer", {"type": "SGD", "lr": 300.0})
    panel.form.set_value("epochs", 30)
    window.project.set_value("training.early_stopping.enabled", False)
    settle(qtbot, window)
    with qtbot.waitSignal(panel.runner.run_ended, timeout=60_000):
        qtbot.mouseClick(panel.train_button, LEFT)
    assert panel.last_summary["stop_reason"] == "non_finite"
    qtbot.waitUntil(
        lambda: panel.hint_list.row("hint.diverged") is not None, timeout=30_000
    )
    text = panel.hint_list.row("hint.diverged").label.text()
    assert "The loss became NaN or infinite in epoch" in text
    assert "at learning rate 300 would move layer" in text
    assert "Lower the learning rate" in text
    qtbot.mouseClick(panel.hint_list.row("hint.diverged").fix_button, LEFT)
    assert window.project.training.lr == 30.0


def test_dead_relu_units_are_found_after_a_run_off_the_gui_thread(window, panel, qtbot):
    panel.form.set_value("optimizer", {"type": "Adam", "lr": 1.0})
    panel.form.set_value("epochs", 5)
    window.project.set_value("training.early_stopping.enabled", False)
    settle(qtbot, window)
    with qtbot.waitSignal(panel.hints.running_changed, timeout=60_000) as started:
        qtbot.mouseClick(panel.train_button, LEFT)
    assert started.args == [True]  # the weights are read in the hints' own thread
    assert panel.hints.worker_thread is not panel.thread()
    qtbot.waitUntil(
        lambda: any(
            k.startswith("hint.dead_relu.") for k in panel.hint_list.shown_keys()
        ),
        timeout=30_000,
    )
    row = next(r for r in panel.hint_list.rows if r.hint.key.startswith("hint.dead"))
    assert "output 0 for all 300 training samples tried" in row.label.text()
    qtbot.waitUntil(lambda: not panel.hints.running, timeout=10_000)


def test_a_long_hint_shows_two_lines_until_more_is_pressed(qtbot):
    """Two hints after a run must not push the plots off a 1280×720 page."""
    from PySide6.QtWidgets import QApplication

    from guinet.core.hints import Hint
    from guinet.gui.training_hints import HintRow

    message = "Overfitting: the validation loss was lowest at epoch 143 " * 6
    row = HintRow(Hint("training", "note", message, concept="overfitting"))
    qtbot.addWidget(row)
    row.resize(420, 200)
    row.show()
    QApplication.processEvents()
    step = row.label.fontMetrics().lineSpacing()
    assert len(row.label.shown_lines()) == 2
    assert row.label.height() <= 2 * step + 4
    assert row.label.text() == f"Hint: {message}"  # whole, and in the tooltip
    assert message.strip() in row.label.toolTip()
    assert row.more_button.isVisible()
    qtbot.mouseClick(row.more_button, LEFT)
    QApplication.processEvents()
    assert len(row.label.shown_lines()) > 2
    assert row.more_button.text() == "Less"
    qtbot.mouseClick(row.more_button, LEFT)
    assert len(row.label.shown_lines()) == 2

    short = HintRow(Hint("training", "note", "Short.", concept="overfitting"))
    qtbot.addWidget(short)
    short.resize(420, 60)
    short.show()
    QApplication.processEvents()
    assert not short.more_button.isVisible()  # nothing more to show
