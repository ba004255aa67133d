"""The decision boundary's numbers: hand-set tiny models, computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from guinet.core.boundary import (
    Unsupported,
    boundary_at,
    boundary_rgba,
    grid_size,
    plan_boundary,
)
from guinet.core.data import prepare
from guinet.core.model import ModelSpec


def _prepared(name: str, task: str, **extra: object) -> object:
    source = {"kind": "builtin", "name": name, **extra}
    spec = {
        "source": source,
        "target": -1,
        "task": task,
        "scaling": "standard",
        "split": {"validation": 0.2, "test": 0.2, "seed": 0},
    }
    return prepare(spec, ".")


def _spec(shape: tuple[int, ...], layers: list[dict[str, object]]) -> ModelSpec:
    return ModelSpec.from_dict({"input_shape": list(shape), "layers": layers})


def test_binary_plane_equals_the_hand_computed_sigmoid() -> None:
    data = _prepared("moons", "binary", samples=100, noise=0.1, seed=0)
    spec = _spec((2,), [{"type": "Linear", "out_features": 1}])
    state = {
        "0.weight": torch.tensor([[2.0, -1.0]]),
        "0.bias": torch.tensor([0.5]),
    }
    plan = plan_boundary(data, parameters=3)
    assert not isinstance(plan, Unsupported)
    assert plan.kind == "plane" and plan.size == 100
    result = boundary_at(spec, state, plan)

    # by hand: the grid in the data's units, scaled as the inputs were
    offset, scale = data.scaler.offset, data.scaler.scale
    raw = np.concatenate([data.x_train, data.x_val, data.x_test]) * scale + offset
    assert plan.x_range[0] < raw[:, 0].min() and plan.x_range[1] > raw[:, 0].max()
    xs = np.linspace(*plan.x_range, 100)
    ys = np.linspace(*plan.y_range, 100)
    gx, gy = np.meshgrid(xs, ys)
    z = 2.0 * (gx - offset[0]) / scale[0] - 1.0 * (gy - offset[1]) / scale[1] + 0.5
    chance = 1.0 / (1.0 + np.exp(-z))
    assert result.probability is not None and result.classes is not None
    np.testing.assert_allclose(result.probability, chance, atol=1e-5)
    np.testing.assert_array_equal(result.classes, (chance > 0.5).astype(int))
    np.testing.assert_allclose(result.confidence, np.maximum(chance, 1 - chance), 1e-5)
    # row 0 is the bottom of the plane (smallest y), column 0 the left
    assert result.probability.shape == (100, 100)

    rgba = boundary_rgba(result, ["#0000ff", "#ff0000"])
    assert rgba.shape == (100, 100, 4) and rgba.dtype == np.uint8
    sure_one = np.unravel_index(np.argmax(chance), chance.shape)
    assert tuple(rgba[sure_one][:3]) == (255, 0, 0)
    unsure = np.unravel_index(np.argmin(abs(chance - 0.5)), chance.shape)
    assert rgba[unsure][3] < rgba[sure_one][3]


def test_multiclass_plane_is_the_argmax_with_its_softmax() -> None:
    data = _prepared("moons", "multiclass", samples=100, noise=0.1, seed=0)
    spec = _spec((2,), [{"type": "Linear", "out_features": 2}])
    w = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    state = {"0.weight": w, "0.bias": torch.zeros(2)}
    plan = plan_boundary(data)
    assert not isinstance(plan, Unsupported)
    result = boundary_at(spec, state, plan)
    rows = plan.inputs()
    assert rows.shape == (100 * 100, 2)
    scores = rows @ w.numpy().T
    soft = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    assert result.classes is not None and result.confidence is not None
    np.testing.assert_array_equal(result.classes.ravel(), soft.argmax(axis=1))
    np.testing.assert_allclose(result.confidence.ravel(), soft.max(axis=1), atol=1e-5)


def test_one_feature_regression_is_the_fitted_curve() -> None:
    data = _prepared("sine", "regression", samples=80, noise=0.1, seed=0)
    spec = _spec((1,), [{"type": "Linear", "out_features": 1}])
    state = {"0.weight": torch.tensor([[3.0]]), "0.bias": torch.tensor([-1.0])}
    plan = plan_boundary(data)
    assert not isinstance(plan, Unsupported)
    assert plan.kind == "curve" and plan.names == ("x",)
    result = boundary_at(spec, state, plan)
    xs = plan.axis(0)
    expected = 3.0 * (xs - data.scaler.offset[0]) / data.scaler.scale[0] - 1.0
    assert result.values is not None
    np.testing.assert_allclose(result.values, expected, rtol=1e-5, atol=1e-5)
    assert plan.x_range[0] < -2 * math.pi + 0.5 and plan.x_range[1] > 2 * math.pi - 0.5


def test_picked_features_keep_the_others_at_their_training_mean() -> None:
    data = _prepared("iris", "multiclass")
    spec = _spec((4,), [{"type": "Linear", "out_features": 3}])
    state = {"0.weight": torch.randn(3, 4), "0.bias": torch.randn(3)}
    plan = plan_boundary(data, features=(2, 3))
    assert not isinstance(plan, Unsupported)
    assert plan.features == (2, 3)
    assert plan.names == ("petal length (cm)", "petal width (cm)")
    rows = plan.inputs()
    mean = data.x_train.mean(axis=0)
    np.testing.assert_allclose(rows[:, 0], mean[0], atol=1e-6)
    np.testing.assert_allclose(rows[:, 1], mean[1], atol=1e-6)
    raw_petal = rows[:, 2] * data.scaler.scale[2] + data.scaler.offset[2]
    np.testing.assert_allclose(np.unique(raw_petal.round(4)).size, plan.size)
    result = boundary_at(spec, state, plan)
    scores = rows @ state["0.weight"].numpy().T + state["0.bias"].numpy()
    assert result.classes is not None
    np.testing.assert_array_equal(result.classes.ravel(), scores.argmax(axis=1))
    # a bad pick falls back to the first two features
    fallback = plan_boundary(data, features=(1, 1))
    assert not isinstance(fallback, Unsupported) and fallback.features == (0, 1)


def test_images_and_one_feature_multiclass_say_why_not() -> None:
    digits = _prepared("digits", "multiclass")
    plan = plan_boundary(digits)
    assert isinstance(plan, Unsupported) and "images" in plan.reason


@pytest.mark.parametrize(("parameters", "size"), [(3, 100), (10**6, 40)])
def test_grid_shrinks_for_large_models(parameters: int, size: int) -> None:
    assert grid_size(parameters) == size
