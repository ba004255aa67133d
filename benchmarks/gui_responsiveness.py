"""Does the window stay responsive while a model trains?

A 10 ms QTimer runs in the GUI thread; its lateness (time between ticks minus
10 ms) is recorded first with the window idle and then while the Train page
trains a small MLP at batch size 10 on the CPU in its worker thread, with the
live curves and the decision boundary drawing. Prints p50/p99/max of both
and the training throughput (target: p99 lateness under 50 ms while training).

    python benchmarks/gui_responsiveness.py [--seconds 4]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0)
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
    project = window.project
    project.set_value("data.source.samples", 20_000)
    project.set_training(
        project.training.replace(batch_size=10, epochs=1000)
        .with_value("early_stopping.enabled", False)
        .with_value("checkpoint.enabled", False)
    )
    panel = window.training_panel
    window.tabs.setCurrentWidget(panel)
    run_for(1.0)  # let the data page prepare the data

    probe = LatenessProbe()
    probe.start()
    run_for(args.seconds)
    idle = probe.stop()

    epochs: list[dict] = []

    def on_epoch(logs: dict, *_status: object) -> None:
        epochs.append(logs)

    panel.runner.epoch_finished.connect(on_epoch)
    panel.start_training()
    run_for(0.5)  # past the start-up (data to tensors, model build)
    probe.start()
    started = time.perf_counter()
    run_for(args.seconds, until=panel.runner.run_ended)
    training_late = probe.stop()
    elapsed = time.perf_counter() - started
    samples = sum(e.get("samples_per_sec", 0) * e.get("time", 0) for e in epochs)
    boundary_updates = panel.boundary.update_count
    panel.stop_training()
    app.processEvents()

    print(f"GUI-thread timer lateness (10 ms timer, {args.seconds:g} s each):")
    print(describe("idle", idle))
    print(describe("training", training_late))
    print(
        f"  training ran {len(epochs)} epochs, ~{samples / max(elapsed, 1e-9):,.0f} "
        "samples/s while the window drew its curves and "
        f"{boundary_updates} decision boundaries"
    )
    p99 = float(np.percentile(training_late, 99))
    verdict = "OK" if p99 < 50 else "OVER TARGET"
    print(f"  p99 while training: {p99:.1f} ms (target < 50 ms) {verdict}")
    window.undo_stack.setClean()
    window.close()


if __name__ == "__main__":
    main()
