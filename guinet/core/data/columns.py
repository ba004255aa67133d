"""Columns of a table: choosing them, typing them, and encoding them as numbers.

A column is a number column, a yes/no column, or a category column (text,
one-hot encoded); :mod:`guinet.core.data.screening` tells which, and says
which columns are IDs rather than features.
:class:`TableEncoder` is fitted on the training rows and then turns any table
with the same columns into a float32 matrix, so separate validation/test
files and later predictions are encoded exactly like the training data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from guinet.core.data.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

    from guinet.core.data.sources import Table


def column_list(names: Sequence[str], limit: int = 20) -> str:
    shown = ", ".join(str(n) for n in names[:limit])
    more = len(names) - limit
    return f"{shown}, … ({len(names):,} in all)" if more > 0 else shown


def resolve_column(spec: Any, columns: Sequence[str], name: str, role: str) -> str:
    """A column named by header text or 0-based index (negative from the end)."""
    if isinstance(spec, bool) or not isinstance(spec, (int, str)):
        raise DataError(
            f"The {role} must be a column name or a column number, not {spec!r}."
        )
    if isinstance(spec, int):
        if -len(columns) <= spec < len(columns):
            return columns[spec]
        raise DataError(
            f"There is no column number {spec} in {name}: it has {len(columns)} "
            f"columns, numbered 0 to {len(columns) - 1} (or -1 for the last)."
        )
    if spec in columns:
        return spec
    stripped = [c for c in columns if str(c).strip().lower() == spec.strip().lower()]
    if len(stripped) == 1:
        return stripped[0]
    raise DataError(
        f"There is no {role} column {spec!r} in {name}; the columns are: "
        f"{column_list(list(columns))}."
    )


def choose_columns(
    table: Table, target: Any, features: Any
) -> tuple[list[str], list[str]]:
    """(target columns, feature columns) of ``table`` from the project's choice."""
    columns = [str(c) for c in table.frame.columns]
    if target is None or target == []:
        raise DataError(
            f"Choose the target column (the one to predict) of {table.name}; the "
            f"columns are: {column_list(columns)}."
        )
    specs = target if isinstance(target, list) else [target]
    targets = _distinct(
        [resolve_column(s, columns, table.name, "target") for s in specs]
    )
    if features is None:
        chosen = [c for c in columns if c not in targets]
    else:
        if not isinstance(features, list):
            features = [features]
        chosen = _distinct(
            [resolve_column(s, columns, table.name, "feature") for s in features]
        )
        both = [c for c in chosen if c in targets]
        if both:
            raise DataError(
                f"Column {both[0]!r} is both the target and a feature; "
                "a model must not see the answer."
            )
    if not chosen:
        raise DataError(f"{table.name} has no columns left to use as features.")
    return targets, chosen


def _distinct(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


def category_texts(series: pd.Series) -> pd.Series:
    """Category values as stripped text, missing values kept missing."""
    present = series.notna()
    return (
        series.astype(object)
        .where(~present, series.astype(str).str.strip())
        .where(present)
    )


@dataclass
class ColumnPlan:
    """How one feature column becomes numbers: itself, or one-hot columns."""

    name: str
    kind: str
    categories: list[str] = field(default_factory=list)
    fill: Any = None

    @property
    def width(self) -> int:
        return len(self.categories) if self.kind == "category" else 1


@dataclass
class TableEncoder:
    """Feature columns → float32 matrix, with the choices fitted on training rows.

    Numbers pass through; yes/no columns become 0/1; category columns become
    one 0/1 column per category seen in the training rows (a category never
    seen there encodes as all zeros). ``fill`` values (training mean or most
    frequent category) replace missing cells when the missing policy is fill.
    ``missing`` (the policy) and ``marks`` (the missing-value marks) are the
    training's, so new rows to predict are read the same way.
    """

    columns: list[ColumnPlan]
    unseen: dict[str, int] = field(default_factory=dict)
    missing: str = "fill"
    marks: tuple[str, ...] = ()

    @property
    def kinds(self) -> dict[str, str]:
        """Each feature column's kind of values in the training rows."""
        return {plan.name: plan.kind for plan in self.columns}

    @property
    def feature_names(self) -> list[str]:
        names: list[str] = []
        for plan in self.columns:
            if plan.kind == "category":
                names.extend(f"{plan.name}={c}" for c in plan.categories)
            else:
                names.append(plan.name)
        return names

    @property
    def one_hot(self) -> np.ndarray:
        """True for each output column that comes from a one-hot encoding."""
        return np.array(
            [
                plan.kind == "category"
                for plan in self.columns
                for _ in range(plan.width)
            ],
            dtype=bool,
        )

    @property
    def encodings(self) -> dict[str, list[str]]:
        return {
            p.name: list(p.categories) for p in self.columns if p.kind == "category"
        }

    @classmethod
    def fit(
        cls, frame: pd.DataFrame, kinds: dict[str, str], train: np.ndarray, fill: bool
    ) -> TableEncoder:
        plans = []
        for name, kind in kinds.items():
            plan = ColumnPlan(name, kind)
            if kind != "category" and not fill:
                plans.append(plan)
                continue
            rows = frame[name].iloc[train]
            if kind == "category":
                texts = category_texts(rows).dropna()
                counts = texts.value_counts()
                plan.categories = sorted(str(c) for c in counts.index)
                if fill and len(counts):
                    plan.fill = str(counts.index[0])
            elif fill:
                values = numbers_of(rows, kind)
                mean = float(np.nanmean(values)) if np.isfinite(values).any() else 0.0
                plan.fill = mean
            plans.append(plan)
        return cls(plans)

    def source(self, frame: pd.DataFrame) -> list[np.ndarray] | np.ndarray:
        """What :func:`~guinet.core.data.assemble.assemble` copies rows from.

        Number columns are handed over as they are (no copy; a column with
        gaps to fill as a filled float32 copy of itself); a table with columns
        to encode is first turned into one float32 matrix.
        """
        if any(p.kind != "number" for p in self.columns):
            return self.transform(frame)
        columns = []
        for plan in self.columns:
            values = frame[plan.name].to_numpy()
            if plan.fill is not None and values.dtype.kind == "f":
                gaps = np.isnan(values)
                if gaps.any():
                    values = np.where(gaps, plan.fill, values).astype(np.float32)
            columns.append(values)
        return columns

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """Every row of ``frame`` as a float32 matrix (missing stays NaN unless
        filled)."""
        missing = [p.name for p in self.columns if p.name not in frame.columns]
        if missing:
            raise DataError(
                f"The table has no column {missing[0]!r}, which the training data has."
            )
        out = np.empty((len(frame), sum(p.width for p in self.columns)), np.float32)
        self.unseen = {}
        at = 0
        for plan in self.columns:
            series = frame[plan.name]
            if plan.kind == "category":
                texts = category_texts(series)
                if plan.fill is not None:
                    texts = texts.fillna(plan.fill)
                codes = _codes(texts, plan.categories)
                block = out[:, at : at + plan.width]
                block[:] = 0.0
                known = codes >= 0
                block[np.flatnonzero(known), codes[known]] = 1.0
                unseen = int((~known & texts.notna().to_numpy()).sum())
                if unseen:
                    self.unseen[plan.name] = unseen
            else:
                values = numbers_of(series, plan.kind)
                if plan.fill is not None:
                    values = np.where(np.isnan(values), plan.fill, values)
                out[:, at] = values
            at += plan.width
        return out


def numbers_of(series: pd.Series, kind: str) -> np.ndarray:
    """A number or yes/no column as float64, missing cells as NaN."""
    if kind == "bool" and series.dtype != bool:
        lowered = series.astype(object).where(
            series.isna(), series.astype(str).str.lower()
        )
        series = lowered.map({"true": 1.0, "false": 0.0})
    return series.to_numpy(np.float64, na_value=np.nan)


def _codes(texts: pd.Series, categories: list[str]) -> np.ndarray:
    """Index of each text in ``categories``; -1 for missing or unseen texts."""
    import pandas as pd

    index = pd.Index(categories, dtype=object)
    return np.asarray(index.get_indexer(texts.astype(object)), dtype=np.int64)
