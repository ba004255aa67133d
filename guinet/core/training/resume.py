"""Going on from a checkpoint: exact resume, and branching with new settings.

* **Resume** (:func:`resume_run`, :meth:`TrainingRun.restore`,
  ``TrainingRun.fit(resume_from=…)``): load everything the checkpoint holds
  — weights, optimizer (its learning rate included), scheduler, batch order,
  RNG, the curves and every callback's state (early stopping's patience
  count, the best weights, the checkpoint ranking) — so stopping and resuming
  gives the same weights and curves as a run that was never interrupted.
  The project must train the same layer stack with the same optimizer and
  scheduler types.
* **Branch** (:func:`branch_run`, :meth:`TrainingRun.branch`): only the
  weights, the curves, the batch order and the epoch count come from the
  checkpoint; everything else (learning rate, epochs, scheduler, early
  stopping) is the project's, so a person can try another setting from a
  good point.

Loading the weights alone into a model is
:func:`~guinet.core.training.checkpoints.load_weights`.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import torch

from guinet.core.training.checkpoints import (
    Checkpoint,
    CheckpointError,
    check_weights_fit,
    load_checkpoint,
)
from guinet.core.training.fit import TrainingRun, prepare_run

if TYPE_CHECKING:
    from guinet.core.data import PreparedData
    from guinet.core.project import Project

CheckpointSource = str | os.PathLike[str] | Checkpoint


def resume_run(
    checkpoint: CheckpointSource,
    project: Project | None = None,
    *,
    epochs: int | None = None,
    device: str | None = None,
    prepared: PreparedData | None = None,
    checkpoint_dir: str | os.PathLike[str] | None = None,
) -> TrainingRun:
    """A run that continues ``checkpoint`` exactly; :meth:`TrainingRun.fit` it.

    ``project`` defaults to the one stored in the checkpoint (placed where it
    was, so its data is found again). ``epochs`` raises the total to train
    to. New checkpoints go to ``checkpoint_dir``, else (when the project
    saves checkpoints at all) to the folder ``checkpoint`` is in. Raises
    :class:`CheckpointError` for a missing, damaged, unsafe or unfitting
    checkpoint, and what :func:`prepare_run` raises.
    """
    ckpt = as_checkpoint(checkpoint, expected_bytes(project))
    if project is None:
        project = ckpt.load_project()
    if checkpoint_dir is None and project.training.check().checkpoint.enabled:
        checkpoint_dir = ckpt.path.parent
    run = prepare_run(
        project,
        epochs=epochs,
        device=device,
        prepared=prepared,
        checkpoint_dir=checkpoint_dir,
    )
    restore_checkpoint(run, ckpt)
    return run


def branch_run(
    checkpoint: CheckpointSource,
    project: Project | None = None,
    *,
    epochs: int | None = None,
    device: str | None = None,
    prepared: PreparedData | None = None,
    checkpoint_dir: str | os.PathLike[str] | None = None,
    keep_optimizer_state: bool = False,
) -> TrainingRun:
    """A new run from ``checkpoint``'s weights with ``project``'s settings
    (e.g. another learning rate, more epochs); see :func:`branch_from_checkpoint`.
    ``epochs`` counts from the start, the checkpoint's epochs included."""
    ckpt = as_checkpoint(checkpoint, expected_bytes(project))
    if project is None:
        project = ckpt.load_project()
    run = prepare_run(
        project,
        epochs=epochs,
        device=device,
        prepared=prepared,
        checkpoint_dir=checkpoint_dir,
    )
    branch_from_checkpoint(run, ckpt, keep_optimizer_state=keep_optimizer_state)
    return run


def restore_checkpoint(run: TrainingRun, checkpoint: CheckpointSource) -> Checkpoint:
    """Load all of ``checkpoint`` into ``run`` (its next fit goes on from there).

    Raises :class:`CheckpointError` when the checkpoint does not fit the run
    (another layer stack, optimizer or scheduler); branching starts from its
    weights instead.
    """
    ckpt = as_checkpoint(checkpoint)
    name = ckpt.path.name
    check_weights_fit(ckpt.weights, run.trainer.model, name)
    saved = _saved_training(ckpt)
    config = run.config
    for key, now in (
        ("optimizer", config.optimizer.type),
        ("scheduler", config.scheduler.type if config.scheduler else None),
    ):
        if ckpt.project is None:
            break
        spec = saved.get(key)
        then = spec.get("type") if isinstance(spec, dict) else None
        if then != now:
            raise CheckpointError(
                f"{name} was trained with {key} {then or 'none'} and the project "
                f"uses {now or 'none'}: it can only start a new run from its weights"
            )
    try:
        run.trainer.load_state_dict(ckpt.trainer_state)
    except (KeyError, IndexError, RuntimeError, TypeError, ValueError) as exc:
        raise CheckpointError(
            f"{name} does not fit this run: {_first_line(exc)}"
        ) from None
    run.resumed_from = ckpt.path
    return ckpt


def branch_from_checkpoint(
    run: TrainingRun,
    checkpoint: CheckpointSource,
    *,
    keep_optimizer_state: bool = False,
) -> Checkpoint:
    """Start ``run`` from ``checkpoint``'s weights with the run's own settings.

    The curves and the batch order go on from the checkpoint's epoch, so the
    run's ``epochs`` counts all epochs (set it past the checkpoint's to train
    more). The optimizer starts afresh unless ``keep_optimizer_state`` (same
    optimizer type; its moments are kept, its settings such as ``lr`` are the
    run's). Early stopping, best weights, the scheduler and the checkpoint
    ranking start afresh.
    """
    ckpt = as_checkpoint(checkpoint)
    trainer, state, name = run.trainer, ckpt.trainer_state, ckpt.path.name
    check_weights_fit(ckpt.weights, trainer.model, name)
    if keep_optimizer_state:
        then = (_saved_training(ckpt).get("optimizer") or {}).get("type")
        now = run.config.optimizer.type
        if then is not None and then != now:
            raise CheckpointError(
                f"{name} was trained with {then}, not {now}: its optimizer state "
                "cannot be kept"
            )
        _load_optimizer_moments(trainer.optimizer, state, name)
    trainer.model.load_state_dict(ckpt.weights)
    history = state.get("callbacks", {}).get("History")
    if history is not None:
        trainer.history.load_state_dict(history)
    if state.get("generator") is not None:
        trainer.generator.set_state(state["generator"])
    if state.get("torch_rng") is not None:
        torch.set_rng_state(state["torch_rng"])
    trainer.start_epoch = ckpt.epoch
    run.resumed_from = ckpt.path
    return ckpt


def as_checkpoint(
    checkpoint: CheckpointSource, expected_bytes: int | None = None
) -> Checkpoint:
    """``checkpoint`` loaded (safely) unless it already is; ``expected_bytes``:
    the size of the model's weights, to refuse a far bigger file unread."""
    if isinstance(checkpoint, Checkpoint):
        return checkpoint
    return load_checkpoint(checkpoint, expected_bytes=expected_bytes)


def expected_bytes(project: Project | None) -> int | None:
    """The bytes of ``project``'s weights from the meta-device analysis (no
    weights are made), or ``None`` when the model cannot tell yet."""
    if project is None:
        return None
    try:
        analysis = project.model.analyze()
    except Exception:  # an unusable model is reported where it is built
        return None
    return analysis.size_bytes if analysis.ok and analysis.size_bytes > 0 else None


def _saved_training(ckpt: Checkpoint) -> dict[str, Any]:
    training = (ckpt.project or {}).get("training")
    return training if isinstance(training, dict) else {}


def _load_optimizer_moments(
    optimizer: torch.optim.Optimizer, state: dict[str, Any], name: str
) -> None:
    """Load a saved optimizer's state but keep this optimizer's settings."""
    saved = state.get("optimizer")
    if not isinstance(saved, dict):
        raise CheckpointError(f"{name} holds no optimizer state")
    settings = [
        {k: v for k, v in group.items() if k != "params"}
        for group in optimizer.param_groups
    ]
    try:
        optimizer.load_state_dict(saved)
    except (KeyError, IndexError, RuntimeError, TypeError, ValueError) as exc:
        raise CheckpointError(
            f"{name}'s optimizer state does not fit this optimizer: {_first_line(exc)}"
        ) from None
    for group, own in zip(optimizer.param_groups, settings, strict=True):
        group.update(own)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def early_stop_of(checkpoint: CheckpointSource) -> dict[str, Any] | None:
    """How early stopping had ended ``checkpoint``'s run, or ``None`` if it had
    not: ``epoch`` (from 1), ``wait`` (epochs without improvement),
    ``reason`` and ``message``. Resumed exactly, such a run stops again after
    its next epoch without improvement unless the patience is raised."""
    ckpt = as_checkpoint(checkpoint)
    state = ckpt.trainer_state.get("callbacks", {}).get("EarlyStopping")
    if not isinstance(state, dict) or state.get("stopped_epoch") is None:
        return None
    return {
        "epoch": int(state["stopped_epoch"]) + 1,
        "wait": int(state.get("wait") or 0),
        "reason": state.get("reason"),
        "message": state.get("message"),
    }
