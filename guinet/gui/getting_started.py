"""Help ▸ Getting started: a short guided first run beside the window.

A small non-modal dialog lists six steps; each "Show me" switches the window
to the page the step is about and outlines the widget to look at, so the
person does the step themselves in the real window.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from guinet.gui.main_window import MainWindow

#: How long a "Show me" outline stays, in milliseconds.
HIGHLIGHT_MS = 4000


@dataclass(frozen=True)
class Step:
    title: str
    text: str
    #: switches the window to the step's page; returns the widget to outline
    show: Callable[[MainWindow], QWidget | None]


def _pick_example(window: MainWindow) -> QWidget | None:
    window.show_start_page()
    page = window.start_page
    return page.gallery if page is not None else None


def _page(name: str, part: Callable[[MainWindow], QWidget | None]):  # type: ignore[no-untyped-def]
    def show(window: MainWindow) -> QWidget | None:
        window.show_page(name)
        return part(window)

    return show


STEPS = (
    Step(
        "Pick an example",
        "On the start page, click a card: the example opens as an unsaved "
        "copy, with data, network and training settings ready.",
        _pick_example,
    ),
    Step(
        "Look at the data",
        "The Data page shows where the samples come from, how they are split "
        "into training, validation and test, and a preview of them.",
        _page("data", lambda w: w.data_panel.results),
    ),
    Step(
        "Look at the model",
        "The Model page is the network, layer by layer, with the shape each "
        "layer outputs. Drag layers in from the palette; click one to edit it.",
        _page("model", lambda w: w.designer.view),
    ),
    Step(
        "Press Train",
        "On the Train page, press Train (F5). The network learns in the "
        "background; Pause and Stop are beside it.",
        _page("train", lambda w: w.training_panel.train_button),
    ),
    Step(
        "Read the curves",
        "The loss should fall. When the validation loss stops falling while "
        "the training loss still does, the network starts to memorise: early "
        "stopping ends the run and keeps the best weights.",
        _page("train", lambda w: w.training_panel.curves),
    ),
    Step(
        "Try Predict",
        "The Predict page runs the trained network on a sample you pick, "
        "type or draw, and shows how sure it is.",
        _page("predict", lambda w: w.predict_panel),
    ),
)


class Highlight(QFrame):
    """A coloured outline laid over a widget for a few seconds; clicks go
    through it to the widget below."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("guideHighlight")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setStyleSheet(
            "#guideHighlight { border: 4px solid #f59e0b; border-radius: 8px;"
            " background: rgba(245, 158, 11, 28); }"
        )
        self.target: QWidget | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.clear)
        self.hide()

    def point_at(self, target: QWidget) -> None:
        if self.target is not None:
            self.target.removeEventFilter(self)
        self.target = target
        target.installEventFilter(self)
        self._place()
        self.show()
        self.raise_()
        self._timer.start(HIGHLIGHT_MS)

    def _place(self) -> None:
        target, window = self.target, self.parentWidget()
        if target is None or window is None:
            return
        corner = target.mapTo(window, QPoint(0, 0))
        self.setGeometry(
            corner.x() - 4, corner.y() - 4, target.width() + 8, target.height() + 8
        )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.target and event.type() in (
            QEvent.Type.Move,
            QEvent.Type.Resize,
        ):
            self._place()
        elif watched is self.target and event.type() == QEvent.Type.Hide:
            self.clear()
        return False

    @Slot()
    def clear(self) -> None:
        if self.target is not None:
            self.target.removeEventFilter(self)
        self.target = None
        self.hide()


class GettingStartedDialog(QDialog):
    """The steps, each with a Show me button; stays open beside the window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window_ = window
        self.setObjectName("gettingStarted")
        self.setWindowTitle("Getting started")
        self.setModal(False)
        self.highlight = Highlight(window)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "A first run in six steps. Each “Show me” takes you to the page "
            "and outlines what to look at."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(8)
        self.show_buttons: list[QPushButton] = []
        for row, step in enumerate(STEPS):
            number = QLabel(f"{row + 1}")
            number.setObjectName("guideNumber")
            number.setAlignment(
                Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter
            )
            text = QLabel(f"<b>{step.title}</b><br>{step.text}")
            text.setWordWrap(True)
            text.setMinimumWidth(300)
            button = QPushButton("Show me")
            button.setProperty("step", row)
            button.clicked.connect(self._on_show_clicked)
            grid.addWidget(number, row, 0)
            grid.addWidget(text, row, 1)
            grid.addWidget(button, row, 2, Qt.AlignmentFlag.AlignTop)
            self.show_buttons.append(button)
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)
        self.resize(460, self.sizeHint().height())

    def show_step(self, index: int) -> QWidget | None:
        """Go to step ``index``'s page and outline its widget."""
        target = STEPS[index].show(self.window_)
        if target is not None and target.isVisible():
            self.highlight.point_at(target)
        return target

    @Slot()
    def _on_show_clicked(self) -> None:
        button = self.sender()
        if isinstance(button, QPushButton):
            self.show_step(int(button.property("step")))

    def closeEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        self.highlight.clear()
        super().closeEvent(event)
