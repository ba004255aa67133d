"""What one live update of the decision boundary costs the GUI thread.

The Train page redraws the boundary from each weight copy a run makes (up to
~6 a second). The model, the forward pass over the 100×100 grid and the RGBA
image are computed in a worker thread (:mod:`guinet.gui.boundary_view`), so
the GUI thread should only pay for starting that work, receiving the image
and painting it. This measures, in one process on the CPU, for the spirals
data and a 2-16-16-16-2 Tanh MLP (the screenshot's model):

* the real view, end to end: ``show_state`` → the worker computes → the
  image is set → the plot repainted (the pending paint events processed),
  counting the GUI thread's CPU time only
  (the thread sleeps in the event loop while the worker runs);
* the reference, in the same run: the same update done all on the GUI
  thread (model rebuilt, forward pass, RGBA, image set, repaint), which is
  what drawing the boundary would cost without the worker.

Prints the medians and their ratio; exits 1 if an update costs the GUI thread
more than half the reference (the worker would then buy little).

    python benchmarks/boundary_update.py [--updates 60]
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

LAYERS = [
    {"type": "Linear", "out_features": 16},
    {"type": "Tanh"},
    {"type": "Linear", "out_features": 16},
    {"type": "Tanh"},
    {"type": "Linear", "out_features": 16},
    {"type": "Tanh"},
    {"type": "Linear", "out_features": 2},
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=60)
    args = parser.parse_args()

    import torch
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from guinet.core.boundary import boundary_rgba, evaluate_boundary
    from guinet.core.data import prepare
    from guinet.core.model import ModelSpec
    from guinet.gui import boundary_view
    from guinet.gui.data_views import CLASS_COLORS

    app = QApplication.instance() or QApplication([])
    prepared = prepare(
        {
            "source": {"kind": "builtin", "name": "spirals", "samples": 600},
            "target": -1,
            "task": "multiclass",
            "scaling": "standard",
            "split": {"validation": 0.2, "test": 0.2, "seed": 0},
        },
        ".",
    )
    spec = ModelSpec.from_dict({"input_shape": [2], "layers": LAYERS})
    states = []
    for seed in range(8):
        torch.manual_seed(seed)
        states.append(spec.build("cpu").state_dict())

    boundary_view.MIN_INTERVAL_MS = 0  # measure the work, not the rate limit
    view = boundary_view.BoundaryView()
    view.resize(420, 420)
    view.show()
    view.set_data(spec, prepared)
    app.processEvents()

    def live_update(i: int) -> float:
        loop = QEventLoop()
        view.updated.connect(loop.quit)
        QTimer.singleShot(10_000, loop.quit)
        start = time.thread_time()
        view.show_state(states[i % len(states)], i, None)
        loop.exec()
        app.processEvents()  # the repaint the new image asked for
        used = time.thread_time() - start
        view.updated.disconnect(loop.quit)
        return used

    def on_thread_update(i: int) -> float:
        plan = view.plan
        start = time.thread_time()
        model = spec.build("cpu").eval()
        model.load_state_dict(states[i % len(states)])
        result = evaluate_boundary(model, plan)  # type: ignore[arg-type]
        view._show(result, boundary_rgba(result, CLASS_COLORS))
        app.processEvents()
        return time.thread_time() - start

    for i in range(5):  # warm up both
        live_update(i)
        on_thread_update(i)
    live, reference = [], []
    for i in range(args.updates):
        live.append(live_update(i))
        reference.append(on_thread_update(i))
    view.stop()
    live_ms = 1000 * statistics.median(live)
    ref_ms = 1000 * statistics.median(reference)
    ratio = live_ms / ref_ms
    print(
        f"boundary update ({view.plan.size}x{view.plan.size} grid, "  # type: ignore[union-attr]
        f"{args.updates} updates): GUI-thread CPU {live_ms:.2f} ms per update "
        f"with the worker; {ref_ms:.2f} ms all on the GUI thread (reference); "
        f"ratio {ratio:.2f}x"
    )
    return 0 if ratio <= 0.5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
