"""Peak memory of ``guinet train`` and ``guinet summary`` on a big numeric CSV.

Writes a ROWS × 20 CSV (19 float features and a 0/1 target, 1,000,000 rows
by default) and a project that trains a small MLP on it for one epoch, then
runs each case in a fresh process and reads that process's peak RSS from
``os.wait4`` (its own ``ru_maxrss``, not a maximum over earlier children):

* ``imports``: a process that only imports what ``guinet train`` imports
  (guinet's core and command line, torch, pandas) — the reference;
* ``train``: ``guinet train PROJECT --epochs 1``;
* ``summary``: ``guinet summary PROJECT`` (the project has no input shape
  yet, so the data decides it). How much of the CSV it read is measured
  however it reads (pandas memory-maps files, which ``/proc/self/io`` does
  not count): the file is dropped from the page cache before
  (``posix_fadvise(DONTNEED)``) and its pages in the cache are counted after
  (``mincore``); read-ahead adds a little.

Both commands also run on a 1,000-row copy of the file: what they need
whatever the data's size (the analysis of the model imports torch's
compiler stack, ~75 MiB, on top of the plain imports), printed for
reference.

Targets (design.md): training peaks at most 3× the prepared float32 data
(rows × 20 values × 4 bytes) above the imports only; summary reads only the
header and a sample of rows, not the whole file.

    python benchmarks/data_memory.py [--rows N]
"""

from __future__ import annotations

import argparse
import ctypes
import json
import mmap
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
TARGET_RATIO = 3.0
IMPORTS = (
    "import guinet.cli, guinet.core.session, guinet.core.data, "
    "guinet.core.training, torch, pandas, numpy"
)


def write_data(folder: Path, rows: int, seed: int = 0) -> Path:
    """The CSV (written in blocks, so this process stays small) and a project."""
    rng = np.random.default_rng(seed)
    csv = folder / "numbers.csv"
    with open(csv, "w") as handle:
        handle.write(",".join([f"f{i}" for i in range(19)] + ["target"]) + "\n")
        for start in range(0, rows, 100_000):
            n = min(100_000, rows - start)
            features = rng.normal(size=(n, 19))
            target = (features[:, 0] + 0.5 * features[:, 1] > 0).astype(np.int64)
            table = np.column_stack([features, target])
            np.savetxt(handle, table, delimiter=",", fmt=["%.17g"] * 19 + ["%d"])
        handle.flush()
        os.fsync(handle.fileno())  # clean pages: the page cache can drop them
    project = {
        "guinet": 1,
        "name": "memory",
        "data": {
            "source": {"kind": "csv", "path": csv.name},
            "target": "target",
            "scaling": "standard",
            "split": {"validation": 0.2, "test": 0.2, "stratify": True, "seed": 0},
        },
        "model": {
            "layers": [
                {"type": "Linear", "out_features": 16},
                {"type": "ReLU"},
                {"type": "Linear", "out_features": 1},
                {"type": "Sigmoid"},
            ]
        },
        "training": {
            "loss": {"type": "BCELoss"},
            "optimizer": {"type": "Adam", "lr": 0.001},
            "batch_size": 1024,
            "epochs": 1,
            "device": "cpu",
            "early_stopping": {"enabled": False},
            "checkpoint": {"enabled": False},
        },
    }
    path = folder / "memory.guinet"
    path.write_text(json.dumps(project))
    return path


def evict(path: Path) -> None:
    """Drop ``path``'s pages from the page cache."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(descriptor)


def cached_mib(path: Path) -> float:
    """How much of ``path`` is in the page cache (``mincore`` over a mapping)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [
        ctypes.c_void_p,
        ctypes.c_size_t,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_long,
    ]
    libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
    size = path.stat().st_size
    pages = (size + mmap.PAGESIZE - 1) // mmap.PAGESIZE
    flags = (ctypes.c_ubyte * pages)()
    descriptor = os.open(path, os.O_RDONLY)
    try:
        address = libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, descriptor, 0)
        try:
            if libc.mincore(address, size, flags) != 0:
                raise OSError(ctypes.get_errno(), "mincore failed")
        finally:
            libc.munmap(address, size)
    finally:
        os.close(descriptor)
    return sum(f & 1 for f in flags) * mmap.PAGESIZE / 2**20


def peak_rss(args: list[str]) -> tuple[float, str]:
    """(peak RSS in MiB, stderr) of one fresh Python process."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(
            [sys.executable, *args],
            env=env,
            cwd=REPO,  # `-m`/`-c` put the current folder first on sys.path
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{text}")
    return usage.ru_maxrss / 1024, text  # kilobytes on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    if not sys.platform.startswith("linux"):
        print("needs Linux (ru_maxrss in KiB, posix_fadvise and mincore)")
        return 2
    with tempfile.TemporaryDirectory() as folder:
        big, small = Path(folder) / "big", Path(folder) / "small"
        big.mkdir()
        small.mkdir()
        project = write_data(big, args.rows)
        tiny = write_data(small, 1000)
        csv = big / "numbers.csv"
        size = csv.stat().st_size / 2**20
        data = args.rows * 20 * 4 / 2**20
        imports, _ = peak_rss(["-c", IMPORTS])
        train, _ = peak_rss(["-m", "guinet", "train", str(project), "--epochs", "1"])
        train_tiny, _ = peak_rss(["-m", "guinet", "train", str(tiny), "--epochs", "1"])
        evict(csv)
        unread = cached_mib(csv)
        summary, _ = peak_rss(["-m", "guinet", "summary", str(project)])
        read = cached_mib(csv) - unread
        summary_tiny, _ = peak_rss(["-m", "guinet", "summary", str(tiny)])
    ratio = (train - imports) / data
    print(f"{args.rows:,} rows × 20 columns: CSV {size:,.0f} MiB")
    print(f"prepared float32 data            {data:8.1f} MiB")
    print(f"peak RSS after imports only      {imports:8.1f} MiB  (reference)")
    print(
        f"peak RSS of guinet train         {train:8.1f} MiB  = imports + "
        f"{ratio:.2f} × data  (target ≤ {TARGET_RATIO:.1f}×)"
    )
    print(
        f"  on a 1,000-row copy            {train_tiny:8.1f} MiB  → the data adds "
        f"{(train - train_tiny) / data:.2f} × data"
    )
    print(
        f"peak RSS of guinet summary       {summary:8.1f} MiB  = imports + "
        f"{summary - imports:.0f} MiB"
    )
    print(
        f"  on a 1,000-row copy            {summary_tiny:8.1f} MiB  → the data adds "
        f"{summary - summary_tiny:.0f} MiB"
    )
    print(
        f"CSV read by guinet summary       {read:8.2f} MiB  = {read / size:.4f} × "
        "the file (target: a sample, not the file)"
    )
    return 0 if ratio <= TARGET_RATIO and read < 0.5 * size else 1


if __name__ == "__main__":
    sys.exit(main())
