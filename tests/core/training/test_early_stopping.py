"""Early stopping against hand-computed cases, live updates, restore, resume."""

from __future__ import annotations

import io
import math
import threading
from dataclasses import dataclass, field
from typing import Any

import pytest
import torch

from guinet.core.training import (
    Callback,
    ConfigError,
    EarlyStopping,
    EarlyStoppingSettings,
    Logs,
    Trainer,
    TrainingControl,
    TrainingSpec,
)
from guinet.core.training.early_stopping import EARLY_STOPPING_PARAMS
from tests.core.training.helpers import tiny_trainer

NAN = math.nan


class ScriptedTrainer:
    """What early stopping touches of a trainer: a model, ``stop`` and ``best``.

    The model's one weight is set to the epoch's index before each epoch end,
    so restored weights tell which epoch they are from.
    """

    def __init__(self) -> None:
        self.model = torch.nn.Linear(1, 1, bias=False)
        self.best = None
        self.stops: list[tuple[str, str | None]] = []

    def stop(self, reason: str = "early_stopping", message: str | None = None) -> None:
        self.stops.append((reason, message))


def drive(
    values: list[float | None],
    monitor: str = "val_loss",
    updates: dict[int, dict[str, Any]] | None = None,
    **settings: Any,
) -> tuple[EarlyStopping, ScriptedTrainer, int]:
    """Feed ``values`` as the monitored value of epochs 0, 1, …; stop when asked.

    Returns the callback, the trainer and the number of epochs run.
    ``updates[i]`` is passed to :meth:`EarlyStopping.update` after epoch ``i``.
    """
    es = EarlyStopping(monitor=monitor, **settings)
    trainer = ScriptedTrainer()
    es.on_fit_start(trainer)  # type: ignore[arg-type]
    epochs = 0
    for epoch, value in enumerate(values):
        with torch.no_grad():
            trainer.model.weight.fill_(epoch)
        logs: Logs = {"epoch": epoch + 1}
        if value is not None:
            logs[monitor] = value
        es.on_epoch_end(trainer, epoch, logs)  # type: ignore[arg-type]
        epochs += 1
        if updates and epoch in updates:
            es.update(**updates[epoch])
        if trainer.stops:
            break
    es.on_fit_end(trainer)  # type: ignore[arg-type]
    return es, trainer, epochs


@dataclass
class Case:
    name: str
    values: list[float | None]
    settings: dict[str, Any]
    stopped: int | None  # the epoch (from 1) it stops after, or None
    best_epoch: int | None
    reason: str | None = None
    wait: int | None = None
    monitor: str = "val_loss"
    updates: dict[int, dict[str, Any]] = field(default_factory=dict)


CASES = [
    Case("best at the last epoch", [1.0, 0.9, 0.8, 0.7], {"patience": 2}, None, 4,
         wait=0),
    Case("plain patience", [1.0, 0.9, 0.95, 0.93, 0.92], {"patience": 3}, 5, 2,
         "patience", 3),
    Case("exact ties are no improvement", [0.5, 0.5, 0.5], {"patience": 2}, 3, 1,
         "patience", 2),
    Case("patience 0 stops at the first miss", [1.0, 1.1], {"patience": 0}, 2, 1,
         "patience", 1),
    Case("absolute min_delta: within it is a tie", [1.0, 0.95, 0.91, 0.905],
         {"patience": 2, "min_delta": 0.1}, 3, 1, "patience", 2),
    Case("absolute min_delta: beyond it improves", [1.0, 0.95, 0.89, 0.85],
         {"patience": 2, "min_delta": 0.1}, None, 3, wait=1),
    Case("absolute min_delta is small at 100", [100.0, 99.5, 99.2],
         {"patience": 2, "min_delta": 0.01}, None, 3, wait=0),
    Case("relative min_delta: 1 % of 100 is 1", [100.0, 99.5, 99.2],
         {"patience": 2, "min_delta": 0.01, "min_delta_relative": True}, 3, 1,
         "patience", 2),
    Case("relative min_delta: beyond 1 % improves", [100.0, 98.9, 97.8],
         {"patience": 2, "min_delta": 0.01, "min_delta_relative": True}, None, 3,
         wait=0),
    Case("warm-up epochs are not judged", [0.1, 1.0, 0.9, 0.95, 0.96],
         {"patience": 2, "warmup": 1}, 5, 3, "patience", 2),
    Case("without warm-up the same values stop early", [0.1, 1.0, 0.9],
         {"patience": 2}, 3, 1, "patience", 2),
    Case("a baseline never beaten stops after patience", [0.9, 0.8, 0.7, 0.65],
         {"patience": 3, "baseline": 0.5}, 3, 3, "baseline", 3),
    Case("a baseline beaten resets the count", [0.9, 0.6, 0.4, 0.45, 0.46],
         {"patience": 3, "baseline": 0.5}, None, 3, wait=2),
    Case("stop_at: reaching the target stops at once", [0.5, 0.8, 0.95, 0.99],
         {"stop_at": 0.95}, 3, 3, "stop_at", 0, monitor="val_accuracy"),
    Case("stop_at in min mode", [1.0, 0.5, 0.2, 0.1], {"stop_at": 0.25}, 3, 3,
         "stop_at", 0),
    Case("divergence: worse than the threshold stops", [1.0, 2.0, 11.0, 0.5],
         {"patience": 5, "divergence_threshold": 10.0}, 3, 1, "divergence", 2),
    Case("mode max for accuracy (auto)", [0.5, 0.7, 0.6, 0.65, 0.69],
         {"patience": 3}, 5, 2, "patience", 3, monitor="val_accuracy"),
    Case("mode min forced on an accuracy", [0.5, 0.7, 0.6], {"patience": 2,
         "mode": "min"}, 3, 1, "patience", 2, monitor="val_accuracy"),
    Case("NaN stops at once", [1.0, 0.8, NAN, 0.5], {"patience": 5}, 3, 2,
         "non_finite", 0),
    Case("inf stops too", [1.0, math.inf], {"patience": 5}, 2, 1, "non_finite", 0),
    Case("NaN tolerated without check_finite", [1.0, NAN, 0.9],
         {"patience": 5, "check_finite": False}, None, 3, wait=0),
    Case("epochs without the value are skipped", [1.0, None, None, 1.1],
         {"patience": 2}, None, 1, wait=1),
    Case("switched off: never stops", [1.0, 2.0, 3.0], {"patience": 0,
         "enabled": False}, None, None, wait=0),
    Case("patience raised mid-run takes effect", [1.0, 1.1, 1.2, 1.3, 1.4, 1.5],
         {"patience": 2}, 5, 1, "patience", 4, updates={0: {"patience": 4}}),
    Case("patience lowered mid-run takes effect", [1.0, 1.1, 1.2, 1.3, 1.4],
         {"patience": 10}, 4, 1, "patience", 3, updates={2: {"patience": 2}}),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hand_computed_cases(case: Case) -> None:
    es, trainer, epochs = drive(
        case.values, monitor=case.monitor, updates=case.updates, **case.settings
    )
    status = es.status()
    assert status.stopped_epoch == case.stopped
    assert status.best_epoch == case.best_epoch
    assert status.reason == case.reason
    if case.wait is not None:
        assert status.wait == case.wait
    if case.stopped is None:
        assert trainer.stops == [] and epochs == len(case.values)
    else:
        assert epochs == case.stopped
        reason = "non_finite" if case.reason == "non_finite" else "early_stopping"
        assert trainer.stops == [(reason, status.message)]
        assert status.message and case.monitor in status.message
    # Restored at the end however the run ended: the weight is the best epoch's.
    if case.best_epoch is not None and case.settings.get("enabled", True):
        assert status.restored_epoch == case.best_epoch
        assert trainer.model.weight.item() == case.best_epoch - 1
    else:
        assert status.restored_epoch is None


def test_messages_and_the_live_line() -> None:
    es, _, _ = drive([1.0, 0.9, 1.0, 1.0, 1.0, 1.0], patience=10)
    status = es.status()
    assert status.describe() == (
        "Best val_loss 0.9 at epoch 2; no improvement for 4 of 10 epochs. "
        "Restored the weights of epoch 2."
    )
    assert status.to_dict()["wait"] == 4 and status.to_dict()["stopped"] is False
    es, _, _ = drive([1.0, 0.9, 1.0, 1.0], patience=2)
    assert es.status().message == (
        "val_loss did not improve for 2 epochs (best 0.9 in epoch 2), so training "
        "stopped early."
    )
    es, _, _ = drive([0.9, 0.8, 0.7], patience=2, baseline=0.5)
    assert "did not beat the baseline 0.5 within 2 epochs" in str(es.status().message)
    es, _, _ = drive([1.0, NAN])
    assert "val_loss became nan in epoch 2" in str(es.status().message)
    assert "lower learning rate" in str(es.status().message)
    assert EarlyStopping(enabled=False).status().describe() == "Early stopping is off."


def test_restore_best_can_be_off() -> None:
    es, trainer, _ = drive([1.0, 0.5, 0.9, 0.9], patience=2, restore_best=False)
    assert es.status().stopped_epoch == 4 and es.status().restored_epoch is None
    assert trainer.model.weight.item() == 3  # the last epoch's
    assert es.weights is None  # nothing copied when not needed


def test_update_checks_values_and_keeps_the_monitor_fixed() -> None:
    es = EarlyStopping(patience=3)
    with pytest.raises(ConfigError, match="patience must be ≥ 0"):
        es.update(patience=-1)
    with pytest.raises(ConfigError, match="no setting"):
        es.update(patients=3)
    assert es.settings.patience == 3
    assert es.update(monitor="val_accuracy").resolved_mode == "max"  # no value yet
    drive_es = drive([0.5, 0.6])[0]
    with pytest.raises(ConfigError, match="cannot change during a run"):
        drive_es.update(monitor="loss")
    assert drive_es.update(min_delta=0.2, stop_at=0.1).min_delta == 0.2


def test_settings_from_the_project_section() -> None:
    assert EarlyStoppingSettings.from_dict(None).enabled is False
    default = EarlyStoppingSettings.from_dict({})
    assert default == EarlyStoppingSettings()
    assert [p.name for p in EARLY_STOPPING_PARAMS] == list(default)
    full = EarlyStoppingSettings.from_dict(
        {
            "enabled": True,
            "monitor": "val_accuracy",
            "mode": "max",
            "patience": 4,
            "min_delta": 0.01,
            "min_delta_relative": True,
            "warmup": 2,
            "baseline": 0.6,
            "stop_at": 0.99,
            "divergence_threshold": 0.1,
            "check_finite": False,
            "restore_best": False,
            "a_future_key": 1,
        }
    )
    assert full.patience == 4 and full.min_delta_relative and full.warmup == 2
    assert (full.baseline, full.stop_at, full.divergence_threshold) == (0.6, 0.99, 0.1)
    bad = [
        ({"patience": -1}, "patience must be ≥ 0"),
        ({"patience": 1.5}, "patience must be a whole number"),
        ({"mode": "lowest"}, "mode must be one of"),
        ({"min_delta": -0.1}, "min_delta must be ≥ 0"),
        ({"min_delta": "1%"}, '"min_delta_relative": true'),
        ({"stop_at": "high"}, "stop_at must be a number"),
        ({"monitor": ""}, "monitor must name a logged value"),
    ]
    for section, message in bad:
        with pytest.raises(ConfigError, match=message) as caught:
            EarlyStoppingSettings.from_dict(section)
        assert str(caught.value).startswith("training.early_stopping")


def test_the_project_file_keeps_unknown_keys_and_checks_the_section() -> None:
    section = {"enabled": True, "patience": 3, "from_the_future": [1, 2]}
    config = TrainingSpec.from_dict(
        {"loss": {"type": "MSELoss"}, "early_stopping": section}
    )
    assert config.to_dict()["early_stopping"] == section
    with pytest.raises(ConfigError, match="training.early_stopping: patience"):
        TrainingSpec.from_dict({"early_stopping": {"patience": -2}})


def test_state_round_trips_through_a_safe_file() -> None:
    es, _, _ = drive([1.0, 0.8, 0.9, 0.95], patience=3)
    buffer = io.BytesIO()
    torch.save(es.state_dict(), buffer)
    buffer.seek(0)
    state = torch.load(buffer, weights_only=True)
    fresh = EarlyStopping(patience=3)
    fresh.load_state_dict(state)
    assert (fresh.best, fresh.best_epoch, fresh.wait) == (0.8, 1, 2)
    assert fresh.weights is not None
    assert torch.equal(fresh.weights["weight"], torch.ones(1, 1))
    trainer = ScriptedTrainer()
    fresh.on_fit_start(trainer)  # type: ignore[arg-type]
    fresh.on_epoch_end(trainer, 4, {"val_loss": 0.9})  # type: ignore[arg-type]
    assert fresh.status().stopped_epoch == 5  # the count went on from 2


# -- with a real trainer ------------------------------------------------------------
class Snapshots(Callback):
    """The weights at each epoch end, and optional mischief before an epoch."""

    def __init__(self, before: dict[int, Any] | None = None) -> None:
        self.weights: dict[int, dict[str, torch.Tensor]] = {}
        self.before = before or {}

    def on_epoch_start(self, trainer: Trainer, epoch: int) -> None:
        if epoch in self.before:
            self.before[epoch](trainer)

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: Logs) -> None:
        self.weights[epoch] = {
            k: v.detach().clone() for k, v in trainer.model.state_dict().items()
        }


def assert_weights(model: torch.nn.Module, expected: dict[str, torch.Tensor]) -> None:
    for name, value in model.state_dict().items():
        assert torch.isfinite(value).all(), name
        assert torch.equal(value, expected[name]), name


def poison(trainer: Trainer) -> None:
    with torch.no_grad():
        next(iter(trainer.model.parameters()))[0, 0] = math.nan


def test_a_nan_loss_in_epoch_3_stops_and_restores_the_best_finite_weights() -> None:
    es = EarlyStopping(patience=10)
    snaps = Snapshots(before={2: poison})
    trainer = tiny_trainer(n=20, batch_size=5, epochs=6, callbacks=[es, snaps])
    trainer.fit()
    assert trainer.stop_reason == "non_finite" and trainer.epochs_run == 2
    status = es.status()
    assert status.best_epoch in (1, 2) and status.restored_epoch == status.best_epoch
    assert_weights(trainer.model, snaps.weights[status.best_epoch - 1])
    assert "lower learning rate" in str(trainer.message)


def test_a_nan_monitored_value_stops_through_check_finite() -> None:
    class NanValidation(Callback):
        def on_epoch_end(self, trainer: Trainer, epoch: int, logs: Logs) -> None:
            if epoch == 2:
                logs["val_loss"] = math.nan

    es = EarlyStopping(patience=10)
    snaps = Snapshots()
    # The value is spoiled before early stopping sees it.
    trainer = tiny_trainer(epochs=6, callbacks=[NanValidation(), es, snaps])
    trainer.fit()
    assert trainer.stop_reason == "non_finite" and trainer.epochs_run == 3
    status = es.status()
    assert status.reason == "non_finite" and status.stopped_epoch == 3
    assert_weights(trainer.model, snaps.weights[status.best_epoch - 1])  # type: ignore[operator]


def test_a_manual_stop_restores_the_best_weights() -> None:
    control = TrainingControl()
    es = EarlyStopping(patience=10)
    snaps = Snapshots(before={3: lambda trainer: control.request_stop()})
    trainer = tiny_trainer(
        n=20, batch_size=5, epochs=8, callbacks=[es, snaps], control=control
    )
    trainer.fit()
    assert trainer.stop_reason == "stopped" and trainer.epochs_run == 3
    status = es.status()
    assert status.restored_epoch == status.best_epoch
    assert status.stopped_epoch is None  # early stopping did not stop it
    assert_weights(trainer.model, snaps.weights[status.best_epoch - 1])  # type: ignore[operator]


def test_patience_changed_from_another_thread_takes_effect_in_the_run() -> None:
    # lr never rises, so in max mode it never improves after the first epoch.
    control = TrainingControl()
    es = EarlyStopping(monitor="lr", mode="max", patience=100)

    class PauseAfterEpoch2(Callback):
        def on_epoch_end(self, trainer: Trainer, epoch: int, logs: Logs) -> None:
            if epoch == 1:
                control.pause()

    trainer = tiny_trainer(
        epochs=20, callbacks=[es, PauseAfterEpoch2()], control=control
    )
    worker = threading.Thread(target=trainer.fit)
    worker.start()
    try:
        assert control.waiting.wait(30), "the trainer never paused"
        assert es.status().wait == 1
        es.update(patience=3)
    finally:
        control.resume()
        worker.join(30)
    assert not worker.is_alive()
    assert trainer.stop_reason == "early_stopping" and trainer.epochs_run == 4
    assert es.status().stopped_epoch == 4 and es.status().patience == 3
