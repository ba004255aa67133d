"""Input scaling, fitted on the training split only.

Statistics come from training rows alone, so nothing about the validation or
test rows leaks into the model. Tables get one offset/scale per column
(one-hot columns stay 0/1). Images are first divided by their largest pixel
value to [0, 1]; ``standard`` then also centres each channel on the training
mean and divides by the training standard deviation. Other arrays use one
value per channel (axis 1) when they have 4 dimensions or more, and one value
overall when they have 3.

Statistics are gathered per row block (:class:`Moments`) and merged, so they
can be computed while the training rows are copied out, in cache, on several
threads, and never need a temporary as large as the data. They are computed
in float64 (a value of 1e20 squares to 1e40, past what float32 holds), and a
column whose scaled values would not fit float32 is refused by name rather
than silently turned into zeros or infinities.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from guinet.core.data.errors import DataError
from guinet.core.data.result import Scaler

SCALINGS = ("standard", "minmax", "none")
F32_MAX = float(np.finfo(np.float32).max)
#: float64 values per temporary while gathering statistics (2 MiB).
STATS_VALUES = 1 << 18


def reduce_axes(ndim: int) -> tuple[int, ...]:
    """The axes statistics run over for samples of rank ``ndim - 1``."""
    if ndim == 2:
        return (0,)
    if ndim >= 4:
        return (0, *range(2, ndim))
    return tuple(range(ndim))


def stats_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    """Shape of offset/scale for a batch of ``shape``: broadcastable to a sample."""
    axes = reduce_axes(len(shape))
    return tuple(1 if a in axes else s for a, s in enumerate(shape))[1:]


@dataclass
class Moments:
    """Count, mean, sum of squared deviations, min and max of some rows (float64)."""

    count: int
    mean: np.ndarray
    m2: np.ndarray
    low: np.ndarray
    high: np.ndarray

    @classmethod
    def of(cls, block: np.ndarray, kind: str = "standard") -> Moments:
        """What ``kind`` needs of ``block``: mean and spread (and range), or
        min and max; in float64, a few thousand values at a time."""
        per_row = max(1, int(np.prod(block.shape[1:])))
        step = max(1, STATS_VALUES // per_row)
        moments = cls._of(block[:step], kind)
        for start in range(step, len(block), step):
            moments = moments.merge(cls._of(block[start : start + step], kind))
        return moments

    @classmethod
    def _of(cls, block: np.ndarray, kind: str) -> Moments:
        axes = reduce_axes(block.ndim)
        count = block.size // max(1, int(np.prod(stats_shape(block.shape))))
        low = block.min(axis=axes).astype(np.float64)
        high = block.max(axis=axes).astype(np.float64)
        if kind == "minmax":
            return cls(count, np.zeros_like(low), np.zeros_like(low), low, high)
        values = block.astype(np.float64)
        mean = values.mean(axis=axes)
        keep = [1 if a in axes else s for a, s in enumerate(block.shape)]
        values -= mean.reshape(keep)
        values *= values
        m2 = values.sum(axis=axes)
        return cls(count, mean, m2, low, high)

    def merge(self, other: Moments) -> Moments:
        """Chan's pairwise update: exact in float64 whatever the block sizes."""
        if other.count == 0:
            return self
        if self.count == 0:
            return other
        total = self.count + other.count
        delta = other.mean - self.mean
        return Moments(
            total,
            self.mean + delta * (other.count / total),
            self.m2 + other.m2 + delta * delta * (self.count * other.count / total),
            np.minimum(self.low, other.low),
            np.maximum(self.high, other.high),
        )


def check_kind(kind: str) -> None:
    if kind not in SCALINGS:
        raise DataError(f"Scaling must be one of {', '.join(SCALINGS)}, not {kind!r}.")


def scaler_from(
    moments: Moments | None,
    kind: str,
    shape: tuple[int, ...],
    *,
    keep: np.ndarray | None = None,
    pixel_max: float | None = None,
    names: Sequence[str] = (),
) -> Scaler:
    """The scaler of ``kind`` for training rows summarised by ``moments``.

    ``shape`` is the offset/scale shape (:func:`stats_shape`); ``keep`` marks
    table columns to leave as they are (one-hot columns); ``names`` (the
    feature names) say which column a :class:`DataError` is about when the
    scaled values of a column would not fit float32.
    """
    check_kind(kind)
    offset = np.zeros(shape, np.float64)
    scale = np.full(shape, pixel_max or 1.0, np.float64)
    if moments is not None and moments.count:
        if kind == "standard":
            offset = moments.mean.reshape(shape)
            scale = np.sqrt(moments.m2 / moments.count).reshape(shape)
        elif kind == "minmax" and pixel_max is None:
            offset = moments.low.reshape(shape)
            scale = (moments.high - moments.low).reshape(shape)
        # constant inputs: centred, not divided by zero
        scale = np.where(scale > 0, scale, pixel_max or 1.0)
        if keep is not None and keep.any():
            offset = np.where(keep.reshape(shape), 0.0, offset)
            scale = np.where(keep.reshape(shape), 1.0, scale)
        _check_range(moments, offset, scale, shape, names)
    return Scaler(kind, offset.astype(np.float32), scale.astype(np.float32))


def _check_range(
    moments: Moments,
    offset: np.ndarray,
    scale: np.ndarray,
    shape: tuple[int, ...],
    names: Sequence[str],
) -> None:
    """Refuse a column whose offset, scale or scaled training values do not
    fit float32 (scaling computes ``(x - offset) * (1 / scale)`` in float32)."""
    low, high = moments.low.reshape(shape), moments.high.reshape(shape)
    with np.errstate(all="ignore"):
        inverse = 1.0 / scale
        span = np.maximum(np.abs(low - offset), np.abs(high - offset))
        bad = ~(
            np.isfinite(offset)
            & np.isfinite(span)
            & (np.abs(offset) <= F32_MAX)
            & (np.abs(scale) <= F32_MAX)
            & (np.abs(inverse) <= F32_MAX)
            & (span <= F32_MAX)
            & (span * np.abs(inverse) <= F32_MAX)
        )
    if not bad.any():
        return
    at = int(np.flatnonzero(bad.reshape(-1))[0])
    raise DataError(
        f"{_upper(feature_words(at, bad.size, names))} cannot be scaled with "
        f"32-bit numbers: its training values run from {low.reshape(-1)[at]:.3g} "
        f"to {high.reshape(-1)[at]:.3g}. Divide it by a power of ten (or leave it "
        "out of the features) and load the data again."
    )


def feature_words(index: int, count: int, names: Sequence[str]) -> str:
    """Words for entry ``index`` of ``count`` per-feature statistics."""
    if len(names) == count:
        return f"column {names[index]!r}"
    if count == 1:
        return "the inputs"
    return f"channel {index} of the inputs"


def _upper(words: str) -> str:
    return words[:1].upper() + words[1:]


def check_scaled(block: np.ndarray, names: Sequence[str] = (), where: str = "") -> None:
    """Refuse scaled values that are infinite or NaN (a validation or test
    value far outside the training range, or a gap nothing filled).

    Checks a few thousand rows at a time, so it needs no temporary as large
    as ``block``.
    """
    per_row = max(1, int(np.prod(block.shape[1:])))
    step = max(1, STATS_VALUES // per_row)
    for start in range(0, len(block), step):
        rows = block[start : start + step]
        finite = np.isfinite(rows)
        if finite.all():
            continue
        bad = ~finite.all(axis=reduce_axes(rows.ndim))
        at = int(np.flatnonzero(bad.reshape(-1))[0])
        place = f" in {where}" if where else ""
        raise DataError(
            f"{_upper(feature_words(at, bad.size, names))}{place} has a value that "
            "is infinite or too large for 32-bit numbers once scaled; correct it, "
            "or divide the column by a power of ten."
        )


BLOCK_ROWS = 16384


def fit_scaler(
    x_train: np.ndarray,
    kind: str,
    *,
    keep: np.ndarray | None = None,
    pixel_max: float | None = None,
    names: Sequence[str] = (),
) -> Scaler:
    """The scaler of ``kind`` fitted on ``x_train`` (float32, batch first)."""
    check_kind(kind)
    moments = None
    if kind != "none":
        for start in range(0, len(x_train), BLOCK_ROWS):
            block = Moments.of(x_train[start : start + BLOCK_ROWS], kind)
            moments = block if moments is None else moments.merge(block)
    return scaler_from(
        moments,
        kind,
        stats_shape(x_train.shape),
        keep=keep,
        pixel_max=pixel_max,
        names=names,
    )
