"""The preview table: first rows and per-column facts, cheaply."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from guinet.core.data import DataError, preview


def test_csv_preview_reads_only_the_first_rows(tmp_path: Path) -> None:
    rows = "".join(f"{i},{i * 0.5},{'ab'[i % 2]},person {i},\n" for i in range(50000))
    (tmp_path / "d.csv").write_text("n,x,kind,name,empty\n" + rows)
    shown = preview({"kind": "csv", "path": "d.csv"}, tmp_path, rows=20)
    assert len(shown.frame) == 20 and list(shown.frame.columns)[:2] == ["n", "x"]
    info = {c.name: c for c in shown.columns}
    assert info["n"].dtype == "number" and info["n"].distinct == 20
    assert info["kind"].dtype == "category" and info["kind"].distinct == 2
    assert info["name"].dtype == "text"
    assert info["empty"].missing == 20
    assert shown.estimated and shown.total_rows == pytest.approx(50000, rel=0.2)


def test_small_csv_preview_knows_the_exact_count(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text("a;b\n1,5;x\n2,5;\n")
    shown = preview({"path": "d.csv"}, tmp_path)
    assert shown.total_rows == 2 and not shown.estimated
    assert shown.frame["a"].tolist() == [1.5, 2.5]
    assert {c.name: c.missing for c in shown.columns} == {"a": 0, "b": 1}


def test_preview_shows_bad_values_as_text_without_failing(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text("age,y\n31,0\n4x,1\n")
    shown = preview({"path": "d.csv"}, tmp_path)
    assert shown.columns[0].dtype == "text"


def test_preview_of_bad_files_raises(tmp_path: Path) -> None:
    (tmp_path / "e.csv").write_text("")
    with pytest.raises(DataError, match="e.csv is empty"):
        preview({"path": "e.csv"}, tmp_path)
    with pytest.raises(DataError, match="Cannot find the data file"):
        preview({"path": "missing.csv"}, tmp_path)


def test_builtin_preview() -> None:
    shown = preview({"kind": "builtin", "name": "iris"}, rows=5)
    assert len(shown.frame) == 5 and shown.total_rows == 150
    assert shown.frame.columns[-1] == "class"
    assert shown.frame["class"].iloc[0] in ("setosa", "versicolor", "virginica")
    digits = preview({"kind": "builtin", "name": "digits"}, rows=3)
    assert digits.input_shape == (1, 8, 8)


def test_npy_and_npz_preview(tmp_path: Path) -> None:
    np.save(tmp_path / "m.npy", np.arange(300.0).reshape(100, 3))
    shown = preview({"kind": "npy", "path": "m.npy"}, tmp_path, rows=4)
    assert shown.total_rows == 100 and shown.frame.shape == (4, 3)
    np.savez(tmp_path / "d.npz", x=np.zeros((10, 2)), y=np.arange(10) % 2)
    arrays = preview({"kind": "npz", "path": "d.npz"}, tmp_path)
    assert list(arrays.frame.columns) == ["x0", "x1", "y"]


def test_parquet_preview(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    pd.DataFrame({"a": range(1000), "b": ["x"] * 1000}).to_parquet(
        tmp_path / "p.parquet"
    )
    shown = preview({"path": "p.parquet"}, tmp_path, rows=10)
    assert len(shown.frame) == 10 and shown.total_rows == 1000


def test_image_folder_preview_does_not_decode(tmp_path: Path) -> None:
    for label in ("cat", "dog"):
        (tmp_path / "img" / label).mkdir(parents=True)
        for i in range(3):
            (tmp_path / "img" / label / f"{i}.png").write_bytes(b"not decoded")
    shown = preview({"kind": "images", "path": "img", "size": [8, 8]}, tmp_path)
    assert shown.total_rows == 6 and shown.input_shape == (3, 8, 8)
    assert shown.frame["class"].tolist() == ["cat"] * 3 + ["dog"] * 3
    assert "cat: 3 files" in shown.notes[0]
