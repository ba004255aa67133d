"""What one live update of the network view costs the GUI thread.

During a run the view gets a copy of the weights a few times a second (and
at every epoch's end). On the GUI thread it only queues the copy and, when a
picture computed off the thread arrives, turns its maps into images and
repaints; the model copy, the activation maps over the grid and their
colours are computed in a worker thread. This measures, in one process on
the CPU, the median GUI-thread cost of one update —

* ``show_state`` (queueing a copy), and
* drawing a computed picture (images made, the canvas repainted),

against the reference of computing that picture on the GUI thread (what the
worker does: the model copy, the maps, the colours), for the moons MLP
(2-16-16-2, 24×24 maps per unit) and the digits CNN, and prints the ratio
and the share of the 50 ms p99 budget of the responsiveness target.

    python benchmarks/network_view_update.py [--updates 100]
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

BUDGET_MS = 50.0


def median_ms(work: Callable[[], object], updates: int) -> tuple[float, float]:
    """Median wall and calling-thread CPU time of ``work``, in ms."""
    for _ in range(5):
        work()
    wall, cpu = [], []
    for _ in range(updates):
        start, start_cpu = time.perf_counter(), time.thread_time()
        work()
        cpu.append(time.thread_time() - start_cpu)
        wall.append(time.perf_counter() - start)
    return 1000.0 * statistics.median(wall), 1000.0 * statistics.median(cpu)


def measure(example: str, updates: int) -> bool:
    import torch
    from PySide6.QtWidgets import QApplication

    from guinet._resources import find_example
    from guinet.core.project import Project
    from guinet.core.session import Session
    from guinet.core.training.snapshots import copy_state
    from guinet.gui.network_view import NetworkView, _compute

    path = find_example(example)
    assert path is not None
    session = Session(Project.load(path))
    session.prepare_data()
    torch.manual_seed(0)
    state = copy_state(session.model_for_data().build("cpu"))
    view = NetworkView(session)
    view.resize(900, 560)
    view.show()
    QApplication.processEvents()
    view.show_state(state, 1, None)
    view._timer.stop()  # noqa: SLF001 - the benchmark draws by hand
    job = view._pending  # noqa: SLF001
    assert job is not None
    picture = _compute(job)
    canvas = view.conv if type(picture).__name__ == "ConvPicture" else view.dense

    def queue() -> None:
        view.show_state(state, 1, None)
        view._timer.stop()  # noqa: SLF001

    def draw() -> None:
        view._on_computed((job, picture))  # noqa: SLF001
        canvas.repaint()

    queued = median_ms(queue, updates)
    drawn = median_ms(draw, updates)
    reference = median_ms(lambda: _compute(job), max(10, updates // 5))
    gui = queued[0] + drawn[0]
    gui_cpu = queued[1] + drawn[1]
    print(
        f"{example}: GUI thread per update {gui:.2f} ms wall, {gui_cpu:.2f} ms "
        f"CPU (queue {queued[0]:.3f} ms, draw {drawn[0]:.2f} ms wall); the "
        f"picture computed on the GUI thread instead: {reference[0]:.2f} ms "
        f"wall, {reference[1]:.2f} ms CPU. Ratio {gui / reference[0]:.2f}× "
        f"(wall), {gui_cpu / reference[1]:.2f}× (CPU); "
        f"{100 * gui / BUDGET_MS:.0f}% of the {BUDGET_MS:.0f} ms budget"
    )
    view.stop()
    view.deleteLater()
    return gui < BUDGET_MS


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=100)
    args = parser.parse_args()
    import torch  # noqa: F401 - loaded before the window, as the app does
    from PySide6.QtWidgets import QApplication

    _app = QApplication.instance() or QApplication([])
    ok = all([measure(name, args.updates) for name in ("moons_mlp", "digits_cnn")])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
