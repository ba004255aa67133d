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


def retype(qtbot, spin, text):
    """Select what a spin box shows and type ``text`` over it (no Enter)."""
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(spin, text)


def open_branch_dialog(qtbot, panel):
    qtbot.mouseClick(panel.checkpoints.branch_button, LEFT)
    actions = panel.checkpoint_actions
    qtbot.waitUntil(
        lambda: actions.branch_dialog is not None and actions.branch_dialog.isVisible(),
        timeout=5_000,
    )
    assert not panel.is_training  # a dialog first, nothing started yet
    return actions.branch_dialog


def test_checkpoint_list_load_resume_and_branch(qtbot, panel, tmp_path, engine_run):
    stopped, best, _ = engine_run
    train(qtbot, panel)
    assert panel.last_summary["epochs_run"] == stopped
    folder = tmp_path / "moons-checkpoints"  # named after moons.guinet
    assert panel.checkpoints.folder == folder
    listed = list_checkpoints(folder)
    table = panel.checkpoints.table
    assert table.rowCount() == len(listed) >= 2
    assert {int(table.item(r, 0).text()) for r in range(table.rowCount())} == {
        info.epoch for info in listed
    }
    # what evaluate, predict and export use now: the run's best weights
    session = panel.session
    (run_best,) = [info.path for info in listed if info.kind == "best"]
    assert session.weights_path() == run_best

    # load the first weights kept: from now on those are used
    changed = []
    session.weights_changed.connect(lambda: changed.append(True))
    assert panel.checkpoints.select_epoch(listed[0].epoch, listed[0].kind)
    qtbot.mouseClick(panel.checkpoints.load_button, LEFT)
    assert session.weights_path() == listed[0].path and changed

    # load the best weights
    assert panel.checkpoints.select_epoch(best, "best")
    qtbot.mouseClick(panel.checkpoints.load_button, LEFT)
    assert panel.loaded_from["epoch"] == best and panel.loaded_weights
    assert session.weights_path() == run_best
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
    assert any("had stopped early" in line for line in panel.log_lines())
    assert not panel.curves.previous_curves

    # branch from the best checkpoint with another learning rate, set in the
    # dialog that Branch… opens
    before = len(panel.curves.epochs)
    original = {info.path: info.path.read_bytes() for info in list_checkpoints(folder)}
    panel.checkpoints.refresh()
    assert panel.checkpoints.select_epoch(best, "best")
    dialog = open_branch_dialog(qtbot, panel)
    retype(qtbot, dialog.lr, "0.002")
    steps = panel.undo_stack.count()
    with qtbot.waitSignal(panel.runner.run_ended, timeout=30_000):
        qtbot.mouseClick(dialog.ok_button, LEFT)
    assert panel.project.training.lr == pytest.approx(0.002)
    assert panel.undo_stack.count() == steps + 1  # one step: "Branch from epoch …"
    assert panel.undo_stack.undoText() == f"Branch from epoch {best}"
    curves = panel.curves
    assert curves.start_epoch == best and len(curves.epochs) > best
    faded = curves.previous_curves
    assert faded and len(faded[0].getData()[0]) == before
    assert all(item.opts["pen"].color().alpha() < 255 for item in faded)
    assert panel.curves.epochs[-1]["lr"] == pytest.approx(0.002)
    # the branch keeps its checkpoints apart: the original run's are untouched
    # and still listed, with the branch's beside them
    assert {p: p.read_bytes() for p in original} == original
    listed = {str(info.path) for info in panel.checkpoints.infos}
    assert {str(p) for p in original} <= listed
    runs = {panel.checkpoints.run_name(info) for info in panel.checkpoints.infos}
    assert "" in runs and any(run.startswith("branch-epoch") for run in runs)
    window = panel.window()
    window.undo_action.trigger()
    assert panel.project.training.lr == pytest.approx(0.01)


def test_branching_from_the_best_of_an_early_stopped_run_offers_more_patience(
    qtbot, panel, engine_run
):
    stopped, best, _ = engine_run
    train(qtbot, panel)
    assert panel.checkpoints.select_epoch(best, "best")
    dialog = open_branch_dialog(qtbot, panel)
    assert dialog.patience.value() > PATIENCE
    assert f"stopped early at epoch {stopped}" in dialog.stopped_note.text()
    dialog.reject()


def test_branch_dialog_cancel_starts_nothing(qtbot, panel):
    train(qtbot, panel)
    assert panel.checkpoints.select_epoch(panel.last_summary["epochs_run"], "last")
    dialog = open_branch_dialog(qtbot, panel)
    steps = panel.undo_stack.count()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    assert not panel.is_training
    assert panel.undo_stack.count() == steps
    assert panel.checkpoint_actions.branch_dialog is None


def test_resuming_an_early_stopped_run_says_so_and_offers_a_branch(
    qtbot, panel, engine_run
):
    stopped, best, _ = engine_run
    train(qtbot, panel)
    assert panel.last_summary["stop_reason"] == "early_stopping"
    assert panel.checkpoints.select_epoch(stopped, "last")
    qtbot.mouseClick(panel.checkpoints.resume_button, LEFT)
    actions = panel.checkpoint_actions
    question = actions.resume_question
    assert question is not None and question.isVisible()
    assert not panel.is_training  # asked before starting
    assert f"stopped early at epoch {stopped}" in question.text()
    assert f"no improvement for {PATIENCE} epochs" in question.text()
    branch = next(
        b for b in question.buttons() if b.text().startswith("Branch with higher")
    )
    qtbot.mouseClick(branch, LEFT)
    qtbot.waitUntil(lambda: actions.branch_dialog is not None, timeout=5_000)
    dialog = actions.branch_dialog
    assert dialog.patience.value() > PATIENCE  # higher than what stopped it
    assert "stopped early" in dialog.stopped_note.text()
    patience = dialog.patience.value()
    with qtbot.waitSignal(panel.runner.run_ended, timeout=30_000):
        qtbot.mouseClick(dialog.ok_button, LEFT)
    assert panel.project.training.early_stopping.patience == patience
    summary = panel.last_summary
    assert summary["start_epoch"] == stopped
    assert summary["epochs_run"] - stopped > 1  # did not stop after one epoch


def test_checkpoints_that_do_not_fit_the_model_are_greyed_and_say_why(
    qtbot, window, panel
):
    train(qtbot, panel)
    checkpoints = panel.checkpoints
    rows = checkpoints.table.rowCount()
    assert rows >= 2 and not checkpoints.unfit
    assert checkpoints.table.item(0, 5).text() == "yes"
    window.designer.set_param(2, "out_features", 9)  # another hidden width
    qtbot.waitUntil(lambda: len(checkpoints.unfit) == rows, timeout=5_000)
    item = checkpoints.table.item(0, 5)
    assert item.text().startswith("no: ") and "weight" in item.text()
    assert "Does not fit the current model" in item.toolTip()
    assert not item.flags() & Qt.ItemFlag.ItemIsSelectable
    assert "do not fit the current model" in checkpoints.placeholder.text()
    assert not checkpoints.select_epoch(panel.last_summary["epochs_run"], "last")
    assert not checkpoints.load_button.isEnabled()
    # loading one anyway names the real file, not a capitalised one
    path = next(i.path for i in checkpoints.infos if i.kind == "best")
    assert path.name.startswith("best-")
    assert not panel.load_weights(str(path))
    assert f"{path.name} does not fit this model" in panel.message.text()
    window.undo_action.trigger()
    qtbot.waitUntil(lambda: not checkpoints.unfit, timeout=5_000)
    assert checkpoints.select_epoch(panel.last_summary["epochs_run"], "last")


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


def test_an_unsaved_project_lists_its_own_folder_in_the_user_data_folder(
    qtbot, window, _user_data_in_tmp
):
    window.open_example(resource("examples", "moons_mlp.guinet"))
    panel = window.training_panel
    folder = panel.checkpoints.folder
    # an example opens as an untitled copy: a folder of its own, by its name
    assert folder.parent == _user_data_in_tmp / "checkpoints"
    assert folder.name.startswith("two-moons")
    assert "No checkpoints" in panel.checkpoints.placeholder.text()
    assert not panel.checkpoints.load_button.isEnabled()
    window.new_action.trigger()
    assert panel.checkpoints.folder != folder


def test_load_weights_tooltip_promises_nothing_that_is_not_there(window):
    tip = window.training_panel.checkpoints.load_button.toolTip()
    assert "cannot predict or export" not in tip and "Resume or Branch" in tip
    # it names the menu entry that exports the loaded weights, as it is spelled
    assert "File ▸ Export" in tip
    file_menu = window.menuBar().actions()[0]
    assert file_menu.text().replace("&", "") == "File"
    assert window.export_action in file_menu.menu().actions()
    assert window.export_action.text().replace("&", "").startswith("Export")
    # and the pages it names are there, using the session's weights
    tabs = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert "Evaluate page" in tip and "Evaluate" in tabs
    assert "Predict page" in tip and "Predict" in tabs
    # no command the CLI does not have
    assert "guinet predict" not in tip and "guinet export" not in tip
