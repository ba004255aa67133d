"""A plot series whose drawing cost stays flat however many points arrive.

:class:`DecimatingSeries` keeps at most ``2 × max_points`` bins; when full,
neighbouring bins merge pairwise, so each bin averages twice as many points.
Appending is amortised O(1) and :meth:`view` returns at most ``2 × max_points``
points — so a live per-batch loss trace costs the same to draw at 100,000
batches as at 1,000.
"""

from __future__ import annotations

import numpy as np


class DecimatingSeries:
    """Means of consecutive runs of points, with run length doubling as needed."""

    def __init__(self, max_points: int = 2000) -> None:
        if max_points < 1:
            raise ValueError("max_points must be at least 1")
        self.max_points = max_points
        self._x = np.zeros(2 * max_points)
        self._y = np.zeros(2 * max_points)
        self._count = np.zeros(2 * max_points, dtype=np.int64)
        self.clear()

    def clear(self) -> None:
        self._bins = 0
        self.width = 1  # raw points a full bin holds
        self.size = 0  # raw points appended

    def append(self, x: float, y: float) -> None:
        bins = self._bins
        if bins and self._count[bins - 1] < self.width:
            i = bins - 1
        else:
            if bins == len(self._x):
                self._merge()
            i = self._bins
            self._x[i] = self._y[i] = 0.0
            self._count[i] = 0
            self._bins += 1
        self._x[i] += x
        self._y[i] += y
        self._count[i] += 1
        self.size += 1

    def _merge(self) -> None:
        half = len(self._x) // 2
        for values in (self._x, self._y, self._count):
            values[:half] = values[0::2] + values[1::2]
        self._bins = half
        self.width *= 2

    def view(self) -> tuple[np.ndarray, np.ndarray]:
        """Bin means: x and y arrays of equal length (at most 2 × max_points)."""
        n = self._bins
        count = self._count[:n]
        return self._x[:n] / count, self._y[:n] / count
