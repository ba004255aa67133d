"""The Train page's checkpoints: the list of the run's files and what they do.

:class:`CheckpointController` works with explicit collaborators — the
session, the :class:`~guinet.gui.checkpoint_list.CheckpointList`, the run
controller, the curves and the log — rather than with the page's state: it
loads a checkpoint's weights, resumes or branches from one (through the run
controller), marks the run's checkpoints on the curves, and says when one
could not be written or read.

Branch… first asks what to change (:class:`~guinet.gui.branch_dialog.BranchDialog`)
and writes that into the project as one undoable step. Resuming a run that
early stopping had ended would stop again after its next epoch without
improvement, so the page says so first and offers a branch with a higher
patience instead. Files that do not fit the current model are greyed in the
list (:meth:`CheckpointController.update_fit`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget

from guinet.gui import commands
from guinet.gui.branch_dialog import BranchDialog, suggested
from guinet.gui.training_progress import sentence

if TYPE_CHECKING:
    from guinet.core.session import Session
    from guinet.gui.checkpoint_list import CheckpointList
    from guinet.gui.curves import TrainingCurves
    from guinet.gui.training_log import RunLog
    from guinet.gui.training_run import RunController


class CheckpointController(QObject):
    """Checkpoint actions of the Train page (see the module doc)."""

    #: A checkpoint could not be read (its sentence), or ``""``: that is over.
    problem_changed = Signal(str)
    weights_loaded = Signal(str)  # what was loaded, in words
    notes_changed = Signal(list)  # a checkpoint could not be written

    def __init__(
        self,
        session: Session,
        checkpoints: CheckpointList,
        run: RunController,
        curves: TrainingCurves,
        log: RunLog,
        parent: QObject | None = None,
        undo_stack: QUndoStack | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.undo_stack = undo_stack if undo_stack is not None else QUndoStack(self)
        #: The open Branch… dialog, or the question before resuming a run
        #: that had stopped early (``None`` when none is open).
        self.branch_dialog: BranchDialog | None = None
        self.resume_question: QMessageBox | None = None
        self.list, self.run, self.curves, self.log = checkpoints, run, curves, log
        #: Weights loaded from a checkpoint ("Load weights into the model"):
        #: the state_dict, and where it came from.
        self.loaded_weights: dict[str, Any] | None = None
        self.loaded_from: dict[str, Any] | None = None
        self.problem = ""
        self._run_ids: set[str] = set()
        checkpoints.load_requested.connect(self.load_weights)
        checkpoints.resume_requested.connect(self.resume_from)
        checkpoints.branch_requested.connect(self.branch_from)
        runner = run.runner
        runner.checkpoint_saved.connect(self._on_checkpoint_saved)
        runner.checkpoint_failed.connect(self._on_checkpoint_failed)
        runner.training_finished.connect(self._on_training_finished)
        run.running_changed.connect(self._on_running_changed)

    def forget(self) -> None:
        """Another project: no weights loaded, its own folder listed."""
        self.loaded_weights = self.loaded_from = None
        self._set_problem("")
        self.list.folder = None  # another project's folder: list it afresh
        self.list.show_folder(self.folder())

    # -- actions -----------------------------------------------------------------------
    @Slot(str)
    def resume_from(self, path: str) -> None:
        """Continue the run ``path`` belongs to, exactly, from that checkpoint.

        If early stopping had ended that run and the patience is not above
        the count that stopped it, it would stop again after one epoch: ask
        first, offering a branch with a higher patience.
        """
        stopped = self._stopped(path)
        early = self.session.project.training.early_stopping
        if stopped is None or not early.enabled or early.patience > stopped["wait"]:
            self.run.start(resume_from=path)
            if stopped is not None:
                self.log.add(
                    f"That run had stopped early at epoch {stopped['epoch']}; it "
                    f"goes on with patience {early.patience}."
                )
            return
        question = QMessageBox(self._window())
        question.setObjectName("resumeStoppedQuestion")
        question.setIcon(QMessageBox.Icon.Question)
        question.setWindowTitle("Resume a run that stopped early?")
        question.setText(
            f"This run was stopped early at epoch {stopped['epoch']}: no "
            f"improvement for {stopped['wait']} epochs, with patience "
            f"{early.patience}. Resumed as it is, it stops again after the next "
            "epoch that does not improve."
        )
        question.setInformativeText(
            "Branch a new run from it with a higher patience instead?"
        )
        branch = question.addButton(
            "Branch with higher patience…", QMessageBox.ButtonRole.AcceptRole
        )
        resume = question.addButton("Resume anyway", QMessageBox.ButtonRole.ActionRole)
        question.addButton(QMessageBox.StandardButton.Cancel)
        question.setDefaultButton(branch)

        def answered(button: QAbstractButton) -> None:
            self.resume_question = None
            if button is branch:
                self.branch_from(path)
            elif button is resume:
                self.run.start(resume_from=path)

        question.buttonClicked.connect(answered)
        self.resume_question = question
        question.open()

    @Slot(str)
    def branch_from(self, path: str) -> None:
        """Ask what to change (epochs, patience, learning rate), write it into
        the project as one undoable step, then start a new run from
        ``path``'s weights with those settings."""
        from guinet.core.training.checkpoints import CheckpointError, read_info

        try:
            epoch = read_info(path).epoch
        except CheckpointError as exc:
            self._set_problem(sentence(str(exc)))
            return
        training = self.session.project.training
        stopped = self._stopped(path)
        offer = suggested(
            epoch,
            training.epochs,
            training.early_stopping.patience,
            float(training.lr),
            stopped,
        )
        dialog = BranchDialog(path, epoch, offer, stopped, self._window())
        self.branch_dialog = dialog

        def accepted() -> None:
            self.branch_dialog = None
            self._apply_branch_settings(dialog, epoch)
            self.run.start(branch_from=path)

        def rejected() -> None:
            self.branch_dialog = None

        dialog.accepted.connect(accepted)
        dialog.rejected.connect(rejected)
        dialog.open()

    def _apply_branch_settings(self, dialog: BranchDialog, epoch: int) -> None:
        choice = dialog.choice()
        project, stack = self.session.project, self.undo_stack
        training = project.training
        stack.beginMacro(f"Branch from epoch {epoch}")
        try:
            if choice.epochs != training.epochs:
                commands.set_field(stack, project, "training.epochs", choice.epochs)
            if choice.patience != training.early_stopping.patience:
                commands.set_field(
                    stack,
                    project,
                    "training.early_stopping.patience",
                    choice.patience,
                )
            if abs(choice.lr - float(training.lr)) > 1e-12:
                commands.set_field(stack, project, "training.optimizer.lr", choice.lr)
        finally:
            stack.endMacro()

    def _stopped(self, path: str) -> dict[str, Any] | None:
        """How early stopping ended the run ``path`` belongs to, if it did:
        from the file itself, else from that run's last checkpoint (a best
        checkpoint was saved before the run stopped)."""
        from guinet.core.training.checkpoints import CheckpointError, read_info
        from guinet.core.training.resume import early_stop_of

        try:
            stopped = early_stop_of(path)
            if stopped is not None:
                return stopped
            run = read_info(path).run
            last = [
                info.path
                for info in self.list.infos
                if run and info.run == run and info.kind == "last"
            ]
            return early_stop_of(last[0]) if last else None
        except CheckpointError:
            return None  # said when the run itself tries to open it

    def _window(self) -> QWidget | None:
        widget = self.list.window()
        return widget if isinstance(widget, QWidget) else None

    @Slot(str)
    def load_weights(self, path: str) -> bool:
        """Take ``path``'s weights as the model's (for predictions and exports).

        They are checked against the current layer stack; a damaged or
        unfitting checkpoint is reported with the page's problems.
        """
        from guinet.core.training.checkpoints import (
            CheckpointError,
            load_checkpoint,
            load_weights,
        )

        try:
            model = self._build_model()
            # a file far bigger than this model's weights is refused unread
            ckpt = load_checkpoint(path, model)
            weights = load_weights(ckpt, model) if model is not None else ckpt.weights
        except CheckpointError as exc:
            text = sentence(str(exc))
            self._set_problem(text)
            self.log.add(f"⚠ {text}")
            return False
        self.loaded_weights = weights
        self.loaded_from = {"path": str(ckpt.path), "epoch": ckpt.epoch}
        self.session.use_weights(ckpt.path)
        self._set_problem("")
        text = (
            f"Loaded the weights of epoch {ckpt.epoch} ({ckpt.kind}, "
            f"{Path(path).name}) into the model."
        )
        self.log.add(text)
        self.weights_loaded.emit(text)
        return True

    def _set_problem(self, text: str) -> None:
        if text != self.problem:
            self.problem = text
            self.problem_changed.emit(text)

    def _build_model(self, device: str = "cpu") -> Any:
        """The project's model with the data's shape, built on ``device``, or
        ``None`` if it cannot be."""
        from guinet.core.model import ModelError

        spec = self.session.model_for_data()
        try:
            spec.analyze()
            return spec.build(device)
        except (ModelError, ValueError):
            return None

    def folder(self) -> Path | None:
        """Where the project's runs save checkpoints (``None``: they save none)."""
        from guinet.core.training.folders import checkpoint_folder

        settings = self.session.project.training.checkpoint
        if not settings.ok:
            return None
        return checkpoint_folder(self.session.project, settings)[0]

    def update_fit(self) -> None:
        """Grey the listed files whose weights do not fit the model as it is."""
        from guinet.core.training.checkpoint_fit import weight_shapes

        model = self._build_model("meta")
        self.list.set_model_shapes(None if model is None else weight_shapes(model))

    # -- what a run reports ------------------------------------------------------------
    @Slot(bool)
    def _on_running_changed(self, running: bool) -> None:
        if running:
            self._run_ids = set()
            self._set_problem("")  # replaced by what the checks say now

    @Slot(dict)
    def _on_checkpoint_saved(self, info: dict) -> None:
        self.curves.add_checkpoint(info)
        if info.get("run"):
            self._run_ids.add(str(info["run"]))
        self.run.mark_checkpoints_changed()

    @Slot(str)
    def _on_checkpoint_failed(self, message: str) -> None:
        self.log.add(f"⚠ {message}")
        self.notes_changed.emit([message])

    @Slot(dict)
    def _on_training_finished(self, summary: dict) -> None:
        folder = summary.get("checkpoint_dir")
        if not folder:
            return
        self.list.show_folder(folder)
        kept = [info for info in self.list.infos if info.run in self._run_ids]
        mine = [info.to_dict() for info in kept]
        self.curves.set_checkpoints(mine)
        # the run just ended is what evaluate, predict and export use now:
        # its best weights, else its last
        for kind in ("best", "last"):
            chosen = [info.path for info in kept if info.kind == kind]
            if chosen:
                self.session.use_weights(chosen[-1])
                break
        self.log.add(f"{len(mine)} checkpoint(s) kept in {folder}.")
