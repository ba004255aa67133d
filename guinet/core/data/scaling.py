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
threads, and never need a temporary as large as the data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from guinet.core.data.errors import DataError
from guinet.core.data.result import Scaler

SCALINGS = ("standard", "minmax", "none")


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
        """What ``kind`` needs of ``block``: mean and spread, or min and max."""
        axes = reduce_axes(block.ndim)
        count = block.size // max(1, int(np.prod(stats_shape(block.shape))))
        if kind == "minmax":
            low = block.min(axis=axes).astype(np.float64)
            high = block.max(axis=axes).astype(np.float64)
            return cls(count, np.zeros_like(low), np.zeros_like(low), low, high)
        mean = block.mean(axis=axes, dtype=np.float64)
        keep = [1 if a in axes else s for a, s in enumerate(block.shape)]
        centred = block - mean.reshape(keep).astype(block.dtype)
        centred *= centred
        m2 = centred.sum(axis=axes, dtype=np.float64)
        return cls(count, mean, m2, mean, mean)

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
) -> Scaler:
    """The scaler of ``kind`` for training rows summarised by ``moments``.

    ``shape`` is the offset/scale shape (:func:`stats_shape`); ``keep`` marks
    table columns to leave as they are (one-hot columns).
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
    return Scaler(kind, offset.astype(np.float32), scale.astype(np.float32))


BLOCK_ROWS = 16384


def fit_scaler(
    x_train: np.ndarray,
    kind: str,
    *,
    keep: np.ndarray | None = None,
    pixel_max: float | None = None,
) -> Scaler:
    """The scaler of ``kind`` fitted on ``x_train`` (float32, batch first)."""
    check_kind(kind)
    moments = None
    if kind != "none":
        for start in range(0, len(x_train), BLOCK_ROWS):
            block = Moments.of(x_train[start : start + BLOCK_ROWS], kind)
            moments = block if moments is None else moments.merge(block)
    return scaler_from(
        moments, kind, stats_shape(x_train.shape), keep=keep, pixel_max=pixel_max
    )
