"""Property: the meta-device analysis predicts what the real module does.

Random stacks of catalogue layers with random (valid or invalid) arguments on
random small inputs either analyse cleanly — and then the real CPU module
accepts a real batch, gives the predicted output shape and has the predicted
number of parameters — or the first problem names one layer with a sentence.
Nothing else may happen: no exception escapes ``analyze()``.
"""

from __future__ import annotations

import warnings
from typing import Any

import torch
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from guinet.core.layers import LAYERS
from guinet.core.model import LayerSpec, ModelSpec
from guinet.core.params import Param

# Small numbers keep every built module tiny; bounds a little outside the
# declared ranges so invalid values are drawn too.
_INT_RANGES: dict[str, tuple[int, int]] = {
    "out_features": (0, 6),
    "out_channels": (0, 4),
    "num_embeddings": (0, 8),
    "embedding_dim": (0, 4),
    "padding_idx": (-9, 9),
    "dim": (-5, 4),
    "start_dim": (-5, 4),
    "end_dim": (-5, 4),
}


def _value(param: Param) -> st.SearchStrategy[Any]:
    kind = param.kind
    if kind == "bool":
        return st.booleans()
    if kind == "int":
        lo, hi = _INT_RANGES.get(param.name, (-2, 6))
        return st.integers(lo, hi)
    if kind == "float":
        return st.sampled_from([-0.5, 0.0, 1e-5, 0.1, 0.5, 0.99, 1.0, 1.5])
    if kind == "choice":
        return st.sampled_from(param.choices)
    if kind == "ints":
        number = st.integers(0, 5)
        pieces: list[st.SearchStrategy[Any]] = [
            number,
            st.lists(number, min_size=1, max_size=3),
        ]
        if param.choices:
            pieces.append(st.sampled_from(param.choices))
        return st.one_of(*pieces)
    if kind == "shape":
        return st.lists(st.integers(1, 4), min_size=1, max_size=3)
    return st.text(max_size=3)


@st.composite
def layer_specs(draw: st.DrawFn, in_range: bool) -> LayerSpec:
    """A catalogue layer; with ``in_range`` every argument passes its range check."""
    key = draw(st.sampled_from(list(LAYERS)))
    spec = LayerSpec.new(key)
    for param in spec.layer_type.params:
        choice = draw(st.sampled_from(["keep", "keep", "set", "clear"]))
        if choice == "set":
            values = _value(param).map(param.coerce)
            if in_range:
                values = values.filter(lambda v, p=param: p.problem(v) is None)
            spec.params[param.name] = draw(values)
        elif (
            choice == "clear"
            and param.name in spec.params
            and not (in_range and param.default is None and not param.optional)
        ):
            del spec.params[param.name]  # back to the default; None if required
    return spec


# Mostly-valid stacks reach deep into the stack; anything-goes stacks probe the
# error paths.
stacks = st.one_of(
    st.lists(layer_specs(in_range=True), max_size=8),
    st.lists(layer_specs(in_range=False), max_size=8),
)
input_shapes = st.lists(st.integers(1, 16), min_size=1, max_size=3).map(tuple)


def _real_input(model: ModelSpec, shape: tuple[int, ...]) -> Any:
    gen = torch.Generator().manual_seed(0)
    layers = list(model.layers)
    if layers and layers[0].layer_type.integer_input:
        high = layers[0].value("num_embeddings")
        return torch.randint(0, high, (2, *shape), generator=gen)
    return torch.randn((2, *shape), generator=gen)


def check_prediction(layers: list[LayerSpec], shape: tuple[int, ...]) -> None:
    model = ModelSpec(layers, shape)
    analysis = model.analyze()  # must never raise
    assert analysis.input_shape == shape
    assert len(analysis.layers) == len(layers)
    problem = analysis.first_error
    if problem is not None:
        index, message = problem
        assert index is not None, message
        assert 0 <= index < len(layers)
        assert isinstance(message, str) and message.strip()
        # torch's own words mean a precheck is missing: ours say what to do.
        assert not message.startswith("PyTorch rejects"), (layers[index], message)
        # Nothing after the first problem has a known shape.
        assert all(info.output_shape is None for info in analysis.layers[index:])
        return

    torch.manual_seed(0)
    module = model.build()
    assert len(module) == len(layers)
    assert sum(p.numel() for p in module.parameters()) == analysis.total_params
    x = _real_input(model, shape)
    with warnings.catch_warnings():
        # A perf hint for padding="same" with even kernels, not a problem.
        warnings.filterwarnings("ignore", "Using padding='same'", UserWarning)
        for mode in (True, False):  # training, then evaluation
            module.train(mode)
            with torch.no_grad():
                y = module(x)
            assert tuple(y.shape) == (2, *analysis.output_shape)
            for info, layer in zip(analysis.layers, module, strict=True):
                assert info.params == sum(p.numel() for p in layer.parameters())


def _spec(key: str, **params: Any) -> LayerSpec:
    return LayerSpec(key, params)


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(stacks, input_shapes)
# padding="same" with an even kernel makes torch warn; the analysis must not
# turn that warning into a layer error.
@example([_spec("Conv1d", out_channels=2, kernel_size=2, padding="same")], (1, 5))
@example(
    [_spec("Embedding", num_embeddings=5, embedding_dim=3), _spec("Flatten")], (4,)
)
@example(
    [
        _spec("Unflatten", dim=1, unflattened_size=[2, 2, 3]),
        _spec("Conv2d", out_channels=2),
    ],
    (12,),
)
def test_analysis_predicts_the_real_module(
    layers: list[LayerSpec], shape: tuple[int, ...]
) -> None:
    check_prediction(layers, shape)
