"""One field per feature, for a person typing a row to predict.

A trained model's inputs are scaled numbers; a person thinks in the
training data's own units: "petal length 4.5 cm", "colour: red". This
module turns :class:`~guinet.core.data.PreparedData` into one
:class:`FeatureField` per feature column, with the range and a typical value
of the training split (in original units, recovered by undoing the fitted
scaler), and turns the values typed into those fields back into a model
input, through the same encoder and scaler as the run
(:func:`row_inputs`). :func:`split_row` reads a row of the prepared test
split back into field values and its truth, so a person can pick one and
see prediction against truth.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from guinet.core.data.errors import DataError

if TYPE_CHECKING:
    from guinet.core.data import PreparedData

#: Most decimals a number field shows.
MAX_DECIMALS = 6
#: Texts of a yes/no column, as guinet reads them (lower case).
BOOL_TEXTS = ("false", "true")


@dataclass(frozen=True)
class FeatureField:
    """A feature as a person types it.

    ``kind`` is ``number`` (``low``/``high``: the training split's range,
    ``typical``: its median, ``decimals``: how precisely its values were
    written), ``category`` (``categories``: the values seen in training,
    ``typical``: the most frequent) or ``bool`` (``categories`` are
    ``false``/``true``).
    """

    name: str
    kind: str
    typical: Any
    low: float = 0.0
    high: float = 0.0
    decimals: int = 2
    categories: tuple[str, ...] = field(default_factory=tuple)

    @property
    def range_text(self) -> str:
        """ "range 0.1 – 7.9" for a number, "" otherwise."""
        if self.kind != "number":
            return ""
        return f"range {self.format(self.low)} – {self.format(self.high)}"

    def format(self, value: float) -> str:
        return f"{value:.{self.decimals}f}"


def training_units(prepared: PreparedData, x: np.ndarray) -> np.ndarray:
    """Prepared (scaled) rows back in the data's own units, in float64."""
    scaler = prepared.scaler
    return x.astype(np.float64) * scaler.scale.astype(np.float64) + (
        scaler.offset.astype(np.float64)
    )


def written_decimals(values: np.ndarray) -> int:
    """The fewest decimals that write every value of ``values`` (within the
    float32 noise of scaling and unscaling), at most :data:`MAX_DECIMALS`."""
    if not len(values):
        return 2
    tolerance = 1e-5 * max(1.0, float(np.abs(values).max()))
    for decimals in range(MAX_DECIMALS + 1):
        if np.abs(values - np.round(values, decimals)).max() <= tolerance:
            return decimals
    return MAX_DECIMALS


def _number_field(name: str, values: np.ndarray) -> FeatureField:
    low, high = float(values.min()), float(values.max())
    decimals = written_decimals(values)
    span = high - low
    if span > 0:  # enough to see a change across the range, no more
        decimals = min(decimals, max(2, 3 - math.floor(math.log10(span))))
    typical = round(float(np.median(values)), decimals)
    return FeatureField(
        name, "number", typical, round(low, decimals), round(high, decimals), decimals
    )


def feature_fields(prepared: PreparedData) -> list[FeatureField]:
    """One field per feature column of the training split, in input order.

    Raises :class:`DataError` for data that is not one number (or one
    encoded column) per feature, such as images.
    """
    if not prepared.tabular and prepared.encoder is None:
        raise DataError(
            "The model takes images (or arrays), not one value per feature."
        )
    raw = training_units(prepared, prepared.x_train)
    if prepared.encoder is None:
        return [
            _number_field(name, raw[:, i])
            for i, name in enumerate(prepared.feature_names)
        ]
    fields = []
    at = 0
    for plan in prepared.encoder.columns:
        block = raw[:, at : at + plan.width]
        at += plan.width
        if plan.kind == "category":
            counts = block.sum(axis=0)
            categories = tuple(plan.categories)
            typical = categories[int(np.argmax(counts))] if categories else ""
            fields.append(
                FeatureField(plan.name, "category", typical, categories=categories)
            )
        elif plan.kind == "bool":
            typical = BOOL_TEXTS[int(np.median(block[:, 0]) >= 0.5)]
            fields.append(
                FeatureField(plan.name, "bool", typical, categories=BOOL_TEXTS)
            )
        else:
            fields.append(_number_field(plan.name, block[:, 0]))
    return fields


def row_inputs(prepared: PreparedData, values: Mapping[str, Any]) -> np.ndarray:
    """One model input (shape ``(1, features)``) from a value per field,
    encoded and scaled as the training rows were (the run's own encoder and
    scaler). Raises :class:`DataError` naming the fields without a value."""
    import pandas as pd

    from guinet.core.data.scaling import check_scaled

    fields = feature_fields_names(prepared)
    absent = [name for name in fields if name not in values]
    if absent:
        raise DataError(f"No value for {', '.join(repr(n) for n in absent)}.")
    if prepared.encoder is None:
        x = np.array([[float(values[name]) for name in fields]], np.float32)
    else:
        kinds = prepared.encoder.kinds
        frame = pd.DataFrame(
            {
                name: [
                    str(values[name])
                    if kinds[name] in ("category", "bool")
                    else float(values[name])
                ]
                for name in fields
            }
        )
        x = prepared.encoder.transform(frame)
    x = prepared.scaler.apply(x)
    check_scaled(x, prepared.feature_names, "the values typed")
    return x


def feature_fields_names(prepared: PreparedData) -> list[str]:
    """The names of :func:`feature_fields` (the table's columns, before encoding)."""
    if prepared.encoder is not None:
        return [plan.name for plan in prepared.encoder.columns]
    return list(prepared.feature_names)


@dataclass(frozen=True)
class SplitRow:
    """A row of the prepared test split: its field values and its truth
    (a class name, or the target values in their units)."""

    index: int
    values: dict[str, Any]
    truth: str | tuple[float, ...]


def split_row(prepared: PreparedData, index: int, split: str = "test") -> SplitRow:
    """Row ``index`` of ``split`` in the fields' terms (original units; a
    category the training never saw reads as the most frequent one)."""
    x, y = prepared.split(split)
    if not 0 <= index < len(x):
        raise IndexError(f"the {split} split has {len(x)} rows, not row {index}")
    raw = training_units(prepared, x[index : index + 1])[0]
    values: dict[str, Any] = {}
    if prepared.encoder is None:
        values = {name: float(raw[i]) for i, name in enumerate(prepared.feature_names)}
    else:
        at = 0
        for plan in prepared.encoder.columns:
            block = raw[at : at + plan.width]
            at += plan.width
            if plan.kind == "category":
                values[plan.name] = (
                    plan.categories[int(np.argmax(block))]
                    if block.max() > 0.5
                    else plan.fill or plan.categories[0]
                )
            elif plan.kind == "bool":
                values[plan.name] = BOOL_TEXTS[int(block[0] >= 0.5)]
            else:
                values[plan.name] = float(block[0])
    return SplitRow(index, values, truth_of(prepared, y[index]))


def truth_of(prepared: PreparedData, target: np.ndarray) -> str | tuple[float, ...]:
    """A prepared target as a person reads it: the class name, or the values."""
    if prepared.task == "regression":
        return tuple(float(v) for v in np.ravel(target))
    return prepared.class_names[int(np.ravel(target)[0])]
