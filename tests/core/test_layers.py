"""The layer catalogue matches torch.nn: names, arguments, categories, defaults."""

from __future__ import annotations

import inspect

import pytest
import torch

from guinet.core.layers import CATEGORIES, LAYERS, LayerType
from guinet.core.model import LayerSpec

REQUIRED = [
    "Linear",
    "Conv1d",
    "Conv2d",
    "MaxPool1d",
    "MaxPool2d",
    "AvgPool2d",
    "AdaptiveAvgPool2d",
    "Flatten",
    "Unflatten",
    "Dropout",
    "BatchNorm1d",
    "BatchNorm2d",
    "LayerNorm",
    "Embedding",
    "ReLU",
    "LeakyReLU",
    "ELU",
    "GELU",
    "SiLU",
    "Tanh",
    "Sigmoid",
    "Softmax",
    "LogSoftmax",
    "Identity",
]

# A shape of every rank a layer may take, to ask ``infer`` for its arguments.
SAMPLE_SHAPES = {1: (6,), 2: (3, 6), 3: (3, 6, 6)}


def _constructor_args(layer_type: LayerType) -> set[str]:
    signature = inspect.signature(layer_type.torch_class().__init__)
    return {
        name
        for name, p in signature.parameters.items()
        if name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    }


def test_the_catalogue_has_the_layers_people_expect() -> None:
    missing = [key for key in REQUIRED if key not in LAYERS]
    assert missing == []


@pytest.mark.parametrize("key", list(LAYERS))
def test_entry_names_a_real_torch_class_and_its_arguments(key: str) -> None:
    layer_type = LAYERS[key]
    assert layer_type.key == key
    cls = layer_type.torch_class()
    assert cls is getattr(torch.nn, key)
    assert issubclass(cls, torch.nn.Module)
    accepted = _constructor_args(layer_type)
    declared = [p.name for p in layer_type.params]
    assert len(declared) == len(set(declared)), "a parameter is declared twice"
    assert set(declared) <= accepted, set(declared) - accepted
    ranks = layer_type.ranks or (1, 2, 3)
    if layer_type.infer is not None:
        for rank in ranks:
            inferred = layer_type.infer(SAMPLE_SHAPES[rank])
            assert set(inferred) <= accepted
            # Inferred sizes are never typed: they are not declared parameters.
            assert not set(inferred) & set(declared)


@pytest.mark.parametrize("key", list(LAYERS))
def test_entry_is_described_for_people(key: str) -> None:
    layer_type = LAYERS[key]
    assert layer_type.category in CATEGORIES
    assert layer_type.label.startswith(key)
    assert len(layer_type.explanation) > 20
    assert layer_type.explanation.rstrip().endswith(".")
    for param in layer_type.params:
        assert param.help, f"{key}.{param.name} has no help line"
    if layer_type.ranks is not None:
        assert layer_type.rank_names, f"{key} accepts some ranks but does not say which"


@pytest.mark.parametrize("key", list(LAYERS))
def test_initial_values_and_defaults_validate(key: str) -> None:
    layer_type = LAYERS[key]
    names = {p.name for p in layer_type.params}
    assert set(layer_type.initial) <= names
    for name, value in layer_type.initial.items():
        param = layer_type.param(name)
        assert param.coerce(value) == value
        assert param.problem(value) is None, (name, value)
    for param in layer_type.params:
        if param.default is None:
            # Either optional, or a value torch requires that the palette fills in.
            assert param.optional or param.name in layer_type.initial, param.name
        else:
            assert param.coerce(param.default) == param.default
            assert param.problem(param.default) is None
    # A layer as dropped from the palette has every argument it needs.
    spec = LayerSpec.new(key)
    assert all(spec.value(p.name) is not None or p.optional for p in layer_type.params)
    assert spec.params is not layer_type.initial


def test_every_category_is_used() -> None:
    used = {layer_type.category for layer_type in LAYERS.values()}
    assert used == set(CATEGORIES)


def test_key_parameters_show_on_the_block() -> None:
    assert [p.name for p in LAYERS["Linear"].params if p.key] == ["out_features"]
    assert LAYERS["Dropout"].param("p").key
    with pytest.raises(KeyError, match="Linear has no parameter 'units'"):
        LAYERS["Linear"].param("units")


def test_arguments_fill_declared_defaults() -> None:
    args = LAYERS["Conv2d"].arguments({"out_channels": 8})
    assert args == {
        "out_channels": 8,
        "kernel_size": 3,
        "stride": 1,
        "padding": 0,
        "dilation": 1,
        "bias": True,
    }


def test_linear_is_explained_for_keras_users() -> None:
    assert LAYERS["Linear"].alias == "Dense"
    assert "Dense" in LAYERS["Linear"].explanation


def test_the_catalogue_module_does_not_need_torch_for_listing() -> None:
    # torch_class() imports torch on demand; the entry itself holds no torch object.
    for layer_type in LAYERS.values():
        for value in vars(layer_type).values():
            assert not isinstance(value, (torch.nn.Module, torch.Tensor))
