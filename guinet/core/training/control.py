"""Stop and pause requests, safe to make from any thread.

The GUI's worker thread runs :meth:`Trainer.fit`; the GUI thread calls
:meth:`TrainingControl.request_stop`, :meth:`~TrainingControl.pause` and
:meth:`~TrainingControl.resume`. The trainer looks at one plain attribute,
:attr:`~TrainingControl.interrupted`, between batches, so an idle control
costs next to nothing; only when it is set does it take the slow path.
"""

from __future__ import annotations

import threading


class TrainingControl:
    """Flags a running trainer checks between batches.

    A paused trainer blocks on a :class:`threading.Event` (no busy waiting)
    until :meth:`resume` or :meth:`request_stop`. :attr:`waiting` is set while
    it is blocked, so a caller can tell a requested pause from a reached one.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = threading.Event()
        self._running.set()
        self._stop = False
        self.waiting = threading.Event()
        #: True when a stop or a pause was requested: the trainer's one check.
        self.interrupted = False

    @property
    def stop_requested(self) -> bool:
        return self._stop

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def request_stop(self) -> None:
        """Stop after the current batch (a paused trainer wakes up and stops)."""
        with self._lock:
            self._stop = True
            self.interrupted = True
            self._running.set()

    def pause(self) -> None:
        """Hold the trainer after the current batch until :meth:`resume`."""
        with self._lock:
            if not self._stop:
                self._running.clear()
                self.interrupted = True

    def resume(self) -> None:
        with self._lock:
            self._running.set()
            self.interrupted = self._stop

    def wait_if_paused(self) -> bool:
        """Block while paused; return whether a stop was requested. Trainer-side."""
        if not self._running.is_set():
            self.waiting.set()
            try:
                self._running.wait()
            finally:
                self.waiting.clear()
        return self._stop
