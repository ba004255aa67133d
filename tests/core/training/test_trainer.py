"""The training loop: hook order, stop and pause, NaN, reproducibility, resume."""

from __future__ import annotations

import math
import threading
from typing import Any

import pytest
import torch

from guinet.core.training import (
    BatchProgress,
    Callback,
    Logs,
    MonitorCallback,
    Trainer,
    TrainingControl,
    TrainingFailed,
)
from guinet.core.training.build import build_scheduler
from guinet.core.training.catalog import ComponentSpec
from tests.core.training.helpers import Recorder, tiny_trainer


def epoch_calls(epoch: int, batches: int = 3) -> list[tuple[Any, ...]]:
    return [
        ("on_epoch_start", epoch),
        *[("on_batch_end", epoch, b) for b in range(batches)],
        ("on_epoch_end", epoch),
    ]


def test_hooks_run_in_order() -> None:
    recorder = Recorder()
    trainer = tiny_trainer(n=12, batch_size=4, epochs=2, callbacks=[recorder])
    history = trainer.fit()
    assert recorder.calls == [
        ("on_fit_start",),
        *epoch_calls(0),
        *epoch_calls(1),
        ("on_fit_end",),
    ]
    assert trainer.stop_reason == "completed" and trainer.epochs_run == 2
    assert len(history) == 2
    assert set(history.keys()) == {
        "epoch",
        "loss",
        "accuracy",
        "val_loss",
        "val_accuracy",
        "lr",
        "samples_per_sec",
        "time",
    }
    assert history["epoch"] == [1, 2]


class Explode(Callback):
    def __init__(self, epoch: int, batch: int) -> None:
        self.at = (epoch, batch)

    def on_batch_end(
        self, trainer: Trainer, epoch: int, batch: int, loss: torch.Tensor
    ) -> None:
        if (epoch, batch) == self.at:
            raise RuntimeError("boom")


def test_an_error_reaches_on_exception_and_on_fit_end_still_runs() -> None:
    recorder = Recorder()
    threads = torch.get_num_threads()
    trainer = tiny_trainer(callbacks=[Explode(1, 1), recorder], num_threads=1)
    with pytest.raises(TrainingFailed, match="training failed in epoch 2: .*boom"):
        trainer.fit()
    assert recorder.calls[-4:] == [
        ("on_epoch_start", 1),
        ("on_batch_end", 1, 0),
        ("on_exception", "RuntimeError"),
        ("on_fit_end",),
    ]
    assert trainer.stop_reason == "error"
    assert torch.get_num_threads() == threads


class StopAt(Callback):
    def __init__(self, epoch: int, batch: int) -> None:
        self.at = (epoch, batch)

    def on_batch_end(
        self, trainer: Trainer, epoch: int, batch: int, loss: torch.Tensor
    ) -> None:
        if (epoch, batch) == self.at:
            trainer.control.request_stop()


def test_a_stop_mid_epoch_ends_after_that_batch() -> None:
    recorder = Recorder()
    trainer = tiny_trainer(epochs=5, callbacks=[StopAt(1, 0), recorder])
    trainer.fit()
    assert recorder.calls == [
        ("on_fit_start",),
        *epoch_calls(0),
        ("on_epoch_start", 1),
        ("on_batch_end", 1, 0),
        ("on_fit_end",),
    ]
    assert trainer.stop_reason == "stopped"
    assert trainer.epochs_run == 1 and len(trainer.history) == 1


class EarlyStop(Callback):
    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: Logs) -> None:
        if epoch == 1:
            trainer.stop("early_stopping", "no progress")


def test_a_callback_can_stop_at_an_epoch_end() -> None:
    recorder = Recorder()
    trainer = tiny_trainer(epochs=6, callbacks=[EarlyStop(), recorder])
    trainer.fit()
    assert recorder.names[-2:] == ["on_epoch_end", "on_fit_end"]
    assert trainer.epochs_run == 2
    assert (trainer.stop_reason, trainer.message) == ("early_stopping", "no progress")


def test_a_stop_before_the_start_trains_nothing() -> None:
    control = TrainingControl()
    control.request_stop()
    recorder = Recorder()
    trainer = tiny_trainer(callbacks=[recorder], control=control)
    trainer.fit()
    assert recorder.names == ["on_fit_start", "on_fit_end"]
    assert trainer.stop_reason == "stopped"


class Signals(Callback):
    """Lets the test thread follow the worker through events, never sleeps."""

    def __init__(self) -> None:
        self.batches = 0
        self.first_batch = threading.Event()

    def on_batch_end(
        self, trainer: Trainer, epoch: int, batch: int, loss: torch.Tensor
    ) -> None:
        self.batches += 1
        self.first_batch.set()


def test_pause_from_another_thread_holds_between_batches_until_resume() -> None:
    control = TrainingControl()
    signals = Signals()
    gate = threading.Event()

    class Gate(Callback):
        def on_batch_end(self, trainer: Trainer, *args: Any) -> None:
            gate.wait(timeout=10)  # hold the worker until the pause is requested

    trainer = tiny_trainer(epochs=3, callbacks=[signals, Gate()], control=control)
    worker = threading.Thread(target=trainer.fit, name="trainer")
    worker.start()
    try:
        assert signals.first_batch.wait(timeout=10)
        control.pause()
        gate.set()
        assert control.waiting.wait(timeout=10)  # the trainer is really waiting
        assert control.paused
        held = signals.batches
        assert signals.batches == held == 1
        control.resume()
    finally:
        gate.set()
        control.resume()
        worker.join(timeout=20)
    assert not worker.is_alive()
    assert trainer.stop_reason == "completed" and trainer.epochs_run == 3
    assert signals.batches == 9


def test_a_stop_wakes_a_paused_trainer() -> None:
    control = TrainingControl()
    stopper = threading.Thread(
        target=lambda: control.waiting.wait(10) and control.request_stop()
    )

    class Pause(Callback):
        def on_batch_end(
            self, trainer: Trainer, epoch: int, batch: int, *_: Any
        ) -> None:
            if batch == 1:
                control.pause()
                stopper.start()

    trainer = tiny_trainer(epochs=3, callbacks=[Pause()], control=control)
    trainer.fit()
    stopper.join(timeout=10)
    assert trainer.stop_reason == "stopped" and trainer.epochs_run == 0


# -- numbers -------------------------------------------------------------------------
def test_a_nan_loss_stops_with_advice_and_finite_weights() -> None:
    trainer = tiny_trainer(epochs=30, lr=1e30)
    trainer.fit()
    assert trainer.stop_reason == "non_finite"
    assert trainer.message is not None
    assert "NaN or infinite" in trainer.message
    assert "lower learning rate (now 1e+30)" in trainer.message
    assert "scale the inputs" in trainer.message
    assert all(torch.isfinite(p).all() for p in trainer.model.parameters())


def test_a_nan_after_good_epochs_keeps_the_best_weights() -> None:
    class Sabotage(Callback):
        def on_epoch_end(self, trainer: Trainer, epoch: int, logs: Logs) -> None:
            if epoch == 2:
                for group in trainer.optimizer.param_groups:
                    group["lr"] = 1e30

    trainer = tiny_trainer(epochs=10, callbacks=[Sabotage()])
    trainer.fit()
    assert trainer.stop_reason == "non_finite"
    assert trainer.epochs_run == 3
    best = trainer.best
    assert best.best_epoch is not None and best.weights is not None
    assert f"kept the weights of epoch {best.best_epoch + 1}" in str(trainer.message)
    for name, value in trainer.model.state_dict().items():
        assert torch.equal(value, best.weights[name])
    logs = trainer.evaluate(trainer.data.x_val, trainer.data.y_val)
    assert math.isfinite(logs["loss"])


def test_an_infinite_input_is_caught_at_the_epoch_end() -> None:
    trainer = tiny_trainer(epochs=3)
    trainer.data.x_train[5, 0] = math.inf
    trainer.fit()
    assert trainer.stop_reason == "non_finite"
    assert "initial weights" in str(trainer.message)
    assert trainer.epochs_run == 0


def test_the_same_seed_gives_the_same_history() -> None:
    def run() -> list[Logs]:
        trainer = tiny_trainer(n=40, batch_size=8, epochs=3, seed=7)
        return [
            {k: v for k, v in logs.items() if k not in ("samples_per_sec", "time")}
            for logs in trainer.fit()
        ]

    first, second = run(), run()
    assert first == second
    third = tiny_trainer(n=40, batch_size=8, epochs=3, seed=8).fit()
    assert third["loss"] != [logs["loss"] for logs in first]


def test_a_resumed_run_matches_an_uninterrupted_one() -> None:
    whole = tiny_trainer(n=20, batch_size=6, epochs=4, seed=3)
    whole.fit()
    first = tiny_trainer(n=20, batch_size=6, epochs=2, seed=3)
    first.fit()
    state = first.state_dict()
    assert state["epoch"] == 2
    second = tiny_trainer(n=20, batch_size=6, epochs=4, seed=99)
    second.load_state_dict(state)
    second.fit()
    assert second.epochs_run == 2
    keep = ("loss", "val_loss", "accuracy")
    assert [[e[k] for k in keep] for e in second.history] == [
        [e[k] for k in keep] for e in whole.history
    ]
    for a, b in zip(whole.model.parameters(), second.model.parameters(), strict=True):
        assert torch.equal(a, b)


def test_the_thread_count_is_restored_and_small_models_use_one() -> None:
    before = torch.get_num_threads()
    seen: list[int] = []

    class Threads(Callback):
        def on_epoch_start(self, trainer: Trainer, epoch: int) -> None:
            seen.append(torch.get_num_threads())

    tiny_trainer(callbacks=[Threads()]).fit()
    assert seen == [1, 1]
    assert torch.get_num_threads() == before


def test_a_single_sample_last_batch_sits_out_with_batchnorm() -> None:
    trainer = tiny_trainer(n=9, batch_size=4)
    assert trainer.batches_per_epoch == 3 and not trainer.notes
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 1)
    )
    other = Trainer(
        model,
        torch.nn.BCEWithLogitsLoss(),
        torch.optim.Adam(model.parameters()),
        trainer.data,
        batch_size=4,
        epochs=2,
    )
    assert other.batches_per_epoch == 2 and "BatchNorm" in other.notes[0]
    other.fit()
    assert other.stop_reason == "completed"
    assert set(other.history.keys()) >= {"loss", "val_loss"}


@pytest.mark.parametrize(
    ("scheduler", "check"),
    [
        (
            {"type": "StepLR", "step_size": 1, "gamma": 0.5},
            lambda lrs: lrs == [0.1, 0.05, 0.025],
        ),
        (
            {"type": "ExponentialLR", "gamma": 0.9},
            lambda lrs: lrs[1] == pytest.approx(0.09),
        ),
        ({"type": "CosineAnnealingLR"}, lambda lrs: lrs[0] > lrs[1] > lrs[2] > 0),
        (
            {"type": "OneCycleLR"},
            lambda lrs: 0.08 < lrs[0] <= 0.1 and lrs[0] > lrs[1] > lrs[2],
        ),
        (
            {"type": "ReduceLROnPlateau", "patience": 0, "factor": 0.5},
            lambda lrs: len(lrs) == 3,
        ),
    ],
)
def test_every_scheduler_steps_at_its_interval(
    scheduler: dict[str, Any], check: Any
) -> None:
    trainer = tiny_trainer(n=12, batch_size=4, epochs=3)
    spec = ComponentSpec(
        scheduler["type"], {k: v for k, v in scheduler.items() if k != "type"}
    )
    trainer.schedule = build_scheduler(
        spec, trainer.optimizer, 3, trainer.batches_per_epoch
    )
    trainer.fit()
    lrs = trainer.history["lr"]
    assert trainer.stop_reason == "completed"
    assert check(lrs), lrs


def test_batch_progress_reads_the_loss_at_a_bounded_rate() -> None:
    reports: list[tuple[int, int, int, float]] = []
    progress = BatchProgress(lambda *args: reports.append(args), max_per_second=1e-6)
    tiny_trainer(n=12, batch_size=4, epochs=2, callbacks=[progress]).fit()
    # the first batch, then only each epoch's last one
    assert [(e, b, n) for e, b, n, _ in reports] == [(0, 0, 3), (0, 2, 3), (1, 2, 3)]
    assert all(isinstance(loss, float) for *_, loss in reports)


def test_a_monitor_knows_improvement_and_falls_back_without_validation() -> None:
    low = MonitorCallback("val_loss", min_delta=0.1)
    assert low.mode == "min" and low.is_improvement(5.0)
    low.update_best(0, {"loss": 5.0})  # no val_loss: falls back to loss
    assert low.best == 5.0
    assert not low.is_improvement(4.95) and low.is_improvement(4.8)
    assert not low.is_improvement(math.nan)
    high = MonitorCallback("val_accuracy")
    assert high.mode == "max"
    high.load_state_dict({"best": 0.5, "best_epoch": 3})
    assert high.is_improvement(0.6) and not high.is_improvement(0.4)
    assert high.state_dict() == {"best": 0.5, "best_epoch": 3}


def test_evaluate_uses_large_batches_without_gradients() -> None:
    trainer = tiny_trainer()
    trainer.eval_batch_size = 4  # force several chunks
    chunked = trainer.evaluate(trainer.data.x_val, trainer.data.y_val)
    trainer.eval_batch_size = 1000
    whole = trainer.evaluate(trainer.data.x_val, trainer.data.y_val)
    assert chunked["loss"] == pytest.approx(whole["loss"])
    assert chunked["accuracy"] == whole["accuracy"]
    assert trainer.evaluate(trainer.data.x_val[:0], trainer.data.y_val[:0]) == {}


def test_big_outputs_are_scored_batch_by_batch_with_the_same_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from guinet.core.training import trainer as trainer_module

    kept = tiny_trainer(n=20, batch_size=6, epochs=2).fit()
    monkeypatch.setattr(trainer_module, "STASH_BYTES", 0)
    summed = tiny_trainer(n=20, batch_size=6, epochs=2).fit()
    assert summed["accuracy"] == kept["accuracy"]
    assert summed["loss"] == kept["loss"]
