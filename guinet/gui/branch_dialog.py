"""Branch…: what to change before a new run grows from a checkpoint.

A branch keeps a checkpoint's weights and curves and trains on with the
project's settings, so the dialog asks for the settings a person usually
changes at that point — the epochs to train to, early stopping's patience
and the learning rate — and the Train page writes them into the project
(one undoable step) before the branch starts. When the checkpoint's run had
been stopped early, the patience offered is higher than the one that
stopped it, and the dialog says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)


@dataclass(frozen=True)
class BranchChoice:
    """What the branch trains with: epochs in all, patience, learning rate."""

    epochs: int
    patience: int
    lr: float


def suggested(
    epoch: int, epochs: int, patience: int, lr: float, stopped: dict[str, Any] | None
) -> BranchChoice:
    """What the dialog offers: enough epochs to train past ``epoch``, and a
    patience above the count that stopped the run (when it was stopped)."""
    if epochs <= epoch:
        epochs = epoch + max(epochs, 10)
    if stopped is not None:
        patience = max(patience * 2, int(stopped.get("wait") or 0) + 5)
    return BranchChoice(epochs, patience, lr)


class BranchDialog(QDialog):
    """Asks what the branch from ``path`` (saved after ``epoch``) changes."""

    def __init__(
        self,
        path: str,
        epoch: int,
        offer: BranchChoice,
        stopped: dict[str, Any] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("branchDialog")
        self.setWindowTitle("Branch a new run")
        self.setMinimumWidth(420)
        intro = QLabel(
            f"A new run starts from the weights and curves of epoch {epoch} "
            f"({Path(path).name}) and keeps its checkpoints in a folder of its "
            "own. These settings become the project's (Undo takes them back)."
        )
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        if stopped is not None:
            self.stopped_note = QLabel(
                f"That run was stopped early at epoch {stopped['epoch']}: no "
                f"improvement for {stopped['wait']} epochs. A higher patience "
                "lets the branch go on longer."
            )
            self.stopped_note.setObjectName("help")
            self.stopped_note.setWordWrap(True)
            layout.addWidget(self.stopped_note)

        self.epochs = QSpinBox()
        self.epochs.setRange(epoch + 1, 1_000_000)
        self.epochs.setValue(max(offer.epochs, epoch + 1))
        self.epochs.setToolTip("Train to this epoch, counting the checkpoint's")
        self.patience = QSpinBox()
        self.patience.setRange(1, 1_000_000)
        self.patience.setValue(offer.patience)
        self.patience.setToolTip("Epochs without improvement before stopping")
        self.lr = QDoubleSpinBox()
        self.lr.setDecimals(6)
        self.lr.setRange(1e-6, 10.0)
        self.lr.setSingleStep(1e-4)
        self.lr.setValue(offer.lr)
        self.lr.setToolTip("The optimizer's learning rate for the new run")
        form = QFormLayout()
        form.addRow("Train to epoch", self.epochs)
        form.addRow("Early-stopping patience", self.patience)
        form.addRow("Learning rate", self.lr)
        layout.addLayout(form)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Branch")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def choice(self) -> BranchChoice:
        return BranchChoice(self.epochs.value(), self.patience.value(), self.lr.value())
