"""Predictions on new rows: the training preparation applied exactly, the
outputs read as classes and probabilities (or values in the target's units),
and written beside the rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import torch

from guinet import cli
from guinet.core.data import DataError
from guinet.core.predict import (
    class_probabilities,
    predict,
    predict_array,
    prepare_inputs,
    write_predictions,
)
from guinet.core.project import Project
from guinet.core.session import Session
from guinet.core.trained import TrainedModel, load_trained

COLORS = ("red", "green", "blue")
MOONS = {"source": {"kind": "builtin", "name": "moons", "samples": 40}}


def fruit_rows(n: int, seed: int) -> pd.DataFrame:
    """A text column, two number columns (one with "?" marks) and a class."""
    rng = np.random.default_rng(seed)
    color = rng.choice(COLORS, n)
    size = rng.normal(5.0, 2.0, n).round(3)
    weight = rng.normal(100.0, 30.0, n).round(1).astype(object)
    weight[rng.random(n) < 0.1] = "?"
    good = (color == "red") | (size > 6.0)
    label = np.where(good, "sweet", "sour")
    return pd.DataFrame(
        {"color": color, "size": size, "weight": weight, "label": label}
    )


def saved_project(
    tmp_path: Path,
    data: dict[str, Any],
    layers: list[dict[str, Any]],
    loss: str,
    *,
    epochs: int = 5,
    optimizer: dict[str, Any] | None = None,
    batch_size: int = 16,
) -> Project:
    raw = {
        "guinet": 1,
        "name": "fruit",
        "data": {"target": "label", **data},
        "model": {"layers": layers},
        "training": {
            "loss": {"type": loss},
            "optimizer": optimizer or {"type": "Adam", "lr": 0.02},
            "batch_size": batch_size,
            "epochs": epochs,
            "device": "cpu",
            "seed": 0,
            "early_stopping": {"enabled": False},
            "checkpoint": {
                "enabled": True,
                "dir": "{project}-checkpoints",
                "monitor": "val_loss",
                "save_best": True,
                "save_last": True,
                "every_n_epochs": 0,
            },
        },
    }
    project = Project.from_dict(raw)
    project.save(tmp_path / "fruit.guinet")
    return project


def mlp(outputs: int, final: str | None = None) -> list[dict[str, Any]]:
    layers: list[dict[str, Any]] = [
        {"type": "Linear", "out_features": 8},
        {"type": "ReLU"},
        {"type": "Linear", "out_features": outputs},
    ]
    return layers + ([{"type": final}] if final else [])


def trained_on(project: Project) -> TrainedModel:
    session = Session(project)
    session.prepare_run().trainer.fit()
    return load_trained(session)


@pytest.fixture
def fruit(tmp_path: Path) -> tuple[TrainedModel, Path, Path]:
    """A binary model on train.csv with a separate test.csv (its test split)."""
    fruit_rows(120, 0).to_csv(tmp_path / "train.csv", index=False)
    fruit_rows(40, 1).to_csv(tmp_path / "test.csv", index=False)
    data = {
        "source": {"kind": "csv", "path": "train.csv"},
        "test_source": {"kind": "csv", "path": "test.csv"},
        "split": {"validation": 0.25, "test": 0.0, "seed": 0},
    }
    project = saved_project(tmp_path, data, mlp(1, "Sigmoid"), "BCELoss")
    return trained_on(project), tmp_path / "train.csv", tmp_path / "test.csv"


def in_app(trained: TrainedModel, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return trained.model(torch.from_numpy(x)).numpy()


def test_the_test_file_is_prepared_and_predicted_as_in_the_app(fruit: Any) -> None:
    trained, _train, test = fruit
    prepared = trained.prepared
    assert prepared.feature_names[:3] == ["color=blue", "color=green", "color=red"]

    inputs = prepare_inputs(trained, test)
    assert inputs.x.dtype == np.float32
    np.testing.assert_array_equal(inputs.x, prepared.x_test)  # same preparation
    predictions = predict(trained, inputs)
    expected = in_app(trained, prepared.x_test)  # the model ends in Sigmoid
    np.testing.assert_array_equal(predictions.outputs, expected)
    np.testing.assert_allclose(predictions.probabilities[:, 1], expected[:, 0])
    np.testing.assert_allclose(predictions.probabilities.sum(axis=1), 1.0)
    assert predictions.class_names == ["sour", "sweet"]
    assert predictions.labels == [
        ["sour", "sweet"][int(p > 0.5)] for p in expected[:, 0]
    ]
    truth = prepared.y_test[:, 0].astype(int)
    assert (predictions.index == truth).mean() > 0.7


def test_columns_in_another_order_and_extra_columns_change_nothing(
    fruit: Any, tmp_path: Path
) -> None:
    trained, _train, test = fruit
    frame = pd.read_csv(test)
    shuffled = frame[["weight", "label", "size", "color"]].assign(note="x")
    shuffled.to_csv(tmp_path / "shuffled.csv", index=False)
    inputs = prepare_inputs(trained, tmp_path / "shuffled.csv")
    np.testing.assert_array_equal(inputs.x, trained.prepared.x_test)
    # a DataFrame works too, without its target
    np.testing.assert_array_equal(
        prepare_inputs(trained, frame.drop(columns="label")).x,
        trained.prepared.x_test,
    )


@pytest.mark.parametrize("suffix", [".tsv", ".parquet", ".xlsx"])
def test_other_table_files_are_read_by_guinets_readers(
    fruit: Any, tmp_path: Path, suffix: str
) -> None:
    reader = {".parquet": "pyarrow", ".xlsx": "openpyxl"}.get(suffix)
    if reader is not None:  # the files extra (`pip install "guinet[files]"`)
        pytest.importorskip(reader)
    trained, _train, test = fruit
    frame = pd.read_csv(test)
    path = tmp_path / f"rows{suffix}"
    if suffix == ".tsv":
        frame.to_csv(path, sep="\t", index=False)
    elif suffix == ".parquet":
        frame.astype({"weight": str}).to_parquet(path)
    else:
        frame.to_excel(path, index=False)
    inputs = prepare_inputs(trained, path)
    assert inputs.name == path.name
    np.testing.assert_allclose(inputs.x, trained.prepared.x_test, rtol=1e-6)


def test_only_table_rows_are_predicted_from_files(tmp_path: Path) -> None:
    session = Session(Project.from_dict({"guinet": 1, "data": MOONS}))
    prepared = session.prepare_data()
    trained = TrainedModel(torch.nn.Identity(), None, prepared, "cpu")  # type: ignore[arg-type]
    with pytest.raises(DataError, match="lacks 2 of the 2 feature column"):
        prepare_inputs(trained, pd.DataFrame({"x0": [1.0], "y": [2.0]}))
    np.savez(tmp_path / "rows.npz", x=np.zeros((2, 2)), y=np.zeros(2))
    with pytest.raises(DataError, match="rows.npz is not a table"):
        prepare_inputs(trained, tmp_path / "rows.npz")
    with pytest.raises(DataError, match="takes inputs shaped"):
        predict_array(trained, np.zeros((2, 3), np.float32))


def test_every_missing_feature_column_is_named(fruit: Any, tmp_path: Path) -> None:
    trained, _train, test = fruit
    pd.read_csv(test)[["weight"]].to_csv(tmp_path / "thin.csv", index=False)
    with pytest.raises(DataError) as error:
        prepare_inputs(trained, tmp_path / "thin.csv")
    message = str(error.value)
    assert "thin.csv lacks 2 of the 3 feature column(s)" in message
    assert "'color', 'size'" in message


def test_marks_gaps_and_unseen_categories_are_handled_as_in_training(
    fruit: Any,
) -> None:
    trained, _train, _test = fruit
    encoder = trained.prepared.encoder
    assert encoder is not None
    new = pd.DataFrame(
        {
            "color": ["purple", "red", None],
            "size": [5.0, 5.0, 5.0],
            "weight": ["?", "120", 80.0],
        }
    )
    inputs = prepare_inputs(trained, new)
    plans = {plan.name: plan for plan in encoder.columns}
    scaler = trained.prepared.scaler
    weight = inputs.x[:, 4] * scaler.scale[4] + scaler.offset[4]
    # "?" is missing, filled with the training mean; text numbers are numbers
    np.testing.assert_allclose(weight, [plans["weight"].fill, 120.0, 80.0], rtol=1e-5)
    # an unseen category is all zeros, a gap the most frequent training colour
    assert inputs.x[0, :3].tolist() == [0.0, 0.0, 0.0]
    assert inputs.x[1, :3].tolist() == [0.0, 0.0, 1.0]
    filled = ["blue", "green", "red"].index(plans["color"].fill)
    assert inputs.x[2, :3].tolist() == [float(i == filled) for i in range(3)]
    assert inputs.notes == [
        "the new rows: 1 value(s) of color never seen in training "
        "(encoded as all zeros)"
    ]
    assert len(predict(trained, inputs)) == 3
    # a column left empty in every row is all gaps, whatever its training kind
    empty = pd.DataFrame({"color": [None], "size": [5.0], "weight": [None]})
    row = prepare_inputs(trained, empty).x[0]
    assert row[:3].tolist() == [float(i == filled) for i in range(3)]
    assert row[4] * scaler.scale[4] + scaler.offset[4] == pytest.approx(
        plans["weight"].fill, rel=1e-5
    )


def test_text_in_a_number_column_is_refused_by_name(fruit: Any) -> None:
    trained, _train, _test = fruit
    new = pd.DataFrame({"color": ["red"] * 3, "size": ["big", "small", "big"]})
    new["weight"] = 1.0
    with pytest.raises(DataError, match="'size'"):
        prepare_inputs(trained, new)


def test_a_gap_the_training_did_not_fill_is_refused(tmp_path: Path) -> None:
    fruit_rows(80, 0).to_csv(tmp_path / "train.csv", index=False)
    data = {"source": {"kind": "csv", "path": "train.csv"}, "missing": "drop"}
    trained = trained_on(saved_project(tmp_path, data, mlp(2), "CrossEntropyLoss"))
    new = pd.DataFrame({"color": ["red", "blue"], "size": [1.0, None]})
    new["weight"] = 50.0
    with pytest.raises(DataError, match=r"missing values in size \(1\)"):
        prepare_inputs(trained, new)


def test_probabilities_follow_the_final_layer(tmp_path: Path) -> None:
    """Raw scores get softmax; Softmax and LogSoftmax outputs are read as such."""
    frame = fruit_rows(90, 0)
    frame["label"] = np.array(["a", "b", "c"])[np.arange(90) % 3]
    frame.to_csv(tmp_path / "train.csv", index=False)
    data = {"source": {"kind": "csv", "path": "train.csv"}}
    trained = trained_on(saved_project(tmp_path, data, mlp(3), "CrossEntropyLoss"))
    x = trained.prepared.x_test
    # the test split's rows are rows of the training file, prepared the same
    everything = prepare_inputs(trained, tmp_path / "train.csv").x
    assert len(everything) == 90
    assert {row.tobytes() for row in x} <= {row.tobytes() for row in everything}
    raw = predict_array(trained, x)
    assert raw.probabilities is not None and raw.probabilities.shape == (len(x), 3)
    expected = torch.softmax(torch.from_numpy(in_app(trained, x)), 1).numpy()
    np.testing.assert_allclose(raw.probabilities, expected, rtol=1e-5)
    np.testing.assert_array_equal(raw.index, in_app(trained, x).argmax(1))
    for final in (torch.nn.Softmax(dim=1), torch.nn.LogSoftmax(dim=1)):
        ended = TrainedModel(
            torch.nn.Sequential(*trained.model, final),
            trained.checkpoint,
            trained.prepared,
            "cpu",
        )
        same = predict_array(ended, x).probabilities
        np.testing.assert_allclose(same, raw.probabilities, rtol=1e-5, atol=1e-7)
    # one raw score is the chance of the second class
    two = class_probabilities(np.array([[0.0], [2.0]], np.float32), None)
    np.testing.assert_allclose(two[:, 1], [0.5, 1 / (1 + np.exp(-2.0))])


def test_regression_is_predicted_in_the_targets_units(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(0.0, 10.0, 80)
    frame = pd.DataFrame({"x": x.round(3), "label": (300.0 + 20.0 * x).round(3)})
    frame.to_csv(tmp_path / "line.csv", index=False)
    data = {
        "source": {"kind": "csv", "path": "line.csv"},
        "task": "regression",
        "split": {"validation": 0.2, "test": 0.2, "seed": 0},
    }
    project = saved_project(
        tmp_path,
        data,
        [{"type": "Linear", "out_features": 1}],
        "MSELoss",
        epochs=80,
        optimizer={"type": "SGD", "lr": 0.1},
        batch_size=64,
    )
    trained = trained_on(project)
    new = pd.DataFrame({"x": [0.0, 5.0, 10.0]})
    predictions = predict(trained, prepare_inputs(trained, new))
    assert predictions.values is not None and predictions.index is None
    np.testing.assert_allclose(predictions.values[:, 0], [300, 400, 500], rtol=0.01)
    assert list(predictions.columns()) == ["predicted"]


def test_the_csv_has_the_rows_then_the_predictions(fruit: Any, tmp_path: Path) -> None:
    trained, _train, test = fruit
    inputs = prepare_inputs(trained, test)
    predictions = predict(trained, inputs)
    out = write_predictions(predictions, inputs.frame, tmp_path / "pred.csv")
    written = pd.read_csv(out, keep_default_na=False)
    assert list(written.columns) == [
        "color",
        "size",
        "weight",
        "label",
        "predicted",
        "probability_sour",
        "probability_sweet",
    ]
    source = pd.read_csv(test, keep_default_na=False)
    pd.testing.assert_frame_equal(written[source.columns], source)
    assert written["predicted"].tolist() == predictions.labels
    np.testing.assert_allclose(
        written["probability_sweet"], predictions.probabilities[:, 1], rtol=1e-6
    )
    assert not list(tmp_path.glob(".pred.csv*"))  # no temporary file left


def test_guinet_predict_writes_the_file_and_says_so(
    fruit: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _trained, _train, test = fruit
    project = str(tmp_path / "fruit.guinet")
    out = tmp_path / "pred.csv"
    args = ["predict", project, "--input", str(test), "--output", str(out)]
    assert cli.main(args) == 0
    printed = capsys.readouterr().out
    assert f"Predicted 40 rows of test.csv; wrote {out}" in printed
    assert len(pd.read_csv(out)) == 40
    # a named checkpoint is used
    last = tmp_path / "fruit-checkpoints" / "last.ckpt"
    assert cli.main([*args, "--checkpoint", str(last)]) == 0
    assert "last.ckpt" in capsys.readouterr().out


def test_guinet_predict_errors_are_one_line(
    fruit: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _trained, train, test = fruit
    project = str(tmp_path / "fruit.guinet")
    pd.read_csv(test)[["size"]].to_csv(tmp_path / "thin.csv", index=False)
    thin = ["predict", project, "--input", str(tmp_path / "thin.csv")]
    assert cli.main([*thin, "--output", str(tmp_path / "p.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'color', 'weight'" in err
    assert not (tmp_path / "p.csv").exists()
    # the input is never overwritten by the output
    same = ["predict", project, "--input", str(train), "--output", str(train)]
    assert cli.main(same) == 2
    assert "would replace the input" in capsys.readouterr().err


def test_guinet_predict_without_weights_says_to_train(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fruit_rows(40, 0).to_csv(tmp_path / "train.csv", index=False)
    data = {"source": {"kind": "csv", "path": "train.csv"}}
    saved_project(tmp_path, data, mlp(1, "Sigmoid"), "BCELoss")
    args = ["predict", str(tmp_path / "fruit.guinet"), "--input"]
    code = cli.main([*args, str(tmp_path / "train.csv"), "--output", "p.csv"])
    assert code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no trained weights" in err
