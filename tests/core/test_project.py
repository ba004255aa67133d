"""Project files: exact round trips, unknown keys, relative paths, atomic saves,
and one clear :class:`ProjectError` for every file that cannot be opened."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from guinet._resources import example_projects
from guinet.core import fileio
from guinet.core.model import LayerSpec, ModelSpec
from guinet.core.project import (
    FORMAT_VERSION,
    Project,
    ProjectError,
    default_training,
    dumps,
)

EXAMPLES = example_projects()


def minimal(**extra: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "guinet": 1,
        "name": "tiny",
        "model": {
            "input_shape": [4],
            "layers": [
                {"type": "Linear", "out_features": 3},
                {"type": "Softmax"},
            ],
        },
        "training": default_training(),
    }
    raw.update(extra)
    return raw


def write(path: Path, raw: Any) -> Path:
    path.write_text(json.dumps(raw, indent=2), encoding="utf-8")
    return path


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- the examples and exact round trips ----------------------------------------------
def test_the_first_three_examples_are_still_there() -> None:
    """Their names are what people type (``guinet train iris_mlp``); the
    lessons added beside them are listed in tests/core/test_examples.py."""
    names = [p.name for p in EXAMPLES]
    assert {"digits_cnn.guinet", "iris_mlp.guinet", "moons_mlp.guinet"} <= set(names)
    assert len(names) >= 12


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_examples_load_and_round_trip_exactly(example: Path, tmp_path: Path) -> None:
    original = json.loads(example.read_text(encoding="utf-8"))
    project = Project.load(example)
    assert project.path == example.resolve()
    assert project.name == original["name"]
    assert project.to_dict() == original
    assert list(project.to_dict()) == list(original)  # key order too
    analysis = project.model.analyze()
    assert analysis.ok, analysis.first_error
    assert analysis.total_params > 0

    # Saved beside a copy of its folder's layout, so no path needs rebasing.
    copy_path = tmp_path / example.name
    copy_path.write_bytes(example.read_bytes())
    project = Project.load(copy_path)
    saved = project.save(copy_path)
    assert saved == copy_path.resolve()
    assert project.path == saved
    again = Project.load(saved)
    assert again.to_dict() == original
    assert json.loads(saved.read_text(encoding="utf-8")) == original

    # The text guinet writes is a fixed point: load it, save it, same bytes.
    text = saved.read_text(encoding="utf-8")
    assert text == dumps(original)
    again.save()
    assert saved.read_text(encoding="utf-8") == text
    assert files_in(tmp_path) == [example.name]


def test_saved_text_is_readable_json() -> None:
    text = dumps({"guinet": 1, "name": "Zürich — ünïcode"})
    assert text.endswith("}\n")
    assert "Zürich — ünïcode" in text
    assert '\n  "name"' in text


def test_unknown_keys_are_kept_at_every_level(tmp_path: Path) -> None:
    raw = minimal(author={"name": "Ada", "tags": ["x"]}, zeta=1)
    raw["data"] = {
        "source": {"kind": "builtin", "name": "moons", "future_option": [1, 2]},
        "target": -1,
        "notes": "kept",
    }
    raw["model"]["comment"] = {"why": "testing"}
    raw["training"]["gradient_clip"] = 1.0
    raw["training"]["early_stopping"]["warmup"] = 3
    path = write(tmp_path / "p.guinet", raw)

    project = Project.load(path)
    assert project.to_dict() == raw
    project.model.layers.append(LayerSpec("ReLU"))
    project.save()
    saved = json.loads(path.read_text(encoding="utf-8"))
    expected = copy.deepcopy(raw)
    expected["model"]["layers"].append({"type": "ReLU"})
    assert saved == expected


def test_to_dict_is_a_copy() -> None:
    project = Project.from_dict(
        minimal(data={"source": {"kind": "csv", "path": "a.csv"}})
    )
    out = project.to_dict()
    out["data"]["source"]["path"] = "b.csv"
    out["training"]["epochs"] = 1
    assert project.data is not None
    assert project.data.to_dict()["source"]["path"] == "a.csv"
    assert project.training.to_dict()["epochs"] == 50


def test_a_new_project_has_defaults_and_no_file(tmp_path: Path) -> None:
    project = Project()
    assert project.path is None
    assert project.display_name == "Untitled"
    out = project.to_dict()
    assert out["guinet"] == FORMAT_VERSION
    assert out["training"] == default_training()
    assert "data" not in out
    with pytest.raises(ProjectError, match="no file yet"):
        project.save()
    path = project.save(tmp_path / "new.guinet")
    assert project.display_name == "new.guinet"
    # never named: the name follows the file
    assert project.name == "new"
    # The default folder is named after the file and beside it, wherever
    # guinet runs.
    assert Project.load(path).to_dict() == {**out, "name": "new"}
    from guinet.core.training.folders import checkpoint_folder

    assert checkpoint_folder(project)[0] == (tmp_path / "new-checkpoints").resolve()


def test_first_save_makes_absolute_paths_relative(tmp_path: Path) -> None:
    data_file = (tmp_path / "data" / "pima.csv").resolve()
    project = Project(data={"source": {"kind": "csv", "path": str(data_file)}})
    (tmp_path / "p").mkdir()
    project.save(tmp_path / "p" / "new.guinet")
    assert project.data is not None
    assert project.data.to_dict()["source"]["path"] == "../data/pima.csv"
    assert project.resolve(project.data.to_dict()["source"]["path"]) == data_file
    assert project.training.to_dict()["checkpoint"]["dir"] == "{project}-checkpoints"


def test_missing_sections_take_defaults_and_the_name_comes_from_the_file(
    tmp_path: Path,
) -> None:
    project = Project.load(write(tmp_path / "bare.guinet", {"guinet": 1}))
    assert project.name == "bare"
    assert len(project.model.layers) == 0
    assert project.data is None
    assert project.training.to_dict() == default_training()


def test_a_project_without_a_name_of_its_own_follows_its_file(tmp_path: Path):
    project = Project()
    assert project.name == "Untitled" and not project.has_own_name
    project.save(tmp_path / "my.guinet")
    assert project.name == "my"
    assert json.loads((tmp_path / "my.guinet").read_text())["name"] == "my"
    reopened = Project.load(tmp_path / "my.guinet")
    assert reopened.name == "my" and not reopened.has_own_name
    reopened.save(tmp_path / "other.guinet")  # Save As: the name follows
    assert reopened.name == "other"
    assert json.loads((tmp_path / "other.guinet").read_text())["name"] == "other"
    # a file an older guinet saved as "Untitled" was never named either
    old = write(tmp_path / "old.guinet", {"guinet": 1, "name": "Untitled"})
    assert Project.load(old).name == "old"


def test_a_name_of_its_own_is_kept_whatever_the_file(tmp_path: Path) -> None:
    named = Project.load(write(tmp_path / "a.guinet", {"guinet": 1, "name": "Iris"}))
    assert named.has_own_name
    named.save(tmp_path / "b.guinet")
    assert named.name == "Iris"
    assert json.loads((tmp_path / "b.guinet").read_text())["name"] == "Iris"
    fresh = Project()
    fresh.set_name("Moons")
    fresh.save(tmp_path / "c.guinet")
    assert fresh.name == "Moons"


def test_setters_announce_changes() -> None:
    project = Project()
    seen: list[int] = []
    project.changed.connect(lambda: seen.append(1))
    project.set_name("n")
    project.set_data({"source": {"kind": "builtin", "name": "iris"}})
    project.set_training(default_training())
    assert len(seen) == 3
    assert project.to_dict()["name"] == "n"


# -- relative paths ----------------------------------------------------------------
def _project_with_paths(folder: Path) -> Path:
    raw = minimal(
        data={"source": {"kind": "csv", "path": "data/pima.csv"}, "target": -1}
    )
    raw["training"]["checkpoint"]["dir"] = "checkpoints"
    folder.mkdir(parents=True, exist_ok=True)
    return write(folder / "p.guinet", raw)


def test_paths_are_relative_to_the_file(tmp_path: Path) -> None:
    project = Project.load(_project_with_paths(tmp_path / "a"))
    assert project.base_dir == (tmp_path / "a").resolve()
    assert project.data is not None
    assert (
        project.resolve(project.data.to_dict()["source"]["path"])
        == (tmp_path / "a" / "data" / "pima.csv").resolve()
    )


def test_save_in_place_keeps_paths(tmp_path: Path) -> None:
    path = _project_with_paths(tmp_path / "a")
    before = json.loads(path.read_text(encoding="utf-8"))
    project = Project.load(path)
    project.save()
    project.save(path)
    assert json.loads(path.read_text(encoding="utf-8")) == before


@pytest.mark.parametrize(
    ("where", "data_path", "checkpoint_dir"),
    [
        ("a/deeper", "../data/pima.csv", "../checkpoints"),
        ("b", "../a/data/pima.csv", "../a/checkpoints"),
        (".", "a/data/pima.csv", "a/checkpoints"),
    ],
)
def test_save_as_elsewhere_rebases_paths(
    tmp_path: Path, where: str, data_path: str, checkpoint_dir: str
) -> None:
    project = Project.load(_project_with_paths(tmp_path / "a"))
    assert project.data is not None
    data_file = project.resolve(project.data.to_dict()["source"]["path"])
    target_dir = tmp_path / where
    target_dir.mkdir(parents=True, exist_ok=True)
    project.save(target_dir / "copy.guinet")

    saved = json.loads((target_dir / "copy.guinet").read_text(encoding="utf-8"))
    assert saved["data"]["source"]["path"] == data_path
    assert saved["training"]["checkpoint"]["dir"] == checkpoint_dir
    # The live project follows: its paths still name the same files.
    assert project.data.to_dict()["source"]["path"] == data_path
    assert project.resolve(project.data.to_dict()["source"]["path"]) == data_file
    reloaded = Project.load(target_dir / "copy.guinet")
    assert reloaded.data is not None
    assert reloaded.resolve(reloaded.data.to_dict()["source"]["path"]) == data_file
    # The original file is untouched.
    original = json.loads((tmp_path / "a" / "p.guinet").read_text(encoding="utf-8"))
    assert original["data"]["source"]["path"] == "data/pima.csv"


def test_builtin_sources_without_paths_are_left_alone(tmp_path: Path) -> None:
    project = Project.load(EXAMPLES[0])
    original = project.to_dict()
    project.save(tmp_path / "x.guinet")
    saved = json.loads((tmp_path / "x.guinet").read_text(encoding="utf-8"))
    # "{project}-checkpoints" means beside whichever file: nothing is rebased
    assert saved["training"]["checkpoint"]["dir"] == "{project}-checkpoints"
    assert saved == original


# -- atomic saves --------------------------------------------------------------------
def test_a_failed_save_leaves_the_old_file_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _project_with_paths(tmp_path)
    before = path.read_bytes()
    project = Project.load(path)
    project.model.layers.append(LayerSpec("ReLU"))

    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fileio.os, "fsync", broken_fsync)
    with pytest.raises(ProjectError, match="could not save .*p.guinet: No space left"):
        project.save()
    assert path.read_bytes() == before
    assert files_in(tmp_path) == ["p.guinet"]


def test_a_failed_save_as_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _project_with_paths(tmp_path / "a")
    project = Project.load(path)
    before = project.to_dict()
    (tmp_path / "b").mkdir()

    def broken_replace(src: Any, dst: Any) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(fileio.os, "replace", broken_replace)
    with pytest.raises(ProjectError, match="Permission denied"):
        project.save(tmp_path / "b" / "p.guinet")
    assert project.path == path.resolve()
    assert project.to_dict() == before
    assert files_in(tmp_path / "b") == []
    assert files_in(tmp_path / "a") == ["p.guinet"]


def test_an_interrupted_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "f.txt"
    target.write_text("old", encoding="utf-8")

    def half(handle: Any) -> None:
        handle.write(b"ne")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fileio.atomic_write(target, half)
    assert target.read_text(encoding="utf-8") == "old"
    assert files_in(tmp_path) == ["f.txt"]
    fileio.atomic_write_text(target, "new ✓")
    assert target.read_text(encoding="utf-8") == "new ✓"
    assert files_in(tmp_path) == ["f.txt"]


def test_saving_into_a_missing_folder_is_a_project_error(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="could not save"):
        Project().save(tmp_path / "nowhere" / "p.guinet")


# -- files that cannot be opened -------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b'{"guinet": 1,\n  "name": }', "is not valid JSON (line 2, column 11"),
        (b"", "is not valid JSON (line 1, column 1"),
        (b"\xff\xfe\x00\x00garbage\x80", "is not a guinet project (it is not text)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "is not a guinet project (it is not text)"),
        (b"[1, 2, 3]", 'is not a guinet project (it has no "guinet" format number)'),
        (b'{"name": "x", "model": {}}', 'is not a guinet project (it has no "guinet"'),
        (
            b'{"guinet": 2, "model": {"layers": []}}',
            "was saved by a newer guinet (project format 2); "
            "this guinet reads format 1",
        ),
        (b'{"guinet": "one"}', '"guinet" must be a format number such as 1'),
        (b'{"guinet": true}', '"guinet" must be a format number such as 1'),
        (
            b'{"guinet": 1, "model": {"layers": [{"type": "Conv2D"}]}}',
            "layer 1: unknown layer type 'Conv2D'; did you mean 'Conv2d'?",
        ),
        (
            b'{"guinet": 1, "model": {"layers": [{"type": "ReLU"},'
            b' {"type": "Linear", "out_features": "abc"}]}}',
            "layer 2 (Linear): out_features must be a whole number, not 'abc'",
        ),
        (
            b'{"guinet": 1, "model": {"input_shape": [0, 8], "layers": []}}',
            '"model.input_shape" must be a list of positive whole numbers, not [0, 8]',
        ),
        (
            b'{"guinet": 1, "model": {"input_shape": "8", "layers": []}}',
            '"model.input_shape" must be a list of positive whole numbers',
        ),
        (b'{"guinet": 1, "model": [1]}', '"model" must be an object'),
        (
            b'{"guinet": 1, "model": {"layers": {"type": "ReLU"}}}',
            '"model.layers" must be a list',
        ),
        (b'{"guinet": 1, "name": 3}', '"name" must be text'),
        (b'{"guinet": 1, "data": []}', '"data" must be an object'),
        (b'{"guinet": 1, "training": 5}', '"training" must be an object'),
    ],
)
def test_bad_files_give_one_clear_project_error(
    tmp_path: Path, content: bytes, words: str
) -> None:
    path = tmp_path / "bad.guinet"
    path.write_bytes(content)
    with pytest.raises(ProjectError) as error:
        Project.load(path)
    message = str(error.value)
    assert "bad.guinet" in message
    assert words in message, message
    assert "\n" not in message
    assert error.value.__cause__ is None  # no chained traceback to show


def test_a_missing_file_or_a_folder_is_a_project_error(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match=r"nope\.guinet: no such file"):
        Project.load(tmp_path / "nope.guinet")
    with pytest.raises(ProjectError, match="is a folder, not a project file"):
        Project.load(tmp_path)


def test_a_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.guinet"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(minimal()).encode("utf-8"))
    assert Project.load(path).to_dict() == minimal()


def test_a_range_problem_loads_and_is_reported_by_validation(tmp_path: Path) -> None:
    raw = minimal()
    raw["model"]["layers"].insert(1, {"type": "Dropout", "p": 1.5})
    project = Project.load(write(tmp_path / "p.guinet", raw))
    assert project.to_dict() == raw
    assert project.model.analyze().first_error == (
        1,
        "Dropout p must be in [0, 1), not 1.5",
    )
    project.save()
    assert json.loads((tmp_path / "p.guinet").read_text(encoding="utf-8")) == raw


def test_from_dict_does_not_share_state_with_its_input() -> None:
    raw = minimal(data={"source": {"kind": "csv", "path": "a.csv"}})
    raw["model"]["comment"] = {"why": "kept"}
    project = Project.from_dict(raw)
    raw["data"]["source"]["path"] = "changed.csv"
    raw["training"]["epochs"] = 1
    raw["model"]["layers"].append({"type": "ReLU"})
    raw["model"]["comment"]["why"] = "changed"
    out = project.to_dict()
    assert out["model"]["comment"] == {"why": "kept"}
    out["model"]["comment"]["why"] = "leaked"
    assert project.to_dict()["model"]["comment"] == {"why": "kept"}
    assert out["data"]["source"]["path"] == "a.csv"
    assert out["training"]["epochs"] == 50
    assert len(out["model"]["layers"]) == 2


def test_a_project_spec_can_be_built(tmp_path: Path) -> None:
    project = Project("m", ModelSpec([LayerSpec("Linear", {"out_features": 2})], (3,)))
    path = project.save(tmp_path / "m.guinet")
    module = Project.load(path).model.build()
    assert sum(p.numel() for p in module.parameters()) == 8


def test_saved_files_get_ordinary_permissions(tmp_path):
    """Atomic saves must not leave a project readable by its owner only."""
    import os
    import stat

    from guinet.core import fileio
    from guinet.core.project import Project

    path = Project().save(tmp_path / "p.guinet")
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~fileio._UMASK
    os.chmod(path, 0o640)
    Project.load(path).save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
