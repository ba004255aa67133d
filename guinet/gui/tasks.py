"""Run a function off the GUI thread, with progress and cancel.

A :class:`BackgroundTask` owns one QThread at a time. The work runs in a
worker object moved to that thread (``finished → thread.quit``); results come
back as signals carrying plain values. The worker is *not* deleted in its own
thread (``deleteLater`` there): destroying its Python-connected slots needs the
GIL while Qt holds a connection lock, which deadlocks against a GUI thread that
holds the GIL and (dis)connects signals. It is dropped in the GUI thread once
the thread has ended. :meth:`cancel` sets a flag the work polls; :meth:`stop` cancels
and waits for the thread, so closing a window never destroys a running
thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

Work = Callable[[Callable[[float, str], None], Callable[[], bool]], Any]


class _Worker(QObject):
    succeeded = Signal(int, object)  # (generation, result)
    failed = Signal(int, object)  # (generation, exception)
    progressed = Signal(int, float, str)
    finished = Signal()

    def __init__(self, work: Work, cancel: threading.Event, generation: int) -> None:
        super().__init__()
        self._work = work
        self._cancel = cancel
        self._generation = generation

    def _progress(self, fraction: float, message: str) -> None:
        self.progressed.emit(self._generation, fraction, message)

    @Slot()
    def run(self) -> None:
        try:
            result = self._work(self._progress, self._cancel.is_set)
        except Exception as exc:  # reported to the GUI, never raised in the thread
            self.failed.emit(self._generation, exc)
        else:
            self.succeeded.emit(self._generation, result)
        finally:
            self.finished.emit()


class BackgroundTask(QObject):
    """Start work with :meth:`start`; a new start cancels the previous run's result."""

    succeeded = Signal(object)
    failed = Signal(object)
    progressed = Signal(float, str)
    running_changed = Signal(bool)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._name = name
        self._thread: QThread | None = None
        self._worker: _Worker | None = None
        self._cancel = threading.Event()
        self._generation = 0

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self, work: Work) -> None:
        self.stop()
        self._generation += 1
        self._cancel = threading.Event()
        thread = QThread(self)
        thread.setObjectName(self._name)
        worker = _Worker(work, self._cancel, self._generation)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        # direct: quit() is thread-safe, and a queued call could never arrive
        # while the GUI thread blocks in stop()'s wait()
        worker.finished.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        thread.finished.connect(self._on_thread_finished)
        worker.succeeded.connect(self._on_succeeded)
        worker.failed.connect(self._on_failed)
        worker.progressed.connect(self._on_progressed)
        self._thread = thread
        self._worker = worker  # no parent across threads: keep it alive until it ends
        thread.start()
        self.running_changed.emit(True)

    def _current(self, generation: int) -> bool:
        return generation == self._generation and not self._cancel.is_set()

    @Slot(int, object)
    def _on_succeeded(self, generation: int, result: object) -> None:
        if self._current(generation):
            self.succeeded.emit(result)

    @Slot(int, object)
    def _on_failed(self, generation: int, error: object) -> None:
        if self._current(generation):
            self.failed.emit(error)

    @Slot(int, float, str)
    def _on_progressed(self, generation: int, fraction: float, message: str) -> None:
        if self._current(generation):
            self.progressed.emit(fraction, message)

    @Slot()
    def _on_thread_finished(self) -> None:
        thread = self.sender()
        if self._thread is thread:
            self._thread = None
            self._worker = None
            self.running_changed.emit(False)
        if isinstance(thread, QThread):
            thread.wait()  # `finished` comes just before the thread really ends
            thread.deleteLater()

    def cancel(self) -> None:
        self._cancel.set()

    def stop(self, timeout_ms: int = 30_000) -> bool:
        """Cancel and wait for the thread; ``False`` if it did not end in time."""
        thread = self._thread
        if thread is None:
            return True
        self._cancel.set()
        ended = thread.wait(timeout_ms)
        if ended:
            self._thread = None
            self._worker = None
            thread.deleteLater()
            self.running_changed.emit(False)
        return ended
