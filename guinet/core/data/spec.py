"""The project's ``data`` section, parsed once: :class:`DataSpec`.

Every default, title and choice of the section is declared here, once; the
Data page builds its form from these declarations and the pipeline reads the
parsed values. Unknown keys are kept for the file. A bad value is a
:class:`~guinet.core.sections.Problem` (the project still opens);
:meth:`DataSpec.check` raises :class:`~guinet.core.data.errors.DataError`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from guinet.core.data.errors import DataError
from guinet.core.params import Param
from guinet.core.sections import Section

TASK = Param(
    "task",
    "choice",
    "auto",
    "What the target holds: classes (two, or more) or numbers. Auto decides "
    "from the target's values.",
    choices=("auto", "binary", "multiclass", "regression"),
    choice_labels=(
        "Detect from the target",
        "Binary classification",
        "Multi-class classification",
        "Regression",
    ),
    label="Task",
)
SCALING = Param(
    "scaling",
    "choice",
    "standard",
    "How the inputs are rescaled, fitted on the training rows only.",
    choices=("standard", "minmax", "none"),
    choice_labels=("Standardize (mean 0, std 1)", "Min–max to [0, 1]", "None"),
    label="Scaling",
)
MISSING = Param(
    "missing",
    "choice",
    "fill",
    "What to do with missing values (empty cells and the missing-value marks): "
    "fill them from the training rows (rows without a target are dropped), drop "
    "every row that has one, or stop and list them.",
    choices=("error", "drop", "fill"),
    choice_labels=(
        "Stop and report them",
        "Drop rows with missing values",
        "Fill (training mean / most frequent)",
    ),
    label="Missing values",
    advanced=True,
)
#: The texts the UCI files and many exports write for "no value". pandas
#: already reads empty cells, NA, N/A, n/a, null and NaN as missing in text
#: tables; these marks also apply to Excel and Parquet text and to "?" and "-".
MISSING_VALUES = Param(
    "missing_values",
    "texts",
    ("?", "NA", "n/a", "-"),
    "Cell texts that mean a value is missing, besides empty cells (the UCI "
    'files mark them with "?"); compared after trimming spaces.',
    label="Missing-value marks",
    advanced=True,
)

DATA_PARAMS: tuple[Param, ...] = (
    Param(
        "target",
        "column",
        -1,
        "The column to predict, by name or number (-1: the last column).",
        label="Target",
    ),
    Param(
        "features",
        "columns",
        None,
        "The input columns; empty means every column but the target, leaving "
        "out those that look like a row number, an ID or free text (the data "
        "report names them).",
        optional=True,
        none_label="all but the target",
        label="Features",
    ),
    TASK,
    SCALING,
    MISSING,
    MISSING_VALUES,
)

SPLIT_PARAMS: tuple[Param, ...] = (
    Param(
        "validation",
        "float",
        0.2,
        "Fraction of the rows held out to watch for overfitting while training.",
        minimum=0.0,
        maximum=1.0,
        exclusive_max=True,
        label="Validation %",
    ),
    Param(
        "test",
        "float",
        0.2,
        "Fraction of the rows kept apart to score the finished model.",
        minimum=0.0,
        maximum=1.0,
        exclusive_max=True,
        label="Test %",
    ),
    Param(
        "stratify",
        "bool",
        True,
        "Keep class proportions in every split.",
        label="Stratify",
    ),
    Param(
        "seed",
        "int",
        0,
        "Seed of the shuffle that splits the rows.",
        minimum=0,
        maximum=2**31 - 1,
        label="Seed",
    ),
)

#: A new project's data: the classic two-moons toy set.
DEFAULT_SOURCE: dict[str, Any] = {"kind": "builtin", "name": "moons"}


class SplitSpec(Section):
    """``data.split``: the fractions held out for validation and test."""

    params = SPLIT_PARAMS
    where = "data.split"
    error = DataError

    validation: float
    test: float
    stratify: bool
    seed: int

    def _validate(self) -> None:
        if self.validation + self.test >= 1.0:
            self.add_problem(
                "test",
                f"the validation ({self.validation:g}) and test ({self.test:g}) "
                "fractions add up to 1 or more, which leaves no rows for training",
            )


class DataSpec(Section):
    """The ``data`` section: source, columns, task, scaling and split."""

    params = DATA_PARAMS
    sections = {"split": SplitSpec}  # noqa: RUF012
    where = "data"
    error = DataError
    opaque = ("source", "validation_source", "test_source")

    #: A column; also a list of columns (several targets, or one-hot ones) or
    #: ``None`` (none chosen), which the pipeline handles with its own words.
    target: str | int | list[str | int] | None
    features: list[str | int] | None
    task: str
    scaling: str
    missing: str
    missing_values: list[str] | tuple[str, ...]
    split: SplitSpec

    def _validate(self) -> None:
        if "scaling" in self._raw and self._raw["scaling"] is None:
            # early files wrote null for no scaling
            self._problems[:] = [p for p in self._problems if p.where != "data.scaling"]
            self._values["scaling"] = "none"
        if "target" in self._raw:
            target = self._raw["target"]
            several = isinstance(target, list) and all(
                isinstance(t, str) or (isinstance(t, int) and not isinstance(t, bool))
                for t in target
            )
            if target is None or several:
                # the pipeline says "choose the target" naming the columns
                self._problems[:] = [
                    p for p in self._problems if p.where != "data.target"
                ]
                self._values["target"] = copy.deepcopy(target)
        source = self._raw.get("source")
        if source is not None and not isinstance(source, Mapping):
            self.add_problem("source", 'source must be an object with a "kind"')
        for key in ("validation_source", "test_source"):
            other = self._raw.get(key)
            if other is not None and not isinstance(other, Mapping):
                self.add_problem(key, f"{key} must be an object or null")

    @property
    def source(self) -> dict[str, Any] | None:
        """The main source as the file has it (``None``: none chosen yet)."""
        value = self._raw.get("source")
        return dict(value) if isinstance(value, Mapping) else None

    @property
    def validation_source(self) -> dict[str, Any] | None:
        value = self._raw.get("validation_source")
        return dict(value) if isinstance(value, Mapping) and value else None

    @property
    def test_source(self) -> dict[str, Any] | None:
        value = self._raw.get("test_source")
        return dict(value) if isinstance(value, Mapping) and value else None

    @property
    def has_source(self) -> bool:
        return bool(self.source)

    @classmethod
    def new(cls) -> DataSpec:
        """What the Data page starts a project with: every default, spelled out."""
        from guinet.core.data.builtin import BUILTIN_DATASETS

        source = dict(DEFAULT_SOURCE)
        dataset = BUILTIN_DATASETS[source["name"]]
        source.update({p.name: p.default for p in dataset.params})
        return cls({"source": source, **cls.defaults()})
