"""Copies of a small model's weights while it trains: for live views and replay.

The classroom views (the decision boundary, the network) draw what the model
has learnt so far, and replay draws it at any epoch of a finished run. Both
need the weights, copied off the training thread's model at moments the
trainer chooses, never read while an optimizer step is writing them.

:class:`WeightSnapshots` is the callback that makes those copies: the weights
before the first step (epoch 0), at the end of every epoch (kept, for
replay), and at most ``live_per_second`` times within an epoch (passed on,
not kept). Each copy is a CPU ``state_dict`` of detached clones, so the
receiver may keep it and read it from another thread.

Copies cost memory and time, so only models up to :data:`MAX_PARAMETERS`
parameters are copied, and the kept epochs stop at ``max_bytes`` (thinned to
every other epoch, then every fourth…, so a long run still replays end to end).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from guinet.core.training.callbacks import Callback, Logs

if TYPE_CHECKING:
    import torch

    from guinet.core.training.trainer import Trainer

#: Larger models are not copied (the views summarise them instead).
MAX_PARAMETERS = 200_000
#: What the kept epoch copies may take, all together.
MAX_BYTES = 64 * 2**20

State = dict[str, "torch.Tensor"]


@dataclass(frozen=True)
class Snapshot:
    """The weights after ``epoch`` epochs (0: before the first step).

    ``batch`` is ``None`` for an epoch's end; for a copy taken within an
    epoch it is the number of batches done in epoch ``epoch + 1``.
    """

    epoch: int
    batch: int | None
    state: State


def parameter_count(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def copy_state(model: torch.nn.Module) -> State:
    """The model's weights and buffers as detached CPU clones."""
    return {
        name: value.detach().to("cpu", copy=True)
        for name, value in model.state_dict().items()
    }


def state_bytes(state: State) -> int:
    return sum(value.numel() * value.element_size() for value in state.values())


class WeightSnapshots(Callback):
    """Copies the weights of a small model (see the module doc).

    ``report`` gets every copy (in the training thread); :attr:`epochs` keeps
    the epoch-end copies by epoch number. A model larger than
    ``max_parameters`` is not copied at all (:attr:`active` is ``False``).
    """

    def __init__(
        self,
        report: Callable[[Snapshot], None] | None = None,
        live_per_second: float = 5.0,
        max_parameters: int = MAX_PARAMETERS,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        self.report = report
        self.interval = 1.0 / live_per_second if live_per_second > 0 else None
        self.max_parameters = max_parameters
        self.max_bytes = max_bytes
        self.active = False
        #: Epoch-end copies kept for replay: epoch → state (0: the start).
        self.epochs: dict[int, State] = {}
        #: Keep every ``stride``-th epoch (doubles when the budget is reached).
        self.stride = 1
        self._next = 0.0

    def on_fit_start(self, trainer: Trainer) -> None:
        self.active = parameter_count(trainer.model) <= self.max_parameters
        self.epochs, self.stride = {}, 1
        if self.active:
            self._take(trainer, trainer.start_epoch, None)
            self._next = time.monotonic() + (self.interval or 0.0)

    def on_batch_end(
        self, trainer: Trainer, epoch: int, batch: int, loss: torch.Tensor
    ) -> None:
        if not self.active or self.interval is None:
            return
        now = time.monotonic()
        if now >= self._next and batch < trainer.batches_per_epoch - 1:
            self._next = now + self.interval
            self._take(trainer, epoch, batch + 1)

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: Logs) -> None:
        if self.active:
            self._take(trainer, epoch + 1, None)

    def _take(self, trainer: Trainer, epoch: int, batch: int | None) -> None:
        state = copy_state(trainer.model)
        if batch is None:
            self._keep(epoch, state)
        if self.report is not None:
            self.report(Snapshot(epoch, batch, state))

    def _keep(self, epoch: int, state: State) -> None:
        if epoch % self.stride:
            return
        self.epochs[epoch] = state
        size = state_bytes(state)
        while len(self.epochs) * size > self.max_bytes and len(self.epochs) > 2:
            self.stride *= 2
            self.epochs = {
                kept: value
                for kept, value in self.epochs.items()
                if kept % self.stride == 0 or kept == epoch
            }
