"""How far a run has got, in words: epoch, batch, elapsed time, time left.

:class:`RunProgress` is plain Python (no Qt): the Train page feeds it what
the worker reports and reads back the fraction done and the progress text.
Time spent paused does not count as elapsed, so the estimate of the time
left is not thrown off by a pause. :func:`outcome` turns a finished run's
summary into the page's status line.
"""

from __future__ import annotations

import re
import time
from typing import Any

from guinet.core.training.metrics import format_value


def duration(seconds: float) -> str:
    """``0.4 s`` under ten seconds, then ``1:05`` or ``2:03:10``."""
    if seconds < 9.95:
        return f"{max(0.0, seconds):.1f} s"
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class RunProgress:
    """The progress of one run; times come from ``clock`` (seconds)."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self.info: dict[str, Any] = {}
        self.epochs = 0  # planned
        self.epochs_done = 0
        #: The last reported batch: (epoch from 0, batches done in it, batches).
        self.position: tuple[int, int, int] = (0, 0, 0)
        self.started_at: float | None = None  # when training (not preparing) began
        self._paused_at: float | None = None
        self._paused_for = 0.0

    @property
    def started(self) -> bool:
        return self.started_at is not None

    def start(self, info: dict[str, Any]) -> None:
        self.info = dict(info)
        self.epochs = int(info.get("epochs", 0))
        self.started_at = self._clock()

    def epoch_finished(self, logs: dict[str, Any]) -> None:
        self.epochs_done = int(logs.get("epoch", self.epochs_done + 1))

    def batch_finished(self, epoch: int, batch: int, batches: int) -> None:
        """``epoch`` and ``batch`` count from 0, as the engine reports them."""
        self.position = (epoch, batch + 1, batches)

    def pause(self) -> None:
        if self._paused_at is None:
            self._paused_at = self._clock()

    def resume(self) -> None:
        if self._paused_at is not None:
            self._paused_for += self._clock() - self._paused_at
            self._paused_at = None

    def elapsed(self) -> float:
        """Seconds spent training so far, pauses left out."""
        if self.started_at is None:
            return 0.0
        paused = self._paused_for
        if self._paused_at is not None:
            paused += self._clock() - self._paused_at
        return self._clock() - self.started_at - paused

    def fraction(self) -> float:
        if not self.epochs:
            return 0.0
        epoch, batch, batches = self.position
        within = (epoch + batch / batches) / self.epochs if batches else 0.0
        return min(1.0, max(self.epochs_done / self.epochs, within))

    def text(self, final: bool = False) -> str:
        """``Epoch 3/20 · batch 7/10 · 4.2 s elapsed · about 0:21 left``."""
        if not self.started or not self.epochs:
            return "" if final else "Preparing…"
        epoch, batch, batches = self.position
        shown = min(self.epochs, max(self.epochs_done, epoch + 1))
        parts = [f"Epoch {shown}/{self.epochs}"]
        if batches and not final:
            parts.append(f"batch {batch}/{batches}")
        elapsed = self.elapsed()
        parts.append(f"{duration(elapsed)} elapsed")
        fraction = self.fraction()
        if not final and 0.02 < fraction < 1.0 and elapsed > 0.5:
            parts.append(f"about {duration(elapsed * (1 - fraction) / fraction)} left")
        return "  ·  ".join(parts)

    def where(self) -> str:
        """``epoch 4, batch 7/10``: where a paused run holds."""
        epoch, batch, batches = self.position
        return f"epoch {epoch + 1}, batch {batch}/{batches}" if batches else ""


#: A first word that is a file name or a path keeps its spelling.
_FILE_NAME = re.compile(r"\.\w+$|[/\\]")


def sentence(text: str) -> str:
    """``text`` starting with a capital, unless it starts with a file's name
    (``best-epoch228….ckpt does not fit`` must name the real file)."""
    text = text.strip()
    if _FILE_NAME.search(text.split(" ", 1)[0]):
        return text
    return text[:1].upper() + text[1:] if text else text


def outcome(summary: dict[str, Any], seconds: float) -> tuple[str, str]:
    """The status line for a finished run, and its state (``done``/``failed``)."""
    run, planned = summary.get("epochs_run", 0), summary.get("epochs", 0)
    reason = summary.get("stop_reason")
    took = duration(seconds)
    if reason == "completed":
        head = f"✓ Finished {run} epochs in {took}"
    elif reason == "stopped":
        head = f"Stopped after {run} of {planned} epochs ({took})"
    elif reason == "early_stopping":
        head = f"✓ Stopped early after {run} of {planned} epochs ({took})"
    elif reason == "non_finite":
        why = sentence(str(summary.get("message") or "the loss diverged"))
        head = f"⚠ Stopped after {run} of {planned} epochs. {why}"
    else:
        head = f"Ended after {run} of {planned} epochs ({took})"
    parts = [head]
    test = {k: v for k, v in (summary.get("test") or {}).items() if v is not None}
    if test:
        scores = ", ".join(
            f"{key} {format_value(key, value)}" for key, value in test.items()
        )
        parts.append(f"test {scores}")
    best, epoch = summary.get("best"), summary.get("best_epoch")
    if best is not None and epoch is not None:
        parts.append(
            f"best {summary.get('monitor', 'loss')} {best:.4f} (epoch {epoch})"
        )
    return " · ".join(parts), "failed" if reason == "non_finite" else "done"
