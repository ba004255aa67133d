"""Guard against Qt bindings that drop references to True/False/None.

PySide6 6.12.0 loses a reference to ``True`` on every pyqtgraph ``setData``
and repaint; on Python before 3.12 (where these objects are not immortal)
the app then aborts with "bool_dealloc" after a few minutes of live curves.
pyproject.toml excludes that release; this test catches the next one.
"""

from __future__ import annotations

import gc
import sys
import threading

import numpy as np
import pyqtgraph as pg

LIMIT = 50  # some references are cached on first use; a leak loses one per call


def test_live_plot_updates_keep_their_references(qtbot):
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    plot.show()
    curve = plot.plot(np.arange(3.0), np.ones(3))
    plot.viewport().repaint()
    before = [sys.getrefcount(v) for v in (True, False, None)]
    for i in range(400):
        curve.setData(np.arange(i + 2.0), np.ones(i + 2), symbol="o")
        plot.viewport().repaint()
    after = [sys.getrefcount(v) for v in (True, False, None)]
    lost = [b - a for b, a in zip(before, after, strict=True)]
    assert max(lost) < LIMIT, f"references lost to True/False/None: {lost}"


class _Cycle:
    """Garbage only the cyclic collector can free; says on which thread it died."""

    freed_on: list[int] = []

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        _Cycle.freed_on.append(threading.get_ident())


def test_garbage_made_on_a_worker_thread_is_collected_on_the_gui_thread(qapp, qtbot):
    """A collection on a worker thread can free widgets there and deadlock."""
    from guinet.gui import gc_guard
    from guinet.gui.app import create_application

    create_application()
    collector = gc_guard.install(qapp)
    assert not gc.isenabled()
    gui = threading.get_ident()
    count = 20 * collector.threshold[0]  # far past every automatic threshold
    collected_on: list[int] = []

    def record(phase: str, info: dict) -> None:
        if phase == "start":
            collected_on.append(threading.get_ident())

    def make_garbage() -> None:
        for _ in range(count):
            _Cycle()

    _Cycle.freed_on = []
    gc.callbacks.append(record)
    try:
        worker = threading.Thread(target=make_garbage, name="garbage-maker")
        worker.start()
        qtbot.waitUntil(lambda: not worker.is_alive(), timeout=10_000)
        # the guard's timer on the GUI thread frees it, without being asked;
        # as with automatic collection, fewer than a threshold's worth of
        # objects may wait for more allocations (the timer may have collected
        # while the worker was still making garbage)
        left = collector.threshold[0]
        qtbot.waitUntil(lambda: len(_Cycle.freed_on) >= count - left, timeout=10_000)
    finally:
        gc.callbacks.remove(record)
    assert collected_on, "nothing was collected"
    assert set(collected_on) == {gui}, "a collection ran on the worker thread"
    assert set(_Cycle.freed_on) == {gui}
