"""Bad input: each gets one clear DataError naming the file, column or row."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from guinet.core.data import DataError, prepare

NO_SPLIT = {"validation": 0.0, "test": 0.0}


def csv(tmp_path: Path, content: str | bytes, name: str = "d.csv", **data) -> None:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    section = {
        "source": {"kind": "csv", "path": name},
        "target": "y",
        "split": NO_SPLIT,
        **data,
    }
    prepare(section, tmp_path)


def test_data_error_is_a_value_error() -> None:
    assert issubclass(DataError, ValueError)


@pytest.mark.parametrize("content", ["", "\n\n   \n"])
def test_empty_file(tmp_path: Path, content: str) -> None:
    with pytest.raises(DataError, match=r"^d\.csv is empty\.$"):
        csv(tmp_path, content)


def test_header_without_rows(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="d.csv has a header but no data rows"):
        csv(tmp_path, "a,b,y\n")


def test_png_renamed_to_csv(tmp_path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (4, 4)).save(tmp_path / "photo.png")
    (tmp_path / "photo.csv").write_bytes((tmp_path / "photo.png").read_bytes())
    with pytest.raises(
        DataError, match="photo.csv is not a text table: it looks like a PNG image"
    ):
        prepare({"source": {"kind": "csv", "path": "photo.csv"}, "target": 0}, tmp_path)


def test_binary_junk(tmp_path: Path) -> None:
    junk = np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8).tobytes()
    with pytest.raises(DataError, match="d.csv is not a text table: it holds binary"):
        csv(tmp_path, b"a,b\n" + junk)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "a,b,y\n1,2,0\n3,4,1\n5,6,7,1\n",
            "Line 4 of d.csv has 4 values but the header has 3",
        ),
        (
            "a,b,y\n1,2,0\n3,4\n5,6,1\n",
            "Line 3 of d.csv has 2 values but the header has 3",
        ),
        ("1,2,0\n3,4,1,9\n", "Line 2 of d.csv has 4 values but line 1 has 3"),
    ],
)
def test_ragged_rows_name_the_line(tmp_path: Path, content: str, message: str) -> None:
    with pytest.raises(DataError, match=message):
        csv(tmp_path, content, target=-1)


def test_ragged_row_far_down_a_file(tmp_path: Path) -> None:
    rows = "".join(f"{i},{i},{i % 2}\n" for i in range(30000))
    with pytest.raises(DataError, match="Line 30002 of d.csv has 2 values"):
        csv(tmp_path, "a,b,y\n" + rows + "1,2\n")


def test_unclosed_quote(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"quote mark \(\"\) on line 2 that is never"):
        csv(tmp_path, 'a,b,y\n1,"2,0\n3,4,1\n')


def test_target_that_does_not_exist_lists_the_columns(tmp_path: Path) -> None:
    with pytest.raises(
        DataError, match="no target column 'Outcome' in d.csv; the columns are: a, b, c"
    ):
        csv(tmp_path, "a,b,c\n1,2,0\n", target="Outcome")


def test_target_index_out_of_range(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no column number 5 in d.csv: it has 3"):
        csv(tmp_path, "1,2,0\n3,4,1\n", target=5)


def test_no_target_chosen(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="Choose the target column"):
        csv(tmp_path, "a,y\n1,0\n", target=None)


def test_target_with_a_single_class(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="Target 'y' has only one class \\('1'\\)"):
        csv(tmp_path, "a,y\n1,1\n2,1\n3,1\n")


def test_target_also_a_feature(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="'y' is both the target and a feature"):
        csv(tmp_path, "a,y\n1,0\n2,1\n", features=["a", "y"])


def test_text_in_a_number_column(tmp_path: Path) -> None:
    content = "age,y\n31,0\n45,1\n5O,0\n22,1\n"
    with pytest.raises(
        DataError,
        match=r"Column 'age' of d.csv holds numbers, but row 3 "
        r"\(line 4\) has '5O'",
    ):
        csv(tmp_path, content)


def test_infinite_value(tmp_path: Path) -> None:
    with pytest.raises(
        DataError,
        match=r"Column 'b' of d.csv has an infinite value in row 2 "
        r"\(line 3\)",
    ):
        csv(tmp_path, "b,y\n1,0\ninf,1\n2,0\n")


def test_value_too_large_for_float32(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="the value 1e\\+300, too large"):
        csv(tmp_path, "b,y\n1,0\n1e300,1\n2,0\n")


def test_nan_values_error_names_columns_and_counts(tmp_path: Path) -> None:
    with pytest.raises(
        DataError, match=r"d.csv has missing values in b \(2\), y \(1\)"
    ):
        csv(tmp_path, "b,y\n1,0\nNaN,1\n,0\n4,\n", missing="error")


def test_missing_values_error_speaks_the_menus_words(tmp_path: Path) -> None:
    from guinet.core.data.spec import MISSING

    with pytest.raises(DataError) as caught:
        csv(tmp_path, "b,y\n1,0\n,1\n3,0\n", missing="error")
    message = str(caught.value)
    for choice in ("drop", "fill"):
        assert f"\u201c{MISSING.choice_label(choice)}\u201d" in message
    assert MISSING.title in message
    assert '"drop"' not in message and '"fill"' not in message


def test_an_identifier_column_alone_leaves_no_features(tmp_path: Path) -> None:
    rows = "".join(f"person {i},{i % 2}\n" for i in range(120))
    with pytest.raises(
        DataError,
        match=r"d.csv has no columns left to use as features: every column but the "
        r"target looks like a row number, an ID or free text \('name': 120 "
        r"different values in 120 rows\)",
    ):
        csv(tmp_path, "name,y\n" + rows)


def test_an_identifier_column_chosen_by_hand_is_refused(tmp_path: Path) -> None:
    rows = "".join(f"person {i},{i},{i % 2}\n" for i in range(120))
    with pytest.raises(
        DataError,
        match="'name' of d.csv holds text with 120 different values in 120 rows, so "
        "it looks like a name or an ID",
    ):
        csv(tmp_path, "name,x,y\n" + rows, features=["name", "x"])


def test_class_too_small_to_stratify(tmp_path: Path) -> None:
    rows = "".join(f"{i},{'a' if i < 9 else 'b'}\n" for i in range(11))
    with pytest.raises(
        DataError,
        match="Class 'b' has only 2 rows, too few to stratify: it needs at least 3",
    ):
        csv(tmp_path, "x,y\n" + rows, split={"validation": 0.2, "test": 0.2})


def test_more_classes_than_rows_in_a_split(tmp_path: Path) -> None:
    rows = "".join(f"{i},{i % 5}\n" for i in range(20))
    with pytest.raises(
        DataError, match="The validation split gets only 2 rows but there are 5 classes"
    ):
        csv(
            tmp_path,
            "x,y\n" + rows,
            task="multiclass",
            split={"validation": 0.1, "test": 0.1, "stratify": False},
        )


@pytest.mark.parametrize(
    ("split", "message"),
    [
        ({"validation": 0.6, "test": 0.5}, "add up to 1 or more"),
        ({"validation": -0.1}, r"split: validation must be in \[0, 1\)"),
        ({"test": 1.0}, r"split: test must be in \[0, 1\)"),
        ({"seed": -3}, r"seed must be in \[0, "),
    ],
)
def test_bad_split_settings(tmp_path: Path, split: dict, message: str) -> None:
    with pytest.raises(DataError, match=message):
        csv(tmp_path, "x,y\n1,0\n2,1\n", split=split)


@pytest.mark.parametrize(
    ("key", "value"),
    [("task", "ranking"), ("scaling", "log"), ("missing", "ignore")],
)
def test_bad_section_values(tmp_path: Path, key: str, value: str) -> None:
    with pytest.raises(DataError, match=f"{key} must be one of"):
        csv(tmp_path, "x,y\n1,0\n2,1\n", **{key: value})


def test_binary_task_with_three_classes(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="task is binary but target 'y' has 3 classes"):
        csv(tmp_path, "x,y\n1,a\n2,b\n3,c\n", task="binary")


def test_regression_on_text(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="holds text such as 'a'; regression needs"):
        csv(tmp_path, "x,y\n1,a\n2,b\n", task="regression")


def test_missing_file_gives_the_path(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=f"Cannot find the data file {tmp_path}.*nope"):
        prepare(
            {"source": {"kind": "csv", "path": "nope.csv"}, "target": "y"}, tmp_path
        )


def test_folder_given_as_a_csv(tmp_path: Path) -> None:
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(DataError, match="is a folder, not a data file"):
        prepare({"source": {"kind": "csv", "path": "dir.csv"}, "target": "y"}, tmp_path)


def test_no_source_at_all() -> None:
    with pytest.raises(DataError, match="no source yet"):
        prepare({"target": "y"})


def test_unknown_extension_needs_a_kind(tmp_path: Path) -> None:
    (tmp_path / "d.weird").write_text("a,y\n1,0\n")
    with pytest.raises(DataError, match="Cannot tell what kind of file d.weird is"):
        prepare({"source": {"path": "d.weird"}, "target": "y"}, tmp_path)


def test_not_a_parquet_file(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    (tmp_path / "d.parquet").write_text("a,y\n1,0\n")
    with pytest.raises(DataError, match="d.parquet is not a Parquet file"):
        prepare({"source": {"path": "d.parquet"}, "target": "y"}, tmp_path)
