"""Load torch after the window shows, off the GUI thread.

Importing torch takes a second or more; doing it before the first paint would
make the window appear late. The designer shows the layer stack at once and
fills in shapes and parameter counts when :func:`is_ready` turns true.
The module-level state answers "is torch here?" for every window and for the
command line; :class:`TorchLoader` only decides where the import runs.
"""

from __future__ import annotations

import importlib
import threading

from PySide6.QtCore import QObject, Signal

from guinet.gui.workers import Worker, WorkerController

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
        # The first shape analysis on the meta device runs torch's Python
        # decompositions, which import torch._dynamo (1.5-2 s) on first use:
        # here, off the GUI thread, rather than in the designer's first paint.
        importlib.import_module("torch._dynamo")
    except Exception as exc:  # a broken install must not kill the window
        _error.append(f"PyTorch could not be loaded: {exc}")
    finally:
        _ready.set()


class _TorchImport(Worker):
    def work(self) -> None:
        _import()


class TorchLoader(WorkerController):
    """Emits :attr:`loaded` on the GUI thread once torch is importable.

    The import runs in a worker of :mod:`guinet.gui.workers`, so closing the
    window ends it on the same quit-and-wait path as data loading and
    training. ``loaded`` also comes when the import failed: :func:`error`
    then says why.
    """

    loaded = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__("guinet-import-torch", parent)

    def start(self) -> None:
        if is_ready():
            self.loaded.emit()
        elif not self.running:
            self._launch(_TorchImport(self._next_run_id()))

    def wait(self, timeout: float | None = None) -> bool:
        """Closing: wait up to ``timeout`` seconds for the import, then let go.

        An import cannot be interrupted, so this is :meth:`stop` with a
        timeout: ``loaded`` no longer comes, and an import still going is kept
        until it ends. ``False`` if it did not end in time.
        """
        return self.stop(None if timeout is None else int(timeout * 1000))

    def _deliver_result(self, result: object) -> None:
        self.loaded.emit()
