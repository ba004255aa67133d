"""Train, Pause and Stop, the progress bar and the status line of the Train page.

:class:`RunControls` only shows what it is told: whether a run trains, is
paused or stopping, how far it got and one status sentence with its state
(``idle``, ``running``, ``paused``, ``done``, ``failed``: a style property).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

PROGRESS_STEPS = 1000


class RunControls(QWidget):
    """The buttons, the progress bar and the status line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        style = self.style()
        self.train_button = QPushButton("Train")
        self.train_button.setObjectName("trainButton")
        self.train_button.setIcon(
            style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay)
        )
        self.train_button.setToolTip("Train the model with these settings")
        self.pause_button = QPushButton("Pause")
        self.pause_button.setObjectName("pauseButton")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("stopButton")
        self.stop_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaStop))
        self.stop_button.setToolTip(
            "Stop after the current batch; the curves and the log stay"
        )
        self.progress = QProgressBar()
        self.progress.setObjectName("trainProgress")
        self.progress.setRange(0, PROGRESS_STEPS)
        self.progress.setTextVisible(True)
        self.status = QLabel()
        self.status.setObjectName("trainStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        row = QHBoxLayout()
        row.setSpacing(6)
        row.addWidget(self.train_button)
        row.addWidget(self.pause_button)
        row.addWidget(self.stop_button)
        row.addSpacing(6)
        row.addWidget(self.progress, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(row)
        layout.addWidget(self.status)

    @property
    def state(self) -> str | None:
        value = self.status.property("state")
        return str(value) if value is not None else None

    def set_status(self, text: str, state: str) -> None:
        self.status.setText(text)
        if self.status.property("state") != state:
            self.status.setProperty("state", state)
            self.status.style().unpolish(self.status)
            self.status.style().polish(self.status)

    def set_buttons(
        self, running: bool, *, paused: bool = False, stopping: bool = False
    ) -> None:
        self.train_button.setEnabled(not running)
        self.stop_button.setEnabled(running and not stopping)
        self.pause_button.setEnabled(running and not stopping)
        paused = running and paused
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

    def show_busy(self, text: str) -> None:
        """An indeterminate bar (preparing the data, building the model)."""
        self.progress.setRange(0, 0)
        self.progress.setFormat(text)

    def show_progress(self, fraction: float, text: str) -> None:
        if self.progress.maximum() == 0:
            self.progress.setRange(0, PROGRESS_STEPS)
        self.progress.setValue(int(PROGRESS_STEPS * fraction))
        self.progress.setFormat(text)

    def reset_progress(self, text: str = "") -> None:
        self.progress.setRange(0, PROGRESS_STEPS)
        self.progress.setValue(0)
        self.progress.setFormat(text)
