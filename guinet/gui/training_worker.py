"""Training off the GUI thread: a worker in a QThread, steered by a runner.

:class:`TrainingRunner` lives in the GUI thread. :meth:`~TrainingRunner.start`
takes a snapshot of the project (``to_dict`` → ``from_dict``, a deep copy),
so edits made while the network trains never reach the run, and starts a
:class:`TrainingWorker` in a new QThread. Both are the worker base of
:mod:`guinet.gui.workers`, so training starts, is abandoned
(:meth:`~TrainingRunner.abort`) and is waited for on the same path as data
loading and the torch import; that module says why the wiring is what it is.

Inside the thread a :class:`Callback` turns the engine's hooks into signals
carrying plain values: every epoch end, batch progress at most
:data:`BATCH_REPORTS_PER_SECOND` times a second. Each signal carries the run's
number, and the runner drops those of a run it has abandoned, so a late signal
never lands in the next run. Stop and pause go through the engine's
thread-safe :class:`TrainingControl`, which is also how an abandoned run is
asked to end: the engine polls it between batches.

A job may go on from a checkpoint: *resume* continues that run exactly
(:func:`~guinet.core.training.resume.resume_run`), *branch* starts a new run
from its weights with the project's current settings
(:func:`~guinet.core.training.resume.branch_run`). Once the run is prepared the
worker puts its :class:`EarlyStopping` on the job, so the GUI can change the
patience of the running run (``EarlyStopping.update`` is thread-safe).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal, Slot

from guinet.core.model import ModelError, ModelSpec
from guinet.core.training import BatchProgress, Callback, TrainingControl
from guinet.core.training.snapshots import Snapshot, WeightSnapshots
from guinet.gui.workers import Worker, WorkerController

if TYPE_CHECKING:
    from guinet.core.data import PreparedData
    from guinet.core.history_recorder import HistoryRecorder
    from guinet.core.project import Project
    from guinet.core.training import FitResult, Logs, Trainer
    from guinet.core.training.checkpoints import CheckpointInfo
    from guinet.core.training.control import StepReport
    from guinet.core.training.early_stopping import EarlyStopping
    from guinet.core.training.same_start import RunStart

BATCH_REPORTS_PER_SECOND = 20.0
#: Live copies of a small model's weights within an epoch (the views redraw
#: from them; epoch ends are always copied).
WEIGHT_COPIES_PER_SECOND = 5.0


@dataclass
class TrainingJob:
    """One run: what it trains, how it is steered, and what it produced.

    Plain Python, shared by the runner (GUI thread) and the worker; the
    worker sets :attr:`result` before it reports the end of training.
    """

    run_id: int
    project: Project  # the snapshot taken at Start, never the live project
    prepared: PreparedData | None
    control: TrainingControl
    epochs: int | None = None
    device: str | None = None
    result: FitResult | None = None
    resume_from: str | None = None  # a checkpoint to continue exactly
    branch_from: str | None = None  # a checkpoint whose weights start a new run
    #: The run's early stopping, set by the worker once the run is prepared;
    #: its ``update``/``status`` are safe from the GUI thread.
    early_stopping: EarlyStopping | None = None
    #: Copies of a small model's weights (epoch ends kept, for replay); set
    #: by the worker as the run starts. See guinet.core.training.snapshots.
    snapshots: WeightSnapshots | None = None
    #: The model the run trains (its layers, the data's input shape) and the
    #: data it trains on, set by the worker once the run is prepared: what
    #: a view needs to rebuild the model from a snapshot's weights.
    model_spec: ModelSpec | None = None
    #: Start from this earlier run's start (same initial weights and batch
    #: order); see guinet.core.training.same_start.
    same_start: RunStart | None = None
    #: What this run started from, kept by the worker for "Train again from
    #: the same initial weights" (``None`` for a resumed run or a model too
    #: large to copy).
    run_start: RunStart | None = None
    #: Record the run in the project's run history (guinet.core.history).
    record_history: bool = True
    #: The run's id in that history and the history's file, once recorded.
    history_run: int | None = None
    history_path: str | None = None


class _SignalCallback(Callback):
    """Engine hooks → the worker's signals (called in the worker thread)."""

    def __init__(self, worker: TrainingWorker, run_id: int) -> None:
        self.worker = worker
        self.run_id = run_id

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: Logs) -> None:
        early = self.worker.job.early_stopping
        status = early.status().to_dict() if early is not None else {}
        self.worker.epoch_finished.emit(self.run_id, dict(logs), status)

    def on_checkpoint_saved(self, trainer: Trainer, info: CheckpointInfo) -> None:
        self.worker.checkpoint_saved.emit(self.run_id, info.to_dict())

    def on_checkpoint_failed(self, trainer: Trainer, message: str) -> None:
        self.worker.checkpoint_failed.emit(self.run_id, message)

    def on_step_end(self, trainer: Trainer, report: StepReport) -> None:
        self.worker.step_finished.emit(
            self.run_id,
            {
                "kind": report.kind,
                "epoch": report.epoch,
                "batch": report.batch,
                "batches": trainer.batches_per_epoch,
                "before": dict(report.before),
                "after": dict(report.after),
            },
        )


class TrainingWorker(Worker):
    """Prepares and trains one :class:`TrainingJob`; lives in its own QThread.

    Expected failures become one sentence in :attr:`training_failed`; anything
    else reaches the runner as the base's ``errored``.
    """

    run_started = Signal(int, dict)  # run id, facts about the run (see _describe)
    epoch_finished = Signal(int, dict, dict)  # run id, logs, early-stopping status
    checkpoint_saved = Signal(int, dict)  # run id, CheckpointInfo.to_dict()
    checkpoint_failed = Signal(int, str)  # run id, one sentence (training goes on)
    batch_progressed = Signal(int, int, int, int, float)  # id, epoch, batch, of, loss
    weights_copied = Signal(int, object)  # run id, a snapshots.Snapshot
    step_finished = Signal(int, dict)  # run id, a StepReport as plain values
    training_finished = Signal(int, dict)  # run id, FitResult.summary()
    training_failed = Signal(int, str)  # run id, one sentence
    #: run id, the run's id in the project's run history, that history's file:
    #: the run's record is complete (sent before training_finished/_failed)
    run_recorded = Signal(int, int, str)

    def __init__(self, job: TrainingJob) -> None:
        super().__init__(job.run_id)
        self.job = job

    def request_cancel(self) -> None:
        super().request_cancel()
        self.job.control.request_stop()  # the flag the engine already polls

    def _report_batch(self, epoch: int, batch: int, batches: int, loss: float) -> None:
        self.batch_progressed.emit(self.job.run_id, epoch, batch, batches, loss)

    def _report_weights(self, snapshot: Snapshot) -> None:
        self.weights_copied.emit(self.job.run_id, snapshot)

    def work(self) -> None:
        from guinet.core.training import TrainingError, TrainingFailed, prepare_run
        from guinet.core.training.checkpoints import CheckpointError

        job = self.job
        try:
            run, origin = self._prepare(prepare_run)
        except CheckpointError as exc:
            self.training_failed.emit(job.run_id, _sentence(exc))
            return
        except ModelError as exc:
            self.training_failed.emit(job.run_id, model_problem(str(exc)))
            return
        except ValueError as exc:  # data and settings errors: one sentence
            self.training_failed.emit(job.run_id, _sentence(exc))
            return
        job.early_stopping = run.early_stopping
        job.model_spec, job.prepared = run.model_spec, run.prepared
        info = _describe(run)
        info.update(origin)
        try:
            self._same_start(run, info)
        except TrainingError as exc:
            self.training_failed.emit(job.run_id, _sentence(exc))
            return
        self.run_started.emit(job.run_id, info)
        job.snapshots = WeightSnapshots(self._report_weights, WEIGHT_COPIES_PER_SECOND)
        callbacks: list[Callback] = [
            _SignalCallback(self, job.run_id),
            BatchProgress(self._report_batch, BATCH_REPORTS_PER_SECOND),
            job.snapshots,
        ]
        recorder = self._recorder()
        if recorder is not None:
            callbacks.append(recorder)
        try:
            job.result = run.fit(callbacks, job.control)
        except TrainingFailed as exc:
            self._recorded(recorder)
            self.training_failed.emit(job.run_id, _sentence(exc))
            return
        summary = job.result.summary()
        if recorder is not None:
            recorder.finish(job.result)
            self._recorded(recorder)
            summary["run_id"] = job.history_run
            summary["history_path"] = job.history_path
            summary["history_notes"] = list(recorder.notes)
        self.training_finished.emit(job.run_id, summary)

    def _recorder(self) -> HistoryRecorder | None:
        """The callback recording this run in the project's run history
        (never in the way of training: it keeps its failures as notes)."""
        from guinet.core.history import history_path
        from guinet.core.history_recorder import HistoryRecorder

        job = self.job
        if not job.record_history:
            return None
        return HistoryRecorder(history_path(job.project), job.project, source="gui")

    def _recorded(self, recorder: HistoryRecorder | None) -> None:
        if recorder is None or recorder.run_id is None:
            return
        self.job.history_run = recorder.run_id
        self.job.history_path = str(recorder.path)
        self.run_recorded.emit(self.job.run_id, recorder.run_id, str(recorder.path))

    def _same_start(self, run: Any, info: dict[str, Any]) -> None:
        """Apply the job's same start (may raise TrainingError), then keep
        this run's own start for the next "train again"."""
        from guinet.core.training.same_start import RunStart, StartTooLarge

        job = self.job
        if job.resume_from:
            return  # a resumed run goes on from a checkpoint: no start of its own
        if job.same_start is not None:
            job.same_start.apply(run)
            info["same_start"] = True
        try:
            job.run_start = RunStart.capture(run)
        except StartTooLarge as exc:
            info.setdefault("notes", []).append(
                f"Train again from the same initial weights is not offered: {exc}."
            )

    def _prepare(self, prepare_run: Any) -> tuple[Any, dict[str, Any]]:
        """The run to fit, and where it starts (plain values for ``run_started``)."""
        from guinet.core.training.resume import as_checkpoint, branch_run, resume_run

        job = self.job
        source = job.resume_from or job.branch_from
        options: dict[str, Any] = {
            "epochs": job.epochs,
            "device": job.device,
            "prepared": job.prepared,
        }
        if source is None:
            return prepare_run(job.project, **options), {"start_epoch": 0}
        ckpt = as_checkpoint(source)
        if job.resume_from is not None:
            run = resume_run(ckpt, job.project, **options)
        else:
            # its own folder, so the branch never overwrites the checkpoints
            # (last.ckpt, the best) of the run it grew from
            stamp = time.strftime("%Y%m%d-%H%M%S")
            folder = Path(ckpt.path).parent / f"branch-epoch{ckpt.epoch}-{stamp}"
            run = branch_run(ckpt, job.project, checkpoint_dir=folder, **options)
        origin = {
            "start_epoch": int(ckpt.epoch),
            "history": [dict(logs) for logs in ckpt.history],
            "resumed_from" if job.resume_from else "branched_from": str(ckpt.path),
        }
        return run, origin


def _describe(run: Any) -> dict[str, Any]:
    trainer = run.trainer
    config = run.config
    return {
        "device": str(run.device),
        "epochs": int(trainer.epochs),
        "batches": int(trainer.batches_per_epoch),
        "batch_size": int(trainer.batch_size),
        "samples": int(trainer.n_used),
        "val_samples": int(run.tensors.x_val.shape[0]),
        "test_samples": int(run.tensors.x_test.shape[0]),
        "parameters": int(sum(p.numel() for p in run.model.parameters())),
        "metric": run.plan.metric,
        "loss": run.plan.loss.type,
        "optimizer": config.optimizer.type,
        "lr": float(config.lr),
        "scheduler": config.scheduler.type if config.scheduler else None,
        "notes": list(run.notes),
        "checkpoint_dir": str(run.checkpoint.folder) if run.checkpoint else None,
        "early_stopping": (
            run.early_stopping.status().to_dict() if run.early_stopping else None
        ),
    }


def _sentence(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text[0].upper() + text[1:]


def model_problem(text: str) -> str:
    """A layer-stack problem, said the same way before and during a run."""
    text = text.strip().rstrip(".")
    return f"The model cannot be built — {text}. Fix it on the Model page."


class TrainingRunner(WorkerController):
    """Starts, steers and ends training runs, one at a time (GUI thread).

    Its signals are the worker's, without the run number, for the current
    run only. :attr:`run_ended` comes last, once the thread has ended or
    :meth:`abort` has given up on it.
    """

    run_started = Signal(dict)
    epoch_finished = Signal(dict, dict)  # logs, early-stopping status (or {})
    checkpoint_saved = Signal(dict)
    checkpoint_failed = Signal(str)
    batch_progressed = Signal(int, int, int, float)  # epoch, batch, batches, loss
    #: a copy of a small model's weights (a snapshots.Snapshot): before the
    #: first step, a few times a second within an epoch, and each epoch's end
    weights_copied = Signal(object)
    #: a step is done and the run holds: kind, epoch, batch, batches, the
    #: losses before and after (see core.training.control.StepReport)
    step_finished = Signal(dict)
    training_finished = Signal(dict)
    training_failed = Signal(str)
    #: the run's id in the project's run history and that history's file,
    #: once its record is complete (finished, stopped or failed)
    run_recorded = Signal(int, str)
    run_ended = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__("guinet-training", parent)
        self.job: TrainingJob | None = None

    # -- state ------------------------------------------------------------------
    @property
    def paused(self) -> bool:
        """A pause was requested (the trainer holds at the next batch end)."""
        return self.job is not None and self.running and self.job.control.paused

    @property
    def holding(self) -> bool:
        """The trainer has reached the pause and is waiting."""
        return (
            self.paused and self.job is not None and self.job.control.waiting.is_set()
        )

    @property
    def early_stopping(self) -> EarlyStopping | None:
        """The running run's early stopping (``None`` before it is prepared)."""
        return (
            self.job.early_stopping if self.job is not None and self.running else None
        )

    @property
    def stopping(self) -> bool:
        return self.running and self.job is not None and self.job.control.stop_requested

    # -- commands -----------------------------------------------------------------
    def start(
        self,
        project: Project,
        prepared: PreparedData | None = None,
        *,
        epochs: int | None = None,
        device: str | None = None,
        resume_from: str | None = None,
        branch_from: str | None = None,
        epoch_seconds: float = 0.0,
        step: str | None = None,
        same_start: RunStart | None = None,
    ) -> TrainingJob:
        """Train a snapshot of ``project`` in a new thread; returns the job.

        ``resume_from`` continues that checkpoint's run; ``branch_from`` starts
        a new run from its weights with the snapshot's settings.
        ``epoch_seconds``: the pace (0: full speed). ``step`` (``"batch"`` or
        ``"epoch"``): start held, and run that one step first.
        ``same_start``: start from an earlier run's initial weights and batch
        order (its :attr:`TrainingJob.run_start`).
        """
        if self.running:
            raise RuntimeError("a training run is already in progress")

        snapshot = project.copy()
        control = TrainingControl(epoch_seconds)
        if step is not None:
            control.pause()
            if step == "epoch":
                control.step_epoch()
            else:
                control.step(1)
        job = TrainingJob(
            self._next_run_id(),
            snapshot,
            prepared,
            control,
            epochs,
            device,
            resume_from=resume_from,
            branch_from=branch_from,
            same_start=same_start,
        )
        worker = TrainingWorker(job)
        worker.run_started.connect(self._on_run_started)
        worker.epoch_finished.connect(self._on_epoch_finished)
        worker.batch_progressed.connect(self._on_batch_progressed)
        worker.weights_copied.connect(self._on_weights_copied)
        worker.step_finished.connect(self._on_step_finished)
        worker.checkpoint_saved.connect(self._on_checkpoint_saved)
        worker.checkpoint_failed.connect(self._on_checkpoint_failed)
        worker.training_finished.connect(self._on_training_finished)
        worker.training_failed.connect(self._on_training_failed)
        worker.run_recorded.connect(self._on_run_recorded)
        self.job = job
        self._launch(worker)
        return job

    def request_stop(self) -> None:
        """Stop after the current batch; the run reports its end as usual."""
        if self.job is not None and self.running:
            self.job.control.request_stop()

    def pause(self) -> None:
        if self.job is not None and self.running:
            self.job.control.pause()

    def resume(self) -> None:
        if self.job is not None and self.running:
            self.job.control.resume()

    def set_pace(self, epoch_seconds: float) -> None:
        """Each epoch of the running run takes at least ``epoch_seconds``."""
        if self.job is not None and self.running:
            self.job.control.set_pace(epoch_seconds)

    def step(self, kind: str = "batch") -> None:
        """Run one batch (``"batch"``) or to the epoch's end (``"epoch"``),
        then hold; see :meth:`TrainingControl.step`."""
        if self.job is None or not self.running:
            return
        if kind == "epoch":
            self.job.control.step_epoch()
        else:
            self.job.control.step(1)

    @property
    def stepping(self) -> bool:
        """A step was asked for and is not done yet."""
        return (
            self.job is not None
            and self.running
            and self.job.control.stepping is not None
        )

    def abort(self, timeout_ms: int = 60_000) -> bool:
        """Stop, wait for the thread and forget the run (closing, new project).

        The base's :meth:`~guinet.gui.workers.WorkerController.stop`: signals
        the run had already sent are dropped; ``False`` if the thread did not
        end in time (it is then kept until it ends, never destroyed running).
        """
        return self.stop(timeout_ms)

    # -- relays (GUI thread) ------------------------------------------------------
    def _deliver_error(self, error: BaseException) -> None:
        self.training_failed.emit(f"Training failed: {type(error).__name__}: {error}")

    def _after_run(self) -> None:
        self.run_ended.emit()

    @Slot(int, dict)
    def _on_run_started(self, run_id: int, info: dict) -> None:
        if self.is_current(run_id):
            self.run_started.emit(info)

    @Slot(int, dict, dict)
    def _on_epoch_finished(self, run_id: int, logs: dict, status: dict) -> None:
        if self.is_current(run_id):
            self.epoch_finished.emit(logs, status)

    @Slot(int, dict)
    def _on_checkpoint_saved(self, run_id: int, info: dict) -> None:
        if self.is_current(run_id):
            self.checkpoint_saved.emit(info)

    @Slot(int, str)
    def _on_checkpoint_failed(self, run_id: int, message: str) -> None:
        if self.is_current(run_id):
            self.checkpoint_failed.emit(message)

    @Slot(int, int, int, int, float)
    def _on_batch_progressed(
        self, run_id: int, epoch: int, batch: int, batches: int, loss: float
    ) -> None:
        if self.is_current(run_id):
            self.batch_progressed.emit(epoch, batch, batches, loss)

    @Slot(int, object)
    def _on_weights_copied(self, run_id: int, snapshot: object) -> None:
        if self.is_current(run_id):
            self.weights_copied.emit(snapshot)

    @Slot(int, dict)
    def _on_step_finished(self, run_id: int, report: dict) -> None:
        if self.is_current(run_id):
            self.step_finished.emit(report)

    @Slot(int, dict)
    def _on_training_finished(self, run_id: int, summary: dict) -> None:
        if self.is_current(run_id):
            self.training_finished.emit(summary)

    @Slot(int, str)
    def _on_training_failed(self, run_id: int, message: str) -> None:
        if self.is_current(run_id):
            self.training_failed.emit(message)

    @Slot(int, int, str)
    def _on_run_recorded(self, run_id: int, history_run: int, path: str) -> None:
        if self.is_current(run_id):
            self.run_recorded.emit(history_run, path)
