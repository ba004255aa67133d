"""Early stopping and checkpoints on the Train page: settings, plot, list, actions.

The moons example saved to ``tmp_path`` (so checkpoints are written) with
Adam at lr 0.01 and seed 0 stops early deterministically: with patience 2 it
stops after epoch 15, the best val_loss being epoch 13's.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from guinet._resources import resource
from guinet.core.training.checkpoints import list_checkpoints
from tests.gui.helpers import settle

LEFT = Qt.MouseButton.LeftButton
STOPPED, BEST = 15, 13  # with patience 2 (see the module doc)


@pytest.fixture
def window(window, qtbot):
    yield window
    data = window.data_panel
    qtbot.waitUntil(lambda: not data.busy, timeout=20_000)


@pytest.fixture
def panel(window, qtbot, tmp_path):
    """The moons example saved in tmp_path, patience 2, on the Train page."""
    window.open_example(resource("examples", "moons_mlp.guinet"))
    panel = window.training_panel
    panel.form.set_value("epochs", 100)
    panel.form.set_section_value("early_stopping", "patience", 2)
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


def test_early_stop_is_marked_on_the_plot(qtbot, panel):
    train(qtbot, panel)
    summary = panel.last_summary
    assert summary["stopped_early"] and summary["stop_reason"] == "early_stopping"
    assert summary["epochs_run"] == STOPPED and summary["restored_epoch"] == BEST
    curves = panel.curves
    assert curves.stop_line.isVisible() and curves.stop_line.value() == STOPPED
    assert "no improvement for 2 epochs" in curves.stop_line.label.toPlainText()
    assert curves.best_line.isVisible() and curves.best_line.value() == BEST
    x, y = curves.best_marker.getData()
    assert list(x) == [BEST]
    assert y[0] == pytest.approx(curves.epochs[BEST - 1]["val_loss"])
    assert curves.best_marker in curves.loss_plot.getPlotItem().items
    assert f"weights restored from epoch {BEST}" in curves.stopping.text()
    assert curves.stopping.isVisible()
    assert "Stopped early" in panel.status.text()
    assert f"Weights restored from epoch {BEST}." in panel.log_lines()
    # checkpoints of this run are marked at their epochs
    marked = sorted(int(v) for v in curves.checkpoint_marker.getData()[0])
    assert marked == sorted(curves.checkpoint_epochs) and BEST in marked


def test_patience_changed_mid_run_reaches_the_run(qtbot, panel):
    panel.form.set_section_value("early_stopping", "patience", 50)
    panel.form.set_value("epochs", 400)
    with qtbot.waitSignal(panel.runner.epoch_finished, timeout=30_000):
        qtbot.mouseClick(panel.train_button, LEFT)
    early = panel.runner.early_stopping
    assert early is not None and early.settings.patience == 50
    with qtbot.waitSignal(panel.runner.run_ended, timeout=30_000):
        panel.form.early_stopping.editors["patience"].spin.setValue(1)
        assert early.settings.patience == 1
    summary = panel.last_summary
    assert summary["stop_reason"] == "early_stopping"
    assert summary["epochs_run"] < 60  # patience 50 could not have stopped here
    assert summary["early_stopping"]["patience"] == 1
    assert panel.project.training["early_stopping"]["patience"] == 1
    assert any("patience 1" in line for line in panel.log_lines())


def test_checkpoint_list_load_resume_and_branch(qtbot, panel, tmp_path):
    train(qtbot, panel)
    folder = tmp_path / "checkpoints"
    listed = list_checkpoints(folder)
    table = panel.checkpoints.table
    assert table.rowCount() == len(listed) >= 2
    assert {int(table.item(r, 0).text()) for r in range(table.rowCount())} == {
        info.epoch for info in listed
    }

    # load the best weights
    assert panel.checkpoints.select_epoch(BEST, "best")
    qtbot.mouseClick(panel.checkpoints.load_button, LEFT)
    assert panel.loaded_from["epoch"] == BEST and panel.loaded_weights
    assert any(f"weights of epoch {BEST}" in line for line in panel.log_lines())

    # a damaged file: said in the message area, nothing loaded
    bad = folder / "broken.ckpt"
    bad.write_bytes(b"not a checkpoint")
    assert not panel.load_weights(str(bad))
    assert panel.message.isVisible() and "broken.ckpt" in panel.message.text()
    bad.unlink()
    assert panel.load_weights(str(listed[0].path))
    assert not panel.message.isVisible()

    # resume the run from its last checkpoint with more patience: it goes on
    panel.form.set_section_value("early_stopping", "patience", 4)
    panel.checkpoints.refresh()
    assert panel.checkpoints.select_epoch(STOPPED, "last")
    train(qtbot, panel, panel.checkpoints.resume_button.click)
    assert len(panel.curves.epochs) > STOPPED
    assert panel.curves.start_epoch == STOPPED
    assert panel.last_summary["start_epoch"] == STOPPED
    assert not panel.curves.previous_curves

    # branch from the best checkpoint with another learning rate
    before = len(panel.curves.epochs)
    original = {info.path: info.path.read_bytes() for info in list_checkpoints(folder)}
    panel.form.set_param("optimizer", "lr", 0.002)
    panel.checkpoints.refresh()
    assert panel.checkpoints.select_epoch(BEST, "best")
    train(qtbot, panel, panel.checkpoints.branch_button.click)
    curves = panel.curves
    assert curves.start_epoch == BEST and len(curves.epochs) > BEST
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
    assert panel.project.training["early_stopping"]["patience"] == 7
    form.checkpoint.show_advanced(True)
    assert form.checkpoint.editors["every_n_epochs"].isVisibleTo(form)
    form.checkpoint.editors["every_n_epochs"].spin.setValue(5)
    form.early_stopping.editors["enabled"].check.click()
    assert panel.project.training["checkpoint"]["every_n_epochs"] == 5
    assert panel.project.training["early_stopping"]["enabled"] is False
    assert not form.early_stopping.editors["patience"].isEnabled()
    stack = panel.undo_stack
    stack.undo()
    assert panel.project.training["early_stopping"]["enabled"] is True
    assert form.early_stopping.editors["patience"].isEnabled()
    stack.undo()
    assert panel.project.training["checkpoint"]["every_n_epochs"] == 0
    stack.undo()
    assert panel.project.training["early_stopping"]["patience"] == 2
    assert form.early_stopping.editors["patience"].value() == 2
    stack.redo()
    assert panel.project.training["early_stopping"]["patience"] == 7


def test_unsaved_project_lists_no_checkpoints(qtbot, window):
    window.open_example(resource("examples", "moons_mlp.guinet"))
    panel = window.training_panel
    assert panel.checkpoints.folder is None
    assert "no checkpoints" in panel.checkpoints.placeholder.text()
    assert not panel.checkpoints.load_button.isEnabled()
