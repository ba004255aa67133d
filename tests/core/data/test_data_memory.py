"""Reading a table lean: compact chunks joined a column at a time.

The figures for a 1,000,000-row file come from benchmarks/data_memory.py;
these tests pin what makes them: float32 and int32 columns straight from the
parser, float64 kept only where a value needs it, chunks that disagree on a
column's type read again as text, and a peak (as NumPy allocations, which
tracemalloc sees) that stays near the prepared data.
"""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from guinet.cli import main
from guinet.core.data import DataError, errors, pipeline, prepare, tables
from guinet.core.data.errors import Progress


@pytest.fixture
def chunked(monkeypatch):
    """Read every file in row chunks of 1,000 rows."""
    monkeypatch.setattr(tables, "CHUNK_BYTES", 1)
    monkeypatch.setattr(errors, "REPORT_INTERVAL", 0.0)


def read(path: Path):
    return tables.read_csv(path, {}, Progress()).frame


def test_columns_are_read_as_float32_and_int32(tmp_path: Path, chunked) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=3000),
            "gap": np.where(np.arange(3000) % 7 == 0, np.nan, 1.5),
            "count": rng.integers(0, 100, 3000),
            "big": rng.integers(0, 2**40, 3000),
            "huge": np.full(3000, 1e300),
            "city": rng.choice(["Lyon", "Oslo"], 3000),
        }
    )
    frame.to_csv(tmp_path / "t.csv", index=False)
    got = read(tmp_path / "t.csv")
    assert got["x"].dtype == np.float32 and got["gap"].dtype == np.float32
    assert got["count"].dtype == np.int32
    assert got["big"].dtype == np.int64  # too big for int32: kept whole
    assert got["huge"].dtype == np.float64  # kept, so it is refused by name
    np.testing.assert_array_equal(got["x"], frame["x"].astype(np.float32))
    np.testing.assert_array_equal(got["gap"].isna(), frame["gap"].isna())
    np.testing.assert_array_equal(got["big"], frame["big"])
    assert got["city"].tolist() == frame["city"].tolist()


def test_a_huge_value_in_one_chunk_keeps_the_column_float64(
    tmp_path: Path, chunked
) -> None:
    rows = [f"{i}.5,{i % 2}" for i in range(3000)]
    rows[2500] = "1e300,1"
    (tmp_path / "h.csv").write_text("a,y\n" + "\n".join(rows) + "\n")
    assert read(tmp_path / "h.csv")["a"].dtype == np.float64
    with pytest.raises(DataError, match=r"'a' of h.csv has the value 1e\+300"):
        prepare({"source": {"kind": "csv", "path": "h.csv"}, "target": "y"}, tmp_path)


def test_ints_in_some_chunks_and_floats_in_others(tmp_path: Path, chunked) -> None:
    rows = [f"{i},{i % 2}" for i in range(3000)]
    rows[2500] = ",1"  # a gap: pandas reads that chunk as floats
    (tmp_path / "g.csv").write_text("a,y\n" + "\n".join(rows) + "\n")
    column = read(tmp_path / "g.csv")["a"]
    assert column.dtype == np.float32
    assert column.isna().sum() == 1 and column[2499] == 2499


def test_text_in_a_later_chunk_is_read_as_the_file_says(
    tmp_path: Path, chunked
) -> None:
    # numbers in the first chunks, words later: one read_csv call would give
    # the text as written ("3.50", not 3.5), and so does the chunked read
    values = [f"{i % 4}.50" for i in range(3000)]
    values[2800] = "many"
    lines = [f"{v},{i % 2}" for i, v in enumerate(values)]
    (tmp_path / "m.csv").write_text("size,y\n" + "\n".join(lines) + "\n")
    column = read(tmp_path / "m.csv")["size"]
    assert column.tolist() == values
    expected = pd.read_csv(tmp_path / "m.csv")["size"]
    assert column.tolist() == expected.tolist()


def test_yes_no_with_gaps_across_chunks(tmp_path: Path, chunked) -> None:
    values = ["True" if i % 3 else "False" for i in range(3000)]
    values[2700] = ""
    lines = [f"{v},{i}.5,{i % 2}" for i, v in enumerate(values)]
    (tmp_path / "b.csv").write_text("flag,a,y\n" + "\n".join(lines) + "\n")
    data = prepare(
        {
            "source": {"kind": "csv", "path": "b.csv"},
            "target": "y",
            "missing": "drop",
            "scaling": "none",
            "split": {"validation": 0, "test": 0},
        },
        tmp_path,
    )
    assert data.x_train.shape == (2999, 2)
    flags = [v == "True" for i, v in enumerate(values) if i != 2700]
    np.testing.assert_array_equal(data.x_train[:, 0], np.array(flags, np.float32))


def test_chunked_and_whole_reads_prepare_the_same_data(
    tmp_path: Path, monkeypatch
) -> None:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.normal(size=(5000, 5)), columns=list("abcde"))
    frame["kind"] = rng.choice(["p", "q", "r"], 5000)
    frame["y"] = rng.integers(0, 3, 5000)
    frame.to_csv(tmp_path / "s.csv", index=False)
    spec = {"source": {"kind": "csv", "path": "s.csv"}, "target": "y"}
    whole = prepare(spec, tmp_path)
    monkeypatch.setattr(tables, "CHUNK_BYTES", 1)
    chunks = prepare(spec, tmp_path)
    np.testing.assert_array_equal(whole.x_train, chunks.x_train)
    np.testing.assert_array_equal(whole.y_test, chunks.y_test)
    assert whole.report.lines() == chunks.report.lines()


def test_preparing_a_table_allocates_little_beyond_its_arrays(tmp_path: Path) -> None:
    rows = 200_000
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        rng.normal(size=(rows, 19)), columns=[f"f{i}" for i in range(19)]
    )
    frame["y"] = rng.integers(0, 2, rows)
    frame.to_csv(tmp_path / "n.csv", index=False)
    del frame
    spec = {"source": {"kind": "csv", "path": "n.csv"}, "target": "y"}
    tracemalloc.start()
    try:
        data = prepare(spec, tmp_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    arrays = sum(a.nbytes for a in (data.x_train, data.x_val, data.x_test))
    arrays += sum(a.nbytes for a in (data.y_train, data.y_val, data.y_test))
    # the float32 table as read, plus the arrays assembled from it, plus a chunk
    assert peak < 3 * arrays, f"peak {peak / 2**20:.1f} MiB for {arrays / 2**20:.1f}"


# -- the input shape from the first rows (guinet summary) ----------------------------
def big_table(tmp_path: Path, rows: int = 20_000, text: bool = False) -> Path:
    rng = np.random.default_rng(2)
    frame = pd.DataFrame(rng.normal(size=(rows, 4)), columns=list("abcd"))
    frame["flag"] = rng.integers(0, 2, rows).astype(bool)
    if text:
        frame["city"] = rng.choice(["Lyon", "Oslo", "Kyoto"], rows)
    frame["y"] = rng.integers(0, 3, rows)
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    assert path.stat().st_size > 4 * 2**16  # well past the sniffing sample
    return path


def spec_of(path: Path, **data) -> dict:
    return {"source": {"kind": "csv", "path": path.name}, "target": "y", **data}


def no_full_read(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("the whole file was read")

    monkeypatch.setattr(pipeline, "prepare", refuse)
    monkeypatch.setattr(tables, "read_csv", refuse)


def test_the_input_shape_of_a_big_table_from_its_first_rows(
    tmp_path: Path, monkeypatch
) -> None:
    path = big_table(tmp_path)
    whole = prepare(spec_of(path), tmp_path).input_shape
    no_full_read(monkeypatch)
    assert pipeline.peek_input_shape(spec_of(path), tmp_path) == whole == (5,)
    assert pipeline.peek_input_shape(spec_of(path, features=["a", 2]), tmp_path) == (2,)


def test_text_columns_and_small_files_need_the_whole_data(tmp_path: Path) -> None:
    path = big_table(tmp_path, text=True)
    assert pipeline.peek_input_shape(spec_of(path), tmp_path) is None
    assert pipeline.peek_input_shape(spec_of(path, features=["a", "b"]), tmp_path) == (
        2,
    )
    small = tmp_path / "small.csv"
    small.write_text("a,b,y\n1,2,0\n3,4,1\n")
    assert pipeline.peek_input_shape(spec_of(small), tmp_path) is None
    builtin = {"source": {"kind": "builtin", "name": "iris"}, "target": -1}
    assert pipeline.peek_input_shape(builtin) is None


def test_a_problem_in_the_first_rows_is_left_to_the_whole_data(
    tmp_path: Path, capsys
) -> None:
    path = big_table(tmp_path)
    assert pipeline.peek_input_shape(spec_of(path, target="salary"), tmp_path) is None
    with pytest.raises(DataError) as whole:
        prepare(spec_of(path, target="salary"), tmp_path)
    project = summary_project(tmp_path, path, target="salary")
    assert main(["summary", str(project)]) == 2
    assert str(whole.value) in capsys.readouterr().err


def summary_project(tmp_path: Path, path: Path, **data) -> Path:
    project = tmp_path / "big.guinet"
    project.write_text(
        json.dumps(
            {
                "guinet": 1,
                "data": spec_of(path, **data),
                "model": {"layers": [{"type": "Linear", "out_features": 3}]},
            }
        )
    )
    return project


def test_summary_reads_only_the_first_rows_of_a_big_table(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    project = summary_project(tmp_path, big_table(tmp_path))
    no_full_read(monkeypatch)
    assert main(["summary", str(project)]) == 0
    out = capsys.readouterr().out
    assert "(5,)" in out and "18" in out  # 5 inputs × 3 + 3


def test_summary_of_a_table_with_text_reads_it_all(tmp_path: Path, capsys) -> None:
    project = summary_project(tmp_path, big_table(tmp_path, text=True))
    assert main(["summary", str(project)]) == 0
    assert "(8,)" in capsys.readouterr().out  # a, b, c, d, flag + 3 cities


def test_number_columns_with_gaps_are_filled_without_copying_the_others(
    tmp_path: Path,
) -> None:
    frame = pd.DataFrame(
        {"a": [1.0, None, 3.0, 5.0] * 10, "b": np.arange(40.0), "y": [0, 1] * 20}
    )
    frame.to_csv(tmp_path / "g.csv", index=False)
    spec = {
        "source": {"kind": "csv", "path": "g.csv"},
        "target": "y",
        "scaling": "none",
        "split": {"validation": 0.0, "test": 0.0, "seed": 0},
    }
    data = prepare(spec, tmp_path)
    assert data.report.missing.filled == {"a": 10}
    fill = data.encoder.columns[0].fill
    assert fill == pytest.approx(3.0)  # the mean of 1, 3 and 5
    assert not np.isnan(data.x_train).any()
    assert sorted(set(data.x_train[:, 0].tolist())) == [1.0, 3.0, 5.0]
    assert sorted(data.x_train[:, 1].tolist()) == list(np.arange(40.0))
