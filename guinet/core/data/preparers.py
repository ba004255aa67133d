"""From raw data to numbers: columns, missing values and fill for each source shape.

:class:`TablePrep` finishes a :class:`Table` (choose columns, type them, refuse
infinite values, apply the missing-value policy, fit the encoder on the
training rows); :class:`ArrayPrep` does the same for an :class:`ArraySet`.
Both answer the questions :func:`guinet.core.data.pipeline.prepare` asks, so
the splitting and scaling code is shared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from guinet.core.data.columns import (
    TableEncoder,
    category_texts,
    choose_columns,
    numbers_of,
    resolve_column,
)
from guinet.core.data.errors import DataError, raise_problems
from guinet.core.data.result import MissingReport
from guinet.core.data.screening import (
    TEXT,
    ColumnRead,
    identifier_reason,
    read_column,
    stray_text_message,
)
from guinet.core.data.sources import ArraySet, Table
from guinet.core.data.spec import MISSING, MISSING_VALUES

if TYPE_CHECKING:
    import pandas as pd

F32_MAX = float(np.finfo(np.float32).max)


@dataclass(frozen=True)
class Choice:
    """The parts of the data section the preparers need."""

    target: Any
    features: Any
    missing: str
    missing_values: tuple[str, ...] = tuple(MISSING_VALUES.default)


def missing_message(name: str, found: dict[str, int]) -> str:
    """Missing values under "stop and report": said in the menu's own words."""
    items = list(found.items())
    listed = ", ".join(f"{c} ({n:,})" for c, n in items[:5])
    more = f" and {len(items) - 5} more columns" if len(items) > 5 else ""
    drop, fill = MISSING.choice_label("drop"), MISSING.choice_label("fill")
    return (
        f"{name} has missing values in {listed}{more}; fill them in, or set "
        f"{MISSING.title} to “{drop}” or “{fill}”."
    )


class TablePrep:
    """A table on its way to numbers; every check runs in ``__init__``.

    ``kinds`` (the training table's column kinds) marks a separate
    validation/test table, whose columns must hold the same kinds of values.
    Every problem found in the table is raised at once, in one
    :class:`DataError`. With the default features (every column but the
    target) a column that looks like a row number, an ID or free text is
    left out, in :attr:`left_out` with the reason.
    """

    def __init__(
        self,
        table: Table,
        choice: Choice,
        missing: MissingReport,
        kinds: dict[str, str] | None = None,
        *,
        predicting: bool = False,
    ) -> None:
        self.table = table
        self.choice = choice
        self.name = table.name
        #: rows to predict: no target, and every row kept (see :func:`rows_to_predict`)
        self.predicting = predicting
        self.target_cols: list[str]
        if predicting:
            self.target_cols, chosen = [], list(choice.features)
        else:
            self.target_cols, chosen = choose_columns(
                table, choice.target, choice.features
            )
        self.left_out: dict[str, str] = {}
        self.marked: dict[str, int] = {}
        self.marks: set[str] = set()
        self.numbers_in_text: dict[str, int] = {}
        problems: list[str] = []
        self.kinds = self._read_features(chosen, kinds is None, problems)
        self.feature_cols = [c for c in chosen if c in self.kinds]
        self.target_kinds: dict[str, str] = {}
        for column in self.target_cols:
            read = self._read(column)
            if read.kind == "mixed":
                problems.append(stray_text_message(table, column, read))
            else:
                self.target_kinds[column] = read.kind
        if not chosen or (not self.feature_cols and not problems):
            raise DataError(self._no_features_message())
        if kinds is not None:
            problems.extend(self._match_kinds(kinds))
        self.clean = self._clean_numbers()
        problems.extend(self._huge_values())
        self.frame = self._apply_missing(missing, problems)
        raise_problems(self.name, problems)
        self.encoder: TableEncoder | None = None
        self.filled: dict[str, int] = {}

    # -- checks -----------------------------------------------------------------
    def _read(self, column: str) -> ColumnRead:
        read = read_column(self.table, column, self.choice.missing_values)
        if read.marked:
            self.marked[column] = read.marked
            self.marks.update(read.marks)
        return read

    def _read_features(
        self, chosen: list[str], training: bool, problems: list[str]
    ) -> dict[str, str]:
        """Kinds of the usable feature columns; IDs left out (by default) or
        refused (when chosen), numbers with stray text refused."""
        kinds: dict[str, str] = {}
        chosen_by_hand = self.choice.features is not None
        for column in chosen:
            read = self._read(column)
            reason = identifier_reason(self.table, column, read) if training else None
            if reason is not None and not chosen_by_hand:
                self.left_out[column] = reason
            elif reason is not None and read.kind in (TEXT, "mixed"):
                what = "text" if read.kind == TEXT else "numbers and text"
                problems.append(
                    f"Column {column!r} of {self.name} holds {what} with "
                    f"{read.distinct:,} different values in {read.present:,} rows, "
                    "so it looks like a name or an ID rather than a category; "
                    "leave it out of the features."
                )
            elif read.kind == "mixed":
                problems.append(stray_text_message(self.table, column, read))
            else:
                kinds[column] = read.kind
                if read.kind == TEXT and read.numbers:
                    self.numbers_in_text[column] = read.numbers
        return kinds

    def _no_features_message(self) -> str:
        if not self.left_out:
            return f"{self.name} has no columns left to use as features."
        reasons = "; ".join(f"{c!r}: {r}" for c, r in self.left_out.items())
        return (
            f"{self.name} has no columns left to use as features: every column "
            f"but the target looks like a row number, an ID or free text ({reasons})."
        )

    def _match_kinds(self, kinds: dict[str, str]) -> list[str]:
        problems = []
        for column, kind in self.kinds.items():
            if self.table.frame[column].isna().all():
                continue  # no value at all: nothing to disagree with
            expected = kinds.get(column, kind)
            if {kind, expected} != {kind} and {kind, expected} != {"number", "bool"}:
                problems.append(
                    f"Column {column!r} holds {_words(kind)} values in {self.name} "
                    f"but {_words(expected)} values in the training data."
                )
        return problems

    def _clean_numbers(self) -> set[str]:
        """Number columns with no missing, infinite or too large value.

        Two allocation-free passes per float column (min and max carry any
        NaN through), so the later checks can skip the common, clean case.
        """
        frame = self.table.frame
        clean = set()
        for column, kind in {**self.kinds, **self.target_kinds}.items():
            dtype = frame[column].dtype
            if kind == "number" and isinstance(dtype, np.dtype):
                if dtype.kind in "iu":
                    clean.add(column)
                elif dtype.kind == "f":
                    values = frame[column].to_numpy()
                    if (
                        len(values)
                        and values.min() >= -F32_MAX
                        and values.max() <= F32_MAX
                    ):
                        clean.add(column)
        return clean

    def _huge_values(self) -> list[str]:
        frame = self.table.frame
        kinds = {**self.kinds, **self.target_kinds}
        problems = []
        for column, kind in kinds.items():
            if (
                kind != "number"
                or column in self.clean
                or frame[column].dtype.kind != "f"
            ):
                continue
            values = frame[column].to_numpy()
            if not len(values):
                continue
            # fmin/fmax skip NaN and allocate nothing: two cheap passes
            low, high = np.fmin.reduce(values), np.fmax.reduce(values)
            if low < -F32_MAX or high > F32_MAX:
                bad = np.abs(values) > F32_MAX
                row = int(np.argmax(bad))
                what = (
                    "an infinite value"
                    if np.isinf(values[row])
                    else f"the value {values[row]:g}, too large for the network,"
                )
                problems.append(
                    f"Column {column!r} of {self.name} has {what} in "
                    f"{self.table.where(row)}; replace it with an ordinary number."
                )
        return problems

    def _apply_missing(self, report: MissingReport, problems: list[str]) -> Any:
        frame = self.table.frame
        used = self.feature_cols + [
            c for c in self.target_kinds if c not in self.feature_cols
        ]
        found: dict[str, int] = {}
        for column in used:
            series = frame[column]
            if column in self.clean or series.dtype.kind in "iub":
                continue  # nothing missing here
            count = int(series.isna().sum())
            if count:
                found[column] = count
        for column, count in found.items():
            report.found[column] = report.found.get(column, 0) + count
        if not found:
            return frame
        policy = self.choice.missing
        if self.predicting and policy != "fill":
            listed = ", ".join(f"{c} ({n:,})" for c, n in found.items())
            problems.append(
                f"{self.name} has missing values in {listed}; the model was trained "
                f"with “{MISSING.choice_label(policy)}”, so it has no value to fill "
                "them with: fill them in to predict those rows."
            )
            return frame
        if policy == "error":
            problems.append(missing_message(self.name, found))
            return frame
        check = used if policy == "drop" else list(self.target_kinds)
        gaps = frame[check].isna().any(axis=1).to_numpy()
        if gaps.all():
            problems.append(
                f"Every row of {self.name} has a missing value, so no row "
                "is left to learn from."
            )
            return frame
        if gaps.any():
            report.rows_dropped += int(gaps.sum())
            frame = frame[~gaps].reset_index(drop=True)
        return frame

    # -- answers -----------------------------------------------------------------
    @property
    def n(self) -> int:
        return len(self.frame)

    @property
    def target_label(self) -> str:
        return ", ".join(repr(c) for c in self.target_cols)

    @property
    def feature_names(self) -> list[str]:
        if self.encoder is None:
            return list(self.feature_cols)
        return self.encoder.feature_names

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (len(self.feature_names),)

    def target_values(self, frame: pd.DataFrame | None = None) -> np.ndarray:
        frame = self.frame if frame is None else frame
        if len(self.target_cols) > 1:
            kinds = self.target_kinds
            text = [c for c in self.target_cols if kinds[c] == "category"]
            if text:
                raise DataError(
                    f"Target column {text[0]!r} holds text; only a single "
                    "target column can hold class labels."
                )
            return np.column_stack(
                [numbers_of(frame[c], kinds[c]) for c in self.target_cols]
            )
        column = self.target_cols[0]
        kind = self.target_kinds[column]
        if kind == "category":
            return category_texts(frame[column]).to_numpy(dtype=object)
        if kind == "bool":
            return numbers_of(frame[column], kind) > 0.5
        return frame[column].to_numpy()

    def fit(self, train: np.ndarray) -> None:
        fill = self.choice.missing == "fill"
        self.encoder = TableEncoder.fit(self.frame, self.kinds, train, fill)
        self.encoder.missing = self.choice.missing
        self.encoder.marks = tuple(self.choice.missing_values)

    def source(self) -> list[np.ndarray] | np.ndarray:
        """The encoded features (or their columns) to copy split rows from."""
        assert self.encoder is not None
        if self.choice.missing == "fill":
            for column in self.feature_cols:
                count = int(self.frame[column].isna().sum())
                if count:
                    self.filled[column] = count
        return self.encoder.source(self.frame)

    @property
    def fill(self) -> None:
        return None

    @property
    def keep(self) -> np.ndarray | None:
        return self.encoder.one_hot if self.encoder is not None else None

    def external(
        self, raw: Table | ArraySet, report: MissingReport
    ) -> tuple[np.ndarray, np.ndarray, list[str] | None]:
        """(features, raw target values, class names) of a separate source."""
        if not isinstance(raw, Table):
            raise DataError(f"{raw.name} must be a table like the training file.")
        choice = Choice(
            self.target_cols,
            self.feature_cols,
            self.choice.missing,
            self.choice.missing_values,
        )
        other = TablePrep(raw, choice, report, kinds=self.kinds)
        assert self.encoder is not None
        return self.encoder.transform(other.frame), other.target_values(), None


def rows_to_predict(table: Table, encoder: TableEncoder) -> np.ndarray:
    """The feature rows of ``table`` encoded exactly as the training rows were.

    Columns are found by name (as for a separate test file; their order in
    ``table`` does not matter) and every other column, the target among
    them, is ignored. They are read with the training's missing-value marks,
    must hold the training's kinds of values, and are filled and one-hot
    encoded by ``encoder`` (a category never seen in training encodes as all
    zeros and is counted in ``encoder.unseen``). Every row is kept, one
    prediction each. Unscaled: the caller applies the training scaler.
    Raises :class:`DataError` naming every missing feature column at once.
    """
    columns = [str(c) for c in table.frame.columns]
    found: dict[str, str] = {}
    absent: list[str] = []
    for plan in encoder.columns:
        try:
            found[plan.name] = resolve_column(plan.name, columns, table.name, "x")
        except DataError:
            absent.append(plan.name)
    if absent:
        names = ", ".join(repr(name) for name in absent)
        raise DataError(
            f"{table.name} lacks {len(absent)} of the {len(encoder.columns)} "
            f"feature column(s) the model was trained on: {names}."
        )
    if len(table.frame) == 0:
        raise DataError(f"{table.name} has no rows to predict.")
    frame = table.frame[list(found.values())].copy()  # the caller's rows stay as read
    frame.columns = list(found)
    rows = Table(frame=frame, name=table.name, first_line=table.first_line)
    choice = Choice((), list(found), encoder.missing, encoder.marks)
    prep = TablePrep(
        rows,
        choice,
        MissingReport(policy=encoder.missing),
        kinds=encoder.kinds,
        predicting=True,
    )
    return encoder.transform(prep.frame)


def array_rows_to_predict(table: Table, names: list[str]) -> np.ndarray:
    """The rows of ``table`` as inputs of a model trained on arrays with one
    feature per column (a built-in dataset such as iris or moons, an .npz of
    rows): the columns ``names`` (the Data page's feature names), found by
    name as for a table, every other column ignored. Unscaled: the caller
    applies the training scaler. Raises :class:`DataError` naming every
    missing column at once, a column that does not hold numbers, or a gap
    (arrays have no fill values kept for new rows).
    """
    columns = [str(c) for c in table.frame.columns]
    found: dict[str, str] = {}
    absent: list[str] = []
    for name in names:
        try:
            found[name] = resolve_column(name, columns, table.name, "x")
        except DataError:
            absent.append(name)
    if absent:
        listed = ", ".join(repr(name) for name in absent)
        raise DataError(
            f"{table.name} lacks {len(absent)} of the {len(names)} feature "
            f"column(s) the model was trained on: {listed}."
        )
    if len(table.frame) == 0:
        raise DataError(f"{table.name} has no rows to predict.")
    import pandas as pd

    x = np.empty((len(table.frame), len(names)), np.float32)
    problems = []
    for i, name in enumerate(names):
        series = table.frame[found[name]]
        if pd.api.types.is_bool_dtype(series.dtype):
            values = series.to_numpy(np.float64)
        elif pd.api.types.is_numeric_dtype(series.dtype):
            values = series.to_numpy(np.float64, na_value=np.nan)
        else:
            texts = series.astype(object).where(series.isna(), series.astype(str))
            texts = texts.str.strip().replace("", None)
            numbers = pd.to_numeric(texts, errors="coerce")
            text = numbers.isna() & texts.notna()
            if text.any():
                row = int(np.argmax(text.to_numpy()))
                problems.append(
                    f"Column {found[name]!r} of {table.name} holds text "
                    f"({texts.iloc[row]!r} in {table.where(row)}); the model was "
                    "trained on numbers there."
                )
                continue
            values = numbers.to_numpy(np.float64, na_value=np.nan)
        gaps = np.isnan(values)
        if gaps.any():
            problems.append(
                f"Column {found[name]!r} of {table.name} has {int(gaps.sum()):,} "
                f"missing value(s), first in {table.where(int(np.argmax(gaps)))}; "
                "fill them in to predict those rows."
            )
            continue
        x[:, i] = values
    raise_problems(table.name, problems)
    return x


class ArrayPrep:
    """Arrays on their way to a network: feature choice, finiteness, gaps."""

    def __init__(self, data: ArraySet, choice: Choice, missing: MissingReport) -> None:
        self.data = data
        self.choice = choice
        self.name = data.name
        x = data.x
        if choice.features is not None and x.ndim == 2:
            specs = (
                choice.features
                if isinstance(choice.features, list)
                else [choice.features]
            )
            picks = [
                resolve_column(s, data.feature_names, data.name, "feature")
                for s in specs
            ]
            index = [data.feature_names.index(p) for p in picks]
            x = x[:, index]
            self.names = picks
        else:
            self.names = list(data.feature_names)
        self.x, self.y = self._apply_missing(x, data.y, missing)
        self.means: np.ndarray | None = None
        self.filled: dict[str, int] = {}

    def _apply_missing(
        self, x: np.ndarray, y: np.ndarray, report: MissingReport
    ) -> tuple[np.ndarray, np.ndarray]:
        n = len(x)
        flat = x.reshape(n, -1)
        if x.dtype.kind == "f":
            bad = np.abs(flat) > F32_MAX
            if bad.any():
                row = int(np.flatnonzero(bad.any(axis=1))[0])
                raise DataError(
                    f"The inputs in {self.name} have an infinite or too "
                    f"large value in sample {row + 1}."
                )
        x_gaps = np.isnan(flat) if x.dtype.kind == "f" else None
        y_gaps = (
            np.isnan(y.reshape(n, -1)).any(axis=1)
            if y.dtype.kind == "f"
            else np.zeros(n, bool)
        )
        found: dict[str, int] = {}
        if x_gaps is not None and x_gaps.any():
            if x.ndim == 2:
                counts = x_gaps.sum(axis=0)
                found = {
                    self.names[i] if i < len(self.names) else f"x{i}": int(c)
                    for i, c in enumerate(counts)
                    if c
                }
            else:
                found = {"inputs": int(x_gaps.sum())}
        if y_gaps.any():
            found["target"] = int(y_gaps.sum())
        for column, count in found.items():
            report.found[column] = report.found.get(column, 0) + count
        if not found:
            return x, y
        policy = self.choice.missing
        if policy == "error":
            raise DataError(missing_message(self.name, found))
        rows = y_gaps.copy()
        if policy == "drop" and x_gaps is not None:
            rows |= x_gaps.any(axis=1)
        if rows.all():
            raise DataError(
                f"Every sample in {self.name} has a missing value, so none "
                "is left to learn from."
            )
        report.rows_dropped += int(rows.sum())
        return x[~rows], y[~rows]

    @property
    def n(self) -> int:
        return len(self.x)

    @property
    def target_label(self) -> str:
        return repr(self.data.target_names[0]) if self.data.target_names else "y"

    @property
    def feature_names(self) -> list[str]:
        return self.names

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(int(s) for s in self.x.shape[1:])

    @property
    def keep(self) -> None:
        return None

    def target_values(self) -> np.ndarray:
        return self.y

    def fit(self, train: np.ndarray) -> None:
        """Training means per input position, when gaps are to be filled."""
        if self.choice.missing != "fill" or self.x.dtype.kind != "f":
            return
        if not np.isnan(self.x).any():
            return
        rows = self.x[train].astype(np.float64)
        present = ~np.isnan(rows)
        sums = np.where(present, rows, 0.0).sum(axis=0)
        counts = present.sum(axis=0)
        self.means = np.where(counts > 0, sums / np.maximum(counts, 1), 0.0).astype(
            np.float32
        )

    def source(self) -> np.ndarray:
        if self.means is not None:
            gaps = int(np.isnan(self.x).sum())
            if gaps:
                self.filled["inputs"] = gaps
        return self.x

    @property
    def fill(self) -> np.ndarray | None:
        return self.means

    def external(
        self, raw: Table | ArraySet, report: MissingReport
    ) -> tuple[np.ndarray, np.ndarray, list[str] | None]:
        if not isinstance(raw, ArraySet):
            raise DataError(
                f"{raw.name} must hold the same kind of data as the training source."
            )
        choice = Choice(None, self.choice.features, self.choice.missing)
        other = ArrayPrep(raw, choice, report)
        if other.input_shape != self.input_shape:
            raise DataError(
                f"The samples in {raw.name} have shape {other.input_shape} "
                f"but the training samples have {self.input_shape}."
            )
        x = other.x.astype(np.float32, copy=True)
        if self.means is not None:
            gaps = np.isnan(x)
            x[gaps] = np.broadcast_to(self.means, x.shape)[gaps]
        return x, other.y, raw.class_names


def _words(kind: str) -> str:
    return {"category": "text", "bool": "yes/no"}.get(kind, kind)


def describe(raw: Table | ArraySet) -> str:
    if isinstance(raw, Table):
        rows, cols = raw.frame.shape
        return f"{raw.name}: {rows:,} rows × {cols:,} columns"
    shape = "×".join(str(s) for s in raw.x.shape[1:])
    return f"{raw.name}: {len(raw.x):,} samples of shape {shape}"
