"""``guinet --self-test [PROJECT]``: does this install really work?

A built bundle (PyInstaller) can import guinet and still fail where a person
would notice: a missing Qt platform plugin, a torch library left out, the
resources not found. The self-test goes the person's way through the real
window: it opens PROJECT (a bundled example by default), trains it one epoch
from the Train page, prints one line saying how the run ended, closes the
window and exits 0 only if the run completed; an uncaught exception (a module
the bundle lacks) ends it at once with the traceback and exit code 1.
Nothing is saved; the run is recorded in the run history like any other (in
the data folder for an example: ``$GUINET_DATA_DIR`` points it elsewhere).

The option is hidden from ``--help``: it is for packagers and CI
(``tests/test_bundle.py``), run offscreen (``QT_QPA_PLATFORM=offscreen``).
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from guinet.gui.app import create_application, show_main_window
from guinet.gui.main_window import MainWindow

#: Exit codes: the run completed; it ended otherwise; it could not start;
#: nothing happened in time.
PASSED, RUN_FAILED, START_FAILED, TIMED_OUT = 0, 1, 2, 3


class SelfTest(QObject):
    """Trains the open project ``epochs`` epochs once the window is ready,
    then closes the window and emits :attr:`finished` with the exit code."""

    finished = Signal(int)

    def __init__(self, window: MainWindow, epochs: int, timeout_s: float) -> None:
        super().__init__(window)
        self.window, self.epochs = window, epochs
        self.code = TIMED_OUT
        self.done = False
        self._timeout = QTimer(self)
        self._timeout.setSingleShot(True)
        self._timeout.timeout.connect(self._on_timeout)
        self._timeout.start(int(timeout_s * 1000))

    @Slot()
    def start(self) -> None:
        """Called after the pages are built and the project is open."""
        window = self.window
        window.torch_loader.loaded.connect(self._train)
        from guinet.gui import torch_loader

        if torch_loader.is_ready():  # loaded before we listened
            self._train()

    @Slot()
    def _train(self) -> None:
        from guinet.gui import torch_loader

        problem = torch_loader.error()
        if problem is not None:
            self._finish(START_FAILED, f"self-test: {problem}")
            return
        panel = self.window.training_panel
        panel.form.set_value("epochs", self.epochs)
        panel.run.start_failed.connect(self._on_start_failed)
        panel.run.run_ended.connect(self._on_run_ended)
        self.window.tabs.setCurrentWidget(panel)
        panel.train_button.click()

    @Slot(str)
    def _on_start_failed(self, why: str) -> None:
        self._finish(START_FAILED, f"self-test: the run could not start: {why}")

    @Slot(str)
    def _on_run_ended(self, status: str) -> None:
        summary = self.window.training_panel.last_summary or {}
        ran = summary.get("epochs_run")
        loss = (summary.get("history") or {}).get("loss") or [float("nan")]
        line = (
            f"self-test: {self.window.project.name!r}: {status} "
            f"({ran} epoch(s), loss {loss[-1]:.4f}, on {summary.get('device')})"
        )
        completed = summary.get("stop_reason") == "completed" and ran == self.epochs
        self._finish(PASSED if completed else RUN_FAILED, line)

    def on_exception(
        self,
        kind: type[BaseException],
        value: BaseException,
        trace: TracebackType | None,
    ) -> None:
        """``sys.excepthook`` while the self-test runs: Qt would only print
        an exception raised in a slot and carry on, leaving nothing to end."""
        traceback.print_exception(kind, value, trace)
        self._finish(RUN_FAILED, f"self-test: {kind.__name__}: {value}")

    @Slot()
    def _on_timeout(self) -> None:
        self._finish(TIMED_OUT, "self-test: no run ended in time")

    def _finish(self, code: int, line: str) -> None:
        if self.done:
            return
        self.done, self.code = True, code
        self._timeout.stop()
        print(line, file=sys.stdout if code == PASSED else sys.stderr, flush=True)
        panel = self.window.training_panel
        panel.stop_training()  # the run's thread and every view's own worker
        self.window.undo_stack.setClean()  # nothing to save: close without asking
        self.window.close()
        self.finished.emit(code)


def run_self_test(
    project: str | Path, example: bool, epochs: int = 1, timeout_s: float = 240
) -> int:
    app = create_application()
    window = show_main_window(project, example)
    test = SelfTest(window, epochs, timeout_s)
    test.finished.connect(app.exit)
    window.call_after_first_paint(test.start)  # after the window's own build
    previous, sys.excepthook = sys.excepthook, test.on_exception
    try:
        app.exec()
    finally:
        sys.excepthook = previous
    return test.code
