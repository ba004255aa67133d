"""The Train page's checkpoints: the list of the run's files and what they do.

:class:`CheckpointController` works with explicit collaborators — the
session, the :class:`~guinet.gui.checkpoint_list.CheckpointList`, the run
controller, the curves and the log — rather than with the page's state: it
loads a checkpoint's weights, resumes or branches from one (through the run
controller), marks the run's checkpoints on the curves, and says when one
could not be written or read.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal, Slot

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
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.list, self.run, self.curves, self.log = checkpoints, run, curves, log
        #: Weights loaded from a checkpoint ("Load weights into the model"):
        #: the state_dict, and where it came from; for predictions and exports.
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
        self.list.show_folder(self.folder())

    # -- actions -----------------------------------------------------------------------
    @Slot(str)
    def resume_from(self, path: str) -> None:
        """Continue the run ``path`` belongs to, exactly, from that checkpoint."""
        self.run.start(resume_from=path)

    @Slot(str)
    def branch_from(self, path: str) -> None:
        """A new run from ``path``'s weights with the current settings."""
        self.run.start(branch_from=path)

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
            ckpt = load_checkpoint(path)
            model = self._build_model()
            weights = load_weights(ckpt, model) if model is not None else ckpt.weights
        except CheckpointError as exc:
            text = sentence(str(exc))
            self._set_problem(text)
            self.log.add(f"⚠ {text}")
            return False
        self.loaded_weights = weights
        self.loaded_from = {"path": str(ckpt.path), "epoch": ckpt.epoch}
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

    def _build_model(self) -> Any:
        """The project's model with the data's shape, built on the CPU, or
        ``None`` if it cannot be."""
        from guinet.core.model import ModelError

        spec = self.session.model_for_data()
        try:
            spec.analyze()
            return spec.build("cpu")
        except (ModelError, ValueError):
            return None

    def folder(self) -> Path | None:
        """Where the project's runs save checkpoints (``None``: they save none)."""
        project = self.session.project
        settings = project.training.checkpoint
        if project.path is None or not settings.ok or not settings.enabled:
            return None
        return project.resolve(Path(settings.dir).expanduser())

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
        mine = [info.to_dict() for info in self.list.infos if info.run in self._run_ids]
        self.curves.set_checkpoints(mine)
        self.log.add(f"{len(mine)} checkpoint(s) kept in {folder}.")
