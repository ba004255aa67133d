"""Cost of one live-plot refresh with 100,000 batch points against 1,000.

The Train page's curves must cost about the same however long the run has
been going (pyqtgraph has no cheap append: guinet keeps growing arrays, calls
setData once per curve per refresh, clips to the view and downsamples the
batch trace). Each measurement adds one batch point and one epoch, refreshes
the curves and repaints the widget synchronously. Prints the median times and
the ratio (target: 100,000 points at most 1.5× 1,000 points).

    python benchmarks/plot_update.py [--reps 40]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def measure(points: int, reps: int) -> float:
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    from guinet.gui.curves import TrainingCurves

    curves = TrainingCurves()
    curves.resize(1000, 520)
    curves.show()
    epochs = 200
    per_epoch = max(1, points // epochs)
    curves.clear(epochs=epochs + reps)
    for epoch in range(epochs):
        for batch in range(per_epoch):
            curves.add_batch(
                epoch, batch, per_epoch, 1.0 / (1 + epoch + batch / per_epoch)
            )
        curves.add_epoch(
            {
                "loss": 1 / (1 + epoch),
                "val_loss": 1.1 / (1 + epoch),
                "accuracy": 1 - 1 / (2 + epoch),
                "val_accuracy": 0.9,
                "lr": 0.01,
            }
        )
    curves.refresh()
    QApplication.processEvents()
    times = []
    for i in range(reps):
        curves.add_batch(epochs + i, 0, 1, 0.01)
        curves.add_epoch(
            {
                "loss": 0.01,
                "val_loss": 0.02,
                "accuracy": 0.99,
                "val_accuracy": 0.9,
                "lr": 0.01,
            }
        )
        start = time.perf_counter()
        curves.refresh()
        curves.repaint()
        times.append(time.perf_counter() - start)
    assert curves.batch_points >= points
    curves.close()
    curves.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=40)
    args = parser.parse_args()
    from guinet.gui.app import create_application

    app = create_application()
    measure(1_000, 5)  # warm up pyqtgraph and the paint engine
    small = measure(1_000, args.reps)
    large = measure(100_000, args.reps)
    ratio = large / small
    print(f"plot refresh + repaint, median of {args.reps}:")
    print(f"  1,000 batch points   : {small * 1000:7.2f} ms")
    print(f"  100,000 batch points : {large * 1000:7.2f} ms")
    verdict = "OK" if ratio <= 1.5 else "OVER TARGET"
    print(f"  ratio                : {ratio:7.2f}x  (target <= 1.5x) {verdict}")
    app.processEvents()
    app.shutdown()  # tear Qt down before Python finalizes (avoids a PySide6 exit crash)


if __name__ == "__main__":
    main()
