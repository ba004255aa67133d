"""Lessons: a project saved with what a class should read and touch.

A project file may carry a ``lesson`` section (an additive key of format 1;
files without one load as before)::

    "lesson": {
      "title": "XOR — why a network needs a hidden layer",
      "summary": "One line for a gallery card.",
      "text": "The paragraph shown beside the project.",
      "result": "reaches ~95% test accuracy in 100 epochs",
      "expected": {"metric": "accuracy", "at_least": 0.9},
      "start_page": "data",
      "hidden": ["model.palette"],
      "locked": ["training.optimizer"]
    }

``hidden`` and ``locked`` name controls from one vocabulary,
:data:`CONTROLS` (``page.<name>`` for a whole page, ``data.*``, ``model.*``,
``training.*``): the window hides the hidden ones and greys out the locked
ones. An id this guinet does not know is kept in the file and reported as a
note (never an error: a lesson written by a newer guinet still opens).
``expected`` says the stated ``result`` as numbers, for the test that trains
every bundled example.

:func:`examples` lists the bundled examples with their lessons, for the start
page and ``guinet examples``; it reads JSON only (no torch, no Qt).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from guinet.core.params import Param
from guinet.core.sections import Section
from guinet.core.training.config import SETTINGS, TrainingSpec

#: The window's pages, as ``start_page`` and ``page.<name>`` name them.
PAGES: tuple[str, ...] = ("data", "model", "train", "evaluate", "predict")
PAGE_TITLES = {
    "data": "Data",
    "model": "Model",
    "train": "Train",
    "evaluate": "Evaluate",
    "predict": "Predict",
}


def _controls() -> dict[str, str]:
    """Every control id a lesson may hide or lock, with the words a teacher
    reads in the checklist. Declared once here; the window maps each to its
    widgets."""
    out = {f"page.{page}": f"{title} page" for page, title in PAGE_TITLES.items()}
    out.update(
        {
            "data.source": "Data: where the data comes from (dataset or file)",
            "data.preparation": "Data: target, features, task and scaling",
            "data.split": "Data: the train/validation/test split",
            "model.palette": "Model: the layer palette (adding layers)",
            "model.layers": "Model: the layer stack (moving, deleting layers)",
            "model.inspector": "Model: the layer inspector (layer settings)",
            "model.code": "Model: the PyTorch code tab",
            "training.loss": "Train: the loss",
            "training.optimizer": "Train: the optimizer and its settings",
            "training.lr": "Train: the learning rate",
            "training.scheduler": "Train: the learning-rate schedule",
        }
    )
    for param in SETTINGS:
        out[f"training.{param.name}"] = f"Train: {param.title.lower()}"
    for key in TrainingSpec.sections:
        title = key.replace("_", " ")
        out[f"training.{key}"] = f"Train: {title} settings"
    return out


#: Control id → what it is, in the checklist's words.
CONTROLS: dict[str, str] = _controls()

#: What ``expected.metric`` may name: test-split scores of a finished run.
METRICS = ("accuracy", "loss", "mae", "rmse", "r2")


class LessonSpec(Section):
    """The ``lesson`` section, parsed from its declarations (see the module)."""

    where = "lesson"
    params = (
        Param("title", "str", "", "The lesson's title (else the project's name)."),
        Param("summary", "str", "", "One line on what the lesson teaches."),
        Param("text", "str", "", "The explanation shown beside the project."),
        Param("result", "str", "", "The result it reaches, in words."),
        Param(
            "start_page",
            "choice",
            None,
            "The page the project opens on.",
            choices=PAGES,
            optional=True,
            none_label="as usual",
            choice_labels=tuple(PAGE_TITLES[p] for p in PAGES),
        ),
        Param("hidden", "texts", [], "Controls the class does not see."),
        Param("locked", "texts", [], "Controls shown but not editable."),
    )
    opaque = ("expected",)

    def _validate(self) -> None:
        for key in ("hidden", "locked"):
            for control in self._values[key]:
                if control not in CONTROLS:
                    self.add_problem(
                        key,
                        f'"{control}" is not a control this guinet knows, so it '
                        f"is not {'hidden' if key == 'hidden' else 'locked'}",
                    )

    @property
    def known_hidden(self) -> list[str]:
        return [c for c in self._values["hidden"] if c in CONTROLS]

    @property
    def known_locked(self) -> list[str]:
        return [c for c in self._values["locked"] if c in CONTROLS]

    @property
    def expected(self) -> dict[str, Any] | None:
        value = self._raw.get("expected")
        return dict(value) if isinstance(value, dict) else None

    @property
    def is_empty(self) -> bool:
        """Nothing to show and nothing restricted."""
        return not (self.text.strip() or self.hidden or self.locked or self.start_page)


@dataclass(frozen=True)
class ExampleInfo:
    """A bundled example as the gallery shows it.

    ``name`` is the file stem (``guinet train NAME``), ``title`` the lesson's
    title (else the project's name), ``summary`` its one line, ``text`` the
    lesson paragraph and ``result`` what it reaches; ``dataset`` is the
    built-in set's key (``"moons"``) or ``"csv"`` for a file.
    """

    name: str
    path: Path
    title: str
    summary: str
    text: str
    result: str
    dataset: str
    start_page: str | None = None


def read_example(path: Path) -> ExampleInfo:
    """The gallery's view of one example file; a file that cannot be read
    still gives a card (named after its file), never an exception."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raw = {}
    raw = raw if isinstance(raw, dict) else {}
    lesson = LessonSpec(
        raw.get("lesson") if isinstance(raw.get("lesson"), dict) else {}
    )
    name = raw.get("name")
    title = lesson.title.strip() or (
        name.strip() if isinstance(name, str) and name.strip() else path.stem
    )
    source = (
        (raw.get("data") or {}).get("source")
        if isinstance(raw.get("data"), dict)
        else None
    )
    dataset = ""
    if isinstance(source, dict):
        kind = source.get("kind")
        dataset = str(source.get("name", "")) if kind == "builtin" else str(kind or "")
    return ExampleInfo(
        name=path.stem,
        path=path,
        title=title,
        summary=lesson.summary.strip(),
        text=lesson.text.strip(),
        result=lesson.result.strip(),
        dataset=dataset,
        start_page=lesson.start_page,
    )


#: The gallery's order, first lesson first (other examples follow by name).
ORDER: tuple[str, ...] = (
    "xor",
    "circles",
    "moons_mlp",
    "spirals",
    "sine_regression",
    "iris_mlp",
    "breast_cancer",
    "wine",
    "pima_diabetes",
    "digits_mlp",
    "digits_cnn",
    "overfitting",
    "overfitting_fixed",
)


def examples() -> list[ExampleInfo]:
    """Every bundled example with its lesson, in gallery order
    (:data:`ORDER`, then the rest by file name)."""
    from guinet._resources import example_projects

    def rank(path: Path) -> tuple[int, str]:
        stem = path.stem
        return (ORDER.index(stem) if stem in ORDER else len(ORDER), stem)

    return [read_example(path) for path in sorted(example_projects(), key=rank)]
