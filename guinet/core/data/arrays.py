"""NumPy files: an .npz holding inputs and targets, or one .npy matrix.

An .npz names its arrays (``source.x``/``source.y``, default ``"x"`` and
``"y"``); inputs of any rank are kept as they are, so ``(n, 1, 28, 28)`` images
reach a Conv2d unchanged. A single .npy matrix is a headerless table: it is
handed on as a :class:`Table` so the target column is chosen by index like
any other file. Files are opened with ``allow_pickle=False``: loading data
never runs code from it.
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from guinet.core.data.errors import DataError, Progress
from guinet.core.data.sources import ArraySet, Table


def read_arrays(path: Path, source: Mapping[str, Any], progress: Progress) -> Any:
    name = path.name
    if path.stat().st_size == 0:
        raise DataError(f"{name} is empty.")
    with open(path, "rb") as handle:
        magic = handle.read(6)
    if magic not in (b"\x93NUMPY",) and not magic.startswith(b"PK\x03\x04"):
        raise DataError(f"Cannot read {name}: it is not a NumPy .npy or .npz file.")
    try:
        loaded = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        detail = (
            "it holds Python objects, which guinet does not load"
            if ("pickle" in str(exc) or "Object arrays" in str(exc))
            else "it is not a NumPy .npy or .npz file"
        )
        raise DataError(f"Cannot read {name}: {detail}.") from None
    if isinstance(loaded, np.ndarray):
        return _matrix_table(loaded, name)
    with loaded:
        progress.update(0.1, f"Reading {name}")
        x = _array(loaded, str(source.get("x") or "x"), name, "x")
        progress.update(0.6, f"Reading {name}")
        y = _array(loaded, str(source.get("y") or "y"), name, "y")
        class_names = None
        for key in ("class_names", "classes"):
            if key in loaded.files:
                class_names = [str(c) for c in _array(loaded, key, name, key).ravel()]
                break
    progress.update(1.0, f"Read {name}")
    return _array_set(x, y, name, class_names)


def _array(archive: Any, key: str, name: str, role: str) -> np.ndarray:
    if key not in archive.files:
        held = ", ".join(archive.files) or "nothing"
        raise DataError(
            f"{name} has no array named {key!r} (it holds: {held}); set source.{role} "
            "to the array to use."
        )
    try:
        return np.asarray(archive[key])
    except ValueError:
        raise DataError(
            f"Array {key!r} in {name} holds Python objects, which guinet does not "
            "load; save it as numbers or text."
        ) from None


def _array_set(
    x: np.ndarray, y: np.ndarray, name: str, class_names: list[str] | None
) -> ArraySet:
    if x.ndim == 0 or y.ndim == 0 or len(x) == 0:
        raise DataError(f"{name} holds no samples.")
    if x.dtype.kind not in "biuf":
        raise DataError(
            f"The inputs in {name} are {x.dtype} values; they must be numbers."
        )
    if len(x) != len(y):
        raise DataError(
            f"{name} has {len(x)} inputs but {len(y)} targets; "
            "every input needs one target."
        )
    if y.ndim > 2:
        raise DataError(
            f"The targets in {name} have shape {y.shape}; use one value or one row "
            "of values per sample."
        )
    if x.ndim == 1:
        x = x.reshape(-1, 1)
    if class_names is not None and (
        y.dtype.kind not in "iu"
        or (len(y) and (y.min() < 0 or y.max() >= len(class_names)))
    ):
        class_names = None
    feature_names = [f"x{i}" for i in range(x.shape[1])] if x.ndim == 2 else []
    return ArraySet(
        x=x, y=y, name=name, feature_names=feature_names, class_names=class_names
    )


def _matrix_table(array: np.ndarray, name: str) -> Table:
    import pandas as pd

    if array.ndim != 2:
        raise DataError(
            f"{name} holds an array of shape {array.shape}; a single .npy must be a "
            "table (rows × columns). Save inputs and targets together in an .npz "
            "instead."
        )
    if array.shape[0] == 0:
        raise DataError(f"{name} holds no rows.")
    if array.dtype.kind not in "biufU":
        raise DataError(f"{name} holds {array.dtype} values; it must hold numbers.")
    columns = [f"column {i}" for i in range(array.shape[1])]
    return Table(
        frame=pd.DataFrame(array, columns=columns, copy=False),
        name=name,
        notes=[f"{name}: {array.shape[0]} rows × {array.shape[1]} columns"],
    )
