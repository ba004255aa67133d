"""Trials per minute: an in-process search against separate ``guinet train`` runs.

Runs a random search (fixed seeds, pruning off) of a small MLP on the
two-moons example: learning rate (log range), hidden units and batch size,
each trial trained in this process on data prepared once, and recorded in a
run history beside a temporary project. Then trains the same configurations
(each trial's project written to a temporary file, checkpoints off as in
the search) with one ``python -m guinet train FILE --json`` process each,
one after the other. Prints both rates, their ratio (target, design.md:
the search at least 2× faster) and the largest difference between a
trial's final ``val_loss`` and its process twin's (the same seeds must give
the same results). Exits 1 if the target is missed or the results differ.

    python benchmarks/tune_throughput.py [--trials 20] [--epochs 20] [--jobs 1]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from guinet._resources import resources_dir  # noqa: E402
from guinet.core.project import Project  # noqa: E402
from guinet.core.search import Search  # noqa: E402

TARGET = 2.0
SAME = 1e-5  # final val_loss of a trial and of its process twin

SPACE = {
    "sampler": "random",
    "seed": 0,
    "pruner": False,
    "space": [
        {"param": "training.optimizer.lr", "log": [0.001, 0.1]},
        {"param": "model.layers.0.out_features", "values": [8, 16, 32]},
        {"param": "model.layers.2.out_features", "values": [8, 16]},
        {"param": "training.batch_size", "values": [16, 32, 64]},
    ],
}


def project_in(folder: Path, epochs: int) -> Project:
    project = Project.load(resources_dir() / "examples" / "moons_mlp.guinet")
    raw = project.to_dict()
    raw.pop("lesson", None)
    raw["training"]["epochs"] = epochs
    raw["training"]["device"] = "cpu"
    raw["training"]["early_stopping"]["enabled"] = False
    raw["training"]["checkpoint"]["enabled"] = False
    raw["search"] = SPACE
    path = folder / "moons.guinet"
    path.write_text(json.dumps(raw), encoding="utf-8")
    return Project.load(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args(argv)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.2f} at the start")

    with tempfile.TemporaryDirectory(prefix="guinet-tune-bench-") as tmp:
        folder = Path(tmp)
        project = project_in(folder, args.epochs)

        start = time.perf_counter()
        search = Search(project, study="bench")
        trials = search.run(args.trials, jobs=args.jobs)
        search_time = time.perf_counter() - start
        complete = [t for t in trials if t.state == "complete"]
        best = search.best
        finals = {
            t.number: t.user_attrs["final"].get("val_loss")
            for t in search.study.get_trials(deepcopy=False)
        }
        best_text = f"{best.value:.4f}" if best and best.value is not None else "-"
        print(
            f"search (in-process, jobs {args.jobs}): {len(complete)}/{len(trials)} "
            f"trials complete in {search_time:.1f} s = "
            f"{len(trials) / search_time * 60:.1f} trials/min; best val_loss "
            f"{best_text}"
        )

        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        diffs: list[float] = []
        start = time.perf_counter()
        for trial in trials:
            twin = search.trial_project(trial.params)
            path = folder / f"trial-{trial.number}.guinet"
            twin.save(path)
            done = subprocess.run(
                [sys.executable, "-m", "guinet", "train", str(path), "--json"],
                capture_output=True,
                text=True,
                env=env,
                cwd=folder,
                check=False,
            )
            if done.returncode != 0:
                print(f"trial {trial.number}: guinet train failed: {done.stderr}")
                return 1
            summary = json.loads(done.stdout.strip().splitlines()[-1])
            theirs = summary["history"]["val_loss"][-1]
            ours = finals[trial.number]
            diffs.append(abs(theirs - ours))
        process_time = time.perf_counter() - start
        print(
            f"guinet train processes (sequential): {len(trials)} in "
            f"{process_time:.1f} s = {len(trials) / process_time * 60:.1f} trials/min"
        )

    ratio = process_time / search_time
    worst = max(diffs) if diffs else float("nan")
    print(f"ratio (search vs processes): {ratio:.2f}x (target >= {TARGET:.1f}x)")
    print(
        f"same seeds, same results: max |final val_loss - process twin's| = "
        f"{worst:.2e} over {len(diffs)} trials (allowed {SAME:g})"
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average {load:.2f} at the end")
    return 0 if ratio >= TARGET and worst <= SAME else 1


if __name__ == "__main__":
    sys.exit(main())
