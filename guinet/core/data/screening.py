"""A first look at each column: what it holds, and whether a network can use it.

:func:`read_column` types one column (number, yes/no, text, or numbers with
stray text) after turning the missing-value marks ("?", "NA", "-" …) and
blank cells into real gaps, and converts numbers stored as text in place.
:func:`identifier_reason` says why a column looks like a row number, an ID
or free text — unique per row, so a network can only memorise it — and such
columns are left out of the default features with a report line. Problems
are returned as sentences, not raised, so a file's problems are all told at
once (:func:`~guinet.core.data.errors.raise_problems`).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from guinet.core.data.sources import Table

MAX_CATEGORIES = 50  # more distinct texts than this may be an ID column…
ID_SHARE = 0.5  # …when they are also more than half the rows
UNIQUE_ROWS = 20  # a text unique in every row of at least this many rows: an ID
MIN_ID_TEXTS = 10  # numbers with at least this many (mostly distinct) texts: an ID
#: Names of ID columns: "id", "user_id", "PassengerId", "Unnamed: 0", "index".
ID_NAME = re.compile(
    r"(?i:(?:^|[\s_.\-])(?:id|uuid|key))$|[a-z0-9]I[dD]$|"
    r"(?i:^(?:index|row|row[\s_]?(?:id|no|num|number)|unnamed:\s*\d+)$)"
)
#: Names a row-number column goes by ("No" in the UCI files, "#").
ROW_NAME = re.compile(r"(?i:^(?:no|nr|num|number|#)\.?$)")
TEXT = "category"  # the kind a text column is encoded as


@dataclass
class ColumnRead:
    """What one column holds, as read.

    ``kind`` is ``"number"``, ``"bool"``, ``"category"`` (text, one-hot
    encoded) or ``"mixed"`` (mostly numbers with some text, which cannot be
    used as it is). ``marked`` counts cells that became missing because they
    held a missing-value mark (``marks``: those found); ``numbers`` counts the
    values of a text column that read as numbers. For a mixed column,
    ``texts`` counts its text values, ``distinct_texts`` their variety, and
    ``first_text``/``first_row``/``common_text`` say where and what they are.
    """

    kind: str
    present: int = 0
    distinct: int = 0
    marked: int = 0
    marks: tuple[str, ...] = ()
    numbers: int = 0
    texts: int = 0
    distinct_texts: int = 0
    first_row: int = 0
    first_text: str = ""
    common_text: str = ""


def read_column(table: Table, column: str, marks: Collection[str]) -> ColumnRead:
    """Type ``column`` of ``table``, replacing marks and blanks by gaps in place."""
    import pandas as pd

    frame = table.frame
    series = frame[column]
    if pd.api.types.is_bool_dtype(series.dtype):
        return ColumnRead("bool")
    if pd.api.types.is_numeric_dtype(series.dtype):
        return ColumnRead("number")
    present = np.array(series.notna().to_numpy(), dtype=bool)  # a writable copy
    values = series[present].astype(str).str.strip()
    gaps = (values == "") | values.isin(list(marks))
    marked = 0
    found: tuple[str, ...] = ()
    if gaps.any():
        hits = values[gaps.to_numpy()]
        found = tuple(sorted(set(hits) - {""}))
        marked = int((hits != "").sum())
        rows = np.flatnonzero(present)[gaps.to_numpy()]
        series = series.copy()
        series.iloc[rows] = np.nan
        frame[column] = series
        present[rows] = False
        values = values[~gaps.to_numpy()]
    numbers = pd.to_numeric(values, errors="coerce")
    text = numbers.isna().to_numpy()
    if not text.any():
        converted = np.full(len(series), np.nan)
        converted[present] = numbers.to_numpy(dtype=np.float64, na_value=np.nan)
        frame[column] = converted
        return ColumnRead("number", len(values), marked=marked, marks=found)
    read = ColumnRead(
        TEXT,
        len(values),
        marked=marked,
        marks=found,
        numbers=int((~text).sum()),
    )
    if read.numbers >= 0.5 * len(values):
        read.kind = "mixed"
        texts = values[text]
        counts = texts.value_counts()
        read.texts, read.distinct_texts = len(texts), len(counts)
        read.first_row = int(np.flatnonzero(present)[np.argmax(text)])
        read.first_text, read.common_text = str(texts.iloc[0]), str(counts.index[0])
        read.distinct = int(values.nunique())
        return read
    distinct = set(values.unique())
    read.distinct = len(distinct)
    if distinct <= {"True", "False", "true", "false"} and len(distinct) == 2:
        read.kind = "bool"
    return read


def identifier_reason(table: Table, column: str, read: ColumnRead) -> str | None:
    """Why ``column`` looks like a row number, an ID or free text (else ``None``).

    Text (or numbers mixed with many different texts) is an ID when it has a
    different value in more than half the rows and more values than a
    category plausibly has, or a different value in every row of a table of
    :data:`UNIQUE_ROWS` rows or more. A number column needs an ID's name
    ("id", "PassengerId", "index", "No" …) to be judged at all, since a
    unique number per row may be a real feature (a year, a price): it is then
    a row number when it counts 0 or 1, 2, 3 … down the rows, and an ID (for
    an ID's name) when no whole number repeats.
    """
    if read.kind in (TEXT, "mixed"):
        present, distinct = read.present, read.distinct
        if read.kind == "mixed" and (
            read.texts < MIN_ID_TEXTS or read.distinct_texts <= ID_SHARE * read.texts
        ):
            return None  # a number column with a few stray texts: a typo
        many = distinct > MAX_CATEGORIES and distinct > ID_SHARE * present
        unique = distinct == present >= UNIQUE_ROWS
        if many or unique:
            return f"{distinct:,} different values in {present:,} rows"
        return None
    if read.kind != "number":
        return None
    named_id = ID_NAME.search(column) is not None
    if not named_id and not ROW_NAME.search(column):
        return None  # a unique whole number per row may well be a feature
    values = table.frame[column].to_numpy()
    if values.dtype.kind not in "iuf" or len(values) < UNIQUE_ROWS:
        return None
    if values.dtype.kind == "f" and not (
        np.isfinite(values).all() and (values == np.round(values)).all()
    ):
        return None
    low, high = values.min(), values.max()
    in_order = low in (0, 1) and bool((np.diff(values) == 1).all())
    if in_order:
        return f"numbers the rows, {low:g} to {high:g}"
    if named_id and len(np.unique(values)) == len(values):
        return "a different whole number in every row"
    return None


def stray_text_message(table: Table, column: str, read: ColumnRead) -> str:
    """Words for a number column with text in it: where, and what to do."""
    first = f"{table.where(read.first_row)} has {read.first_text!r}"
    if read.texts == 1:
        return (
            f"Column {column!r} of {table.name} holds numbers, but {first}; correct "
            "that value or delete it to mark it missing."
        )
    return (
        f"Column {column!r} of {table.name} holds numbers, but {read.texts:,} rows "
        f"hold text ({first}); correct those values, or if {read.common_text!r} "
        "means no value, add it to the missing-value marks."
    )
