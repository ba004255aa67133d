"""The Train page: settings, Train/Pause/Stop, progress, live curves and a log.

The settings column (:class:`~guinet.gui.training_form.TrainingForm`) edits
``project.training`` through undoable commands. Train hands a snapshot of the
project to a :class:`~guinet.gui.training_worker.TrainingRunner`, which trains
it in a QThread; its signals only store what arrived, and a 20 Hz timer draws
it (progress and log ten times a second, curves four times), so a fast run
can neither flood the window nor starve the training thread of the GIL. Before a
run, and whenever the settings, the model or the data change, the page checks
what the engine would refuse (settings, device, model, loss against output)
and says so above the plots, where the person is looking.

Early stopping is drawn on the curves (best epoch, the patience count-down,
where and why it stopped, whose weights were restored), and a patience edited
while a run trains reaches that run (``EarlyStopping.update``, thread-safe).
The Checkpoints tab beside the run log lists the run's checkpoint folder and
loads, resumes or branches from a file.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QFontDatabase, QShowEvent, QUndoStack
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStyle,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from guinet.core.training.reporting import format_epoch
from guinet.gui.checkpoint_list import CheckpointList
from guinet.gui.curves import TrainingCurves
from guinet.gui.training_checkpoints import CheckpointActions
from guinet.gui.training_form import TrainingForm
from guinet.gui.training_progress import RunProgress, outcome, sentence
from guinet.gui.training_worker import TrainingRunner, model_problem

if TYPE_CHECKING:
    from guinet.core.data import PreparedData
    from guinet.core.project import Project
    from guinet.core.session import Session

REFRESH_MS = 100  # progress, status and log: at most 10 times a second
#: Curves redraw at most this often while training. A repaint holds the GIL
#: for milliseconds, and the worker needs the GIL between torch calls: at 20
#: redraws a second a small model trained about ten times slower.
CURVES_MS = 250
LOG_LINES = 10_000


class TrainingPanel(QWidget, CheckpointActions):
    """Train the current project and watch it learn."""

    status_message = Signal(str)
    training_changed = Signal(bool)  # a run started (True) or ended (False)

    def __init__(
        self, session: Session, undo_stack: QUndoStack, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("trainingPanel")
        self.session = session
        self.undo_stack = undo_stack
        self.project: Project | None = None
        #: Where to get data that is already prepared (the session's).
        self.prepared_provider: Callable[[], PreparedData | None] | None = lambda: (
            session.prepared
        )
        self.problem_text = ""
        self._start_failure: str | None = None
        self.last_summary: dict[str, Any] | None = None
        #: Weights loaded from a checkpoint ("Load weights into the model"):
        #: the state_dict, and where it came from; for predictions and exports.
        self.loaded_weights: dict[str, Any] | None = None
        self.loaded_from: dict[str, Any] | None = None
        self._pending_stopping: dict[str, Any] = {}
        self._run_ids: set[str] = set()
        self._checkpoints_dirty = False
        self._checkpoint_problem = False  # the message area shows a checkpoint's
        self.runner = TrainingRunner(self)
        self.runner.run_started.connect(self._on_run_started)
        self.runner.epoch_finished.connect(self._on_epoch_finished)
        self.runner.batch_progressed.connect(self._on_batch_progressed)
        self.runner.checkpoint_saved.connect(self._on_checkpoint_saved)
        self.runner.checkpoint_failed.connect(self._on_checkpoint_failed)
        self.runner.training_finished.connect(self._on_training_finished)
        self.runner.training_failed.connect(self._on_training_failed)
        self.runner.run_ended.connect(self._on_run_ended)
        self._reset_run_state()

        self._check_timer = QTimer(self)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(120)
        self._check_timer.timeout.connect(self.check)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(REFRESH_MS)
        self._refresh_timer.timeout.connect(self._refresh)
        self._build()
        self._set_idle()
        session.project_changed.connect(self._on_project_bound)
        session.data_changed.connect(self.schedule_check)
        self._on_project_bound()

    def _on_project_bound(self) -> None:
        self.bind(self.session.project)

    # -- layout ------------------------------------------------------------------------
    def _build(self) -> None:
        self.form = TrainingForm(self.undo_stack)
        self.form.section_edited.connect(self._on_section_edited)
        scroll = QScrollArea()
        scroll.setObjectName("trainForm")
        scroll.setWidget(self.form)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(330)

        style = self.style()
        self.train_button = QPushButton("Train")
        self.train_button.setObjectName("trainButton")
        self.train_button.setIcon(
            style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay)
        )
        self.train_button.setToolTip("Train the model with these settings")
        self.train_button.clicked.connect(self.start_training)
        self.pause_button = QPushButton("Pause")
        self.pause_button.setObjectName("pauseButton")
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("stopButton")
        self.stop_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaStop))
        self.stop_button.setToolTip(
            "Stop after the current batch; the curves and the log stay"
        )
        self.stop_button.clicked.connect(self.request_stop)
        self.progress = QProgressBar()
        self.progress.setObjectName("trainProgress")
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(True)
        controls = QHBoxLayout()
        controls.setSpacing(6)
        controls.addWidget(self.train_button)
        controls.addWidget(self.pause_button)
        controls.addWidget(self.stop_button)
        controls.addSpacing(6)
        controls.addWidget(self.progress, 1)

        self.status = QLabel()
        self.status.setObjectName("trainStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.message = QLabel()
        self.message.setObjectName("trainMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.message.hide()
        self.notes = QLabel()
        self.notes.setObjectName("trainNotes")
        self.notes.setWordWrap(True)
        self.notes.hide()

        self.curves = TrainingCurves()
        curves_box = QWidget()
        curves_box.setObjectName("curvesBox")
        curves_box.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        box_layout = QVBoxLayout(curves_box)
        box_layout.setContentsMargins(8, 6, 8, 8)
        box_layout.addWidget(self.curves)
        self.log = QPlainTextEdit()
        self.log.setObjectName("runLog")
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(LOG_LINES)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(max(8.0, font.pointSizeF() - 1))
        self.log.setFont(font)
        self.log.setPlaceholderText("Each epoch adds a line here.")

        self.checkpoints = CheckpointList()
        self.checkpoints.load_requested.connect(self.load_weights)
        self.checkpoints.resume_requested.connect(self.resume_from)
        self.checkpoints.branch_requested.connect(self.branch_from)
        self.bottom_tabs = QTabWidget()
        self.bottom_tabs.setObjectName("runTabs")
        self.bottom_tabs.setDocumentMode(True)
        self.bottom_tabs.addTab(self.log, "Run log")
        self.bottom_tabs.addTab(self.checkpoints, "Checkpoints")

        plots_and_log = QSplitter(Qt.Orientation.Vertical)
        plots_and_log.addWidget(curves_box)
        plots_and_log.addWidget(self.bottom_tabs)
        plots_and_log.setStretchFactor(0, 3)
        plots_and_log.setStretchFactor(1, 1)
        plots_and_log.setSizes([460, 170])
        plots_and_log.setChildrenCollapsible(False)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(4, 0, 0, 0)
        right_layout.setSpacing(6)
        right_layout.addLayout(controls)
        right_layout.addWidget(self.status)
        right_layout.addWidget(self.message)
        right_layout.addWidget(self.notes)
        right_layout.addWidget(plots_and_log, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(scroll)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([350, 850])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(splitter)

    # -- binding -----------------------------------------------------------------------
    def bind(self, project: Project) -> None:
        """Show ``project``; a run in progress must have been stopped first."""
        if self.project is not None:
            self.project.changed.disconnect(self._on_project_changed)
            self.project.model.changed.disconnect(self.schedule_check)
        self.project = project
        project.changed.connect(self._on_project_changed)
        project.model.changed.connect(self.schedule_check)
        self.form.bind(project)
        self.curves.forget_previous()
        self.curves.clear()
        self.log.clear()
        self.last_summary = None
        self.loaded_weights = self.loaded_from = None
        self.checkpoints.show_folder(self._checkpoint_folder())
        self._show_notes([])
        self._set_idle()
        self.check()

    def refresh(self) -> None:
        """Torch has loaded: list the real devices and check the settings again."""
        self.form.refresh_devices()
        self.schedule_check()

    @Slot()
    def schedule_check(self, *_args: Any) -> None:
        self._check_timer.start()

    def _on_project_changed(self) -> None:
        if not self.is_training and self.status.property("state") == "idle":
            self._set_idle()
        self.schedule_check()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        self.schedule_check()

    @property
    def is_training(self) -> bool:
        return self.runner.running

    # -- checks before a run -----------------------------------------------------------
    @Slot()
    def check(self) -> None:
        """Show what would stop a run now (settings, device, model, loss vs output)."""
        self._check_timer.stop()
        problem, notes = self._problems()
        start_failure = self._start_failure
        self.show_problem(problem)
        if not self.is_training:
            self._show_notes(notes)
            if start_failure is not None and problem != start_failure:
                self._start_failure = None  # the reason it would not start is gone
                self._set_idle()
            elif self.status.property("state") == "idle":
                self._set_idle()

    def _problems(self) -> tuple[str | None, list[str]]:
        from guinet.core.training import (
            ConfigError,
            TrainingError,
            plan_for_data,
            resolve_device,
        )
        from guinet.gui import torch_loader

        project = self.project
        if project is None:
            return None, []
        try:
            config = project.training.check()
        except ConfigError as exc:
            return sentence(str(exc)), []
        if torch_loader.is_ready() and torch_loader.error() is None:
            try:
                resolve_device(config.device)
            except TrainingError as exc:
                return sentence(str(exc)), []
        if project.data is None or not project.data.has_source:
            return (
                "No data yet: choose a built-in dataset or open a file on the Data "
                "page, then come back to train.",
                [],
            )
        if not torch_loader.is_ready() or torch_loader.error() is not None:
            return torch_loader.error(), []
        prepared = self.prepared_provider() if self.prepared_provider else None
        model = project.model
        if prepared is None or model.input_shape != tuple(prepared.input_shape):
            return None, []  # the run itself will prepare the data and check
        analysis = model.analyze()
        first = analysis.first_error
        if first is not None:
            index, text = first
            where = (
                f"layer {index + 1} ({model.layers[index].type}): "
                if index is not None
                else ""
            )
            return model_problem(where + text), []
        loss = self.session.loss()  # the project's, or auto's pick
        if loss is None:
            return None, []
        try:
            plan = plan_for_data(model, loss, prepared)
        except TrainingError as exc:
            return sentence(str(exc)), []
        return None, list(plan.notes)

    def show_problem(self, message: str | None) -> None:
        self.problem_text = message or ""
        self.message.setText(f"⚠ {message}" if message else "")
        self.message.setVisible(bool(message))

    def _show_notes(self, notes: list[str]) -> None:
        self.notes.setText("\n".join(f"ℹ {note}" for note in notes))
        self.notes.setVisible(bool(notes))

    # -- commands ----------------------------------------------------------------------
    @Slot()
    def start_training(
        self, resume_from: str | None = None, branch_from: str | None = None
    ) -> None:
        """Train a snapshot of the project as it is now.

        ``resume_from``: continue that checkpoint's run exactly;
        ``branch_from``: a new run from its weights (the curves it started
        from stay, faded).
        """
        if self.project is None or self.is_training:
            return
        prepared = self.prepared_provider() if self.prepared_provider else None
        self._reset_run_state()
        if branch_from is not None:
            self.curves.keep_as_previous()
        else:
            self.curves.forget_previous()
        self.curves.clear()
        self.log.clear()
        self.last_summary = None
        self._start_failure = None
        self._pending_stopping = {}
        self._run_ids = set()
        self._show_notes([])
        if self._checkpoint_problem:  # replaced by what the checks say now
            self._checkpoint_problem = False
            self.check()
        source = resume_from or branch_from
        verb = "Resuming" if resume_from else "Branching from" if branch_from else ""
        self._log(
            f"{verb} {Path(source).name}: preparing {self.project.name}…"
            if source
            else f"Preparing {self.project.name}…"
        )
        self.runner.start(
            self.project, prepared, resume_from=resume_from, branch_from=branch_from
        )
        self.checkpoints.set_busy(True)
        self.progress.setRange(0, 0)  # busy until the data is ready
        self.progress.setFormat("Preparing…")
        self._set_status("Preparing the data and building the model…", "running")
        self._set_buttons(running=True)
        self._refresh_timer.start()
        self.training_changed.emit(True)

    @Slot()
    def toggle_pause(self) -> None:
        if not self.is_training or self.runner.stopping:
            return
        if self.runner.paused:
            self.run_progress.resume()
            self.runner.resume()
            self._set_status(self._running_text(), "running")
        else:
            self.run_progress.pause()
            self.runner.pause()
            self._set_status("Pausing after this batch…", "paused")
        self._set_buttons(running=True)

    @Slot()
    def request_stop(self) -> None:
        if not self.is_training:
            return
        self.runner.request_stop()
        self._set_status("Stopping after this batch…", "running")
        self.stop_button.setEnabled(False)
        self.pause_button.setEnabled(False)

    def stop_training(self, timeout_ms: int = 60_000) -> bool:
        """Stop a run and wait for its thread (closing, another project)."""
        if not self.is_training:
            return True
        ended = self.runner.abort(timeout_ms)
        self._refresh(final=True)
        self._log("Stopped: the run was abandoned.")
        self._flush_log()
        return ended

    # -- what the run reports (stored here, drawn by _refresh) ----------------------
    @Slot(dict)
    def _on_run_started(self, info: dict) -> None:
        self.run_progress.start(info)
        epochs = self.run_progress.epochs
        self.curves.clear(
            epochs=epochs,
            metric=str(info["metric"]),
            lr=info.get("scheduler") is not None,
            history=info.get("history"),
        )
        if info.get("early_stopping"):
            self.curves.set_early_stopping(info["early_stopping"])
        folder = info.get("checkpoint_dir")
        self.checkpoints.show_folder(folder)
        start = int(info.get("start_epoch") or 0)
        if info.get("resumed_from"):
            self._log(f"Resumed after epoch {start} of {info['resumed_from']}.")
        elif info.get("branched_from"):
            self._log(
                f"Branched from epoch {start} of {info['branched_from']} with the "
                "current settings; the earlier curves stay as faded lines."
            )
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        val = info["val_samples"]
        self._log(
            f"Training on {info['device']}: {info['samples']:,} samples in "
            f"{info['batches']} batches of {info['batch_size']} per epoch, "
            f"{epochs} epochs"
            + (f", {val:,} for validation" if val else ", no validation split")
            + "."
        )
        schedule = f", {info['scheduler']}" if info.get("scheduler") else ""
        self._log(
            f"{info['loss']}, {info['optimizer']} (lr {info['lr']:g}){schedule}; "
            f"{info['parameters']:,} parameters."
        )
        for note in info.get("notes", []):
            self._log(f"Note: {note}")
        early = self.runner.early_stopping
        if self._pending_stopping and early is not None:
            pending, self._pending_stopping = self._pending_stopping, {}
            self._update_stopping(early, pending)
        self._show_notes(list(info.get("notes", [])))
        if not self.runner.paused and not self.runner.stopping:
            self._set_status(self._running_text(), "running")

    @Slot(dict, dict)
    def _on_epoch_finished(self, logs: dict, status: dict) -> None:
        self.curves.add_epoch(logs)
        if status:
            self.curves.set_early_stopping(status)
        self.run_progress.epoch_finished(logs)
        progress = self.run_progress
        self._log(format_epoch(logs, progress.epochs or progress.epochs_done))

    @Slot(int, int, int, float)
    def _on_batch_progressed(
        self, epoch: int, batch: int, batches: int, loss: float
    ) -> None:
        self.curves.add_batch(epoch, batch, batches, loss)
        self.run_progress.batch_finished(epoch, batch, batches)

    @Slot(dict)
    def _on_training_finished(self, summary: dict) -> None:
        self.last_summary = summary
        reason = summary.get("stop_reason")
        text, state = outcome(summary, self.run_progress.elapsed())
        speed = summary.get("train_samples_per_sec")
        self._log(
            f"{text} · {speed:,.0f} samples/s on {summary.get('device', '?')}"
            if speed
            else text
        )
        self._set_status(text, state)
        if reason == "completed":
            self.progress.setValue(1000)
        status = summary.get("early_stopping")
        if status:
            self.curves.set_early_stopping(status)
            if status.get("stopped_epoch"):
                why = self.curves.stop_label().removeprefix("stopped: ")
                self._log(
                    f"Early stopping ended the run at epoch "
                    f"{status['stopped_epoch']}: {why}."
                )
            if status.get("restored_epoch"):
                self._log(f"Weights restored from epoch {status['restored_epoch']}.")
        folder = summary.get("checkpoint_dir")
        if folder:
            self.checkpoints.show_folder(folder)
            mine = [
                info.to_dict()
                for info in self.checkpoints.infos
                if info.run in self._run_ids
            ]
            self.curves.set_checkpoints(mine)
            self._log(f"{len(mine)} checkpoint(s) kept in {folder}.")

    @Slot(str)
    def _on_training_failed(self, message: str) -> None:
        self.last_summary = None
        self._log(f"⚠ {message}")
        if self.run_progress.started:  # broke off: the status says why
            self._set_status(message, "failed")
        else:  # a problem with the settings, model or data: shown like a check's
            self._start_failure = message
            self.show_problem(message)
            self._set_status(
                "Could not start training; see the message below.", "failed"
            )

    @Slot()
    def _on_run_ended(self) -> None:
        self.checkpoints.set_busy(False)
        self._refresh(final=True)
        self._refresh_timer.stop()
        if self.progress.maximum() == 0:  # never got past preparing
            self.progress.setRange(0, 1000)
            self.progress.setValue(0)
        self.progress.setFormat(self.run_progress.text(final=True))
        self._set_buttons(running=False)
        if self.status.property("state") in ("running", "paused"):
            self._set_status("Stopped.", "done")
        self.training_changed.emit(False)
        self.status_message.emit(self.status.text())

    # -- drawing -----------------------------------------------------------------------
    @Slot()
    def _refresh(self, final: bool = False) -> None:
        now = time.monotonic()
        if final or now - self._curves_drawn_at >= CURVES_MS / 1000:
            self._curves_drawn_at = now
            self.curves.refresh()
            if self._checkpoints_dirty:
                self._checkpoints_dirty = False
                self.checkpoints.refresh()
        self._flush_log()
        progress = self.run_progress
        if not progress.started:
            return
        if self.runner.holding and self.status.property("state") == "paused":
            where = progress.where()
            self._set_status(
                f"Paused at {where}. Press Resume to go on." if where else "Paused.",
                "paused",
            )
        self.progress.setValue(int(1000 * progress.fraction()))
        self.progress.setFormat(progress.text())

    def _running_text(self) -> str:
        device = self.run_progress.info.get("device", "")
        return f"Training on {device}…" if device else "Training…"

    # -- state -------------------------------------------------------------------------
    def _reset_run_state(self) -> None:
        self.run_progress = RunProgress()
        self._curves_drawn_at = 0.0
        self._log_buffer: list[str] = []

    def _set_buttons(self, running: bool) -> None:
        self.train_button.setEnabled(not running)
        stopping = running and self.runner.stopping
        self.stop_button.setEnabled(running and not stopping)
        self.pause_button.setEnabled(running and not stopping)
        paused = running and self.runner.paused
        self.pause_button.setText("Resume" if paused else "Pause")
        self.pause_button.setIcon(
            self.style().standardIcon(
                QStyle.StandardPixmap.SP_MediaPlay
                if paused
                else QStyle.StandardPixmap.SP_MediaPause
            )
        )
        self.pause_button.setToolTip(
            "Go on training" if paused else "Hold training after the current batch"
        )

    def _set_idle(self) -> None:
        self._set_buttons(running=False)
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setFormat("")
        training = self.project.training if self.project is not None else None
        epochs = training.epochs if training is not None else "?"
        batch = training.batch_size if training is not None else "?"
        then = (
            "Fix the problem below first."
            if self.problem_text
            else "Press Train to start."
        )
        self._set_status(
            f"Ready: {epochs} epochs at batch size {batch}. {then}", "idle"
        )

    def _set_status(self, text: str, state: str) -> None:
        self.status.setText(text)
        if self.status.property("state") != state:
            self.status.setProperty("state", state)
            self.status.style().unpolish(self.status)
            self.status.style().polish(self.status)

    def _log(self, line: str) -> None:
        self._log_buffer.append(line)
        if not self._refresh_timer.isActive():
            self._flush_log()

    def _flush_log(self) -> None:
        if self._log_buffer:
            lines, self._log_buffer = self._log_buffer, []
            self.log.appendPlainText("\n".join(lines))
            bar = self.log.verticalScrollBar()
            bar.setValue(bar.maximum())

    def log_lines(self) -> list[str]:
        self._flush_log()
        return self.log.toPlainText().splitlines()
