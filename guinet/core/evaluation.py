"""How good is a trained model? Loss and scores on a split or another file.

:func:`evaluate` runs a :class:`~guinet.core.trained.TrainedModel` over the
test split (or the validation or training split, or another file with the
same columns, prepared exactly as the training data was) in batches without
gradients, and returns an :class:`Evaluation`:

* the loss the run trained with and every metric of the metric registry
  (:data:`~guinet.core.training.metrics.METRICS`) that fits the task, summed
  as the engine sums them, so the numbers match the run's test line;
* for classes: accuracy, balanced accuracy, per-class precision, recall, F1
  and support, the confusion matrix (rows: the true class, columns: the
  predicted one), ROC AUC for two classes, and each sample's predicted class
  and confidence, so a confusion cell's samples can be listed
  (:meth:`Classification.cell_samples`);
* for numbers: MAE, RMSE, R², the predictions, the truth and the residuals.

Scores come from scikit-learn's metrics. Probabilities are read the way the
loss check (:mod:`~guinet.core.training.compat`) plans training: the trained
graph (without a final Sigmoid/Softmax/LogSoftmax the loss applies itself)
gives raw scores — or log-probabilities for NLLLoss — and the plan's
decision says how they become classes: a sigmoid of one score
(``threshold``) or a softmax over one per class (``argmax``; the softmax of
log-probabilities is the probabilities themselves). Nothing here imports Qt.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from guinet.core.training.errors import TrainingError

if TYPE_CHECKING:
    from guinet.core.data import PreparedData
    from guinet.core.trained import TrainedModel

#: The splits :func:`evaluate` takes, in the order people ask for them.
SPLITS = ("test", "validation", "train")
#: How a confusion matrix can be normalised (:func:`normalise_confusion`).
NORMALISATIONS = ("none", "row", "column")


class EvaluationError(TrainingError):
    """There is nothing to evaluate on (an empty split, an unknown one)."""


@dataclass
class ClassScores:
    """Precision, recall, F1 and support (true samples) of one class."""

    name: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class Classification:
    """Scores of a classifier, and what it said about each sample.

    ``confusion[i, j]`` counts the samples of true class ``i`` predicted as
    ``j``. ``confidence`` is the probability of the predicted class.
    ``roc_auc`` is set for two classes when both occur in the truth.
    """

    class_names: list[str]
    accuracy: float
    balanced_accuracy: float
    per_class: list[ClassScores]
    confusion: np.ndarray
    roc_auc: float | None
    truth: np.ndarray
    predicted: np.ndarray
    probabilities: np.ndarray
    confidence: np.ndarray

    def class_index(self, name_or_index: int | str) -> int:
        if isinstance(name_or_index, str):
            try:
                return self.class_names.index(name_or_index)
            except ValueError:
                raise KeyError(f"no class named {name_or_index!r}") from None
        if not 0 <= name_or_index < len(self.class_names):
            raise KeyError(f"no class {name_or_index}")
        return int(name_or_index)

    def cell_samples(
        self, true_class: int | str, predicted_class: int | str
    ) -> np.ndarray:
        """Indices of the samples in one confusion cell, most confident first
        (ties keep the data's order)."""
        t, p = self.class_index(true_class), self.class_index(predicted_class)
        (rows,) = np.nonzero((self.truth == t) & (self.predicted == p))
        order = np.argsort(-self.confidence[rows], kind="stable")
        return rows[order]

    def normalised(self, by: str = "row") -> np.ndarray:
        return normalise_confusion(self.confusion, by)

    def to_dict(self, samples: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "class_names": list(self.class_names),
            "accuracy": _number(self.accuracy),
            "balanced_accuracy": _number(self.balanced_accuracy),
            "roc_auc": _number(self.roc_auc),
            "per_class": [
                {
                    "name": s.name,
                    "precision": _number(s.precision),
                    "recall": _number(s.recall),
                    "f1": _number(s.f1),
                    "support": s.support,
                }
                for s in self.per_class
            ],
            "confusion": self.confusion.tolist(),
        }
        if samples:
            out["truth"] = self.truth.tolist()
            out["predicted"] = self.predicted.tolist()
            out["confidence"] = _numbers(self.confidence)
            out["probabilities"] = [_numbers(row) for row in self.probabilities]
        return out


@dataclass
class Regression:
    """Scores of a model that predicts numbers; arrays are ``(n, targets)``.

    With several targets, MAE, RMSE and R² are averaged over them.
    ``residuals`` are truth minus prediction.
    """

    target_names: list[str]
    mae: float
    rmse: float
    r2: float | None
    truth: np.ndarray
    predicted: np.ndarray
    residuals: np.ndarray

    def to_dict(self, samples: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "target_names": list(self.target_names),
            "mae": _number(self.mae),
            "rmse": _number(self.rmse),
            "r2": _number(self.r2),
        }
        if samples:
            out["truth"] = [_numbers(row) for row in self.truth]
            out["predicted"] = [_numbers(row) for row in self.predicted]
            out["residuals"] = [_numbers(row) for row in self.residuals]
        return out


@dataclass
class Evaluation:
    """What :func:`evaluate` found; :meth:`to_dict` is JSON-ready.

    ``source`` is the split's name or the other file's path; ``loss_name``
    the loss the run trained with; ``metrics`` the registry's metrics for
    the task.
    """

    source: str
    task: str
    n_samples: int
    loss_name: str
    loss: float
    metrics: dict[str, float] = field(default_factory=dict)
    checkpoint: str | None = None
    classification: Classification | None = None
    regression: Regression | None = None

    def cell_samples(
        self, true_class: int | str, predicted_class: int | str
    ) -> np.ndarray:
        """See :meth:`Classification.cell_samples`."""
        if self.classification is None:
            raise ValueError("a regression has no confusion matrix")
        return self.classification.cell_samples(true_class, predicted_class)

    def to_dict(self, samples: bool = True) -> dict[str, Any]:
        """Everything as JSON values (NaN → ``null``); ``samples=False``
        leaves the per-sample arrays out."""
        return {
            "source": self.source,
            "task": self.task,
            "samples": self.n_samples,
            "checkpoint": self.checkpoint,
            "loss_name": self.loss_name,
            "loss": _number(self.loss),
            "metrics": {k: _number(v) for k, v in self.metrics.items()},
            "classification": (
                self.classification.to_dict(samples) if self.classification else None
            ),
            "regression": (
                self.regression.to_dict(samples) if self.regression else None
            ),
        }


# -- scores (scikit-learn) -------------------------------------------------------------
def normalise_confusion(matrix: np.ndarray, by: str = "row") -> np.ndarray:
    """``row``: each true class sums to 1 (recall on the diagonal); ``column``:
    each predicted class sums to 1 (precision on the diagonal); ``none``: the
    counts. An empty row or column stays 0."""
    if by not in NORMALISATIONS:
        raise ValueError(f"normalise by {by!r}? Use {', '.join(NORMALISATIONS)}")
    counts = np.asarray(matrix, dtype=np.float64)
    if by == "none":
        return counts
    totals = counts.sum(axis=1 if by == "row" else 0, keepdims=True)
    return np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)


def classification_scores(
    truth: np.ndarray, probabilities: np.ndarray, class_names: list[str]
) -> Classification:
    """Scores from the true class indices and each sample's class
    probabilities ``(n, classes)``; the predicted class is the most likely."""
    from sklearn import metrics

    truth = np.asarray(truth).reshape(-1).astype(np.int64)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    predicted = probabilities.argmax(axis=1)
    confidence = probabilities[np.arange(len(predicted)), predicted]
    labels = list(range(len(class_names)))
    with warnings.catch_warnings():
        # a class missing from the truth of a small set is not an error here
        warnings.simplefilter("ignore", UserWarning)
        balanced = metrics.balanced_accuracy_score(truth, predicted)
    precision, recall, f1, support = metrics.precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0.0
    )
    auc = None
    if len(class_names) == 2 and len(np.unique(truth)) == 2:
        auc = float(metrics.roc_auc_score(truth, probabilities[:, 1]))
    return Classification(
        class_names=list(class_names),
        accuracy=float(metrics.accuracy_score(truth, predicted)),
        balanced_accuracy=float(balanced),
        per_class=[
            ClassScores(name, float(p), float(r), float(f), int(s))
            for name, p, r, f, s in zip(
                class_names, precision, recall, f1, support, strict=True
            )
        ],
        confusion=metrics.confusion_matrix(truth, predicted, labels=labels),
        roc_auc=auc,
        truth=truth,
        predicted=predicted,
        probabilities=probabilities,
        confidence=confidence,
    )


def regression_scores(
    truth: np.ndarray, predicted: np.ndarray, target_names: list[str]
) -> Regression:
    """MAE, RMSE and R² (``None`` with fewer than two samples)."""
    from sklearn import metrics

    n = len(truth)
    truth = np.asarray(truth, dtype=np.float64).reshape(n, -1)
    predicted = np.asarray(predicted, dtype=np.float64).reshape(n, -1)
    r2 = float(metrics.r2_score(truth, predicted)) if n >= 2 else None
    return Regression(
        target_names=list(target_names),
        mae=float(metrics.mean_absolute_error(truth, predicted)),
        rmse=float(metrics.root_mean_squared_error(truth, predicted)),
        r2=r2,
        truth=truth,
        predicted=predicted,
        residuals=truth - predicted,
    )


# -- running the model -------------------------------------------------------------
def evaluate(
    trained: TrainedModel,
    split: str = "test",
    data: str | os.PathLike[str] | Mapping[str, Any] | None = None,
) -> Evaluation:
    """Evaluate ``trained`` on ``split`` of its prepared data, or on ``data``:
    another file (or source dict) with the same columns, prepared with what
    was fitted on the project's training rows.

    Raises :class:`EvaluationError` for an unknown or empty split, and the
    data errors of preparing ``data``.
    """
    import torch

    from guinet.core.training.build import Metric
    from guinet.core.training.compat import plan_for_data
    from guinet.core.training.fit import loss_targets, model_inputs
    from guinet.core.training.metrics import METRICS
    from guinet.core.training.trainer import EVAL_VALUES

    session = trained.session
    if session is None:
        raise EvaluationError("this trained model was not loaded through a session")
    prepared = trained.prepared
    if data is not None:
        source = str(data if not isinstance(data, Mapping) else data.get("path", ""))
        x, y = prepare_other(trained, data).split("test")
    elif split in SPLITS or split == "val":
        source = "validation" if split == "val" else split
        x, y = prepared.split(source)
    else:
        raise EvaluationError(f"unknown split {split!r}; use {', '.join(SPLITS)}")
    if len(x) == 0:
        raise EvaluationError(
            f"the {source} split is empty (its fraction in the data's split is 0): "
            "evaluate another split, or another file with --data"
        )
    spec = session.model_for_data()
    loss_spec = session.loss()
    assert loss_spec is not None  # the data is prepared
    plan = plan_for_data(spec, loss_spec, prepared)
    graph = trained.model
    if plan.drop_final:  # the loss applies the final activation itself
        assert isinstance(graph, torch.nn.Sequential)
        graph = graph[:-1]
    loss_fn = plan.build_loss().to(trained.device)
    task = prepared.task
    metrics = {
        key: Metric(key, plan.decision)
        for key, declared in METRICS.items()
        if task in declared.tasks
    }
    step = max(1, EVAL_VALUES // spec.analyze().widest_values)
    loss_sum = 0.0
    totals = dict.fromkeys(metrics, 0.0)
    counts = dict.fromkeys(metrics, 0)
    outputs = []
    graph.eval()
    with torch.no_grad():
        for start in range(0, len(x), step):
            xb = model_inputs(torch.from_numpy(x[start : start + step]), spec)
            yb = loss_targets(torch.from_numpy(y[start : start + step]), plan)
            xb, yb = xb.to(trained.device), yb.to(trained.device)
            out = graph(xb)
            loss_sum += float(loss_fn(out, yb)) * len(xb)
            for key, metric in metrics.items():
                totals[key] += float(metric.total(out, yb))
                counts[key] += metric.count(yb)
            outputs.append(_as_result(out, plan.decision).cpu().numpy())
    result = np.concatenate(outputs)
    evaluation = Evaluation(
        source=source,
        task=task,
        n_samples=len(x),
        loss_name=plan.loss.type,
        loss=loss_sum / len(x),
        metrics={key: totals[key] / max(counts[key], 1) for key in metrics},
        checkpoint=str(trained.checkpoint.path),
    )
    if task == "regression":
        evaluation.regression = regression_scores(y, result, prepared.target_names)
    else:
        evaluation.classification = classification_scores(
            y, result, prepared.class_names
        )
    return evaluation


def _as_result(out: Any, decision: str) -> Any:
    """Outputs as class probabilities ``(n, classes)``, or the numbers."""
    import torch

    out = out.float()
    if decision == "threshold":
        chance = torch.sigmoid(out.reshape(-1, 1))
        return torch.cat([1 - chance, chance], dim=1)
    if decision == "argmax":
        return torch.softmax(out, dim=1)
    return out


def prepare_other(
    trained: TrainedModel, data: str | os.PathLike[str] | Mapping[str, Any]
) -> PreparedData:
    """The project's data prepared again with ``data`` as its test split."""
    from guinet.core.data import DataError, prepare
    from guinet.core.data.sources import source_kind

    assert trained.session is not None
    project = trained.session.project
    section = project.data
    if section is None or not section.has_source:
        raise DataError("the project has no data section to prepare the file like")
    if isinstance(data, Mapping):
        other = dict(data)
    else:
        path = str(Path(data).expanduser().resolve())
        other = {"path": path}
        main = section.source or {}
        if "path" in main and source_kind(main, project.base_dir) == source_kind(other):
            other = {**main, "path": path}  # the same reading options
    return prepare(section.to_dict(), project.base_dir, test_source=other)


def _number(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def _numbers(values: np.ndarray) -> list[float | None]:
    return [_number(v) for v in np.asarray(values, dtype=np.float64).tolist()]


# -- for people ---------------------------------------------------------------------
def report_lines(evaluation: Evaluation) -> list[str]:
    """The evaluation as a readable report: totals, per-class table, confusion."""
    from guinet.core.training.metrics import format_value

    lines = [
        f"Evaluated on {evaluation.source}: {evaluation.n_samples:,} samples "
        f"({evaluation.task})",
        f"loss ({evaluation.loss_name}): {format_value('loss', evaluation.loss)}",
    ]
    lines += [f"{k}: {format_value(k, v)}" for k, v in evaluation.metrics.items()]
    scores = evaluation.classification
    if scores is not None:
        lines.append(f"balanced accuracy: {scores.balanced_accuracy:.3f}")
        if scores.roc_auc is not None:
            lines.append(f"ROC AUC: {scores.roc_auc:.3f}")
        lines += [
            "",
            *_table(
                ["class", "precision", "recall", "F1", "support"],
                [
                    [
                        s.name,
                        f"{s.precision:.3f}",
                        f"{s.recall:.3f}",
                        f"{s.f1:.3f}",
                        str(s.support),
                    ]
                    for s in scores.per_class
                ],
            ),
        ]
        names = scores.class_names
        lines += ["", "confusion matrix (rows: true class, columns: predicted)"]
        lines += _table(
            ["", *names],
            [
                [name, *map(str, row)]
                for name, row in zip(names, scores.confusion.tolist(), strict=True)
            ],
        )
    numbers = evaluation.regression
    if numbers is not None:
        lines.append(f"MAE: {numbers.mae:.4f}")
        lines.append(f"RMSE: {numbers.rmse:.4f}")
        r2 = (
            "n/a (fewer than two samples)"
            if numbers.r2 is None
            else f"{numbers.r2:.4f}"
        )
        lines.append(f"R²: {r2}")
    return lines


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    """Columns padded to their widest cell: the first left-, the rest right-aligned."""
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))
        return "  ".join([first, *rest]).rstrip()

    return [line(header), *(line(r) for r in rows)]
