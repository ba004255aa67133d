"""The model code generator shared by the python export and the Code view."""

from __future__ import annotations

import pytest
import torch

from guinet._resources import find_example
from guinet.core.export.source import model_source
from guinet.core.layers import LAYERS
from guinet.core.model import LayerSpec, ModelSpec
from guinet.core.project import Project


def built(code: str) -> torch.nn.Module:
    namespace: dict = {"nn": torch.nn}
    exec(compile(code, "<model_source>", "exec"), namespace)
    return namespace["model"]


@pytest.mark.parametrize("example", ["moons_mlp", "iris_mlp", "digits_cnn"])
def test_the_code_builds_the_same_module_as_guinet(example: str) -> None:
    """Same seed, same weights: every argument that matters is written, and
    those left out are torch's own defaults."""
    path = find_example(example)
    assert path is not None
    spec = Project.load(path).model
    code = model_source(spec)
    torch.manual_seed(0)
    ours = spec.build()
    torch.manual_seed(0)
    theirs = built(code)
    assert [type(m) for m in ours] == [type(m) for m in theirs]
    mine, other = ours.state_dict(), theirs.state_dict()
    assert list(mine) == list(other)
    assert all(torch.equal(mine[k], other[k]) for k in mine)
    assert repr(ours) == repr(theirs)


def test_every_layer_type_with_its_palette_values_builds_alike() -> None:
    """Each catalogue layer, as the palette adds it, on an input it accepts."""
    shapes = {1: (6,), 2: (3, 10), 3: (3, 10, 10)}
    checked = 0
    for key, declared in LAYERS.items():
        for rank in declared.ranks or (1, 2, 3):
            spec = ModelSpec([LayerSpec.new(key)], shapes[rank])
            if declared.integer_input or spec.problem() is not None:
                continue
            torch.manual_seed(1)
            ours = spec.build()
            torch.manual_seed(1)
            theirs = built(model_source(spec))
            assert repr(ours) == repr(theirs), key
            checked += 1
            break
    assert checked >= len(LAYERS) - 3


def test_an_invalid_stack_is_code_up_to_the_problem() -> None:
    spec = ModelSpec(
        [
            LayerSpec("Linear", {"out_features": 4}),
            LayerSpec("Conv2d", {"out_channels": 2, "kernel_size": 3}),
            LayerSpec("ReLU"),
        ],
        (5,),
    )
    code = model_source(spec)
    assert "# PROBLEM: layer 2 (Conv2d)" in code
    assert "    # nn.ReLU()" in code
    assert len(built(code)) == 1
    no_shape = model_source(ModelSpec([LayerSpec("Linear", {"out_features": 4})]))
    assert "input shape not known yet" in no_shape
    assert len(built(no_shape)) == 0
    assert "nn.Sequential()" in model_source(ModelSpec([], (3,)))
