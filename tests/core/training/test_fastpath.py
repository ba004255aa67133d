"""The fast paths change the overhead, never the arithmetic or the behaviour."""

from __future__ import annotations

import pytest
import torch

from guinet.core.data import DataTensors
from guinet.core.training import ComponentSpec, Trainer
from guinet.core.training.build import Metric, make_optimizer
from guinet.core.training.fastpath import (
    FLAT_MAX_PARAMS,
    SMALL_WORK,
    FlatParameters,
    multiply_adds,
    plain_forward,
)
from tests.core.training.helpers import blob_tensors


def mlp() -> torch.nn.Sequential:
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1)
    )


def train(flatten: bool, optimizer: str) -> tuple[torch.nn.Module, list[float]]:
    model = mlp()
    spec = ComponentSpec(optimizer, {"lr": 0.05, "weight_decay": 0.01})
    opt, flat = make_optimizer(spec, model, flatten=flatten)
    assert (flat is not None) == flatten
    trainer = Trainer(
        model,
        torch.nn.BCEWithLogitsLoss(),
        opt,
        blob_tensors(40),
        batch_size=8,
        epochs=4,
        metric=Metric("accuracy", "threshold"),
        flat=flat,
    )
    history = trainer.fit()
    return model, [float(v) for v in history["loss"]]  # type: ignore[arg-type]


def test_flat_parameters_train_like_separate_ones() -> None:
    for optimizer in ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad"):
        flat_model, flat_losses = train(True, optimizer)
        plain_model, plain_losses = train(False, optimizer)
        assert flat_losses == pytest.approx(plain_losses, rel=1e-5), optimizer
        for a, b in zip(flat_model.parameters(), plain_model.parameters(), strict=True):
            torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)


def test_flat_parameters_are_views_and_the_module_still_behaves() -> None:
    model = mlp()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    flat = FlatParameters.of(model)
    assert flat is not None
    assert flat.param.numel() == sum(p.numel() for p in model.parameters())
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key])
    with torch.no_grad():
        flat.param.add_(1.0)
    assert torch.equal(model[0].bias, before["0.bias"] + 1)
    model(torch.ones(3, 2)).sum().backward()
    assert flat.param.grad is not None and flat.param.grad.abs().sum() > 0
    flat.zero_grad()
    assert all(p.grad is not None and not p.grad.any() for p in model.parameters())
    model.load_state_dict(before)  # copies into the views
    assert torch.equal(
        flat.param[: model[0].weight.numel()], before["0.weight"].ravel()
    )


def test_mixed_parameters_are_not_flattened() -> None:
    model = mlp()
    model[2].double()
    assert FlatParameters.of(model) is None
    assert FlatParameters.of(torch.nn.ReLU()) is None


def test_only_small_models_are_flattened_by_default() -> None:
    # a big model's gradients would be added into the flat buffer every step
    # (and zeroed), a pass over them a loop that sets them to None skips
    adam = ComponentSpec("Adam", {"lr": 1e-3})
    assert make_optimizer(adam, mlp())[1] is not None
    wide = FLAT_MAX_PARAMS // 1024 + 1  # just over the limit
    big = torch.nn.Sequential(torch.nn.Linear(1023, wide), torch.nn.Linear(wide, 1))
    assert sum(p.numel() for p in big.parameters()) > FLAT_MAX_PARAMS
    optimizer, flat = make_optimizer(adam, big)
    assert flat is None
    assert optimizer.param_groups[0]["params"][0] is big[0].weight
    assert make_optimizer(adam, big, flatten=True)[1] is not None  # still possible


def test_plain_forward_only_without_hooks() -> None:
    model = mlp()
    x = torch.randn(4, 2)
    fast = plain_forward(model)
    assert fast is not model
    assert torch.equal(fast(x), model(x))
    seen: list[int] = []
    handle = model[1].register_forward_hook(lambda *args: seen.append(1))
    try:
        assert plain_forward(model) is model
    finally:
        handle.remove()
    handle = torch.nn.modules.module.register_module_forward_hook(lambda *args: None)
    try:
        assert plain_forward(model) is model
    finally:
        handle.remove()
    assert plain_forward(model) is not model


def test_multiply_adds_count_convolutions_by_position() -> None:
    conv = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.Flatten(), torch.nn.Linear(64, 2)
    )
    assert multiply_adds(conv, torch.zeros(1, 1, 4, 4)) == 4 * 9 * 16 + 64 * 2
    assert conv.training  # the probe leaves the mode as it was
    big = torch.nn.Sequential(torch.nn.Linear(512, 4096))
    trainer = Trainer(
        big,
        torch.nn.MSELoss(),
        torch.optim.SGD(big.parameters(), lr=0.1),
        DataTensors(*(torch.zeros(4, 512),) * 6),
        batch_size=4,
        epochs=1,
    )
    assert multiply_adds(big, torch.zeros(1, 512)) * 4 > SMALL_WORK
    assert trainer.thread_count() == torch.get_num_threads()


def _trainer(flatten: bool, epochs: int) -> Trainer:
    model = mlp()
    opt, flat = make_optimizer(ComponentSpec("Adam", {"lr": 0.05}), model, flatten)
    return Trainer(
        model,
        torch.nn.BCEWithLogitsLoss(),
        opt,
        blob_tensors(40),
        batch_size=8,
        epochs=epochs,
        flat=flat,
    )


@pytest.mark.parametrize("saved_flat", [True, False])
def test_a_state_resumes_across_flat_and_separate_parameters(saved_flat) -> None:
    # a CPU run's checkpoint (flat) resumed on a GPU (separate), or one from
    # before big models stopped being flattened, and the other way round
    straight = _trainer(saved_flat, 4)
    losses = straight.fit()
    first = _trainer(saved_flat, 2)
    first.fit()
    resumed = _trainer(not saved_flat, 4)
    resumed.load_state_dict(first.state_dict())
    resumed.fit()
    assert resumed.history["loss"][-2:] == pytest.approx(losses["loss"][-2:], rel=1e-5)
    for a, b in zip(
        resumed.model.parameters(), straight.model.parameters(), strict=True
    ):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)
