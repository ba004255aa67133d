"""What a model makes of the input space: a decision boundary, or a fitted curve.

The classroom's boundary view draws what a small model has learnt so far,
from a copy of its weights (:mod:`guinet.core.training.snapshots`). This
module is the part that needs no screen:

* :func:`plan_boundary` decides what can be drawn for the prepared data: a
  *plane* over two input features (2-D inputs, or two the person picks on a
  table of more, the others held at their training mean), a *curve* over the
  one feature of a 1-D regression (or binary) task, or nothing (images), with
  a sentence saying why.
* :func:`evaluate_boundary` runs the model once, batched, under
  ``torch.no_grad`` on one thread, over the plan's grid, and returns per cell
  the predicted class and its confidence (binary: the probability of class
  1), or the regressed value.
* :func:`boundary_rgba` turns that into an image (class colours, alpha by
  confidence) so the GUI thread only hands pixels to the screen.

The axes are in the data's own units (what the Data page shows); the model
sees the grid scaled as the run's inputs were
(:class:`~guinet.core.data.result.Scaler`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch

    from guinet.core.data import PreparedData
    from guinet.core.model import ModelSpec

#: Grid cells per side for a small model; larger models get fewer (see grid_size).
GRID = 100
MIN_GRID = 40
#: Multiply-adds one boundary may cost (cells x parameters): about 10 ms on a CPU.
WORK_BUDGET = 60_000_000
#: Room left around the data on each side, as a fraction of its range.
MARGIN = 0.08


@dataclass(frozen=True)
class BoundaryPlan:
    """What to draw: a ``"plane"`` over features ``features[0]`` (x) and
    ``features[1]`` (y), or a ``"curve"`` over ``features[0]``.

    ``x_range``/``y_range`` are in the data's units; ``base`` is one scaled
    input row (the training mean) whose other features the grid keeps.
    """

    kind: str
    task: str
    features: tuple[int, ...]
    names: tuple[str, ...]
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    size: int
    base: np.ndarray
    offset: np.ndarray
    scale: np.ndarray
    n_classes: int

    def axis(self, which: int = 0) -> np.ndarray:
        """The grid's coordinates along x (0) or y (1), in the data's units."""
        low, high = self.x_range if which == 0 else self.y_range
        return np.linspace(low, high, self.size)

    def inputs(self) -> np.ndarray:
        """The scaled model inputs of every cell: ``(size*size, features)`` for
        a plane (row-major, y outer), ``(size, features)`` for a curve."""
        xs = self.axis(0)
        if self.kind == "plane":
            gx, gy = np.meshgrid(xs, self.axis(1))
            columns = {self.features[0]: gx.ravel(), self.features[1]: gy.ravel()}
        else:
            columns = {self.features[0]: xs}
        n = len(next(iter(columns.values())))
        rows = np.repeat(self.base[None, :], n, axis=0).astype(np.float32)
        for index, raw in columns.items():
            rows[:, index] = (raw - self.offset[index]) / self.scale[index]
        return rows

    def to_data_units(self, x: np.ndarray) -> np.ndarray:
        """Scaled input rows back in the data's units (for the points)."""
        return x * self.scale + self.offset


@dataclass(frozen=True)
class Unsupported:
    """Nothing to draw for this data, and why (a sentence for the view)."""

    reason: str


@dataclass
class BoundaryResult:
    """The model over a plan's grid.

    Classification: ``classes`` (predicted class per cell) and ``confidence``
    (its probability); binary tasks also fill ``probability`` (of class 1).
    Regression: ``values`` (the first target). Planes are ``(size, size)``
    with rows along y; curves are ``(size,)``.
    """

    plan: BoundaryPlan
    classes: np.ndarray | None = None
    confidence: np.ndarray | None = None
    probability: np.ndarray | None = None
    values: np.ndarray | None = None


def grid_size(parameters: int, kind: str = "plane") -> int:
    """Cells per side: :data:`GRID` unless the model is so large that a
    forward pass over the grid would pass :data:`WORK_BUDGET`."""
    if kind == "curve":
        return 400
    cells = WORK_BUDGET // max(parameters, 1)
    return int(min(GRID, max(MIN_GRID, int(cells**0.5))))


def plan_boundary(
    prepared: PreparedData,
    features: Sequence[int] = (0, 1),
    parameters: int = 0,
) -> BoundaryPlan | Unsupported:
    """What can be drawn for ``prepared`` (see the module doc)."""
    shape = tuple(prepared.input_shape)
    if len(shape) != 1:
        return Unsupported(
            "The boundary is drawn for tables and points (one number per "
            "feature). These inputs are images: the Evaluate page shows what "
            "the model gets right and wrong."
        )
    count = int(shape[0])
    offset, scale = _unscale(prepared, count)
    x_all = _all_inputs(prepared)
    if len(x_all) == 0:
        return Unsupported("There is no data to draw the model over yet.")
    raw = x_all * scale + offset
    train = prepared.x_train.reshape(len(prepared.x_train), -1)
    base = (train if len(train) else x_all).mean(axis=0)
    names = list(prepared.feature_names) or [f"feature {i + 1}" for i in range(count)]
    n_classes = len(prepared.class_names) if prepared.task != "regression" else 0
    if count == 1:
        if prepared.task == "multiclass":
            return Unsupported(
                "With one input feature there is no plane to colour: the "
                "boundary needs two features."
            )
        return BoundaryPlan(
            "curve",
            prepared.task,
            (0,),
            (names[0],),
            _padded(raw[:, 0]),
            _padded(_targets(prepared)),
            grid_size(parameters, "curve"),
            base.astype(np.float32),
            offset,
            scale,
            n_classes,
        )
    picked = tuple(int(i) for i in features[:2])
    if (
        len(picked) != 2
        or picked[0] == picked[1]
        or not all(0 <= i < count for i in picked)
    ):
        picked = (0, 1)
    return BoundaryPlan(
        "plane",
        prepared.task,
        picked,
        (names[picked[0]], names[picked[1]]),
        _padded(raw[:, picked[0]]),
        _padded(raw[:, picked[1]]),
        grid_size(parameters),
        base.astype(np.float32),
        offset,
        scale,
        n_classes,
    )


def _unscale(prepared: PreparedData, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature offset and scale (1-D), whatever shape the scaler keeps."""
    scaler = prepared.scaler
    offset = np.broadcast_to(np.asarray(scaler.offset, np.float64).ravel(), (count,))
    scale = np.broadcast_to(np.asarray(scaler.scale, np.float64).ravel(), (count,))
    return offset.copy(), scale.copy()


def _all_inputs(prepared: PreparedData) -> np.ndarray:
    parts = [prepared.x_train, prepared.x_val, prepared.x_test]
    return np.concatenate([p.reshape(len(p), -1) for p in parts]).astype(np.float64)


def _targets(prepared: PreparedData) -> np.ndarray:
    parts = [prepared.y_train, prepared.y_val, prepared.y_test]
    ys = np.concatenate([np.asarray(p, np.float64).reshape(len(p), -1) for p in parts])
    return ys[:, 0]


def _padded(values: np.ndarray) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if len(finite) == 0:
        return (-1.0, 1.0)
    low, high = float(finite.min()), float(finite.max())
    span = high - low or max(abs(high), 1.0)
    return (low - MARGIN * span, high + MARGIN * span)


def model_at(spec: ModelSpec, state: Mapping[str, torch.Tensor]) -> torch.nn.Module:
    """``spec`` built on the CPU with the weights of ``state``, in eval mode."""
    model = spec.build("cpu")
    model.load_state_dict(dict(state))
    model.eval()
    return model


def evaluate_boundary(model: torch.nn.Module, plan: BoundaryPlan) -> BoundaryResult:
    """The model over the plan's grid, in one forward pass (see module doc)."""
    import torch

    from guinet.core.predict import class_probabilities, final_produces, one_thread

    rows = torch.from_numpy(plan.inputs())
    with one_thread(), torch.no_grad():
        out = model(rows).float().reshape(len(rows), -1).numpy()
    shape = (plan.size, plan.size) if plan.kind == "plane" else (plan.size,)
    result = BoundaryResult(plan)
    if plan.task == "regression":
        result.values = out[:, 0].reshape(shape)
        return result
    chances = class_probabilities(out, final_produces(model))
    result.classes = chances.argmax(axis=1).reshape(shape)
    result.confidence = chances.max(axis=1).reshape(shape)
    if chances.shape[1] == 2:
        result.probability = chances[:, 1].reshape(shape)
    return result


def boundary_at(
    spec: ModelSpec, state: Mapping[str, torch.Tensor], plan: BoundaryPlan
) -> BoundaryResult:
    """The boundary of the weights ``state`` (a snapshot's) for ``plan``."""
    return evaluate_boundary(model_at(spec, state), plan)


def _rgb(colour: str) -> np.ndarray:
    text = colour.lstrip("#")
    return np.array([int(text[i : i + 2], 16) for i in (0, 2, 4)], np.float32)


def boundary_rgba(
    result: BoundaryResult,
    colours: Sequence[str],
    low: str = "#2563eb",
    high: str = "#f59e0b",
    max_alpha: int = 170,
) -> np.ndarray:
    """A plane result as ``(size, size, 4)`` uint8 RGBA, rows along y.

    Classification: each cell in its predicted class's colour (from
    ``colours``), more opaque the surer the model is (a binary task fades
    through white at probability 0.5, as TensorFlow Playground does).
    Regression: from ``low`` (smallest value) to ``high`` (largest).
    """
    if result.values is not None:
        values = result.values
        span = float(values.max() - values.min()) or 1.0
        t = ((values - values.min()) / span)[..., None]
        rgb = (1 - t) * _rgb(low) + t * _rgb(high)
        alpha: np.ndarray = np.full(values.shape, max_alpha, np.float64)
    else:
        assert result.classes is not None and result.confidence is not None
        k = max(result.plan.n_classes, 2)
        palette = np.stack([_rgb(colours[i % len(colours)]) for i in range(k)])
        classes = np.clip(result.classes, 0, k - 1)
        rgb = palette[classes]
        sure = (result.confidence - 1.0 / k) / (1.0 - 1.0 / k)
        alpha = 25 + (max_alpha - 25) * np.clip(sure, 0.0, 1.0)
    rgba = np.empty((*rgb.shape[:-1], 4), np.uint8)
    rgba[..., :3] = np.clip(rgb, 0, 255).astype(np.uint8)
    rgba[..., 3] = alpha.astype(np.uint8)
    return rgba
