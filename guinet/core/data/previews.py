"""A cheap first look at a data source for the data panel's preview table.

Only the first rows are read (a CSV stops after ``rows`` lines, a Parquet file
after its first batch, a .npy is memory-mapped, an image folder is listed but
not decoded), so a preview of a multi-gigabyte file costs milliseconds. The
preview never judges the data: a column with a stray text value shows as
text here and is reported by :func:`~guinet.core.data.pipeline.prepare`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from guinet.core.data.errors import DataError, Progress
from guinet.core.data.screening import MAX_CATEGORIES
from guinet.core.data.sources import ArraySet, resolve_path, source_kind


@dataclass(frozen=True)
class ColumnInfo:
    """One column as the preview saw it (counts cover the preview rows only)."""

    name: str
    dtype: str  # "number" | "text" | "category"
    missing: int
    distinct: int


@dataclass
class Preview:
    """The first rows of a source and what kind of values each column holds.

    ``total_rows`` is exact when known cheaply (Parquet, NumPy, images,
    built-in data) and an estimate from the bytes per line for text tables.
    """

    frame: pd.DataFrame
    columns: list[ColumnInfo]
    kind: str
    total_rows: int | None = None
    estimated: bool = False
    input_shape: tuple[int, ...] | None = None
    notes: list[str] = field(default_factory=list)


def column_info(frame: pd.DataFrame) -> list[ColumnInfo]:
    infos = []
    for name in frame.columns:
        series = frame[name]
        missing = int(series.isna().sum())
        distinct = int(series.nunique(dropna=True))
        if pd.api.types.is_bool_dtype(series.dtype):
            dtype = "category"
        elif pd.api.types.is_numeric_dtype(series.dtype):
            dtype = "number"
        else:
            present = series.dropna().astype(str).str.strip()
            numeric = pd.to_numeric(present, errors="coerce").notna()
            if len(present) and numeric.all():
                dtype = "number"
            elif numeric.sum() * 2 >= len(present):
                dtype = "text"  # numbers with stray text: prepare() will say where
            elif distinct <= MAX_CATEGORIES and (
                distinct <= 2 or distinct * 2 <= len(present)
            ):
                dtype = "category"
            else:
                dtype = "text"
        infos.append(ColumnInfo(str(name), dtype, missing, distinct))
    return infos


def preview(
    source: Mapping[str, Any], base_dir: str | Path | None = None, rows: int = 100
) -> Preview:
    """The first ``rows`` rows of ``source`` and per-column facts."""
    kind = source_kind(source, base_dir)
    if kind in ("csv", "tsv"):
        from guinet.core.data.tables import read_csv_head

        path = resolve_path(source, base_dir)
        head, fmt = read_csv_head(path, kind, source, rows)
        return Preview(
            head,
            column_info(head),
            kind,
            fmt.estimated_rows,
            estimated=not fmt.complete,
            notes=list(fmt.notes),
        )
    if kind == "parquet":
        return _parquet(resolve_path(source, base_dir), rows)
    if kind == "npy":
        return _npy(resolve_path(source, base_dir), rows)
    if kind == "images":
        return _images(resolve_path(source, base_dir, folder=True), source, rows)
    # xlsx, npz and built-in sets are small enough to read whole
    from guinet.core.data.sources import load_source

    raw = load_source(source, base_dir, Progress())
    if isinstance(raw, ArraySet):
        return _arrays(raw, kind, rows)
    head = raw.frame.head(rows)
    return Preview(head, column_info(head), kind, len(raw.frame), notes=raw.notes)


def _arrays(data: ArraySet, kind: str, rows: int) -> Preview:
    x, y = data.x[:rows], data.y[:rows]
    columns: dict[str, Any] = {}
    if x.ndim == 2 and x.shape[1] <= 200:
        names = data.feature_names or [f"x{i}" for i in range(x.shape[1])]
        columns.update({name: x[:, i] for i, name in enumerate(names)})
    if data.class_names is not None and y.ndim == 1:
        target = [data.class_names[int(v)] for v in y]
        columns[data.target_names[0] if data.target_names else "class"] = target
    elif y.ndim == 1:
        columns["y"] = y
    else:
        names = data.target_names or [f"y{i}" for i in range(y.shape[1])]
        columns.update({name: y[:, i] for i, name in enumerate(names)})
    head = pd.DataFrame(columns)
    notes = list(data.notes)
    if x.ndim > 2:
        notes.append(
            "each sample is an array of shape " + "×".join(str(s) for s in x.shape[1:])
        )
    return Preview(
        head,
        column_info(head),
        kind,
        len(data.x),
        input_shape=tuple(int(s) for s in data.x.shape[1:]),
        notes=notes,
    )


def _parquet(path: Path, rows: int) -> Preview:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise DataError(
            "Reading Parquet files needs the pyarrow package; install it "
            "with 'pip install pyarrow'."
        ) from None
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError):
        raise DataError(f"{path.name} is not a Parquet file.") from None
    batch = next(parquet.iter_batches(batch_size=rows), None)
    head = (
        pa.Table.from_batches([batch])
        if batch is not None
        else parquet.schema_arrow.empty_table()
    ).to_pandas()
    head.columns = [str(c) for c in head.columns]
    return Preview(head, column_info(head), "parquet", parquet.metadata.num_rows)


def _npy(path: Path, rows: int) -> Preview:
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError):
        raise DataError(
            f"Cannot read {path.name}: it is not a NumPy .npy file."
        ) from None
    if array.ndim != 2:
        raise DataError(
            f"{path.name} holds an array of shape {array.shape}; a single "
            ".npy must be a table (rows × columns)."
        )
    head = pd.DataFrame(
        np.array(array[:rows]), columns=[f"column {i}" for i in range(array.shape[1])]
    )
    return Preview(head, column_info(head), "npy", int(array.shape[0]))


def _images(folder: Path, source: Mapping[str, Any], rows: int) -> Preview:
    from guinet.core.data.images import class_folders, image_files, image_options

    (height, width), color = image_options(source)
    if not class_folders(folder):
        raise DataError(
            f"{folder} has no sub-folders; put the images in one "
            "sub-folder per class (for example cats/ and dogs/)."
        )
    files = image_files(folder)
    if not files:
        raise DataError(f"The class folders in {folder} hold no images.")
    names = [p.name for p in class_folders(folder)]
    counts = np.bincount([label for _, label in files], minlength=len(names))
    head = pd.DataFrame(
        {
            "file": [str(p.relative_to(folder)) for p, _ in files[:rows]],
            "class": [names[label] for _, label in files[:rows]],
        }
    )
    notes = [", ".join(f"{n}: {c:,} files" for n, c in zip(names, counts, strict=True))]
    channels = 1 if color == "grayscale" else 3
    return Preview(
        head,
        column_info(head),
        "images",
        len(files),
        input_shape=(channels, height, width),
        notes=notes,
    )
