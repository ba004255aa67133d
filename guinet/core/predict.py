"""Predictions of a trained model on new rows: read, prepared, predicted, written.

New rows go through exactly the preparation of the training rows
(:meth:`~guinet.core.data.PreparedData.transform`: the same feature columns
by name, the fitted encodings, fill values and scaler). The model's outputs
become what a person reads: for classification the predicted class name and
one probability per class, for regression the predicted values in the
target's own units (targets are never scaled in preparation). The full model
is used, final activation included, so a model that ends in ``Sigmoid``,
``Softmax`` or ``LogSoftmax`` is read for what that layer produces, and one
that ends in raw scores gets the sigmoid (one output) or softmax (one per
class) its loss applied while training.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from guinet.core.data.errors import DataError

if TYPE_CHECKING:
    import pandas as pd
    import torch

    from guinet.core.trained import TrainedModel

#: Rows per forward pass: bounded memory whatever the file's size.
BATCH_ROWS = 4096


@dataclass
class NewRows:
    """Rows to predict: the model inputs and the rows as read, one per input."""

    x: np.ndarray
    frame: pd.DataFrame
    name: str
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.x)


@dataclass
class Predictions:
    """What the model says for each row.

    ``outputs`` are the model's own outputs. For classification ``index``
    holds each row's predicted class (an index into ``class_names``) and
    ``probabilities`` one column per class; for regression ``values`` holds
    the predicted numbers, one column per target, in the target's units.
    """

    task: str
    outputs: np.ndarray
    class_names: list[str]
    target_names: list[str]
    index: np.ndarray | None = None
    probabilities: np.ndarray | None = None
    values: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.outputs)

    @property
    def labels(self) -> list[str]:
        """The predicted class name of each row (classification only)."""
        if self.index is None:
            raise ValueError("a regression model predicts numbers, not classes")
        return [self.class_names[i] for i in self.index]

    def columns(self) -> dict[str, Any]:
        """The predictions as named columns, as written beside the rows:
        ``predicted`` (``predicted_<target>`` for several targets) and, for
        classification, ``probability_<class>`` for each class."""
        if self.index is not None and self.probabilities is not None:
            out: dict[str, Any] = {"predicted": self.labels}
            for i, name in enumerate(self.class_names):
                out[f"probability_{name}"] = self.probabilities[:, i]
            return out
        assert self.values is not None
        if self.values.shape[1] == 1:
            return {"predicted": self.values[:, 0]}
        names = self.target_names or [str(i) for i in range(self.values.shape[1])]
        return {f"predicted_{n}": self.values[:, i] for i, n in enumerate(names)}


def prepare_inputs(
    trained: TrainedModel, rows: pd.DataFrame | str | os.PathLike[str]
) -> NewRows:
    """New rows — a table file (CSV, TSV, Excel, Parquet; read by guinet's own
    readers) or a DataFrame — as inputs for ``trained``, prepared exactly as
    its training rows were. Raises :class:`DataError` with what to fix (every
    missing feature column named at once); extra columns are ignored."""
    from guinet.core.data.sources import Table

    if isinstance(rows, (str, os.PathLike)):
        table = read_rows(rows)
    else:
        table = Table(frame=rows, name="the new rows")
    prepared = trained.prepared
    x = prepared.transform(table)
    notes = []
    if prepared.encoder is not None:
        for column, count in prepared.encoder.unseen.items():
            notes.append(
                f"{table.name}: {count:,} value(s) of {column} never seen in "
                "training (encoded as all zeros)"
            )
    return NewRows(x, table.frame, table.name, notes)


def read_rows(path: str | os.PathLike[str]) -> Any:
    """A table file read as guinet reads training data (its kind from its
    extension); anything but a table is a :class:`DataError`."""
    from guinet.core.data.errors import Progress
    from guinet.core.data.sources import Table, load_source

    raw = load_source({"path": os.fspath(path)}, None, Progress())
    if not isinstance(raw, Table):
        raise DataError(
            f"{raw.name} is not a table; predictions are made for the rows of a "
            "CSV, TSV, Excel or Parquet file."
        )
    return raw


def predict(trained: TrainedModel, inputs: NewRows) -> Predictions:
    """The predictions of ``trained`` for prepared new rows."""
    predictions = predict_array(trained, inputs.x)
    predictions.notes.extend(inputs.notes)
    return predictions


def predict_array(trained: TrainedModel, x: np.ndarray) -> Predictions:
    """Predictions for already-prepared inputs (such as rows of a split of
    ``trained.prepared``), batched, without gradients."""
    import torch

    prepared = trained.prepared
    x = np.asarray(x, dtype=np.float32)
    if x.shape[1:] != tuple(prepared.input_shape):
        raise DataError(
            f"The model takes inputs shaped {tuple(prepared.input_shape)} per "
            f"row, not {x.shape[1:]}."
        )
    model = trained.model
    model.eval()
    parts = []
    with torch.no_grad():
        for start in range(0, len(x), BATCH_ROWS):
            batch = torch.from_numpy(x[start : start + BATCH_ROWS]).to(trained.device)
            parts.append(model(batch).float().cpu().numpy())
    width = int(parts[0].shape[1]) if parts else int(prepared.n_outputs)
    outputs = np.concatenate(parts) if parts else np.zeros((0, width), np.float32)
    result = Predictions(
        prepared.task, outputs, list(prepared.class_names), list(prepared.target_names)
    )
    if prepared.task == "regression":
        result.values = outputs  # targets are not scaled: already in their units
        return result
    result.probabilities = class_probabilities(outputs, final_produces(model))
    result.index = result.probabilities.argmax(axis=1)
    return result


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Run torch on the calling thread alone for a moment: for predicting one
    input at a time (the Predict page, on every change). Work that small
    gains nothing from torch's thread pool, and waking a pool on a busy
    machine costs milliseconds (a 0.3 ms forward pass of the digits CNN took
    over 10 ms with two pool threads on two loaded cores). The count is
    restored after, so training keeps its threads."""
    import torch

    before = torch.get_num_threads()
    if before == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def final_produces(model: torch.nn.Module) -> str | None:
    """What the model's last layer makes of the raw scores, in the layer
    catalogue's words (``probabilities``, ``log_probabilities``), or ``None``
    for raw scores."""
    from guinet.core.layers import LAYERS

    children = list(model.children()) or [model]
    declared = LAYERS.get(type(children[-1]).__name__)
    produces = declared.produces if declared is not None else None
    return produces.kind if produces is not None else None


def class_probabilities(outputs: np.ndarray, produces: str | None) -> np.ndarray:
    """One probability per class from the model's outputs: one output is the
    chance of class 1 (of two), several are one distribution over the classes.
    ``produces`` is :func:`final_produces` (``None``: raw scores)."""
    values = outputs.astype(np.float64)
    if produces == "log_probabilities":
        values = np.exp(values)
    elif produces is None and values.shape[1] == 1:
        values = 1.0 / (1.0 + np.exp(-values))
    elif produces is None:
        values = np.exp(values - values.max(axis=1, keepdims=True))
        values /= values.sum(axis=1, keepdims=True)
    if values.shape[1] == 1:
        values = np.concatenate([1.0 - values, values], axis=1)
    return values


def write_predictions(
    predictions: Predictions,
    source_rows: pd.DataFrame,
    path: str | os.PathLike[str],
) -> Path:
    """A CSV of ``source_rows`` with the prediction columns after them
    (:meth:`Predictions.columns`; an input column of the same name is
    replaced), written atomically: a crash leaves any earlier file whole."""
    from guinet.core.fileio import atomic_write_text

    if len(source_rows) != len(predictions):
        raise ValueError(f"{len(source_rows)} rows but {len(predictions)} predictions")
    columns = predictions.columns()
    frame = source_rows.drop(columns=[c for c in columns if c in source_rows])
    frame = frame.reset_index(drop=True)
    for name in frame.columns:  # float32 as read: written as typed, not 1.2e+06
        if frame[name].dtype == np.float32:
            frame[name] = frame[name].astype(str).astype(np.float64)
    for name, values in columns.items():
        frame[name] = values
    target = Path(path)
    atomic_write_text(target, frame.to_csv(index=False))
    return target
