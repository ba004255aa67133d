"""Record a training run into a :class:`~guinet.core.history.RunHistory`.

A :class:`HistoryRecorder` is a training callback: pass it to
:meth:`TrainingRun.fit(callbacks=[...]) <guinet.core.training.fit.TrainingRun.fit>`
and the run gets a ``running`` row at fit start, one committed transaction
per epoch (its logs and a heartbeat), and its status and metrics at fit end;
:meth:`HistoryRecorder.finish` adds the test metrics and the checkpoints the
run kept once ``fit`` has returned.

Writing the history must never break training: every write is guarded, and a
failure is logged and kept in :attr:`HistoryRecorder.notes`; the run goes on
(unrecorded from then on, if the row could not even be made).

With ``tensorboard=DIR`` the run's scalars are also written as TensorBoard
event files in ``DIR/<project> <run label>/`` (the ``tensorboard`` extra).
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import platform
import time
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guinet.core.history import RUN_STATUSES, RunHistory
from guinet.core.training.callbacks import Callback, Logs, MonitorCallback

if TYPE_CHECKING:
    from guinet.core.project import Project
    from guinet.core.training.checkpoint_files import CheckpointInfo
    from guinet.core.training.fit import FitResult
    from guinet.core.training.trainer import Trainer

log = logging.getLogger(__name__)

TENSORBOARD_MISSING = (
    "TensorBoard logging needs the tensorboard package: "
    "pip install 'guinet[tensorboard]'"
)


def versions() -> dict[str, str]:
    """The versions a run was made with (guinet, torch, python, numpy)."""
    import guinet

    out = {"guinet": guinet.__version__, "python": platform.python_version()}
    for name in ("torch", "numpy"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "?"
    return out


def status_of(stop_reason: str) -> str:
    """The history's status for a trainer's ``stop_reason``."""
    if stop_reason == "error":
        return "failed"
    return stop_reason if stop_reason in RUN_STATUSES else "stopped"


class HistoryRecorder(Callback):
    """Records one run; see the module's docstring. :attr:`run_id` is the
    run's id once fit has started (``None`` if it could not be recorded)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        project: Project,
        *,
        source: str = "gui",
        study: str | None = None,
        trial: int | None = None,
        params: Mapping[str, Any] | None = None,
        tensorboard: str | os.PathLike[str] | None = None,
        record: bool = True,
    ) -> None:
        self.path = Path(path)
        #: False: TensorBoard files only, the database is never opened
        self.record = record
        self.project_name = project.name
        # the settings as saved, taken now: later edits are not this run's
        self.settings = project.to_dict()
        self.source = source
        self.study = study
        self.trial = trial
        self.params = dict(params or {})
        self.tensorboard = Path(tensorboard) if tensorboard is not None else None
        self.run_id: int | None = None
        self.label: str | None = None
        self.notes: list[str] = []
        self.status: str | None = None
        self._history: RunHistory | None = None
        self._token: str | None = None
        self._started = 0.0
        self._monitor: MonitorCallback | None = None
        self._writer: Any = None
        self._failed = False

    @property
    def state_key(self) -> str:  # never stored in checkpoints (nothing to keep)
        return "HistoryRecorder"

    # -- hooks ----------------------------------------------------------------
    def on_fit_start(self, trainer: Trainer) -> None:
        self._started = time.time()
        self.status = "running"
        self._monitor = MonitorCallback(trainer.best.monitor, trainer.best.mode)
        if self.record:
            try:
                self._start_run(trainer)
            except Exception as exc:  # noqa: BLE001 - training must go on
                self._fail("start", exc)
        if self.tensorboard is not None:
            self._open_tensorboard()

    def _start_run(self, trainer: Trainer) -> None:
        self._history = RunHistory(self.path)
        self.run_id, self.label = self._history.start_run(
            {
                "project_name": self.project_name,
                "source": self.source,
                "started": self._started,
                "device": str(trainer.device),
                "versions": versions(),
                "settings": self.settings,
                "monitor": trainer.best.monitor,
                "checkpoint_dir": _checkpoint_folder(trainer),
                "study": self.study,
                "trial": self.trial,
                "params": self.params,
            }
        )
        self._token = self._history.token(self.run_id)

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: Logs) -> None:
        monitor = self._monitor
        if monitor is not None:
            monitor.update_best(epoch, logs)
        if self._writer is not None:
            try:
                for key, value in logs.items():
                    self._writer.add_scalar(key, value, epoch + 1)
            except Exception as exc:  # noqa: BLE001
                self._note(f"TensorBoard logging stopped: {exc}")
                self._writer = None
        if self._history is None or self.run_id is None:
            return
        try:
            self._history.record_epoch(
                self.run_id,
                epoch + 1,
                logs,
                epochs_run=trainer.start_epoch,
                **self._best(),
            )
        except Exception as exc:  # noqa: BLE001
            self._fail(f"epoch {epoch + 1}", exc)

    def on_checkpoint_saved(self, trainer: Trainer, info: CheckpointInfo) -> None:
        if self._history is None or self.run_id is None:
            return
        try:
            self._history.record_checkpoint(self.run_id, _checkpoint(info))
        except Exception as exc:  # noqa: BLE001
            self._fail("checkpoint", exc)

    def on_fit_end(self, trainer: Trainer) -> None:
        self.status = status_of(trainer.stop_reason)
        ended = time.time()
        if self._writer is not None:
            try:
                self._writer.close()
            except Exception as exc:  # noqa: BLE001
                self._note(f"TensorBoard logging failed: {exc}")
            self._writer = None
        if self._history is None or self.run_id is None:
            return
        try:
            self._history.end_run(
                self.run_id,
                self._token,
                status=self.status,
                ended=ended,
                duration=ended - self._started,
                epochs_run=trainer.start_epoch,
                **self._best(),
            )
        except Exception as exc:  # noqa: BLE001
            self._fail("end", exc)
        finally:
            self._close()

    # -- after fit ------------------------------------------------------------
    def finish(self, result: FitResult) -> None:
        """Add what only the finished run knows: test metrics, the monitored
        best as the run reports it, the checkpoints it kept."""
        if self.run_id is None:
            return
        try:
            with RunHistory(self.path) as history:
                history.end_run(
                    self.run_id,
                    test=dict(result.test),
                    monitor=result.monitor,
                    best=result.best,
                    best_epoch=result.best_epoch,
                    epochs_run=result.start_epoch + result.epochs_run,
                    checkpoint_dir=result.checkpoint_dir,
                )
                history.replace_checkpoints(
                    self.run_id, [_checkpoint(info) for info in result.checkpoints]
                )
        except Exception as exc:  # noqa: BLE001
            self._fail("finish", exc)

    def fail(self, message: str) -> None:
        """The run broke off before or outside fit (status ``failed``)."""
        if self.run_id is None:
            return
        try:
            with RunHistory(self.path) as history:
                history.end_run(self.run_id, self._token, status="failed")
        except Exception as exc:  # noqa: BLE001
            self._fail("fail", exc)

    # -- helpers ----------------------------------------------------------------
    def _best(self) -> dict[str, Any]:
        monitor = self._monitor
        if monitor is None or monitor.best is None or monitor.best_epoch is None:
            return {}
        return {"best": monitor.best, "best_epoch": monitor.best_epoch + 1}

    def _open_tensorboard(self) -> None:
        assert self.tensorboard is not None
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            self._note(TENSORBOARD_MISSING)
            return
        name = f"{self.project_name} {self.label or time.strftime('%Y%m%d-%H%M%S')}"
        folder = self.tensorboard / _safe_name(name)
        try:
            self._writer = SummaryWriter(log_dir=str(folder))
        except Exception as exc:  # noqa: BLE001
            self._note(f"TensorBoard logging failed: {exc}")

    def _fail(self, where: str, exc: BaseException) -> None:
        if not self._failed:
            self._failed = True
            self._note(
                f"The run history ({self.path}) could not be written ({where}): {exc}"
            )
        if where in ("start", "end"):
            self._close()

    def _note(self, text: str) -> None:
        log.warning("%s", text)
        self.notes.append(text)

    def _close(self) -> None:
        if self._history is not None:
            with contextlib.suppress(Exception):
                self._history.close()
            self._history = None


def tensorboard_available() -> bool:
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        return False
    return True


def _checkpoint_folder(trainer: Trainer) -> str | None:
    from guinet.core.training.checkpoints import ModelCheckpoint

    for cb in trainer.callbacks:
        if isinstance(cb, ModelCheckpoint):
            return str(cb.folder)
    return None


def _checkpoint(info: CheckpointInfo) -> dict[str, Any]:
    value = info.value
    return {
        "epoch": info.epoch,
        "path": str(info.path),
        "kind": info.kind,
        "monitor": info.monitor,
        "value": None if value is None or not math.isfinite(value) else value,
        "time": info.time,
    }


def _safe_name(name: str) -> str:
    keep = "".join(c if c.isalnum() or c in " ._-" else "-" for c in name).strip(" .")
    return keep[:80] or "run"
