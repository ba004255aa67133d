"""Early stopping and checkpoints on the Train page: settings, plot, list, actions.

The moons example saved to ``tmp_path`` (so checkpoints are written) with
Adam at lr 0.01 and seed 0 stops early deterministically with patience 2.
Where it stops and which epoch is best are not written here: the engine
trains the same project headless (:func:`engine_run`), its history is
checked against what patience 2 implies, and the page must agree with it.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from guinet._resources import resource
from guinet.core.project import Project
from guinet.core.training.checkpoints import list_checkpoints
from tests.gui.helpers import settle
from tests.gui.test_training_panel import type_into

LEFT = Qt.MouseButton.LeftButton
PATIENCE = 2
EPOCHS = 100


@pytest.fixture(scope="module")
def engine_run():
    """The same seeded project trained by the engine alone, without the GUI.

    Returns ``(stopped, best, val_losses)``; the history is checked first
    against what patience means, so neither side is trusted blindly.
    """
    from guinet.core.training import fit_project

    project = Project.load(resource("examples", "moons_mlp.guinet"))
    project.set_training(
        project.training.replace(epochs=EPOCHS).with_value(
            "early_stopping.patience", PATIENCE
        )
    )
    assert project.training.early_stopping.min_delta == 0
    result = fit_project(project)  # a shipped example: it writes no checkpoints

    val_losses = result.history["val_loss"]
    stopped, best = result.epochs_run, result.restored_epoch
    assert result.stop_reason == "early_stopping" and stopped < EPOCHS
    assert len(val_losses) == stopped
    # the best epoch has the lowest val_loss, and patience epochs without
    # improvement after it are what stopped the run
    assert best == val_losses.index(min(val_losses)) + 1
    assert stopped - best == PATIENCE
    return stopped, best, val_losses


@pytest.fixture
def panel(window, qtbot, tmp_path):
    """The moons example saved in tmp_path, patience PATIENCE, on the Train page."""
    window.open_example(resource("examples", "moons_mlp.guinet"))
    panel = window.training_panel
    panel.form.set_value("epochs", 100)
    panel.form.set_value("early_stopping.patience", PATIENCE)
    assert window._save_to(tmp_path / "moons.guinet")
    window.tabs.setCurrentWidget(panel)
    settle(qtbot, window)
    yield panel
    if panel.is_training:
        panel.stop_training()


def train(qtbot, panel, start=None, timeout=30_000):
    with qtbot.waitSignal(panel.runner.run_ended, timeout=timeout):
        if start is None:
            qtbot.mouseClick(panel.train_button, LEFT)
        else:
            start()


def test_early_stop_is_marked_on_the_plot(qtbot, panel, engine_run):
    stopped, best, val_losses = engine_run
    train(qtbot, panel)
    summary = panel.last_summary
    assert summary["stopped_early"] and summary["stop_reason"] == "early_stopping"
    assert summary["epochs_run"] == stopped and summary["restored_epoch"] == best
    curves = panel.curves
    # the page trained what the engine trains alone, epoch for epoch
    assert [e["val_loss"] for e in curves.epochs] == pytest.approx(val_losses)
    assert curves.stop_line.isVisible() and curves.stop_line.value() == stopped
    said = curves.stop_line.label.toPlainText()
    assert f"no improvement for {PATIENCE} epochs" in said
    assert curves.best_line.isVisible() and curves.best_line.value() == best
    x, y = curves.best_marker.getData()
    assert list(x) == [best]
    assert y[0] == pytest.approx(curves.epochs[best - 1]["val_loss"])
    assert curves.best_marker in curves.loss_plot.getPlotItem().items
    assert f"weights restored from epoch {best}" in curves.stopping.text()
    assert curves.stopping.isVisible()
    assert "Stopped early" in panel.status.text()
    assert f"Weights restored from epoch {best}." in panel.log_lines()
    # checkpoints of this run are marked at their epochs
    marked = sorted(int(v) for v in curves.checkpoint_marker.getData()[0])
    assert marked == sorted(curves.checkpoint_epochs) and best in marked


def test_patience_typed_mid_run_reaches_the_run_and_undo_too(qtbot, window, panel):
    """A patience typed in the form during a run is one SetField; the run
    follows the project, so Ctrl+Z (the window's Undo shortcut) reaches it too."""
    panel.form.set_value("early_stopping.patience", 50)
    panel.form.set_value("epochs", 400)
    with qtbot.waitSignal(panel.runner.epoch_finished, timeout=30_000):
        qtbot.mouseClick(panel.train_button, LEFT)
    early = panel.runner.early_stopping
    assert early is not None and early.settings.patience == 50
    qtbot.mouseClick(panel.pause_button, LEFT)  # hold it while we type
    qtbot.waitUntil(lambda: panel.runner.holding, timeout=5_000)

    spin = panel.form.early_stopping.editors["patience"].spin
    steps = panel.undo_stack.count()
    type_into(qtbot, spin, "30")
    assert panel.project.training.early_stopping.patience == 30
    assert early.settings.patience == 30
    assert panel.undo_stack.count() == steps + 1  # one command, nothing else
    assert any("patience 30" in line for line in panel.log_lines())

    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert panel.project.training.early_stopping.patience == 50
    assert spin.value() == 50
    assert early.settings.patience == 50

    window.redo_action.trigger()
    assert early.settings.patience == 30
    with qtbot.waitSignal(panel.runner.run_ended, timeout=10_000):
        qtbot.mouseClick(panel.stop_button, LEFT)
    assert panel.last_summary["early_stopping"]["patience"] == 30


def test_patience_lowered_mid_run_stops_it(qtbot, panel):
    panel.form.set_value("early_stopping.patience", 50)
    panel.form.set_value("epochs", 400)
    with qtbot.waitSignal(panel.runner.epoch_finished, timeout=30_000):
        qtbot.mouseClick(panel.train_button, LEFT)
    with qtbot.waitSignal(panel.runner.run_ended, timeout=30_000):
        type_into(qtbot, panel.form.early_stopping.editors["patience"].spin, "1")
    summary = panel.last_summary
    assert summary["stop_reason"] == "early_stopping"
    assert summary["epochs_run"] < 60  # patience 50 could not have stopped here
    assert summary["early_stopping"]["patience"] == 1


def test_checkpoint_list_load_resume_and_branch(qtbot, panel, tmp_path, engine_run):
    stopped, best, _ = engine_run
    train(qtbot, panel)
    assert panel.last_summary["epochs_run"] == stopped
    folder = tmp_path / "checkpoints"
    listed = list_checkpoints(folder)
    table = panel.checkpoints.table
    assert table.rowCount() == len(listed) >= 2
    assert {int(table.item(r, 0).text()) for r in range(table.rowCount())} == {
        info.epoch for info in listed
    }

    # load the best weights
    assert panel.checkpoints.select_epoch(best, "best")
    qtbot.mouseClick(panel.checkpoints.load_button, LEFT)
    assert panel.loaded_from["epoch"] == best and panel.loaded_weights
    assert any(f"weights of epoch {best}" in line for line in panel.log_lines())

    # a damaged file: said in the message area, nothing loaded
    bad = folder / "broken.ckpt"
    bad.write_bytes(b"not a checkpoint")
    assert not panel.load_weights(str(bad))
    assert panel.message.isVisible() and "broken.ckpt" in panel.message.text()
    bad.unlink()
    assert panel.load_weights(str(listed[0].path))
    assert not panel.message.isVisible()

    # resume the run from its last checkpoint with more patience: it goes on
    panel.form.set_value("early_stopping.patience", 4)
    panel.checkpoints.refresh()
    assert panel.checkpoints.select_epoch(stopped, "last")
    train(qtbot, panel, panel.checkpoints.resume_button.click)
    assert len(panel.curves.epochs) > stopped
    assert panel.curves.start_epoch == stopped
    assert panel.last_summary["start_epoch"] == stopped
    assert not panel.curves.previous_curves

    # branch from the best checkpoint with another learning rate
    before = len(panel.curves.epochs)
    original = {info.path: info.path.read_bytes() for info in list_checkpoints(folder)}
    panel.form.set_param("optimizer", "lr", 0.002)
    panel.checkpoints.refresh()
    assert panel.checkpoints.select_epoch(best, "best")
    train(qtbot, panel, panel.checkpoints.branch_button.click)
    curves = panel.curves
    assert curves.start_epoch == best and len(curves.epochs) > best
    faded = curves.previous_curves
    assert faded and len(faded[0].getData()[0]) == before
    assert all(item.opts["pen"].color().alpha() < 255 for item in faded)
    assert panel.curves.epochs[-1]["lr"] == pytest.approx(0.002)
    # the branch keeps its checkpoints apart: the original run's are untouched
    assert {p: p.read_bytes() for p in original} == original


def test_settings_edits_are_undoable(qtbot, panel):
    training = panel.project.training
    form = panel.form
    form.early_stopping.editors["patience"].spin.setValue(7)
    assert training is not panel.project.training
    assert panel.project.training.early_stopping.patience == 7
    form.checkpoint.show_advanced(True)
    assert form.checkpoint.editors["every_n_epochs"].isVisibleTo(form)
    form.checkpoint.editors["every_n_epochs"].spin.setValue(5)
    form.early_stopping.editors["enabled"].check.click()
    assert panel.project.training.checkpoint.every_n_epochs == 5
    assert panel.project.training.early_stopping.enabled is False
    assert not form.early_stopping.editors["patience"].isEnabled()
    stack = panel.undo_stack
    stack.undo()
    assert panel.project.training.early_stopping.enabled is True
    assert form.early_stopping.editors["patience"].isEnabled()
    stack.undo()
    assert panel.project.training.checkpoint.every_n_epochs == 0
    stack.undo()
    assert panel.project.training.early_stopping.patience == PATIENCE
    assert form.early_stopping.editors["patience"].value() == PATIENCE
    stack.redo()
    assert panel.project.training.early_stopping.patience == 7


def test_unsaved_project_lists_no_checkpoints(qtbot, window):
    window.open_example(resource("examples", "moons_mlp.guinet"))
    panel = window.training_panel
    assert panel.checkpoints.folder is None
    assert "no checkpoints" in panel.checkpoints.placeholder.text()
    assert not panel.checkpoints.load_button.isEnabled()
