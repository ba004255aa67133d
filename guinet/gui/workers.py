"""One way to run work off the GUI thread, and one way to end it.

Shaped like superqt's ``WorkerBase``: a :class:`Worker` (a QObject whose
:meth:`Worker.work` runs in a QThread) and a :class:`WorkerController` that
lives in the GUI thread, owns that thread, relays what the worker reports and
ends runs. Data loading (:mod:`guinet.gui.tasks`), training
(:mod:`guinet.gui.training_worker`) and the torch import
(:mod:`guinet.gui.torch_loader`) are built on it, so they share the rules
below, each learned from a hang or an abort:

* ``worker.finished → thread.quit`` is a *direct* connection: ``quit()`` is
  thread-safe, and a queued call could never arrive while the GUI thread
  blocks in :meth:`WorkerController.stop`'s ``wait()``.
* The worker is never ``deleteLater``'d in its own thread: destroying its
  Python-connected slots needs the GIL while Qt holds a connection lock, which
  deadlocks against a GUI thread that holds the GIL and (dis)connects signals.
  It is dropped in the GUI thread once its thread has ended.
* ``thread.finished`` comes just before the thread really ends, so the thread
  is waited for before it is ``deleteLater``'d.
* Never ``QThread.terminate()``. :meth:`~WorkerController.stop` is the one
  quit-and-wait path; a thread that outlives its timeout is handed, with its
  worker, to a keeper that holds both until the thread ends, so nothing
  destroys it while it runs ("QThread: Destroyed while thread is still
  running"), not even closing the window that started it.
* Every signal a worker sends carries its run id. A run that was cancelled,
  stopped or replaced is abandoned, and whatever it still reports is dropped,
  so a late result never lands in the next run.
"""

from __future__ import annotations

import atexit
import threading

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot


class Worker(QObject):
    """The work of one run; :meth:`work` runs in the controller's QThread.

    Subclasses add their own signals, each carrying :attr:`run_id` first and
    plain values after it. :meth:`work` polls :meth:`cancelled` and returns
    early when it turns true; its return value is sent as :attr:`returned`,
    an exception it raises as :attr:`errored` (never raised in the thread).
    """

    returned = Signal(int, object)  # run id, what work() returned
    errored = Signal(int, object)  # run id, the exception work() raised
    finished = Signal()  # always the last thing a worker sends

    def __init__(self, run_id: int) -> None:
        super().__init__()
        self.run_id = run_id
        self._cancel = threading.Event()

    def cancelled(self) -> bool:
        """Whether the run was cancelled; safe from any thread, cheap to poll."""
        return self._cancel.is_set()

    def request_cancel(self) -> None:
        """Ask the work to end early (called from the GUI thread).

        Override to also reach a flag the work already polls (training's
        ``TrainingControl``), calling ``super()``.
        """
        self._cancel.set()

    def work(self) -> object:
        raise NotImplementedError

    @Slot()
    def run(self) -> None:
        try:
            result = self.work()
        except Exception as exc:  # reported to the GUI, never raised in the thread
            self.errored.emit(self.run_id, exc)
        else:
            self.returned.emit(self.run_id, result)
        finally:
            self.finished.emit()


class WorkerController(QObject):
    """Runs one :class:`Worker` at a time in a QThread it owns (GUI thread).

    A subclass's ``start`` builds a worker with :meth:`_next_run_id`, connects
    the worker's own signals to ``@Slot`` relays that check
    :meth:`is_current`, and hands it to :meth:`_launch`. What the current run
    returns or raises reaches :meth:`_deliver_result` / :meth:`_deliver_error`;
    :meth:`_after_run` is called once the controller is free again, just
    before ``running_changed(False)``.
    """

    running_changed = Signal(bool)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._name = name
        self._thread: QThread | None = None
        self._worker: Worker | None = None
        self._runs = 0
        self._current: int | None = None  # the run whose reports are delivered

    @property
    def running(self) -> bool:
        """A thread is running the current run (or winding down after cancel)."""
        return self._thread is not None

    @property
    def worker_thread(self) -> QThread | None:
        """The current run's thread (``QObject.thread()`` is where this lives)."""
        return self._thread

    def is_current(self, run_id: int) -> bool:
        """Whether reports of ``run_id`` should still reach the GUI."""
        return run_id == self._current

    # -- the one start / cancel / stop path ---------------------------------------
    def _next_run_id(self) -> int:
        self._runs += 1
        return self._runs

    def _launch(self, worker: Worker) -> None:
        if self.running:
            raise RuntimeError(f"{self._name}: a run is already in progress")
        thread = QThread(self)
        thread.setObjectName(self._name)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.finished.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        thread.finished.connect(self._on_thread_finished)
        worker.returned.connect(self._on_returned)
        worker.errored.connect(self._on_errored)
        self._thread = thread
        self._worker = worker  # no parent across threads: held here until it ends
        self._current = worker.run_id
        thread.start()
        self.running_changed.emit(True)

    def cancel(self) -> None:
        """Abandon the current run: its work is asked to end, its reports dropped.

        :attr:`running` stays true until the thread has ended.
        """
        self._current = None
        if self._worker is not None:
            self._worker.request_cancel()

    def stop(self, timeout_ms: int | None = 30_000) -> bool:
        """Cancel, quit and wait for the thread: closing, replacing a run.

        The controller is free afterwards either way. ``False`` if the thread
        did not end within ``timeout_ms`` (``None``: no limit): it is then
        kept, with its worker, until it ends.
        """
        thread, worker = self._thread, self._worker
        if thread is None or worker is None:
            return True
        self.cancel()
        thread.quit()  # belt and braces: the worker's `finished` quits it too
        ended = thread.wait() if timeout_ms is None else thread.wait(timeout_ms)
        if ended:
            thread.deleteLater()
        else:
            _keeper().hold(thread, worker)
        self._release()
        return ended

    def _release(self) -> None:
        self._thread = None
        self._worker = None
        self._current = None
        self._after_run()
        self.running_changed.emit(False)

    # -- hooks for subclasses ------------------------------------------------------
    def _deliver_result(self, result: object) -> None:
        """The current run's ``work()`` returned ``result``."""

    def _deliver_error(self, error: BaseException) -> None:
        """The current run's ``work()`` raised ``error``."""

    def _after_run(self) -> None:
        """The run is over (ended, or stopped): the controller is free."""

    # -- relays (GUI thread) -------------------------------------------------------
    @Slot(int, object)
    def _on_returned(self, run_id: int, result: object) -> None:
        if self.is_current(run_id):
            self._deliver_result(result)

    @Slot(int, object)
    def _on_errored(self, run_id: int, error: object) -> None:
        if self.is_current(run_id) and isinstance(error, BaseException):
            self._deliver_error(error)

    @Slot()
    def _on_thread_finished(self) -> None:
        thread = self.sender()
        if thread is None or thread is not self._thread:
            return  # already released by stop(), or handed to the keeper
        self._thread.wait()  # `finished` comes just before the thread really ends
        self._thread.deleteLater()
        self._release()


class _Keeper(QObject):
    """Holds threads that outlived :meth:`WorkerController.stop`, until they end.

    A child of the application, so the tests' dangling-thread check sees what
    it holds; at interpreter exit the process waits for them rather than
    destroy a running thread.
    """

    def __init__(self, parent: QObject | None) -> None:
        super().__init__(parent)
        self._held: dict[int, tuple[QThread, Worker]] = {}

    def threads(self) -> list[QThread]:
        return [thread for thread, _ in self._held.values()]

    def hold(self, thread: QThread, worker: Worker) -> None:
        thread.setParent(self)  # its controller may be deleted before it ends
        self._held[id(thread)] = (thread, worker)
        thread.finished.connect(self._on_thread_finished)
        if thread.isFinished():  # it ended before the connection was made
            self._reap(thread)

    @Slot()
    def _on_thread_finished(self) -> None:
        thread = self.sender()
        if isinstance(thread, QThread):
            self._reap(thread)

    def _reap(self, thread: QThread) -> None:
        if self._held.pop(id(thread), None) is not None:
            thread.wait()
            thread.deleteLater()  # the worker goes with the dropped tuple

    def wait_all(self) -> None:
        for thread in self.threads():
            thread.wait()


_keepers: list[_Keeper] = []


def _keeper() -> _Keeper:
    if not _keepers:
        _keepers.append(_Keeper(QCoreApplication.instance()))
    return _keepers[0]


def left_running() -> list[QThread]:
    """Threads that did not end within their ``stop()`` timeout, still running."""
    return _keepers[0].threads() if _keepers else []


@atexit.register  # registered after PySide's own exit hooks, so it runs first
def _wait_for_left_running() -> None:
    if _keepers:
        _keepers[0].wait_all()
