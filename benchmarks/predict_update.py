"""What one update of the Predict page costs, against a budget and a bare forward.

The page predicts on the GUI thread on every field change and (coalesced
per event-loop turn) on every mouse move while drawing, which is only right
if an update stays well under ~20 ms. This measures, in one process on the
CPU, the median of many updates of:

* digits: the real page part (:class:`~guinet.gui.image_predictor.ImagePredictor`,
  offscreen) with the shipped digits CNN: the canvas's picture copied out,
  made into the model input as the digits were, predicted, bars and the
  8×8 view repainted;
* iris: the row tool (:class:`~guinet.gui.row_predictor.RowPredictor`) with
  the shipped iris MLP: the fields read, encoded and scaled, predicted,
  bars repainted;

each next to the bare ``model(x)`` forward pass of the same input under
``torch.no_grad()`` (the reference, with torch's default threads), and
prints the wall and GUI-thread CPU time, the ratio to the reference and the
share of the 20 ms budget. Exits 1 if an update takes 20 ms or more.

    python benchmarks/predict_update.py [--updates 300]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BUDGET_MS = 20.0


def median_ms(work: Callable[[], object], updates: int) -> tuple[float, float]:
    """Median wall time and median CPU time of the calling thread, in ms.

    The thread's CPU time is what an update costs the GUI thread whatever
    else the machine runs (on a busy machine wall time also counts the
    waits for a core); the budget is judged on the wall time."""
    for _ in range(10):  # warm up
        work()
    wall, cpu = [], []
    for _ in range(updates):
        start, start_cpu = time.perf_counter(), time.thread_time()
        work()
        cpu.append(time.thread_time() - start_cpu)
        wall.append(time.perf_counter() - start)
    return 1000.0 * statistics.median(wall), 1000.0 * statistics.median(cpu)


def report(what: str, update: tuple[float, float], bare: tuple[float, float]) -> None:
    print(
        f"{what}: {update[0]:.2f} ms wall, {update[1]:.2f} ms CPU of the GUI "
        f"thread (bare forward {bare[0]:.3f} ms wall, {bare[1]:.3f} ms CPU; "
        f"ratio {update[1] / bare[1]:.1f}x in CPU); "
        f"{100 * update[0] / BUDGET_MS:.1f}% of the {BUDGET_MS:g} ms budget"
    )


def trained(example: str):  # type: ignore[no-untyped-def]
    """The example's model on the CPU (its initial weights: the cost is the same)."""
    from guinet._resources import resources_dir
    from guinet.core.project import Project
    from guinet.core.session import Session
    from guinet.core.trained import TrainedModel

    project = Project.load(resources_dir() / "examples" / example)
    session = Session(project)
    prepared = session.prepare_data()
    model = session.model_for_data().build("cpu").eval()
    return TrainedModel(model, None, prepared, "cpu", session)  # type: ignore[arg-type]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=300)
    args = parser.parse_args()

    import numpy as np
    import torch
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from guinet.core.predict_fields import feature_fields
    from guinet.core.predict_images import trained_image_input
    from guinet.gui.image_predictor import ImagePredictor
    from guinet.gui.row_predictor import RowPredictor

    app = QApplication.instance() or QApplication([])
    worst = 0.0
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, CPU")

    digits = trained("digits_cnn.guinet")
    spec = trained_image_input(digits)
    assert spec is not None
    tool = ImagePredictor(digits, spec)
    tool.show()
    canvas = tool.canvas
    left, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    QTest.mousePress(canvas, left, none, QPoint(60, 50))
    for x, y in ((160, 50), (110, 120), (160, 190), (60, 200)):
        QTest.mouseMove(canvas, QPoint(x, y))
    QTest.mouseRelease(canvas, left, none, QPoint(60, 200))
    app.processEvents()

    def draw_update() -> None:
        tool.predict_drawing()
        tool.bars.repaint()
        tool.seen.repaint()

    assert tool.last_input is not None
    x = torch.from_numpy(tool.last_input)

    def forward() -> None:
        with torch.no_grad():
            digits.model(x)

    update, bare = (
        median_ms(draw_update, args.updates),
        median_ms(forward, args.updates),
    )
    worst = max(worst, update[0])
    report("digits drawing update", update, bare)

    iris = trained("iris_mlp.guinet")
    rows = RowPredictor(iris, feature_fields(iris.prepared))
    rows.show()
    app.processEvents()
    spin = next(iter(rows.editors.values()))
    values = [spin.value(), spin.value() + spin.singleStep()]
    state = {"i": 0}

    def field_update() -> None:  # a value changes: the page predicts and repaints
        state["i"] ^= 1
        spin.setValue(values[state["i"]])
        rows.bars.repaint()

    assert rows.last_input is not None
    row = torch.from_numpy(np.ascontiguousarray(rows.last_input))

    def row_forward() -> None:
        with torch.no_grad():
            iris.model(row)

    update = median_ms(field_update, args.updates)
    bare = median_ms(row_forward, args.updates)
    worst = max(worst, update[0])
    report("iris field update", update, bare)
    tool.close()
    rows.close()
    return 0 if worst < BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
