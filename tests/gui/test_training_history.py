"""Runs trained in the window are kept in the project's run history."""

from __future__ import annotations

import pytest

from guinet._resources import resource
from guinet.core.history import RunHistory
from tests.gui.helpers import settle
from tests.gui.test_training_panel import LEFT, start_long_run


@pytest.fixture
def panel(window, qtbot):
    """The moons example on the Train page, 4 epochs."""
    window.open_example(resource("examples", "moons_mlp.guinet"))
    window.tabs.setCurrentWidget(window.training_panel)
    panel = window.training_panel
    panel.form.set_value("epochs", 4)
    settle(qtbot, window)
    yield panel
    if panel.is_training:  # a failed test must not leave the thread running
        panel.stop_training()


def test_a_gui_run_is_recorded_with_its_curves(panel, qtbot):
    recorded = []
    panel.runner.run_recorded.connect(lambda run, path: recorded.append((run, path)))
    with qtbot.waitSignal(panel.runner.run_ended, timeout=30_000):
        qtbot.mouseClick(panel.train_button, LEFT)
    [(run_id, path)] = recorded
    summary = panel.last_summary
    assert summary["run_id"] == run_id and summary["history_path"] == path
    with RunHistory(path) as history:
        record = history.run(run_id)
        assert record.source == "gui"
        assert record.status == "completed"
        assert record.epochs_run == 4
        assert record.settings["training"]["epochs"] == 4
        assert record.test == pytest.approx(summary["test"])
        curves = history.curves(run_id)
        assert curves["epoch"] == [1, 2, 3, 4]
        for key in ("loss", "val_loss", "accuracy", "val_accuracy"):
            assert curves[key] == pytest.approx(summary["history"][key]), key
    assert any(
        line.startswith(f"Kept as run {run_id} in the run history")
        for line in panel.log_lines()
    )


def test_a_run_stopped_in_the_window_is_recorded_as_stopped(panel, qtbot):
    recorded = []
    panel.runner.run_recorded.connect(lambda run, path: recorded.append((run, path)))
    start_long_run(qtbot, panel)
    with qtbot.waitSignal(panel.runner.run_ended, timeout=10_000):
        qtbot.mouseClick(panel.stop_button, LEFT)
    [(run_id, path)] = recorded
    with RunHistory(path) as history:
        record = history.run(run_id)
        assert record.status == "stopped"
        assert record.epochs_run == panel.last_summary["epochs_run"]
        assert len(history.curves(run_id)["epoch"]) == record.epochs_run
