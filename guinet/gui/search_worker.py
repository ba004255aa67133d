"""A hyperparameter search run off the GUI thread.

:class:`SearchRunner` runs :meth:`guinet.core.search.Search.run` in a QThread
(:mod:`guinet.gui.workers`: one start path, one stop path). The search calls
its :class:`~guinet.core.search.SearchCallback` on that thread; the bridge
here turns the calls into Qt signals: a trial's start and end at once (they
are rare), its epochs gathered and sent at most every
:data:`EPOCH_SIGNAL_MS` (a fast search does not flood the GUI), and always
before the trial's end. Stopping calls :meth:`Search.stop` (thread-safe):
the running trial stops after its batch and ends as stopped.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal, Slot

from guinet.core.search import SearchCallback, TrialResult, metric_value
from guinet.gui.workers import Worker, WorkerController

if TYPE_CHECKING:
    from guinet.core.search import Search
    from guinet.core.training.callbacks import Logs

#: Epoch reports of a running search reach the GUI at most this often (ms).
EPOCH_SIGNAL_MS = 100


class _Bridge(SearchCallback):
    """The search's callbacks (trial thread) → the worker's signals."""

    def __init__(self, worker: SearchWorker, metric: str) -> None:
        self.worker = worker
        self.metric = metric
        self._lock = threading.Lock()
        self._epochs: list[tuple[int, int, float | None, dict[str, float]]] = []
        self._sent = 0.0

    def on_trial_start(self, number: int, params: dict[str, Any]) -> None:
        self.flush()
        self.worker.trial_started.emit(self.worker.run_id, number, dict(params))

    def on_epoch_end(self, number: int, epoch: int, logs: Logs) -> None:
        value = metric_value(logs, self.metric)
        with self._lock:
            self._epochs.append((number, epoch, value, dict(logs)))
            due = time.monotonic() - self._sent >= EPOCH_SIGNAL_MS / 1000
        if due:
            self.flush()

    def on_trial_end(self, result: TrialResult) -> None:
        self.flush()
        self.worker.trial_ended.emit(self.worker.run_id, result)

    def flush(self) -> None:
        with self._lock:
            epochs, self._epochs = self._epochs, []
            self._sent = time.monotonic()
        if epochs:
            self.worker.epochs.emit(self.worker.run_id, epochs)


class SearchWorker(Worker):
    """Runs one search; returns its trials (a list of TrialResult)."""

    trial_started = Signal(int, int, object)  # run id, trial number, params
    #: run id, [(trial number, epoch from 1, metric value or None, logs)]
    epochs = Signal(int, object)
    trial_ended = Signal(int, object)  # run id, TrialResult

    def __init__(self, run_id: int, search: Search) -> None:
        super().__init__(run_id)
        self.search = search
        self.bridge = _Bridge(self, search.metric)
        search.callbacks.append(self.bridge)

    def request_cancel(self) -> None:
        super().request_cancel()
        self.search.stop()

    def work(self) -> object:
        try:
            return self.search.run()
        finally:
            self.bridge.flush()
            history = getattr(self.search, "_history", None)
            if history is not None:  # opened in this thread: closed in it
                history.close()


class SearchRunner(WorkerController):
    """One search at a time, in a thread this owns (GUI thread)."""

    trial_started = Signal(int, object)  # trial number, params
    epochs = Signal(object)  # [(trial number, epoch, value, logs)]
    trial_ended = Signal(object)  # TrialResult
    #: the search ended: its trials (``None`` when it failed) and an error text
    search_ended = Signal(object, str)

    def __init__(self, parent: Any = None) -> None:
        super().__init__("guinet-search", parent)
        self.search: Search | None = None
        self._outcome: tuple[object, str] = (None, "")

    @property
    def stopping(self) -> bool:
        return self.search is not None and self.search.stopping and self.running

    def start(self, search: Search) -> None:
        worker = SearchWorker(self._next_run_id(), search)
        worker.trial_started.connect(self._on_trial_started)
        worker.epochs.connect(self._on_epochs)
        worker.trial_ended.connect(self._on_trial_ended)
        self.search = search
        self._outcome = (None, "")
        self._launch(worker)

    def request_stop(self) -> None:
        """Stop after the running trial's batch; its reports still arrive."""
        if self.search is not None and self.running:
            self.search.stop()

    # -- relays (GUI thread) ---------------------------------------------------------
    @Slot(int, int, object)
    def _on_trial_started(self, run_id: int, number: int, params: object) -> None:
        if self.is_current(run_id):
            self.trial_started.emit(number, params)

    @Slot(int, object)
    def _on_epochs(self, run_id: int, epochs: object) -> None:
        if self.is_current(run_id):
            self.epochs.emit(epochs)

    @Slot(int, object)
    def _on_trial_ended(self, run_id: int, result: object) -> None:
        if self.is_current(run_id):
            self.trial_ended.emit(result)

    def _deliver_result(self, result: object) -> None:
        self._outcome = (result, "")

    def _deliver_error(self, error: BaseException) -> None:
        self._outcome = (None, str(error) or type(error).__name__)

    def _after_run(self) -> None:
        trials, error = self._outcome
        self._outcome = (None, "")
        self.search_ended.emit(trials, error)
