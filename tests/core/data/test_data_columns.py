"""Columns as a course's CSV has them: IDs, free text, "?" marks, mixed values.

Titanic is the file every course starts with; with default settings and the
target Survived it must load and train, leaving the row number, names,
tickets and cabins out of the features and saying so.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from guinet.cli import main
from guinet.core.data import DataError, prepare
from guinet.core.params import Param, ParamError
from tests.titanic import write_titanic

LEFT_OUT = ["PassengerId", "Name", "Ticket", "Cabin"]


def titanic(tmp_path: Path, **data) -> dict:
    write_titanic(tmp_path / "titanic.csv")
    return {
        "source": {"kind": "csv", "path": "titanic.csv"},
        "target": "Survived",
        **data,
    }


def csv(tmp_path: Path, text: str, **data):
    (tmp_path / "d.csv").write_text(text)
    section = {"source": {"kind": "csv", "path": "d.csv"}, "target": "y", **data}
    return prepare(section, tmp_path)


# -- Titanic ---------------------------------------------------------------------
def test_titanic_loads_with_default_settings(tmp_path: Path) -> None:
    data = prepare(titanic(tmp_path), tmp_path)
    assert data.task == "binary"
    assert data.report.left_out.keys() == set(LEFT_OUT)
    used = {name.split("=")[0] for name in data.feature_names}
    assert used == {"Pclass", "Sex", "Age", "SibSp", "Parch", "Fare", "Embarked"}
    lines = data.report.lines()
    assert (
        "left out of the features, as they look like a row number, an ID or free "
        "text: PassengerId (numbers the rows, 1 to 891); Name (891 different values "
        "in 891 rows); Ticket (890 different values in 891 rows); Cabin (216 "
        "different values in 239 rows)"
    ) in lines
    # Age and Embarked have gaps: filled from the training rows, and said
    assert data.report.missing.found == {"Age": 174, "Embarked": 2}
    assert any(line.startswith("filled 176 missing values") for line in lines)
    assert "Sex: text, one-hot encoded as 2 features (female, male)" in lines
    assert not np.isnan(data.x_train).any()


def test_titanic_trains_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = {
        "guinet": 1,
        "name": "titanic",
        "data": titanic(tmp_path),
        "model": {
            "layers": [
                {"type": "Linear", "out_features": 16},
                {"type": "ReLU"},
                {"type": "Linear", "out_features": 1},
            ]
        },
        "training": {
            "optimizer": {"type": "Adam", "lr": 0.01},
            "epochs": 15,
            "batch_size": 32,
            "device": "cpu",
            "checkpoint": {"enabled": False},
        },
    }
    path = tmp_path / "titanic.guinet"
    path.write_text(json.dumps(project))
    code = main(["train", str(path), "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    summary = json.loads(captured.out.strip().splitlines()[-1])
    # survival follows sex and class: far better than always guessing "died"
    assert summary["test"]["accuracy"] > 0.72


def test_the_command_line_tells_every_problem_on_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = {
        "guinet": 1,
        "data": titanic(tmp_path, features=["Name", "Ticket", "Fare"]),
        "model": {"layers": [{"type": "Linear", "out_features": 1}]},
    }
    path = tmp_path / "titanic.guinet"
    path.write_text(json.dumps(project))
    code = main(["train", str(path)])
    err = capsys.readouterr().err
    assert code != 0 and err.count("\n") == 1
    assert err.startswith(
        "guinet: titanic.guinet: titanic.csv has 2 problems to fix: • Column 'Name'"
    )
    assert "• Column 'Ticket' of titanic.csv holds numbers and text" in err


def test_an_id_chosen_by_hand_is_used(tmp_path: Path) -> None:
    data = prepare(
        titanic(tmp_path, features=["PassengerId", "Pclass", "Sex"]), tmp_path
    )
    assert data.feature_names == ["PassengerId", "Pclass", "Sex=female", "Sex=male"]
    assert data.report.left_out == {}


def test_every_problem_of_a_file_is_told_at_once(tmp_path: Path) -> None:
    chosen = ["Name", "Ticket", "Age", "Fare"]
    with pytest.raises(DataError) as caught:
        prepare(titanic(tmp_path, features=chosen, missing="error"), tmp_path)
    message = str(caught.value)
    assert message.startswith("titanic.csv has 3 problems to fix:\n• ")
    assert "Column 'Name' of titanic.csv holds text with 891 different" in message
    assert "Column 'Ticket' of titanic.csv holds numbers and text with" in message
    assert "titanic.csv has missing values in Age (174)" in message


def test_several_kinds_of_problems_in_one_message(tmp_path: Path) -> None:
    text = "age,b,c,y\n31,1,1,0\n45,inf,2,1\n5O,2,,0\n22,3,4,1\n"
    with pytest.raises(DataError) as caught:
        csv(tmp_path, text, missing="error")
    lines = str(caught.value).splitlines()
    assert lines[0] == "d.csv has 3 problems to fix:"
    assert lines[1].startswith("• Column 'age' of d.csv holds numbers, but row 3")
    assert lines[2].startswith("• Column 'b' of d.csv has an infinite value in row 2")
    assert lines[3].startswith("• d.csv has missing values in c (1)")


def test_a_typo_in_a_number_column_is_still_an_error(tmp_path: Path) -> None:
    rows = "".join(f"{i}.5,{i % 2}\n" for i in range(200))
    with pytest.raises(DataError, match=r"'a' of d.csv holds numbers, but row 201"):
        csv(tmp_path, "a,y\n" + rows + "oops,1\n")


# -- which columns look like IDs -------------------------------------------------
@pytest.mark.parametrize(
    ("header", "values", "left_out"),
    [
        ("id", [7 * i + 3 for i in range(60)], True),  # unique numbers, an ID's name
        ("Unnamed: 0", list(range(60)), True),  # pandas' saved index
        ("No", list(range(1, 61)), True),  # the UCI files' row number
        ("store_id", [i % 4 for i in range(60)], False),  # repeats: a category
        ("year", list(range(1950, 2010)), False),  # unique, but a real feature
        ("x", list(range(60)), False),  # no ID's name: kept
        ("word", [f"w{i}" for i in range(60)], True),  # text unique per row
        ("colour", ["red", "blue", "green"] * 20, False),
    ],
)
def test_which_columns_are_left_out(
    tmp_path: Path, header: str, values: list, left_out: bool
) -> None:
    rows = "".join(f"{v},{i % 3},{i % 2}\n" for i, v in enumerate(values))
    data = csv(tmp_path, f"{header},z,y\n" + rows)
    used = {name.split("=")[0] for name in data.feature_names}
    assert (header in data.report.left_out) is left_out
    assert (header in used) is not left_out
    assert "z" in used


# -- missing-value marks -----------------------------------------------------------
def uci(tmp_path: Path, **data):
    """A UCI-style file: '?' for missing, after a space, in text and numbers."""
    rows = []
    works = ["Private", "Self-emp", "State-gov"]
    for i in range(60):
        work = " ?" if i % 7 == 0 else f" {works[i % 3]}"
        hours = " ?" if i % 11 == 0 else f" {20 + i % 40}"
        rows.append(f"{30 + i % 30},{work},{hours},{i % 2}\n")
    return csv(tmp_path, "age,workclass,hours,y\n" + "".join(rows), **data)


def test_question_marks_are_missing_values_by_default(tmp_path: Path) -> None:
    data = uci(tmp_path)
    assert data.report.missing.marked == {"workclass": 9, "hours": 6}
    assert data.feature_names == [
        "age",
        "workclass=Private",
        "workclass=Self-emp",
        "workclass=State-gov",
        "hours",
    ]
    assert 'read "?" as missing: workclass (9), hours (6)' in data.report.lines()
    assert not np.isnan(data.x_train).any()


def test_missing_value_marks_are_a_setting(tmp_path: Path) -> None:
    with pytest.raises(
        DataError,
        match=r"'hours' of d.csv holds numbers, but 6 rows hold text \(row 1 "
        r"\(line 2\) has '\?'\); correct those values, or if '\?' means no value, "
        "add it to the missing-value marks",
    ):
        uci(tmp_path, missing_values=[])
    data = uci(tmp_path, missing_values=["?"], missing="drop")
    assert data.report.missing.rows_dropped == 14
    assert sum(data.report.rows.values()) == 46


def test_mostly_text_with_a_few_numbers_is_said(tmp_path: Path) -> None:
    countries = [f"Country-{i % 30}" for i in range(90)]
    countries[5], countries[17], countries[40] = "12", "7", "12"
    rows = "".join(f"{c},{i % 5},{i % 2}\n" for i, c in enumerate(countries))
    data = csv(tmp_path, "country,z,y\n" + rows, split={"validation": 0, "test": 0})
    line = next(x for x in data.report.lines() if x.startswith("country:"))
    assert line.startswith("country: text, one-hot encoded as 32 features (12, 7, ")
    assert (
        "Country-0, Country-1, Country-10, Country-11, Country-12, Country-13, …"
        in line
    )
    assert ", … (24 more)" in line
    assert line.endswith("; 3 of its values are numbers, each taken as a category")


def test_texts_params_take_lists_and_comma_separated_text() -> None:
    marks = Param("marks", "texts", ("?",))
    assert marks.coerce(["?", "NA"]) == ["?", "NA"]
    assert marks.parse(" ?, NA ,-") == ["?", "NA", "-"]
    assert marks.parse("") == []
    assert marks.format(("?", "-")) == "?, -"
    with pytest.raises(ParamError, match="must be a list of texts"):
        marks.coerce("?")
