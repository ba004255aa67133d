"""Run a function off the GUI thread, with progress and cancel.

:class:`BackgroundTask` is the function-shaped use of the worker base in
:mod:`guinet.gui.workers` (superqt's ``FunctionWorker``): the Data page hands
it ``work(progress, cancelled)`` and gets back plain-valued signals. It shares
the base's one quit-and-wait path and its rules (why the worker is never
``deleteLater``'d in its own thread, why ``finished → quit`` is direct): a new
:meth:`~BackgroundTask.start` stops the previous run, and nothing that run
still reports reaches the new one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal, Slot

from guinet.gui.workers import Worker, WorkerController

Work = Callable[[Callable[[float, str], None], Callable[[], bool]], Any]


class _FunctionWorker(Worker):
    progressed = Signal(int, float, str)  # run id, fraction, message

    def __init__(self, run_id: int, work: Work) -> None:
        super().__init__(run_id)
        self._work = work

    def _progress(self, fraction: float, message: str) -> None:
        self.progressed.emit(self.run_id, fraction, message)

    def work(self) -> object:
        return self._work(self._progress, self.cancelled)


class BackgroundTask(WorkerController):
    """Start work with :meth:`start`; a new start drops the previous run's result.

    :meth:`cancel`, :meth:`stop`, :attr:`running` and ``running_changed`` are
    the base's.
    """

    succeeded = Signal(object)
    failed = Signal(object)
    progressed = Signal(float, str)

    def start(self, work: Work) -> None:
        self.stop()
        worker = _FunctionWorker(self._next_run_id(), work)
        worker.progressed.connect(self._on_progressed)
        self._launch(worker)

    def _deliver_result(self, result: object) -> None:
        self.succeeded.emit(result)

    def _deliver_error(self, error: BaseException) -> None:
        self.failed.emit(error)

    @Slot(int, float, str)
    def _on_progressed(self, run_id: int, fraction: float, message: str) -> None:
        if self.is_current(run_id):
            self.progressed.emit(fraction, message)
