"""Predicting for every kind of data guinet trains on: built-in arrays by
column name, one row typed field by field, and pictures made like the
training images. Each is checked against the app's own prepared data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image

from guinet import cli
from guinet.core.data import DataError
from guinet.core.predict import predict, predict_array, prepare_inputs
from guinet.core.predict_fields import (
    feature_fields,
    row_inputs,
    split_row,
    training_units,
)
from guinet.core.predict_images import (
    INK,
    image_input,
    prepare_image,
    trained_image_input,
)
from guinet.core.project import Project
from guinet.core.session import Session
from guinet.core.trained import TrainedModel, load_trained
from tests.core.test_predict import fruit_rows


def train(
    tmp_path: Path,
    data: dict[str, Any],
    layers: list[dict[str, Any]],
    *,
    epochs: int = 4,
    name: str = "p",
) -> TrainedModel:
    raw = {
        "guinet": 1,
        "name": name,
        "data": data,
        "model": {"layers": layers},
        "training": {
            "optimizer": {"type": "Adam", "lr": 0.02},
            "batch_size": 16,
            "epochs": epochs,
            "device": "cpu",
            "seed": 0,
            "early_stopping": {"enabled": False},
            "checkpoint": {"enabled": True, "dir": "{project}-checkpoints"},
        },
    }
    project = Project.from_dict(raw)
    project.save(tmp_path / f"{name}.guinet")
    session = Session(project)
    session.prepare_run().trainer.fit()
    return load_trained(session)


MLP = [
    {"type": "Linear", "out_features": 8},
    {"type": "ReLU"},
    {"type": "Linear", "out_features": 3},
]
IRIS = {"source": {"kind": "builtin", "name": "iris"}}
IRIS_NAMES = [
    "sepal length (cm)",
    "sepal width (cm)",
    "petal length (cm)",
    "petal width (cm)",
]


@pytest.fixture
def iris(tmp_path: Path) -> TrainedModel:
    return train(tmp_path, IRIS, MLP, name="iris")


def test_fields_of_a_builtin_set_are_its_columns_with_the_training_range(
    iris: TrainedModel,
) -> None:
    from sklearn.datasets import load_iris

    prepared = iris.prepared
    fields = feature_fields(prepared)
    assert [f.name for f in fields] == IRIS_NAMES == prepared.feature_names
    assert all(f.kind == "number" and f.decimals == 1 for f in fields)
    # the training rows in original units are rows of the iris data
    train = training_units(prepared, prepared.x_train)
    data = load_iris().data
    matches = np.abs(train[:, None, :] - data[None]).max(axis=2).min(axis=1)
    assert matches.max() < 1e-5
    np.testing.assert_allclose([f.low for f in fields], train.min(axis=0), atol=1e-6)
    np.testing.assert_allclose([f.high for f in fields], train.max(axis=0), atol=1e-6)
    np.testing.assert_allclose(
        [f.typical for f in fields], np.round(np.median(train, axis=0), 1)
    )
    assert (
        fields[2].range_text
        == f"range {train[:, 2].min():.1f} – {train[:, 2].max():.1f}"
    )


def test_a_test_row_in_original_units_predicts_as_the_model_on_x_test(
    iris: TrainedModel,
) -> None:
    prepared = iris.prepared
    expected = predict_array(iris, prepared.x_test)
    for index in range(len(prepared.x_test)):
        row = split_row(prepared, index)
        assert row.truth == prepared.class_names[int(prepared.y_test[index])]
        x = row_inputs(prepared, row.values)
        np.testing.assert_allclose(x[0], prepared.x_test[index], rtol=1e-5, atol=1e-5)
        got = predict_array(iris, x)
        np.testing.assert_allclose(
            got.probabilities, expected.probabilities[index : index + 1], atol=1e-5
        )
    # the same rows as a table, by column name, in another order
    frame = pd.DataFrame(
        [split_row(prepared, i).values for i in range(len(prepared.x_test))]
    )[IRIS_NAMES[::-1]]
    inputs = prepare_inputs(iris, frame)
    np.testing.assert_allclose(inputs.x, prepared.x_test, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(predict(iris, inputs).index, expected.index)


def test_guinet_predict_works_for_a_builtin_set(
    iris: TrainedModel, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prepared = iris.prepared
    rows = [split_row(prepared, i).values for i in range(5)]
    pd.DataFrame(rows).round(1).to_csv(tmp_path / "new.csv", index=False)
    out = tmp_path / "pred.csv"
    project = str(tmp_path / "iris.guinet")
    args = ["predict", project, "--input", str(tmp_path / "new.csv")]
    assert cli.main([*args, "--output", str(out)]) == 0
    written = pd.read_csv(out)
    assert (
        written["predicted"].tolist() == predict_array(iris, prepared.x_test[:5]).labels
    )
    assert list(written.columns[-3:]) == [
        f"probability_{c}" for c in prepared.class_names
    ]
    capsys.readouterr()
    # missing columns are named, all at once
    pd.DataFrame(rows)[IRIS_NAMES[:2]].to_csv(tmp_path / "thin.csv", index=False)
    thin = ["predict", project, "--input", str(tmp_path / "thin.csv")]
    assert cli.main([*thin, "--output", str(tmp_path / "p.csv")]) == 2
    err = capsys.readouterr().err
    assert "lacks 2 of the 4 feature column(s)" in err
    assert "'petal length (cm)', 'petal width (cm)'" in err


def test_moons_rows_use_the_data_pages_names_and_refuse_text(tmp_path: Path) -> None:
    moons = {"source": {"kind": "builtin", "name": "moons", "samples": 60}}
    layers = [*MLP[:2], {"type": "Linear", "out_features": 1}]
    trained = train(tmp_path, moons, layers, epochs=2)
    assert trained.prepared.feature_names == ["x1", "x2"]
    fields = feature_fields(trained.prepared)
    assert [(f.name, f.decimals) for f in fields] == [("x1", 3), ("x2", 3)]
    inputs = prepare_inputs(trained, pd.DataFrame({"x2": [0.5], "X1": [1.0]}))
    expected = row_inputs(trained.prepared, {"x1": 1.0, "x2": 0.5})
    np.testing.assert_array_equal(inputs.x, expected)
    with pytest.raises(DataError, match=r"'x1' of the new rows holds text \('big'"):
        prepare_inputs(trained, pd.DataFrame({"x1": ["big"], "x2": [1.0]}))
    with pytest.raises(DataError, match="'x2' of the new rows has 1 missing"):
        prepare_inputs(trained, pd.DataFrame({"x1": [1.0], "x2": [None]}))
    with pytest.raises(DataError, match="No value for 'x2'"):
        row_inputs(trained.prepared, {"x1": 1.0})
    assert image_input(moons["source"], trained.prepared) is None


def test_table_fields_have_categories_and_rows_encode_as_the_test_split(
    tmp_path: Path,
) -> None:
    frame = fruit_rows(120, 0)
    frame["ripe"] = np.arange(120) % 3 == 0
    frame.to_csv(tmp_path / "fruit.csv", index=False)
    data = {"source": {"kind": "csv", "path": "fruit.csv"}, "target": "label"}
    layers = [*MLP[:2], {"type": "Linear", "out_features": 2}]
    trained = train(tmp_path, data, layers, epochs=2)
    prepared = trained.prepared
    fields = {f.name: f for f in feature_fields(prepared)}
    assert list(fields) == ["color", "size", "weight", "ripe"]
    color = fields["color"]
    assert color.kind == "category" and color.categories == ("blue", "green", "red")
    train_colors = training_units(prepared, prepared.x_train)[:, :3].sum(axis=0)
    assert color.typical == color.categories[int(np.argmax(train_colors))]
    assert fields["ripe"].kind == "bool" and fields["ripe"].typical == "false"
    # gaps filled with the mean: two decimals, enough across a range of 185
    assert fields["size"].decimals == 3 and fields["weight"].decimals == 2
    for index in range(len(prepared.x_test)):
        row = split_row(prepared, index)
        x = row_inputs(prepared, row.values)
        np.testing.assert_allclose(x[0], prepared.x_test[index], rtol=1e-5, atol=1e-5)
    typical = row_inputs(prepared, {f.name: f.typical for f in fields.values()})
    assert typical.shape == (1, len(prepared.feature_names))


def test_regression_truth_is_in_the_targets_units(tmp_path: Path) -> None:
    data = {"source": {"kind": "builtin", "name": "sine", "samples": 50}}
    layers = [*MLP[:2], {"type": "Linear", "out_features": 1}]
    trained = train(tmp_path, data, layers, epochs=1)
    row = split_row(trained.prepared, 0)
    assert row.truth == (pytest.approx(float(trained.prepared.y_test[0, 0])),)


# -- images ----------------------------------------------------------------------
CNN = [
    {"type": "Conv2d", "out_channels": 4, "kernel_size": 3, "padding": 1},
    {"type": "ReLU"},
    {"type": "Flatten"},
    {"type": "Linear", "out_features": 10},
]


def upscaled(digit: np.ndarray, factor: int = 4) -> np.ndarray:
    """An 8×8 digit (0..16) as a bigger grayscale picture in 0..1."""
    return np.kron(digit / 16.0, np.ones((factor, factor))).astype(np.float32)


@pytest.mark.parametrize("name", ["digits", "digits_flat"])
def test_a_picture_of_a_digit_is_prepared_as_the_digits_were(
    tmp_path: Path, name: str
) -> None:
    layers = CNN if name == "digits" else MLP[:2] + [CNN[-1]]
    data = {"source": {"kind": "builtin", "name": name}}
    trained = train(tmp_path, data, layers, epochs=1)
    prepared = trained.prepared
    spec = trained_image_input(trained)
    assert spec is not None and spec.fit_ink and spec.flat == (name == "digits_flat")
    assert spec.description == "8×8 grayscale, pixel values 0–16"
    raw = np.round(training_units(prepared, prepared.x_test)).reshape(-1, 8, 8)
    # digits whose ink spans all rows and columns 1..6 fill the grid as drawn
    ink = raw > INK * raw.max(axis=(1, 2), keepdims=True)
    fits = [
        i
        for i in range(len(raw))
        if ink[i].any(axis=1).all()
        and np.flatnonzero(ink[i].any(axis=0)).tolist() == [1, 2, 3, 4, 5, 6]
    ]
    assert len(fits) > 5
    for i in fits[:5]:
        made = prepare_image(spec, prepared, upscaled(raw[i]))
        np.testing.assert_allclose(made.seen * 16, raw[i], atol=1e-4)
        np.testing.assert_allclose(made.x[0], prepared.x_test[i], rtol=1e-4, atol=1e-4)
        assert made.x.shape == (1, *prepared.input_shape)
        # the same digit drawn smaller, elsewhere, dark on light, as a file
        paper = np.ones((100, 90), np.float32)
        paper[30:62, 40:72] = 1.0 - upscaled(raw[i])
        Image.fromarray(np.rint(paper * 255).astype(np.uint8)).save(tmp_path / "d.png")
        from_file = prepare_image(spec, prepared, tmp_path / "d.png")
        np.testing.assert_allclose(from_file.seen * 16, raw[i], atol=0.1)
        np.testing.assert_array_equal(
            predict_array(trained, from_file.x).index,
            predict_array(trained, prepared.x_test[i : i + 1]).index,
        )
    blank = prepare_image(spec, prepared, np.zeros((40, 40), np.uint8))
    assert not blank.seen.any()


def test_an_image_file_is_prepared_as_the_folder_was(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    folder = tmp_path / "shapes"
    for label in ("dark", "light"):
        (folder / label).mkdir(parents=True)
        for i in range(6):
            base = 60 if label == "dark" else 190
            pixels = rng.integers(base - 50, base + 50, (20, 14, 3), dtype=np.uint8)
            Image.fromarray(pixels, "RGB").save(folder / label / f"{i}.png")
    source = {"kind": "images", "path": str(folder), "size": [6, 5], "color": "rgb"}
    session = Session(Project.from_dict({"guinet": 1, "data": {"source": source}}))
    prepared = session.prepare_data()
    spec = image_input(source, prepared)
    assert spec is not None and (spec.channels, spec.height, spec.width) == (3, 6, 5)
    everything = np.concatenate([prepared.x_train, prepared.x_val, prepared.x_test])
    made = prepare_image(spec, prepared, folder / "dark" / "3.png")
    assert made.seen.shape == (6, 5, 3) and 0 <= made.seen.min() <= made.seen.max() <= 1
    distance = np.abs(everything - made.x).reshape(len(everything), -1).max(axis=1)
    assert distance.min() == 0.0  # exactly one of the prepared training images
    # an array (as a drawing) goes the same way as the file it came from
    array = np.asarray(Image.open(folder / "dark" / "3.png"))
    np.testing.assert_array_equal(prepare_image(spec, prepared, array).x, made.x)
    gray = image_input({**source, "color": "grayscale"}, prepared)
    assert gray is None  # the data was prepared in colour
    # a folder named without a kind is an image folder too
    unnamed = {"path": "shapes", "size": [6, 5], "color": "rgb"}
    assert image_input(unnamed, prepared, tmp_path) == spec


def test_what_is_not_a_picture_is_a_clear_error(tmp_path: Path) -> None:
    session = Session(
        Project.from_dict(
            {"guinet": 1, "data": {"source": {"kind": "builtin", "name": "digits"}}}
        )
    )
    prepared = session.prepare_data()
    spec = image_input({"kind": "builtin", "name": "digits"}, prepared)
    assert spec is not None
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    with pytest.raises(DataError, match="broken.png is not an image guinet can read"):
        prepare_image(spec, prepared, tmp_path / "broken.png")
    with pytest.raises(DataError, match="Cannot find the image"):
        prepare_image(spec, prepared, tmp_path / "gone.png")
    with pytest.raises(DataError, match="is a folder"):
        prepare_image(spec, prepared, tmp_path)
    with pytest.raises(DataError, match=r"not \(2, 3, 4, 5\)"):
        prepare_image(spec, prepared, np.zeros((2, 3, 4, 5)))
    trained = TrainedModel(torch.nn.Identity(), None, prepared, "cpu")  # type: ignore[arg-type]
    with pytest.raises(DataError, match="a model of images predicts images"):
        prepare_inputs(trained, pd.DataFrame({"x0": [1.0]}))
    with pytest.raises(DataError, match="takes images"):
        feature_fields(prepared)
