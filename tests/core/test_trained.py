"""Loading a project's trained model from its checkpoints (the start of
evaluation, prediction and export)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from guinet._resources import find_example
from guinet.core.project import Project
from guinet.core.session import Session
from guinet.core.trained import NoWeightsError, default_checkpoint, load_trained
from guinet.core.training.checkpoint_files import CheckpointError


def saved_moons(tmp_path: Path, epochs: int = 3) -> Project:
    example = find_example("moons_mlp")
    assert example is not None
    project = Project.load(example)
    project.set_value("training.epochs", epochs)
    project.set_value("training.early_stopping.enabled", False)
    project.save(tmp_path / "moons.guinet")
    return project


def test_no_weights_yet_is_said_plainly(tmp_path: Path) -> None:
    session = Session(saved_moons(tmp_path))
    assert default_checkpoint(session.project) is None
    with pytest.raises(NoWeightsError, match="no trained weights for this project"):
        load_trained(session)


def test_the_trained_weights_come_back_and_predict_as_the_run_did(
    tmp_path: Path,
) -> None:
    session = Session(saved_moons(tmp_path))
    run = session.prepare_run()
    run.trainer.fit()
    expected = run.trainer.model.state_dict()
    path = default_checkpoint(session.project)
    assert path is not None and path.name.startswith("best-")
    assert path.parent == tmp_path / "moons-checkpoints"

    trained = load_trained(session)
    assert trained.checkpoint.path == path
    assert not trained.model.training  # ready to predict
    state = trained.model.state_dict()
    assert state.keys() == expected.keys()
    x = torch.as_tensor(trained.prepared.x_test)
    with torch.no_grad():
        out = trained.model(x)
    assert out.shape == (len(x), 2)
    accuracy = (out.argmax(1).numpy() == trained.prepared.y_test).mean()
    assert accuracy > 0.7

    # a named file wins; one that does not fit is refused
    last = path.parent / "last.ckpt"
    assert load_trained(session, last).checkpoint.kind == "last"
    foreign = tmp_path / "foreign.ckpt"
    torch.save({"0.weight": torch.zeros(3, 3)}, foreign)
    with pytest.raises(CheckpointError):
        load_trained(session, foreign)


def test_the_session_uses_the_chosen_weights_until_the_project_changes(
    tmp_path: Path,
) -> None:
    session = Session(saved_moons(tmp_path))
    assert session.weights_path() is None
    with pytest.raises(NoWeightsError):
        session.trained()
    session.prepare_run().trainer.fit()
    best = default_checkpoint(session.project)
    assert best is not None and session.weights_path() == best
    assert session.trained().checkpoint.path == best

    changed: list[bool] = []
    session.weights_changed.connect(lambda: changed.append(True))
    last = best.parent / "last.ckpt"
    session.use_weights(last)
    assert changed and session.weights_path() == last
    assert session.trained().checkpoint.kind == "last"
    # a chosen file that went away: the default again, not an error
    last.unlink()
    assert session.weights_path() == best
    # another project forgets the choice
    session.use_weights(best)
    session.set_project(Project())
    assert session.weights_path() is None
