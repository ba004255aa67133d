"""Guard against Qt bindings that drop references to True/False/None.

PySide6 6.12.0 loses a reference to ``True`` on every pyqtgraph ``setData``
and repaint; on Python before 3.12 (where these objects are not immortal)
the app then aborts with "bool_dealloc" after a few minutes of live curves.
pyproject.toml excludes that release; this test catches the next one.
"""

from __future__ import annotations

import sys

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


def test_the_garbage_collector_runs_on_the_gui_thread_only(qapp):
    """A collection on a worker thread can free widgets there and deadlock."""
    import gc

    from guinet.gui import gc_guard
    from guinet.gui.app import create_application

    create_application()
    collector = gc_guard.install(qapp)
    assert not gc.isenabled()
    garbage = [[] for _ in range(collector.threshold[0] + 10)]
    for item in garbage:
        item.append(item)  # cycles only the collector can free
    del garbage
    before = collector.collections
    collector.check()
    assert collector.collections == before + 1
