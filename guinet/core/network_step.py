"""Inside one training step, with the real numbers, on a copy of the model.

For one sample the learner picks, :func:`inside_step` runs what training
runs — the forward pass, the project's loss, backpropagation and one step of
the project's optimizer with its settings — on a fresh copy of the weights,
and reports every unit's weighted sum and activation, the loss, and every
weight's gradient and update (new − old). The run's own model is never
touched.

:class:`NetworkSource` gathers what that needs from a session once (the
model spec for the data, the loss plan, the optimizer, the prepared data)
and builds copies of the model without drawing from torch's random
generator (built on the meta device, then filled with the given weights), so
computing a view never changes what a run in another thread draws.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from guinet.core.network import DenseLayout

if TYPE_CHECKING:
    import torch

    from guinet.core.data import PreparedData
    from guinet.core.model import ModelSpec
    from guinet.core.session import Session
    from guinet.core.training.catalog import ComponentSpec
    from guinet.core.training.compat import LossPlan

State = dict[str, "torch.Tensor"]


@dataclass
class NetworkSource:
    """What the network view needs from a session, taken once."""

    spec: ModelSpec
    prepared: PreparedData
    plan: LossPlan | None
    optimizer: ComponentSpec
    batch_size: int
    _copy: torch.nn.Sequential | None = field(default=None, repr=False)

    @classmethod
    def from_session(cls, session: Session) -> NetworkSource:
        """Raises ``ValueError`` (or the session's own errors) with a reason
        when there is no data or the model cannot be built for it."""
        from guinet.core.training.compat import plan_for_data

        prepared = session.prepared
        if prepared is None:
            raise ValueError("load data on the Data page first")
        spec = session.model_for_data()
        problem = spec.problem()
        if problem is not None:
            raise ValueError(problem[1])
        loss = session.loss()
        plan = plan_for_data(spec, loss, prepared) if loss is not None else None
        training = session.project.training
        return cls(spec, prepared, plan, training.optimizer, training.batch_size)

    def model(self, state: State | None = None) -> torch.nn.Sequential:
        """A CPU copy of the model holding ``state`` (zeros without one)."""

        model = self.spec.build("meta").to_empty(device="cpu")
        if state is None:
            for tensor in model.state_dict().values():
                tensor.zero_()
        else:
            model.load_state_dict(state)
        model.eval()
        return model

    def reused(self, state: State) -> torch.nn.Sequential:
        """:meth:`model` with ``state``, built once and refilled after: for
        one thread drawing copy after copy (building costs far more than
        filling)."""
        if self._copy is None:
            self._copy = self.model(state)
        else:
            self._copy.load_state_dict(state)
        return self._copy

    def sample(
        self, index: int, split: str = "test"
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Sample ``index`` of ``split`` as the model and the loss take it
        (a batch of one)."""
        from guinet.core.training.fit import loss_targets, model_inputs

        tensors = self.prepared.tensors("cpu")
        x = getattr(tensors, f"x_{split}")
        y = getattr(tensors, f"y_{split}")
        index = max(0, min(index, len(x) - 1))
        x_one = model_inputs(x[index : index + 1], self.spec)
        y_one = y[index : index + 1]
        if self.plan is not None:
            y_one = loss_targets(y_one, self.plan)
        return x_one, y_one

    def split_size(self, split: str = "test") -> int:
        return len(self.prepared.split(split)[0])


@dataclass(frozen=True)
class StepResult:
    """One sample's forward pass and one optimizer step on it.

    ``output``/``loss`` are before the step, ``output_after``/``loss_after``
    the same sample's after it. ``sums[i]``/``values[i]`` are the weighted
    sums and the activations of every unit of unit layer ``i`` (the input's
    sums are its values);
    ``gradients``/``updates`` map each trained parameter's state-dict key to
    its gradient and its change (new − old) in the step.
    """

    loss: float
    loss_name: str
    optimizer: str
    lr: float
    sums: tuple[np.ndarray, ...]
    values: tuple[np.ndarray, ...]
    output: np.ndarray
    target: np.ndarray
    output_after: np.ndarray
    loss_after: float
    gradients: dict[str, np.ndarray]
    updates: dict[str, np.ndarray]
    notes: tuple[str, ...]


def inside_step(
    source: NetworkSource,
    state: State,
    layout: DenseLayout,
    x: torch.Tensor,
    y: torch.Tensor,
) -> StepResult:
    """Forward ``x`` (a batch of one), the project's loss against ``y``,
    backpropagation and one step of the project's optimizer, on a copy of
    ``state``. Raises ``ValueError`` when the project has no loss for its data."""
    import torch

    from guinet.core.training.build import build_optimizer
    from guinet.core.training.optimizers import OPTIMIZERS

    if source.plan is None:
        raise ValueError("the project has no loss that fits its data and model")
    model = source.model(state)  # eval mode: Dropout off, BatchNorm's averages
    plan = source.plan
    trained = model[:-1] if plan.drop_final else model
    sums, values = _forward(model, layout, x)
    loss_fn = plan.build_loss()
    params = dict(trained.named_parameters())
    optimizer = build_optimizer(source.optimizer, params.values())
    optimizer.zero_grad()
    out = trained(x)
    loss = loss_fn(out, y)
    loss.backward()
    old = {key: p.detach().clone() for key, p in params.items()}
    gradients = {
        key: (p.grad.detach().clone() if p.grad is not None else torch.zeros_like(p))
        for key, p in params.items()
    }
    optimizer.step()
    with torch.no_grad():
        output_after = model(x).numpy()[0]
        loss_after = float(loss_fn(trained(x), y))
    updates = {key: (params[key].detach() - old[key]).numpy() for key in params}
    declared = OPTIMIZERS[source.optimizer.type]
    settings = declared.arguments(source.optimizer.params)
    lr = float(settings.get("lr", optimizer.param_groups[0]["lr"]))
    return StepResult(
        float(loss.detach()),
        plan.loss.type,
        source.optimizer.type,
        lr,
        tuple(sums),
        tuple(values),
        values[-1],
        y.detach().numpy().reshape(-1),
        output_after,
        loss_after,
        {key: g.numpy() for key, g in gradients.items()},
        updates,
        _notes(source, model, settings),
    )


def _forward(
    model: torch.nn.Sequential, layout: DenseLayout, x: torch.Tensor
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    import torch

    sums = [x.detach().numpy()[0].copy()] + [np.empty(0)] * (len(layout.layers) - 1)
    values = list(sums)
    linear = {layer.linear: i for i, layer in enumerate(layout.layers) if i}
    ends = {layer.end: i for i, layer in enumerate(layout.layers) if i}
    with torch.no_grad():
        value = x
        for index, module in enumerate(model):
            value = module(value)
            if index in linear:
                sums[linear[index]] = value.numpy()[0].copy()
            if index in ends:
                values[ends[index]] = value.numpy()[0].copy()
    return sums, values


def _notes(
    source: NetworkSource, model: torch.nn.Module, settings: dict[str, Any]
) -> tuple[str, ...]:
    kind = source.optimizer.type
    lr = settings.get("lr")
    notes = [
        f"The step uses this one sample; training averages the gradient over "
        f"a batch of {source.batch_size}."
    ]
    if (
        kind == "SGD"
        and not settings.get("momentum")
        and not settings.get("weight_decay")
    ):
        notes.append(f"SGD: each update is −lr × gradient (lr = {lr:g}).")
    elif kind == "SGD":
        notes.append(
            "SGD with momentum or weight decay: the update is −lr × (gradient "
            "plus momentum and decay terms), not just −lr × gradient."
        )
    else:
        notes.append(
            f"{kind} does not move a weight by lr × gradient: it divides by a "
            "running average of past gradients (a fresh one here, so each "
            f"weight moves about lr = {lr:g}, whatever its gradient's size)."
        )
    kinds = {type(m).__name__ for m in model.modules()}
    if kinds & {"Dropout", "AlphaDropout", "BatchNorm1d"}:
        notes.append(
            "Dropout and BatchNorm work as at prediction time in this step, "
            "so the numbers do not change from one press to the next."
        )
    return tuple(notes)
