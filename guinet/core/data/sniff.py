"""Look at the first bytes of a text table and work out how to read it.

Detects binary junk (with a name for common formats), the encoding (UTF-8
with or without BOM, UTF-16 with BOM, Latin-1 otherwise), the delimiter, a
header row, a decimal comma, and rows of the wrong length near the top. Only
a sample is read (64 KiB, more if the lines are very long), so this is cheap on
any file; the full read in :mod:`guinet.core.data.tables` gets the answers as
plain pandas arguments.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from guinet.core.data.errors import DataError

SAMPLE_BYTES = 1 << 16
MAX_SAMPLE_BYTES = 1 << 23
DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}

_SIGNATURES = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive or an Excel .xlsx workbook"),
    (b"\xd0\xcf\x11\xe0", "an old Office document (such as an .xls workbook)"),
    (b"%PDF", "a PDF document"),
    (b"\x93NUMPY", "a NumPy .npy file"),
    (b"PAR1", "a Parquet file"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a program"),
)
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_DECIMAL_POINT = re.compile(r"^[+-]?\d*\.\d+$")


class Row(NamedTuple):
    line: int
    end: int
    fields: list[str]


@dataclass(frozen=True)
class CsvFormat:
    """How to read one text table, as found from its first bytes.

    ``data_offset`` is the byte where the first data row starts (after any BOM
    and the header), so a big file can be cut into chunks at line ends.
    ``quoted`` says the sample uses quote characters.
    """

    encoding: str
    delimiter: str
    header: bool
    decimal: str
    names: list[str]
    data_offset: int
    first_line: int
    sample_rows: int
    estimated_rows: int
    complete: bool
    notes: tuple[str, ...] = ()
    line_end: str = "\n"

    @property
    def splittable(self) -> bool:
        """Whether every ``\\n`` byte is a line end (true for UTF-8 and Latin-1
        text whose lines end in ``\\n`` or ``\\r\\n``, not for old-Mac ``\\r``)."""
        return not self.encoding.startswith("utf-16") and self.line_end == "\n"


def sniff_csv(
    path: Path, source: Mapping[str, Any], default_delimiter: str
) -> CsvFormat:
    name = path.name
    size = path.stat().st_size
    raw = _sample(path, size)
    if not raw.strip():
        raise DataError(f"{name} is empty.")
    complete = len(raw) >= size
    encoding, note = _encoding(raw, source.get("encoding"), complete, name)
    _refuse_binary(raw, name, encoding)
    text = codecs.getincrementaldecoder(encoding)("replace").decode(raw, final=complete)
    line_end = _line_end(text)
    if not complete:
        text = text[: text.rfind(line_end) + 1]
    notes = [note] if note else []
    if line_end == "\r":
        notes.append("lines end in CR only (old Mac text)")

    delimiter = source.get("delimiter") or _delimiter(text, default_delimiter)
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise DataError(f"The delimiter must be one character, not {delimiter!r}.")
    rows = _rows(text, delimiter)
    if not rows:
        raise DataError(f"{name} is empty.")
    if delimiter != default_delimiter or source.get("delimiter"):
        notes.append(
            f"values separated by {_DELIMITER_NAMES.get(delimiter, delimiter)}"
        )
    decimal = _decimal(rows, delimiter)
    if decimal == ",":
        notes.append("decimal comma (1,5 means 1.5)")

    header = _header_choice(source.get("header", "auto"), rows, decimal)
    first = rows[0]
    if header:
        names = _unique_names(first.fields)
        body = rows[1:]
        header_lines = first.end
    else:
        names = [f"column {i}" for i in range(len(first.fields))]
        body = rows
        header_lines = 0
    notes.append("first row is the header" if header else "no header row")
    _check_lengths(body, len(names), name, header, first.line)

    data_offset = _offset_after_lines(raw, header_lines, encoding, line_end)
    sample_bytes = len(raw) if complete else len(text.encode(encoding, "replace"))
    per_row = max(1.0, (sample_bytes - data_offset) / max(len(body), 1))
    estimated = len(body) if complete else int((size - data_offset) / per_row)
    return CsvFormat(
        encoding=encoding,
        delimiter=delimiter,
        header=header,
        decimal=decimal,
        names=names,
        data_offset=data_offset,
        first_line=header_lines + 1,
        sample_rows=len(body),
        estimated_rows=estimated,
        complete=complete,
        notes=tuple(notes),
        line_end=line_end,
    )


def _sample(path: Path, size: int) -> bytes:
    """The first bytes: 64 KiB, or more until a few whole lines are in."""
    want = SAMPLE_BYTES
    with open(path, "rb") as handle:
        raw = handle.read(want)
        while (
            max(raw.count(b"\n"), raw.count(b"\r")) < 5
            and len(raw) < size
            and want < MAX_SAMPLE_BYTES
        ):
            want *= 4
            raw += handle.read(want - len(raw))
    return raw


def _encoding(
    raw: bytes, explicit: Any, complete: bool, name: str
) -> tuple[str, str | None]:
    if explicit:
        try:
            return codecs.lookup(str(explicit)).name, None
        except LookupError:
            raise DataError(f"Unknown text encoding {explicit!r} for {name}.") from None
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", None
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "UTF-16 text"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(raw, final=complete)
    except UnicodeDecodeError:
        return "latin-1", "not UTF-8: read as Latin-1"
    return "utf-8", None


def _refuse_binary(raw: bytes, name: str, encoding: str) -> None:
    for magic, what in _SIGNATURES:
        if raw.startswith(magic):
            raise DataError(f"{name} is not a text table: it looks like {what}.")
    if encoding.startswith("utf-16"):
        return
    head = raw[:4096]
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    if b"\x00" in head or controls > len(head) // 50:
        raise DataError(f"{name} is not a text table: it holds binary data.")


def _rows(text: str, delimiter: str, limit: int = 5000) -> list[Row]:
    """Non-blank records with the lines each starts and ends on (1-based)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[Row] = []
    start = 1
    try:
        for fields in reader:
            if fields and not (len(fields) == 1 and not fields[0].strip()):
                rows.append(Row(start, reader.line_num, fields))
                if len(rows) >= limit:
                    break
            start = reader.line_num + 1
    except csv.Error:
        pass  # a quote left open at the end of the sample; the full read decides
    return rows


def _delimiter(text: str, default: str) -> str:
    """The candidate that splits the first lines into the same, largest count."""
    head = "\n".join(text.splitlines()[:200])
    best: tuple[float, float, int, bool] | None = None
    choice = default
    for candidate in DELIMITERS:
        rows = [row.fields for row in _rows(head, candidate, 200)]
        if not rows:
            continue
        counts = Counter(len(r) for r in rows)
        width, hits = counts.most_common(1)[0]
        if width < 2:
            continue
        decimal = "," if candidate != "," else "."
        cells = [c for r in rows for c in r]
        numeric = sum(_is_number(c, decimal) for c in cells) / len(cells)
        score = (
            round(hits / len(rows), 2),
            round(numeric, 2),
            width,
            candidate == default,
        )
        if best is None or score > best:
            best, choice = score, candidate
    return choice


def _decimal(rows: list[Row], delimiter: str) -> str:
    if delimiter == ",":
        return "."
    comma = point = 0
    for row in rows[:200]:
        for cell in row.fields:
            cell = cell.strip()
            comma += bool(_DECIMAL_COMMA.match(cell))
            point += bool(_DECIMAL_POINT.match(cell))
    return "," if comma > point else "."


def _is_number(cell: str, decimal: str = ".") -> bool:
    cell = cell.strip()
    if not cell:
        return False
    if decimal == ",":
        cell = cell.replace(",", ".")
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _header_choice(value: Any, rows: list[Row], decimal: str) -> bool:
    if value is True or value is False:
        return value
    if value not in ("auto", None):
        raise DataError(f'source.header must be "auto", true or false, not {value!r}.')
    return looks_like_header([row.fields for row in rows[:200]], decimal)


def looks_like_header(rows: list[list[str]], decimal: str = ".") -> bool:
    """Whether the first row names the columns rather than holding data.

    A first row with any number in it is data. Otherwise it is a header when
    some column below it is numeric, or, in an all-text table, when its cells
    are distinct, non-empty and never repeated further down their column.
    """
    first, rest = rows[0], rows[1:]
    if any(_is_number(cell, decimal) for cell in first):
        return False
    if not rest:
        return True
    for j in range(len(first)):
        column = [r[j] for r in rest if j < len(r) and r[j].strip()]
        if column and sum(_is_number(v, decimal) for v in column) >= 0.9 * len(column):
            return True
    names = [cell.strip() for cell in first]
    if not all(names) or len(set(names)) != len(names):
        return False
    return all(
        names[j] not in {r[j].strip() for r in rest if j < len(r)}
        for j in range(len(names))
    )


def _unique_names(fields: list[str]) -> list[str]:
    """Header cells stripped; blanks named by position, repeats numbered."""
    names: list[str] = []
    seen: set[str] = set()
    for i, cell in enumerate(fields):
        base = cell.strip() or f"column {i}"
        candidate, n = base, 0
        while candidate in seen:
            n += 1
            candidate = f"{base}.{n}"
        seen.add(candidate)
        names.append(candidate)
    return names


def _check_lengths(
    body: list[Row], width: int, name: str, header: bool, first: int
) -> None:
    for row in body:
        if len(row.fields) != width:
            if row.end > row.line and any(
                "\n" in cell or "\r" in cell for cell in row.fields
            ):
                raise DataError(
                    f'{name} has a quote mark (") on line {row.line} that is never '
                    "closed; remove it or close it."
                )
            raise DataError(
                ragged_message(name, row.line, len(row.fields), width, header, first)
            )


def ragged_message(
    name: str, line: int, saw: int, expected: int, header: bool, first: int = 1
) -> str:
    against = "the header" if header else f"line {first}"
    return (
        f"Line {line} of {name} has {saw} value{'s' if saw != 1 else ''} but "
        f"{against} has {expected}; every row needs the same number of values."
    )


def _line_end(text: str) -> str:
    """``"\\r"`` for text whose lines end in a lone CR (old Mac), else ``"\\n"``."""
    return "\r" if "\n" not in text and "\r" in text else "\n"


def _offset_after_lines(raw: bytes, lines: int, encoding: str, line_end: str) -> int:
    """Byte offset after the BOM and the first ``lines`` lines."""
    offset = len(codecs.BOM_UTF8) if encoding == "utf-8-sig" else 0
    if encoding.startswith("utf-16"):
        return 0
    end = line_end.encode("ascii")
    for _ in range(lines):
        offset = raw.index(end, offset) + 1
    return offset
