"""Turn checked catalogue entries into torch objects: optimizer, scheduler, metric.

Optimizers are built fused where torch has a fused kernel for the device
(one kernel per step instead of a Python loop over parameters), else with
``foreach``; a combination torch refuses falls back to the next option.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import torch

from guinet.core.training.catalog import ComponentSpec
from guinet.core.training.fastpath import FLAT_MAX_PARAMS, FlatParameters
from guinet.core.training.metrics import METRICS
from guinet.core.training.optimizers import OPTIMIZERS
from guinet.core.training.schedulers import SCHEDULERS


def build_optimizer(
    spec: ComponentSpec, parameters: Iterable[torch.nn.Parameter]
) -> torch.optim.Optimizer:
    """The optimizer of ``spec`` over ``parameters``, fused when possible."""
    declared = OPTIMIZERS[spec.type]
    cls = declared.torch_class()
    params = [p for p in parameters if p.requires_grad]
    kwargs = declared.arguments(spec.params)
    options: list[dict[str, Any]] = [{"foreach": True}, {}]
    if declared.fused and params and all(p.is_floating_point() for p in params):
        options.insert(0, {"fused": True})
    error: Exception | None = None
    for option in options:
        try:
            return cls(params, **kwargs, **option)
        except (RuntimeError, ValueError, TypeError) as exc:  # unsupported here
            error = exc
    raise AssertionError(f"torch refused every {spec.type} variant: {error}")


def make_optimizer(
    spec: ComponentSpec, model: torch.nn.Module, flatten: bool | None = None
) -> tuple[torch.optim.Optimizer, FlatParameters | None]:
    """The optimizer the engine trains ``model`` with, and its flat parameters.

    ``flatten`` (default: on the CPU, for element-wise optimizers, up to
    :data:`~.fastpath.FLAT_MAX_PARAMS` parameters) trains all weights as one
    tensor, which makes small models markedly faster there; pass the
    returned :class:`FlatParameters` to the :class:`Trainer`.
    """
    declared = OPTIMIZERS[spec.type]
    if flatten is None:
        first = next(model.parameters(), None)
        flatten = (
            first is not None
            and first.device.type == "cpu"
            and sum(p.numel() for p in model.parameters()) <= FLAT_MAX_PARAMS
        )
    flat = FlatParameters.of(model) if flatten and declared.elementwise else None
    params = [flat.param] if flat is not None else list(model.parameters())
    return build_optimizer(spec, params), flat


@dataclass
class LRSchedule:
    """A scheduler and when to step it: after each ``batch`` or each ``epoch``.

    A scheduler with a ``monitor`` (ReduceLROnPlateau) is stepped with that
    log value, or the training value when there is no validation split.
    """

    scheduler: Any
    interval: str = "epoch"
    monitor: str | None = None

    def step_epoch(self, logs: dict[str, float]) -> None:
        if self.interval != "epoch":
            return
        if self.monitor is None:
            self.scheduler.step()
            return
        value = logs.get(self.monitor)
        if value is None and self.monitor.startswith("val_"):
            value = logs.get(self.monitor[4:])
        if value is not None:
            self.scheduler.step(value)

    def state_dict(self) -> dict[str, Any]:
        return dict(self.scheduler.state_dict())

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.scheduler.load_state_dict(state)


def scheduler_arguments(
    spec: ComponentSpec,
    optimizer: torch.optim.Optimizer,
    epochs: int,
    batches_per_epoch: int,
) -> dict[str, Any]:
    """The keyword arguments ``spec``'s scheduler is built with for this run
    (besides the optimizer): the declared ones with the run-dependent ones
    filled in. The python exporter writes the same ones into its script."""
    declared = SCHEDULERS[spec.type]
    kwargs = declared.arguments(spec.params)
    if spec.type == "CosineAnnealingLR" and kwargs["T_max"] is None:
        kwargs["T_max"] = epochs
    if spec.type == "OneCycleLR":
        defaults = optimizer.defaults
        if kwargs["max_lr"] is None:
            kwargs["max_lr"] = optimizer.param_groups[0]["lr"]
        # Cycling momentum would switch momentum *on* for plain SGD, and is
        # impossible for optimizers without momentum or betas (Adagrad).
        has_momentum = defaults.get("momentum", 0) > 0 or "betas" in defaults
        kwargs["cycle_momentum"] = bool(kwargs["cycle_momentum"] and has_momentum)
        kwargs["epochs"] = epochs
        kwargs["steps_per_epoch"] = batches_per_epoch
    if spec.type == "ReduceLROnPlateau":
        kwargs["mode"] = "min"
    return kwargs


def build_scheduler(
    spec: ComponentSpec,
    optimizer: torch.optim.Optimizer,
    epochs: int,
    batches_per_epoch: int,
) -> LRSchedule:
    """The scheduler of ``spec``; run-dependent arguments are filled in here."""
    declared = SCHEDULERS[spec.type]
    cls = declared.torch_class()
    kwargs = scheduler_arguments(spec, optimizer, epochs, batches_per_epoch)
    return LRSchedule(cls(optimizer, **kwargs), declared.interval, declared.monitor)


class Metric:
    """A declared metric (:data:`~.metrics.METRICS`) with its decision, summed
    on the device.

    :meth:`total` is a batch's sum as a tensor (no read-back); :meth:`count`
    how many samples or target values it summed over, so the epoch's value
    is the total over the count. ``decision`` says how outputs become classes
    (``threshold``: raw score > 0 is class 1; ``argmax``: the highest output).
    """

    def __init__(self, name: str, decision: str = "argmax") -> None:
        declared = METRICS.get(name)
        if declared is None:
            raise ValueError(f"unknown metric {name!r}; known: {', '.join(METRICS)}")
        self.name = name
        self.decision = decision
        self.declared = declared
        self._total = declared.total
        self._per_value = declared.per == "value"

    def total(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self._total(out, y, self.decision)

    def count(self, y: torch.Tensor) -> int:
        """How many items :meth:`total` summed over for the targets ``y``."""
        return y.numel() if self._per_value else y.shape[0]
