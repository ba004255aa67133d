"""Turn a project's ``source`` dict into raw data: a table or a pair of arrays.

Two shapes come out of every reader. A :class:`Table` (a pandas DataFrame
read from CSV, TSV, Parquet or Excel) still has names, text and missing cells
to sort out; an :class:`ArraySet` (from .npz/.npy, an image folder or a
built-in dataset) already holds numbers with the target apart. The
preparation step knows how to finish each.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guinet.core.data.errors import DataError, Progress
from guinet.core.data.kinds import SOURCE_KINDS, kind_for_extension

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


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
    if isinstance(kind, str) and kind in SOURCE_KINDS:
        return kind
    if kind not in (None, "", "file", "auto"):
        raise DataError(
            f"Unknown data source kind {kind!r}; use one of {', '.join(SOURCE_KINDS)}."
        )
    path = source.get("path")
    if not path:
        raise DataError("The data source has no file or folder chosen yet.")
    resolved = resolve_path(source, base_dir, must_exist=False)
    if resolved.is_dir():
        folders = [k.key for k in SOURCE_KINDS.values() if k.folder]
        if folders:
            return folders[0]
    guess = kind_for_extension(resolved.suffix)
    if guess is None:
        named = [k.key for k in SOURCE_KINDS.values() if k.has_path]
        raise DataError(
            f"Cannot tell what kind of file {resolved.name} is from its extension; "
            f"set the source kind ({', '.join(named[:-1])} or {named[-1]})."
        )
    return guess.key


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
        check_readable(path, folder=folder)
    return path


_SPECIAL_FILES = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


def check_readable(path: Path, *, folder: bool = False) -> None:
    """Refuse, with a sentence, what cannot be read as data before a reader opens it.

    Only regular files (or, for ``folder``, directories) are accepted: a named
    pipe or a device would block a reader forever or feed it endless bytes, so
    it is told apart by :func:`os.stat` without being opened. A file is then
    opened and its first byte read, so a permission problem or a file that
    cannot be read at all (such as ``/proc/self/mem``) is a message, not a
    traceback from deep inside a reader.
    """
    with unreadable_as_data_error(path):
        mode = os.stat(path).st_mode
        if folder:
            if not stat.S_ISDIR(mode):
                raise DataError(f"{path} is not a folder; an image source needs one.")
            with os.scandir(path) as entries:
                next(entries, None)
            return
        if not stat.S_ISREG(mode):
            what = next(
                (words for test, words in _SPECIAL_FILES if test(mode)),
                "not an ordinary file",
            )
            raise DataError(
                f"{path} is {what}, not a data file; choose a file saved on disk."
            )
        with open(path, "rb") as handle:
            handle.read(1)


@contextlib.contextmanager
def unreadable_as_data_error(path: Path | str) -> Iterator[None]:
    """An :class:`OSError` while reading ``path``, told as a :class:`DataError`."""
    try:
        yield
    except PermissionError:
        raise DataError(
            f"Cannot open {path}: permission denied. Give your user read access "
            "to it, or copy it to a folder of your own."
        ) from None
    except OSError as exc:
        detail = exc.strerror or str(exc) or type(exc).__name__
        raise DataError(f"Cannot read {path}: {detail}.") from None


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
    kind = SOURCE_KINDS[source_kind(source, base_dir)]
    progress.update(0.0, "Opening the data", force=True)
    path = resolve_path(source, base_dir, folder=kind.folder) if kind.has_path else None
    if path is None:
        return kind.read(path, source, progress)
    with unreadable_as_data_error(path):
        return kind.read(path, source, progress)
