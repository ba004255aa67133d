"""A minimal callback signal for Qt-free models.

Core objects announce changes through :class:`Signal`; the Qt layer connects
adapters (item models, views) to them. Callbacks run synchronously, in the
order they were connected, on the thread that made the change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


class Signal:
    """A list of callbacks called with the emitted arguments."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[..., Any]] = []
        self._blocked = 0

    def connect(self, callback: Callable[..., Any]) -> Callable[..., Any]:
        if callback not in self._callbacks:
            self._callbacks.append(callback)
        return callback

    def disconnect(self, callback: Callable[..., Any] | None = None) -> None:
        """Disconnect one callback, or every callback when given none."""
        if callback is None:
            self._callbacks.clear()
        elif callback in self._callbacks:
            self._callbacks.remove(callback)

    def emit(self, *args: Any) -> None:
        if self._blocked:
            return
        for callback in list(self._callbacks):
            callback(*args)

    @contextmanager
    def blocked(self) -> Iterator[None]:
        self._blocked += 1
        try:
            yield
        finally:
            self._blocked -= 1

    def __len__(self) -> int:
        return len(self._callbacks)
