"""Read tables (CSV/TSV, Parquet, Excel) into pandas, fast and interruptibly.

A text table is sniffed first (:mod:`guinet.core.data.sniff`), then read by
pandas' C engine with the answers spelled out. Files up to
:data:`DIRECT_READ_BYTES` are one ``read_csv`` call: pandas reads big UTF-8
files on several threads itself, faster than anything built on its public
API, and at that size the call returns within about a second. A bigger file
is cut at line ends into ~8 MiB pieces that a thread pool parses while this
thread reports progress and checks for cancellation between pieces.
Whatever cannot be cut safely (UTF-16, a piece that fails to parse, e.g. a
quoted line break across a cut) is read again serially in row chunks, which
also gives exact line numbers in errors.
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
        if size <= DIRECT_READ_BYTES:
            frame = _read_whole(path, fmt)
            progress.check()
            return frame
        if fmt.splittable:
            frame = _read_pieces(path, fmt, progress.stage(0.0, 0.95))
            if frame is not None:
                return frame
        # a piece failed (a quoted line break across a cut, a ragged row):
        # read serially, so the data is read right or the error names the line
        return _read_row_chunks(path, fmt, progress)


def _read_whole(path: Path, fmt: CsvFormat) -> pd.DataFrame:
    """One ``read_csv`` call: pandas' own reader, parallel for big UTF-8 files.

    Up to :data:`DIRECT_READ_BYTES` this is the fastest way in (about a
    second at the limit), so a cancel request takes effect when it returns.
    ``low_memory`` keeps pandas' parallel path on; the DtypeWarning it may
    raise for a column of mixed types says nothing the column checks that
    follow will not say better.
    """
    import pandas as pd
    from pandas.errors import DtypeWarning

    options = {**_options(fmt, fmt.encoding), "low_memory": True}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DtypeWarning)
        return pd.read_csv(path, **options)


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

    def parse(begin: int, end: int) -> pd.DataFrame:
        return pd.read_csv(_Piece(_read_range(descriptor, begin, end)), **options)

    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures: list[Future[pd.DataFrame]] = [
                pool.submit(parse, offsets[i], offsets[i + 1])
                for i in range(len(offsets) - 1)
            ]
            if not _wait_all(futures, progress, path.name):
                return None
            parts = [future.result() for future in futures]
            return _join(parts, fmt.names, pool)
    finally:
        os.close(descriptor)


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


def _join(parts: list[Any], names: list[str], pool: ThreadPoolExecutor) -> Any:
    """One frame from the pieces, numeric columns concatenated in parallel."""
    import pandas as pd

    parts = [part for part in parts if len(part)] or parts[:1]
    if len(parts) == 1:
        return parts[0]

    def join_column(name: str) -> Any:
        pieces = [part[name] for part in parts]
        if all(isinstance(p.dtype, np.dtype) and p.dtype.kind in "iuf" for p in pieces):
            return np.concatenate([p.to_numpy() for p in pieces])
        return pd.concat(pieces, ignore_index=True)

    columns = list(pool.map(join_column, names))
    return pd.DataFrame(dict(zip(names, columns, strict=True)), copy=False)


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
    """Serial read in row chunks: slower, but cancellable and exact in its errors."""
    import pandas as pd

    per_row = max(1, path.stat().st_size // max(fmt.estimated_rows, 1))
    rows = max(1000, CHUNK_BYTES // per_row)
    parts = []
    read = 0
    with pd.read_csv(path, chunksize=rows, **_options(fmt, fmt.encoding)) as reader:
        for part in reader:
            parts.append(part)
            read += len(part)
            progress.update(
                min(read / max(fmt.estimated_rows, 1), 0.99),
                f"Reading {path.name}: {read:,} rows",
            )
    if not parts:
        return pd.DataFrame(columns=fmt.names)
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


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
