"""Preparation: scaling, encodings, missing values, tasks, splits, results."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from guinet.core.data import DataError, prepare


def write(tmp_path: Path, frame: pd.DataFrame, name: str = "d.csv") -> str:
    frame.to_csv(tmp_path / name, index=False)
    return name


def section(name: str, **data) -> dict:
    return {"source": {"kind": "csv", "path": name}, "target": "y", **data}


def numbers(n: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "a": rng.normal(10.0, 3.0, n),
            "b": rng.uniform(-50.0, 50.0, n),
            "c": rng.exponential(2.0, n),
        }
    )
    frame["y"] = (frame["a"] > 10).astype(int)
    return frame


# -- scaling -------------------------------------------------------------------
def test_standard_scaling_uses_the_training_split_only(tmp_path: Path) -> None:
    frame = numbers()
    name = write(tmp_path, frame)
    data = prepare(section(name, scaling="standard"), tmp_path)
    np.testing.assert_allclose(data.x_train.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(data.x_train.std(axis=0), 1.0, atol=1e-4)
    # the fitted offsets are the training means, not the means of all rows
    raw = prepare(section(name, scaling="none"), tmp_path)
    np.testing.assert_allclose(data.scaler.offset, raw.x_train.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(data.scaler.scale, raw.x_train.std(axis=0), rtol=1e-4)
    everything = frame[["a", "b", "c"]].to_numpy()
    assert not np.allclose(data.scaler.offset, everything.mean(axis=0), rtol=1e-4)
    # validation and test were scaled with the training statistics
    np.testing.assert_allclose(
        data.x_val, (raw.x_val - data.scaler.offset) / data.scaler.scale, atol=1e-5
    )
    np.testing.assert_allclose(
        data.x_test, (raw.x_test - data.scaler.offset) / data.scaler.scale, atol=1e-5
    )


def test_outliers_in_held_out_rows_do_not_move_the_scaler(tmp_path: Path) -> None:
    frame = numbers(100)
    frame.insert(0, "row", np.arange(100.0))
    name = write(tmp_path, frame)
    raw = prepare(section(name, scaling="none", features=["row"]), tmp_path)
    held_out = np.concatenate([raw.x_val[:, 0], raw.x_test[:, 0]]).astype(int)
    shifted = frame.copy()
    shifted.loc[held_out, "b"] += 1e4  # wild values in validation and test rows
    # the row numbers are a feature here only because they are chosen by hand
    features = ["row", "a", "b", "c"]
    before = prepare(section(name, features=features), tmp_path)
    after = prepare(
        section(write(tmp_path, shifted, "e.csv"), features=features), tmp_path
    )
    np.testing.assert_array_equal(after.scaler.offset, before.scaler.offset)
    np.testing.assert_array_equal(after.scaler.scale, before.scaler.scale)
    np.testing.assert_array_equal(after.x_train, before.x_train)
    assert (after.x_test[:, 2] > 100).all()


def test_minmax_scaling(tmp_path: Path) -> None:
    name = write(tmp_path, numbers())
    data = prepare(section(name, scaling="minmax"), tmp_path)
    np.testing.assert_allclose(data.x_train.min(axis=0), 0.0, atol=1e-6)
    np.testing.assert_allclose(data.x_train.max(axis=0), 1.0, atol=1e-6)


def test_no_scaling_keeps_values(tmp_path: Path) -> None:
    frame = numbers(50)
    name = write(tmp_path, frame)
    data = prepare(
        section(name, scaling="none", split={"validation": 0, "test": 0}), tmp_path
    )
    np.testing.assert_allclose(data.x_train, frame[["a", "b", "c"]], rtol=1e-6)


def test_constant_column_is_centred_not_divided_by_zero(tmp_path: Path) -> None:
    frame = numbers(60)
    frame["k"] = 5.0
    name = write(tmp_path, frame)
    data = prepare(section(name, features=["a", "k"]), tmp_path)
    assert np.isfinite(data.x_train).all()
    np.testing.assert_allclose(data.x_train[:, 1], 0.0)


# -- encodings -----------------------------------------------------------------
def test_one_hot_features_and_text_labels(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "size": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0] * 5,
            "colour": ["red", "green", "blue"] * 10,
            "y": ["dog", "cat", "cat", "dog", "bird", "cat"] * 5,
        }
    )
    name = write(tmp_path, frame)
    data = prepare(
        section(name, scaling="none", split={"validation": 0, "test": 0}), tmp_path
    )
    assert data.feature_names == ["size", "colour=blue", "colour=green", "colour=red"]
    assert data.report.encodings == {"colour": ["blue", "green", "red"]}
    assert data.class_names == ["bird", "cat", "dog"] and data.task == "multiclass"
    np.testing.assert_array_equal(
        data.x_train[:3, 1:], [[0, 0, 1], [0, 1, 0], [1, 0, 0]]
    )
    np.testing.assert_array_equal(data.y_train[:6], [2, 1, 1, 2, 0, 1])
    # one-hot columns are left at 0/1 by standard scaling
    scaled = prepare(section(name), tmp_path)
    assert set(np.unique(scaled.x_train[:, 1:])) == {0.0, 1.0}


def test_binary_targets_are_float_columns_with_class_1_second(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": np.arange(20.0), "y": ["no", "yes"] * 10})
    data = prepare(section(write(tmp_path, frame)), tmp_path)
    assert data.task == "binary" and data.class_names == ["no", "yes"]
    assert data.y_train.shape == (len(data.x_train), 1)
    assert data.y_train.dtype == np.float32


def test_yes_no_feature_column_becomes_zero_one(tmp_path: Path) -> None:
    frame = pd.DataFrame({"smoker": [True, False] * 6, "y": [0, 1, 1] * 4})
    data = prepare(
        section(
            write(tmp_path, frame), scaling="none", split={"validation": 0, "test": 0}
        ),
        tmp_path,
    )
    np.testing.assert_array_equal(data.x_train[:4, 0], [1, 0, 1, 0])


# -- tasks ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("values", "task", "outputs"),
    [
        ([0, 1] * 20, "binary", 1),
        ([3, 5, 7, 9] * 10, "multiclass", 4),
        (list(np.linspace(0, 1, 40)), "regression", 1),
        (list(range(40)), "regression", 1),
        (["a", "b", "c", "d"] * 10, "multiclass", 4),
    ],
)
def test_task_detection(tmp_path: Path, values, task: str, outputs: int) -> None:
    frame = pd.DataFrame({"x": np.arange(40.0), "y": values})
    data = prepare(
        section(
            write(tmp_path, frame),
            split={"validation": 0.25, "test": 0.25, "stratify": False},
        ),
        tmp_path,
    )
    assert (data.task, data.n_outputs) == (task, outputs)
    assert any(note.startswith(f"task: {task}") for note in data.report.notes)


def test_task_override(tmp_path: Path) -> None:
    frame = pd.DataFrame({"x": np.arange(40.0), "y": [0, 1, 2, 3] * 10})
    name = write(tmp_path, frame)
    regression = prepare(section(name, task="regression"), tmp_path)
    assert regression.task == "regression" and regression.y_train.dtype == np.float32
    two = pd.DataFrame({"x": np.arange(40.0), "y": [0, 1] * 20})
    multi = prepare(section(write(tmp_path, two, "b.csv"), task="multiclass"), tmp_path)
    assert multi.task == "multiclass" and multi.n_outputs == 2
    assert multi.y_train.dtype == np.int64


def test_several_regression_targets(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(50, 4)), columns=["a", "b", "u", "v"])
    data = prepare(
        {
            "source": {"kind": "csv", "path": write(tmp_path, frame)},
            "target": ["u", "v"],
        },
        tmp_path,
    )
    assert data.task == "regression" and data.n_outputs == 2
    assert data.y_train.shape[1] == 2 and data.target_names == ["u", "v"]


def test_one_hot_target_columns_become_classes(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "a": np.arange(30.0),
            "cat": [1, 0, 0] * 10,
            "dog": [0, 1, 0] * 10,
            "owl": [0, 0, 1] * 10,
        }
    )
    data = prepare(
        {
            "source": {"kind": "csv", "path": write(tmp_path, frame)},
            "target": ["cat", "dog", "owl"],
        },
        tmp_path,
    )
    assert data.task == "multiclass" and data.class_names == ["cat", "dog", "owl"]
    assert data.report.class_counts["train"] == {"cat": 6, "dog": 6, "owl": 6}


# -- missing values ---------------------------------------------------------------
def gappy(tmp_path: Path) -> str:
    frame = pd.DataFrame(
        {
            "a": [1.0, np.nan, 3.0, 4.0, 5.0, np.nan, 7.0, 8.0, 9.0, 10.0] * 3,
            "kind": ["x", "y", None, "x", "x", "y", "x", "y", "x", "y"] * 3,
            "y": [0, 1] * 15,
        }
    )
    return write(tmp_path, frame)


def test_missing_values_error_when_asked(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"missing values in a \(6\), kind \(3\)"):
        prepare(section(gappy(tmp_path), missing="error"), tmp_path)


def test_missing_values_are_filled_by_default_and_said(tmp_path: Path) -> None:
    data = prepare(section(gappy(tmp_path)), tmp_path)
    assert data.report.missing.filled == {"a": 6, "kind": 3}
    assert not np.isnan(data.x_train).any()
    assert (
        "filled 9 missing values (a 6, kind 3) with the training split's mean / "
        "most frequent value" in data.report.lines()
    )


def test_missing_values_dropped_and_counted(tmp_path: Path) -> None:
    data = prepare(section(gappy(tmp_path), missing="drop"), tmp_path)
    report = data.report.missing
    assert report.found == {"a": 6, "kind": 3} and report.rows_dropped == 9
    assert sum(data.report.rows.values()) == 21
    assert any("dropped 9 rows" in line for line in data.report.lines())


def test_missing_values_filled_from_the_training_split(tmp_path: Path) -> None:
    name = gappy(tmp_path)
    data = prepare(
        section(
            name,
            missing="fill",
            scaling="none",
            split={"validation": 0.2, "test": 0.2, "seed": 3},
        ),
        tmp_path,
    )
    report = data.report.missing
    assert report.found == {"a": 6, "kind": 3} and report.filled == {"a": 6, "kind": 3}
    assert report.rows_dropped == 0 and sum(data.report.rows.values()) == 30
    column = data.x_train[:, 0]
    assert not np.isnan(data.x_train).any()
    # the filled value is the mean of the training rows that had a value
    fill = data.encoder.columns[0].fill
    present = column[column != np.float32(fill)]
    assert fill == pytest.approx(present.mean(), rel=1e-5)
    assert data.encoder.columns[1].fill == "x"  # most frequent in training rows


def test_rows_with_a_missing_target_are_dropped_when_filling(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": np.arange(12.0), "y": [0, 1, None] + [0, 1, 1] * 3})
    data = prepare(
        section(
            write(tmp_path, frame), missing="fill", split={"validation": 0, "test": 0}
        ),
        tmp_path,
    )
    assert data.report.missing.rows_dropped == 1 and len(data.x_train) == 11


# -- splits ---------------------------------------------------------------------
def imbalanced(tmp_path: Path) -> str:
    frame = pd.DataFrame(
        {"a": np.arange(1000.0), "y": ["rare"] * 100 + ["common"] * 900}
    )
    return write(tmp_path, frame)


def test_stratified_split_keeps_class_ratios(tmp_path: Path) -> None:
    data = prepare(
        section(
            imbalanced(tmp_path), split={"validation": 0.2, "test": 0.1, "seed": 5}
        ),
        tmp_path,
    )
    counts = data.report.class_counts
    assert data.report.rows == {"train": 700, "validation": 200, "test": 100}
    assert counts["train"] == {"common": 630, "rare": 70}
    assert counts["validation"] == {"common": 180, "rare": 20}
    assert counts["test"] == {"common": 90, "rare": 10}


def test_same_seed_same_split_other_seed_other_split(tmp_path: Path) -> None:
    name = imbalanced(tmp_path)
    split = {"validation": 0.2, "test": 0.2, "seed": 1}
    one = prepare(section(name, split=split, scaling="none"), tmp_path)
    two = prepare(section(name, split=split, scaling="none"), tmp_path)
    other = prepare(section(name, split={**split, "seed": 2}, scaling="none"), tmp_path)
    np.testing.assert_array_equal(one.x_train, two.x_train)
    np.testing.assert_array_equal(one.x_test, two.x_test)
    assert not np.array_equal(one.x_test, other.x_test)
    # the splits never share a row and together hold every row
    everything = np.concatenate([one.x_train, one.x_val, one.x_test])[:, 0]
    assert sorted(everything) == list(range(1000))


def test_unstratified_and_zero_fraction_splits(tmp_path: Path) -> None:
    name = imbalanced(tmp_path)
    data = prepare(
        section(name, split={"validation": 0.0, "test": 0.25, "stratify": False}),
        tmp_path,
    )
    assert data.report.rows == {"train": 750, "validation": 0, "test": 250}
    assert data.x_val.shape == (0, 1) and data.y_val.shape == (0, 1)


def test_regression_split_is_seeded(tmp_path: Path) -> None:
    frame = numbers(200)
    frame["y"] = frame["a"] * 2.5
    name = write(tmp_path, frame)
    one = prepare(section(name, split={"seed": 4}), tmp_path)
    two = prepare(section(name, split={"seed": 4}), tmp_path)
    np.testing.assert_array_equal(one.y_val, two.y_val)
    assert one.report.rows == {"train": 120, "validation": 40, "test": 40}


# -- separate validation and test files -----------------------------------------
def test_separate_validation_and_test_files(tmp_path: Path) -> None:
    train = pd.DataFrame(
        {"a": np.arange(20.0), "kind": ["p", "q"] * 10, "y": ["no", "yes"] * 10}
    )
    valid = pd.DataFrame(
        {"a": [100.0, 200.0], "kind": ["q", "new"], "y": ["yes", "no"]}
    )
    write(tmp_path, train, "train.csv")
    write(tmp_path, valid, "valid.csv")
    write(tmp_path, valid, "test.csv")
    data = prepare(
        {
            "source": {"kind": "csv", "path": "train.csv"},
            "target": "y",
            "validation_source": {"kind": "csv", "path": "valid.csv"},
            "test_source": {"kind": "csv", "path": "test.csv"},
        },
        tmp_path,
    )
    assert data.report.rows == {"train": 20, "validation": 2, "test": 2}
    np.testing.assert_array_equal(data.y_val.ravel(), [1, 0])
    # encoded with the training vocabulary (unseen "new" → all zeros) and scaler
    np.testing.assert_array_equal(data.x_val[:, 1:], [[0, 1], [0, 0]])
    assert data.x_val[0, 0] == pytest.approx(
        (100 - 9.5) / np.arange(20.0).std(), rel=1e-5
    )


def test_separate_file_with_an_unknown_class(tmp_path: Path) -> None:
    write(tmp_path, pd.DataFrame({"a": np.arange(10.0), "y": ["a", "b"] * 5}), "t.csv")
    write(tmp_path, pd.DataFrame({"a": [1.0], "y": ["c"]}), "v.csv")
    with pytest.raises(DataError, match="v.csv has class 'c', which the training"):
        prepare(
            {
                "source": {"kind": "csv", "path": "t.csv"},
                "target": "y",
                "validation_source": {"kind": "csv", "path": "v.csv"},
            },
            tmp_path,
        )


# -- the result ---------------------------------------------------------------------
def test_tensors_move_once_and_keep_dtypes() -> None:
    torch = pytest.importorskip("torch")
    data = prepare({"source": {"kind": "builtin", "name": "blobs"}})
    first = data.tensors("cpu")
    assert data.tensors(torch.device("cpu")) is first
    assert first.x_train.dtype == torch.float32 and first.y_train.dtype == torch.int64
    assert tuple(first.x_val.shape) == data.x_val.shape


def test_metadata_and_transform_of_new_rows(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"a": np.arange(30.0), "kind": ["p", "q", "r"] * 10, "y": [0, 1] * 15}
    )
    data = prepare(section(write(tmp_path, frame)), tmp_path)
    meta = data.metadata()
    assert meta["class_names"] == ["0", "1"] and meta["encodings"] == {
        "kind": ["p", "q", "r"]
    }
    assert meta["scaler"]["kind"] == "standard" and len(meta["scaler"]["offset"]) == 4
    new = data.transform(pd.DataFrame({"a": [3.0], "kind": ["q"]}))
    assert new.shape == (1, 4)
    np.testing.assert_array_equal(new[0, 1:], [0, 1, 0])


def test_progress_reports_rise_to_one(tmp_path: Path) -> None:
    seen: list[float] = []
    prepare(
        section(write(tmp_path, numbers())),
        tmp_path,
        progress=lambda f, message: seen.append(f),
    )
    assert seen[-1] == 1.0 and seen == sorted(seen) and len(seen) >= 2
