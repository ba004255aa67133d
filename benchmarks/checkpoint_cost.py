"""What checkpointing every epoch costs: the moons example with and without it.

Trains the shipped two-moons example (300 epochs, early stopping off) in
this one process, alternately with checkpoints off and on (``last.ckpt``
every epoch and the best file whenever ``val_loss`` improves, into a fresh
temporary folder), and prints the median of each repetition's ratio (the
order alternates, so a machine growing busier favours neither). The CPU
time of all threads is shown too: it is steadier than wall time on a busy
machine. The time is the whole ``TrainingRun.fit`` call (training, test
score and flushing every pending checkpoint), so nothing the checkpoints
cost is left out. Target (design.md): checkpointing costs at most 10%
(ratio ≤ 1.10). Exits 1 if the target is missed.

    python benchmarks/checkpoint_cost.py [--reps 7] [--epochs 300] [--dir DIR]

``--dir`` puts the checkpoint folders on another disk (the default is the
system's temporary folder).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from guinet._resources import resources_dir  # noqa: E402
from guinet.core.data import prepare  # noqa: E402
from guinet.core.project import Project  # noqa: E402
from guinet.core.training import prepare_run  # noqa: E402

TARGET = 1.10


def moons(epochs: int, checkpoints: bool) -> Project:
    project = Project.load(resources_dir() / "examples" / "moons_mlp.guinet")
    raw = project.to_dict()
    training = raw["training"]
    training["epochs"] = epochs
    training["early_stopping"]["enabled"] = False
    training["checkpoint"]["enabled"] = checkpoints
    return Project.from_dict(raw, project.path)


def timed_run(
    epochs: int, folder: Path | None, prepared: object
) -> tuple[float, float, int]:
    """Wall and CPU seconds (all threads) of one fit, and the files it kept."""
    project = moons(epochs, folder is not None)
    run = prepare_run(project, prepared=prepared, checkpoint_dir=folder)  # type: ignore[arg-type]
    wall, cpu = time.perf_counter(), time.process_time()
    result = run.fit()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return wall, cpu, len(result.checkpoints)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()

    prepared = prepare(moons(args.epochs, False).data)
    timed_run(5, None, prepared)  # warm-up: imports, first-call costs
    ratios: list[float] = []
    cpu_ratios: list[float] = []
    walls: dict[bool, list[float]] = {False: [], True: []}
    for rep in range(args.reps):
        # Alternate the order, so a machine growing busier favours neither.
        order = (False, True) if rep % 2 == 0 else (True, False)
        measured: dict[bool, tuple[float, float, int]] = {}
        with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
            for saving in order:
                folder = Path(tmp) / "ckpt" if saving else None
                measured[saving] = timed_run(args.epochs, folder, prepared)
        (plain, plain_cpu, _), (saved, saved_cpu, files) = (
            measured[False],
            measured[True],
        )
        walls[False].append(plain)
        walls[True].append(saved)
        ratios.append(saved / plain)
        cpu_ratios.append(saved_cpu / plain_cpu)
        print(
            f"rep {rep + 1}: without {plain:.3f} s, with {saved:.3f} s "
            f"({files} files kept), ratio {saved / plain:.3f} "
            f"(CPU time ratio {saved_cpu / plain_cpu:.3f})"
        )
    ratio = statistics.median(ratios)
    print(
        f"median: without checkpoints {statistics.median(walls[False]):.3f} s, "
        f"with checkpoints every epoch {statistics.median(walls[True]):.3f} s; "
        f"CPU time ratio {statistics.median(cpu_ratios):.3f}"
    )
    verdict = "ok" if ratio <= TARGET else "MISSED"
    print(
        f"checkpoint cost ratio (median) {ratio:.3f} (target ≤ {TARGET:.2f}): {verdict}"
    )
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
