"""The built-in dataset catalogue and its generators."""

from __future__ import annotations

import numpy as np
import pytest

from guinet.core.data import BUILTIN_DATASETS, BuiltinDataset, DataError, prepare
from guinet.core.data.builtin import dataset
from guinet.core.params import Param

EXPECTED = {
    # key: (task, input_shape, n_outputs)
    "moons": ("binary", (2,), 1),
    "circles": ("binary", (2,), 1),
    "xor": ("binary", (2,), 1),
    "spirals": ("binary", (2,), 1),
    "blobs": ("multiclass", (2,), 3),
    "sine": ("regression", (1,), 1),
    "iris": ("multiclass", (4,), 3),
    "wine": ("multiclass", (13,), 3),
    "breast_cancer": ("binary", (30,), 1),
    "digits": ("multiclass", (1, 8, 8), 10),
    "digits_flat": ("multiclass", (64,), 10),
    "diabetes": ("regression", (10,), 1),
}


def builtin(name: str, **args) -> dict:
    return {"source": {"kind": "builtin", "name": name, **args}}


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_every_builtin_dataset(key: str) -> None:
    task, shape, outputs = EXPECTED[key]
    spec = BUILTIN_DATASETS[key]
    assert spec.label and spec.description and spec.task == task
    assert spec.input_shape == shape
    data = prepare(builtin(key))
    assert (data.task, data.input_shape, data.n_outputs) == (task, shape, outputs)
    assert data.x_train.shape[1:] == shape and data.x_train.dtype == np.float32
    total = sum(data.report.rows.values())
    assert len(data.x_train) + len(data.x_val) + len(data.x_test) == total
    if task == "multiclass":
        assert data.y_train.dtype == np.int64 and data.y_train.ndim == 1
        assert len(data.class_names) == outputs
    elif task == "binary":
        assert data.y_train.dtype == np.float32 and data.y_train.shape[1] == 1
        assert set(np.unique(data.y_train)) == {0.0, 1.0}
    else:
        assert data.y_train.dtype == np.float32 and data.y_train.shape[1] == 1
        assert data.class_names == []


def test_registry_is_complete_and_keys_are_unique() -> None:
    assert set(EXPECTED) <= set(BUILTIN_DATASETS)
    with pytest.raises(KeyError, match="already registered"):
        dataset(
            key="moons", label="again", description="dup", task="binary", maker="moons"
        )


def test_every_toy_declares_samples_noise_and_seed() -> None:
    for spec in BUILTIN_DATASETS.values():
        names = [p.name for p in spec.params]
        if spec.family == "toy":
            assert {"samples", "noise", "seed"} <= set(names), spec.key
        for param in spec.params:
            assert isinstance(param, Param) and param.help


def test_toy_parameters_are_used() -> None:
    data = prepare(
        {
            **builtin("blobs", samples=200, classes=5, seed=3),
            "split": {"validation": 0, "test": 0},
        }
    )
    assert len(data.x_train) == 200 and data.n_outputs == 5


def test_same_seed_same_points_and_noise_zero_is_clean() -> None:
    spec = BUILTIN_DATASETS["moons"]
    a = spec.generate({"samples": 100, "seed": 7})
    b = spec.generate({"samples": 100, "seed": 7})
    c = spec.generate({"samples": 100, "seed": 8})
    np.testing.assert_array_equal(a.x, b.x)
    assert not np.array_equal(a.x, c.x)
    clean = spec.generate({"samples": 100, "noise": 0.0})
    radius = np.hypot(clean.x[clean.y == 0, 0], clean.x[clean.y == 0, 1])
    np.testing.assert_allclose(radius, 1.0, atol=1e-6)


def test_xor_labels_follow_the_signs() -> None:
    points = BUILTIN_DATASETS["xor"].generate({"samples": 400, "noise": 0.0})
    same = points.x[:, 0] * points.x[:, 1] > 0
    np.testing.assert_array_equal(points.y, same.astype(np.int64))


def test_sine_is_a_noisy_sine() -> None:
    points = BUILTIN_DATASETS["sine"].generate({"samples": 300, "noise": 0.0})
    np.testing.assert_allclose(points.y[:, 0], np.sin(points.x[:, 0]), atol=1e-6)


def test_digits_are_images_in_unit_range_before_standardising() -> None:
    data = prepare({**builtin("digits"), "scaling": "minmax"})
    assert data.x_train.min() >= 0.0 and data.x_train.max() <= 1.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"samples": 5}, r"Two moons: samples must be in \[10, 1000000\], not 5"),
        ({"noise": -1.0}, "noise must be in"),
        ({"samples": "many"}, "samples must be a whole number"),
        ({"colour": "red"}, "has no parameter 'colour'"),
    ],
)
def test_bad_parameters(args: dict, message: str) -> None:
    with pytest.raises(DataError, match=message):
        prepare(builtin("moons", **args))


def test_unknown_builtin_lists_the_known_ones() -> None:
    with pytest.raises(DataError, match="no built-in dataset 'mnist'.*moons"):
        prepare(builtin("mnist"))


def test_declaration_checks_its_task() -> None:
    with pytest.raises(ValueError, match="unknown task"):
        BuiltinDataset(key="x", label="x", description="x", task="ranking", maker="x")
