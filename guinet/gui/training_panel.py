"""The Train page: settings, Train/Pause/Stop, progress, live curves and a log.

The page is assembled from parts that each own one thing:

* :class:`~guinet.gui.training_form.TrainingForm` — the settings column,
  edited through undoable commands;
* :class:`~guinet.gui.training_controls.RunControls` — buttons, progress bar
  and status line;
* :class:`~guinet.gui.training_run.RunController` — starts and steers a run
  and draws what it reports (curves, log, progress), and passes live
  early-stopping edits to it;
* :class:`~guinet.gui.training_checkpoints.CheckpointController` — the
  Checkpoints tab: load, resume, branch;
* above the plots, the session's :meth:`~guinet.core.session.Session.preflight`
  findings: every error at once, each with its Fix, and the notes;
* under them, :class:`~guinet.gui.training_hints.HintController`'s teaching
  hints (the model's, the live curves', the finished run's weights').
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QShowEvent, QUndoStack
from PySide6.QtWidgets import (
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from guinet.gui import commands
from guinet.gui.boundary_view import BoundaryView
from guinet.gui.checkpoint_list import CheckpointList
from guinet.gui.classroom import ClassroomViews
from guinet.gui.curves import TrainingCurves
from guinet.gui.network_view import NetworkView
from guinet.gui.presentation import mark_side_panel
from guinet.gui.training_checkpoints import CheckpointController
from guinet.gui.training_checks import NoteList, ProblemList, finding_text
from guinet.gui.training_controls import RunControls
from guinet.gui.training_form import TrainingForm
from guinet.gui.training_hints import HintController, HintList
from guinet.gui.training_log import RunLog
from guinet.gui.training_run import RunController

if TYPE_CHECKING:
    from guinet.core.hints import Hint
    from guinet.core.project import Project
    from guinet.core.session import Fix, Session

CHECK_DELAY_MS = 120  # edits in a burst are checked once


class TrainingPanel(QWidget):
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
        #: The first error shown (preflight's, or why the last start failed).
        self.problem_text = ""
        self._start_failure: str | None = None
        self._check_timer = QTimer(self)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(CHECK_DELAY_MS)
        self._check_timer.timeout.connect(self.check)
        self._build()

        self.run = RunController(
            session, self.controls, self.log, self.curves, self.checkpoints, self
        )
        self.runner = self.run.runner
        self.classroom.bind(self.runner)
        self.run.running_changed.connect(self._on_running_changed)
        self.run.start_failed.connect(self._on_start_failed)
        self.run.run_ended.connect(self.status_message)
        self.run.notes_changed.connect(self.notes.show_notes)
        self.checkpoint_actions = CheckpointController(
            session,
            self.checkpoints,
            self.run,
            self.curves,
            self.log,
            self,
            undo_stack=undo_stack,
        )
        self.checkpoint_actions.problem_changed.connect(self._on_checkpoint_problem)
        self.checkpoint_actions.weights_loaded.connect(self.status_message)
        self.checkpoint_actions.notes_changed.connect(self.notes.show_notes)
        self.problems.fix_requested.connect(self.apply_fix)
        self.hints = HintController(session, self.runner, self)
        self.hints.hints_changed.connect(self.hint_list.show_hints)
        self.hint_list.fix_requested.connect(self.apply_hint_fix)
        self.hint_list.dismiss_requested.connect(self.dismiss_hint)

        session.project_changed.connect(self._on_project_bound)
        session.changed.connect(self._on_session_changed)
        self._on_project_bound()

    # -- layout ------------------------------------------------------------------------
    def _build(self) -> None:
        self.form = TrainingForm(self.session, self.undo_stack)
        scroll = QScrollArea()
        scroll.setObjectName("trainForm")
        scroll.setWidget(self.form)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(330)

        self.controls = RunControls()
        self.problems = ProblemList()
        self.notes = NoteList()
        self.hint_list = HintList()
        self.curves = TrainingCurves()
        curves_box = QWidget()
        curves_box.setObjectName("curvesBox")
        curves_box.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        box_layout = QVBoxLayout(curves_box)
        box_layout.setContentsMargins(8, 6, 8, 8)
        box_layout.addWidget(self.curves)
        self.log = RunLog()
        self.checkpoints = CheckpointList()
        self.bottom_tabs = QTabWidget()
        self.bottom_tabs.setObjectName("runTabs")
        self.bottom_tabs.setDocumentMode(True)
        self.bottom_tabs.addTab(self.log, "Run log")
        self.bottom_tabs.addTab(self.checkpoints, "Checkpoints")
        # a few lines of log at least, not its full height: after a run the
        # hints and the replay bar need the room in a 1280×720 window
        self.bottom_tabs.setMinimumHeight(80)

        # the curves beside the classroom views (boundary, network), replayable
        self.classroom = ClassroomViews(curves_box, self.curves)
        self.boundary = BoundaryView()
        self.classroom.add_view("Decision boundary", self.boundary)
        self.network = NetworkView(self.session)
        self.classroom.add_view("Network", self.network)
        plots_and_log = QSplitter(Qt.Orientation.Vertical)
        plots_and_log.addWidget(self.classroom)
        plots_and_log.addWidget(self.bottom_tabs)
        plots_and_log.setStretchFactor(0, 3)
        plots_and_log.setStretchFactor(1, 1)
        plots_and_log.setSizes([460, 170])
        plots_and_log.setChildrenCollapsible(False)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(4, 0, 0, 0)
        right_layout.setSpacing(6)
        right_layout.addWidget(self.controls)
        right_layout.addWidget(self.problems)
        right_layout.addWidget(self.notes)
        right_layout.addWidget(self.hint_list)
        right_layout.addWidget(plots_and_log, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        # presentation mode hides the settings and the log: the plots get the room
        splitter.addWidget(mark_side_panel(scroll))
        mark_side_panel(self.bottom_tabs)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([350, 850])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(splitter)

    # -- the parts, by the names the window and the tests use ----------------------
    @property
    def train_button(self) -> Any:
        return self.controls.train_button

    @property
    def pause_button(self) -> Any:
        return self.controls.pause_button

    @property
    def stop_button(self) -> Any:
        return self.controls.stop_button

    @property
    def progress(self) -> Any:
        return self.controls.progress

    @property
    def status(self) -> Any:
        return self.controls.status

    @property
    def message(self) -> ProblemList:
        return self.problems

    @property
    def last_summary(self) -> dict[str, Any] | None:
        return self.run.last_summary

    @property
    def loaded_weights(self) -> dict[str, Any] | None:
        return self.checkpoint_actions.loaded_weights

    @property
    def loaded_from(self) -> dict[str, Any] | None:
        return self.checkpoint_actions.loaded_from

    @property
    def is_training(self) -> bool:
        return self.run.is_training

    # -- binding -----------------------------------------------------------------------
    def _on_project_bound(self) -> None:
        """Another project: a run in progress must have been stopped first."""
        self.project = self.session.project
        self.curves.forget_previous()
        self.curves.clear()
        self.classroom.clear()
        self.log.reset()
        self.run.last_summary = None
        self.checkpoint_actions.forget()
        self.notes.show_notes([])
        self._start_failure = None
        self._set_idle()
        self.check()

    def _on_session_changed(self) -> None:
        failed, self._start_failure = self._start_failure, None
        if not self.is_training and (failed or self.controls.state == "idle"):
            self._set_idle()  # why it could not start was about the old state
        self.schedule_check()

    def refresh(self) -> None:
        """Torch has loaded: list the real devices and check the settings again."""
        self.form.refresh_devices()
        self.schedule_check()

    @Slot()
    def schedule_check(self, *_args: Any) -> None:
        self._check_timer.start()

    @property
    def check_pending(self) -> bool:
        """Whether a change waits to be checked (the problems shown may be
        about to change)."""
        return self._check_timer.isActive()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        self.schedule_check()

    # -- checks before a run -----------------------------------------------------------
    @Slot()
    def check(self) -> None:
        """Show every problem preflight finds now, each with its fix, and its notes."""
        from guinet.gui import torch_loader

        self._check_timer.stop()
        torch_ready = torch_loader.is_ready() and torch_loader.error() is None
        findings = self.session.preflight(torch_ready=torch_ready)
        problems: list[tuple[str, Fix | None]] = [
            (finding_text(f), f.fix) for f in findings if f.severity != "note"
        ]
        if not torch_ready and torch_loader.error() is not None:
            problems.append((str(torch_loader.error()), None))
        shown = {text.lower() for text, _ in problems}
        for extra in (self._start_failure, self.checkpoint_actions.problem):
            if extra and extra.lower() not in shown:
                problems.insert(0, (extra, None))
        errors = [finding_text(f) for f in findings.errors]
        self.problem_text = self._start_failure or (errors[0] if errors else "")
        if not self.problem_text and problems:
            self.problem_text = problems[0][0]
        self.problems.show_problems(problems)
        self.hints.check_model(torch_ready and findings.ok)
        self.checkpoint_actions.update_fit()
        if not self.is_training:
            self.notes.show_notes([f.message for f in findings if f.severity == "note"])
            if self.controls.state == "idle":
                self._set_idle()

    def show_problem(self, message: str | None) -> None:
        """Show ``message`` with the checks' problems (``None``: only theirs)."""
        self._start_failure = message or None
        self.check()

    @Slot(object)
    def apply_fix(self, fix: Fix) -> None:
        """One undoable step; the page checks again once the project changed."""
        commands.apply_fix(self.undo_stack, self.session.project, fix)

    @Slot(object)
    def apply_hint_fix(self, fix: Fix) -> None:
        """A hint's fix: one undoable step; a run's hint is then done with."""
        self.apply_fix(fix)
        self.hints.forget(fix)

    @Slot(object)
    def dismiss_hint(self, hint: Hint) -> None:
        """Hide ``hint`` for good (the project file keeps it); Ctrl+Z undoes it."""
        from guinet.core.hints import dismiss_fix

        self.apply_fix(dismiss_fix(self.session.project, hint))
        self.hints.publish()

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
        self.run.start(resume_from=resume_from, branch_from=branch_from)

    @Slot()
    def toggle_pause(self) -> None:
        self.run.toggle_pause()

    @Slot()
    def request_stop(self) -> None:
        self.run.request_stop()

    def stop_training(self, timeout_ms: int = 60_000) -> bool:
        """Stop a run and wait for its thread (closing, another project)."""
        self.hints.stop()
        ended = self.run.abort(timeout_ms)
        self.classroom.stop()  # every view's own worker (boundary, network)
        return ended

    def load_weights(self, path: str) -> bool:
        return self.checkpoint_actions.load_weights(path)

    def resume_from(self, path: str) -> None:
        self.checkpoint_actions.resume_from(path)

    def branch_from(self, path: str) -> None:
        self.checkpoint_actions.branch_from(path)

    def log_lines(self) -> list[str]:
        return self.log.lines()

    # -- state -------------------------------------------------------------------------
    @Slot(bool)
    def _on_running_changed(self, running: bool) -> None:
        if running:
            self._start_failure = None
            self.notes.show_notes([])
            self.check()
        self.training_changed.emit(running)

    @Slot(str)
    def _on_checkpoint_problem(self, _text: str) -> None:
        self.check()

    @Slot(str)
    def _on_start_failed(self, message: str) -> None:
        self.show_problem(message)

    def set_blocked(self, reason: str) -> None:
        """Keep Train off while ``reason`` holds (a search runs); "" frees it."""
        self.controls.blocked = reason
        if self.is_training:
            return
        if reason or self.controls.state == "idle":
            self._set_idle()
        else:
            self.controls.set_buttons(False, same_start=self.run.last_start is not None)

    def _set_idle(self) -> None:
        self.controls.set_buttons(False, same_start=self.run.last_start is not None)
        self.controls.reset_progress()
        training = self.session.project.training
        if self.controls.blocked:
            self.controls.set_status(self.controls.blocked, "idle")
            return
        then = (
            "Fix the problem below first."
            if self.problem_text
            else "Press Train to start."
        )
        self.controls.set_status(
            f"Ready: {training.epochs} epochs at batch size {training.batch_size}. "
            f"{then}",
            "idle",
        )
