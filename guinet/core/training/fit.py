"""Train a whole project: data, checks, model, optimizer, loop, test score.

:func:`prepare_run` does everything that can fail on bad input — reading the
data, the training settings, the device, the model and the loss checks —
before a single weight moves, so the command line and the GUI can report
those problems at once. :meth:`TrainingRun.fit` then trains and scores the
test split. :func:`fit_project` does both.

The project's ``early_stopping`` and ``checkpoint`` sections become an
:class:`~.early_stopping.EarlyStopping` and a
:class:`~.checkpoints.ModelCheckpoint` (in that order, so checkpoints hold
early stopping's state of the same epoch). :func:`resume_run` continues a
run exactly from a checkpoint; :func:`branch_run` starts a new run from a
checkpoint's weights with the project's (changed) settings (both in
:mod:`.resume`).
"""

from __future__ import annotations

import math
import os
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from guinet.core.components import ComponentSpec
from guinet.core.data import DataTensors, PreparedData
from guinet.core.model import ModelSpec, format_shape
from guinet.core.training.build import Metric, build_scheduler, make_optimizer
from guinet.core.training.callbacks import BestWeights, Callback, History
from guinet.core.training.checkpoints import (
    Checkpoint,
    CheckpointInfo,
    CheckpointSettings,
    ModelCheckpoint,
)
from guinet.core.training.compat import LossPlan, plan_for_data
from guinet.core.training.config import TrainingSpec
from guinet.core.training.control import TrainingControl
from guinet.core.training.devices import resolve_device
from guinet.core.training.early_stopping import EarlyStopping, EarlyStoppingStatus
from guinet.core.training.errors import ConfigError
from guinet.core.training.trainer import EVAL_VALUES, Trainer

if TYPE_CHECKING:
    from guinet.core.project import Project


@dataclass
class FitResult:
    """What a finished run produced; :meth:`summary` is ``guinet train --json``.

    ``model`` is the whole model (with any final activation the loss applied
    itself) holding the trained weights. ``best_epoch`` counts from 1.
    ``stop_reason``: ``completed``, ``stopped`` (asked to), ``early_stopping``
    or ``non_finite`` (see ``message``). With early stopping, ``best`` and
    ``best_epoch`` are its own, and ``restored_epoch`` says whose weights
    the model holds. ``checkpoints``: the files the run wrote and kept.
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
    early_stopping: EarlyStoppingStatus | None = None
    checkpoints: list[CheckpointInfo] = field(default_factory=list)
    checkpoint_dir: str | None = None
    start_epoch: int = 0
    resumed_from: str | None = None

    @property
    def restored_epoch(self) -> int | None:
        """The epoch (from 1) whose weights early stopping put back, if any."""
        return self.early_stopping.restored_epoch if self.early_stopping else None

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
            "early_stopping": (
                self.early_stopping.to_dict() if self.early_stopping else None
            ),
            "restored_epoch": self.restored_epoch,
            "checkpoint_dir": self.checkpoint_dir,
            "checkpoints": [str(info.path) for info in self.checkpoints],
            "start_epoch": self.start_epoch,
            "resumed_from": self.resumed_from,
        }


@dataclass
class TrainingRun:
    """A run ready to start: data on the device, model built, checks passed."""

    config: TrainingSpec
    prepared: PreparedData
    model_spec: ModelSpec
    plan: LossPlan
    device: torch.device
    model: torch.nn.Module
    trainer: Trainer
    notes: list[str] = field(default_factory=list)
    early_stopping: EarlyStopping | None = None
    checkpoint: ModelCheckpoint | None = None
    resumed_from: Path | None = None

    @property
    def tensors(self) -> DataTensors:
        return self.trainer.data

    def fit(
        self,
        callbacks: Sequence[Callback] = (),
        control: TrainingControl | None = None,
        resume_from: str | os.PathLike[str] | Checkpoint | None = None,
    ) -> FitResult:
        """Train, then score the test split; see :class:`Trainer.fit`.

        ``resume_from``: first :meth:`restore` that checkpoint.
        """
        if resume_from is not None:
            self.restore(resume_from)
        trainer = self.trainer
        trainer.callbacks.extend(callbacks)
        if control is not None:
            trainer.control = control
        start_epoch = trainer.start_epoch
        trainer.fit()
        test = trainer.evaluate(self.tensors.x_test, self.tensors.y_test)
        return self._result(test, start_epoch)

    def restore(self, checkpoint: str | os.PathLike[str] | Checkpoint) -> Checkpoint:
        """Continue exactly where ``checkpoint`` left off (the next :meth:`fit`);
        see :func:`~.resume.restore_checkpoint`."""
        from guinet.core.training.resume import restore_checkpoint

        return restore_checkpoint(self, checkpoint)

    def branch(
        self,
        checkpoint: str | os.PathLike[str] | Checkpoint,
        *,
        keep_optimizer_state: bool = False,
    ) -> Checkpoint:
        """Start from ``checkpoint``'s weights with this run's own settings;
        see :func:`~.resume.branch_from_checkpoint`."""
        from guinet.core.training.resume import branch_from_checkpoint

        return branch_from_checkpoint(
            self, checkpoint, keep_optimizer_state=keep_optimizer_state
        )

    def _result(self, test: dict[str, float], start_epoch: int) -> FitResult:
        trainer = self.trainer
        best: BestWeights | EarlyStopping = trainer.best
        status = None
        message = trainer.message
        if self.early_stopping is not None:
            status = self.early_stopping.status()
            if self.early_stopping.best is not None:
                best = self.early_stopping
            restored = status.restored_epoch
            said = (  # the trainer's NaN message already names that epoch
                trainer.stop_reason == "non_finite"
                and trainer.best.best_epoch is not None
                and trainer.best.best_epoch + 1 == restored
            )
            changed = restored != len(trainer.history)
            if (
                restored is not None
                and not said
                and (changed or trainer.stop_reason != "completed")
            ):
                text = f"Restored the weights of epoch {restored}."
                message = f"{message} {text}" if message else text
        notes = list(self.notes)
        files: list[CheckpointInfo] = []
        folder = None
        if self.checkpoint is not None:
            notes.extend(self.checkpoint.notes)
            files = [self.checkpoint.saved[p.name] for p in self.checkpoint.files]
            folder = str(self.checkpoint.folder)
        return FitResult(
            model=self.model,
            history=trainer.history,
            notes=notes,
            epochs_run=len(trainer.history),
            epochs=trainer.epochs,
            stop_reason=trainer.stop_reason,
            message=message,
            monitor=best.monitor if self.tensors.x_val.shape[0] else "loss",
            best_epoch=None if best.best_epoch is None else best.best_epoch + 1,
            best=best.best,
            test=test,
            train_samples_per_sec=trainer.samples_per_sec,
            device=str(self.device),
            early_stopping=status,
            checkpoints=files,
            checkpoint_dir=folder,
            start_epoch=start_epoch,
            resumed_from=str(self.resumed_from) if self.resumed_from else None,
        )


def prepare_run(
    project: Project,
    *,
    epochs: int | None = None,
    device: str | None = None,
    prepared: PreparedData | None = None,
    checkpoint_dir: str | os.PathLike[str] | None = None,
) -> TrainingRun:
    """Check and build everything a run needs, or raise one clear error.

    The checks are the :class:`~guinet.core.session.Session`'s preflight, the
    same ones every page of the window shows. Raises
    :class:`~guinet.core.data.DataError` for the data,
    :class:`~guinet.core.model.ModelError` for the layer stack, and a
    :class:`TrainingError` for the settings, the device or a loss that does
    not fit the model and the data. ``epochs``/``device`` override the
    project's settings; ``prepared`` is data already prepared from the
    project's data section. The project itself is never changed.

    Checkpoints go to ``checkpoint_dir`` when given (relative to the current
    folder; this switches them on), else to the project's
    ``training.checkpoint.dir`` relative to the project file; a project
    without a file, or a shipped example, saves them in a folder of its own
    in the user's data folder (a note says where; see :mod:`.folders`).
    """
    from guinet.core.session import Session

    session = Session(project, prepared)
    return session.prepare_run(
        epochs=epochs, device=device, checkpoint_dir=checkpoint_dir
    )


def build_run(
    project: Project,
    config: TrainingSpec,
    prepared: PreparedData,
    spec: ModelSpec,
    loss: ComponentSpec,
    *,
    checkpoint_dir: str | os.PathLike[str] | None = None,
) -> TrainingRun:
    """Build a run whose checks have passed (see :meth:`Session.prepare_run`):
    ``spec`` already has the data's input shape, ``loss`` is the one to use."""
    torch_device = resolve_device(config.device)
    early_settings = config.early_stopping
    checkpoint_settings = config.checkpoint
    notes: list[str] = []
    declared = project.model.input_shape
    if declared is not None and declared != tuple(prepared.input_shape):
        notes.append(
            f"The model's input shape {format_shape(declared)} was "
            f"replaced by the data's {format_shape(tuple(prepared.input_shape))}."
        )
    if config.loss is None:
        notes.append(f"Loss: auto picked {loss.type} for this data and model.")
    spec.analyze()
    # Build first: an invalid stack is reported by layer before any loss talk.
    _seed_everything(config.seed)
    model = spec.build(torch_device)
    plan = plan_for_data(spec, loss, prepared)
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
    # validation batches are sized by the widest layer, not the input alone:
    # two inputs into Linear(10000) must not evaluate 200,000 rows at once
    # (gigabytes of hidden outputs)
    widest = spec.analyze().widest_values
    trainer.eval_batch_size = max(config.batch_size, EVAL_VALUES // widest)
    if config.scheduler is not None:
        trainer.schedule = build_scheduler(
            config.scheduler, optimizer, config.epochs, trainer.batches_per_epoch
        )
    notes.extend(trainer.notes)
    logged = ("loss", plan.metric, "val_loss", f"val_{plan.metric}", "lr")
    early = None
    if early_settings.enabled:
        _check_monitor("early_stopping", early_settings.monitor, logged)
        early = EarlyStopping(early_settings)
        if trainer.best.monitor == early.monitor:
            trainer.best = BestWeights(early.monitor, early.mode)
        trainer.callbacks.append(early)
    checkpoint = None
    folder = _checkpoint_folder(project, checkpoint_settings, checkpoint_dir, notes)
    if folder is not None:
        _check_monitor("checkpoint", checkpoint_settings.monitor, logged)
        saved = project.to_dict()
        saved.setdefault("training", {})["epochs"] = config.epochs
        context = {
            "project": saved,
            "project_path": str(project.path) if project.path else None,
            "data": prepared.metadata(),
        }
        checkpoint = ModelCheckpoint(
            folder, checkpoint_settings.replace(enabled=True), context=context
        )
        trainer.callbacks.append(checkpoint)
    return TrainingRun(
        config,
        prepared,
        spec,
        plan,
        torch_device,
        model,
        trainer,
        notes,
        early_stopping=early,
        checkpoint=checkpoint,
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
    x_train, x_val, x_test = (
        model_inputs(t, spec) for t in (tensors.x_train, tensors.x_val, tensors.x_test)
    )
    y_train, y_val, y_test = (
        loss_targets(t, plan) for t in (tensors.y_train, tensors.y_val, tensors.y_test)
    )
    return DataTensors(x_train, y_train, x_val, y_val, x_test, y_test)


def model_inputs(x: torch.Tensor, spec: ModelSpec) -> torch.Tensor:
    """Inputs as the model takes them (indices for an Embedding first layer)."""
    if len(spec.layers) and spec.layers[0].layer_type.integer_input:
        return x.long()
    return x


def loss_targets(y: torch.Tensor, plan: LossPlan) -> torch.Tensor:
    """Targets as the planned loss takes them (int64 indices where it says so)."""
    return y.reshape(-1).long() if plan.class_indices else y


def _monitor(config: TrainingSpec) -> str:
    for section in (config.early_stopping, config.checkpoint):
        if not section.is_null:
            return section.monitor
    return "val_loss"


def _check_monitor(section: str, monitor: str, logged: Sequence[str]) -> None:
    if monitor not in logged:
        raise ConfigError(
            f"training.{section}.monitor: this run logs {', '.join(logged)}, "
            f"not {monitor!r}"
        )


def _checkpoint_folder(
    project: Project,
    settings: CheckpointSettings,
    override: str | os.PathLike[str] | None,
    notes: list[str],
) -> Path | None:
    """Where the run's checkpoints go (see :mod:`.folders`), or ``None``."""
    from guinet.core.training.folders import checkpoint_folder

    if override is not None:
        return Path(override).expanduser().resolve()
    folder, note = checkpoint_folder(project, settings)
    if note:
        notes.append(note)
    return folder


def _finite(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return value
