"""The network view's numbers: layout, weights, activation maps, conv filters
and maps, and the inside-one-step forward pass, gradients and updates."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from guinet._resources import find_example
from guinet.core.network import (
    Grid,
    activation_maps,
    conv_views,
    dense_layout,
    describe_network,
    is_cnn,
)
from guinet.core.network_step import NetworkSource, inside_step
from guinet.core.project import Project
from guinet.core.session import Session
from guinet.core.training.snapshots import copy_state


def hand_set_mlp() -> torch.nn.Sequential:
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 4),
        torch.nn.Tanh(),
        torch.nn.Linear(4, 1),
        torch.nn.Sigmoid(),
    )
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[1.0, -2.0], [0.5, 0.0], [-1, 1], [3, 2]]))
        model[0].bias.copy_(torch.tensor([0.1, 0.2, 0.3, 0.4]))
        model[2].weight.copy_(torch.tensor([[2.0, -1.0, 0.0, 0.25]]))
        model[2].bias.copy_(torch.tensor([-0.5]))
    return model


def test_a_2_4_1_mlp_is_described_unit_by_unit() -> None:
    model = hand_set_mlp()
    layout = dense_layout(model, ["width", "height"])
    assert layout is not None
    assert [layer.size for layer in layout.layers] == [2, 4, 1]
    assert [layer.more for layer in layout.layers] == [0, 0, 0]
    assert layout.layers[0].names == ("width", "height")
    assert [layer.activation for layer in layout.layers] == [None, "Tanh", "Sigmoid"]
    assert [layer.end for layer in layout.layers] == [-1, 1, 3]
    diagram = describe_network(model, layout)
    np.testing.assert_array_equal(diagram.weights[0], model[0].weight.detach())
    assert diagram.weights[0][0, 1] == -2.0  # unit 1 ← feature 2
    np.testing.assert_array_equal(diagram.weights[1], [[2.0, -1.0, 0.0, 0.25]])
    np.testing.assert_allclose(diagram.biases[0], [0.1, 0.2, 0.3, 0.4])
    assert diagram.biases[1] is not None and diagram.biases[1][0] == -0.5
    assert diagram.largest_weight() == 3.0


def test_a_wide_layer_is_summarised() -> None:
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 64),
        torch.nn.ReLU(),
        torch.nn.Dropout(0.2),
        torch.nn.Linear(64, 3),
    )
    layout = dense_layout(model)
    assert layout is not None
    wide = layout.layers[1]
    assert (wide.size, len(wide.shown), wide.more) == (64, 12, 52)
    assert wide.activation == "ReLU"  # Dropout folded away, not named
    diagram = describe_network(model, layout)
    assert diagram.weights[0].shape == (12, 2)
    assert diagram.weights[1].shape == (3, 12)
    np.testing.assert_array_equal(diagram.weights[1], model[3].weight[:, :12].detach())


def test_conv_and_embedding_models_have_no_dense_layout() -> None:
    conv = torch.nn.Sequential(
        torch.nn.Conv2d(1, 2, 3), torch.nn.Flatten(), torch.nn.Linear(2 * 6 * 6, 3)
    )
    assert dense_layout(conv) is None
    assert is_cnn(conv)
    assert dense_layout(torch.nn.Sequential(torch.nn.ReLU())) is None


def test_activation_maps_are_the_hidden_layer_over_the_grid() -> None:
    model = hand_set_mlp()
    layout = dense_layout(model)
    assert layout is not None
    grid = Grid(-2.0, 2.0, -1.0, 1.0, size=5)
    maps = activation_maps(model, layout, grid)
    assert [m.shape for m in maps] == [(2, 5, 5), (4, 5, 5), (1, 5, 5)]
    points = torch.from_numpy(grid.points())
    with torch.no_grad():
        hidden = torch.tanh(model[0](points))
        out = model(points)
    np.testing.assert_allclose(maps[1][2].ravel(), hidden[:, 2].numpy(), rtol=1e-6)
    np.testing.assert_allclose(maps[2][0].ravel(), out[:, 0].numpy(), rtol=1e-6)
    # the input's maps are the features; the top row is the largest y
    assert maps[0][0][0, 0] == -2.0 and maps[0][0][0, -1] == 2.0
    assert maps[0][1][0, 0] == 1.0 and maps[0][1][-1, 0] == -1.0


def test_conv_filters_and_feature_maps() -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 20, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(20, 4, 3),
        torch.nn.Flatten(),
        torch.nn.Linear(4 * 2 * 2, 3),
    )
    x = torch.randn(1, 8, 8)
    views = conv_views(model, x, max_channels=16)
    assert [v.title for v in views] == ["Conv2d 1", "Conv2d 2"]
    first, second = views
    assert (first.channels, first.more, first.activation) == (20, 4, "ReLU")
    assert first.filters.shape == (16, 1, 3, 3)
    np.testing.assert_array_equal(first.filters, model[0].weight[:16].detach())
    assert first.maps.shape == (16, 8, 8)
    with torch.no_grad():
        expected = torch.relu(model[0](x.unsqueeze(0)))[0, :16]
        pooled = model[2](torch.relu(model[0](x.unsqueeze(0))))
        expected2 = model[3](pooled)[0]
    np.testing.assert_allclose(first.maps, expected.numpy(), rtol=1e-6)
    assert second.filters.shape == (4, 20, 3, 3) and second.activation is None
    np.testing.assert_allclose(second.maps, expected2.numpy(), rtol=1e-6)


def moons_session(optimizer: dict) -> Session:
    example = find_example("moons_mlp")
    assert example is not None
    project = Project.load(example)
    project.set_value("training.optimizer", optimizer)
    session = Session(project)
    session.prepare_data()
    return session


@pytest.mark.parametrize(
    "optimizer", [{"type": "SGD", "lr": 0.5}, {"type": "Adam", "lr": 0.01}]
)
def test_one_step_has_autograds_gradients_and_the_optimizers_update(
    optimizer: dict,
) -> None:
    session = moons_session(optimizer)
    source = NetworkSource.from_session(session)
    torch.manual_seed(3)
    reference = session.model_for_data().build("cpu")
    state = copy_state(reference)
    layout = dense_layout(source.model(state))
    assert layout is not None
    x, y = source.sample(7)
    assert y.dtype == torch.int64  # class indices, as CrossEntropyLoss takes them

    result = inside_step(source, state, layout, x, y)

    # the same loss and gradients straight from torch
    copy = session.model_for_data().build("cpu")
    copy.load_state_dict(state)
    copy.eval()
    loss = torch.nn.CrossEntropyLoss()(copy(x), y)
    loss.backward()
    assert result.loss == pytest.approx(loss.item(), rel=1e-6)
    for key, param in copy.named_parameters():
        np.testing.assert_allclose(
            result.gradients[key], param.grad, rtol=1e-5, atol=1e-7
        )
    # the update is new − old of a real optimizer step on a copy
    step = getattr(torch.optim, optimizer["type"])(
        copy.parameters(), lr=optimizer["lr"]
    )
    old = {k: p.detach().clone() for k, p in copy.named_parameters()}
    step.step()
    with torch.no_grad():
        after = torch.nn.CrossEntropyLoss()(copy(x), y).item()
    assert result.loss_after == pytest.approx(after, rel=1e-5)
    for key, param in copy.named_parameters():
        np.testing.assert_allclose(
            result.updates[key],
            (param.detach() - old[key]).numpy(),
            rtol=1e-5,
            atol=1e-7,
        )
        if optimizer["type"] == "SGD":
            np.testing.assert_allclose(
                result.updates[key], -0.5 * result.gradients[key], rtol=1e-5, atol=1e-7
            )
    # the caller's weights are untouched
    assert all(torch.equal(state[k], reference.state_dict()[k]) for k in state)
    # the forward pass: sums and activations per unit
    assert [v.shape for v in result.values] == [(2,), (16,), (16,), (2,)]
    with torch.no_grad():
        z1 = reference[0](x)[0]
    np.testing.assert_allclose(result.sums[1], z1.numpy(), rtol=1e-6)
    np.testing.assert_allclose(result.values[1], torch.relu(z1).numpy(), rtol=1e-6)
    assert result.optimizer == optimizer["type"] and result.lr == optimizer["lr"]
    if optimizer["type"] == "Adam":
        assert any("does not move a weight by lr × gradient" in n for n in result.notes)
    else:
        assert any("−lr × gradient" in n for n in result.notes)


def test_the_source_builds_copies_without_drawing_random_numbers() -> None:
    session = moons_session({"type": "SGD", "lr": 0.1})
    source = NetworkSource.from_session(session)
    torch.manual_seed(5)
    before = torch.random.get_rng_state()
    source.model()
    assert torch.equal(before, torch.random.get_rng_state())


def test_a_digits_cnn_gives_conv_views_from_a_session() -> None:
    example = find_example("digits_cnn")
    assert example is not None
    session = Session(Project.load(example))
    session.prepare_data()
    source = NetworkSource.from_session(session)
    torch.manual_seed(0)
    state = copy_state(session.model_for_data().build("cpu"))
    model = source.model(state)
    assert is_cnn(model) and dense_layout(model) is None
    x, _y = source.sample(0)
    views = conv_views(model, x[0])
    assert [v.maps.shape for v in views] == [(16, 8, 8), (16, 4, 4)]
    assert views[0].activation == "BatchNorm2d → ReLU"
    assert views[1].channels == 32 and views[1].more == 16
