"""Teaching hints read from a model's weights: units that never fire, and
what made a run's loss NaN. Both run a model, so the window computes them
off the GUI thread; see :mod:`guinet.core.hints` for what a hint is."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from guinet.core.hints import Hint, new_hint
from guinet.core.session import Edit, Fix

if TYPE_CHECKING:
    import torch

    from guinet.core.training.fit import TrainingRun

# -- from the weights ----------
#: A ReLU layer with at least this fraction of units silent on every sample is "dead".
DEAD_FRACTION = 0.5


def dead_relu_hints(model: torch.nn.Module, x: torch.Tensor) -> list[Hint]:
    """ReLU layers whose units never fire on the batch ``x`` (their output is
    0 for every sample, so no gradient reaches their weights again)."""
    import torch

    modules = _top_layers(model)
    outputs: dict[int, torch.Tensor] = {}
    handles = []
    for index, module in enumerate(modules):
        if isinstance(module, torch.nn.ReLU):
            handles.append(module.register_forward_hook(_keeper(outputs, index)))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(x)
    finally:
        model.train(was_training)
        for handle in handles:
            handle.remove()
    found = []
    for index, out in sorted(outputs.items()):
        flat = out.reshape(out.shape[0], -1)
        dead = (flat <= 0).all(dim=0)
        fraction = float(dead.float().mean())
        if fraction >= DEAD_FRACTION:
            found.append(
                new_hint(
                    "dead_relu",
                    "ReLU",
                    f"Layer {index + 1} (ReLU): {int(dead.sum())} of {dead.numel()} "
                    f"units ({fraction:.0%}) output 0 for all {flat.shape[0]} "
                    "training samples tried. A ReLU that never fires passes no "
                    "gradient, so those units have stopped learning (a learning "
                    "rate too high often kills them). Try a lower learning rate or "
                    "LeakyReLU.",
                    area="model",
                    layer=index,
                )
            )
    return found


def _top_layers(model: torch.nn.Module) -> list[torch.nn.Module]:
    """The model's layers in the order of the stack (a Sequential's children)."""
    import torch

    inner = model
    while not isinstance(inner, torch.nn.Sequential):
        children = list(inner.children())
        if len(children) != 1:
            return list(model.modules())[1:]
        inner = children[0]
    return list(inner.children())


def _keeper(outputs: dict[int, Any], index: int) -> Any:
    def keep(_module: Any, _inputs: Any, output: Any) -> None:
        outputs[index] = output.detach()

    return keep


def divergence_hint(
    run: TrainingRun,
    state: dict[str, torch.Tensor] | None,
    *,
    message: str = "",
    good_epoch: int = 0,
    scaling: str = "standard",
) -> Hint:
    """What made a run's loss NaN, told from its last good weights ``state``
    (``None``: the run's current weights): one batch's gradients show which
    layer a step at this learning rate would throw furthest."""

    model = run.model
    if state is not None:
        model.load_state_dict(state)
    trainer = run.trainer
    tensors = run.tensors
    size = min(trainer.batch_size, len(tensors.x_train))
    x, y = tensors.x_train[:size], tensors.y_train[:size]
    model.train()
    model.zero_grad(set_to_none=True)
    loss = trainer.loss_fn(model(x), y)
    loss.backward()
    loss = loss.detach()
    lr = trainer.lr
    worst: tuple[float, str, float, float] | None = None
    broken: list[str] = []
    for name, param in model.named_parameters():
        if param.grad is None:
            continue
        grad = float(param.grad.norm())
        weight = float(param.detach().norm())
        if not (math.isfinite(grad) and math.isfinite(weight)):
            broken.append(name)
            continue
        step = lr * grad / max(weight, 1e-12)
        if worst is None or step > worst[0]:
            worst = (step, name, grad, weight)
    model.zero_grad(set_to_none=True)
    where = message.split(", so training")[0] if message else "The loss became NaN"
    parts = [f"{where}."]
    if broken:
        parts.append(
            f"From the weights of epoch {good_epoch}, the gradients of "
            f"{', '.join(_layer_name(n) for n in broken)} are already not finite."
        )
    elif worst is not None:
        step, name, grad, weight = worst
        parts.append(
            f"From the weights of epoch {good_epoch} (loss {loss.item():.4g}), one "
            f"plain step at learning rate {lr:g} would move {_layer_name(name)} by "
            f"{step:.0%} of its size (gradient {grad:.3g}, weights {weight:.3g})."
        )
    parts.append(
        "Steps that large overshoot: the loss grows, the gradients grow with it, "
        "and the numbers overflow. Lower the learning rate (ten times is a good "
        "first try)"
    )
    parts[-1] += (
        ", and standardize the inputs: their scaling is off."
        if scaling == "none"
        else "."
    )
    new = float(f"{lr * 0.1:.3g}")
    return new_hint(
        "diverged",
        "learning rate",
        " ".join(parts),
        Fix(
            f"Lower the learning rate to {new:g}",
            (Edit("set_value", "training.optimizer.lr", new),),
        ),
    )


def _layer_name(parameter: str) -> str:
    """``0.weight`` → "layer 1's weight" (the stack's numbering)."""
    parts = parameter.split(".")
    for i, part in enumerate(parts):
        if part.isdigit():
            rest = ".".join(parts[i + 1 :]) or "parameter"
            rest = {"weight": "weights", "bias": "biases"}.get(rest, rest)
            return f"layer {int(part) + 1}'s {rest}"
    return parameter
