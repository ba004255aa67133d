"""Does the window stay responsive while a model trains?

A 10 ms QTimer runs in the GUI thread; its lateness (time between ticks minus
10 ms) is recorded first with the window idle (the reference, same run) and
then while the Train page trains a small MLP at batch size 10 on the CPU
(``--device cuda``: on the GPU) in its worker thread on the two spirals
(issue 11's classroom case; ``--data moons`` for the earlier figure), with
the live curves and every live view the Train page has
(:func:`turn_on_live_views`) drawing. Prints p50/p99/max
of both, their ratio, and the training throughput (target: p99 lateness
under 50 ms while training). ``--presentation`` measures presentation mode
(full screen, large text, 3-px plot lines); ``--only network`` keeps one
live view (by title) and hides the others.

On a GPU (issue 13: one H200, ``--device cuda``): p99 9.0 ms while training
(idle 0.3 ms), the curves, the decision boundary and the network drawing.

    python benchmarks/gui_responsiveness.py [--seconds 4] [--data spirals|moons]
                                            [--presentation] [--only VIEW]
                                            [--device cpu|cuda]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QElapsedTimer, QEventLoop, Qt, QTimer  # noqa: E402


class LatenessProbe:
    """Ticks every 10 ms on the GUI thread and records how late each tick is."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.clock = QElapsedTimer()
        self.late: list[float] = []

    def start(self) -> None:
        self.late = []
        self.clock.start()
        self.timer.start()

    def stop(self) -> np.ndarray:
        self.timer.stop()
        return np.array(self.late)

    def _tick(self) -> None:
        elapsed = self.clock.nsecsElapsed() / 1e6
        self.clock.restart()
        self.late.append(max(0.0, elapsed - 10.0))


def run_for(seconds: float, until=None) -> None:  # type: ignore[no-untyped-def]
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    if until is not None:
        until.connect(loop.quit)
    loop.exec()


def describe(name: str, late: np.ndarray) -> str:
    p50, p99 = np.percentile(late, [50, 99])
    return (
        f"  {name:<9}: p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   "
        f"max {late.max():6.1f} ms   ({len(late)} ticks)"
    )


#: Attributes of the Train page that may hold a live view (the decision
#: boundary and the network view of issue 11), looked for by name.


def turn_on_live_views(panel, only: str | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    """Show the live views the Train page has registered beside the curves
    (its ClassroomViews: the decision boundary, the network), or only the one
    whose title contains ``only``, the others hidden; their titles."""
    shown = []
    for title, view in panel.classroom.views.items():
        wanted = only is None or only.lower() in title.lower()
        view.parentWidget().setVisible(wanted)  # the view's pane
        if wanted:
            shown.append(title)
    return shown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--data", choices=("spirals", "moons"), default="spirals")
    parser.add_argument("--presentation", action="store_true")
    parser.add_argument(
        "--only",
        metavar="VIEW",
        help="only the live view whose title contains VIEW (e.g. network)",
    )
    parser.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    args = parser.parse_args()

    from guinet._resources import resource
    from guinet.gui import torch_loader
    from guinet.gui.app import create_application
    from guinet.gui.main_window import MainWindow

    torch_loader.load_now()
    app = create_application()
    window = MainWindow()
    window.resize(1280, 800)
    window.show()
    window.open_example(resource("examples", "moons_mlp.guinet"))
    window.lesson_pane.close()  # the views side by side, not tabs (narrow)
    project = window.project
    if args.data == "spirals":
        project.set_value("data.source.name", "spirals")
    project.set_value("data.source.samples", 20_000)
    project.set_training(
        project.training.replace(batch_size=10, epochs=1000, device=args.device)
        .with_value("early_stopping.enabled", False)
        .with_value("checkpoint.enabled", False)
    )
    panel = window.training_panel
    window.tabs.setCurrentWidget(panel)
    views = turn_on_live_views(panel, args.only)
    if args.presentation:
        window.view_controls.presentation.set_active(True)
    run_for(1.0)  # let the data page prepare the data
    if panel.classroom.tabbed:
        sys.exit("the classroom views are tabs (window too narrow): not all are live")

    probe = LatenessProbe()
    probe.start()
    run_for(args.seconds)
    idle = probe.stop()

    epochs: list[dict] = []

    def on_epoch(logs: dict, *_status: object) -> None:
        epochs.append(logs)

    panel.runner.epoch_finished.connect(on_epoch)
    #: the latest (epoch, batch, batches per epoch) reported
    where = [(0, 0, 1)]

    def on_batch(epoch: int, batch: int, batches: int, _loss: float) -> None:
        where[0] = (epoch, batch, batches)

    panel.runner.batch_progressed.connect(on_batch)
    panel.start_training()
    run_for(0.5)  # past the start-up (data to tensors, model build)
    probe.start()
    started = time.perf_counter()
    first = where[0]
    run_for(args.seconds, until=panel.runner.run_ended)
    training_late = probe.stop()
    elapsed = time.perf_counter() - started
    last = where[0]
    batches = (last[0] - first[0]) * last[2] + last[1] - first[1]
    samples = batches * project.training.batch_size
    boundary_updates = panel.boundary.update_count
    panel.stop_training()
    app.processEvents()

    mode = "presentation mode" if args.presentation else "normal window"
    device = args.device
    if device.startswith("cuda"):
        import torch

        device += f" ({torch.cuda.get_device_name(torch.device(device))})"
    print(
        f"GUI-thread timer lateness (10 ms timer, {args.seconds:g} s each), "
        f"{args.data}, {mode}, training on {device}, live views: curves"
        + "".join(f", {name}" for name in views)
    )
    print(describe("idle", idle))
    print(describe("training", training_late))
    idle_p99 = max(float(np.percentile(idle, 99)), 1e-3)
    print(
        "  ratio training/idle: p99 "
        f"{float(np.percentile(training_late, 99)) / idle_p99:.1f}x"
    )
    print(
        f"  training ran {len(epochs)} epochs, ~{samples / max(elapsed, 1e-9):,.0f} "
        "samples/s while the window drew its curves and "
        f"{boundary_updates} decision boundaries"
    )
    p99 = float(np.percentile(training_late, 99))
    verdict = "OK" if p99 < 50 else "OVER TARGET"
    print(f"  p99 while training: {p99:.1f} ms (target < 50 ms) {verdict}")
    window.view_controls.presentation.set_active(False)
    window.undo_stack.setClean()
    window.close()


if __name__ == "__main__":
    main()
