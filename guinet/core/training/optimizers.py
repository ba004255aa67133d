"""The optimizer catalogue: one declaration per ``torch.optim`` optimizer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from guinet.core.params import Param, Registry
from guinet.core.training.catalog import ComponentType


@dataclass(frozen=True, kw_only=True)
class OptimizerType(ComponentType):
    """An optimizer. ``fused``: torch has a one-kernel version of it.
    ``elementwise``: each weight's update depends on that weight alone, so the
    engine may train all weights as one flat tensor (see :mod:`.fastpath`).
    ``check``: arguments that do not work together, given every argument's
    value, as one sentence (or ``None``). ``state``: how many weight-sized
    tensors it keeps per trainable weight, given every argument's value (Adam
    keeps two running averages): what the memory check counts."""

    module: str = "torch.optim"
    fused: bool = False
    elementwise: bool = True
    check: Callable[[dict[str, Any]], str | None] | None = None
    state: Callable[[dict[str, Any]], int] = lambda args: 0

    def problem(self, values: dict[str, Any]) -> str | None:
        """What is wrong with this combination of arguments, if anything."""
        return self.check(self.arguments(values)) if self.check else None

    def state_tensors(self, values: dict[str, Any]) -> int:
        """Weight-sized tensors of optimizer state per trainable weight."""
        return self.state(self.arguments(values))


OPTIMIZERS: Registry[OptimizerType] = Registry("optimizer")


def optimizer(**kwargs: Any) -> OptimizerType:
    spec = OptimizerType(**kwargs)
    return OPTIMIZERS.register(spec.key, spec)


def _lr(default: float) -> Param:
    return Param(
        "lr",
        "float",
        default,
        "Learning rate: how big a step each update takes. Too high diverges, "
        "too low crawls.",
        minimum=0.0,
        exclusive_min=True,
        log_scale=True,
        key=True,
        label="Learning rate",
    )


def _weight_decay(default: float = 0.0) -> Param:
    return Param(
        "weight_decay",
        "float",
        default,
        "Pulls weights towards zero at each step (L2 penalty); fights overfitting.",
        minimum=0.0,
        step=1e-4,
    )


def _eps(default: float) -> Param:
    return Param(
        "eps",
        "float",
        default,
        "Small number added to the denominator to avoid dividing by zero.",
        minimum=0.0,
        exclusive_min=True,
        log_scale=True,
    )


_AMSGRAD = Param(
    "amsgrad", "bool", False, "Use the AMSGrad variant (never lets the step grow)."
)

optimizer(
    key="SGD",
    label="SGD — stochastic gradient descent",
    explanation=(
        "Steps straight down the gradient; with momentum it keeps rolling in a "
        "consistent direction. Simple and well understood."
    ),
    params=(
        _lr(0.01),
        Param(
            "momentum",
            "float",
            0.0,
            "Fraction of the previous step kept in the next one (0.9 is typical).",
            minimum=0.0,
            maximum=1.0,
            exclusive_max=True,
            step=0.05,
        ),
        Param(
            "nesterov",
            "bool",
            False,
            "Look ahead along the momentum before taking the gradient "
            "(needs momentum > 0).",
        ),
        _weight_decay(),
    ),
    fused=True,
    state=lambda args: 1 if args["momentum"] > 0 else 0,
    check=lambda args: (
        "SGD nesterov needs momentum > 0 (e.g. 0.9); set momentum or turn nesterov off"
        if args["nesterov"] and args["momentum"] <= 0
        else None
    ),
)
optimizer(
    key="Adam",
    label="Adam — adaptive moments",
    explanation=(
        "Adapts the step size of every weight from running averages of its "
        "gradients; a good default that needs little tuning."
    ),
    params=(_lr(0.001), _weight_decay(), _eps(1e-8), _AMSGRAD),
    fused=True,
    state=lambda args: 3 if args["amsgrad"] else 2,
)
optimizer(
    key="AdamW",
    label="AdamW — Adam with decoupled weight decay",
    explanation=(
        "Adam whose weight decay is applied directly to the weights; the usual "
        "choice for transformers and when using weight decay."
    ),
    params=(_lr(0.001), _weight_decay(0.01), _eps(1e-8), _AMSGRAD),
    fused=True,
    state=lambda args: 3 if args["amsgrad"] else 2,
)
optimizer(
    key="RMSprop",
    label="RMSprop — root mean square propagation",
    explanation=(
        "Divides each step by a running average of recent gradient sizes; "
        "popular for recurrent networks."
    ),
    params=(
        _lr(0.01),
        Param(
            "alpha",
            "float",
            0.99,
            "How slowly the average of squared gradients forgets.",
            minimum=0.0,
            maximum=1.0,
            exclusive_max=True,
            step=0.01,
        ),
        Param(
            "momentum",
            "float",
            0.0,
            "Fraction of the previous step kept in the next one.",
            minimum=0.0,
            maximum=1.0,
            exclusive_max=True,
            step=0.05,
        ),
        Param(
            "centered",
            "bool",
            False,
            "Normalize by the gradient's variance instead of its raw size.",
        ),
        _weight_decay(),
        _eps(1e-8),
    ),
    state=lambda args: 1 + (args["momentum"] > 0) + bool(args["centered"]),
)
optimizer(
    key="Adagrad",
    label="Adagrad — adaptive gradient",
    explanation=(
        "Gives rarely updated weights bigger steps; steps shrink over time. Good "
        "for sparse features."
    ),
    params=(
        _lr(0.01),
        Param(
            "lr_decay",
            "float",
            0.0,
            "How fast the learning rate shrinks with each step.",
            minimum=0.0,
            log_scale=True,
        ),
        _weight_decay(),
        _eps(1e-10),
    ),
    fused=True,
    state=lambda args: 1,
)
