"""Turn a project's ``source`` dict into raw data: a table or a pair of arrays.

Two shapes come out of every reader. A :class:`Table` (a pandas DataFrame
read from CSV, TSV, Parquet or Excel) still has names, text and missing cells
to sort out; an :class:`ArraySet` (from .npz/.npy, an image folder or a
built-in dataset) already holds numbers with the target apart. The
preparation step knows how to finish each.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guinet.core.data.errors import DataError, Progress

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

TABLE_KINDS = ("csv", "tsv", "parquet", "xlsx")
KINDS = (*TABLE_KINDS, "npz", "npy", "images", "builtin")

_EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".data": "csv",
    ".dat": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xls": "xlsx",
    ".npz": "npz",
    ".npy": "npy",
}


@dataclass
class Table:
    """A table as read, before any column has been chosen or converted.

    ``first_line`` is the text line (1-based) of the first data row, so a
    message can point at the line a person finds in an editor (counting as
    if the file had no blank lines or line breaks inside quotes, which
    pandas skips); ``None`` for files that have no lines (Parquet, Excel,
    NumPy).
    """

    frame: pd.DataFrame
    name: str
    first_line: int | None = None
    notes: list[str] = field(default_factory=list)

    def where(self, row: int) -> str:
        """Words for the 0-based data ``row``: "row 5 (line 6)"."""
        if self.first_line is None:
            return f"row {row + 1}"
        return f"row {row + 1} (line {self.first_line + row})"


@dataclass
class ArraySet:
    """Numbers ready for a network, with the target already apart.

    ``class_names`` is set when ``y`` holds class indices into it.
    ``pixel_max`` marks image data: pixels are scaled by it to [0, 1].
    """

    x: np.ndarray
    y: np.ndarray
    name: str
    feature_names: list[str] = field(default_factory=list)
    target_names: list[str] = field(default_factory=list)
    class_names: list[str] | None = None
    task: str | None = None
    pixel_max: float | None = None
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def source_kind(source: Mapping[str, Any], base_dir: Path | str | None = None) -> str:
    """The source's ``kind``, or the one its path's extension implies."""
    kind = source.get("kind")
    if kind in KINDS:
        return str(kind)
    if kind not in (None, "", "file", "auto"):
        raise DataError(
            f"Unknown data source kind {kind!r}; use one of {', '.join(KINDS)}."
        )
    path = source.get("path")
    if not path:
        raise DataError("The data source has no file or folder chosen yet.")
    resolved = resolve_path(source, base_dir, must_exist=False)
    if resolved.is_dir():
        return "images"
    guess = _EXTENSIONS.get(resolved.suffix.lower())
    if guess is None:
        raise DataError(
            f"Cannot tell what kind of file {resolved.name} is from its extension; "
            "set the source kind (csv, tsv, parquet, xlsx, npz, npy or images)."
        )
    return guess


def resolve_path(
    source: Mapping[str, Any],
    base_dir: Path | str | None,
    *,
    must_exist: bool = True,
    folder: bool = False,
) -> Path:
    """``source.path`` made absolute against the project's folder."""
    raw = source.get("path")
    if not raw or not isinstance(raw, str):
        raise DataError("The data source has no file or folder chosen yet.")
    path = Path(raw).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = Path(base_dir) / path
    if must_exist:
        what = "folder" if folder else "file"
        if not path.exists():
            raise DataError(f"Cannot find the data {what} {path.absolute()}.")
        if folder and not path.is_dir():
            raise DataError(f"{path} is a file; an image source needs a folder.")
        if not folder and path.is_dir():
            raise DataError(f"{path} is a folder, not a data file.")
    return path


def load_source(
    source: Mapping[str, Any] | None,
    base_dir: Path | str | None,
    progress: Progress,
) -> Table | ArraySet:
    """Read one source (the main one, or a separate validation/test one)."""
    if not isinstance(source, Mapping):
        raise DataError(
            "The data section has no source yet; choose a file or a built-in dataset."
        )
    kind = source_kind(source, base_dir)
    progress.update(0.0, "Opening the data", force=True)
    if kind == "builtin":
        from guinet.core.data.builtin import BUILTIN_DATASETS

        name = source.get("name")
        spec = BUILTIN_DATASETS.get(str(name))
        if spec is None:
            known = ", ".join(BUILTIN_DATASETS)
            raise DataError(
                f"There is no built-in dataset {name!r}; choose one of {known}."
            )
        values = {k: v for k, v in source.items() if k not in ("kind", "name")}
        result = spec.generate(values)
        progress.update(1.0, f"Generated {spec.label}")
        return result
    if kind == "images":
        from guinet.core.data.images import read_image_folder

        folder = resolve_path(source, base_dir, folder=True)
        return read_image_folder(folder, source, progress)
    path = resolve_path(source, base_dir)
    if kind in ("npz", "npy"):
        from guinet.core.data.arrays import read_arrays

        return read_arrays(path, source, progress)
    from guinet.core.data.tables import read_table

    return read_table(path, kind, source, progress)
