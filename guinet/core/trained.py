"""A project's trained model: its weights from a checkpoint, ready to use.

Evaluation, prediction and export all start here: the session's prepared
data (the same preparation, scaling and class names as the run), the model
built for that data, and the weights of a checkpoint — the one given, or the
newest best (else last) in the project's checkpoint folder. The checkpoint's
stored sizes are checked against the model before anything is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from guinet.core.model import ModelError
from guinet.core.training import TrainingError

if TYPE_CHECKING:
    import os

    import torch

    from guinet.core.data import PreparedData
    from guinet.core.project import Project
    from guinet.core.session import Session
    from guinet.core.training.checkpoint_files import Checkpoint


class NoWeightsError(TrainingError):
    """The project has no trained weights to use (nothing was trained or saved)."""


@dataclass
class TrainedModel:
    """A model with trained weights, in eval mode, and the data it was made for.

    ``session`` is the one it was loaded through (its project's loss, data
    section and model), for evaluation on other data.
    """

    model: torch.nn.Module
    checkpoint: Checkpoint
    prepared: PreparedData
    device: str
    session: Session | None = None


def default_checkpoint(project: Project) -> Path | None:
    """The newest ``best`` checkpoint in the project's folder, else the newest
    ``last``; ``None`` when there is none (or checkpoints are off)."""
    from guinet.core.training.checkpoint_files import list_checkpoints
    from guinet.core.training.folders import checkpoint_folder

    folder, _note = checkpoint_folder(project)
    if folder is None:
        return None
    found = list_checkpoints(folder)  # oldest first
    for kind in ("best", "last"):
        newest = [info for info in found if info.kind == kind]
        if newest:
            return newest[-1].path
    return found[-1].path if found else None


def load_trained(
    session: Session,
    checkpoint: str | os.PathLike[str] | None = None,
    device: str = "cpu",
) -> TrainedModel:
    """The session's model with ``checkpoint``'s weights (default:
    :func:`default_checkpoint`), built on ``device`` for the prepared data.

    Raises :class:`NoWeightsError` when there are no weights to load,
    :class:`~guinet.core.model.ModelError` when the model cannot be built,
    :class:`~guinet.core.training.checkpoint_files.CheckpointError` when the
    file is unusable or does not fit, and the data errors of preparation.
    """
    from guinet.core.training.checkpoint_files import load_checkpoint, load_weights

    prepared = session.prepare_data()
    spec = session.model_for_data()
    problem = spec.problem()
    if problem is not None:
        raise ModelError(problem[1])
    path = Path(checkpoint) if checkpoint is not None else None
    if path is None:
        path = default_checkpoint(session.project)
        if path is None:
            raise NoWeightsError(
                "there are no trained weights for this project yet: train it "
                "first (its checkpoints are the weights), or name a checkpoint file"
            )
    model = spec.build(device)
    # a file far bigger than this model's weights is refused unread
    ckpt = load_checkpoint(path, model)
    load_weights(ckpt, model)
    model.eval()
    return TrainedModel(model, ckpt, prepared, device, session)
