"""Train, Pause and Stop, the progress bar and the status line of the Train page.

:class:`RunControls` only shows what it is told: whether a run trains, is
paused or stopping, how far it got and one status sentence with its state
(``idle``, ``running``, ``paused``, ``done``, ``failed``: a style property).

Its steps and pace groups are for a class watching a network learn: the speed slider
(full speed down to one epoch a second, :data:`SPEEDS`), Step batch and Step
epoch, and "Same start" (train again from the last run's initial weights).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QGridLayout,
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
LEFT = Qt.AlignmentFlag.AlignLeft
#: Between the parts of the progress bar's text (see training_progress).
PART = "  ·  "
#: What the bar must have room for before the controls take one row.
PROGRESS_SAMPLE = "Epoch 300/300  ·  batch 12/12  ·  0:15 elapsed"
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
        #: why a run cannot start now (a search runs on the Search page); ""
        self.blocked = ""
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
        #: the bar's whole text (it shows as much as fits; the tooltip all)
        self.progress_text = ""
        self.progress.installEventFilter(self)
        self.status = QLabel()
        self.status.setObjectName("trainStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        # three groups (run, steps, pace) on one row when the page is wide (a
        # projector in presentation mode), else on two or three short rows, so
        # the page still fits a narrow window beside the classroom views
        self.run_group = _group(
            self.train_button, self.pause_button, self.stop_button, self.progress
        )
        self.steps_group = _group(
            self.same_start_button, self.step_batch_button, self.step_epoch_button
        )
        speed = QLabel("Speed:")
        speed.setBuddy(self.speed_slider)
        self.pace_group = _group(speed, self.speed_slider, self.speed_label)
        self.rows = QGridLayout()
        self.rows.setContentsMargins(0, 0, 0, 0)
        self.rows.setHorizontalSpacing(12)
        self.rows.setVerticalSpacing(6)
        self.row_count = 0
        #: arranges the rows once new text sizes are known (dies with self)
        self._arrange_later = QTimer(self)
        self._arrange_later.setSingleShot(True)
        self._arrange_later.setInterval(0)
        self._arrange_later.timeout.connect(self._rearrange)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(self.rows)
        layout.addWidget(self.status)
        self.arrange(3)

    def arrange(self, rows: int) -> None:
        """Put the run, steps and pace groups on ``rows`` rows (1, 2 or 3)."""
        if rows == self.row_count:
            return
        self.row_count = rows
        groups = (self.run_group, self.steps_group, self.pace_group)
        for group in groups:
            self.rows.removeWidget(group)
        for column in range(3):
            self.rows.setColumnStretch(column, 0)
        if rows == 1:
            places = ((0, 0, 1), (0, 1, 1), (0, 2, 1))
        elif rows == 2:
            places = ((0, 0, 2), (1, 0, 1), (1, 1, 1))
        else:
            places = ((0, 0, 2), (1, 0, 2), (2, 0, 2))
        for group, (row, column, span) in zip(groups, places, strict=True):
            alignment = Qt.AlignmentFlag(0) if group is self.run_group else LEFT
            self.rows.addWidget(group, row, column, 1, span, alignment)
        self.rows.setColumnStretch(0 if rows == 1 else 1, 1)

    def rows_for(self, width: int) -> int:
        """How many rows the groups need at ``width`` pixels."""
        run, steps, pace = (
            group.sizeHint().width()
            for group in (self.run_group, self.steps_group, self.pace_group)
        )
        # one row only where the bar still reads "Epoch 30/300 · batch 3/12"
        run += self.progress.fontMetrics().horizontalAdvance(PROGRESS_SAMPLE)
        gap = self.rows.horizontalSpacing()
        if run + steps + pace + 2 * gap <= width:
            return 1
        if steps + pace + gap <= width:
            return 2
        return 3

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            # larger or smaller text (zoom, presentation mode): the groups'
            # widths change without a resize; arrange once they are known
            timer = getattr(self, "_arrange_later", None)
            if timer is not None:  # not during construction
                timer.start()

    def _rearrange(self) -> None:
        self._fit(self.width())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit(event.size().width())

    def _fit(self, width: int) -> None:
        # one arrangement per width: a row count never changes the width
        self.arrange(self.rows_for(width))
        # as narrow as three rows allow, whatever the rows now: a window
        # widened (or full screen) can always be made narrow again
        groups = (self.run_group, self.steps_group, self.pace_group)
        self.setMinimumWidth(max(g.minimumSizeHint().width() for g in groups))

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
        if self.blocked and not running:
            for button in (
                self.train_button,
                self.same_start_button,
                self.step_batch_button,
                self.step_epoch_button,
            ):
                button.setEnabled(False)
        self.train_button.setToolTip(
            self.blocked or "Train the model with these settings"
        )

    def show_busy(self, text: str) -> None:
        """An indeterminate bar (preparing the data, building the model)."""
        self.progress.setRange(0, 0)
        self._set_progress_text(text)

    def show_progress(self, fraction: float, text: str) -> None:
        if self.progress.maximum() == 0:
            self.progress.setRange(0, PROGRESS_STEPS)
        self.progress.setValue(int(PROGRESS_STEPS * fraction))
        self._set_progress_text(text)

    def reset_progress(self, text: str = "") -> None:
        self.progress.setRange(0, PROGRESS_STEPS)
        self.progress.setValue(0)
        self._set_progress_text(text)

    def _set_progress_text(self, text: str) -> None:
        self.progress_text = text
        self.progress.setToolTip(text)
        self._fit_progress_text()

    def _fit_progress_text(self) -> None:
        """Drop the bar's last parts (time left, elapsed, batch) until the
        rest fits: "Epoch 7/300" stays readable in a narrow bar."""
        metrics = self.progress.fontMetrics()
        room = max(20, self.progress.width() - 16)
        parts = self.progress_text.split(PART)
        while len(parts) > 1 and metrics.horizontalAdvance(PART.join(parts)) > room:
            parts.pop()
        shown = metrics.elidedText(PART.join(parts), Qt.TextElideMode.ElideRight, room)
        self.progress.setFormat(shown)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.progress and event.type() in (
            QEvent.Type.Resize,
            QEvent.Type.FontChange,
        ):
            self._fit_progress_text()
        return super().eventFilter(watched, event)


def _group(*widgets: QWidget) -> QWidget:
    """``widgets`` on one row, as one piece of :class:`RunControls`' rows."""
    group = QWidget()
    row = QHBoxLayout(group)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(6)
    for widget in widgets:
        row.addWidget(widget, 1 if isinstance(widget, QProgressBar) else 0)
    return group
