"""The Train page's checkpoint actions and live early-stopping edits.

Split from :mod:`guinet.gui.training_panel` (a mixin of
:class:`~guinet.gui.training_panel.TrainingPanel`, whose state it uses):
load a checkpoint's weights, resume or branch from one, react to checkpoints
saved or failed during a run, and pass early-stopping edits to the running
:class:`~guinet.core.training.early_stopping.EarlyStopping`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Slot

from guinet.gui.training_progress import sentence

#: Early-stopping keys that cannot change once a run has seen a value.
FIXED_DURING_RUN = ("monitor", "mode")


class CheckpointActions:
    """Mixed into TrainingPanel; relies on its project, runner, curves and log."""

    @Slot(str)
    def resume_from(self, path: str) -> None:
        """Continue the run ``path`` belongs to, exactly, from that checkpoint."""
        self.start_training(resume_from=path)

    @Slot(str)
    def branch_from(self, path: str) -> None:
        """A new run from ``path``'s weights with the current settings."""
        self.start_training(branch_from=path)

    @Slot(str)
    def load_weights(self, path: str) -> bool:
        """Take ``path``'s weights as the model's (for predictions and exports).

        They are checked against the current layer stack; a damaged or
        unfitting checkpoint is reported in the message area.
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
            self.show_problem(text)
            self._checkpoint_problem = True
            self._log(f"⚠ {text}")
            return False
        self.loaded_weights = weights
        self.loaded_from = {"path": str(ckpt.path), "epoch": ckpt.epoch}
        if self._checkpoint_problem:
            self._checkpoint_problem = False
            self.check()
        text = (
            f"Loaded the weights of epoch {ckpt.epoch} ({ckpt.kind}, "
            f"{Path(path).name}) into the model."
        )
        self._log(text)
        self.status_message.emit(text)
        return True

    def _build_model(self) -> Any:
        """The project's model, built on the CPU, or ``None`` if it cannot be."""
        from guinet.core.model import ModelError, ModelSpec

        if self.project is None:
            return None
        spec = ModelSpec.from_dict(self.project.model.to_dict())
        prepared = self.prepared_provider() if self.prepared_provider else None
        if prepared is not None:
            spec.set_input_shape(tuple(prepared.input_shape))
        try:
            spec.analyze()
            return spec.build("cpu")
        except (ModelError, ValueError):
            return None

    def _checkpoint_folder(self) -> Path | None:
        """Where the project's runs save checkpoints (``None``: they save none)."""
        from guinet.core.training import ConfigError

        project = self.project
        if project is None or project.path is None:
            return None
        try:
            settings = project.training.checkpoint.check()
        except ConfigError:
            return None
        if not settings.enabled:
            return None
        return project.resolve(Path(settings.dir).expanduser())

    @Slot(dict)
    def _on_checkpoint_saved(self, info: dict) -> None:
        self.curves.add_checkpoint(info)
        if info.get("run"):
            self._run_ids.add(str(info["run"]))
        self._checkpoints_dirty = True  # the list is read again by _refresh

    @Slot(str)
    def _on_checkpoint_failed(self, message: str) -> None:
        self._log(f"⚠ {message}")
        self._show_notes([message])

    # -- early stopping while a run goes on ------------------------------------------
    @Slot(str, str, object)
    def _on_section_edited(self, section: str, name: str, value: Any) -> None:
        if section != "early_stopping" or not self.is_training:
            return
        early = self.runner.early_stopping
        if early is None:  # still preparing: applied once the run is built
            self._pending_stopping[name] = value
            return
        self._update_stopping(early, {name: value})

    def _update_stopping(self, early: Any, changes: dict[str, Any]) -> None:
        from guinet.core.training import ConfigError

        changes = {k: v for k, v in changes.items() if k not in FIXED_DURING_RUN}
        if not changes:
            self._log("Early stopping's monitor and mode apply from the next run.")
            return
        try:
            early.update(**changes)
        except ConfigError as exc:
            self._log(f"⚠ Not changed for this run: {sentence(str(exc))}")
            return
        said = ", ".join(
            f"{key.replace('_', ' ')} {value}" for key, value in changes.items()
        )
        self._log(f"Early stopping for this run: {said} (from the next epoch).")
        self.curves.set_early_stopping(early.status().to_dict())
        self._refresh(final=True)
