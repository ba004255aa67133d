"""guinet's CSV load + prepare against pandas' own ``read_csv``, side by side.

Writes a 1,000,000 × 20 numeric CSV (19 float features and a 0/1 target) to
a temporary folder, then alternates ``pandas.read_csv(path)`` with guinet's
``prepare`` of the same file (sniff, read, check, split 60/20/20 stratified,
standard-scale into float32 arrays) and keeps the best time of each.
guinet is called as the GUI calls it, with progress and cancel callbacks.
Target: guinet ≤ 1.5 × pandas.

For reference it also times the piecewise reader that files above
``tables.DIRECT_READ_BYTES`` get (progress per 8 MiB piece, cancellable
between pieces), forced onto the same file.

    python benchmarks/data_load.py [--rows N] [--repeat K]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from guinet.core.data import prepare, tables  # noqa: E402

TARGET_RATIO = 1.5


def write_csv(path: Path, rows: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(rows, 19))
    frame = pd.DataFrame(features, columns=[f"f{i}" for i in range(19)])
    frame["target"] = (features[:, 0] + 0.5 * features[:, 1] > 0).astype(np.int64)
    frame.to_csv(path, index=False)


def best_of(repeat: int, jobs: dict[str, Callable[[], object]]) -> dict[str, float]:
    """Best wall time of each job, interleaving them so load drifts hit all."""
    best = dict.fromkeys(jobs, float("inf"))
    for _ in range(repeat):
        for name, job in jobs.items():
            start = time.perf_counter()
            job()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    reports: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "numbers.csv"
        write_csv(path, args.rows)
        size_mb = path.stat().st_size / 2**20
        data = {
            "source": {"kind": "csv", "path": path.name},
            "target": "target",
            "scaling": "standard",
            "split": {"validation": 0.2, "test": 0.2, "stratify": True, "seed": 0},
        }

        def guinet() -> object:
            return prepare(
                data,
                folder,
                progress=lambda f, m: reports.append(f),
                cancelled=lambda: False,
            )

        def piecewise() -> object:
            saved = tables.DIRECT_READ_BYTES
            tables.DIRECT_READ_BYTES = 0
            try:
                return guinet()
            finally:
                tables.DIRECT_READ_BYTES = saved

        prepared = guinet()  # warm up imports and the page cache
        assert prepared.x_train.shape == (int(args.rows * 0.6), 19)
        times = best_of(
            args.repeat,
            {
                "pandas.read_csv": lambda: pd.read_csv(path),
                "guinet prepare": guinet,
                "  piecewise": piecewise,
            },
        )
    base = times["pandas.read_csv"]
    print(
        f"file: {args.rows:,} rows × 20 columns, {size_mb:.0f} MiB; "
        f"best of {args.repeat}, interleaved"
    )
    for name, seconds in times.items():
        print(f"  {name:<16} {seconds:7.3f} s   {seconds / base:5.2f}× pandas")
    ratio = times["guinet prepare"] / base
    verdict = "OK" if ratio <= TARGET_RATIO else "MISSED"
    print(
        f"guinet load+prepare / pandas.read_csv = {ratio:.2f}× "
        f"(target ≤ {TARGET_RATIO}×): {verdict}"
    )
    print(
        "  (piecewise = the reader files over "
        f"{tables.DIRECT_READ_BYTES / 2**20:.0f} MiB get: progress per piece, "
        "cancellable between pieces)"
    )
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    raise SystemExit(main())
