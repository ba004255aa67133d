"""Memory of one validation pass over a wide layer, against the data it reads.

The moons example mutated to a million samples and a ``Linear(10000)``
hidden layer: its 200,000 validation rows used to be evaluated in one chunk
(chunks were sized by the 2 input values alone), so the hidden output alone
held 200,000 × 10,000 float32 values (7.5 GB) and the run was killed. Chunks
are now sized by the model's widest layer. This prints the peak-RSS growth of
one ``Trainer.evaluate`` over the validation split, its ratio to one chunk's
budget (``EVAL_VALUES`` float32 values: 16 MB), and what one chunk sized by
the input alone would have held. Target: the growth within 4 chunk budgets
(a chunk's hidden output, its ReLU, and the allocator's slack).

    python benchmarks/eval_memory.py [--samples N] [--width W]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from guinet.core.project import Project  # noqa: E402
from guinet.core.session import Session  # noqa: E402
from guinet.core.summary import human_bytes  # noqa: E402
from guinet.core.training.trainer import EVAL_VALUES  # noqa: E402


def peak_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--width", type=int, default=10_000)
    args = parser.parse_args()
    raw = {
        "guinet": 1,
        "data": {
            "source": {"kind": "builtin", "name": "moons", "samples": args.samples},
            "task": "multiclass",
        },
        "model": {
            "layers": [
                {"type": "Linear", "out_features": args.width},
                {"type": "ReLU"},
                {"type": "Linear", "out_features": 2},
            ]
        },
        "training": {"loss": {"type": "CrossEntropyLoss"}, "epochs": 1},
    }
    run = Session(Project.from_dict(raw)).prepare_run()
    x_val, y_val = run.trainer.data.x_val, run.trainer.data.y_val
    data_bytes = x_val.numel() * x_val.element_size()
    before = peak_bytes()
    start = time.perf_counter()
    run.trainer.evaluate(x_val, y_val)
    seconds = time.perf_counter() - start
    grown = peak_bytes() - before
    one_chunk = len(x_val) * args.width * 4
    print(
        f"validation rows {len(x_val):,} ({human_bytes(data_bytes)}), chunks of "
        f"{run.trainer.eval_batch_size:,} rows, {seconds:.1f} s"
    )
    print(f"peak RSS growth of evaluate: {human_bytes(grown)}")
    budget = EVAL_VALUES * 4
    print(f"ratio to one chunk's budget ({human_bytes(budget)}): {grown / budget:.1f}x")
    print(
        f"one chunk sized by the input alone would hold {human_bytes(one_chunk)} "
        f"per hidden output ({one_chunk / max(grown, 1):.0f}x the growth measured)"
    )


if __name__ == "__main__":
    main()
