"""The metric catalogue: what a run reports beside the loss.

A :class:`MetricType` is declared once: its key (the name in the logs, the
history and ``guinet train --json``), a label and help line for people, the
data tasks it applies to, whether higher or lower is better (``mode``), and
how to sum it over a batch. The loss check (:mod:`.compat`) picks a run's
metric here, the engine computes it through :class:`.build.Metric`, epoch
lines and early stopping's ``mode: auto`` read ``digits`` and ``mode``.
Adding a metric touches only this module.

``total(out, y, decision)`` returns the batch's *sum* as a tensor on the
device (never a Python number): the engine adds these up and reads the
epoch's value back once, divided by the number of samples (``per="sample"``)
or of target values (``per="value"``). ``decision`` says how a trained
output becomes a class: ``threshold`` (one raw score, > 0 is class 1),
``argmax`` (one output per class) or ``none`` (numbers, regression).

torch is not imported here: the functions only call tensor methods.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from guinet.core.params import Registry

if TYPE_CHECKING:
    from torch import Tensor

#: How a trained output becomes a class (see the module doc).
DECISIONS = ("threshold", "argmax", "none")
#: The data tasks (``data.task`` once resolved), for metrics and losses alike.
TASKS = ("binary", "multiclass", "regression")


@dataclass(frozen=True, kw_only=True)
class MetricType:
    """One metric: where it applies, which way is better, how to sum it."""

    key: str
    label: str
    help: str
    tasks: tuple[str, ...]
    mode: str
    total: Callable[[Tensor, Tensor, str], Tensor]
    per: str = "sample"
    digits: int = 4

    def __post_init__(self) -> None:
        if self.mode not in ("max", "min"):
            raise ValueError(f"metric {self.key!r}: mode must be max or min")
        if self.per not in ("sample", "value"):
            raise ValueError(f"metric {self.key!r}: per must be sample or value")
        unknown = set(self.tasks) - set(TASKS)
        if unknown or not self.tasks:
            raise ValueError(f"metric {self.key!r}: unknown tasks {sorted(unknown)}")


METRICS: Registry[MetricType] = Registry("metric")


def metric(**kwargs: Any) -> MetricType:
    spec = MetricType(**kwargs)
    return METRICS.register(spec.key, spec)


def default_metric(task: str) -> str:
    """The metric a run on ``task`` data logs: the first one declared for it."""
    for key, declared in METRICS.items():
        if task in declared.tasks:
            return key
    raise KeyError(f"no metric is declared for the task {task!r}")


def metric_for(name: str) -> MetricType | None:
    """The declaration behind a logged value (``val_accuracy`` → accuracy)."""
    for prefix in ("val_", "test_"):
        if name.startswith(prefix) and name not in METRICS:
            name = name[len(prefix) :]
            break
    return METRICS.get(name)


def metric_mode(name: str) -> str:
    """``max`` when a higher ``name`` is better, else ``min``.

    ``name`` is a logged value, with or without its split prefix
    (``val_accuracy``, ``accuracy``); the loss and names no metric declares
    are minimised. This is what ``mode: auto`` of a monitor means.
    """
    declared = metric_for(name)
    return declared.mode if declared is not None else "min"


def format_value(name: str, value: float) -> str:
    """A logged value as people read it: a metric with its declared digits,
    the learning rate in 3 significant figures, a loss with 4 decimals."""
    if not math.isfinite(value):
        return str(value)
    if name == "lr":
        return f"{value:.3g}"
    declared = metric_for(name)
    return f"{value:.{declared.digits if declared else 4}f}"


# -- the catalogue -----------------------------------------------------------------
def _correct(out: Tensor, y: Tensor, decision: str) -> Tensor:
    if decision == "threshold":
        return ((out > 0) == (y > 0.5)).sum()
    return (out.argmax(dim=1) == y).sum()


def _absolute_error(out: Tensor, y: Tensor, decision: str) -> Tensor:
    return (out - y).abs().sum()


metric(
    key="accuracy",
    label="Accuracy",
    help="Share of samples whose predicted class is the right one (1 is perfect).",
    tasks=("binary", "multiclass"),
    mode="max",
    total=_correct,
    digits=3,
)
metric(
    key="mae",
    label="Mean absolute error",
    help="Average distance between prediction and target, in the target's units.",
    tasks=("regression",),
    mode="min",
    total=_absolute_error,
    per="value",
)
