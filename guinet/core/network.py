"""What the network view draws: a small network's units, weights and activations.

The classroom view draws a dense network as TensorFlow Playground does —
units as circles in layers, weights as lines — and, for 2-D data, what each
unit responds to over the plane; for a CNN, each conv layer's filters and
the feature maps of one input. This module computes all of that from a
``torch.nn.Sequential`` holding copied weights; it never touches the model a
run is training.

A *unit layer* is the input features or the outputs of one ``Linear``; the
parameter-free, shape-keeping layers after a ``Linear`` (ReLU, Sigmoid,
Dropout, BatchNorm…) are folded into it, so a unit's value is read after
them. Layers wider than ``max_units`` are summarised: the first
``max_units`` are drawn and the rest counted (``more``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch

#: Units drawn per layer; wider layers show this many and "+N more".
MAX_UNITS = 12
#: Channels drawn per conv layer.
MAX_CHANNELS = 16

_SKIPPED = ("Dropout", "Flatten", "Identity", "AlphaDropout")


@dataclass(frozen=True)
class UnitLayer:
    """One column of units. ``end`` is the index of the last module whose
    output these units are (``-1``: the input); ``linear`` that of the Linear
    that makes them (``None`` for the input)."""

    title: str
    size: int
    shown: tuple[int, ...]
    names: tuple[str, ...]
    activation: str | None
    end: int
    linear: int | None

    @property
    def more(self) -> int:
        return self.size - len(self.shown)


@dataclass(frozen=True)
class DenseLayout:
    """The structure of a dense network (it does not change with the weights)."""

    layers: tuple[UnitLayer, ...]

    def linear_keys(self) -> list[str]:
        """The state-dict prefix of each Linear, in order ("0", "2"…)."""
        return [str(layer.linear) for layer in self.layers[1:]]


@dataclass(frozen=True)
class NetworkDiagram:
    """A layout with numbers: ``weights[i]`` joins ``layers[i]`` to
    ``layers[i + 1]`` (shape: shown outputs × shown inputs), ``biases[i]`` are
    the shown biases of ``layers[i + 1]`` (``None`` when it has none)."""

    layout: DenseLayout
    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray | None, ...]

    @property
    def layers(self) -> tuple[UnitLayer, ...]:
        return self.layout.layers

    def largest_weight(self) -> float:
        values = [float(np.abs(w).max()) for w in self.weights if w.size]
        return max(values, default=0.0)


def _name(module: torch.nn.Module) -> str:
    return type(module).__name__


def dense_layout(
    model: torch.nn.Sequential,
    feature_names: tuple[str, ...] | list[str] = (),
    max_units: int = MAX_UNITS,
) -> DenseLayout | None:
    """The unit layers of ``model``, or ``None`` when it is not a stack of
    Linear layers on flat features (a CNN, an Embedding, an RNN…)."""
    import torch

    modules = list(model)
    first = next((m for m in modules if isinstance(m, torch.nn.Linear)), None)
    if first is None:
        return None
    n_in = first.in_features

    def shown(size: int) -> tuple[int, ...]:
        return tuple(range(min(size, max_units)))

    names = tuple(feature_names)[:n_in]
    names = names + tuple(f"x{i + 1}" for i in range(len(names), n_in))
    layers = [UnitLayer("Input", n_in, shown(n_in), names, None, -1, None)]
    count = 0
    for index, module in enumerate(modules):
        if isinstance(module, torch.nn.Linear):
            count += 1
            size = module.out_features
            units = shown(size)
            layers.append(
                UnitLayer(
                    f"Linear {count}",
                    size,
                    units,
                    tuple(f"unit {i + 1}" for i in units),
                    None,
                    index,
                    index,
                )
            )
        elif _name(module) in _SKIPPED and count == 0:
            continue
        elif count == 0 or any(p.dim() > 1 for p in module.parameters()):
            return None  # something before the first Linear, or a conv/RNN
        else:
            last = layers[-1]
            folded = _name(module)
            activation = last.activation
            if folded not in _SKIPPED:
                activation = f"{activation} → {folded}" if activation else folded
            layers[-1] = UnitLayer(
                last.title,
                last.size,
                last.shown,
                last.names,
                activation,
                index,
                last.linear,
            )
    return DenseLayout(tuple(layers))


def describe_network(model: torch.nn.Sequential, layout: DenseLayout) -> NetworkDiagram:
    """The weights and biases ``layout`` draws, read from ``model``."""
    import torch

    weights: list[np.ndarray] = []
    biases: list[np.ndarray | None] = []
    for before, layer in zip(layout.layers, layout.layers[1:], strict=False):
        assert layer.linear is not None
        linear = model[layer.linear]
        assert isinstance(linear, torch.nn.Linear)
        rows = list(layer.shown)
        cols = list(before.shown)
        weight = linear.weight.detach().cpu().numpy()
        weights.append(weight[np.ix_(rows, cols)].copy())
        bias = linear.bias
        biases.append(None if bias is None else bias.detach().cpu().numpy()[rows])
    return NetworkDiagram(layout, tuple(weights), tuple(biases))


@dataclass(frozen=True)
class Grid:
    """A square grid over the plane of two features (in the model's units)."""

    x_min: float
    x_max: float
    y_min: float
    y_max: float
    size: int = 24

    @classmethod
    def around(cls, points: np.ndarray, size: int = 24, margin: float = 0.1) -> Grid:
        """A grid over ``points`` (n × 2) with ``margin`` of its width around."""
        lo = points.min(axis=0).astype(float)
        hi = points.max(axis=0).astype(float)
        pad = (hi - lo) * margin + 1e-6
        return cls(lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1], size)

    def points(self) -> np.ndarray:
        """The grid's points, row by row from the top (y falls), as n × 2."""
        xs = np.linspace(self.x_min, self.x_max, self.size)
        ys = np.linspace(self.y_max, self.y_min, self.size)
        gx, gy = np.meshgrid(xs, ys)
        return np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)


def activation_maps(
    model: torch.nn.Sequential, layout: DenseLayout, grid: Grid
) -> list[np.ndarray]:
    """Each drawn unit's value over ``grid``: per unit layer an array
    (shown units × size × size), the input layer's being its features."""
    import torch

    points = torch.from_numpy(grid.points())
    n = grid.size
    ends = {layer.end: i for i, layer in enumerate(layout.layers)}
    maps: list[np.ndarray] = [np.empty(0)] * len(layout.layers)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            value = points
            if -1 in ends:
                maps[ends[-1]] = _unit_maps(value, layout.layers[ends[-1]], n)
            for index, module in enumerate(model):
                value = module(value)
                if index in ends:
                    layer = layout.layers[ends[index]]
                    maps[ends[index]] = _unit_maps(value, layer, n)
    finally:
        model.train(was_training)
    return maps


def _unit_maps(value: torch.Tensor, layer: UnitLayer, n: int) -> np.ndarray:
    picked = value[:, list(layer.shown)].T.reshape(len(layer.shown), n, n)
    return picked.cpu().numpy().astype(np.float32)


@dataclass(frozen=True)
class ConvView:
    """One conv layer: its filters (shown channels × in channels × kh × kw)
    and the feature maps of one input after it and its activation."""

    title: str
    channels: int
    filters: np.ndarray
    maps: np.ndarray
    activation: str | None

    @property
    def more(self) -> int:
        return self.channels - len(self.maps)


def is_cnn(model: torch.nn.Sequential) -> bool:
    import torch

    return any(isinstance(m, torch.nn.Conv2d) for m in model)


def conv_views(
    model: torch.nn.Sequential, x: torch.Tensor, max_channels: int = MAX_CHANNELS
) -> list[ConvView]:
    """The filters of every Conv2d of ``model`` and the feature maps of one
    input ``x`` (channels × height × width) after it and the parameter-free
    layers that follow it up to the next layer with weights or pooling."""
    import torch

    modules = list(model)
    views: list[ConvView] = []
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            value = x.unsqueeze(0)
            current: tuple[int, str, torch.Tensor] | None = None
            activation: list[str] = []
            for index, module in enumerate(modules):
                value = module(value)
                if isinstance(module, torch.nn.Conv2d):
                    if current is not None:
                        views.append(_view(current, activation, max_channels))
                    current = (index, f"Conv2d {len(views) + 1}", value)
                    activation = []
                elif current is not None and _keeps_maps(module, current[2], value):
                    current = (current[0], current[1], value)
                    activation.append(_name(module))
                elif current is not None:
                    views.append(_view(current, activation, max_channels))
                    current = None
            if current is not None:
                views.append(_view(current, activation, max_channels))
    finally:
        model.train(was_training)
    for i, view in enumerate(views):
        conv = _convs(model)[i]
        filters = conv.weight.detach().cpu().numpy()[:max_channels]
        views[i] = ConvView(
            view.title, view.channels, filters.copy(), view.maps, view.activation
        )
    return views


def _convs(model: torch.nn.Sequential) -> list[torch.nn.Conv2d]:
    import torch

    return [m for m in model if isinstance(m, torch.nn.Conv2d)]


def _keeps_maps(
    module: torch.nn.Module, before: torch.Tensor, after: torch.Tensor
) -> bool:
    no_weights = not any(p.dim() > 1 for p in module.parameters())
    return no_weights and before.shape == after.shape


def _view(
    current: tuple[int, str, torch.Tensor], activation: list[str], limit: int
) -> ConvView:
    _index, title, value = current
    maps = value[0].cpu().numpy().astype(np.float32)
    return ConvView(
        title,
        maps.shape[0],
        np.empty(0),
        maps[:limit].copy(),
        " → ".join(a for a in activation if a not in _SKIPPED) or None,
    )
