"""Evaluation of a trained model: scores against hand-computed cases, the
confusion matrix and its cells, another file prepared like the training
data, and ``guinet evaluate``."""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import torch

from guinet.cli import main
from guinet.core.data import prepare
from guinet.core.evaluation import (
    EvaluationError,
    classification_scores,
    evaluate,
    normalise_confusion,
    regression_scores,
    report_lines,
)
from guinet.core.project import Project
from guinet.core.session import Session
from guinet.core.trained import TrainedModel, load_trained
from tests.core.test_trained import saved_moons


def sigmoid(v: float) -> float:
    return 1 / (1 + math.exp(-v))


# -- scores from scikit-learn, checked by hand -----------------------------------------
def test_multiclass_scores_match_the_hand_count() -> None:
    truth = [0, 0, 0, 1, 1, 2]
    # predicted: 0 0 1 1 2 2
    probabilities = [
        [0.6, 0.3, 0.1],
        [0.9, 0.05, 0.05],
        [0.2, 0.7, 0.1],
        [0.1, 0.8, 0.1],
        [0.1, 0.3, 0.6],
        [0.0, 0.2, 0.8],
    ]
    scores = classification_scores(
        np.array(truth), np.array(probabilities), ["a", "b", "c"]
    )
    assert scores.predicted.tolist() == [0, 0, 1, 1, 2, 2]
    assert scores.accuracy == pytest.approx(4 / 6)
    # recalls 2/3, 1/2, 1
    assert scores.balanced_accuracy == pytest.approx((2 / 3 + 1 / 2 + 1) / 3)
    by_name = {s.name: s for s in scores.per_class}
    assert by_name["a"].precision == 1 and by_name["a"].recall == pytest.approx(2 / 3)
    assert by_name["a"].f1 == pytest.approx(0.8) and by_name["a"].support == 3
    assert (by_name["b"].precision, by_name["b"].recall, by_name["b"].f1) == (
        0.5,
        0.5,
        0.5,
    )
    assert by_name["c"].precision == 0.5 and by_name["c"].recall == 1
    assert by_name["c"].f1 == pytest.approx(2 / 3) and by_name["c"].support == 1
    assert scores.confusion.tolist() == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]
    assert scores.roc_auc is None  # binary only
    np.testing.assert_allclose(scores.confidence, [0.6, 0.9, 0.7, 0.8, 0.6, 0.8])


def test_a_confusion_cell_lists_its_samples_most_confident_first() -> None:
    probabilities = [[0.6, 0.4], [0.9, 0.1], [0.3, 0.7], [0.75, 0.25], [0.6, 0.4]]
    scores = classification_scores(
        np.array([0, 0, 0, 1, 0]), np.array(probabilities), ["no", "yes"]
    )
    # true "no" predicted "no": samples 0 (0.6), 1 (0.9), 4 (0.6): ties keep order
    assert scores.cell_samples(0, 0).tolist() == [1, 0, 4]
    assert scores.cell_samples("no", "yes").tolist() == [2]
    assert scores.cell_samples("yes", "no").tolist() == [3]
    assert scores.cell_samples("yes", "yes").tolist() == []
    with pytest.raises(KeyError, match="maybe"):
        scores.cell_samples("maybe", "no")


def test_binary_roc_auc_counts_the_pairs_ranked_right() -> None:
    # positives 0.35, 0.8; negatives 0.1, 0.4: 3 of 4 pairs ranked right
    p = np.array([0.1, 0.4, 0.35, 0.8])
    scores = classification_scores(
        np.array([0, 0, 1, 1]), np.column_stack([1 - p, p]), ["no", "yes"]
    )
    assert scores.roc_auc == pytest.approx(0.75)
    # predicted: no no no yes (0.4 and 0.35 are under one half)
    assert scores.confusion.tolist() == [[2, 0], [1, 1]]
    # one class only in the truth: no AUC, no crash
    one = classification_scores(
        np.array([1, 1]), np.array([[0.2, 0.8]] * 2), ["n", "y"]
    )
    assert one.roc_auc is None and one.accuracy == 1


def test_the_confusion_matrix_normalises_by_row_column_or_not_at_all() -> None:
    counts = np.array([[2, 1], [0, 0]])
    np.testing.assert_allclose(
        normalise_confusion(counts, "row"), [[2 / 3, 1 / 3], [0, 0]]
    )
    np.testing.assert_allclose(normalise_confusion(counts, "column"), [[1, 1], [0, 0]])
    np.testing.assert_allclose(normalise_confusion(counts, "none"), counts)
    with pytest.raises(ValueError, match="row, column"):
        normalise_confusion(counts, "all")


def test_regression_scores_match_the_hand_sums() -> None:
    truth, predicted = np.array([1.0, 2, 3, 4]), np.array([1.5, 2, 2, 5])
    scores = regression_scores(truth, predicted, ["y"])
    assert scores.residuals.ravel().tolist() == [-0.5, 0, 1, -1]
    assert scores.mae == pytest.approx(2.5 / 4)
    assert scores.rmse == pytest.approx(math.sqrt((0.25 + 1 + 1) / 4))
    # mean 2.5: total sum of squares 5, residual sum of squares 2.25
    assert scores.r2 == pytest.approx(1 - 2.25 / 5)
    assert regression_scores(truth[:1], predicted[:1], ["y"]).r2 is None


# -- evaluate(): a model with known weights ------------------------------------------
def write_csv(path: Path, xs: list[float], ys: list[Any]) -> Path:
    lines = ["x,y", *(f"{x},{y}" for x, y in zip(xs, ys, strict=True))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def csv_project(tmp_path: Path, layers: list[dict[str, Any]], **data: Any) -> Project:
    """A saved project on a CSV of one feature ``x`` and a target ``y``."""
    xs = [float(v) for v in range(-10, 10)]
    write_csv(tmp_path / "train.csv", xs, data.pop("ys", [int(x > 0) for x in xs]))
    loss = data.pop("loss")
    raw = {
        "guinet": 1,
        "name": "hand",
        "data": {
            "source": {"kind": "csv", "path": "train.csv"},
            "target": "y",
            "scaling": "none",
            "split": {"validation": 0.2, "test": 0.2, "seed": 0},
            **data,
        },
        "model": {"layers": layers},
        "training": {
            "loss": loss,
            "epochs": 3,
            "device": "cpu",
            "early_stopping": {"enabled": False},
        },
    }
    path = tmp_path / "hand.guinet"
    path.write_text(json.dumps(raw), encoding="utf-8")
    return Project.load(path)


def hand_model(project: Project, weight: list[list[float]]) -> TrainedModel:
    """The project's model with the first Linear's weights set, biases 0."""
    session = Session(project)
    prepared = session.prepare_data()
    model = session.model_for_data().build("cpu")
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor(weight))
        model[0].bias.zero_()
    model.eval()
    checkpoint: Any = SimpleNamespace(path=Path("hand.ckpt"))
    return TrainedModel(model, checkpoint, prepared, "cpu", session)


def test_a_sigmoid_model_on_another_file_scores_as_computed_by_hand(
    tmp_path: Path,
) -> None:
    project = csv_project(
        tmp_path,
        [{"type": "Linear", "out_features": 1}, {"type": "Sigmoid"}],
        task="binary",
        loss={"type": "BCELoss"},
    )
    trained = hand_model(project, [[1.0]])  # p = sigmoid(x)
    other = write_csv(tmp_path / "other.csv", [-2, -1, 0.5, 3], [0, 1, 1, 0])
    result = evaluate(trained, data=other)
    assert result.source == str(other) and result.n_samples == 4
    # the Sigmoid is applied once: BCELoss of the probabilities
    p = [sigmoid(-2), sigmoid(-1), sigmoid(0.5), sigmoid(3)]
    bce = -(math.log(1 - p[0]) + math.log(p[1]) + math.log(p[2]) + math.log(1 - p[3]))
    assert result.loss == pytest.approx(bce / 4, rel=1e-5)
    assert result.loss_name == "BCEWithLogitsLoss"  # as trained: the same value
    scores = result.classification
    assert scores is not None and result.regression is None
    np.testing.assert_allclose(scores.probabilities[:, 1], p, rtol=1e-6)
    assert scores.predicted.tolist() == [0, 0, 1, 1]
    assert result.metrics == {"accuracy": 0.5} and scores.accuracy == 0.5
    assert scores.confusion.tolist() == [[1, 1], [1, 1]]
    assert scores.roc_auc == pytest.approx(0.5)  # 2 of the 4 pairs ranked right
    assert result.cell_samples(0, 1).tolist() == [3]
    out = json.loads(json.dumps(result.to_dict()))
    assert out["classification"]["predicted"] == [0, 0, 1, 1]
    assert "predicted" not in json.dumps(result.to_dict(samples=False))


def test_log_softmax_outputs_become_the_softmax_probabilities(tmp_path: Path) -> None:
    xs = [float(v) for v in range(-10, 10)]
    project = csv_project(
        tmp_path,
        [{"type": "Linear", "out_features": 3}, {"type": "LogSoftmax"}],
        ys=[["low", "mid", "high"][i % 3] for i in range(len(xs))],
        loss={"type": "NLLLoss"},
    )
    trained = hand_model(project, [[1.0], [0.0], [-1.0]])  # scores x, 0, -x
    x, _y = trained.prepared.split("test")
    result = evaluate(trained, "test")
    scores = result.classification
    assert scores is not None
    expected = torch.softmax(torch.tensor(x) * torch.tensor([1.0, 0.0, -1.0]), dim=1)
    np.testing.assert_allclose(scores.probabilities, expected.numpy(), rtol=1e-5)
    np.testing.assert_allclose(scores.probabilities.sum(axis=1), 1, rtol=1e-6)
    assert result.loss_name == "NLLLoss"


def test_regression_on_a_split_gives_mae_rmse_r2_and_residuals(tmp_path: Path) -> None:
    xs = [float(v) for v in range(-10, 10)]
    project = csv_project(
        tmp_path,
        [{"type": "Linear", "out_features": 1}],
        ys=[2 * x + 1 for x in xs],
        task="regression",
        loss={"type": "MSELoss"},
    )
    trained = hand_model(project, [[2.0]])  # predicts 2x: always 1 short
    result = evaluate(trained, "train")
    scores = result.regression
    assert scores is not None and result.classification is None
    assert result.n_samples == len(trained.prepared.x_train)
    np.testing.assert_allclose(scores.residuals, 1.0, rtol=1e-6)
    assert scores.mae == pytest.approx(1) and scores.rmse == pytest.approx(1)
    assert result.loss == pytest.approx(1, rel=1e-6)  # MSE
    assert result.metrics["mae"] == pytest.approx(1, rel=1e-6)
    truth = scores.truth.ravel()
    r2 = 1 - len(truth) / ((truth - truth.mean()) ** 2).sum()
    assert scores.r2 == pytest.approx(r2)
    lines = report_lines(result)
    assert lines[0] == f"Evaluated on train: {result.n_samples} samples (regression)"
    assert "loss (MSELoss): 1.0000" in lines and "MAE: 1.0000" in lines
    assert "RMSE: 1.0000" in lines and f"R²: {r2:.4f}" in lines


def test_an_empty_or_unknown_split_is_said_plainly(tmp_path: Path) -> None:
    project = csv_project(
        tmp_path,
        [{"type": "Linear", "out_features": 1}],
        task="regression",
        loss={"type": "MSELoss"},
        split={"validation": 0.0, "test": 0.2},
    )
    trained = hand_model(project, [[1.0]])
    with pytest.raises(EvaluationError, match="validation split is empty"):
        evaluate(trained, "validation")
    with pytest.raises(EvaluationError, match="unknown split 'dev'"):
        evaluate(trained, "dev")


def test_another_file_is_prepared_with_the_training_rows_fit(tmp_path: Path) -> None:
    """The split keeps its fractions: the same training rows, the same scaler."""
    xs = [float(v) for v in range(20)]
    write_csv(tmp_path / "train.csv", xs, [int(x > 9) for x in xs])
    write_csv(tmp_path / "other.csv", [100.0, 5.0], [1, 0])
    section = {
        "source": {"kind": "csv", "path": "train.csv"},
        "target": "y",
        "scaling": "standard",
        "split": {"validation": 0.2, "test": 0.2, "seed": 0},
    }
    own = prepare(section, tmp_path)
    other = prepare(section, tmp_path, test_source={"path": "other.csv"})
    np.testing.assert_array_equal(own.x_train, other.x_train)
    np.testing.assert_array_equal(own.x_val, other.x_val)
    raw = np.array([100.0, 5.0])
    expected = (raw - own.scaler.offset[0]) / own.scaler.scale[0]
    np.testing.assert_allclose(other.x_test.ravel(), expected, rtol=1e-5)
    assert other.y_test.ravel().tolist() == [1, 0]


# -- guinet evaluate -----------------------------------------------------------------
@pytest.fixture(scope="module")
def trained_moons(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A saved moons project trained for 3 epochs, and its run's test scores."""
    folder = tmp_path_factory.mktemp("moons")
    session = Session(saved_moons(folder))
    result = session.prepare_run().fit()
    return {"path": folder / "moons.guinet", "test": result.test}


def test_evaluate_prints_a_report_and_matches_the_runs_test_line(
    trained_moons: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["evaluate", str(trained_moons["path"])]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    lines = out.splitlines()
    assert "weights from" in lines[0] and "best-" in lines[0]
    assert lines[1].startswith("Evaluated on test: 100 samples")
    assert f"accuracy: {trained_moons['test']['accuracy']:.3f}" in lines
    assert any(line.split()[:3] == ["class", "precision", "recall"] for line in lines)
    at = lines.index("confusion matrix (rows: true class, columns: predicted)")
    assert lines[at + 1].split() == ["upper", "moon", "lower", "moon"]
    assert lines[at + 2].startswith("upper moon")


def test_evaluate_json_is_the_last_line(
    trained_moons: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(trained_moons["path"])
    assert main(["evaluate", path, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["source"] == "test" and summary["samples"] == 100
    assert summary["loss"] == pytest.approx(trained_moons["test"]["loss"], rel=1e-5)
    scores = summary["classification"]
    assert scores["accuracy"] == pytest.approx(trained_moons["test"]["accuracy"])
    assert np.sum(scores["confusion"]) == 100 and 0.5 < scores["roc_auc"] <= 1
    assert "predicted" not in scores  # the summary, not every sample

    assert main(["evaluate", path, "--split", "validation", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    checkpoint = load_trained(Session(Project.load(path))).checkpoint
    assert summary["source"] == "validation"
    assert summary["loss"] == pytest.approx(checkpoint.value, rel=1e-5)  # best val


def test_evaluate_another_file_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = csv_project(
        tmp_path,
        [{"type": "Linear", "out_features": 1}, {"type": "Sigmoid"}],
        task="binary",
        loss={"type": "BCELoss"},
    )
    Session(project).prepare_run().fit()
    other = write_csv(tmp_path / "other.csv", [-2, -1, 0.5, 3], [0, 1, 1, 0])
    assert main(["evaluate", str(project.path), "--data", str(other), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["source"] == str(other) and summary["samples"] == 4
    assert summary["classification"]["class_names"] == ["0", "1"]

    missing = str(tmp_path / "nope.csv")
    assert main(["evaluate", str(project.path), "--data", missing]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nope.csv" in err


def test_evaluate_without_weights_or_with_a_bad_checkpoint_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved_moons(tmp_path)
    path = str(tmp_path / "moons.guinet")
    assert main(["evaluate", path]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert "no trained weights for this project yet" in err
    bad = tmp_path / "bad.ckpt"
    bad.write_bytes(b"not a checkpoint")
    assert main(["evaluate", path, "--checkpoint", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("guinet: --checkpoint:") and err.count("\n") == 1
