"""Read tables (CSV/TSV, Parquet, Excel) into pandas, fast, lean and interruptibly.

A text table is sniffed first (:mod:`guinet.core.data.sniff`), then read by
pandas' C engine with the answers spelled out, in row chunks of about
:data:`CHUNK_BYTES` of text, so progress is reported and a cancel request
takes effect between chunks. Each chunk is made compact as soon as it is
parsed (:func:`_compact`): float columns become float32 (the precision the
network gets anyway) unless a value needs float64 to be refused by name
later, integer columns int32 when they fit. The chunks are then joined one
column at a time, so a table of numbers never costs more than its compact
size plus one column and one chunk — not the float64 frame plus pandas'
chunk list that one ``read_csv`` call holds at its peak (about 8× the
float32 data).

A file over :data:`DIRECT_READ_BYTES` is cut at line ends into pieces that a
thread pool parses (and compacts) while this thread reports progress.
Whatever cannot be cut safely (UTF-16, old-Mac CR line ends, a piece that
fails to parse, e.g. a quoted line break across a cut) is read serially in
row chunks, which also gives exact line numbers in errors. A column whose
chunks disagree on its type (numbers in most, text in one) is read once
more on its own as text, which is what one ``read_csv`` call gives for it.
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
import warnings
from collections.abc import Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from guinet.core.data.errors import DataCancelled, DataError, Progress
from guinet.core.data.sniff import (
    CsvFormat,
    looks_like_header,
    ragged_message,
    sniff_csv,
)
from guinet.core.data.sources import Table

if TYPE_CHECKING:
    import pandas as pd

DIRECT_READ_BYTES = 512 << 20
CHUNK_BYTES = 8 << 20
MAX_WORKERS = 8


def read_table(
    path: Path, kind: str, source: Mapping[str, Any], progress: Progress
) -> Table:
    if kind == "parquet":
        return _read_parquet(path, progress)
    if kind == "xlsx":
        return _read_excel(path, source, progress)
    return read_csv(path, source, progress, "\t" if kind == "tsv" else ",")


# -- text tables -------------------------------------------------------------------
def read_csv(
    path: Path,
    source: Mapping[str, Any],
    progress: Progress,
    default_delimiter: str = ",",
) -> Table:
    fmt = sniff_csv(path, source, default_delimiter)
    notes = list(fmt.notes)
    try:
        frame = _read_csv_frame(path, fmt, progress)
    except UnicodeDecodeError as exc:
        if source.get("encoding"):
            raise DataError(
                f"{path.name} is not valid {fmt.encoding} text (byte {exc.start}); "
                "set the source's encoding to the one the file was saved in."
            ) from None
        # the sample was UTF-8 but a later byte is not: the file is Latin-1
        fmt = sniff_csv(path, {**source, "encoding": "latin-1"}, default_delimiter)
        notes.append("not UTF-8: read as Latin-1")
        frame = _read_csv_frame(path, fmt, progress)
    if len(frame) == 0:
        raise DataError(f"{path.name} has a header but no data rows.")
    frame = _drop_unnamed_empty(frame, fmt, notes)
    if len(fmt.names) > 1 and frame.iloc[:, -1].isna().any():
        line = _short_row(path, fmt)
        if line is not None:
            raise DataError(
                ragged_message(path.name, line[0], line[1], len(fmt.names), fmt.header)
            )
    progress.update(1.0, f"Read {len(frame):,} rows from {path.name}")
    return Table(frame=frame, name=path.name, first_line=fmt.first_line, notes=notes)


def read_csv_head(
    path: Path, kind: str, source: Mapping[str, Any], rows: int
) -> tuple[Any, CsvFormat]:
    """The first ``rows`` data rows only (for the preview): pandas stops early."""
    import pandas as pd

    fmt = sniff_csv(path, source, "\t" if kind == "tsv" else ",")
    with _translated(path.name, fmt):
        frame = pd.read_csv(path, nrows=rows, **_options(fmt, fmt.encoding))
    return frame, fmt


def _options(fmt: CsvFormat, encoding: str) -> dict[str, Any]:
    return {
        "sep": fmt.delimiter,
        "header": 0 if fmt.header else None,
        "names": fmt.names,
        "encoding": encoding,
        "decimal": fmt.decimal,
        "index_col": False,
        # one pass of type inference per call: no DtypeWarning, and our own
        # pieces already bound the memory
        "low_memory": False,
    }


def _read_csv_frame(path: Path, fmt: CsvFormat, progress: Progress) -> pd.DataFrame:
    size = path.stat().st_size
    progress.update(0.0, f"Reading {path.name} ({size / 2**20:,.0f} MiB)", force=True)
    with _translated(path.name, fmt):
        if size > DIRECT_READ_BYTES and fmt.splittable:
            frame = _read_pieces(path, fmt, progress.stage(0.0, 0.95))
            if frame is not None:
                return frame
        # a piece failed (a quoted line break across a cut, a ragged row):
        # read serially, so the data is read right or the error names the line
        return _read_row_chunks(path, fmt, progress)


# -- compact chunks ------------------------------------------------------------------
F32_MAX = float(np.finfo(np.float32).max)
I32 = np.iinfo(np.int32)
Part = dict[str, Any]  # column name → a compact NumPy array, or a pandas Series


def _compact(frame: pd.DataFrame) -> Part:
    """One parsed chunk as compact columns, each its own array.

    float64 becomes float32 unless a value is infinite or beyond float32 (kept
    so the column checks can name it); int64 becomes int32 when it fits.
    Other columns (text, yes/no) are kept as pandas gives them.
    """
    part: Part = {}
    for name in frame.columns:
        series = frame[name]
        dtype = series.dtype
        if not isinstance(dtype, np.dtype) or dtype.kind not in "biuf":
            part[name] = series.reset_index(drop=True)
            continue
        values = series.to_numpy()
        if dtype == np.float64 and len(values):
            # fmin/fmax skip NaN and allocate nothing
            low, high = np.fmin.reduce(values), np.fmax.reduce(values)
            if not (low >= -F32_MAX and high <= F32_MAX) and not np.isnan(low):
                part[name] = values.copy()
                continue
            part[name] = values.astype(np.float32)
        elif dtype == np.int64 and len(values):
            fits = I32.min <= values.min() and values.max() <= I32.max
            part[name] = values.astype(np.int32) if fits else values.copy()
        else:
            part[name] = values.copy()
    return part


def _join_column(pieces: list[Any]) -> Any | None:
    """One column from its chunks, or ``None`` when they disagree on its type."""
    import pandas as pd

    numeric = [isinstance(p, np.ndarray) for p in pieces]
    if not all(numeric):
        if any(numeric) or len({str(p.dtype) for p in pieces}) != 1:
            return None
        return pd.concat(pieces, ignore_index=True) if len(pieces) > 1 else pieces[0]
    kinds = {p.dtype.kind for p in pieces}
    if not (kinds <= {"b"} or kinds <= {"i", "u", "f"}):
        return None  # yes/no in some chunks, numbers in others
    if "f" in kinds:
        wide = any(p.dtype == np.float64 for p in pieces)
        dtype = np.dtype(np.float64 if wide else np.float32)
    else:
        dtype = np.result_type(*pieces)
    if len(pieces) == 1:
        return pieces[0].astype(dtype, copy=False)
    out = np.empty(sum(len(p) for p in pieces), dtype)
    at = 0
    while pieces:  # free each chunk as soon as it is copied
        array = pieces.pop(0)
        out[at : at + len(array)] = array
        at += len(array)
    return out


def _join_parts(parts: list[Part], path: Path, fmt: CsvFormat) -> pd.DataFrame:
    """One frame from compact chunks, built a column at a time."""
    import pandas as pd

    names = list(parts[0]) if parts else list(fmt.names)
    columns: dict[str, Any] = {}
    for name in names:
        pieces = [part.pop(name) for part in parts]
        column = _join_column(pieces)
        del pieces
        if column is None:  # numbers in some chunks, text in others
            column = _read_as_text(path, fmt, name)
        columns[name] = column
    return pd.DataFrame(columns, copy=False)


def _read_as_text(path: Path, fmt: CsvFormat, name: str) -> Any:
    """Column ``name`` alone, as the text in the file (one read_csv call's way)."""
    import pandas as pd

    # low_memory: tokenise the file a block at a time, not all of it at once
    options = {**_options(fmt, fmt.encoding), "low_memory": True}
    frame = pd.read_csv(path, usecols=[name], dtype={name: str}, **options)
    return frame[name]


def _workers() -> int:
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        available = os.cpu_count() or 1
    return max(1, min(available, MAX_WORKERS))


def _piece_offsets(path: Path, start: int, count: int) -> list[int]:
    """Offsets cutting ``path`` after ``start`` into ``count`` line-aligned pieces."""
    size = path.stat().st_size
    offsets = [start]
    with open(path, "rb") as handle:
        for i in range(1, count):
            handle.seek(start + (size - start) * i // count)
            handle.readline()
            position = handle.tell()
            if offsets[-1] < position < size:
                offsets.append(position)
    offsets.append(size)
    return offsets


def _read_pieces(path: Path, fmt: CsvFormat, progress: Progress) -> pd.DataFrame | None:
    """Parse line-aligned pieces in parallel; ``None`` if any piece fails."""
    import pandas as pd

    size = path.stat().st_size
    workers = _workers()
    # enough pieces to keep every worker busy and report progress often, but
    # not so many that a very wide table pays its per-column cost too often
    pieces = max(2 * workers, min(size // CHUNK_BYTES + 1, 4096 // len(fmt.names) + 1))
    offsets = _piece_offsets(path, fmt.data_offset, pieces)
    encoding = "utf-8" if fmt.encoding in ("utf-8", "utf-8-sig") else fmt.encoding
    options = {**_options(fmt, encoding), "header": None}
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))

    def parse(begin: int, end: int) -> Part:
        data = _read_range(descriptor, begin, end)
        return _compact(pd.read_csv(_Piece(data), **options))

    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures: list[Future[Part]] = [
                pool.submit(parse, offsets[i], offsets[i + 1])
                for i in range(len(offsets) - 1)
            ]
            if not _wait_all(futures, progress, path.name):
                return None
            parts = [future.result() for future in futures]
            del futures
    finally:
        os.close(descriptor)
    parts = [part for part in parts if len(next(iter(part.values()), ()))] or parts[:1]
    return _join_parts(parts, path, fmt)


class _Piece:
    """A file-like object that hands the C parser its whole piece in one read.

    With ``io.BytesIO`` the parser asks for 256 KiB at a time and must take
    the GIL for every call; with another thread busy in Python (the GUI, or
    the other workers) each of those waits up to the 5 ms switch interval,
    which made pieces several times slower. One read means one wait.
    """

    def __init__(self, data: bytes) -> None:
        self._data = data

    def read(self, size: int = -1) -> bytes:
        data, self._data = self._data, b""
        return data

    def __iter__(self) -> Iterator[bytes]:  # pandas' file-like test wants it
        return iter(())


def _read_range(descriptor: int, begin: int, end: int) -> bytes:
    if hasattr(os, "pread"):
        return os.pread(descriptor, end - begin, begin)
    with open(descriptor, "rb", closefd=False) as handle:  # pragma: no cover
        handle.seek(begin)
        return handle.read(end - begin)


def _wait_all(futures: list[Future[Any]], progress: Progress, name: str) -> bool:
    """Wait for every piece, reporting progress; ``False`` when one failed."""
    pending = set(futures)
    total = len(futures)
    try:
        while pending:
            done, pending = wait(pending, timeout=0.05, return_when=FIRST_COMPLETED)
            if any(future.exception() is not None for future in done):
                return False
            progress.update((total - len(pending)) / total, f"Reading {name}")
    except DataCancelled:
        for future in pending:
            future.cancel()
        raise
    return True


def _read_row_chunks(path: Path, fmt: CsvFormat, progress: Progress) -> pd.DataFrame:
    """Serial read in row chunks of about :data:`CHUNK_BYTES`, each made compact."""
    import pandas as pd

    per_row = max(1, path.stat().st_size // max(fmt.estimated_rows, 1))
    rows = max(1000, CHUNK_BYTES // per_row)
    parts: list[Part] = []
    read = 0
    with pd.read_csv(path, chunksize=rows, **_options(fmt, fmt.encoding)) as reader:
        for chunk in reader:
            read += len(chunk)
            parts.append(_compact(chunk))
            del chunk
            progress.update(
                min(read / max(fmt.estimated_rows, 1), 0.99),
                f"Reading {path.name}: {read:,} rows",
            )
    if not parts:
        return pd.DataFrame(columns=fmt.names)
    return _join_parts(parts, path, fmt)


_EXPECTED = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_OPEN_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")


@contextlib.contextmanager
def _translated(name: str, fmt: CsvFormat) -> Iterator[None]:
    """pandas' parser errors, told in one sentence about the file."""
    from pandas.errors import EmptyDataError, ParserError

    try:
        yield
    except EmptyDataError:
        raise DataError(f"{name} is empty.") from None
    except ParserError as exc:
        text = str(exc)
        match = _EXPECTED.search(text)
        if match:
            expected, line, saw = (int(g) for g in match.groups())
            raise DataError(
                ragged_message(name, line, saw, expected, fmt.header)
            ) from None
        match = _OPEN_QUOTE.search(text)
        if match:
            raise DataError(
                f'{name} has a quote mark (") that is never closed; it opens in '
                f"data row {int(match.group(1)) + 1}."
            ) from None
        detail = text.strip().splitlines()[-1] if text.strip() else "unknown problem"
        raise DataError(f"Cannot read {name} as a table: {detail}.") from None


def _drop_unnamed_empty(frame: pd.DataFrame, fmt: CsvFormat, notes: list[str]) -> Any:
    """Drop columns with a blank header and no values (a trailing delimiter)."""
    if not fmt.header:
        return frame
    empty = [
        c
        for i, c in enumerate(frame.columns)
        if c == f"column {i}" and frame[c].isna().all()
    ]
    if empty:
        notes.append(f"ignored {len(empty)} empty column(s) without a name")
        frame = frame.drop(columns=empty)
    return frame


def _short_row(path: Path, fmt: CsvFormat) -> tuple[int, int] | None:
    """(line, values) of the first row with too few values, or ``None``.

    pandas pads short rows with missing values; this pass tells them apart
    from genuinely empty cells. It only runs when the last column has gaps.
    """
    width = len(fmt.names)
    with open(path, encoding=fmt.encoding, newline="", errors="replace") as handle:
        reader = csv.reader(handle, delimiter=fmt.delimiter)
        start = 1
        for index, fields in enumerate(reader):
            blank = not fields or (len(fields) == 1 and not fields[0].strip())
            if not blank and not (index == 0 and fmt.header) and len(fields) < width:
                return start, len(fields)
            start = reader.line_num + 1
    return None


# -- Parquet and Excel -----------------------------------------------------------
def _read_parquet(path: Path, progress: Progress) -> Table:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise DataError(
            "Reading Parquet files needs the pyarrow package; install it with "
            "'pip install pyarrow'."
        ) from None
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError):
        raise DataError(f"{path.name} is not a Parquet file.") from None
    groups = parquet.num_row_groups
    tables = []
    for i in range(groups):
        tables.append(parquet.read_row_group(i))
        progress.update((i + 1) / max(groups, 1), f"Reading {path.name}")
    table = pa.concat_tables(tables) if tables else parquet.schema_arrow.empty_table()
    frame = table.to_pandas()
    frame.columns = [str(c) for c in frame.columns]
    if len(frame) == 0:
        raise DataError(f"{path.name} has no rows.")
    return Table(frame=frame, name=path.name)


def _read_excel(path: Path, source: Mapping[str, Any], progress: Progress) -> Table:
    import pandas as pd

    engine = "xlrd" if path.suffix.lower() == ".xls" else "openpyxl"
    try:
        __import__(engine)
    except ImportError:
        raise DataError(
            f"Reading {path.suffix} workbooks needs the {engine} package; install it "
            f"with 'pip install {engine}'."
        ) from None
    progress.update(0.05, f"Reading {path.name}", force=True)
    sheet = source.get("sheet", 0)
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and data validation it cannot keep
            warnings.simplefilter("ignore", UserWarning)
            raw = pd.read_excel(path, sheet_name=sheet, header=None, engine=engine)
    except (ValueError, KeyError) as exc:
        raise DataError(f"Cannot read {path.name}: {exc}.") from None
    except Exception:
        raise DataError(
            f"{path.name} is not an Excel workbook guinet can read."
        ) from None
    raw = raw.dropna(how="all").dropna(axis=1, how="all")
    if raw.empty:
        raise DataError(f"{path.name} is empty.")
    cells = [
        ["" if pd.isna(v) else str(v) for v in row] for row in raw.head(200).to_numpy()
    ]
    header = source.get("header", "auto")
    if header not in (True, False):
        header = looks_like_header(cells)
    if header:
        frame = raw.iloc[1:].reset_index(drop=True)
        frame.columns = [
            str(c).strip() or f"column {i}" for i, c in enumerate(cells[0])
        ]
        frame = frame.infer_objects()
    else:
        frame = raw.reset_index(drop=True)
        frame.columns = [f"column {i}" for i in range(frame.shape[1])]
    if len(frame) == 0:
        raise DataError(f"{path.name} has a header but no data rows.")
    progress.update(1.0, f"Read {path.name}")
    return Table(
        frame=frame,
        name=path.name,
        notes=["first row is the header" if header else "no header row"],
    )
