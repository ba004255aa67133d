"""The project format's migration hook: format-1 files load unchanged, a
registered migration is applied on load (and the format number raised), and
a file newer than this guinet is refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from guinet._resources import example_projects
from guinet.core import project
from guinet.core.project import FORMAT_VERSION, Project, ProjectError

EXAMPLES = example_projects()


def _raw(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_there_are_format_1_examples() -> None:
    assert EXAMPLES
    assert all(_raw(path)["guinet"] == 1 for path in EXAMPLES)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_a_format_1_file_loads_unchanged(path: Path) -> None:
    assert FORMAT_VERSION == 1
    raw = _raw(path)
    loaded = Project.load(path)
    assert loaded.to_dict() == raw
    assert project.migrate(json.loads(json.dumps(raw))) == raw


@pytest.fixture
def format_2(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Pretend format 2 renamed ``training.n_epochs`` (format 1) to ``epochs``."""
    calls: list[int] = []

    def v1_to_v2(raw: dict[str, Any]) -> dict[str, Any]:
        calls.append(raw["guinet"])
        training = raw.get("training", {})
        if "n_epochs" in training:
            training["epochs"] = training.pop("n_epochs")
        return raw

    monkeypatch.setattr(project, "FORMAT_VERSION", 2)
    monkeypatch.setitem(project.MIGRATIONS, 1, v1_to_v2)
    return calls


def _old_file(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    source = next(p for p in EXAMPLES if p.name == "iris_mlp.guinet")
    raw = _raw(source)
    training = raw["training"]
    training["n_epochs"] = training.pop("epochs")
    path = tmp_path / "old.guinet"
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path, raw


def test_a_registered_migration_is_applied_on_load(
    tmp_path: Path, format_2: list[int]
) -> None:
    path, raw = _old_file(tmp_path)
    loaded = Project.load(path)
    assert format_2 == [1]
    assert loaded.training.epochs == raw["training"]["n_epochs"] == 100
    assert loaded.training.ok
    out = loaded.to_dict()
    assert out["guinet"] == 2
    assert "n_epochs" not in out["training"]
    assert out["training"]["epochs"] == 100
    # everything the migration does not touch is kept as it was
    assert out["data"] == raw["data"]
    assert out["model"] == raw["model"]
    # the file itself is only rewritten by a save, in the new format
    assert _raw(path)["guinet"] == 1
    loaded.save()
    assert _raw(path)["guinet"] == 2
    assert Project.load(path).to_dict() == out


def test_migrating_does_not_change_the_callers_dict(format_2: list[int]) -> None:
    raw = {"guinet": 1, "name": "x", "training": {"n_epochs": 7}}
    before = json.loads(json.dumps(raw))
    loaded = Project.from_dict(raw)
    assert raw == before
    assert loaded.training.epochs == 7


def test_a_missing_migration_is_a_project_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(project, "FORMAT_VERSION", 2)
    monkeypatch.delitem(project.MIGRATIONS, 1, raising=False)
    path = tmp_path / "old.guinet"
    path.write_text(json.dumps({"guinet": 1, "name": "x"}), encoding="utf-8")
    with pytest.raises(ProjectError, match=r"old\.guinet: no migration from .*1"):
        Project.load(path)


def test_a_newer_format_is_refused(tmp_path: Path) -> None:
    raw = _raw(EXAMPLES[0])
    raw["guinet"] = FORMAT_VERSION + 1
    path = tmp_path / "future.guinet"
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(ProjectError) as caught:
        Project.load(path)
    message = str(caught.value)
    assert "future.guinet" in message
    assert f"format {FORMAT_VERSION + 1}" in message
    assert "newer guinet" in message
    assert "update guinet" in message
