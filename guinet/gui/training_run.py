"""One run at a time on the Train page: start, pause, stop, and what it reports.

:class:`RunController` starts a :class:`~guinet.gui.training_worker.TrainingRunner`
on a snapshot of the session's project and the session's prepared data. The
runner's signals only store what arrived; a 10 Hz timer draws it (progress,
status and log every tick, curves four times a second), so a fast run can
neither flood the window nor starve the training thread of the GIL.

Speed and steps: the page's speed slider sets the running run's pace (and the
next run's); Step batch / Step epoch release a paused run for one step, or
start a run held at its start, and the losses before and after the step are
logged and shown in the status line. "Same start" trains again from the last
run's initial weights and batch order (its
:class:`~guinet.core.training.same_start.RunStart`), keeping its curves as
dashed lines with a legend that names what that run set differently.

The one live setting is early stopping: the controller listens to
``project.training_changed`` — whatever made the change, a form edit, Undo or
a Fix — and passes the changed early-stopping values to the running
:class:`~guinet.core.training.early_stopping.EarlyStopping` (monitor and mode
stay as the run began).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from guinet.core.training.reporting import format_epoch
from guinet.gui.training_progress import RunProgress, outcome, sentence
from guinet.gui.training_worker import TrainingRunner

if TYPE_CHECKING:
    from guinet.core.project import Project
    from guinet.core.session import Session
    from guinet.core.training.same_start import RunStart
    from guinet.gui.checkpoint_list import CheckpointList
    from guinet.gui.curves import TrainingCurves
    from guinet.gui.training_controls import RunControls
    from guinet.gui.training_log import RunLog

REFRESH_MS = 100  # progress, status and log: at most 10 times a second
#: Curves redraw at most this often while training. A repaint holds the GIL
#: for milliseconds, and the worker needs the GIL between torch calls: at 20
#: redraws a second a small model trained about ten times slower.
CURVES_MS = 250
#: Early-stopping keys that cannot change once a run has seen a value.
FIXED_DURING_RUN = ("monitor", "mode")


class RunController(QObject):
    """Starts and steers runs; draws what they report on its collaborators."""

    running_changed = Signal(bool)  # a run started (True) or ended (False)
    start_failed = Signal(str)  # the run could not start: why
    run_ended = Signal(str)  # the status line it ended with
    notes_changed = Signal(list)  # the run's own notes (or a checkpoint's trouble)

    def __init__(
        self,
        session: Session,
        controls: RunControls,
        log: RunLog,
        curves: TrainingCurves,
        checkpoints: CheckpointList,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.controls, self.log = controls, log
        self.curves, self.checkpoints = curves, checkpoints
        self.last_summary: dict[str, Any] | None = None
        self.run_progress = RunProgress()
        self._curves_drawn_at = 0.0
        self._checkpoints_dirty = False
        #: The last run's start and settings, for "Same start" (None: none kept).
        self.last_start: RunStart | None = None
        self.last_settings: dict[str, Any] | None = None
        self._previous_label = ""
        self._step_text = ""
        self.runner = TrainingRunner(self)
        self.runner.run_started.connect(self._on_run_started)
        self.runner.epoch_finished.connect(self._on_epoch_finished)
        self.runner.batch_progressed.connect(self._on_batch_progressed)
        self.runner.step_finished.connect(self._on_step_finished)
        self.runner.training_finished.connect(self._on_training_finished)
        self.runner.training_failed.connect(self._on_training_failed)
        self.runner.run_ended.connect(self._on_run_ended)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        controls.train_button.clicked.connect(self.start)
        controls.pause_button.clicked.connect(self.toggle_pause)
        controls.stop_button.clicked.connect(self.request_stop)
        controls.same_start_button.clicked.connect(self.start_same)
        controls.step_batch_button.clicked.connect(self.step_batch)
        controls.step_epoch_button.clicked.connect(self.step_epoch)
        controls.pace_changed.connect(self.runner.set_pace)
        self._project: Project | None = None
        session.project_changed.connect(self._on_project_bound)
        self._on_project_bound()

    @property
    def is_training(self) -> bool:
        return self.runner.running

    def _on_project_bound(self) -> None:
        self.last_start, self.last_settings = None, None  # another project
        if self._project is not None:
            self._project.training_changed.disconnect(self._sync_early_stopping)
        self._project = self.session.project
        self._project.training_changed.connect(self._sync_early_stopping)

    # -- commands ----------------------------------------------------------------------
    @Slot()
    def start(
        self,
        resume_from: str | None = None,
        branch_from: str | None = None,
        *,
        step: str | None = None,
        same_start: bool = False,
    ) -> None:
        """Train a snapshot of the project as it is now (see TrainingPanel).

        ``step`` (``"batch"``/``"epoch"``): start held and run one step.
        ``same_start``: from the last run's initial weights and batch order.
        """
        if self.is_training or self.controls.blocked:
            return
        project = self.session.project
        start = self.last_start if same_start else None
        self._previous_label = ""
        if start is not None and self.last_settings is not None:
            from guinet.core.training.same_start import describe_change

            changed = describe_change(self.last_settings, project.to_dict())
            self._previous_label = (
                f"previous run: {changed}"
                if changed
                else "previous run (same settings)"
            )
        self._step_text = ""
        self.run_progress = RunProgress()
        self._curves_drawn_at = 0.0
        # the curves of the last run stay until this one has really started:
        # a model or data that cannot be used starts nothing and erases nothing
        self.log.reset()
        self.last_summary = None
        source = resume_from or branch_from
        verb = "Resuming" if resume_from else "Branching from" if branch_from else ""
        self.log.add(
            f"{verb} {Path(source).name}: preparing {project.name}…"
            if source
            else f"Preparing {project.name}…"
        )
        self.runner.start(
            project,
            self.session.prepared,
            device=self.session.run_device(),  # the preference, for "auto"
            resume_from=resume_from,
            branch_from=branch_from,
            epoch_seconds=self.controls.epoch_seconds,
            step=step,
            same_start=start,
        )
        self.checkpoints.set_busy(True)
        self.controls.show_busy("Preparing…")
        self.controls.set_status(
            "Preparing the data and building the model…", "running"
        )
        self._set_buttons()
        self.log.buffering = True
        self._timer.start()
        self.running_changed.emit(True)

    @Slot()
    def start_same(self) -> None:
        """Train again from the last run's initial weights (see :meth:`start`)."""
        if self.last_start is not None:
            self.start(same_start=True)

    @Slot()
    def step_batch(self) -> None:
        self._step("batch")

    @Slot()
    def step_epoch(self) -> None:
        self._step("epoch")

    def _step(self, kind: str) -> None:
        """One step of a paused run, or a new run held after its first step."""
        if not self.is_training:
            self.start(step=kind)
            self.controls.set_status(f"Stepping one {kind}…", "running")
            return
        if not self.runner.paused or self.runner.stopping:
            return
        self._step_text = ""
        self.run_progress.resume()
        self.runner.step(kind)
        self.controls.set_status(f"Stepping one {kind}…", "running")
        self._set_buttons()

    @Slot()
    def toggle_pause(self) -> None:
        if not self.is_training or self.runner.stopping:
            return
        self._step_text = ""
        if self.runner.paused:
            self.run_progress.resume()
            self.runner.resume()
            self.controls.set_status(self._running_text(), "running")
        else:
            self.run_progress.pause()
            self.runner.pause()
            self.controls.set_status("Pausing after this batch…", "paused")
        self._set_buttons()

    @Slot()
    def request_stop(self) -> None:
        if not self.is_training:
            return
        self.runner.request_stop()
        self.controls.set_status("Stopping after this batch…", "running")
        self._set_buttons()

    def abort(self, timeout_ms: int = 60_000) -> bool:
        """Stop a run and wait for its thread (closing, another project)."""
        if not self.is_training:
            return True
        ended = self.runner.abort(timeout_ms)
        self.refresh(final=True)
        self.log.add("Stopped: the run was abandoned.")
        self.log.flush()
        return ended

    def _set_buttons(self) -> None:
        running = self.is_training
        self.controls.set_buttons(
            running,
            paused=self.runner.paused and not self.runner.stepping,
            stopping=self.runner.stopping,
            same_start=self.last_start is not None,
        )

    # -- early stopping while a run goes on ------------------------------------------
    def _sync_early_stopping(self) -> None:
        """Give the running EarlyStopping the project's values (all but the
        fixed ones) where they differ from what it runs with."""
        early = self.runner.early_stopping
        if early is None or self._project is None:
            return  # idle, or still preparing: the run starts from the snapshot
        wanted = self._project.training.early_stopping
        running = early.settings
        changes = {
            param.name: getattr(wanted, param.name)
            for param in wanted.params
            if param.name not in FIXED_DURING_RUN
            and getattr(wanted, param.name) != getattr(running, param.name)
        }
        if not changes:
            if any(
                getattr(wanted, key) != getattr(running, key)
                for key in FIXED_DURING_RUN
            ):
                self.log.add(
                    "Early stopping's monitor and mode apply from the next run."
                )
            return
        from guinet.core.training import ConfigError

        try:
            early.update(**changes)
        except ConfigError as exc:
            self.log.add(f"⚠ Not changed for this run: {sentence(str(exc))}")
            return
        said = ", ".join(
            f"{key.replace('_', ' ')} {value}" for key, value in changes.items()
        )
        self.log.add(f"Early stopping for this run: {said} (from the next epoch).")
        self.curves.set_early_stopping(early.status().to_dict())
        self.refresh(final=True)

    # -- what the run reports (stored here, drawn by refresh) ------------------------
    @Slot(dict)
    def _on_run_started(self, info: dict) -> None:
        self.run_progress.start(info)
        epochs = self.run_progress.epochs
        if info.get("branched_from"):
            self.curves.keep_as_previous()  # the run it grew from, faded
        elif info.get("same_start"):
            self.curves.keep_as_previous(self._previous_label or "previous run")
        else:
            self.curves.forget_previous()
        self.curves.clear(
            epochs=epochs,
            metric=str(info["metric"]),
            lr=info.get("scheduler") is not None,
            history=info.get("history"),
        )
        if info.get("early_stopping"):
            self.curves.set_early_stopping(info["early_stopping"])
        self.checkpoints.show_folder(info.get("checkpoint_dir"))
        start = int(info.get("start_epoch") or 0)
        if info.get("resumed_from"):
            self.log.add(f"Resumed after epoch {start} of {info['resumed_from']}.")
        elif info.get("branched_from"):
            self.log.add(
                f"Branched from epoch {start} of {info['branched_from']} with the "
                "current settings; the earlier curves stay as faded lines."
            )
        elif info.get("same_start"):
            self.log.add(
                "Same start as the last run: its initial weights and batch order; "
                f"its curves stay, dashed ({self._previous_label})."
            )
        self.controls.reset_progress()
        val = info["val_samples"]
        self.log.add(
            f"Training on {info['device']}: {info['samples']:,} samples in "
            f"{info['batches']} batches of {info['batch_size']} per epoch, "
            f"{epochs} epochs"
            + (f", {val:,} for validation" if val else ", no validation split")
            + "."
        )
        schedule = f", {info['scheduler']}" if info.get("scheduler") else ""
        self.log.add(
            f"{info['loss']}, {info['optimizer']} (lr {info['lr']:g}){schedule}; "
            f"{info['parameters']:,} parameters."
        )
        for note in info.get("notes", []):
            self.log.add(f"Note: {note}")
        self._sync_early_stopping()  # edits made while it was preparing
        self.notes_changed.emit(list(info.get("notes", [])))
        if not self.runner.paused and not self.runner.stopping:
            self.controls.set_status(self._running_text(), "running")

    @Slot(dict, dict)
    def _on_epoch_finished(self, logs: dict, status: dict) -> None:
        self.curves.add_epoch(logs)
        if status:
            self.curves.set_early_stopping(status)
        self.run_progress.epoch_finished(logs)
        progress = self.run_progress
        self.log.add(format_epoch(logs, progress.epochs or progress.epochs_done))

    @Slot(int, int, int, float)
    def _on_batch_progressed(
        self, epoch: int, batch: int, batches: int, loss: float
    ) -> None:
        self.curves.add_batch(epoch, batch, batches, loss)
        self.run_progress.batch_finished(epoch, batch, batches)

    @Slot(dict)
    def _on_step_finished(self, report: dict) -> None:
        self._step_text = step_text(report)
        self.log.add(self._step_text)
        self.run_progress.pause()
        self._set_buttons()
        self.controls.set_status(f"{self._step_text} Step again, or Resume.", "paused")

    @Slot(dict)
    def _on_training_finished(self, summary: dict) -> None:
        self.last_summary = summary
        text, state = outcome(summary, self.run_progress.elapsed())
        speed = summary.get("train_samples_per_sec")
        self.log.add(
            f"{text} · {speed:,.0f} samples/s on {summary.get('device', '?')}"
            if speed
            else text
        )
        self.controls.set_status(text, state)
        for note in summary.get("history_notes") or ():
            self.log.add(f"Note: {note}")
        if summary.get("run_id") is not None:
            self.log.add(
                f"Kept as run {summary['run_id']} in the run history "
                f"({Path(str(summary.get('history_path'))).name})."
            )
        if summary.get("stop_reason") == "completed":
            self.controls.show_progress(1.0, self.controls.progress_text)
        status = summary.get("early_stopping")
        if status:
            self.curves.set_early_stopping(status)
            if status.get("stopped_epoch"):
                why = self.curves.stop_label().removeprefix("stopped: ")
                self.log.add(
                    f"Early stopping ended the run at epoch "
                    f"{status['stopped_epoch']}: {why}."
                )
            if status.get("restored_epoch"):
                self.log.add(f"Weights restored from epoch {status['restored_epoch']}.")

    @Slot(str)
    def _on_training_failed(self, message: str) -> None:
        self.last_summary = None
        self.log.add(f"⚠ {message}")
        if self.run_progress.started:  # broke off: the status says why
            self.controls.set_status(message, "failed")
        else:  # a problem with the settings, model or data: shown like a check's
            self.controls.set_status(
                "Could not start training; see the message below.", "failed"
            )
            self.start_failed.emit(message)

    @Slot()
    def _on_run_ended(self) -> None:
        job = self.runner.job
        if job is not None and self.run_progress.started:
            # a run that could not start (a changed layer stack) keeps the
            # last start on offer; a resumed run has none of its own
            self.last_start = job.run_start
            self.last_settings = job.project.to_dict() if job.run_start else None
        self._step_text = ""
        self.checkpoints.set_busy(False)
        self.refresh(final=True)
        self._timer.stop()
        self.log.buffering = False
        self.log.flush()
        if self.controls.progress.maximum() == 0:  # never got past preparing
            self.controls.reset_progress()
        self.controls.progress.setFormat(self.run_progress.text(final=True))
        self._set_buttons()
        if self.controls.state in ("running", "paused"):
            self.controls.set_status("Stopped.", "done")
        self.running_changed.emit(False)
        self.run_ended.emit(self.controls.status.text())

    # -- drawing -----------------------------------------------------------------------
    def mark_checkpoints_changed(self) -> None:
        """The checkpoint list is read again at the next curves refresh."""
        self._checkpoints_dirty = True

    @Slot()
    def refresh(self, final: bool = False) -> None:
        now = time.monotonic()
        if final or now - self._curves_drawn_at >= CURVES_MS / 1000:
            self._curves_drawn_at = now
            self.curves.refresh()
            if self._checkpoints_dirty:
                self._checkpoints_dirty = False
                self.checkpoints.refresh()
        self.log.flush()
        progress = self.run_progress
        if not progress.started:
            return
        if (
            self.runner.holding
            and self.controls.state == "paused"
            and not self._step_text
        ):
            where = progress.where()
            self.controls.set_status(
                f"Paused at {where}. Press Resume to go on." if where else "Paused.",
                "paused",
            )
        self.controls.show_progress(progress.fraction(), progress.text())

    def _running_text(self) -> str:
        device = self.run_progress.info.get("device", "")
        return f"Training on {device}…" if device else "Training…"


def step_text(report: dict[str, Any]) -> str:
    """One line for a finished step: where, and the losses before → after."""
    before, after = report.get("before", {}), report.get("after", {})

    def change(key: str) -> str:
        old, new = before.get(key), after.get(key)
        if new is None:
            return ""
        return f"{old:.4g} → {new:.4g}" if old is not None else f"→ {new:.4g}"

    epoch = int(report.get("epoch", 0)) + 1
    if report.get("kind") == "batch":
        batch = int(report.get("batch") or 0) + 1
        return (
            f"Step: epoch {epoch}, batch {batch} of {report.get('batches', '?')} — "
            f"loss on this batch {change('loss')}."
        )
    parts = [f"training loss {change('loss')}"]
    if after.get("val_loss") is not None:
        parts.append(f"validation loss {change('val_loss')}")
    return f"Step: epoch {epoch} — {', '.join(parts)}."
