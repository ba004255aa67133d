"""Train, Pause and Stop, the progress bar and the status line of the Train page.

:class:`RunControls` only shows what it is told: whether a run trains, is
paused or stopping, how far it got and one status sentence with its state
(``idle``, ``running``, ``paused``, ``done``, ``failed``: a style property).

Its second row is for a class watching a network learn: the speed slider
(full speed down to one epoch a second, :data:`SPEEDS`), Step batch and Step
epoch, and "Same start" (train again from the last run's initial weights).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSlider,
    QStyle,
    QVBoxLayout,
    QWidget,
)

PROGRESS_STEPS = 1000
#: The speed slider's stops: (label, seconds an epoch takes at least).
SPEEDS = (
    ("as fast as possible", 0.0),
    ("10 epochs/s", 0.1),
    ("4 epochs/s", 0.25),
    ("2 epochs/s", 0.5),
    ("1 epoch/s", 1.0),
)


class RunControls(QWidget):
    """The buttons, the progress bar, the status line and the speed row."""

    #: seconds an epoch should take at least (0: full speed), from the slider
    pace_changed = Signal(float)

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
        self.same_start_button = QPushButton("Same start")
        self.same_start_button.setObjectName("sameStartButton")
        self.same_start_button.setIcon(
            style.standardIcon(QStyle.StandardPixmap.SP_BrowserReload)
        )
        self.same_start_button.setToolTip(
            "Train again from the same initial weights and batch order as the "
            "last run, so the two runs differ only in what you changed (the "
            "learning rate, the optimizer, Dropout…); its curves stay, dashed"
        )
        self.same_start_button.setEnabled(False)
        self.speed_slider = QSlider(Qt.Orientation.Horizontal)
        self.speed_slider.setObjectName("speedSlider")
        self.speed_slider.setRange(0, len(SPEEDS) - 1)
        self.speed_slider.setPageStep(1)
        self.speed_slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.speed_slider.setTickInterval(1)
        self.speed_slider.setMinimumWidth(60)
        self.speed_slider.setMaximumWidth(150)
        self.speed_slider.setToolTip(
            "Slow training down so the class can watch the curves form: from "
            "as fast as possible to one epoch a second (also while it trains)"
        )
        self.speed_label = QLabel(SPEEDS[0][0])
        self.speed_label.setObjectName("speedLabel")
        self.speed_slider.valueChanged.connect(self._on_speed_moved)
        self.step_batch_button = QPushButton("Step batch")
        self.step_batch_button.setObjectName("stepBatchButton")
        self.step_batch_button.setIcon(
            style.standardIcon(QStyle.StandardPixmap.SP_MediaSeekForward)
        )
        self.step_batch_button.setToolTip(
            "Train one batch, then hold: the loss on that batch before and "
            "after the weight update is shown (starts a run when none is going)"
        )
        self.step_epoch_button = QPushButton("Step epoch")
        self.step_epoch_button.setObjectName("stepEpochButton")
        self.step_epoch_button.setIcon(
            style.standardIcon(QStyle.StandardPixmap.SP_MediaSkipForward)
        )
        self.step_epoch_button.setToolTip(
            "Train to the end of the epoch, then hold: the training and "
            "validation loss before and after are shown (starts a run when "
            "none is going)"
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
        speed = QLabel("Speed:")
        speed.setBuddy(self.speed_slider)
        # two short rows rather than one long one: the page still fits a
        # narrow window beside the curves, the boundary and the network
        steps = QHBoxLayout()
        steps.setSpacing(6)
        steps.addWidget(self.same_start_button)
        steps.addWidget(self.step_batch_button)
        steps.addWidget(self.step_epoch_button)
        steps.addStretch(1)
        pace = QHBoxLayout()
        pace.setSpacing(6)
        pace.addWidget(speed)
        pace.addWidget(self.speed_slider)
        pace.addWidget(self.speed_label)
        pace.addStretch(1)
        layout.addLayout(row)
        layout.addLayout(steps)
        layout.addLayout(pace)
        layout.addWidget(self.status)

    @property
    def epoch_seconds(self) -> float:
        """The pace the slider asks for: seconds an epoch takes at least."""
        return SPEEDS[self.speed_slider.value()][1]

    @Slot(int)
    def _on_speed_moved(self, index: int) -> None:
        label, seconds = SPEEDS[index]
        self.speed_label.setText(label)
        self.pace_changed.emit(seconds)

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
        self,
        running: bool,
        *,
        paused: bool = False,
        stopping: bool = False,
        same_start: bool = False,
    ) -> None:
        """``same_start``: the last run's start is kept (offered when idle)."""
        self.train_button.setEnabled(not running)
        self.same_start_button.setEnabled(not running and same_start)
        can_step = not running or (paused and not stopping)
        self.step_batch_button.setEnabled(can_step)
        self.step_epoch_button.setEnabled(can_step)
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
