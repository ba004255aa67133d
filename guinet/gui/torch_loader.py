"""Load torch after the window shows, off the GUI thread.

Importing torch takes a second or more; doing it before the first paint would
make the window appear late. The designer shows the layer stack at once and
fills in shapes and parameter counts when :func:`is_ready` turns true.
"""

from __future__ import annotations

import importlib
import threading

from PySide6.QtCore import QObject, QTimer, Signal, Slot

_ready = threading.Event()
_error: list[str] = []


def is_ready() -> bool:
    return _ready.is_set()


def error() -> str | None:
    return _error[0] if _error else None


def load_now() -> None:
    """Import torch on this thread (tests, and the command line)."""
    _import()


def _import() -> None:
    try:
        importlib.import_module("torch")
    except Exception as exc:  # a broken install must not kill the window
        _error.append(f"PyTorch could not be loaded: {exc}")
    finally:
        _ready.set()


class TorchLoader(QObject):
    """Emits :attr:`loaded` on the GUI thread once torch is importable."""

    loaded = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: threading.Thread | None = None
        self._poll = QTimer(self)
        self._poll.setInterval(30)
        self._poll.timeout.connect(self._check)

    def start(self) -> None:
        if not is_ready() and (self._thread is None or not self._thread.is_alive()):
            self._thread = threading.Thread(target=_import, name="guinet-import-torch")
            self._thread.start()
        self._poll.start()
        self._check()

    def wait(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    @Slot()
    def _check(self) -> None:
        if is_ready():
            self._poll.stop()
            self.wait()
            self.loaded.emit()
