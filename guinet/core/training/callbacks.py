"""The callback vocabulary of the training engine, defined once.

A :class:`Callback` overrides the hooks it needs; the others do nothing.
The :class:`~guinet.core.training.trainer.Trainer` calls them in this order::

    on_fit_start
      on_epoch_start, on_batch_end × batches, on_epoch_end   (each epoch)
    on_exception                                            (only on an error)
    on_fit_end                                              (always, last)

Events come in between: ``on_checkpoint_saved`` after a checkpoint file was
written, ``on_checkpoint_failed`` when one could not be (training goes on), and
``on_step_end`` when a step asked for with
:meth:`~guinet.core.training.control.TrainingControl.step` is done.

``on_batch_end`` gets the batch loss as a 0-dim tensor still on the device:
reading it (``float(loss)``) waits for the device, so read it only when a
number must be shown — :class:`BatchProgress` does that at a bounded rate.
The trainer calls ``on_batch_end`` only on callbacks that override it.

Stateful callbacks (early stopping's patience, the best value so far) return
their state from :meth:`Callback.state_dict` — tensors and JSON values only,
so a checkpoint loads with ``weights_only=True`` — and take it back in
:meth:`Callback.load_state_dict` when a run resumes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

    from guinet.core.training.checkpoint_files import CheckpointInfo
    from guinet.core.training.control import StepReport
    from guinet.core.training.trainer import Trainer

Logs = dict[str, float]


class Callback:
    """Hooks with no-op defaults; ``epoch`` and ``batch`` count from 0."""

    #: The key under which the trainer stores this callback's state.
    @property
    def state_key(self) -> str:
        return type(self).__name__

    def on_fit_start(self, trainer: Trainer) -> None:
        """Training is about to start (or resume at ``trainer.start_epoch``)."""

    def on_epoch_start(self, trainer: Trainer, epoch: int) -> None:
        """An epoch is about to start."""

    def on_batch_end(
        self, trainer: Trainer, epoch: int, batch: int, loss: torch.Tensor
    ) -> None:
        """A weight update finished; ``loss`` is that batch's loss (on the device)."""

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: Logs) -> None:
        """An epoch finished; ``logs`` holds loss, metrics, val_*, lr, time."""

    def on_fit_end(self, trainer: Trainer) -> None:
        """Training ended: completed, stopped, diverged or failed. Always called."""

    def on_exception(self, trainer: Trainer, error: BaseException) -> None:
        """Training broke off with ``error``; ``on_fit_end`` follows."""

    def on_checkpoint_saved(self, trainer: Trainer, info: CheckpointInfo) -> None:
        """A checkpoint file was written (at an epoch end)."""

    def on_checkpoint_failed(self, trainer: Trainer, message: str) -> None:
        """Checkpoints stopped being saved; ``message`` says why. Training goes on."""

    def on_step_end(self, trainer: Trainer, report: StepReport) -> None:
        """A requested step (one batch, or to an epoch's end) is done and the
        trainer holds; ``report`` has the losses before and after it."""

    def state_dict(self) -> dict[str, Any]:
        """What a resumed run needs; empty for stateless callbacks."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Take back what :meth:`state_dict` returned."""


class History(Callback):
    """Every epoch's logs, in order. ``history["val_loss"]`` is one list."""

    def __init__(self) -> None:
        self.epochs: list[Logs] = []

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: Logs) -> None:
        self.epochs.append(dict(logs))

    def __len__(self) -> int:
        return len(self.epochs)

    def __iter__(self) -> Iterator[Logs]:
        return iter(self.epochs)

    def __getitem__(self, key: str) -> list[float | None]:
        return [logs.get(key) for logs in self.epochs]

    def __contains__(self, key: object) -> bool:
        return any(key in logs for logs in self.epochs)

    def keys(self) -> list[str]:
        seen: dict[str, None] = {}
        for logs in self.epochs:
            seen.update(dict.fromkeys(logs))
        return list(seen)

    @property
    def last(self) -> Logs | None:
        return self.epochs[-1] if self.epochs else None

    def to_dict(self) -> dict[str, list[float | None]]:
        """Key → one value per epoch (``None`` where an epoch lacks it)."""
        return {key: self[key] for key in self.keys()}

    def state_dict(self) -> dict[str, Any]:
        """The logs of every epoch; each epoch's dict is shared, not copied (a
        checkpoint is taken every epoch): recorded logs are never changed."""
        return {"epochs": list(self.epochs)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.epochs = [dict(logs) for logs in state.get("epochs", [])]


class MonitorCallback(Callback):
    """Watches one log value and remembers its best: the base of early stopping,
    best checkpoints and best-weights keeping.

    ``mode`` ``auto`` maximises accuracies and minimises everything else.
    Without a validation split a ``val_*`` monitor falls back to the training
    value of the same name. Non-finite values never count as improvements.
    """

    def __init__(
        self, monitor: str = "val_loss", mode: str = "auto", min_delta: float = 0.0
    ) -> None:
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be auto, min or max, not {mode!r}")
        self.monitor = monitor
        if mode == "auto":
            from guinet.core.training.metrics import metric_mode

            mode = metric_mode(monitor)
        self.mode = mode
        self.min_delta = abs(min_delta)
        self.best: float | None = None
        self.best_epoch: int | None = None

    def current(self, logs: Logs) -> float | None:
        """The monitored value in ``logs`` (with the ``val_`` fallback)."""
        value = logs.get(self.monitor)
        if value is None and self.monitor.startswith("val_"):
            value = logs.get(self.monitor[4:])
        return value

    def is_improvement(self, value: float | None) -> bool:
        if value is None or not math.isfinite(value):
            return False
        if self.best is None:
            return True
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def update_best(self, epoch: int, logs: Logs) -> bool:
        """Record ``logs``' value if it improves on the best; say whether it did."""
        value = self.current(logs)
        if not self.is_improvement(value):
            return False
        self.best, self.best_epoch = value, epoch
        return True

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "best_epoch": self.best_epoch}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best = state.get("best")
        self.best_epoch = state.get("best_epoch")


class BestWeights(MonitorCallback):
    """Keeps a copy of the weights of the best epoch so far (on the same device).

    The trainer always has one: when the loss turns NaN it goes back to these
    weights. Early stopping's ``restore_best`` can use it too.
    """

    def __init__(
        self, monitor: str = "val_loss", mode: str = "auto", min_delta: float = 0.0
    ) -> None:
        super().__init__(monitor, mode, min_delta)
        self.weights: dict[str, torch.Tensor] | None = None

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: Logs) -> None:
        if self.update_best(epoch, logs):
            self.weights = {
                k: v.detach().clone() for k, v in trainer.model.state_dict().items()
            }

    def restore(self, model: torch.nn.Module) -> bool:
        """Load the best weights into ``model``; False if there are none yet."""
        if self.weights is None:
            return False
        model.load_state_dict(self.weights)
        return True

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "weights": self.weights}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.weights = state.get("weights")


class BatchProgress(Callback):
    """Reports ``(epoch, batch, batches, loss)`` at most ``max_per_second`` times.

    The loss is read from the device only when a report is due, so a GUI
    progress bar costs one device sync per report, not one per batch. The
    last batch of each epoch is always reported.
    """

    def __init__(
        self,
        report: Callable[[int, int, int, float], None],
        max_per_second: float = 20.0,
    ) -> None:
        self.report = report
        self.interval = 1.0 / max_per_second if max_per_second > 0 else 0.0
        self._next = 0.0

    def on_batch_end(
        self, trainer: Trainer, epoch: int, batch: int, loss: torch.Tensor
    ) -> None:
        batches = trainer.batches_per_epoch
        now = time.monotonic()
        if now >= self._next or batch == batches - 1:
            self._next = now + self.interval
            self.report(epoch, batch, batches, float(loss))
