"""Run Python's cyclic garbage collector on the GUI thread only.

The collector runs on whichever thread happens to allocate when a threshold
is crossed. If that is a worker thread (data loading, training) and the cycle
holds Qt widgets, their C++ destructors run there, take Qt's locks and wait
for the GIL — while the GUI thread, holding the GIL, waits for those locks:
a deadlock (seen here: a QMenu freed by the collector inside a data worker).
So automatic collection is switched off and a timer on the GUI thread
collects instead, as often as the thresholds would have.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer, Slot

INTERVAL_MS = 500


class MainThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        self.collections = 0
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    @Slot()
    def check(self) -> None:
        """Collect the generations whose counts crossed their thresholds."""
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self.threshold[generation]:
                gc.collect(generation)
                self.collections += 1
                return


_collector: list[MainThreadCollector] = []


def install(app: QObject) -> MainThreadCollector:
    """Once per application: idempotent."""
    if not _collector:
        _collector.append(MainThreadCollector(app))
    return _collector[0]
