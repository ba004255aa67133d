"""Seeded train/validation/test splits, stratified by class when asked.

The same rows, seed and fractions always give the same split, on any
machine (NumPy's PCG64 generator). Stratified splits give every class its
share of each split, and at least one row in each non-empty split; a class
too small for that is an error rather than a split that silently lacks it.

Which rows go where is random; within a split the rows keep their order in
the source (the trainer shuffles every epoch anyway), which keeps copying a
split out of a million-row table a streaming read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from guinet.core.data.errors import DataError

if TYPE_CHECKING:
    from guinet.core.data.spec import SplitSpec

SPLIT_WORDS = {"train": "training", "validation": "validation", "test": "test"}


def _share(n: int, fraction: float) -> int:
    if fraction <= 0:
        return 0
    return max(1, int(np.floor(n * fraction + 0.5)))


def split_indices(
    n: int,
    config: SplitSpec,
    labels: np.ndarray | None = None,
    class_names: Sequence[str] = (),
) -> dict[str, np.ndarray]:
    """Row indices of each split (``train``, ``validation``, ``test``).

    ``config`` is the parsed ``data.split`` section (checked by its
    declarations: fractions in [0, 1) leaving rows for training, seed ≥ 0).

    ``labels`` (class indices) make the split stratified when
    ``config.stratify`` is on, and make a split with fewer rows than there
    are classes an error either way.
    """
    rng = np.random.default_rng(config.seed)
    fractions = {"validation": config.validation, "test": config.test}
    if labels is not None and config.stratify:
        parts = _stratified(labels, fractions, rng, class_names)
    else:
        sizes = {name: _share(n, f) for name, f in fractions.items()}
        if n - sum(sizes.values()) < 1:
            raise DataError(
                f"{n} rows are too few for training, validation and test splits; "
                "add rows or set a fraction to 0."
            )
        assign = np.zeros(n, np.int8)
        order = rng.permutation(n)
        cut_val = sizes["validation"]
        assign[order[:cut_val]] = 1
        assign[order[cut_val : cut_val + sizes["test"]]] = 2
        parts = {
            name: np.flatnonzero(assign == code)
            for code, name in enumerate(("train", "validation", "test"))
        }
    if labels is not None:
        n_classes = len(class_names) or int(labels.max()) + 1
        for name, rows in parts.items():
            if 0 < len(rows) < n_classes:
                raise DataError(
                    f"The {SPLIT_WORDS[name]} split gets only {len(rows)} rows but "
                    f"there are {n_classes} classes; use more data or a larger "
                    f"{name} fraction."
                )
    return parts


def _stratified(
    labels: np.ndarray,
    fractions: dict[str, float],
    rng: np.random.Generator,
    class_names: Sequence[str],
) -> dict[str, np.ndarray]:
    counts = np.bincount(labels, minlength=len(class_names))
    needed = 1 + sum(1 for f in fractions.values() if f > 0)
    assign = np.zeros(len(labels), np.int8)
    # few classes: one pass per class beats sorting a million labels
    order = np.argsort(labels, kind="stable") if len(counts) > 32 else None
    start = 0
    for index, count in enumerate(counts):
        if order is not None:
            members = order[start : start + count]
            start += count
        else:
            members = np.flatnonzero(labels == index)
        if count == 0:
            continue
        sizes = {name: _share(int(count), f) for name, f in fractions.items()}
        if count - sum(sizes.values()) < 1:
            name = class_names[index] if index < len(class_names) else str(index)
            words = ", ".join(
                SPLIT_WORDS[s]
                for s in ("train", *fractions)
                if s == "train" or fractions[s] > 0
            )
            raise DataError(
                f"Class {name!r} has only {count} row{'s' if count != 1 else ''}, too "
                f"few to stratify: it needs at least {needed} (one each for {words}); "
                "add rows, remove the class, or turn stratify off."
            )
        held_out = sizes["validation"] + sizes["test"]
        if held_out:
            picked = members[rng.permutation(int(count))[:held_out]]
            assign[picked[: sizes["validation"]]] = 1
            assign[picked[sizes["validation"] :]] = 2
    return {
        name: np.flatnonzero(assign == code)
        for code, name in enumerate(("train", "validation", "test"))
    }
