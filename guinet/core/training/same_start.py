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
from typing import TYPE_CHECKING, Any

from guinet.core.training.errors import TrainingError
from guinet.core.training.snapshots import State, copy_state, state_bytes

if TYPE_CHECKING:
    import torch

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
        import torch

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

        Weights are matched in order, so adding or removing a layer without
        weights (Dropout, an activation) keeps the start. Raises
        :class:`TrainingError` naming the first weight whose shape differs
        when the layer stack changed otherwise.
        """
        import torch

        model = run.trainer.model
        matched = match_weights(self.weights, model.state_dict())
        if isinstance(matched, str):
            raise TrainingError(
                f"Cannot train again from the same initial weights: {matched}. "
                "The layer stack changed since that run, so its weights do not "
                "fit this model; press Train for a fresh start, or undo the "
                "layer change."
            )
        model.load_state_dict(matched)
        run.trainer.generator.set_state(self.generator.clone())
        torch.set_rng_state(self.torch_rng.clone())


def match_weights(saved: State, current: dict[str, torch.Tensor]) -> State | str:
    """``saved`` renamed to ``current``'s names, weight by weight in order, or
    why they do not fit (the first weight whose shape differs)."""
    old = list(saved.items())
    new = list(current.items())
    for (old_name, old_value), (name, value) in zip(old, new, strict=False):
        if tuple(old_value.shape) != tuple(value.shape):
            return (
                f"{_layer(name)} is {_shape(tuple(value.shape))} now, but the "
                f"weight in its place in that run ({_layer(old_name)}) was "
                f"{_shape(tuple(old_value.shape))}"
            )
    if len(new) > len(old):
        return f"the model now has {_layer(new[len(old)][0])}, which that run did not"
    if len(old) > len(new):
        return f"that run had {_layer(old[len(new)][0])}, which the model no longer has"
    return {name: value for (name, _), (_, value) in zip(new, old, strict=True)}


def describe_change(before: dict[str, Any], after: dict[str, Any]) -> str:
    """What ``before`` (a project's dict) set differently from ``after``, in a
    few words: ``"lr 0.1"``, ``"optimizer SGD, lr 0.5"``; ``""`` if nothing.

    Looks at the training settings and the layers' arguments, as a legend
    for the curves of the run ``before`` trained.
    """
    old = _flatten({"model": before.get("model"), "training": before.get("training")})
    new = _flatten({"model": after.get("model"), "training": after.get("training")})
    words: list[str] = []
    for key in sorted(set(old) | set(new), key=_order):
        if old.get(key) == new.get(key) or key.endswith(".name"):
            continue
        value = old.get(key)
        parts = key.split(".")
        name = parts[-2] if parts[-1] == "type" else parts[-1]
        if parts[:2] == ["model", "layers"]:
            layer = f"layer {int(parts[2]) + 1} " if len(parts) > 3 else ""
            name = f"{layer}{name}"
        shown = "none" if value is None else f"{value:g}" if _is_float(value) else value
        words.append(f"{name.replace('_', ' ')} {shown}")
    if len(words) > 3:
        words = [*words[:3], "…"]
    return ", ".join(words)


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list) and prefix == "model.layers":
        out = {}
        for index, item in enumerate(value):
            out.update(_flatten(item, f"{prefix}.{index}"))
        out[prefix] = len(value)
        return out
    return {prefix: value}


def _order(key: str) -> tuple[int, str]:
    """Optimizer settings first: they are what a teacher changes most."""
    return (0 if ".optimizer." in key else 1 if key.startswith("training") else 2, key)


def _is_float(value: Any) -> bool:
    return isinstance(value, float)


def _layer(name: str) -> str:
    """``0.weight`` → ``layer 1's weight`` (layers counted from 1)."""
    head, _, tail = name.rpartition(".")
    first = head.split(".")[0] if head else ""
    if first.isdigit():
        return f"layer {int(first) + 1}'s {tail}"
    return f"'{name}'"


def _shape(shape: tuple[int, ...]) -> str:
    return "×".join(str(n) for n in shape) if shape else "a scalar"
