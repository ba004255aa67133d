"""Which checkpoints fit the model as it is now, and why the others do not.

A checkpoint folder may hold runs of another layer stack (the model was
edited since, or an old project shared the folder). The Train page lists
every file but offers only those whose weights fit the current model; for
the others it says why. Only the tensors' shapes are compared, read through
a memory map, so listing a folder does not load every checkpoint's weights.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guinet.core.training.checkpoint_files import FORMAT, CheckpointError, _safe_load

if TYPE_CHECKING:
    import torch

Shapes = Mapping[str, tuple[int, ...]]


def weight_shapes(model: torch.nn.Module) -> dict[str, tuple[int, ...]]:
    """The shape of each of ``model``'s weights (a meta-device model will do)."""
    return {key: tuple(value.shape) for key, value in model.state_dict().items()}


def shape_mismatch(theirs: Shapes, ours: Shapes) -> str | None:
    """Why weights of shapes ``theirs`` do not fit a model of ``ours``, or ``None``."""
    missing = [key for key in ours if key not in theirs]
    if missing:
        return f"it has no weights for {missing[0]}"
    extra = [key for key in theirs if key not in ours]
    if extra:
        return f"it has weights for {extra[0]}, which this model lacks"
    for key, shape in ours.items():
        if tuple(theirs[key]) != tuple(shape):
            return f"{key} is {list(theirs[key])} there and {list(shape)} here"
    return None


def fit_problem(path: str | os.PathLike[str], ours: Shapes) -> str | None:
    """Why the checkpoint at ``path`` does not fit a model of shapes ``ours``
    (one phrase, such as "it has no weights for 4.weight"), or ``None``."""
    try:
        raw: Any = _safe_load(Path(path), mmap=True)
    except CheckpointError as exc:
        return str(exc)
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        return "it is not a guinet checkpoint"
    state = raw.get("trainer")
    weights = state.get("model") if isinstance(state, dict) else None
    if not isinstance(weights, dict):
        return "it is not a guinet checkpoint"
    theirs = {
        str(key): tuple(getattr(value, "shape", ())) for key, value in weights.items()
    }
    return shape_mismatch(theirs, ours)
