"""The ``lesson`` section: round trip, old files, unknown control ids, and
the Qt-free list of examples the start page reads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from guinet._resources import example_projects, find_example
from guinet.core.lessons import CONTROLS, PAGES, ExampleInfo, LessonSpec, examples
from guinet.core.project import Project
from guinet.core.sections import UNSET
from guinet.core.session import Session, apply_edit

LESSON: dict[str, Any] = {
    "title": "Moons",
    "summary": "One line",
    "text": "A paragraph.",
    "result": "reaches ~97% test accuracy",
    "expected": {"metric": "accuracy", "at_least": 0.9},
    "start_page": "train",
    "hidden": ["model.palette", "page.predict"],
    "locked": ["training.optimizer", "training.lr"],
    "by_a_newer_guinet": {"kept": True},
}


def _moons() -> dict[str, Any]:
    path = find_example("moons_mlp")
    assert path is not None
    raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return raw


def test_a_lesson_round_trips_through_the_file(tmp_path: Path) -> None:
    raw = _moons()
    raw["lesson"] = LESSON
    path = tmp_path / "lesson.guinet"
    path.write_text(json.dumps(raw), encoding="utf-8")
    project = Project.load(path)
    lesson = project.lesson
    assert lesson is not None and lesson.ok
    assert lesson.start_page == "train"
    assert lesson.hidden == ["model.palette", "page.predict"]
    assert lesson.locked == ["training.optimizer", "training.lr"]
    assert lesson.expected == {"metric": "accuracy", "at_least": 0.9}
    project.save(tmp_path / "again.guinet")
    again = json.loads((tmp_path / "again.guinet").read_text(encoding="utf-8"))
    assert again["lesson"] == LESSON  # unknown keys too
    assert Project.load(tmp_path / "again.guinet").lesson == lesson


def test_a_file_without_a_lesson_loads_and_saves_without_one(tmp_path: Path) -> None:
    raw = _moons()
    raw.pop("lesson", None)
    path = tmp_path / "old.guinet"
    path.write_text(json.dumps(raw), encoding="utf-8")
    project = Project.load(path)
    assert project.lesson is None
    assert project.to_dict() == raw
    project.save()
    assert "lesson" not in json.loads(path.read_text(encoding="utf-8"))


def test_setting_and_removing_the_lesson_by_path() -> None:
    project = Project.from_dict(_moons() | {"lesson": None})
    assert project.lesson is None
    project.set_value("lesson.text", "Read me")
    assert project.lesson is not None and project.lesson.text == "Read me"
    assert project.to_dict()["lesson"] == {"text": "Read me"}
    project.set_value("lesson", UNSET)
    assert project.lesson is None
    assert "lesson" not in project.to_dict()


def test_unknown_control_ids_are_notes_with_a_fix_never_errors() -> None:
    raw = _moons() | {
        "lesson": {
            "text": "x",
            "hidden": ["model.palette", "model.time_machine"],
            "locked": ["training.warp"],
            "start_page": "cinema",
        }
    }
    project = Project.from_dict(raw)  # opens
    lesson = project.lesson
    assert lesson is not None
    assert lesson.known_hidden == ["model.palette"]
    assert lesson.known_locked == []
    assert lesson.start_page is None  # an unknown page: opens as usual
    messages = " ".join(p.message for p in lesson.problems)
    assert "model.time_machine" in messages and "training.warp" in messages
    session = Session(project)
    notes = session.preflight(torch_ready=False).area("lesson")
    assert {f.severity for f in notes} == {"note"}
    assert not any(f.blocking for f in notes)
    for finding in notes:
        if finding.fix is not None:
            for edit in finding.fix.edits:
                apply_edit(project, edit)
    assert project.lesson is not None
    assert project.lesson.hidden == ["model.palette"]
    assert project.lesson.locked == []
    assert project.to_dict()["lesson"]["text"] == "x"


def test_a_lesson_that_is_not_an_object_opens_with_a_note() -> None:
    project = Project.from_dict(_moons() | {"lesson": "read the book"})
    assert project.lesson is not None
    assert not project.lesson.ok
    assert project.lesson.is_empty


def test_the_vocabulary_names_every_page_and_the_common_settings() -> None:
    for page in PAGES:
        assert f"page.{page}" in CONTROLS
    for control in (
        "data.source",
        "model.palette",
        "training.optimizer",
        "training.lr",
        "training.epochs",
        "training.batch_size",
        "training.early_stopping",
    ):
        assert control in CONTROLS
    assert LessonSpec({"hidden": list(CONTROLS), "locked": list(CONTROLS)}).ok


def test_examples_lists_every_bundled_example_with_its_lesson() -> None:
    listed = examples()
    assert {info.name for info in listed} == {p.stem for p in example_projects()}
    assert len(listed) >= 12
    assert listed[0].name == "xor"  # the gallery's order, first lesson first
    for info in listed:
        assert isinstance(info, ExampleInfo)
        assert info.title and info.summary and info.text and info.result, info.name
        assert info.path.is_file()
        assert info.dataset


def test_examples_needs_neither_torch_nor_qt() -> None:
    code = (
        "import sys; from guinet.core.lessons import examples; examples(); "
        "print(sorted(m for m in ('torch', 'PySide6', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_an_untitled_copy_still_finds_the_examples_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = find_example("pima_diabetes")
    assert path is not None
    monkeypatch.chdir(tmp_path)  # not beside the example
    copy = Project.load(path).untitled_copy()
    assert copy.path is None
    assert copy.name == Project.load(path).name
    source = copy.data.to_dict()["source"] if copy.data is not None else {}
    assert Path(source["path"]) == path.parent / "pima_diabetes.csv"
    assert len(Session(copy).prepare_data().x_train) > 400
    # saved somewhere, the path becomes relative to the new file again
    saved = copy.save(tmp_path / "mine.guinet")
    written = json.loads(saved.read_text(encoding="utf-8"))["data"]["source"]["path"]
    assert not Path(written).is_absolute()
    assert (tmp_path / written).resolve() == (path.parent / "pima_diabetes.csv")
