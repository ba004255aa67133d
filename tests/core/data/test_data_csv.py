"""Reading text tables: delimiters, headers, quotes, encodings, other table kinds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from guinet.core.data import DataError, prepare

NO_SPLIT = {"validation": 0.0, "test": 0.0}


def load(
    tmp_path: Path, name: str, content: str | bytes, encoding: str = "utf-8", **data
):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding=encoding, newline="")
    source = {"kind": data.pop("kind", "csv"), "path": name, **data.pop("source", {})}
    section = {
        "source": source,
        "target": data.pop("target", "y"),
        "split": NO_SPLIT,
        "scaling": "none",
        **data,
    }
    return prepare(section, tmp_path)


def rows_of(prepared) -> np.ndarray:
    """Training rows in file order (splits keep the source order)."""
    return prepared.x_train


def test_comma_file_with_header(tmp_path: Path) -> None:
    data = load(tmp_path, "a.csv", "a,b,y\n1,2.5,0\n3,4.5,1\n5,6.5,0\n")
    assert data.feature_names == ["a", "b"]
    np.testing.assert_allclose(rows_of(data), [[1, 2.5], [3, 4.5], [5, 6.5]])
    assert data.x_train.dtype == np.float32
    assert "first row is the header" in data.report.notes


def test_semicolon_with_decimal_comma(tmp_path: Path) -> None:
    data = load(tmp_path, "eu.csv", "a;b;y\n1,5;2;0\n3,25;4;1\n")
    np.testing.assert_allclose(rows_of(data), [[1.5, 2], [3.25, 4]])
    assert any("semicolon" in n for n in data.report.notes)
    assert any("decimal comma" in n for n in data.report.notes)


def test_tab_separated(tmp_path: Path) -> None:
    data = load(tmp_path, "t.tsv", "a\tb\ty\n1\t2\t0\n3\t4\t1\n", kind="tsv")
    np.testing.assert_allclose(rows_of(data), [[1, 2], [3, 4]])


def test_tab_detected_in_a_csv_file(tmp_path: Path) -> None:
    data = load(tmp_path, "t.csv", "a\tb\ty\n1\t2\t0\n3\t4\t1\n")
    assert data.feature_names == ["a", "b"]


def test_explicit_delimiter(tmp_path: Path) -> None:
    data = load(tmp_path, "p.csv", "a|b|y\n1|2|0\n3|4|1\n", source={"delimiter": "|"})
    np.testing.assert_allclose(rows_of(data), [[1, 2], [3, 4]])


def test_quoted_fields_with_delimiters_and_line_breaks(tmp_path: Path) -> None:
    text = 'note,a,y\n"red, dark",1,0\n"blue\nlight",2,1\n"red, dark",3,1\n'
    data = load(tmp_path, "q.csv", text)
    assert data.report.encodings == {"note": ["blue\nlight", "red, dark"]}
    np.testing.assert_allclose(rows_of(data)[:, 2], [1, 2, 3])


def test_utf8_with_bom(tmp_path: Path) -> None:
    data = load(tmp_path, "bom.csv", "\ufeffwidth,y\n1,0\n2,1\n")
    assert data.feature_names == ["width"]


def test_latin1_fallback(tmp_path: Path) -> None:
    text = "café,y\nthé,1\nnaïve,0\nthé,0\nnaïve,1\n"
    data = load(tmp_path, "l.csv", text, encoding="latin-1")
    assert data.report.encodings == {"café": ["naïve", "thé"]}
    assert "not UTF-8: read as Latin-1" in data.report.notes


def test_latin1_after_a_long_utf8_looking_start(tmp_path: Path) -> None:
    head = "".join(f"{i},a,{i % 2}\n" for i in range(20000))
    text = "n,word,y\n" + head + "1,é,0\n"
    data = load(tmp_path, "late.csv", text, encoding="latin-1", features=["n"])
    assert len(data.x_train) == 20001
    assert "not UTF-8: read as Latin-1" in data.report.notes


def test_explicit_encoding(tmp_path: Path) -> None:
    text = "name,y\nÅsa,1\nÖrjan,0\n"
    data = load(
        tmp_path,
        "e.csv",
        text,
        encoding="cp1252",
        source={"encoding": "cp1252"},
        task="binary",
    )
    assert data.report.encodings == {"name": ["Åsa", "Örjan"]}


def test_headerless_file_by_index(tmp_path: Path) -> None:
    data = load(tmp_path, "n.csv", "1,2,0\n3,4,1\n5,6,0\n", target=-1)
    assert data.feature_names == ["column 0", "column 1"]
    assert data.target_names == ["column 2"]
    assert "no header row" in data.report.notes


def test_header_forced_off_and_on(tmp_path: Path) -> None:
    # a header read as data puts text into number columns: said, with its line
    with pytest.raises(DataError, match=r"'column 1' .* row 1 \(line 1\) has 'b'"):
        load(
            tmp_path,
            "f.csv",
            "a,b,c\nx,1,0\ny,2,1\nz,3,1\n",
            target=2,
            source={"header": False},
        )
    on = load(
        tmp_path, "g.csv", "1,2,3\n4,5,0\n6,7,1\n", target="3", source={"header": True}
    )
    assert on.feature_names == ["1", "2"]


def test_all_text_table_header_detected(tmp_path: Path) -> None:
    data = load(tmp_path, "t.csv", "colour,size,y\nred,big,yes\nblue,small,no\n")
    assert data.class_names == ["no", "yes"]


def test_features_by_name_and_index(tmp_path: Path) -> None:
    text = "a,b,c,y\n1,2,3,0\n4,5,6,1\n"
    by_name = load(tmp_path, "x.csv", text, features=["c", "a"])
    assert by_name.feature_names == ["c", "a"]
    np.testing.assert_allclose(rows_of(by_name)[0], [3, 1])
    by_index = load(tmp_path, "x.csv", text, features=[0, -2], target=3)
    assert by_index.feature_names == ["a", "c"]


def test_trailing_delimiter_column_is_dropped(tmp_path: Path) -> None:
    data = load(tmp_path, "t.csv", "a,b,y,\n1,2,0,\n3,4,1,\n")
    assert data.feature_names == ["a", "b"]
    assert any("empty column" in n for n in data.report.notes)


def test_thousands_of_columns(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    values = rng.normal(size=(20, 3000))
    frame = pd.DataFrame(values, columns=[f"c{i}" for i in range(3000)])
    frame["y"] = np.arange(20) % 2
    frame.to_csv(tmp_path / "wide.csv", index=False)
    data = prepare(
        {
            "source": {"kind": "csv", "path": "wide.csv"},
            "target": "y",
            "split": NO_SPLIT,
            "scaling": "none",
        },
        tmp_path,
    )
    assert data.input_shape == (3000,)
    np.testing.assert_allclose(data.x_train, values.astype(np.float32))


def test_parquet(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "y": ["u", "v", "u", "v"]})
    frame.to_parquet(tmp_path / "t.parquet")
    data = prepare(
        {
            "source": {"kind": "parquet", "path": "t.parquet"},
            "target": "y",
            "split": NO_SPLIT,
            "scaling": "none",
        },
        tmp_path,
    )
    assert data.class_names == ["u", "v"]
    np.testing.assert_allclose(data.x_train[:, 0], [1, 2, 3, 4])


def test_excel(tmp_path: Path) -> None:
    pytest.importorskip("openpyxl")
    frame = pd.DataFrame(
        {"a": [1, 2, 3, 4], "b": [0.5, 1.5, 2.5, 3.5], "y": ["no", "yes", "no", "yes"]}
    )
    frame.to_excel(tmp_path / "t.xlsx", index=False)
    data = prepare(
        {
            "source": {"path": "t.xlsx"},
            "target": "y",
            "split": NO_SPLIT,
            "scaling": "none",
        },
        tmp_path,
    )
    assert data.feature_names == ["a", "b"]
    np.testing.assert_allclose(data.x_train, frame[["a", "b"]].to_numpy())


def test_kind_inferred_from_extension(tmp_path: Path) -> None:
    (tmp_path / "t.tsv").write_text("a\tb\ty\n1\t2\t0\n3\t4\t1\n")
    data = prepare(
        {"source": {"path": "t.tsv"}, "target": "y", "split": NO_SPLIT}, tmp_path
    )
    assert data.input_shape == (2,)


def test_relative_path_resolved_against_base_dir(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d.csv").write_text("a,y\n1,0\n2,1\n")
    data = prepare(
        {
            "source": {"kind": "csv", "path": "sub/d.csv"},
            "target": "y",
            "split": NO_SPLIT,
        },
        tmp_path,
    )
    assert len(data.x_train) == 2


def test_missing_reader_message(tmp_path: Path, monkeypatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_openpyxl(name, *args, **kwargs):
        if name == "openpyxl":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    (tmp_path / "t.xlsx").write_bytes(b"PK\x03\x04")
    monkeypatch.setattr(builtins, "__import__", no_openpyxl)
    with pytest.raises(DataError, match="needs the openpyxl package"):
        prepare({"source": {"path": "t.xlsx"}, "target": "y"}, tmp_path)
