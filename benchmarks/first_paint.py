"""Time to the first painted window: guinet against a bare PySide6 window.

Each run starts a fresh interpreter and measures from just before the process
starts to the first paint event of the main window; runs of the two kinds
alternate so both see the same machine state. Prints the medians and the
ratio (target: guinet at most 1.5× the bare window).

    python benchmarks/first_paint.py [--runs 9]

Uses the offscreen platform unless QT_QPA_PLATFORM or DISPLAY says otherwise.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_PAINT_HOOK = """
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            print(f"PAINTED {time.time():.6f}", flush=True)
            QTimer.singleShot(0, app.quit)
            obj.removeEventFilter(self)
        return False
hook = FirstPaint()
"""

BARE = (
    _PAINT_HOOK
    + """
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setCentralWidget(QLabel("hello"))
window.resize(1180, 760)
window.installEventFilter(hook)
window.show()
app.exec()
"""
)

GUINET = (
    _PAINT_HOOK
    + """
import guinet.cli  # the `guinet` entry point's own import
from guinet.gui.platform_check import platform_problem
assert platform_problem() is None  # what `guinet` asks before Qt starts
from guinet.gui.app import create_application, show_main_window
app = create_application()
window = show_main_window()
window.installEventFilter(hook)
app.exec()
window.torch_loader.wait()
"""
)


def first_paint_seconds(code: str) -> float:
    env = dict(os.environ)
    if "DISPLAY" not in env:
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    start = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    for line in out.stdout.splitlines():
        if line.startswith("PAINTED "):
            return float(line.split()[1]) - start
    raise RuntimeError(f"no paint seen:\n{out.stdout}\n{out.stderr}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    first_paint_seconds(BARE)  # warm the disk cache for both
    first_paint_seconds(GUINET)
    bare, guinet = [], []
    for _ in range(args.runs):
        bare.append(first_paint_seconds(BARE))
        guinet.append(first_paint_seconds(GUINET))
    b, g = statistics.median(bare), statistics.median(guinet)
    platform = os.environ.get("QT_QPA_PLATFORM") or (
        "xcb" if "DISPLAY" in os.environ else "offscreen"
    )
    print(f"first paint, median of {args.runs} runs ({platform}):")
    print(f"  bare PySide6 window : {b * 1000:7.1f} ms  (min {min(bare) * 1000:.1f})")
    print(f"  guinet main window  : {g * 1000:7.1f} ms  (min {min(guinet) * 1000:.1f})")
    verdict = "OK" if g / b <= 1.5 else "OVER TARGET"
    print(f"  ratio guinet/bare   : {g / b:7.2f}x  (target <= 1.5x) {verdict}")
    # the fastest runs are the least disturbed by whatever else the machine does
    print(f"  ratio of the minima : {min(guinet) / min(bare):7.2f}x")


if __name__ == "__main__":
    main()
