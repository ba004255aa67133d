"""Early stopping: end a run when the monitored value stops improving.

Keras and Lightning semantics, configured from the project's
``training.early_stopping`` section (:data:`EARLY_STOPPING_PARAMS` declares
every key once, for the project loader and the GUI's editors)::

    "early_stopping": {"enabled": true, "monitor": "val_loss", "mode": "auto",
                       "patience": 10, "min_delta": 0.0, "restore_best": true,
                       "min_delta_relative": false, "warmup": 0,
                       "baseline": null, "stop_at": null,
                       "divergence_threshold": null, "check_finite": true}

* An epoch *improves* when the monitored value beats the best so far by more
  than ``min_delta``: ``value < best - min_delta`` in ``min`` mode (``>``
  and ``+`` in ``max`` mode), so a tie is not an improvement. With
  ``min_delta_relative`` the margin is the fraction ``min_delta`` of the
  best value's magnitude (``0.01`` means 1 %).
* ``patience`` counts epochs (each epoch is one validation check) without an
  improvement; the run stops when that count reaches it.
* ``warmup`` epochs at the start are not judged (Keras' ``start_from_epoch``).
* ``baseline``: the count restarts only on an improvement that is also better
  than the baseline, so a run that never beats it stops after ``patience``.
* ``stop_at``: stop as soon as the value reaches it (``<=`` in ``min`` mode).
* ``divergence_threshold``: stop as soon as the value is worse than it.
* ``check_finite``: stop when the value becomes NaN or infinite.
* ``restore_best``: when the run ends, however it ends (completed, patience,
  a manual stop, NaN), the weights of the best epoch are put back and
  :attr:`EarlyStoppingStatus.restored_epoch` says which epoch they are from.

The GUI may change the settings while the run goes on
(:meth:`EarlyStopping.update`, thread-safe; the next epoch end uses them) and
read :meth:`EarlyStopping.status` at any time.
"""

from __future__ import annotations

import dataclasses
import math
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from guinet.core.params import Param
from guinet.core.sections import Section
from guinet.core.training.callbacks import Logs, MonitorCallback
from guinet.core.training.errors import ConfigError

if TYPE_CHECKING:
    import torch

    from guinet.core.training.trainer import Trainer

#: The keys of ``training.early_stopping``, declared once.
EARLY_STOPPING_PARAMS: tuple[Param, ...] = (
    Param(
        "enabled",
        "bool",
        True,
        "Stop when the monitored value stops improving.",
        label="On",
    ),
    Param(
        "monitor",
        "str",
        "val_loss",
        "The logged value to watch: val_loss, val_accuracy, loss, accuracy, …",
    ),
    Param(
        "mode",
        "choice",
        "auto",
        "min: lower is better; max: higher is better; auto: max for accuracies.",
        choices=("auto", "min", "max"),
    ),
    Param(
        "patience",
        "int",
        10,
        "Epochs without improvement before training stops.",
        minimum=0,
    ),
    Param(
        "min_delta",
        "float",
        0.0,
        "How much better a value must be to count as an improvement.",
        minimum=0.0,
        label="Min. improvement",
    ),
    Param(
        "min_delta_relative",
        "bool",
        False,
        "Read min_delta as a fraction of the best value (0.01 = 1 %).",
        label="Relative margin",
        advanced=True,
    ),
    Param(
        "warmup",
        "int",
        0,
        "Epochs at the start that are not judged.",
        minimum=0,
        label="Warm-up epochs",
        advanced=True,
    ),
    Param(
        "baseline",
        "float",
        None,
        "A value the run must beat within its patience, or it stops.",
        optional=True,
        advanced=True,
    ),
    Param(
        "stop_at",
        "float",
        None,
        "Stop as soon as the monitored value reaches this target.",
        optional=True,
        label="Stop at value",
        advanced=True,
    ),
    Param(
        "divergence_threshold",
        "float",
        None,
        "Stop as soon as the monitored value is worse than this.",
        optional=True,
        label="Stop if worse than",
        advanced=True,
    ),
    Param(
        "check_finite",
        "bool",
        True,
        "Stop when the monitored value becomes NaN or infinite.",
        advanced=True,
    ),
    Param(
        "restore_best",
        "bool",
        True,
        "When training ends, go back to the weights of the best epoch.",
        label="Restore best weights",
    ),
)

#: Why early stopping ended a run (:attr:`EarlyStoppingStatus.reason`).
REASONS = ("patience", "baseline", "stop_at", "divergence", "non_finite")


def resolve_mode(mode: str, monitor: str) -> str:
    """``auto`` maximises accuracies and minimises everything else."""
    if mode == "auto":
        from guinet.core.training.metrics import metric_mode

        return metric_mode(monitor)
    return mode


class EarlyStoppingSettings(Section):
    """The checked ``training.early_stopping`` section (see the module doc).

    Built from :data:`EARLY_STOPPING_PARAMS`, so every default lives there;
    ``null`` means switched off.
    """

    params = EARLY_STOPPING_PARAMS
    where = "training.early_stopping"
    error = ConfigError
    null_values: ClassVar[dict[str, Any]] = {"enabled": False}

    enabled: bool
    monitor: str
    mode: str
    patience: int
    min_delta: float
    min_delta_relative: bool
    warmup: int
    baseline: float | None
    stop_at: float | None
    divergence_threshold: float | None
    check_finite: bool
    restore_best: bool

    def _validate(self) -> None:
        if isinstance(self._raw.get("min_delta"), str):
            self._problems[:] = [
                p for p in self._problems if not p.where.endswith(".min_delta")
            ]
            self.add_problem(
                "min_delta",
                "min_delta must be a number; for a relative margin such as 1 % "
                'write "min_delta": 0.01, "min_delta_relative": true',
            )
        if not self.monitor.strip():
            self.add_problem("monitor", "monitor must name a logged value")

    def replace(self, **changes: Any) -> EarlyStoppingSettings:
        """A copy with ``changes``, checked like a project file's values."""
        unknown = set(changes) - {p.name for p in self.params}
        if unknown:
            raise ConfigError(
                f"early stopping has no setting {', '.join(sorted(unknown))}"
            )
        changed: EarlyStoppingSettings = super().replace(**changes)
        changed.check()
        return changed

    @property
    def resolved_mode(self) -> str:
        return resolve_mode(self.mode, self.monitor)


@dataclass(frozen=True)
class EarlyStoppingStatus:
    """What the GUI shows about early stopping; epochs count from 1.

    ``wait`` of ``patience``: "no improvement for 4 of 10 epochs".
    ``stopped_epoch``/``reason``/``message`` are set once it ended the run;
    ``restored_epoch`` once the best weights were put back.
    """

    enabled: bool
    monitor: str
    mode: str
    patience: int
    wait: int
    best: float | None
    best_epoch: int | None
    stopped_epoch: int | None = None
    reason: str | None = None
    message: str | None = None
    restored_epoch: int | None = None

    @property
    def stopped(self) -> bool:
        return self.stopped_epoch is not None

    def describe(self) -> str:
        """One line: the live state, or why it stopped and what was restored."""
        if not self.enabled:
            return "Early stopping is off."
        parts = []
        if self.message is not None:
            parts.append(self.message)
        elif self.best is None:
            parts.append(f"Watching {self.monitor}: no value yet.")
        else:
            parts.append(
                f"Best {self.monitor} {self.best:.4g} at epoch {self.best_epoch}; "
                f"no improvement for {self.wait} of {self.patience} epochs."
            )
        if self.restored_epoch is not None:
            parts.append(f"Restored the weights of epoch {self.restored_epoch}.")
        return " ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        if out["best"] is not None and not math.isfinite(out["best"]):
            out["best"] = None
        out["stopped"] = self.stopped
        return out


class EarlyStopping(MonitorCallback):
    """Stops the trainer when its monitored value stops improving; see the module.

    ``best_epoch``, ``stopped_epoch`` and ``restored_epoch`` are 0-based here
    like every hook's ``epoch``; :meth:`status` gives them counted from 1.
    When the trainer's own :class:`~.callbacks.BestWeights` recorded the same
    epoch, the best weights are shared with it rather than copied again.
    """

    def __init__(
        self, settings: EarlyStoppingSettings | None = None, **overrides: Any
    ) -> None:
        settings = settings if settings is not None else EarlyStoppingSettings()
        if overrides:
            settings = settings.replace(**overrides)
        super().__init__(settings.monitor, settings.mode, settings.min_delta)
        self._lock = threading.Lock()
        self._settings = settings
        self.wait = 0
        self.weights: dict[str, torch.Tensor] | None = None
        self.stopped_epoch: int | None = None
        self.reason: str | None = None
        self.message: str | None = None
        self.restored_epoch: int | None = None

    # -- settings -------------------------------------------------------------------
    @property
    def settings(self) -> EarlyStoppingSettings:
        return self._settings

    def update(self, **changes: Any) -> EarlyStoppingSettings:
        """Change settings, from any thread; the next epoch end uses them.

        ``monitor`` and ``mode`` are fixed once a value has been seen (the best
        so far would mean something else). Raises :class:`ConfigError` for a
        bad value and leaves the settings as they were.
        """
        with self._lock:
            new = self._settings.replace(**changes)
            old = self._settings
            if self.best is not None and (
                new.monitor != old.monitor or new.resolved_mode != old.resolved_mode
            ):
                raise ConfigError(
                    "early stopping's monitor and mode cannot change during a run"
                )
            self._settings = new
            self.monitor, self.mode = new.monitor, new.resolved_mode
            self.min_delta = new.min_delta
            return new

    def status(self) -> EarlyStoppingStatus:
        """A consistent snapshot of the live state (safe from any thread)."""
        with self._lock:
            s = self._settings
            return EarlyStoppingStatus(
                enabled=s.enabled,
                monitor=s.monitor,
                mode=s.resolved_mode,
                patience=s.patience,
                wait=self.wait,
                best=self.best,
                best_epoch=_human(self.best_epoch),
                stopped_epoch=_human(self.stopped_epoch),
                reason=self.reason,
                message=self.message,
                restored_epoch=_human(self.restored_epoch),
            )

    # -- judging --------------------------------------------------------------------
    def is_improvement(self, value: float | None) -> bool:
        if value is None or not math.isfinite(value):
            return False
        if self.best is None:
            return True
        s = self._settings
        delta = s.min_delta * abs(self.best) if s.min_delta_relative else s.min_delta
        if s.resolved_mode == "min":
            return value < self.best - delta
        return value > self.best + delta

    def _better(self, value: float, reference: float) -> bool:
        if self._settings.resolved_mode == "min":
            return value < reference
        return value > reference

    def on_fit_start(self, trainer: Trainer) -> None:
        with self._lock:
            self.stopped_epoch = self.reason = self.message = None
            self.restored_epoch = None

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: Logs) -> None:
        s = self._settings
        if not s.enabled:
            return
        value = self.current(logs)
        if value is None:
            return
        with self._lock:
            reason, message = self._judge(trainer, s, epoch, value)
            if reason is not None:
                self.stopped_epoch, self.reason, self.message = epoch, reason, message
        if reason is not None:
            trainer.stop(
                "non_finite" if reason == "non_finite" else "early_stopping", message
            )

    def _judge(
        self, trainer: Trainer, s: EarlyStoppingSettings, epoch: int, value: float
    ) -> tuple[str | None, str | None]:
        """Update best and wait for ``value``; the reason to stop, if any."""
        name, shown = s.monitor, f"{value:.4g}"
        if not math.isfinite(value) and s.check_finite:
            kept = (
                f"; the best was {self.best:.4g} in epoch {self.best_epoch + 1}"
                if self.best is not None and self.best_epoch is not None
                else ""
            )
            return "non_finite", (
                f"{name} became {shown} in epoch {epoch + 1}, so training stopped"
                f"{kept}. Try a lower learning rate, or scale the inputs (data "
                "scaling: standard)."
            )
        if epoch < s.warmup:
            return None, None
        improved = self.update_best(epoch, logs={name: value})
        if improved and s.restore_best:
            self.weights = self._copy_weights(trainer, epoch)
        beats_baseline = s.baseline is None or self._better(value, s.baseline)
        counting = not (improved and beats_baseline)
        self.wait = self.wait + 1 if counting else 0
        if s.stop_at is not None and (
            value == s.stop_at or self._better(value, s.stop_at)
        ):
            return "stop_at", (
                f"{name} reached the target {s.stop_at:g} ({shown}) in epoch "
                f"{epoch + 1}, so training stopped."
            )
        if s.divergence_threshold is not None and self._better(
            s.divergence_threshold, value
        ):
            return "divergence", (
                f"{name} {shown} in epoch {epoch + 1} is worse than the divergence "
                f"threshold {s.divergence_threshold:g}, so training stopped."
            )
        if counting and self.wait >= s.patience:
            best = f"{self.best:.4g} in epoch {(self.best_epoch or 0) + 1}"
            if s.baseline is not None and not (
                self.best is not None and self._better(self.best, s.baseline)
            ):
                return "baseline", (
                    f"{name} did not beat the baseline {s.baseline:g} within "
                    f"{s.patience} epochs (best {best}), so training stopped."
                )
            return "patience", (
                f"{name} did not improve for {self.wait} epochs (best {best}), so "
                "training stopped early."
            )
        return None, None

    def _copy_weights(self, trainer: Trainer, epoch: int) -> dict[str, torch.Tensor]:
        shared = getattr(trainer, "best", None)
        if (
            shared is not None
            and shared.best_epoch == epoch
            and shared.weights is not None
        ):
            return dict(shared.weights)
        return {k: v.detach().clone() for k, v in trainer.model.state_dict().items()}

    def on_fit_end(self, trainer: Trainer) -> None:
        s = self._settings
        if not (s.enabled and s.restore_best) or self.weights is None:
            return
        trainer.model.load_state_dict(self.weights)
        with self._lock:
            self.restored_epoch = self.best_epoch

    # -- resume -----------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                **super().state_dict(),
                "wait": self.wait,
                "weights": self.weights,
                "stopped_epoch": self.stopped_epoch,
                "reason": self.reason,
                "message": self.message,
            }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        with self._lock:
            super().load_state_dict(state)
            self.wait = int(state.get("wait", 0))
            self.weights = state.get("weights")
            self.stopped_epoch = state.get("stopped_epoch")
            self.reason = state.get("reason")
            self.message = state.get("message")


def _human(epoch: int | None) -> int | None:
    return None if epoch is None else epoch + 1
