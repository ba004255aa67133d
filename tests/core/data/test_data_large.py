"""Big files: the piecewise reader, progress, cancellation, cheap imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import guinet
from guinet.core.data import DataCancelled, DataError, errors, prepare, tables

REPO = Path(guinet.__file__).resolve().parent.parent


@pytest.fixture
def piecewise(monkeypatch):
    """Make every file 'large': read in ~4 KiB pieces on the thread pool."""
    monkeypatch.setattr(tables, "DIRECT_READ_BYTES", 0)
    monkeypatch.setattr(tables, "CHUNK_BYTES", 4096)
    monkeypatch.setattr(errors, "REPORT_INTERVAL", 0.0)


def table(tmp_path: Path, rows: int = 3000, seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(rows, 4)), columns=list("abcd"))
    frame["kind"] = rng.choice(["p", "q", "r"], rows)
    frame["y"] = rng.integers(0, 3, rows)
    frame.to_csv(tmp_path / "big.csv", index=False)
    return "big.csv"


def section(name: str, **data) -> dict:
    return {"source": {"kind": "csv", "path": name}, "target": "y", **data}


def test_pieces_give_the_same_data_as_one_read(tmp_path: Path, monkeypatch) -> None:
    name = table(tmp_path)
    whole = prepare(section(name), tmp_path)
    monkeypatch.setattr(tables, "DIRECT_READ_BYTES", 0)
    monkeypatch.setattr(tables, "CHUNK_BYTES", 4096)
    pieces = prepare(section(name), tmp_path)
    np.testing.assert_array_equal(whole.x_train, pieces.x_train)
    np.testing.assert_array_equal(whole.y_test, pieces.y_test)
    assert whole.report.lines() == pieces.report.lines()


def test_progress_is_reported_while_reading(tmp_path: Path, piecewise) -> None:
    name = table(tmp_path)
    seen: list[tuple[float, str]] = []
    prepare(section(name), tmp_path, progress=lambda f, m: seen.append((f, m)))
    reading = [f for f, m in seen if m.startswith("Reading big.csv")]
    assert len(reading) > 10
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert all(0.0 <= f <= 1.0 for f in fractions)


def test_cancel_while_reading(tmp_path: Path, piecewise) -> None:
    name = table(tmp_path)
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 5

    with pytest.raises(DataCancelled):
        prepare(section(name), tmp_path, cancelled=cancelled)


def test_cancel_before_anything_happens(tmp_path: Path) -> None:
    with pytest.raises(DataCancelled):
        prepare(section(table(tmp_path, 50)), tmp_path, cancelled=lambda: True)


def test_cancel_while_reading_images(tmp_path: Path) -> None:
    from PIL import Image

    for label in ("a", "b"):
        (tmp_path / "img" / label).mkdir(parents=True)
        for i in range(40):
            Image.new("L", (4, 4), color=i).save(tmp_path / "img" / label / f"{i}.png")
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(DataCancelled):
        prepare(
            {"source": {"kind": "images", "path": "img"}}, tmp_path, cancelled=cancelled
        )


def test_quoted_line_breaks_across_piece_cuts(tmp_path: Path, piecewise) -> None:
    notes = ['"line one\nline two, with a comma"', "plain"] * 600
    text = "note,a,y\n" + "".join(
        f"{note},{i},{i % 2}\n" for i, note in enumerate(notes)
    )
    (tmp_path / "q.csv").write_text(text)
    data = prepare(
        section("q.csv", scaling="none", split={"validation": 0, "test": 0}), tmp_path
    )
    assert len(data.x_train) == 1200
    np.testing.assert_array_equal(data.x_train[:, 2], np.arange(1200))


def test_ragged_line_number_in_a_big_file(tmp_path: Path, piecewise) -> None:
    rows = "".join(f"{i},{i},{i % 2}\n" for i in range(5000))
    (tmp_path / "r.csv").write_text("a,b,y\n" + rows + "1,2,3,4\n" + rows)
    with pytest.raises(
        DataError, match="Line 5002 of r.csv has 4 values but the header has 3"
    ):
        prepare(section("r.csv"), tmp_path)


def test_latin1_read_in_pieces(tmp_path: Path, piecewise) -> None:
    rows = "".join(f"{i},{'thé' if i % 2 else 'café'},{i % 2}\n" for i in range(3000))
    (tmp_path / "l.csv").write_bytes(("a,drink,y\n" + rows).encode("latin-1"))
    data = prepare(section("l.csv"), tmp_path)
    assert data.report.encodings == {"drink": ["café", "thé"]}


def test_text_in_numbers_found_in_a_later_piece(tmp_path: Path, piecewise) -> None:
    rows = [f"{i}.5,{i % 2}\n" for i in range(4000)]
    rows[3500] = "oops,1\n"
    (tmp_path / "t.csv").write_text("a,y\n" + "".join(rows))
    with pytest.raises(DataError, match=r"row 3501 \(line 3502\) has 'oops'"):
        prepare(section("t.csv"), tmp_path)


def test_mixed_types_in_a_file_pandas_reads_in_parallel(tmp_path: Path) -> None:
    # over 5 MB pandas reads in parallel, falls back to a serial read on the
    # mixed column and would warn (DtypeWarning); the user hears from guinet
    rows = [f"{i}.25,{i % 3},{i % 2}\n" for i in range(400_000)]
    rows[390_000] = "n/a?,1,0\n"
    (tmp_path / "m.csv").write_text("a,b,y\n" + "".join(rows))
    assert (tmp_path / "m.csv").stat().st_size > 5 * 2**20
    with pytest.raises(DataError, match=r"'a' of m.csv holds numbers, but row 390001"):
        prepare(section("m.csv"), tmp_path)


def test_importing_the_data_package_is_cheap() -> None:
    script = (
        "import guinet.core.data as d, json, sys\n"
        "assert len(d.BUILTIN_DATASETS) >= 12\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
    heavy = {"numpy", "pandas", "torch", "sklearn", "PIL", "pyarrow", "PySide6"}
    assert not loaded & heavy
