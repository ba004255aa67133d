"""Train a whole project: data, checks, model, optimizer, loop, test score.

:func:`prepare_run` does everything that can fail on bad input — reading the
data, the training settings, the device, the model and the loss checks —
before a single weight moves, so the command line and the GUI can report
those problems at once. :meth:`TrainingRun.fit` then trains and scores the
test split. :func:`fit_project` does both.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from guinet.core.data import DataTensors, PreparedData, prepare
from guinet.core.model import ModelSpec, format_shape
from guinet.core.training.build import Metric, build_scheduler, make_optimizer
from guinet.core.training.callbacks import Callback, History
from guinet.core.training.compat import LossPlan, plan_for_data
from guinet.core.training.config import TrainingConfig
from guinet.core.training.control import TrainingControl
from guinet.core.training.devices import resolve_device
from guinet.core.training.errors import ConfigError, TrainingError
from guinet.core.training.trainer import Trainer

if TYPE_CHECKING:
    from guinet.core.project import Project


@dataclass
class FitResult:
    """What a finished run produced; :meth:`summary` is ``guinet train --json``.

    ``model`` is the whole model (with any final activation the loss applied
    itself) holding the trained weights. ``best_epoch`` counts from 1.
    ``stop_reason``: ``completed``, ``stopped`` (asked to), ``early_stopping``
    or ``non_finite`` (see ``message``).
    """

    model: torch.nn.Module
    history: History
    notes: list[str]
    epochs_run: int
    epochs: int
    stop_reason: str
    message: str | None
    monitor: str
    best_epoch: int | None
    best: float | None
    test: dict[str, float]
    train_samples_per_sec: float
    device: str

    @property
    def stopped_early(self) -> bool:
        return self.stop_reason != "completed"

    def summary(self) -> dict[str, Any]:
        """JSON-ready: NaN and infinities become ``null``."""
        return {
            "epochs_run": self.epochs_run,
            "epochs": self.epochs,
            "stopped_early": self.stopped_early,
            "stop_reason": self.stop_reason,
            "message": self.message,
            "monitor": self.monitor,
            "best_epoch": self.best_epoch,
            "best": _finite(self.best),
            "history": {
                key: [_finite(v) for v in values]
                for key, values in self.history.to_dict().items()
            },
            "test": {key: _finite(v) for key, v in self.test.items()},
            "train_samples_per_sec": _finite(self.train_samples_per_sec),
            "device": self.device,
            "notes": list(self.notes),
        }


@dataclass
class TrainingRun:
    """A run ready to start: data on the device, model built, checks passed."""

    config: TrainingConfig
    prepared: PreparedData
    model_spec: ModelSpec
    plan: LossPlan
    device: torch.device
    model: torch.nn.Module
    trainer: Trainer
    notes: list[str] = field(default_factory=list)

    @property
    def tensors(self) -> DataTensors:
        return self.trainer.data

    def fit(
        self,
        callbacks: Sequence[Callback] = (),
        control: TrainingControl | None = None,
    ) -> FitResult:
        """Train, then score the test split; see :class:`Trainer.fit`."""
        trainer = self.trainer
        trainer.callbacks.extend(callbacks)
        if control is not None:
            trainer.control = control
        trainer.fit()
        test = trainer.evaluate(self.tensors.x_test, self.tensors.y_test)
        best = trainer.best
        return FitResult(
            model=self.model,
            history=trainer.history,
            notes=list(self.notes),
            epochs_run=len(trainer.history),
            epochs=trainer.epochs,
            stop_reason=trainer.stop_reason,
            message=trainer.message,
            monitor=best.monitor if self.tensors.x_val.shape[0] else "loss",
            best_epoch=None if best.best_epoch is None else best.best_epoch + 1,
            best=best.best,
            test=test,
            train_samples_per_sec=trainer.samples_per_sec,
            device=str(self.device),
        )


def prepare_run(
    project: Project,
    *,
    epochs: int | None = None,
    device: str | None = None,
    prepared: PreparedData | None = None,
) -> TrainingRun:
    """Check and build everything a run needs, or raise one clear error.

    Raises :class:`~guinet.core.data.DataError` for the data,
    :class:`~guinet.core.model.ModelError` for the layer stack, and a
    :class:`TrainingError` for the settings, the device or a loss that does
    not fit the model and the data. ``epochs``/``device`` override the
    project's settings. The project itself is never changed.
    """
    config = TrainingConfig.from_dict(project.training)
    if epochs is not None:
        if epochs < 1:
            raise ConfigError(f"epochs must be at least 1, not {epochs}")
        config.epochs = epochs
    if device is not None:
        config.device = device
    torch_device = resolve_device(config.device)
    if prepared is None:
        if not project.data or not project.data.get("source"):
            raise TrainingError(
                "the project has no data yet: choose a data source (a CSV file or "
                "a built-in dataset) first"
            )
        prepared = prepare(project.data, project.base_dir)

    notes: list[str] = []
    spec = ModelSpec.from_dict(project.model.to_dict())  # a snapshot to train
    if spec.input_shape != tuple(prepared.input_shape):
        if spec.input_shape is not None:
            notes.append(
                f"The model's input shape {format_shape(spec.input_shape)} was "
                f"replaced by the data's {format_shape(tuple(prepared.input_shape))}."
            )
        spec.set_input_shape(tuple(prepared.input_shape))
    spec.analyze()
    # Build first: an invalid stack is reported by layer before any loss talk.
    _seed_everything(config.seed)
    model = spec.build(torch_device)
    plan = plan_for_data(spec, config.loss, prepared)
    notes.extend(plan.notes)

    trained = model[:-1] if plan.drop_final else model
    tensors = _adapt(prepared.tensors(torch_device), plan, spec, torch_device)
    optimizer, flat = make_optimizer(config.optimizer, trained)
    trainer = Trainer(
        trained,
        plan.build_loss().to(torch_device),
        optimizer,
        tensors,
        batch_size=config.batch_size,
        epochs=config.epochs,
        metric=Metric(plan.metric, plan.decision),
        seed=config.seed,
        monitor=_monitor(config),
        flat=flat,
    )
    if config.scheduler is not None:
        trainer.schedule = build_scheduler(
            config.scheduler, optimizer, config.epochs, trainer.batches_per_epoch
        )
    notes.extend(trainer.notes)
    return TrainingRun(
        config, prepared, spec, plan, torch_device, model, trainer, notes
    )


def fit_project(
    project: Project,
    *,
    epochs: int | None = None,
    device: str | None = None,
    callbacks: Sequence[Callback] = (),
    control: TrainingControl | None = None,
    prepared: PreparedData | None = None,
) -> FitResult:
    """Prepare, train and test ``project`` in one call; see :func:`prepare_run`."""
    run = prepare_run(project, epochs=epochs, device=device, prepared=prepared)
    return run.fit(callbacks, control)


# -- helpers -------------------------------------------------------------------------
def _seed_everything(seed: int | None) -> None:
    """Seed every generator a run draws from, before the model is built."""
    if seed is None:
        return
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def _adapt(
    tensors: DataTensors, plan: LossPlan, spec: ModelSpec, device: torch.device
) -> DataTensors:
    """The tensors in the form the trained graph and the loss take them."""
    x_train, x_val, x_test = tensors.x_train, tensors.x_val, tensors.x_test
    y_train, y_val, y_test = tensors.y_train, tensors.y_val, tensors.y_test
    if len(spec.layers) and spec.layers[0].layer_type.integer_input:
        x_train, x_val, x_test = (t.long() for t in (x_train, x_val, x_test))
    if plan.class_indices:
        y_train, y_val, y_test = (
            t.reshape(-1).long() for t in (y_train, y_val, y_test)
        )
    return DataTensors(x_train, y_train, x_val, y_val, x_test, y_test)


def _monitor(config: TrainingConfig) -> str:
    for section in (config.early_stopping, config.checkpoint):
        if section and isinstance(section.get("monitor"), str):
            return str(section["monitor"])
    return "val_loss"


def _finite(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return value
