"""The decimating series behind the per-batch loss trace (no Qt needed)."""

from __future__ import annotations

import numpy as np
import pytest

from guinet.gui.series import DecimatingSeries


def test_small_series_are_kept_exactly():
    series = DecimatingSeries(max_points=10)
    for i in range(15):
        series.append(i, i * i)
    x, y = series.view()
    assert x.tolist() == list(range(15))
    assert y.tolist() == [i * i for i in range(15)]
    assert series.size == 15


def test_large_series_stay_bounded_and_keep_the_means():
    series = DecimatingSeries(max_points=100)
    values = np.random.default_rng(0).normal(size=100_000)
    for i, value in enumerate(values):
        series.append(i, value)
    x, y = series.view()
    assert series.size == 100_000
    assert len(x) <= 200
    # every bin is the mean of a run of consecutive points
    width = series.width
    full = len(x) - 1
    assert y[:full] == pytest.approx(
        values[: full * width].reshape(full, width).mean(1)
    )
    assert x[0] == pytest.approx((width - 1) / 2)
    assert np.all(np.diff(x) > 0)


def test_clear_starts_over():
    series = DecimatingSeries(max_points=2)
    for i in range(50):
        series.append(i, 1.0)
    series.clear()
    series.append(7, 3.0)
    assert [a.tolist() for a in series.view()] == [[7.0], [3.0]]
    assert series.width == 1
