"""The learning-rate scheduler catalogue (``torch.optim.lr_scheduler``).

``interval`` says when the engine steps a scheduler: after every ``batch``
(OneCycleLR) or after every ``epoch``. ``monitor`` names the log value a
scheduler reacts to (ReduceLROnPlateau watches ``val_loss``, or ``loss`` when
there is no validation split). Arguments that follow from the run itself —
OneCycleLR's total steps, CosineAnnealingLR's default ``T_max`` — are
computed by the engine, never typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from guinet.core.params import Param, Registry
from guinet.core.training.catalog import ComponentType


@dataclass(frozen=True, kw_only=True)
class SchedulerType(ComponentType):
    module: str = "torch.optim.lr_scheduler"
    interval: str = "epoch"
    monitor: str | None = None


SCHEDULERS: Registry[SchedulerType] = Registry("scheduler")


def scheduler(**kwargs: Any) -> SchedulerType:
    spec = SchedulerType(**kwargs)
    return SCHEDULERS.register(spec.key, spec)


def _gamma(default: float, help_text: str) -> Param:
    return Param(
        "gamma",
        "float",
        default,
        help_text,
        minimum=0.0,
        maximum=1.0,
        exclusive_min=True,
        step=0.01,
        key=True,
    )


scheduler(
    key="StepLR",
    label="StepLR — drop every few epochs",
    explanation="Multiplies the learning rate by gamma every step_size epochs.",
    params=(
        Param(
            "step_size",
            "int",
            10,
            "Number of epochs between drops.",
            minimum=1,
            key=True,
        ),
        _gamma(0.1, "Factor the learning rate is multiplied by at each drop."),
    ),
)
scheduler(
    key="ExponentialLR",
    label="ExponentialLR — shrink every epoch",
    explanation="Multiplies the learning rate by gamma after every epoch.",
    params=(_gamma(0.95, "Factor the learning rate is multiplied by each epoch."),),
)
scheduler(
    key="CosineAnnealingLR",
    label="CosineAnnealingLR — smooth cosine decay",
    explanation=(
        "Lowers the learning rate along a half cosine from its start value to "
        "eta_min over T_max epochs."
    ),
    params=(
        Param(
            "T_max",
            "int",
            None,
            "Epochs to reach the minimum; empty means the number of epochs.",
            minimum=1,
            optional=True,
            none_label="= epochs",
            key=True,
        ),
        Param(
            "eta_min",
            "float",
            0.0,
            "The lowest learning rate.",
            minimum=0.0,
            log_scale=True,
        ),
    ),
)
scheduler(
    key="OneCycleLR",
    label="OneCycleLR — warm up, then anneal",
    explanation=(
        "Raises the learning rate to max_lr, then lowers it far below the start, "
        "over the whole run; often trains fast. Steps after every batch."
    ),
    params=(
        Param(
            "max_lr",
            "float",
            None,
            "Peak learning rate; empty means the optimizer's lr.",
            minimum=0.0,
            exclusive_min=True,
            optional=True,
            none_label="= lr",
            log_scale=True,
            key=True,
        ),
        Param(
            "pct_start",
            "float",
            0.3,
            "Fraction of the run spent warming up.",
            minimum=0.0,
            maximum=1.0,
            exclusive_min=True,
            exclusive_max=True,
            step=0.05,
        ),
        Param(
            "anneal_strategy",
            "choice",
            "cos",
            "Shape of the rise and fall: cosine or straight lines.",
            choices=("cos", "linear"),
        ),
        Param(
            "cycle_momentum",
            "bool",
            True,
            "Cycle the momentum opposite to the learning rate (only for "
            "optimizers that have momentum).",
        ),
    ),
    interval="batch",
)
scheduler(
    key="ReduceLROnPlateau",
    label="ReduceLROnPlateau — lower when stuck",
    explanation=(
        "Watches the validation loss and multiplies the learning rate by factor "
        "once it has not improved for patience epochs."
    ),
    params=(
        Param(
            "factor",
            "float",
            0.1,
            "Factor the learning rate is multiplied by when progress stalls.",
            minimum=0.0,
            maximum=1.0,
            exclusive_min=True,
            exclusive_max=True,
            step=0.05,
            key=True,
        ),
        Param(
            "patience",
            "int",
            10,
            "Epochs without improvement before lowering.",
            minimum=0,
            key=True,
        ),
        Param(
            "threshold",
            "float",
            1e-4,
            "Relative improvement that counts as progress.",
            minimum=0.0,
            log_scale=True,
        ),
        Param(
            "min_lr",
            "float",
            0.0,
            "Never go below this learning rate.",
            minimum=0.0,
            log_scale=True,
        ),
    ),
    monitor="val_loss",
)
