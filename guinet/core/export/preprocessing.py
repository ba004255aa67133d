"""The preprocessing that travels with an exported model, as JSON.

A model trained in guinet sees its inputs encoded and scaled; predictions
elsewhere match the app's only when the same steps run first. The JSON
beside each exported model says them all, in plain numbers: the columns a
table's rows are read from (numbers, yes/no, one-hot categories and the
values that fill gaps), the feature order the model takes, the scaling
``(raw - offset) / scale``, and what the outputs mean (class names, and
whether they are raw scores, probabilities or values).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guinet import __version__
from guinet.core.fileio import atomic_write_text

if TYPE_CHECKING:
    from guinet.core.trained import TrainedModel

#: Version of the JSON's layout; a reader checks it before trusting the rest.
PREPROCESSING_VERSION = 1

_OUTPUTS = {
    "values": "the predicted values, one per target column, not scaled",
    "logits": "raw scores (logits)",
    "probabilities": "probabilities",
    "log_probabilities": "log-probabilities",
}


def sidecar_path(output: Path) -> Path:
    """Where the JSON of ``output`` goes: beside it, ``model.onnx`` →
    ``model.preprocessing.json``."""
    return output.with_name(f"{output.stem or output.name}.preprocessing.json")


def output_meaning(trained: TrainedModel) -> dict[str, Any]:
    """What the model's outputs are and how a class is read from them, as
    :mod:`guinet.core.predict` reads them in the app."""
    from guinet.core.predict import final_produces

    prepared = trained.prepared
    if prepared.task == "regression":
        return {"kind": "values", "text": _OUTPUTS["values"]}
    kind = final_produces(trained.model) or "logits"
    if prepared.task == "binary":
        cut = {"logits": 0.0, "probabilities": 0.5, "log_probabilities": math.log(0.5)}
        threshold = cut.get(kind, 0.5)
        return {
            "kind": kind,
            "decision": "threshold",
            "threshold": threshold,
            "text": f"one output, {_OUTPUTS.get(kind, kind)} of class "
            f"{prepared.class_names[-1]!r}; above {threshold:g} means that class",
        }
    return {
        "kind": kind,
        "decision": "argmax",
        "text": f"one output per class, {_OUTPUTS.get(kind, kind)}, in the order "
        "of class_names; the largest is the predicted class",
    }


def preprocessing(trained: TrainedModel) -> dict[str, Any]:
    """The JSON-ready description of how raw rows become the model's inputs
    and what its outputs mean (see the module doc)."""
    prepared = trained.prepared
    scaler = prepared.scaler.to_dict()
    scaler["formula"] = "(raw - offset) / scale, offset and scale of this shape"
    columns = None
    if prepared.encoder is not None:
        columns = [
            {
                "name": plan.name,
                "kind": plan.kind,
                **({"categories": list(plan.categories)} if plan.categories else {}),
                **({"fill": plan.fill} if plan.fill is not None else {}),
            }
            for plan in prepared.encoder.columns
        ]
    ckpt = trained.checkpoint
    info: dict[str, Any] = {
        "guinet_preprocessing": PREPROCESSING_VERSION,
        "guinet_version": __version__,
        "task": prepared.task,
        "input": {
            "shape": ["batch", *prepared.input_shape],
            "dtype": "float32",
            "feature_names": list(prepared.feature_names),
        },
        "scaling": scaler,
        "encodings": {k: list(v) for k, v in prepared.report.encodings.items()},
        "output": {
            "shape": ["batch", prepared.n_outputs],
            **output_meaning(trained),
        },
        "class_names": list(prepared.class_names),
        "target_names": list(prepared.target_names),
        "checkpoint": {"file": ckpt.path.name, "kind": ckpt.kind, "epoch": ckpt.epoch},
    }
    if columns is not None:  # read from a table: how its rows become features
        info["columns"] = columns
        info["columns_help"] = (
            "how the table's columns become the features, in order: a number "
            "column as it is, a bool column as 1 (true) or 0 (false), a "
            "category column as one 0/1 feature per category (all 0 for one "
            "not listed); fill replaces a missing value"
        )
    return info


def write_preprocessing(output: Path, info: dict[str, Any]) -> Path:
    """Write ``info`` beside ``output`` (atomically) and return its path."""
    path = sidecar_path(output)
    atomic_write_text(path, json.dumps(info, indent=2, ensure_ascii=False) + "\n")
    return path
