"""The model spec: shapes, parameter counts, problems per layer, events, building."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from guinet.core.model import (
    NO_INPUT_SHAPE,
    LayerSpec,
    LayerStack,
    ModelError,
    ModelSpec,
    format_shape,
)
from guinet.core.params import ParamError
from guinet.core.project import Project


def L(key: str, **params: Any) -> LayerSpec:  # noqa: N802 - reads like a layer
    return LayerSpec(key, params)


def mlp() -> ModelSpec:
    """The Pima diabetes MLP from the Keras tutorial: 8-12-8-1."""
    return ModelSpec(
        [
            L("Linear", out_features=12),
            L("ReLU"),
            L("Linear", out_features=8),
            L("ReLU"),
            L("Linear", out_features=1),
            L("Sigmoid"),
        ],
        (8,),
    )


def small_cnn() -> ModelSpec:
    return ModelSpec(
        [
            L("Conv2d", out_channels=8, kernel_size=3, padding=1),
            L("BatchNorm2d"),
            L("ReLU"),
            L("MaxPool2d", kernel_size=2),
            L("Conv2d", out_channels=16, kernel_size=3),
            L("ReLU"),
            L("Flatten"),
            L("Dropout", p=0.25),
            L("Linear", out_features=10),
            L("LogSoftmax"),
        ],
        (1, 12, 12),
    )


# -- shapes and parameter counts -----------------------------------------------------
def test_mlp_shapes_and_parameter_count() -> None:
    analysis = mlp().analyze()
    assert analysis.ok
    assert analysis.first_error is None
    assert [info.output_shape for info in analysis.layers] == [
        (12,),
        (12,),
        (8,),
        (8,),
        (1,),
        (1,),
    ]
    assert [info.params for info in analysis.layers] == [108, 0, 104, 0, 9, 0]
    assert analysis.total_params == 221
    assert analysis.trainable_params == 221
    assert analysis.param_bytes == 221 * 4
    assert analysis.size_bytes == 221 * 4
    assert analysis.output_shape == (1,)
    assert [info.inferred for info in analysis.layers[::2]] == [
        {"in_features": 8},
        {"in_features": 12},
        {"in_features": 8},
    ]


def test_small_cnn_shapes_and_inferred_sizes() -> None:
    analysis = small_cnn().analyze()
    assert analysis.ok, analysis.first_error
    shapes = [info.output_shape for info in analysis.layers]
    assert shapes == [
        (8, 12, 12),
        (8, 12, 12),
        (8, 12, 12),
        (8, 6, 6),
        (16, 4, 4),
        (16, 4, 4),
        (256,),
        (256,),
        (10,),
        (10,),
    ]
    inferred = {info.index: info.inferred for info in analysis.layers if info.inferred}
    assert inferred == {
        0: {"in_channels": 1},
        1: {"num_features": 8},
        4: {"in_channels": 8},
        8: {"in_features": 256},
    }
    assert analysis.layers[0].params == 8 * 1 * 9 + 8
    assert analysis.layers[1].params == 16
    # BatchNorm's running mean, variance and batch count are buffers, not parameters.
    assert analysis.size_bytes - analysis.param_bytes == 8 * 4 * 2 + 8
    assert analysis.total_params == 80 + 16 + (16 * 8 * 9 + 16) + (256 * 10 + 10)


@pytest.mark.parametrize("make", [mlp, small_cnn])
def test_totals_equal_the_built_module(make: Any) -> None:
    model = make()
    analysis = model.analyze()
    torch.manual_seed(0)
    built = model.build()
    assert isinstance(built, torch.nn.Sequential)
    assert sum(p.numel() for p in built.parameters()) == analysis.total_params
    assert all(p.device.type == "cpu" for p in built.parameters())
    with torch.no_grad():
        y = built.eval()(torch.zeros((3, *model.input_shape)))
    assert tuple(y.shape) == (3, *analysis.output_shape)


def test_layer_norm_and_batch_norm_1d_infer_their_sizes() -> None:
    model = ModelSpec(
        [
            L("Conv1d", out_channels=3, kernel_size=3),
            L("BatchNorm1d"),
            L("Flatten"),
            L("LayerNorm"),
            L("Linear", out_features=2),
        ],
        (2, 8),
    )
    analysis = model.analyze()
    assert analysis.ok
    assert [i.inferred for i in analysis.layers] == [
        {"in_channels": 2},
        {"num_features": 3},
        {},
        {"normalized_shape": 18},
        {"in_features": 18},
    ]
    assert analysis.output_shape == (2,)


def test_embedding_first_takes_token_indices() -> None:
    model = ModelSpec(
        [
            L("Embedding", num_embeddings=50, embedding_dim=4),
            L("Flatten"),
            L("Linear", out_features=2),
        ],
        (7,),
    )
    analysis = model.analyze()
    assert analysis.ok
    assert [i.output_shape for i in analysis.layers] == [(7, 4), (28,), (2,)]
    assert analysis.layers[0].params == 200
    y = model.build()(torch.randint(0, 50, (2, 7)))
    assert tuple(y.shape) == (2, 2)


def test_an_empty_stack_passes_its_input_through() -> None:
    analysis = ModelSpec([], (4,)).analyze()
    assert analysis.ok
    assert analysis.output_shape == (4,)
    assert analysis.total_params == 0


def test_no_input_shape_is_a_model_level_problem() -> None:
    model = ModelSpec([L("Linear", out_features=3), L("Dropout", p=2.0)])
    analysis = model.analyze()
    assert not analysis.ok
    assert analysis.error == NO_INPUT_SHAPE
    assert analysis.first_error == (None, NO_INPUT_SHAPE)
    assert analysis.output_shape is None
    # Range problems are still found without shapes.
    assert analysis.layers[1].error == "Dropout p must be in [0, 1), not 2"
    with pytest.raises(ModelError, match="Set the input shape"):
        model.build()


# -- problems attached to the right layer --------------------------------------------
@pytest.mark.parametrize(
    ("layers", "shape", "index", "message"),
    [
        (
            [L("Linear", out_features=64), L("Conv2d", out_channels=8, kernel_size=3)],
            (10,),
            1,
            "Conv2d needs input shaped (channels, height, width); it gets (64,) — "
            "add Unflatten before it or use Linear",
        ),
        (
            [L("Conv2d", out_channels=8, kernel_size=5), L("ReLU")],
            (1, 3, 3),
            0,
            "kernel 5 is larger than the 3×3 input",
        ),
        (
            [L("ReLU"), L("Dropout", p=1.5), L("Linear", out_features=3)],
            (4,),
            1,
            "Dropout p must be in [0, 1)",
        ),
        (
            [L("Unflatten", unflattened_size=[2, 5]), L("Conv1d", out_channels=2)],
            (12,),
            0,
            "can't reshape 12 values into 2×5 = 10; the sizes must multiply to 12",
        ),
        (
            [
                L("Linear", out_features=4),
                L("Embedding", num_embeddings=5, embedding_dim=2),
            ],
            (3,),
            1,
            "Embedding takes integer token indices, so it must be the first layer",
        ),
        (
            [L("ReLU"), L("Linear")],
            (3,),
            1,
            "Linear needs out_features",
        ),
        (
            [L("Conv1d", out_channels=2, kernel_size=3)],
            (1, 4, 4),
            0,
            "Conv1d needs input shaped (channels, length); it gets (1, 4, 4) — "
            "add Flatten before it or use Conv2d",
        ),
        (
            [L("MaxPool2d", kernel_size=3, padding=2)],
            (1, 8, 8),
            0,
            "padding 2 is more than half the kernel 3; use at most 1",
        ),
        (
            [L("Conv2d", out_channels=2, kernel_size=[3, 3, 3])],
            (1, 8, 8),
            0,
            "kernel_size needs 2 numbers, not 3",
        ),
        (
            [L("Conv2d", out_channels=2, padding="same", stride=2)],
            (1, 8, 8),
            0,
            "padding 'same' needs stride 1",
        ),
        (
            [L("Flatten", start_dim=0)],
            (2, 3),
            0,
            "start_dim 0 would flatten the batch dimension too; use 1",
        ),
        (
            [L("Softmax", dim=0)],
            (5,),
            0,
            "dim 0 is the batch dimension",
        ),
        (
            [L("Embedding", num_embeddings=5, embedding_dim=2, padding_idx=5)],
            (3,),
            0,
            "padding_idx must be a token index below num_embeddings",
        ),
    ],
)
def test_problems_are_attached_to_the_layer_that_causes_them(
    layers: list[LayerSpec], shape: tuple[int, ...], index: int, message: str
) -> None:
    model = ModelSpec(layers, shape)
    analysis = model.analyze()
    assert not analysis.ok
    found_index, found = analysis.first_error or (None, "")
    assert found_index == index
    assert found.startswith(message), found
    assert analysis.layers[index].input_shape is not None
    # Every layer from the problem on has an unknown shape.
    assert all(info.output_shape is None for info in analysis.layers[index:])
    assert all(info.output_shape is not None for info in analysis.layers[:index])
    assert analysis.output_shape is None
    with pytest.raises(ModelError) as error:
        model.build()
    assert str(error.value).startswith(f"layer {index + 1} ({layers[index].type}): ")
    assert message in str(error.value)


def test_layers_after_a_problem_still_report_their_own_arguments() -> None:
    analysis = ModelSpec(
        [L("Conv2d", out_channels=2), L("ReLU"), L("Dropout", p=-1.0)], (4,)
    ).analyze()
    assert analysis.first_error is not None and analysis.first_error[0] == 0
    assert analysis.layers[1].error is None
    assert analysis.layers[2].error == "Dropout p must be in [0, 1), not -1"
    assert [i.input_shape for i in analysis.layers] == [(4,), None, None]


def test_an_invalid_stack_can_be_saved_and_reloaded(tmp_path: Any) -> None:
    project = Project(
        "broken",
        ModelSpec(
            [
                L("Linear", out_features=64),
                L("Conv2d", out_channels=8),
                L("Dropout", p=1.5),
                L("Unflatten", dim=1),
            ],
            (10,),
        ),
    )
    path = project.save(tmp_path / "broken.guinet")
    again = Project.load(path)
    assert again.to_dict() == project.to_dict()
    assert again.model.layers.to_list()[3] == {"type": "Unflatten", "dim": 1}
    first = again.model.analyze().first_error
    assert first is not None and first[0] == 1


# -- the layer spec ----------------------------------------------------------------
def test_layer_spec_dict_round_trip_and_copy() -> None:
    spec = LayerSpec.from_dict(
        {"type": "Conv2d", "out_channels": 4, "kernel_size": [3, 5]}
    )
    assert spec.params == {"out_channels": 4, "kernel_size": [3, 5]}
    assert spec.to_dict() == {
        "type": "Conv2d",
        "out_channels": 4,
        "kernel_size": [3, 5],
    }
    clone = spec.copy()
    clone.params["kernel_size"].append(7)
    assert spec.params["kernel_size"] == [3, 5]
    out = spec.to_dict()
    out["kernel_size"].append(9)
    assert spec.params["kernel_size"] == [3, 5]
    assert spec.value("stride") == 1
    assert spec.describe() == "out_channels=4, kernel_size=3, 5, padding=0"


def test_new_layers_are_independent_copies_of_the_palette_values() -> None:
    first = LayerSpec.new("Unflatten")
    first.params["unflattened_size"].append(1)
    assert LayerSpec.new("Unflatten").params == {"unflattened_size": [1, 28, 28]}


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"type": "Conv2D"}, "unknown layer type 'Conv2D'; did you mean 'Conv2d'?"),
        (
            {"type": "Dense", "units": 3},
            "unknown layer type 'Dense'; did you mean 'Linear'?",
        ),
        ({"type": "Zzzzzz"}, "known types: Linear, Identity"),
        ({"out_features": 3}, 'a layer must be an object with a "type"'),
        (["Linear"], 'a layer must be an object with a "type"'),
        (
            {"type": "Linear", "out_features": "abc"},
            "out_features must be a whole number",
        ),
        ({"type": "Linear", "units": 3}, "Linear has no parameter 'units'"),
    ],
)
def test_layer_spec_from_dict_errors(data: Any, words: str) -> None:
    with pytest.raises(ParamError) as error:
        LayerSpec.from_dict(data)
    assert words in str(error.value)


def test_model_from_dict_names_the_layer_number() -> None:
    with pytest.raises(ParamError, match=r"^layer 2 \(Linear\): out_features must be"):
        ModelSpec.from_dict(
            {"layers": [{"type": "ReLU"}, {"type": "Linear", "out_features": "abc"}]}
        )
    with pytest.raises(ParamError, match=r"^layer 1: unknown layer type"):
        ModelSpec.from_dict({"layers": [{"type": "Lnear"}]})


def test_format_shape() -> None:
    assert format_shape((64,)) == "(64,)"
    assert format_shape((1, 28, 28)) == "(1, 28, 28)"
    assert format_shape(()) == "()"
    assert format_shape(None) == "?"


# -- the layer stack's events ------------------------------------------------------
class Recorder:
    def __init__(self, stack: LayerStack) -> None:
        self.calls: list[tuple[Any, ...]] = []
        for name in (
            "inserting",
            "inserted",
            "removing",
            "removed",
            "moving",
            "moved",
            "param_changed",
            "changed",
        ):
            getattr(stack, name).connect(
                lambda *args, name=name: self.calls.append((name, *args))
            )


def _types(stack: LayerStack) -> list[str]:
    return [spec.type for spec in stack]


def test_stack_events_fire_in_order() -> None:
    stack = LayerStack([L("Linear", out_features=3), L("ReLU")])
    rec = Recorder(stack)
    sigmoid = L("Sigmoid")
    stack.insert(1, sigmoid)
    assert _types(stack) == ["Linear", "Sigmoid", "ReLU"]
    assert stack.index(sigmoid) == 1
    assert rec.calls == [("inserting", 1), ("inserted", 1), ("changed",)]

    rec.calls.clear()
    stack.append(L("Tanh"))
    stack.insert(99, L("GELU"))  # clamped to the end
    stack.insert(-5, L("SiLU"))  # clamped to the start
    assert _types(stack) == ["SiLU", "Linear", "Sigmoid", "ReLU", "Tanh", "GELU"]
    assert rec.calls == [
        ("inserting", 3),
        ("inserted", 3),
        ("changed",),
        ("inserting", 4),
        ("inserted", 4),
        ("changed",),
        ("inserting", 0),
        ("inserted", 0),
        ("changed",),
    ]

    rec.calls.clear()
    removed = stack.pop(2)
    assert removed is sigmoid
    assert rec.calls == [("removing", 2), ("removed", 2), ("changed",)]
    with pytest.raises(ValueError, match="not in this stack"):
        stack.index(sigmoid)

    rec.calls.clear()
    stack.set_param(1, "out_features", 7)
    assert stack[1].params["out_features"] == 7
    stack.set_param(1, "bias", False)
    stack.set_param(1, "bias")  # back to the default
    assert "bias" not in stack[1].params
    assert rec.calls == [
        ("param_changed", 1, "out_features"),
        ("changed",),
        ("param_changed", 1, "bias"),
        ("changed",),
        ("param_changed", 1, "bias"),
        ("changed",),
    ]


def test_stack_refuses_bad_changes_without_events() -> None:
    stack = LayerStack([L("Linear", out_features=3), L("ReLU")])
    rec = Recorder(stack)
    with pytest.raises(IndexError):
        stack.pop(2)
    with pytest.raises(IndexError):
        stack.move(0, 2)
    with pytest.raises(IndexError):
        stack.move(-1, 0)
    with pytest.raises(ParamError, match="whole number"):
        stack.set_param(0, "out_features", "many")
    with pytest.raises(KeyError, match="ReLU has no parameter 'p'"):
        stack.set_param(1, "p", 0.5)
    stack.move(1, 1)  # no change, no event
    assert rec.calls == []
    assert stack.to_list() == [{"type": "Linear", "out_features": 3}, {"type": "ReLU"}]


@pytest.mark.parametrize(
    ("source", "destination", "expected"),
    [
        (0, 2, ["b", "c", "a", "d"]),
        (0, 3, ["b", "c", "d", "a"]),
        (3, 0, ["d", "a", "b", "c"]),
        (1, 2, ["a", "c", "b", "d"]),
        (2, 1, ["a", "c", "b", "d"]),
    ],
)
def test_move_puts_the_layer_at_the_destination(
    source: int, destination: int, expected: list[str]
) -> None:
    names = ["a", "b", "c", "d"]
    specs = {name: L("Identity") for name in names}
    stack = LayerStack([specs[n] for n in names])
    rec = Recorder(stack)
    moving = stack[source]
    stack.move(source, destination)
    assert stack[destination] is moving
    assert [next(n for n in names if specs[n] is s) for s in stack] == expected
    assert rec.calls == [
        ("moving", source, destination),
        ("moved", source, destination),
        ("changed",),
    ]


# -- the model spec: cache, input shape, dict ---------------------------------------
def test_analysis_is_cached_until_a_change() -> None:
    model = mlp()
    changes: list[str] = []
    model.changed.connect(lambda: changes.append("model"))
    model.input_shape_changed.connect(lambda: changes.append("input"))
    first = model.analyze()
    assert model.analyze() is first

    model.layers.set_param(0, "out_features", 6)
    second = model.analyze()
    assert second is not first
    assert second.total_params == 8 * 6 + 6 + 6 * 8 + 8 + 9
    assert model.analyze() is second

    model.layers.append(L("Dropout"))
    third = model.analyze()
    assert third is not second
    assert len(third.layers) == 7

    model.set_input_shape([4])
    fourth = model.analyze()
    assert fourth is not third
    assert fourth.input_shape == (4,)
    model.set_input_shape((4,))  # the same shape: no change
    assert model.analyze() is fourth
    assert changes == ["model", "model", "input", "model"]

    model.layers.move(0, 1)
    assert model.analyze() is not fourth
    model.layers.pop(0)
    assert model.analyze().first_error is None


def test_input_shape_must_hold_positive_sizes() -> None:
    model = mlp()
    with pytest.raises(ModelError, match=r"input shape \(8, 0\) must hold positive"):
        model.set_input_shape([8, 0])
    assert model.input_shape == (8,)
    model.set_input_shape(None)
    assert model.input_shape is None
    assert model.analyze().error == NO_INPUT_SHAPE


def test_model_dict_keeps_unknown_keys_and_input_shape() -> None:
    data = {
        "notes": {"by": "me"},
        "input_shape": [8],
        "layers": [{"type": "Linear", "out_features": 1}],
    }
    model = ModelSpec.from_dict(data)
    assert model.to_dict() == data
    model.set_input_shape(None)
    assert model.to_dict() == {
        "notes": {"by": "me"},
        "layers": [{"type": "Linear", "out_features": 1}],
    }


@pytest.mark.parametrize("shape", [[0], [8, -1], "8", [True], [2.5], [], {"c": 1}])
def test_model_dict_rejects_a_bad_input_shape(shape: Any) -> None:
    assert ModelSpec.from_dict({"layers": [], "input_shape": None}).input_shape is None
    with pytest.raises(
        ParamError, match='"model.input_shape" must be a list of positive'
    ):
        ModelSpec.from_dict({"layers": [], "input_shape": shape})


def test_build_on_a_device_and_fresh_modules_each_time() -> None:
    model = mlp()
    first = model.build("cpu")
    second = model.build(torch.device("cpu"))
    assert first is not second
    assert first[0].weight.data_ptr() != second[0].weight.data_ptr()
    meta = model.build("meta")
    assert meta[0].weight.device.type == "meta"
