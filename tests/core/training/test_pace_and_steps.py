"""Speed control, step mode and training again from the same start (issue 11).

Timing is measured with ``time.monotonic`` around real runs, against budgets
the control promises as lower bounds; nothing here sleeps.
"""

from __future__ import annotations

import threading
import time

import pytest
import torch

from guinet.core.training import Callback, Trainer, TrainingControl, prepare_run
from guinet.core.training.control import StepReport
from guinet.core.training.errors import TrainingError
from guinet.core.training.same_start import RunStart, describe_change
from tests.core.training.helpers import make_project, mlp, tiny_trainer

WAIT = 10.0  # generous bound for a thread handshake


class Steps(Callback):
    """Counts batches and records step reports; signals each report."""

    def __init__(self) -> None:
        self.batches: list[tuple[int, int]] = []
        self.epochs: list[int] = []
        self.reports: list[StepReport] = []
        self.reported = threading.Event()
        self.batched = threading.Event()  # set at each batch end

    def on_batch_end(
        self, trainer: Trainer, epoch: int, batch: int, loss: torch.Tensor
    ) -> None:
        self.batches.append((epoch, batch))
        self.batched.set()

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict) -> None:
        self.epochs.append(epoch)

    def on_step_end(self, trainer: Trainer, report: StepReport) -> None:
        self.reports.append(report)
        self.reported.set()


def run_in_thread(trainer: Trainer) -> threading.Thread:
    thread = threading.Thread(target=trainer.fit, daemon=True)
    thread.start()
    return thread


# -- speed control ---------------------------------------------------------------------
def test_a_paced_run_takes_at_least_its_budget_per_epoch() -> None:
    budget = 0.05  # seconds per epoch
    control = TrainingControl()
    control.set_pace(budget)
    trainer = tiny_trainer(n=12, batch_size=4, epochs=4, control=control)
    started = time.monotonic()
    trainer.fit()
    elapsed = time.monotonic() - started
    assert len(trainer.history) == 4
    assert elapsed >= 4 * budget
    # the wait is spread over the batches, not taken at once per epoch
    fast = tiny_trainer(n=12, batch_size=4, epochs=4)
    started = time.monotonic()
    fast.fit()
    assert time.monotonic() - started < elapsed
    assert fast.history["loss"] == trainer.history["loss"]  # pacing changes no number


def test_pacing_is_spread_over_the_batches() -> None:
    budget = 0.3
    control = TrainingControl(epoch_seconds=budget)
    stamps: list[float] = []

    class Stamp(Callback):
        def on_batch_end(self, trainer, epoch, batch, loss) -> None:  # type: ignore[no-untyped-def]
            stamps.append(time.monotonic())

    trainer = tiny_trainer(
        n=12, batch_size=4, epochs=2, control=control, callbacks=[Stamp()]
    )
    trainer.fit()
    gaps = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
    assert len(gaps) == 5
    interval = budget / 3  # 3 batches an epoch
    # waited batch by batch: no gap near a whole epoch's budget, and overall
    # the batches keep to the pace
    assert max(gaps) < 2 * interval
    assert stamps[-1] - stamps[0] >= 4 * interval


def test_a_stop_ends_a_long_paced_wait_at_once() -> None:
    control = TrainingControl(epoch_seconds=600.0)  # ten minutes an epoch
    steps = Steps()
    trainer = tiny_trainer(epochs=3, control=control, callbacks=[steps])
    thread = run_in_thread(trainer)
    assert steps.batched.wait(WAIT)
    asked = time.monotonic()
    control.request_stop()
    thread.join(WAIT)
    assert not thread.is_alive()
    assert time.monotonic() - asked < 2.0
    assert trainer.stop_reason == "stopped"
    assert len(steps.batches) == 1


def test_a_faster_pace_mid_run_ends_the_wait() -> None:
    control = TrainingControl(epoch_seconds=600.0)
    steps = Steps()
    trainer = tiny_trainer(epochs=2, control=control, callbacks=[steps])
    thread = run_in_thread(trainer)
    assert steps.batched.wait(WAIT)
    changed = time.monotonic()
    control.set_pace(0.0)
    thread.join(WAIT)
    assert not thread.is_alive() and time.monotonic() - changed < 5.0
    assert len(trainer.history) == 2 and trainer.stop_reason == "completed"
    assert not control.interrupted  # back on the one-attribute fast path


def test_a_pause_ends_a_paced_wait_and_holds() -> None:
    control = TrainingControl(epoch_seconds=600.0)
    steps = Steps()
    trainer = tiny_trainer(epochs=2, control=control, callbacks=[steps])
    thread = run_in_thread(trainer)
    assert steps.batched.wait(WAIT)
    control.pause()
    assert control.waiting.wait(WAIT)
    assert len(steps.batches) == 1
    control.request_stop()
    thread.join(WAIT)
    assert not thread.is_alive()


def test_a_bad_pace_is_refused() -> None:
    with pytest.raises(ValueError, match="seconds"):
        TrainingControl().set_pace(-1)


# -- step mode ------------------------------------------------------------------
def test_step_runs_exactly_one_batch_and_reports_the_losses() -> None:
    control = TrainingControl()
    try:
        _step_one_batch(control)
    finally:
        control.request_stop()


def _step_one_batch(control: TrainingControl) -> None:
    control.pause()
    control.step(1)  # a run started held: its first batch is the step
    steps = Steps()
    trainer = tiny_trainer(epochs=2, control=control, callbacks=[steps])
    weights = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    thread = run_in_thread(trainer)
    assert steps.reported.wait(WAIT) and control.waiting.wait(WAIT)
    assert steps.batches == [(0, 0)]
    report = steps.reports[0]
    assert (report.kind, report.epoch, report.batch) == ("batch", 0, 0)

    # the numbers: the first batch of the seeded order, before and after one step
    check = tiny_trainer(epochs=2)
    check.model.load_state_dict(weights)
    order = torch.randperm(12, generator=torch.Generator().manual_seed(0))[:4]
    xb, yb = check.data.x_train[order], check.data.y_train[order]
    with torch.no_grad():
        before = float(check.loss_fn(check.model(xb), yb))
        after = float(check.loss_fn(trainer.model(xb), yb))
    assert report.before["loss"] == pytest.approx(before, rel=1e-5)
    assert report.after["loss"] == pytest.approx(after, rel=1e-5)
    assert report.after["loss"] < report.before["loss"]

    steps.reported.clear()
    control.step(1)
    assert steps.reported.wait(WAIT)
    assert control.waiting.wait(WAIT)
    assert steps.batches == [(0, 0), (0, 1)]
    control.resume()
    thread.join(WAIT)
    assert not thread.is_alive() and len(steps.batches) == 6
    assert trainer.stop_reason == "completed"


def test_step_epoch_runs_to_the_epoch_end_with_losses_before_and_after() -> None:
    control = TrainingControl()
    try:
        _step_epochs(control)
    finally:
        control.request_stop()


def _step_epochs(control: TrainingControl) -> None:
    control.pause()
    control.step_epoch()
    steps = Steps()
    trainer = tiny_trainer(epochs=3, control=control, callbacks=[steps])
    start = trainer.evaluate(trainer.data.x_train, trainer.data.y_train)["loss"]
    thread = run_in_thread(trainer)
    assert steps.reported.wait(WAIT) and control.waiting.wait(WAIT)
    assert steps.epochs == [0] and len(steps.batches) == 3
    report = steps.reports[0]
    assert (report.kind, report.epoch) == ("epoch", 0)
    assert report.before["loss"] == pytest.approx(start)
    assert set(report.after) == {"loss", "val_loss"}
    now = trainer.evaluate(trainer.data.x_train, trainer.data.y_train)["loss"]
    assert report.after["loss"] == pytest.approx(now)
    steps.reported.clear()
    control.step_epoch()  # held at an epoch's end: the next whole epoch
    assert steps.reported.wait(WAIT)
    assert steps.epochs == [0, 1] and len(steps.batches) == 6
    assert steps.reports[1].before == pytest.approx(report.after)
    control.request_stop()
    thread.join(WAIT)
    assert not thread.is_alive() and len(trainer.history) == 2


# -- same start, different choice -----------------------------------------------
def _fit_from(project, start: RunStart | None = None):  # type: ignore[no-untyped-def]
    run = prepare_run(project)
    if start is not None:
        start.apply(run)
    captured = RunStart.capture(run)
    return run.fit(), captured


def test_the_same_start_with_the_same_settings_repeats_the_run_exactly() -> None:
    project = make_project(mlp(), epochs=3, seed=None, checkpoint={"enabled": False})
    first, start = _fit_from(project)
    again, _ = _fit_from(project, start)
    for key in ("loss", "val_loss", "accuracy", "val_accuracy"):
        assert again.history[key] == first.history[key]
    assert again.test == first.test
    fresh, _ = _fit_from(project)  # a seed of null: a fresh start differs
    assert fresh.history["loss"] != first.history["loss"]


def test_the_same_start_with_another_lr_starts_from_the_same_weights() -> None:
    project = make_project(mlp(), epochs=3, seed=None, checkpoint={"enabled": False})
    first, start = _fit_from(project)
    changed = make_project(
        mlp(),
        epochs=3,
        seed=None,
        checkpoint={"enabled": False},
        optimizer={"type": "Adam", "lr": 0.1},
    )
    run = prepare_run(changed)
    start.apply(run)
    second = RunStart.capture(run)
    for name, value in start.weights.items():
        assert torch.equal(second.weights[name], value)
    result = run.fit()
    assert result.history["loss"] != first.history["loss"]


def test_a_changed_layer_stack_says_why_it_cannot_use_the_same_start() -> None:
    project = make_project(mlp(), epochs=1, checkpoint={"enabled": False})
    _first, start = _fit_from(project)
    wider = make_project(
        [{"type": "Linear", "out_features": 32}, {"type": "ReLU"}]
        + [{"type": "Linear", "out_features": 2}],
        epochs=1,
        checkpoint={"enabled": False},
    )
    with pytest.raises(TrainingError, match=r"layer 1.s weight is 32×2 now.* was 16×2"):
        start.apply(prepare_run(wider))


def test_a_layer_without_weights_keeps_the_same_start() -> None:
    project = make_project(mlp(), epochs=1, checkpoint={"enabled": False})
    _first, start = _fit_from(project)
    dropout = make_project(
        [{"type": "Linear", "out_features": 16}, {"type": "ReLU"}]
        + [{"type": "Dropout", "p": 0.2}, {"type": "Linear", "out_features": 2}],
        epochs=1,
        checkpoint={"enabled": False},
    )
    run = prepare_run(dropout)
    start.apply(run)
    weights = run.trainer.model.state_dict()
    assert torch.equal(weights["3.weight"], start.weights["2.weight"])
    assert torch.equal(weights["0.bias"], start.weights["0.bias"])


def test_the_previous_run_is_described_by_what_it_set_differently() -> None:
    old = make_project(mlp(), optimizer={"type": "Adam", "lr": 0.1}).to_dict()
    new = make_project(mlp(), optimizer={"type": "Adam", "lr": 0.01}).to_dict()
    assert describe_change(old, new) == "lr 0.1"
    assert describe_change(old, old) == ""
    sgd = make_project(mlp(), optimizer={"type": "SGD", "lr": 0.5}).to_dict()
    assert describe_change(sgd, new) == "lr 0.5, optimizer SGD"
    drop = make_project(mlp({"type": "Dropout", "p": 0.5})).to_dict()
    more = make_project(mlp({"type": "Dropout", "p": 0.2})).to_dict()
    assert describe_change(drop, more) == "layer 4 p 0.5"
