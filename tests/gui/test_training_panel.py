"""The Train page, driven through its buttons: train, stop, pause, close, settings."""

from __future__ import annotations

import pytest
import shiboken6
import torch
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from guinet._resources import resource
from guinet.core.project import Project
from tests.gui.helpers import settle

LEFT = Qt.MouseButton.LeftButton
LONG = 2000  # epochs: a run that is still going when the test acts on it


@pytest.fixture(autouse=True)
def _delete_closed_windows(qapp):
    """Delete the windows earlier tests closed (``deleteLater`` waits for an
    event loop that pytest never runs): every live window is restyled when the
    next one calls ``create_application``, which makes each setup slower."""
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def panel(window, qtbot):
    """The moons example (300 training rows) on the Train page."""
    window.open_example(resource("examples", "moons_mlp.guinet"))
    window.tabs.setCurrentWidget(window.training_panel)
    panel = window.training_panel
    panel.form.set_value("epochs", 4)
    settle(qtbot, window)
    yield panel
    if panel.is_training:  # a failed test must not leave the thread running
        panel.stop_training()


def train(qtbot, panel, epochs=None, timeout=30_000):
    if epochs is not None:
        panel.form.set_value("epochs", epochs)
    with qtbot.waitSignal(panel.runner.run_ended, timeout=timeout):
        qtbot.mouseClick(panel.train_button, LEFT)


def start_long_run(qtbot, panel, epochs=LONG):
    """Press Train and return the run's thread once its first epoch is in.

    Early stopping is off: on a busy machine the GUI may get the first
    epoch's signal only after moons has trained and stopped early."""
    panel.form.set_value("epochs", epochs)
    panel.form.set_value("early_stopping.enabled", False)
    settle(qtbot, panel.window())
    with qtbot.waitSignal(panel.runner.epoch_finished, timeout=30_000):
        qtbot.mouseClick(panel.train_button, LEFT)
    assert panel.is_training
    return panel.runner.worker_thread


def assert_thread_gone(qtbot, thread):
    qtbot.waitUntil(lambda: not shiboken6.isValid(thread), timeout=5_000)


def assert_idle(panel):
    assert not panel.is_training
    assert panel.runner.worker_thread is None
    assert panel.train_button.isEnabled()
    assert not panel.pause_button.isEnabled()
    assert not panel.stop_button.isEnabled()
    assert panel.pause_button.text() == "Pause"


def epoch_lines(panel):
    return [line for line in panel.log_lines() if line.startswith("epoch ")]


def test_train_draws_one_point_per_epoch_and_returns_to_idle(window, panel, qtbot):
    prepared = window.data_panel.prepared
    copies = []  # the small model's weights reach the GUI thread as it trains
    panel.runner.weights_copied.connect(copies.append)
    with qtbot.waitSignal(panel.runner.run_ended, timeout=30_000):
        qtbot.mouseClick(panel.train_button, LEFT)
        assert not panel.train_button.isEnabled()
        assert panel.stop_button.isEnabled()
        thread = panel.runner.worker_thread
        assert thread is not None and thread.objectName() == "guinet-training"
    assert panel.runner.job.prepared is prepared  # the Data page's data, reused
    ends = [copy.epoch for copy in copies if copy.batch is None]
    assert ends == [0, 1, 2, 3, 4]
    assert sorted(panel.runner.job.snapshots.epochs) == ends  # kept for replay

    curves = panel.curves
    for curve in (curves.loss_curve, curves.val_loss_curve, curves.metric_curve):
        x, y = curve.getData()
        assert list(x) == [1, 2, 3, 4]
        assert len(y) == 4
    assert curves.batch_points >= 4  # at least the last batch of every epoch
    assert len(epoch_lines(panel)) == 4
    assert epoch_lines(panel)[-1].startswith("epoch 4/4")
    assert panel.last_summary["epochs_run"] == 4
    assert panel.last_summary["stop_reason"] == "completed"
    assert "Finished 4 epochs" in panel.status.text()
    assert "test accuracy" in panel.status.text()
    assert panel.progress.value() == panel.progress.maximum()
    assert not panel.message.isVisibleTo(panel)
    assert_idle(panel)
    assert_thread_gone(qtbot, thread)

    # the read-out follows the mouse; the loss axis can turn logarithmic
    plot = curves.loss_plot
    box = plot.getPlotItem().getViewBox()
    y = float(curves.loss_curve.getData()[1][1])
    curves.hover_at(plot, box.mapViewToScene(QPointF(2.2, y)))
    assert "Epoch 2 of 4" in curves.readout.text()
    assert curves.crosshairs[0].isVisible()
    curves.leave()
    assert "Epoch 4 of 4" in curves.readout.text()
    # (in a narrow pane the compact read-out says so in its tooltip)
    assert "latest" in curves.readout.text() + curves.readout.toolTip()
    curves.log_scale.setChecked(True)
    assert plot.getPlotItem().getAxis("left").logMode
    curves.refresh()

    # a second run starts from empty curves
    train(qtbot, panel, epochs=2)
    assert len(curves.loss_curve.getData()[0]) == 2
    assert len(epoch_lines(panel)) == 2


def test_stop_after_the_first_epoch_ends_the_run_early(panel, qtbot):
    thread = start_long_run(qtbot, panel)
    with qtbot.waitSignal(panel.runner.run_ended, timeout=10_000):
        qtbot.mouseClick(panel.stop_button, LEFT)
        assert not panel.stop_button.isEnabled()
    summary = panel.last_summary
    assert summary["stop_reason"] == "stopped"
    assert 1 <= summary["epochs_run"] < LONG
    assert len(panel.curves.loss_curve.getData()[0]) == summary["epochs_run"]
    assert f"Stopped after {summary['epochs_run']} of {LONG}" in panel.status.text()
    assert_idle(panel)
    assert_thread_gone(qtbot, thread)


def test_pause_holds_the_run_and_resume_goes_on(panel, qtbot):
    start_long_run(qtbot, panel)
    qtbot.mouseClick(panel.pause_button, LEFT)
    assert panel.pause_button.text() == "Resume"
    qtbot.waitUntil(lambda: panel.runner.holding, timeout=5_000)
    qtbot.waitUntil(lambda: panel.status.text().startswith("Paused"), timeout=2_000)
    # the trainer is blocked: what it sent before blocking is already posted
    QApplication.sendPostedEvents()
    held = len(panel.curves.epochs)
    assert [e["epoch"] for e in panel.curves.epochs] == list(range(1, held + 1))
    with (  # a held run sends nothing (the inner one waits, the outer listens)
        qtbot.assertNotEmitted(panel.runner.batch_progressed),
        qtbot.assertNotEmitted(panel.runner.epoch_finished, wait=200),
    ):
        pass
    assert panel.runner.holding and panel.is_training

    with qtbot.waitSignal(panel.runner.epoch_finished, timeout=10_000) as resumed:
        qtbot.mouseClick(panel.pause_button, LEFT)
    assert panel.pause_button.text() == "Pause"
    assert resumed.args[0]["epoch"] == held + 1  # nothing was trained unseen
    # a fast run may already have drawn more: every epoch, in order, once
    drawn = [e["epoch"] for e in panel.curves.epochs]
    assert drawn == list(range(1, len(drawn) + 1)) and len(drawn) >= held + 1
    with qtbot.waitSignal(panel.runner.run_ended, timeout=10_000):
        qtbot.mouseClick(panel.stop_button, LEFT)
    assert panel.last_summary["stop_reason"] == "stopped"
    assert_idle(panel)


def test_stop_while_paused(panel, qtbot):
    start_long_run(qtbot, panel)
    qtbot.mouseClick(panel.pause_button, LEFT)
    qtbot.waitUntil(lambda: panel.runner.holding, timeout=5_000)
    with qtbot.waitSignal(panel.runner.run_ended, timeout=10_000):
        qtbot.mouseClick(panel.stop_button, LEFT)
    assert panel.last_summary["stop_reason"] == "stopped"
    assert_idle(panel)


def test_closing_the_window_mid_run_asks_then_stops_the_thread(
    window, panel, qtbot, dialogs
):
    thread = start_long_run(qtbot, panel)
    window.undo_stack.setClean()

    dialogs.answers.append(QMessageBox.StandardButton.No)
    assert not window.close()
    assert window.isVisible() and panel.is_training

    dialogs.answers.append(QMessageBox.StandardButton.Yes)
    assert window.close()
    assert (
        dialogs.texts("question")
        == ["The network is still training. Stop training?"] * 2
    )
    assert not window.isVisible()
    assert panel.runner.worker_thread is None
    assert not shiboken6.isValid(thread) or thread.isFinished()
    assert_thread_gone(qtbot, thread)


def test_a_new_project_during_training_asks_and_stops_it(window, panel, qtbot, dialogs):
    thread = start_long_run(qtbot, panel)
    window.undo_stack.setClean()
    old = window.project
    dialogs.answers.append(QMessageBox.StandardButton.No)
    window.new_action.trigger()
    assert window.project is old and panel.is_training

    dialogs.answers.append(QMessageBox.StandardButton.Yes)
    with qtbot.assertNotEmitted(panel.runner.epoch_finished):
        window.new_action.trigger()
        assert window.project is not old
        assert_idle(panel)
        # the thread is deleted only after the signals it had sent were handled
        assert_thread_gone(qtbot, thread)
    assert panel.curves.epochs == []
    assert epoch_lines(panel) == []


def test_editing_the_model_while_training_does_not_reach_the_run(window, panel, qtbot):
    start_long_run(qtbot, panel)
    job = panel.runner.job
    window.designer.set_param(0, "out_features", 5)
    window.designer.append_layer("ReLU")
    panel.form.set_value("batch_size", 7)
    assert window.project.model.layers[0].params["out_features"] == 5
    assert job.project is not window.project
    assert job.project.model.layers[0].params["out_features"] == 16
    assert len(job.project.model.layers) == 5
    assert job.project.training.batch_size == 32

    seen = len(panel.curves.epochs)
    qtbot.waitUntil(lambda: len(panel.curves.epochs) > seen + 1, timeout=10_000)
    with qtbot.waitSignal(panel.runner.run_ended, timeout=10_000):
        qtbot.mouseClick(panel.stop_button, LEFT)
    assert job.result is not None
    assert job.result.model[0].out_features == 16
    assert len(job.result.model) == 5


def pick(qtbot, combo, data):
    """Open ``combo``'s list and click the entry whose data is ``data``."""
    row = combo.findData(data)
    assert row >= 0, data
    combo.showPopup()
    view = combo.view()
    qtbot.waitUntil(view.isVisible, timeout=2_000)
    index = view.model().index(row, 0)
    view.scrollTo(index)
    qtbot.mouseClick(view.viewport(), LEFT, pos=view.visualRect(index).center())
    qtbot.waitUntil(lambda: not view.isVisible(), timeout=2_000)
    assert combo.currentIndex() == row


def _choose(qtbot, box, key):
    pick(qtbot, box.combo, key)


def type_into(qtbot, widget, text):
    """Select what ``widget`` shows, type ``text`` and press Enter."""
    widget.setFocus()
    qtbot.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def test_settings_land_in_project_training_and_undo(window, qtbot, tmp_path):
    panel = window.training_panel
    form = panel.form
    project = window.project

    def training(key):
        return project.training.to_dict()[key]

    assert training("optimizer") == {"type": "Adam", "lr": 0.001}

    _choose(qtbot, form.optimizer, "SGD")
    assert training("optimizer") == {"type": "SGD", "lr": 0.01}
    assert set(form.optimizer.editors) == {"lr", "momentum", "nesterov", "weight_decay"}
    lr = form.optimizer.editors["lr"].spin
    lr.setValue(0.05)
    lr.setValue(0.1)  # merges with the previous edit: one undo step
    form.optimizer.editors["momentum"].spin.setValue(0.9)
    assert training("optimizer") == {"type": "SGD", "lr": 0.1, "momentum": 0.9}
    window.undo_action.trigger()
    window.undo_action.trigger()
    assert training("optimizer") == {"type": "SGD", "lr": 0.01}
    assert lr.value() == pytest.approx(0.01)  # the form re-renders from the project
    window.undo_action.trigger()
    assert training("optimizer") == {"type": "Adam", "lr": 0.001}
    assert "momentum" not in form.optimizer.editors
    window.redo_action.trigger()
    assert project.training.optimizer.type == "SGD"

    _choose(qtbot, form.loss, "MSELoss")
    assert training("loss") == {"type": "MSELoss"}
    _choose(qtbot, form.scheduler, "StepLR")
    assert training("scheduler") == {
        "type": "StepLR",
        "step_size": 10,
        "gamma": 0.1,
    }
    form.scheduler.editors["step_size"].spin.setValue(3)
    assert training("scheduler")["step_size"] == 3
    _choose(qtbot, form.scheduler, None)
    assert training("scheduler") is None
    assert form.scheduler.combo.currentText() == "Constant (no schedule)"
    assert form.scheduler.editors == {}

    form.settings["batch_size"].spin.setValue(16)
    form.settings["epochs"].spin.setValue(7)
    seed = form.settings["seed"]
    seed.line.setFocus()
    seed.line.selectAll()
    qtbot.keyClick(seed.line, Qt.Key.Key_Delete)
    qtbot.keyClick(seed.line, Qt.Key.Key_Return)
    assert project.training.seed is None
    devices = [form.device.itemData(i) for i in range(form.device.count())]
    assert devices[0] == "auto" and "cpu" in devices
    pick(qtbot, form.device, "cpu")
    assert project.training.batch_size == 16
    assert project.training.epochs == 7
    assert project.training.device == "cpu"
    assert "Ready: 7 epochs at batch size 16" in panel.status.text()

    # one source of truth: a change made elsewhere shows in the form
    project.set_training(project.training.replace(device="cuda:3", epochs=9))
    assert form.settings["epochs"].spin.value() == 9
    assert form.device.currentData() == "cuda:3"
    assert "not available" in form.device.currentText()
    panel.check()
    assert "cuda:3" in panel.message.text()  # with no layers: every error at once
    assert "no layers yet" in panel.message.text()

    path = tmp_path / "settings.guinet"
    window._save_to(path)
    assert Project.load(path).training == project.training


def test_a_loss_that_does_not_fit_shows_its_message_in_the_panel(window, panel, qtbot):
    _choose(qtbot, panel.form.loss, "BCELoss")
    settle(qtbot, window)
    qtbot.waitUntil(lambda: "BCELoss" in panel.problem_text, timeout=5_000)
    assert panel.message.isVisibleTo(panel)
    assert "CrossEntropyLoss" in panel.message.text()  # says what to use instead

    train(qtbot, panel)
    assert "BCELoss" in panel.message.text()
    assert "Could not start training" in panel.status.text()
    assert panel.curves.epochs == []
    assert_idle(panel)

    window.undo_action.trigger()  # back to CrossEntropyLoss: the message goes
    qtbot.waitUntil(lambda: not panel.message.isVisibleTo(panel), timeout=5_000)
    assert panel.status.text().endswith("Press Train to start.")


def test_a_diverging_run_says_why_in_the_status(window, panel, qtbot):
    panel.form.set_value("optimizer", {"type": "SGD", "lr": 1e12})
    settle(qtbot, window)
    train(qtbot, panel)
    assert panel.last_summary["stop_reason"] == "non_finite"
    assert panel.status.property("state") == "failed"
    assert "lower learning rate" in panel.status.text()
    assert any("NaN" in line for line in panel.log_lines())
    assert_idle(panel)


def test_a_broken_model_and_missing_data_are_reported(window, qtbot, tmp_path):
    panel = window.training_panel
    window.tabs.setCurrentWidget(panel)
    bare = tmp_path / "bare.guinet"  # a project file with no data section
    bare.write_text('{"guinet": 1}')
    window.open_path(bare, ask=False)
    panel.check()
    assert "No data yet" in panel.problem_text
    train(qtbot, panel)
    assert "no data" in panel.message.text()
    assert_idle(panel)

    window.open_example(resource("examples", "moons_mlp.guinet"))
    settle(qtbot, window)
    window.designer.set_param(2, "out_features", 0)
    qtbot.waitUntil(lambda: "layer 3" in panel.problem_text, timeout=5_000)
    assert "Model page" in panel.problem_text
    train(qtbot, panel)
    assert "layer 3" in panel.message.text()
    assert_idle(panel)


def test_pressing_train_with_a_broken_model_keeps_the_last_runs_curves(
    window, panel, qtbot
):
    train(qtbot, panel, epochs=3)
    curves = panel.curves
    drawn = curves.loss_curve.getData()[0].tolist()
    assert drawn == [1, 2, 3]
    window.designer.set_param(2, "out_features", 0)  # layer 3 cannot be built
    qtbot.waitUntil(lambda: "layer 3" in panel.problem_text, timeout=5_000)
    train(qtbot, panel)  # nothing starts
    assert "layer 3" in panel.message.text()
    assert len(curves.epochs) == 3
    assert curves.loss_curve.getData()[0].tolist() == drawn
    assert curves.val_loss_curve.getData()[0].tolist() == drawn
    assert_idle(panel)


def test_new_project_forgets_the_last_runs_curves_and_axis_ranges(
    window, panel, qtbot, dialogs
):
    train(qtbot, panel, epochs=30)
    box = panel.curves.loss_plot.getPlotItem().getViewBox()
    qtbot.waitUntil(lambda: box.viewRange()[0][1] > 25, timeout=5_000)
    window.undo_stack.setClean()  # nothing to ask about
    window.new_action.trigger()
    QApplication.processEvents()
    assert panel.curves.epochs == []
    assert box.viewRange()[0][1] < 25  # not the old run's 30 epochs


def test_the_loss_name_is_never_cut_in_its_box(window, panel, qtbot):
    window.resize(1280, 720)
    window.project.set_value("data.task", "binary")
    settle(qtbot, window)
    window.designer.set_param(4, "out_features", 1)
    combo = panel.form.loss.combo
    pick(qtbot, combo, None)
    qtbot.waitUntil(
        lambda: combo.itemText(0) == "auto — BCEWithLogitsLoss", timeout=5_000
    )
    metrics = combo.fontMetrics()
    assert combo.sizeHint().width() >= metrics.horizontalAdvance(combo.currentText())
    assert combo.displayed_text() == "auto — BCEWithLogitsLoss"
    assert "auto — BCEWithLogitsLoss" in combo.toolTip()
    pick(qtbot, combo, "BCEWithLogitsLoss")
    full = combo.currentText()
    assert full.startswith("BCEWithLogitsLoss — ")
    assert combo.displayed_text().startswith("BCEWithLogitsLoss")  # the name whole
    assert full in combo.toolTip()


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU here")
def test_training_on_cuda(window, panel, qtbot):
    pick(qtbot, panel.form.device, "cuda")
    assert window.project.training.device == "cuda"
    train(qtbot, panel, epochs=3, timeout=120_000)
    assert panel.last_summary["device"].startswith("cuda")
    assert len(panel.curves.loss_curve.getData()[0]) == 3


def test_progress_leaves_pauses_out_of_the_elapsed_time_and_estimate():
    from guinet.gui.training_progress import RunProgress, duration, outcome

    now = [100.0]
    progress = RunProgress(clock=lambda: now[0])
    assert progress.text() == "Preparing…"
    progress.start({"epochs": 10, "device": "cpu"})
    now[0] += 4
    progress.epoch_finished({"epoch": 1})
    progress.batch_finished(1, 4, 10)  # epoch 2, half done
    progress.pause()
    now[0] += 60  # paused for a minute: neither elapsed nor the estimate grow
    progress.resume()
    now[0] += 2
    assert progress.elapsed() == pytest.approx(6)
    assert progress.fraction() == pytest.approx(0.15)
    assert progress.text() == (
        "Epoch 2/10  ·  batch 5/10  ·  6.0 s elapsed  ·  about 0:34 left"
    )
    assert progress.where() == "epoch 2, batch 5/10"
    assert duration(3725) == "1:02:05"

    text, state = outcome(
        {
            "epochs_run": 3,
            "epochs": 10,
            "stop_reason": "non_finite",
            "message": "the loss became NaN in epoch 4",
            "test": {"loss": None},
        },
        5.0,
    )
    assert state == "failed"
    assert text == "⚠ Stopped after 3 of 10 epochs. The loss became NaN in epoch 4"
