"""The Train page for a class: the speed slider, Step batch / Step epoch, and
"Same start" (train again from the same initial weights), driven by clicks
and key presses on the real widgets."""

from __future__ import annotations

import re
import statistics
import time

import pytest
import torch
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication

from guinet._resources import resource
from tests.gui.helpers import settle

LEFT = Qt.MouseButton.LeftButton
STEP_LOSSES = re.compile(r"(\d+\.\d+) → (\d+\.\d+)")


@pytest.fixture(autouse=True)
def _delete_closed_windows(qapp):
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def panel(window, qtbot):
    """The moons example (300 training rows, 10 batches an epoch)."""
    window.open_example(resource("examples", "moons_mlp.guinet"))
    window.tabs.setCurrentWidget(window.training_panel)
    panel = window.training_panel
    panel.form.set_value("epochs", 4)
    settle(qtbot, window)
    yield panel
    if panel.is_training:
        panel.stop_training()


def test_the_speed_slider_slows_a_running_run_down(panel, qtbot, monkeypatch):
    controls = panel.controls
    assert controls.speed_label.text() == "as fast as possible"
    # Each epoch's end is stamped on the training thread: the GUI thread may
    # get several epochs' signals at once on a busy machine.
    stamps: list[float] = []
    from guinet.gui import training_worker

    on_epoch_end = training_worker._SignalCallback.on_epoch_end

    def stamped(self, trainer, epoch, logs):
        stamps.append(time.monotonic())
        on_epoch_end(self, trainer, epoch, logs)

    monkeypatch.setattr(training_worker._SignalCallback, "on_epoch_end", stamped)
    panel.form.set_value("epochs", 2000)
    # no early stop: the run must still be going when the slider moves
    panel.form.set_value("early_stopping.enabled", False)
    settle(qtbot, panel.window())
    qtbot.mouseClick(panel.train_button, LEFT)
    qtbot.waitUntil(lambda: len(stamps) >= 6, timeout=30_000)
    assert panel.is_training
    fast = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]

    controls.speed_slider.setFocus()
    for _ in range(3):  # → 2 epochs/s
        qtbot.keyClick(controls.speed_slider, Qt.Key.Key_Right)
    assert controls.speed_label.text() == "2 epochs/s"
    assert panel.runner.job.control.epoch_seconds == 0.5
    changed = len(stamps)
    qtbot.waitUntil(lambda: len(stamps) >= changed + 4, timeout=30_000)
    slow = [
        b - a for a, b in zip(stamps[changed:], stamps[changed + 1 :], strict=False)
    ]
    assert statistics.median(slow) >= 0.45
    assert statistics.median(fast) < 0.25

    # back to full speed: the run goes on at once (it does not finish its wait)
    qtbot.keyClick(controls.speed_slider, Qt.Key.Key_Home)
    assert controls.speed_label.text() == "as fast as possible"
    now = len(stamps)
    qtbot.waitUntil(lambda: len(stamps) >= now + 5, timeout=10_000)
    quick = [b - a for a, b in zip(stamps[now:], stamps[now + 1 :], strict=False)]
    assert statistics.median(quick) < 0.25
    with qtbot.waitSignal(panel.runner.run_ended, timeout=10_000):
        qtbot.mouseClick(panel.stop_button, LEFT)


def test_step_batch_and_step_epoch_advance_by_one_and_show_the_losses(panel, qtbot):
    controls = panel.controls
    reports: list[dict] = []
    panel.runner.step_finished.connect(reports.append)
    assert controls.step_batch_button.isEnabled()  # idle: starts a held run
    with qtbot.waitSignal(panel.runner.step_finished, timeout=30_000):
        qtbot.mouseClick(controls.step_batch_button, LEFT)
    assert panel.is_training
    qtbot.waitUntil(lambda: panel.runner.holding, timeout=5_000)
    assert [(r["kind"], r["epoch"], r["batch"]) for r in reports] == [("batch", 0, 0)]
    status = panel.status.text()
    assert "epoch 1, batch 1 of 10" in status and "Resume" in status
    before, after = (float(v) for v in STEP_LOSSES.search(status).groups())
    assert before == pytest.approx(reports[0]["before"]["loss"], abs=1e-3)
    assert after == pytest.approx(reports[0]["after"]["loss"], abs=1e-3)
    assert any("loss on this batch" in line for line in panel.log_lines())
    assert panel.pause_button.text() == "Resume"
    assert controls.step_batch_button.isEnabled()
    assert controls.step_epoch_button.isEnabled()
    assert not panel.curves.epochs

    with qtbot.waitSignal(panel.runner.step_finished, timeout=10_000):
        qtbot.mouseClick(controls.step_batch_button, LEFT)
    assert (reports[-1]["epoch"], reports[-1]["batch"]) == (0, 1)
    assert "batch 2 of 10" in panel.status.text()

    with qtbot.waitSignal(panel.runner.step_finished, timeout=10_000):
        qtbot.mouseClick(controls.step_epoch_button, LEFT)
    assert reports[-1]["kind"] == "epoch" and reports[-1]["epoch"] == 0
    qtbot.waitUntil(lambda: len(panel.curves.epochs) == 1, timeout=5_000)
    assert "training loss" in panel.status.text()
    assert "validation loss" in panel.status.text()
    with qtbot.waitSignal(panel.runner.step_finished, timeout=10_000):
        qtbot.mouseClick(controls.step_epoch_button, LEFT)
    qtbot.waitUntil(lambda: len(panel.curves.epochs) == 2, timeout=5_000)
    assert reports[-1]["before"] == pytest.approx(reports[-2]["after"])
    QApplication.sendPostedEvents()
    assert len(panel.curves.epochs) == 2  # held: nothing more was trained

    with qtbot.waitSignal(panel.runner.run_ended, timeout=10_000):
        qtbot.mouseClick(panel.pause_button, LEFT)  # Resume: the run finishes
    assert panel.last_summary["epochs_run"] == 4


def _epoch0(panel):
    return {k: v.clone() for k, v in panel.runner.job.snapshots.epochs[0].items()}


def test_same_start_trains_again_from_the_same_weights_and_overlays(
    window, panel, qtbot
):
    assert not panel.controls.same_start_button.isEnabled()  # no run yet
    with qtbot.waitSignal(panel.runner.run_ended, timeout=30_000):
        qtbot.mouseClick(panel.train_button, LEFT)
    first = _epoch0(panel)
    first_loss = [e["loss"] for e in panel.curves.epochs]
    button = panel.controls.same_start_button
    assert button.isEnabled()

    # the same settings: the very same run again
    with qtbot.waitSignal(panel.runner.run_ended, timeout=30_000):
        qtbot.mouseClick(button, LEFT)
    assert [e["loss"] for e in panel.curves.epochs] == first_loss

    panel.form.set_value("optimizer", {"type": "Adam", "lr": 0.05})
    settle(qtbot, window)
    assert button.isEnabled()
    with qtbot.waitSignal(panel.runner.run_ended, timeout=30_000):
        qtbot.mouseClick(button, LEFT)
    again = _epoch0(panel)
    assert all(torch.equal(again[k], first[k]) for k in first)
    assert [e["loss"] for e in panel.curves.epochs] != first_loss
    previous = panel.curves.previous_curves
    assert previous and previous[0].yData.tolist() == pytest.approx(first_loss)
    legend = panel.curves.loss_plot.getPlotItem().legend
    names = [label.text for _sample, label in legend.items]
    assert "previous run: lr 0.01" in names
    assert any(line.startswith("Same start") for line in panel.log_lines())

    # a plain Train forgets the overlay
    with qtbot.waitSignal(panel.runner.run_ended, timeout=30_000):
        qtbot.mouseClick(panel.train_button, LEFT)
    assert not panel.curves.previous_curves


def test_same_start_after_a_shape_change_says_why_it_cannot(window, panel, qtbot):
    with qtbot.waitSignal(panel.runner.run_ended, timeout=30_000):
        qtbot.mouseClick(panel.train_button, LEFT)
    curves = [e["loss"] for e in panel.curves.epochs]
    window.designer.set_param(0, "out_features", 8)
    settle(qtbot, window)
    with qtbot.waitSignal(panel.runner.run_ended, timeout=30_000):
        qtbot.mouseClick(panel.controls.same_start_button, LEFT)
    assert "Cannot train again from the same initial weights" in panel.problem_text
    assert "layer 1's weight is 8×2 now" in panel.problem_text
    assert [e["loss"] for e in panel.curves.epochs] == curves  # nothing erased
    assert panel.controls.same_start_button.isEnabled()  # undo, and it works
