"""Train again from the same start: same initial weights, same batch order.

A teacher changes one thing (the learning rate, the optimizer, Dropout's
``p``) and trains again: the two runs must differ *only* in that change.
:class:`RunStart` is what a run started from — the model's weights before the
first step, the batch-order generator and torch's random state (Dropout
draws from it) — captured by :meth:`RunStart.capture` just before
:meth:`TrainingRun.fit` and put into a freshly prepared run by
:meth:`RunStart.apply`. With identical settings the second run repeats the
first exactly, also for a project whose seed is ``null``.

A layer stack whose weights changed shape cannot start from the old weights;
:meth:`~RunStart.apply` says which layer changed and what to do instead.
A start is kept only up to ``max_bytes`` of weights (copies on the CPU).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

from guinet.core.training.errors import TrainingError
from guinet.core.training.snapshots import State, copy_state, state_bytes

if TYPE_CHECKING:
    from guinet.core.training.fit import TrainingRun

#: Keep a run's start only when its weights take at most this much memory.
MAX_START_BYTES = 512 * 2**20


class StartTooLarge(TrainingError):
    """The model is too large to keep a copy of its initial weights."""


@dataclass(frozen=True)
class RunStart:
    """What a run started from (tensors on the CPU; see the module doc)."""

    weights: State
    generator: torch.Tensor
    torch_rng: torch.Tensor
    start_epoch: int = 0

    @classmethod
    def capture(cls, run: TrainingRun, max_bytes: int = MAX_START_BYTES) -> RunStart:
        """The start of ``run`` (call before its :meth:`~TrainingRun.fit`).

        Raises :class:`StartTooLarge` for weights over ``max_bytes``.
        """
        trainer = run.trainer
        size = sum(
            v.numel() * v.element_size() for v in trainer.model.state_dict().values()
        )
        if size > max_bytes:
            raise StartTooLarge(
                f"the model's weights take {size / 2**20:,.0f} MB, more than the "
                f"{max_bytes / 2**20:,.0f} MB kept to train again from the same start"
            )
        weights = copy_state(trainer.model)
        return cls(
            weights,
            trainer.generator.get_state(),
            torch.get_rng_state(),
            trainer.start_epoch,
        )

    @property
    def nbytes(self) -> int:
        return state_bytes(self.weights)

    def apply(self, run: TrainingRun) -> None:
        """Start ``run`` (freshly prepared, not yet fitted) from here.

        Raises :class:`TrainingError` naming the first weight whose shape or
        name differs, when the layer stack changed.
        """
        model = run.trainer.model
        current = model.state_dict()
        problem = mismatch(self.weights, current)
        if problem:
            raise TrainingError(
                f"Cannot train again from the same initial weights: {problem}. "
                "The layer stack changed since that run, so its weights do not "
                "fit this model; press Train for a fresh start, or undo the "
                "layer change."
            )
        model.load_state_dict(self.weights)
        run.trainer.generator.set_state(self.generator.clone())
        torch.set_rng_state(self.torch_rng.clone())


def mismatch(saved: State, current: dict[str, torch.Tensor]) -> str | None:
    """Why ``saved`` weights cannot load into a model with ``current``'s, or
    ``None`` when every name and shape agree."""
    for name, value in current.items():
        if name not in saved:
            return f"the model now has {_layer(name)}, which that run did not"
        old = tuple(saved[name].shape)
        new = tuple(value.shape)
        if old != new:
            return (
                f"{_layer(name)} was {_shape(old)} in that run and is {_shape(new)} now"
            )
    extra = [name for name in saved if name not in current]
    if extra:
        return f"that run had {_layer(extra[0])}, which the model no longer has"
    return None


def _layer(name: str) -> str:
    """``0.weight`` → ``layer 1's weight`` (layers counted from 1)."""
    head, _, tail = name.rpartition(".")
    first = head.split(".")[0] if head else ""
    if first.isdigit():
        return f"layer {int(first) + 1}'s {tail}"
    return f"'{name}'"


def _shape(shape: tuple[int, ...]) -> str:
    return "×".join(str(n) for n in shape) if shape else "a scalar"
