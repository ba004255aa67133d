"""The built-in datasets' makers: seeded 2-D toy sets and scikit-learn's bundled sets.

Each maker returns an :class:`~guinet.core.data.sources.ArraySet`. The toy sets
follow TensorFlow Playground: a few hundred points, a ``noise`` knob and a
``seed`` so a class sees the same picture on every screen. The real sets come
from the files that ship inside scikit-learn; nothing is ever downloaded.
"""

from __future__ import annotations

import math

import numpy as np

from guinet.core.data.sources import ArraySet

XY = ["x1", "x2"]


def _finish(
    name: str, x: np.ndarray, y: np.ndarray, classes: list[str], seed: int
) -> ArraySet:
    """Shuffle points and labels together, so no split sees one class only."""
    order = np.random.default_rng(seed + 1).permutation(len(x))
    return ArraySet(
        x=x[order].astype(np.float32),
        y=y[order].astype(np.int64),
        name=name,
        feature_names=list(XY),
        class_names=classes,
        task="binary" if len(classes) == 2 else "multiclass",
    )


def _halves(samples: int) -> tuple[int, int]:
    return samples // 2, samples - samples // 2


def moons(samples: int, noise: float, seed: int) -> ArraySet:
    rng = np.random.default_rng(seed)
    n0, n1 = _halves(samples)
    t0 = np.linspace(0, math.pi, n0)
    t1 = np.linspace(0, math.pi, n1)
    upper = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    lower = np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    x = np.concatenate([upper, lower]) + rng.normal(0, noise, (samples, 2))
    y = np.repeat([0, 1], [n0, n1])
    return _finish("moons", x, y, ["upper moon", "lower moon"], seed)


def circles(samples: int, noise: float, factor: float, seed: int) -> ArraySet:
    rng = np.random.default_rng(seed)
    n0, n1 = _halves(samples)
    t0 = np.linspace(0, 2 * math.pi, n0, endpoint=False)
    t1 = np.linspace(0, 2 * math.pi, n1, endpoint=False)
    outer = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    inner = factor * np.stack([np.cos(t1), np.sin(t1)], axis=1)
    x = np.concatenate([outer, inner]) + rng.normal(0, noise, (samples, 2))
    y = np.repeat([0, 1], [n0, n1])
    return _finish("circles", x, y, ["outer ring", "inner ring"], seed)


def xor(samples: int, noise: float, seed: int) -> ArraySet:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (samples, 2))
    # keep points off the axes, as the Playground does, so the rule is visible
    x += np.sign(x) * 0.05
    y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)
    x = x + rng.normal(0, noise, (samples, 2))
    return _finish("xor", x, y, ["different signs", "same signs"], seed)


def spirals(samples: int, noise: float, turns: float, seed: int) -> ArraySet:
    rng = np.random.default_rng(seed)
    parts = []
    for label, n in enumerate(_halves(samples)):
        r = np.linspace(0.05, 1.0, n)
        t = turns * 2 * math.pi * r + label * math.pi
        arm = np.stack([r * np.sin(t), r * np.cos(t)], axis=1)
        parts.append(arm + rng.normal(0, noise, (n, 2)))
    y = np.repeat([0, 1], _halves(samples))
    return _finish("spirals", np.concatenate(parts), y, ["spiral A", "spiral B"], seed)


def blobs(samples: int, classes: int, noise: float, seed: int) -> ArraySet:
    rng = np.random.default_rng(seed)
    angles = 2 * math.pi * np.arange(classes) / classes + math.pi / 4
    centers = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    y = np.arange(samples) % classes
    x = centers[y] + rng.normal(0, noise, (samples, 2))
    names = [f"blob {i + 1}" for i in range(classes)]
    return _finish("blobs", x, y, names, seed)


def sine(samples: int, noise: float, seed: int) -> ArraySet:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2 * math.pi, 2 * math.pi, (samples, 1))
    y = np.sin(x) + rng.normal(0, noise, (samples, 1))
    return ArraySet(
        x=x.astype(np.float32),
        y=y.astype(np.float32),
        name="sine",
        feature_names=["x"],
        target_names=["y"],
        task="regression",
    )


# -- scikit-learn's bundled sets (read from files inside the package) ----------
def _sklearn_classes(name: str, loader: str) -> ArraySet:
    import sklearn.datasets

    bunch = getattr(sklearn.datasets, loader)()
    return ArraySet(
        x=np.asarray(bunch.data, dtype=np.float32),
        y=np.asarray(bunch.target, dtype=np.int64),
        name=name,
        feature_names=[str(f) for f in bunch.feature_names],
        class_names=[str(c) for c in bunch.target_names],
        task="binary" if len(bunch.target_names) == 2 else "multiclass",
    )


def iris() -> ArraySet:
    return _sklearn_classes("iris", "load_iris")


def wine() -> ArraySet:
    return _sklearn_classes("wine", "load_wine")


def breast_cancer() -> ArraySet:
    return _sklearn_classes("breast_cancer", "load_breast_cancer")


def digits() -> ArraySet:
    """8×8 handwritten digits as one-channel images, pixel values 0..16."""
    import sklearn.datasets

    bunch = sklearn.datasets.load_digits()
    return ArraySet(
        x=np.asarray(bunch.images, dtype=np.float32)[:, None, :, :],
        y=np.asarray(bunch.target, dtype=np.int64),
        name="digits",
        class_names=[str(c) for c in bunch.target_names],
        task="multiclass",
        pixel_max=16.0,
    )


def digits_flat() -> ArraySet:
    result = _sklearn_classes("digits_flat", "load_digits")
    result.task = "multiclass"
    return result


def diabetes() -> ArraySet:
    """Disease progression one year on; raw (unscaled) measurements."""
    import sklearn.datasets

    bunch = sklearn.datasets.load_diabetes(scaled=False)
    return ArraySet(
        x=np.asarray(bunch.data, dtype=np.float32),
        y=np.asarray(bunch.target, dtype=np.float32).reshape(-1, 1),
        name="diabetes",
        feature_names=[str(f) for f in bunch.feature_names],
        target_names=["progression"],
        task="regression",
    )
