"""Start time and size of the PyInstaller bundle against the source install.

Runs the same commands through the built app (packaging/build.py) and through
``python -m guinet`` from this checkout, alternating so both see the same
machine state, and prints the medians and the ratio bundle / source:

- ``--version``: the program starts (no torch);
- ``summary moons_mlp``: torch imported, a model built;
- ``--self-test``: the window opens offscreen, trains one epoch and closes.

    python benchmarks/bundle_start.py [--runs 5] [--app build/bundle/dist/guinet]

Also prints the bundle folder's size and its ten largest top-level parts.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "packaging"))

from build import app_dir, folder_size  # noqa: E402  (packaging/build.py)

COMMANDS = (["--version"], ["summary", "moons_mlp"], ["--self-test"])


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--app", type=Path, default=app_dir())
    args = parser.parse_args()
    app = args.app / ("guinet.exe" if sys.platform == "win32" else "guinet")
    if not app.is_file():
        raise SystemExit(f"no bundle at {app}: run python packaging/build.py")
    scratch = tempfile.mkdtemp(prefix="guinet-bundle-bench-")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.update(GUINET_DATA_DIR=scratch, XDG_CONFIG_HOME=scratch)
    source_env = {**env, "PYTHONPATH": str(ROOT)}
    bundle_env = {k: v for k, v in env.items() if not k.startswith("PYTHON")}

    size = folder_size(args.app)
    print(f"bundle {args.app}: {size / 2**20:,.0f} MiB")
    parts = sorted(
        (
            (folder_size(p) if p.is_dir() else p.stat().st_size, p.name)
            for p in (args.app / "_internal").iterdir()
        ),
        reverse=True,
    )
    for part_size, name in parts[:10]:
        print(f"  {part_size / 2**20:8,.0f} MiB  {name}")
    for command in COMMANDS:
        bundle, source = [], []
        for _ in range(args.runs):
            bundle.append(timed([str(app), *command], bundle_env))
            source.append(timed([sys.executable, "-m", "guinet", *command], source_env))
        b, s = statistics.median(bundle), statistics.median(source)
        print(
            f"guinet {' '.join(command):18} bundle {b:6.2f} s   "
            f"source {s:6.2f} s   ratio {b / s:.2f}"
        )


if __name__ == "__main__":
    main()
