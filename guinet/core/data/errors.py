"""What loading data can raise, and the progress/cancel plumbing every loader shares.

Every problem a person can fix in their data is a :class:`DataError` carrying one
sentence that names the file, column or row; the data panel shows it as is.
"""

from __future__ import annotations

import time
from collections.abc import Callable

ProgressFn = Callable[[float, str], None]
REPORT_INTERVAL = 0.05  # seconds between progress reports (at most ~20 a second)
CancelledFn = Callable[[], bool]


class DataError(ValueError):
    """Data that cannot be used as it is; the message says what to change."""


class DataCancelled(Exception):
    """Loading was stopped because ``cancelled()`` returned true."""

    def __init__(self) -> None:
        super().__init__("loading the data was cancelled")


class Progress:
    """Reports a fraction in [0, 1] and checks for cancellation.

    Loaders call :meth:`update` between chunks, files or stages; it raises
    :class:`DataCancelled` as soon as ``cancelled()`` says so, and forwards at
    most ~20 progress reports a second (plus forced ones and the last) so a
    GUI listener is never flooded. Reported fractions never go down, even
    when a reader starts over another way. :meth:`stage` maps a sub-task's
    own 0..1 onto a slice of the whole, so a reader need not know what comes
    after it.
    """

    def __init__(
        self,
        progress: ProgressFn | None = None,
        cancelled: CancelledFn | None = None,
        *,
        start: float = 0.0,
        stop: float = 1.0,
        _last: list[float] | None = None,
    ) -> None:
        self._progress = progress
        self._cancelled = cancelled
        self._start = start
        self._stop = stop
        # [time of the last report, highest fraction reported], shared with
        # every stage so throttling and monotony hold for the whole task
        self._last = _last if _last is not None else [-1.0, 0.0]

    def stage(self, start: float, stop: float) -> Progress:
        """A view of this reporter whose 0..1 covers ``start..stop`` of this one."""
        span = self._stop - self._start
        return Progress(
            self._progress,
            self._cancelled,
            start=self._start + span * start,
            stop=self._start + span * stop,
            _last=self._last,
        )

    def check(self) -> None:
        """Raise :class:`DataCancelled` if the caller asked to stop."""
        if self._cancelled is not None and self._cancelled():
            raise DataCancelled

    def update(self, fraction: float, message: str, *, force: bool = False) -> None:
        self.check()
        if self._progress is None:
            return
        now = time.monotonic()
        done = fraction >= 1.0 and self._stop >= 1.0
        if not force and not done and now - self._last[0] < REPORT_INTERVAL:
            return
        value = self._start + (self._stop - self._start) * min(max(fraction, 0.0), 1.0)
        value = max(value, self._last[1])
        self._last[0], self._last[1] = now, value
        self._progress(value, message)


def raise_problems(name: str, problems: list[str]) -> None:
    """Raise one :class:`DataError` telling every problem of ``name`` at once.

    A single problem keeps its own sentence; several are listed one a line,
    so a person fixes a file in one pass instead of one error at a time.
    """
    if len(problems) == 1:
        raise DataError(problems[0])
    if problems:
        listed = "\n".join(f"• {p}" for p in problems)
        raise DataError(f"{name} has {len(problems)} problems to fix:\n{listed}")
