"""Evaluations kept with the run: a JSON file beside the checkpoint it scored.

An evaluation of a split is written next to the checkpoint whose weights it
used, as ``<checkpoint stem>.evaluation-<split>.json`` — the
:meth:`~guinet.core.evaluation.Evaluation.to_dict` JSON (with every sample,
so a confusion cell's samples can be listed again) plus when it was made and
what it was made from. The Evaluate page shows a stored result at once
instead of running the model again; ``guinet evaluate`` writes the same file.

A stored result is only used while it still describes what is there: the
checkpoint file must be the one evaluated (same size and modification time:
``last.ckpt`` is rewritten by every run) and the project's data section the
same (another split seed makes another test split). Anything else — a file
from a newer guinet, a damaged one — is as if there were none.

Files are written atomically, only into the checkpoint's own folder; a
folder that cannot be written skips saving with a note. Nothing here
imports Qt.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from guinet.core.evaluation import (
    Classification,
    ClassScores,
    Evaluation,
    Regression,
)
from guinet.core.fileio import atomic_write_text

if TYPE_CHECKING:
    from guinet.core.project import Project

FORMAT = "guinet-evaluation"
FORMAT_VERSION = 1


@dataclass
class StoredEvaluation:
    """An evaluation read back from beside its checkpoint."""

    evaluation: Evaluation
    evaluated_at: datetime
    path: Path


def stored_path(checkpoint: str | os.PathLike[str], split: str) -> Path:
    """Where the evaluation of ``split`` with ``checkpoint``'s weights is kept."""
    path = Path(checkpoint)
    return path.with_name(f"{path.stem}.evaluation-{split}.json")


def weights_stamp(checkpoint: str | os.PathLike[str]) -> dict[str, Any] | None:
    """What tells this checkpoint file from a later one of the same name."""
    try:
        stat = Path(checkpoint).stat()
    except OSError:
        return None
    return {
        "file": Path(checkpoint).name,
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
    }


def data_fingerprint(project: Project) -> str | None:
    """A short hash of the data section and the folder its paths start from:
    the same fingerprint means the same splits."""
    data = project.data
    if data is None or not data.has_source:
        return None
    text = json.dumps(data.to_dict(), sort_keys=True, default=str)
    base = str(project.base_dir.resolve())
    return hashlib.sha256(f"{base}\n{text}".encode()).hexdigest()[:32]


def save_evaluation(
    evaluation: Evaluation,
    checkpoint: str | os.PathLike[str],
    split: str,
    project: Project,
    when: datetime | None = None,
) -> tuple[Path | None, str | None]:
    """Write ``evaluation`` beside ``checkpoint``; ``(path, None)``, or
    ``(None, note)`` saying why it was not kept (a read-only folder)."""
    stamp = weights_stamp(checkpoint)
    if stamp is None:
        return None, "not kept: the checkpoint file is gone"
    when = when or datetime.now(timezone.utc)
    record = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "split": split,
        "evaluated_at": when.isoformat(timespec="seconds"),
        "weights": stamp,
        "data": data_fingerprint(project),
        **evaluation.to_dict(samples=True),
    }
    target = stored_path(checkpoint, split)
    try:
        atomic_write_text(target, json.dumps(record, allow_nan=False))
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return None, f"not kept: cannot write in {target.parent} ({reason})"
    return target, None


def load_stored(
    checkpoint: str | os.PathLike[str], split: str, project: Project
) -> StoredEvaluation | None:
    """The kept evaluation of ``split`` with ``checkpoint``'s weights, while
    it still fits the file and the data; else ``None``."""
    path = stored_path(checkpoint, split)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        return None
    if record.get("version") != FORMAT_VERSION or record.get("split") != split:
        return None
    if record.get("weights") != weights_stamp(checkpoint):
        return None
    if record.get("data") != data_fingerprint(project):
        return None
    try:
        evaluation = evaluation_from_dict(record)
        when = datetime.fromisoformat(str(record["evaluated_at"]))
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    return StoredEvaluation(evaluation, when, path)


# -- JSON back to an Evaluation --------------------------------------------------------
def evaluation_from_dict(record: dict[str, Any]) -> Evaluation:
    """The inverse of :meth:`Evaluation.to_dict` (with its samples)."""
    evaluation = Evaluation(
        source=str(record["source"]),
        task=str(record["task"]),
        n_samples=int(record["samples"]),
        loss_name=str(record["loss_name"]),
        loss=_float(record["loss"]),
        metrics={str(k): _float(v) for k, v in record.get("metrics", {}).items()},
        checkpoint=record.get("checkpoint"),
    )
    scores = record.get("classification")
    if scores is not None:
        evaluation.classification = _classification(scores)
    numbers = record.get("regression")
    if numbers is not None:
        evaluation.regression = _regression(numbers)
    if evaluation.classification is None and evaluation.regression is None:
        raise ValueError("an evaluation with no scores")
    return evaluation


def _classification(scores: dict[str, Any]) -> Classification:
    names = [str(n) for n in scores["class_names"]]
    truth = np.asarray(scores["truth"], dtype=np.int64)
    predicted = np.asarray(scores["predicted"], dtype=np.int64)
    if "probabilities" in scores:
        probabilities = _array(scores["probabilities"], len(truth), len(names))
    else:  # written without them: the predicted class's confidence is known
        probabilities = np.zeros((len(truth), len(names)))
    auc = scores.get("roc_auc")
    return Classification(
        class_names=names,
        accuracy=_float(scores["accuracy"]),
        balanced_accuracy=_float(scores["balanced_accuracy"]),
        per_class=[
            ClassScores(
                str(s["name"]),
                _float(s["precision"]),
                _float(s["recall"]),
                _float(s["f1"]),
                int(s["support"]),
            )
            for s in scores["per_class"]
        ],
        confusion=np.asarray(scores["confusion"], dtype=np.int64).reshape(
            len(names), len(names)
        ),
        roc_auc=None if auc is None else float(auc),
        truth=truth,
        predicted=predicted,
        probabilities=probabilities,
        confidence=_array(scores["confidence"], len(truth)),
    )


def _regression(numbers: dict[str, Any]) -> Regression:
    names = [str(n) for n in numbers["target_names"]]
    n = len(numbers["truth"])
    r2 = numbers.get("r2")
    return Regression(
        target_names=names,
        mae=_float(numbers["mae"]),
        rmse=_float(numbers["rmse"]),
        r2=None if r2 is None else float(r2),
        truth=_array(numbers["truth"], n, -1),
        predicted=_array(numbers["predicted"], n, -1),
        residuals=_array(numbers["residuals"], n, -1),
    )


def _float(value: Any) -> float:
    return math.nan if value is None else float(value)


def _array(values: Any, *shape: int) -> np.ndarray:
    """JSON numbers (``null`` for NaN) as a float64 array of ``shape``."""
    array = np.asarray(
        [
            [_float(v) for v in row] if isinstance(row, list) else _float(row)
            for row in values
        ],
        dtype=np.float64,
    )
    if shape[0] == 0:
        return array.reshape(0, *(max(s, 0) for s in shape[1:]))
    return array.reshape(shape)
