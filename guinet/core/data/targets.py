"""The target: which task it implies, and its values as class indices or numbers.

``auto`` reads the task off the values: text or yes/no values are classes;
numbers are classes when they are whole and few (at most 20 distinct, and no
more than half the rows), otherwise a quantity to regress. Two classes make
a binary task. Class names are kept in sorted order, so ``y == i`` means
``class_names[i]`` in every split, in predictions and in exported models.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from guinet.core.data.errors import DataError

MAX_AUTO_CLASSES = 20
TASKS = ("auto", "binary", "multiclass", "regression")


@dataclass
class Targets:
    """Encoded targets of the main source and what they mean.

    ``labels`` holds class indices (for stratifying and counting) when the
    task is a classification, else ``None``.
    """

    task: str
    y: np.ndarray
    class_names: list[str]
    labels: np.ndarray | None

    @property
    def n_outputs(self) -> int:
        if self.task == "multiclass":
            return len(self.class_names)
        if self.task == "binary":
            return 1
        return int(self.y.shape[1])

    def encode(self, labels: np.ndarray) -> np.ndarray:
        """Class indices as the task's ``y`` (float (n, 1) for binary)."""
        if self.task == "binary":
            return labels.astype(np.float32).reshape(-1, 1)
        return labels.astype(np.int64)


def label_text(value: object) -> str:
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (float, np.floating)):
        return str(int(value)) if float(value).is_integer() else f"{float(value):g}"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return str(value).strip()


def _is_text(values: np.ndarray) -> bool:
    return values.dtype.kind in "OUS"


def factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sorted distinct values, index of each value), fast for small integers."""
    if values.dtype.kind in "iu" and len(values):
        low, high = int(values.min()), int(values.max())
        if high - low < 1_000_000:
            present = np.bincount(values - low, minlength=high - low + 1) > 0
            uniques = np.flatnonzero(present) + low
            lookup = np.cumsum(present) - 1
            return uniques.astype(values.dtype), lookup[values - low].astype(np.int64)
    if _is_text(values):
        import pandas as pd

        codes, uniques = pd.factorize(values, sort=True)
        return np.asarray(uniques, dtype=object), codes.astype(np.int64)
    uniques, inverse = np.unique(values, return_inverse=True)
    return uniques, inverse.astype(np.int64).reshape(-1)


def _whole(values: np.ndarray) -> np.ndarray | None:
    """``values`` as int64 if every one is a whole number, else ``None``."""
    if values.dtype.kind in "iub":
        return values.astype(np.int64)
    if values.dtype.kind == "f" and np.all(np.floor(values) == values):
        return values.astype(np.int64)
    return None


def encode_targets(
    values: np.ndarray,
    requested: str,
    label: str,
    class_names: Sequence[str] | None = None,
) -> Targets:
    """Targets from raw values: one column (1-D) or several (2-D, regression).

    ``class_names`` means ``values`` already are indices into it.
    """
    if values.ndim == 2 and values.shape[1] > 1:
        if requested in ("binary", "multiclass"):
            raise DataError(
                f"Several target columns ({label}) can only be predicted "
                "together as a regression task."
            )
        if _is_text(values):
            raise DataError(
                f"The targets ({label}) must all hold numbers for regression."
            )
        return Targets("regression", values.astype(np.float32), [], None)
    flat = values.reshape(-1)
    if class_names is not None:
        names = list(class_names)
        labels = flat.astype(np.int64)
        task = (
            requested
            if requested != "auto"
            else ("binary" if len(names) == 2 else "multiclass")
        )
        if task == "regression":
            raise DataError(
                f"{label} holds classes ({', '.join(names[:5])}); "
                "choose a classification task, not regression."
            )
    else:
        whole = None if _is_text(flat) else _whole(flat)
        task = requested
        if task == "auto":
            task = _detect(flat, whole)
        if task == "regression":
            if _is_text(flat):
                example = next(v for v in flat if v is not None)
                raise DataError(
                    f"Target {label} holds text such as {label_text(example)!r}; "
                    "regression needs numbers, so choose a classification task."
                )
            return Targets(
                "regression", flat.astype(np.float32).reshape(-1, 1), [], None
            )
        uniques, labels = factorize(whole if whole is not None else flat)
        names = [label_text(bool(u) if flat.dtype.kind == "b" else u) for u in uniques]
    if len(names) < 2:
        raise DataError(
            f"Target {label} has only one class ({names[0]!r}); a classifier needs "
            "examples of at least two."
        )
    if task == "binary" and len(names) != 2:
        raise DataError(
            f"The task is binary but target {label} has {len(names)} classes; "
            "choose multiclass (or auto)."
        )
    targets = Targets(task, np.empty(0), names, labels)
    targets.y = targets.encode(labels)
    return targets


def _detect(flat: np.ndarray, whole: np.ndarray | None) -> str:
    if _is_text(flat) or flat.dtype.kind == "b":
        distinct = len(factorize(flat)[0])
        return "binary" if distinct == 2 else "multiclass"
    if whole is None:
        return "regression"
    distinct = len(factorize(whole)[0])
    if distinct <= 2:
        return "binary" if distinct == 2 else "multiclass"
    if distinct <= MAX_AUTO_CLASSES and distinct * 2 <= len(flat):
        return "multiclass"
    return "regression"


def map_targets(
    values: np.ndarray,
    targets: Targets,
    where: str,
    class_names: Sequence[str] | None = None,
) -> np.ndarray:
    """Targets of a separate validation/test source, in the training encoding."""
    if targets.task == "regression":
        if _is_text(values):
            raise DataError(f"The target in {where} holds text; it must hold numbers.")
        out = values.astype(np.float32).reshape(len(values), -1)
        if out.shape[1] != targets.y.shape[1]:
            raise DataError(
                f"{where} has {out.shape[1]} target columns but the "
                f"training data has {targets.y.shape[1]}."
            )
        return out
    flat = values.reshape(-1)
    if class_names is not None:
        texts = np.asarray(class_names, dtype=object)
        uniques, inverse = np.unique(flat.astype(np.int64), return_inverse=True)
        unique_names = [str(texts[u]) for u in uniques]
    else:
        whole = None if _is_text(flat) else _whole(flat)
        uniques, inverse = factorize(whole if whole is not None else flat)
        unique_names = [
            label_text(bool(u) if flat.dtype.kind == "b" else u) for u in uniques
        ]
    index = {name: i for i, name in enumerate(targets.class_names)}
    unknown = [n for n in unique_names if n not in index]
    if unknown:
        raise DataError(
            f"{where} has class {unknown[0]!r}, which the training data does not have."
        )
    lookup = np.array([index[n] for n in unique_names], dtype=np.int64)
    return targets.encode(lookup[inverse.reshape(-1)])
