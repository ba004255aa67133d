"""What preparing data produces: arrays per split, their meaning, and a report.

Target formats (chosen so the matching PyTorch loss takes them as they are):

* ``multiclass`` — ``y`` is int64 class indices of shape ``(n,)``, for
  ``CrossEntropyLoss`` on ``n_outputs = len(class_names)`` logits;
* ``binary`` — ``y`` is float32 0/1 of shape ``(n, 1)``, for ``BCELoss`` after a
  ``Sigmoid`` (or ``BCEWithLogitsLoss``) on one output; ``class_names[1]`` is
  the class called 1;
* ``regression`` — ``y`` is float32 of shape ``(n, k)`` for ``k`` target
  columns, for ``MSELoss``/``L1Loss``; targets are not scaled.

Inputs are float32 of shape ``(n, *input_shape)``, already scaled with the
statistics of the training split only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import torch

    from guinet.core.data.columns import TableEncoder
    from guinet.core.data.sources import Table

SPLITS = ("train", "validation", "test")
SHOWN_CATEGORIES = 8  # one-hot categories named in a report line


@dataclass
class MissingReport:
    """Missing values: how many were found per column and what was done.

    ``marked`` counts, per column, the cells that were missing because they
    held one of the missing-value ``marks`` (``"?"``, ``"-"`` …); they are
    also counted in ``found``.
    """

    policy: str = "fill"
    found: dict[str, int] = field(default_factory=dict)
    rows_dropped: int = 0
    filled: dict[str, int] = field(default_factory=dict)
    marked: dict[str, int] = field(default_factory=dict)
    marks: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.found.values())

    def lines(self) -> list[str]:
        out = []
        if self.marked:
            marks = " and ".join(f'"{m}"' for m in self.marks)
            cells = ", ".join(f"{c} ({n:,})" for c, n in self.marked.items())
            out.append(f"read {marks} as missing: {cells}")
        if self.total:
            cols = ", ".join(f"{c} ({n:,})" for c, n in self.found.items())
            out.append(f"missing values found: {cols}")
            if self.rows_dropped:
                out.append(f"dropped {_rows(self.rows_dropped)} with missing values")
            if self.filled:
                cols = ", ".join(f"{c} {n:,}" for c, n in self.filled.items())
                out.append(
                    f"filled {sum(self.filled.values()):,} missing values ({cols}) "
                    "with the training split's mean / most frequent value"
                )
        return out


@dataclass
class DataReport:
    """Everything a person should know about how their data was read and split.

    ``left_out`` names the columns left out of the default features because
    they look like a row number, an ID or free text, each with the reason;
    ``text_numbers`` counts the values that read as numbers in text columns.
    """

    source: str = ""
    rows: dict[str, int] = field(default_factory=dict)
    class_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    missing: MissingReport = field(default_factory=MissingReport)
    skipped_files: list[str] = field(default_factory=list)
    encodings: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    left_out: dict[str, str] = field(default_factory=dict)
    text_numbers: dict[str, int] = field(default_factory=dict)

    @property
    def skipped_count(self) -> int:
        return len(self.skipped_files)

    def lines(self) -> list[str]:
        """The report as short sentences for the data panel or the command line."""
        out = [self.source] if self.source else []
        out.append(", ".join(f"{split}: {_rows(n)}" for split, n in self.rows.items()))
        for split, counts in self.class_counts.items():
            if counts and self.rows.get(split, 1):
                spread = ", ".join(f"{name} {n:,}" for name, n in counts.items())
                out.append(f"classes in {split}: {spread}")
        if self.left_out:
            out.append(
                "left out of the features, as they look like a row number, an ID "
                "or free text: "
                + "; ".join(f"{c} ({why})" for c, why in self.left_out.items())
            )
        out.extend(self.missing.lines())
        if self.skipped_files:
            out.append(
                f"skipped {self.skipped_count:,} unreadable file(s): "
                + ", ".join(self.skipped_files[:5])
                + (" …" if self.skipped_count > 5 else "")
            )
        for column, categories in self.encodings.items():
            out.append(_one_hot_line(column, categories, self.text_numbers))
        out.extend(self.notes)
        return out


def _rows(n: int) -> str:
    return f"{n:,} row{'' if n == 1 else 's'}"


def _one_hot_line(column: str, categories: list[str], numbers: dict[str, int]) -> str:
    """What became of a text column: one 0/1 feature per value, said plainly."""
    shown = ", ".join(categories[:SHOWN_CATEGORIES])
    if len(categories) > SHOWN_CATEGORIES:
        shown += f", … ({len(categories) - SHOWN_CATEGORIES:,} more)"
    n = len(categories)
    line = f"{column}: text, one-hot encoded as {n} feature{'s' * (n != 1)} ({shown})"
    count = numbers.get(column, 0)
    if count:
        line += f"; {count:,} of its values are numbers, each taken as a category"
    return line


@dataclass(frozen=True)
class Scaler:
    """``scaled = (raw - offset) / scale``, fitted on the training split.

    ``offset`` and ``scale`` broadcast against one sample: one value per
    feature for tables, one per channel (shape ``(c, 1, 1)``) for images,
    whose ``scale`` includes the division of pixels to [0, 1].
    """

    kind: str
    offset: np.ndarray
    scale: np.ndarray

    def apply(self, x: np.ndarray) -> np.ndarray:
        """Scale float32 ``x`` in place (and return it).

        Works through row blocks so both operations find the block in cache.
        A value far outside the training range may overflow to infinity here;
        callers check the result (:func:`~guinet.core.data.scaling.check_scaled`).
        """
        import numpy as np

        inverse = (1.0 / self.scale).astype(x.dtype)
        with np.errstate(over="ignore", invalid="ignore"):
            for start in range(0, len(x), 32768):
                block = x[start : start + 32768]
                block -= self.offset
                block *= inverse
        return x

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "shape": list(self.offset.shape),
            "offset": self.offset.ravel().tolist(),
            "scale": self.scale.ravel().tolist(),
        }


@dataclass(frozen=True)
class DataTensors:
    """The splits as tensors on one device, moved there once."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor


@dataclass
class PreparedData:
    """Ready-to-train arrays for the training, validation and test splits.

    An empty validation or test split has zero rows (its arrays keep the
    right trailing shape), so callers need no special case.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    input_shape: tuple[int, ...]
    n_outputs: int
    task: str
    class_names: list[str]
    feature_names: list[str]
    target_names: list[str]
    report: DataReport
    scaler: Scaler
    encoder: TableEncoder | None = None
    _tensors: dict[str, DataTensors] = field(
        default_factory=dict, repr=False, compare=False
    )

    def split(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """``(x, y)`` of ``"train"``, ``"validation"`` or ``"test"``."""
        if name == "train":
            return self.x_train, self.y_train
        if name in ("validation", "val"):
            return self.x_val, self.y_val
        if name == "test":
            return self.x_test, self.y_test
        raise KeyError(f"unknown split {name!r}; use train, validation or test")

    def tensors(self, device: Any = "cpu") -> DataTensors:
        """All splits as tensors on ``device``; copied there on the first call only."""
        import torch

        key = str(torch.device(device))
        cached = self._tensors.get(key)
        if cached is None:

            def move(array: np.ndarray) -> torch.Tensor:
                return torch.from_numpy(array).to(device)

            cached = DataTensors(
                move(self.x_train),
                move(self.y_train),
                move(self.x_val),
                move(self.y_val),
                move(self.x_test),
                move(self.y_test),
            )
            self._tensors[key] = cached
        return cached

    def transform(self, rows: pd.DataFrame | Table) -> np.ndarray:
        """New table rows as model inputs, prepared exactly as the training
        rows were (:func:`~guinet.core.data.preparers.rows_to_predict` for a
        table, :func:`~guinet.core.data.preparers.array_rows_to_predict` for
        arrays of one number per feature, then the training scaler); raises
        :class:`DataError` for rows it cannot use.
        """
        from guinet.core.data.errors import DataError
        from guinet.core.data.preparers import array_rows_to_predict, rows_to_predict
        from guinet.core.data.scaling import check_scaled
        from guinet.core.data.sources import Table

        table = rows if isinstance(rows, Table) else Table(rows, "the new rows")
        if self.encoder is not None:
            x = rows_to_predict(table, self.encoder)
        elif self.tabular:
            x = array_rows_to_predict(table, list(self.feature_names))
        else:
            raise DataError(
                "Only a model trained on a table or on one number per feature "
                "(such as iris or the two moons) can predict rows of a table; "
                "a model of images predicts images (the Predict page)."
            )
        x = self.scaler.apply(x)
        check_scaled(x, self.feature_names, table.name)
        return x

    @property
    def tabular(self) -> bool:
        """Whether each input is one number per named feature (a table's
        columns, or a built-in dataset such as iris), so new rows can come
        from a table with those columns."""
        return len(self.input_shape) == 1 and len(self.feature_names) == int(
            self.input_shape[0]
        )

    def class_name(self, index: int) -> str:
        return self.class_names[index]

    def metadata(self) -> dict[str, Any]:
        """JSON-ready facts a checkpoint or an exported model needs to predict."""
        return {
            "task": self.task,
            "input_shape": list(self.input_shape),
            "n_outputs": self.n_outputs,
            "class_names": list(self.class_names),
            "feature_names": list(self.feature_names),
            "target_names": list(self.target_names),
            "scaler": self.scaler.to_dict(),
            "encodings": {k: list(v) for k, v in self.report.encodings.items()},
        }
