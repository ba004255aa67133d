"""Stop, pause, pace and step requests, safe to make from any thread.

The GUI's worker thread runs :meth:`Trainer.fit`; the GUI thread calls
:meth:`TrainingControl.request_stop`, :meth:`~TrainingControl.pause`,
:meth:`~TrainingControl.resume`, :meth:`~TrainingControl.set_pace` and
:meth:`~TrainingControl.step`. The trainer looks at one plain attribute,
:attr:`~TrainingControl.interrupted`, between batches, so an idle control
at full speed costs next to nothing; only when it is set does it take the
slow path (:meth:`~TrainingControl.after_batch`, then
:meth:`~TrainingControl.wait_if_paused`).

Every wait is on a :class:`threading.Event` with a timeout, never a sleep
loop: a stop, a pause or a new pace wakes a waiting trainer at once.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

#: What a step advances: one batch, or to the end of the current epoch.
STEP_KINDS = ("batch", "epoch")


@dataclass(frozen=True)
class StepReport:
    """One finished step (see :meth:`TrainingControl.step`).

    ``epoch`` and ``batch`` count from 0 (``batch`` is ``None`` for an epoch
    step). ``before`` and ``after`` hold the losses the step is judged by: for
    a batch step ``{"loss": ...}`` on that batch (before: as the optimizer saw
    it; after: the same batch through the updated model, in evaluation mode);
    for an epoch step ``loss`` and ``val_loss`` over the training and
    validation splits, evaluated before and after the epoch.
    """

    kind: str
    epoch: int
    batch: int | None
    before: dict[str, float] = field(default_factory=dict)
    after: dict[str, float] = field(default_factory=dict)


class TrainingControl:
    """Flags a running trainer checks between batches.

    A paused trainer blocks on a :class:`threading.Event` (no busy waiting)
    until :meth:`resume`, :meth:`step` or :meth:`request_stop`.
    :attr:`waiting` is set while it is blocked, so a caller can tell a
    requested pause from a reached one.

    :attr:`epoch_seconds` (set with :meth:`set_pace`) slows training down so
    an epoch takes at least that long: the wait is spread over the batches
    (each batch ends no sooner than ``epoch_seconds / batches`` after the
    previous one), so curves and batch progress move smoothly.
    """

    def __init__(self, epoch_seconds: float = 0.0) -> None:
        self._lock = threading.Lock()
        self._running = threading.Event()
        self._running.set()
        self._wake = threading.Event()  # a paced wait ends early when set
        self._stop = False
        self._steps_left: int | None = None  # batches a batch step still runs
        self._step_kind: str | None = None
        self._released = 0.0  # when the last batch was let go (monotonic)
        self.epoch_seconds = 0.0
        self.waiting = threading.Event()
        #: True when a stop, a pause, a step or a pace was requested: the
        #: trainer's one check.
        self.interrupted = False
        self.set_pace(epoch_seconds)

    # -- state ----------------------------------------------------------------------
    @property
    def stop_requested(self) -> bool:
        return self._stop

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def stepping(self) -> str | None:
        """``"batch"`` or ``"epoch"`` while a step runs, else ``None``."""
        return self._step_kind

    # -- requests (any thread) ------------------------------------------------------
    def request_stop(self) -> None:
        """Stop after the current batch (a paused or pacing trainer stops now)."""
        with self._lock:
            self._stop = True
            self.interrupted = True
            self._running.set()
            self._wake.set()

    def pause(self) -> None:
        """Hold the trainer after the current batch until :meth:`resume`."""
        with self._lock:
            if not self._stop:
                self._running.clear()
                self._steps_left, self._step_kind = None, None
                self.interrupted = True
                self._wake.set()

    def resume(self) -> None:
        with self._lock:
            self._steps_left, self._step_kind = None, None
            self._released = time.monotonic()
            self._running.set()
            self._update()

    def set_pace(self, epoch_seconds: float) -> None:
        """Make each epoch take at least ``epoch_seconds`` (0: full speed).

        Takes effect at once, also in the middle of a wait.
        """
        seconds = float(epoch_seconds)
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError("epoch_seconds must be a number of seconds >= 0")
        with self._lock:
            self.epoch_seconds = seconds
            self._update()
            self._wake.set()

    def step(self, batches: int = 1) -> None:
        """Let a paused trainer run exactly ``batches`` batches, then hold again.

        Called before the run starts (on a paused control), the run's first
        ``batches`` batches are the step.
        """
        if batches < 1:
            raise ValueError("a step is at least one batch")
        with self._lock:
            if self._stop:
                return
            self._steps_left, self._step_kind = batches, "batch"
            self._release()

    def step_epoch(self) -> None:
        """Let a paused trainer run to the end of the current epoch (the next
        one when it holds at an epoch's end), then hold again."""
        with self._lock:
            if self._stop:
                return
            self._steps_left, self._step_kind = None, "epoch"
            self._release()

    # -- the trainer's side -------------------------------------------------------
    def mark_start(self) -> None:
        """Trainer-side, as a run starts: the pace counts from now."""
        self._released = time.monotonic()

    def after_batch(self, batches: int) -> str | None:
        """Trainer-side, after a batch: wait out the pace, count a step down.

        Returns ``"batch"`` when this batch ended a batch step (the control
        is then paused). ``batches``: batches per epoch.
        """
        self._pace(batches)
        with self._lock:
            if self._steps_left is None:
                return None
            self._steps_left -= 1
            if self._steps_left > 0:
                return None
            self._steps_left, self._step_kind = None, None
            if not self._stop:
                self._running.clear()
            return "batch"

    def after_epoch(self) -> str | None:
        """Trainer-side, after an epoch's callbacks: ``"epoch"`` when this
        ended an epoch step (the control is then paused)."""
        with self._lock:
            if self._step_kind != "epoch":
                return None
            self._step_kind = None
            if not self._stop:
                self._running.clear()
            return "epoch"

    def wait_if_paused(self) -> bool:
        """Block while paused; return whether a stop was requested. Trainer-side."""
        if not self._running.is_set():
            self.waiting.set()
            try:
                self._running.wait()
            finally:
                self.waiting.clear()
        return self._stop

    # -- inside ---------------------------------------------------------------------
    def _pace(self, batches: int) -> None:
        """Wait until ``epoch_seconds / batches`` have passed since the last
        batch was let go; a stop, a pause or a new pace ends the wait."""
        while True:
            self._wake.clear()
            seconds = self.epoch_seconds
            if self._stop or not self._running.is_set() or seconds <= 0:
                break
            remaining = self._released + seconds / max(1, batches) - time.monotonic()
            if remaining <= 0:
                break
            self._wake.wait(remaining)
        with self._lock:
            now = time.monotonic()
            if seconds > 0:
                due = self._released + seconds / max(1, batches)
                # a slow batch starts the next interval now (no catching up)
                self._released = due if now - due < seconds / max(1, batches) else now
            else:
                self._released = now

    def _release(self) -> None:
        """Hold already taken: let the trainer go (lock held)."""
        self._released = time.monotonic()
        self.interrupted = True
        self._running.set()
        self._wake.set()

    def _update(self) -> None:
        """:attr:`interrupted` from the flags (lock held)."""
        self.interrupted = (
            self._stop
            or not self._running.is_set()
            or self._step_kind is not None
            or self.epoch_seconds > 0
        )
