"""Evaluations kept beside the checkpoint they scored: written atomically,
read back whole, ignored once the checkpoint or the data changed, and written
by ``guinet evaluate`` too."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from guinet.cli import main
from guinet.core.evaluation import evaluate
from guinet.core.evaluation_store import load_stored, save_evaluation, stored_path
from guinet.core.project import Project
from guinet.core.session import Session
from tests.core.test_trained import saved_moons


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Session:
    folder = tmp_path_factory.mktemp("moons-store")
    session = Session(saved_moons(folder))
    session.prepare_run().trainer.fit()
    return session


def test_an_evaluation_comes_back_whole_from_beside_its_checkpoint(
    trained: Session,
) -> None:
    model = trained.trained()
    result = evaluate(model, "validation")
    checkpoint = model.checkpoint.path
    when = datetime(2026, 11, 28, 10, 30, tzinfo=timezone.utc)
    path, note = save_evaluation(
        result, checkpoint, "validation", trained.project, when
    )
    assert note is None and path == stored_path(checkpoint, "validation")
    assert path.parent == checkpoint.parent
    assert path.name == f"{checkpoint.stem}.evaluation-validation.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["classification"]["accuracy"] == result.classification.accuracy

    stored = load_stored(checkpoint, "validation", trained.project)
    assert stored is not None and stored.evaluated_at == when
    again = stored.evaluation
    assert again.to_dict() == result.to_dict()
    assert again.cell_samples(0, 0).tolist() == result.cell_samples(0, 0).tolist()
    np.testing.assert_allclose(
        again.classification.probabilities, result.classification.probabilities
    )
    # another split was never evaluated
    assert load_stored(checkpoint, "test", trained.project) is None


def test_a_rewritten_checkpoint_or_other_data_make_it_stale(
    trained: Session, tmp_path: Path
) -> None:
    model = trained.trained()
    checkpoint = tmp_path / model.checkpoint.path.name
    checkpoint.write_bytes(model.checkpoint.path.read_bytes())
    result = evaluate(model, "test")
    assert save_evaluation(result, checkpoint, "test", trained.project)[0]
    assert load_stored(checkpoint, "test", trained.project) is not None

    other = trained.project.copy()
    other.set_value("data.split.seed", 7)
    assert load_stored(checkpoint, "test", other) is None  # other test rows

    stat = checkpoint.stat()
    os.utime(checkpoint, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert load_stored(checkpoint, "test", trained.project) is None  # a new run's


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="POSIX, not root")
def test_a_read_only_folder_skips_saving_with_a_note(
    trained: Session, tmp_path: Path
) -> None:
    model = trained.trained()
    folder = tmp_path / "locked"
    folder.mkdir()
    checkpoint = folder / "best.ckpt"
    checkpoint.write_bytes(model.checkpoint.path.read_bytes())
    folder.chmod(0o555)
    try:
        path, note = save_evaluation(
            evaluate(model, "test"), checkpoint, "test", trained.project
        )
    finally:
        folder.chmod(0o755)
    assert path is None and note is not None and "cannot write" in note
    assert sorted(p.name for p in folder.iterdir()) == ["best.ckpt"]


def test_guinet_evaluate_keeps_its_result_unless_told_not_to(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    session = Session(saved_moons(tmp_path))
    session.prepare_run().trainer.fit()
    checkpoint = session.weights_path()
    assert checkpoint is not None
    project = str(tmp_path / "moons.guinet")

    assert main(["evaluate", project, "--split", "train", "--no-save"]) == 0
    assert not stored_path(checkpoint, "train").exists()

    assert main(["evaluate", project, "--split", "train", "--json"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    summary = json.loads(lines[-1])  # the JSON is still the last line
    kept = stored_path(checkpoint, "train")
    assert f"kept beside the checkpoint: {kept}" in lines
    stored = load_stored(checkpoint, "train", Project.load(project))
    assert stored is not None
    assert stored.evaluation.to_dict(samples=False) == summary


def test_a_refused_write_is_a_note_not_an_error(
    trained: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As a read-only folder refuses it (the test above needs a non-root user)."""
    import guinet.core.evaluation_store as store

    def refuse(path: object, text: str) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(store, "atomic_write_text", refuse)
    model = trained.trained()
    path, note = save_evaluation(
        evaluate(model, "test"), model.checkpoint.path, "test", trained.project
    )
    assert path is None
    assert note == (
        f"not kept: cannot write in {model.checkpoint.path.parent} (Permission denied)"
    )
