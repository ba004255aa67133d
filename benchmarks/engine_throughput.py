"""Training throughput: guinet's engine against plain PyTorch loops.

Measured side by side in one run, on the same model, batch size, optimizer
(Adam), device and CPU thread count (the count the engine chooses):

* ``engine``     — :class:`guinet.core.training.Trainer` (train loss and
  accuracy per epoch included);
* ``hand``       — a hand-written loop over pre-loaded tensors with
  ``randperm`` batching, ``zero_grad(set_to_none=True)`` and fused Adam;
* ``dataloader`` — the same loop fed by ``DataLoader(TensorDataset(x, y),
  batch_size, shuffle=True)`` (MLPs only).

The cases: two MLPs on generated rows, the digits CNN of
``resources/examples/digits_cnn.guinet`` on the 8×8 digits it ships with,
and a 28×28 CNN (Conv2d-ReLU-MaxPool ×2, Linear) on 4,096 generated images
of 10 classes. Each repetition runs the methods one after another (so they
share the machine's state), each on a freshly built model after one untimed
warm-up epoch. The ratios are the median over repetitions of each
repetition's ratio; "best" compares the best runs. Targets: engine ≥ 1.0×
the hand loop on the CPU (issue 13), ≥ 0.95× on a GPU (design.md); on the
8-12-8-1 MLP ≥ 1.5× the DataLoader loop at batch 32 and ≥ 2.5× at batch 256.
Exits 1 if a target is missed.

``--scaling`` instead prints how the time per epoch grows with the rows of a
generated 20-column table (10k, 100k, 1M rows, a 20-32-32-1 MLP) and with
the width of the MLP (hidden 16 → 1024, 10k rows), engine against the hand
loop. ``--quick`` is a tiny smoke run of both (tests/test_benchmarks.py;
generated 8×8 images stand in for the digits there, sparing the import of
scikit-learn). On a machine busy with other work, ``--threads 1
--cpu-time`` gives steadier ratios: several threads waiting on each other
while the machine is oversubscribed cost the engine and the loops alike,
but erratically (5–20× slower here at a load average of 3 on 2 cores).
``--device cuda`` on a machine without a CUDA GPU says so and exits 0.

    python benchmarks/engine_throughput.py [--device cpu|cuda] [--reps 7]
    python benchmarks/engine_throughput.py --scaling [--reps 3]

Figures (issue 13; the shared 2-core development machine at a load average
of 3-8, torch 2.13 CPU, ``--threads 1 --cpu-time``, medians of 5
repetitions, 3 for scaling), engine / hand loop:

    8-12-8-1 MLP        batch 10 / 32 / 256   1.16 / 1.55 / 1.26
    64-256-256-10 MLP   batch 10 / 32 / 256   1.16 / 1.05 / 1.17
    digits CNN (8×8)    batch 64              1.10
    28×28 CNN           batch 64              1.02

    seconds per epoch, batch 256, engine (hand loop):
    rows 10k / 100k / 1M (20-32-32-1)       0.058 / 0.44 / 6.0  (0.071 / 0.65 / 7.9)
    hidden 16 / 256 / 1024 (10k rows)       0.064 / 0.17 / 1.43 (0.085 / 0.18 / 1.46)

On a GPU (issue 13: one NVIDIA H200, torch 2.11.0+cu130, ``--device cuda
--reps 9 --seconds 0.5``), engine / hand loop, medians of 9:

    8-12-8-1 MLP        batch 10 / 32 / 256   0.98 / 1.02 / 1.06
    64-256-256-10 MLP   batch 10 / 32 / 256   0.97 / 1.07 / 0.99
    digits CNN (8×8)    batch 64              1.04

(a first run of 5 repetitions gave 0.94-1.07, the 28×28 CNN 1.06). Models
this small are bound by kernel launches on a GPU: 7-9k samples/s at batch
10, the same for all three methods. The DataLoader targets are the CPU's:
on the GPU the engine was 1.34× the DataLoader loop at batch 32 and 2.57× at
256.

Time per epoch grows linearly with the rows (10k → 1M: 103×; a million rows
no longer fit the one-gather shuffle and are gathered batch by batch, like
the loop does). With the width it grows far slower than the parameters
while per-step overhead dominates (16 → 256: 114× the parameters, 2.6× the
time), then with them (256 → 1024: 15×, 8.7×). At width 1024 (1.07M parameters)
the engine was 0.98× the loop, now 1.02× (flat 6-7% slower than unflattened in
direct comparisons): adding every step's gradients into one flat buffer costs a
pass the loop does not make, so models above ``FLAT_MAX_PARAMS`` are no
longer flattened (guinet/core/training/fastpath.py).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from guinet.core.data import DataTensors  # noqa: E402
from guinet.core.model import ModelSpec  # noqa: E402
from guinet.core.training import ComponentSpec, Trainer  # noqa: E402
from guinet.core.training.build import Metric, make_optimizer  # noqa: E402

#: The DataLoader targets are stated for the small MLP, whose steps are cheap
#: enough that data handling shows; a wider model spends its time in matmuls.
LOADER_TARGETS = {("8-12-8-1", 32): 1.5, ("8-12-8-1", 256): 2.5}
#: engine / hand loop, by device type (issue 13: ≥ 1.0× on the CPU).
HAND_TARGETS = {"cpu": 1.0, "cuda": 0.95}
#: The clock timed runs read: wall time, or with ``--cpu-time`` this
#: process's CPU time (steadier on a machine busy with other work, where a
#: descheduled run would count time it did not get).
clock = time.perf_counter


@dataclass
class Case:
    """One model on one data set, trained with Adam at ``lr``."""

    name: str
    layers: list[dict[str, object]]
    input_shape: list[int]
    data: Callable[[torch.device], DataTensors]
    batches: list[int]
    lr: float = 1e-3
    loader: bool = False  # also time the DataLoader loop
    _cache: dict[str, DataTensors] = field(default_factory=dict)

    def tensors(self, device: torch.device) -> DataTensors:
        key = str(device)
        if key not in self._cache:
            self._cache[key] = self.data(device)
        return self._cache[key]

    @property
    def outputs(self) -> int:
        return int(self.layers[-1]["out_features"])  # type: ignore[call-overload]

    def build(self, device: torch.device) -> torch.nn.Module:
        torch.manual_seed(0)
        spec = ModelSpec.from_dict(
            {"input_shape": self.input_shape, "layers": self.layers}
        )
        return spec.build(device)


def mlp_layers(hidden: Sequence[int], outputs: int) -> list[dict[str, object]]:
    layers: list[dict[str, object]] = []
    for width in hidden:
        layers += [{"type": "Linear", "out_features": width}, {"type": "ReLU"}]
    layers.append({"type": "Linear", "out_features": outputs})
    return layers


def table_data(
    features: int, outputs: int, n: int
) -> Callable[[torch.device], DataTensors]:
    """Generated rows: Gaussian features, a linear rule's class as target."""

    def make(device: torch.device) -> DataTensors:
        g = torch.Generator().manual_seed(0)
        x = torch.randn(n, features, generator=g)
        w = torch.randn(features, max(outputs, 1), generator=g)
        y = (x @ w > 0).float() if outputs == 1 else (x @ w).argmax(dim=1)
        return _split(x.to(device), y.to(device))

    return make


def shapes_data(n: int, size: int = 28) -> Callable[[torch.device], DataTensors]:
    """``n`` generated one-channel ``size``×``size`` images of 10 classes: each
    class a smooth random blob pattern, shifted by up to 3 pixels, plus noise."""

    def make(device: torch.device) -> DataTensors:
        g = torch.Generator().manual_seed(0)
        coarse = torch.randn(10, 1, 7, 7, generator=g)
        templates = torch.nn.functional.interpolate(
            coarse, size=(size, size), mode="bilinear", align_corners=False
        )
        y = torch.randint(0, 10, (n,), generator=g)
        x = templates[y].clone()
        shifts = torch.randint(-3, 4, (n, 2), generator=g)
        for i, (dy, dx) in enumerate(shifts.tolist()):
            x[i] = torch.roll(x[i], shifts=(dy, dx), dims=(1, 2))
        x += 0.5 * torch.randn(x.shape, generator=g)
        return _split(x.to(device), y.to(device))

    return make


def digits_data(device: torch.device) -> DataTensors:
    """The training split of the digits CNN example, as its run prepares it."""
    from guinet.core.project import Project
    from guinet.core.training import prepare_run

    project = Project.load(ROOT / "resources" / "examples" / "digits_cnn.guinet")
    training = project.training.with_value("checkpoint.enabled", False)
    project.training = training.with_value("early_stopping.enabled", False)
    run = prepare_run(project, device=str(device))
    data = run.trainer.data
    return _split(data.x_train, data.y_train)


def digits_layers() -> tuple[list[dict[str, object]], list[int], float]:
    from guinet.core.project import Project

    raw = Project.load(ROOT / "resources/examples/digits_cnn.guinet").to_dict()
    model, training = raw["model"], raw["training"]
    return model["layers"], model["input_shape"], training["optimizer"]["lr"]


def _split(x: torch.Tensor, y: torch.Tensor) -> DataTensors:
    """Training rows only: validation would time evaluation, not training."""
    return DataTensors(x, y, x[:0], y[:0], x[:0], y[:0])


def cases(quick: bool = False) -> dict[str, Case]:
    rows, images = (256, 128) if quick else (8192, 4096)
    mlp_batches = [32] if quick else [10, 32, 256]
    layers, shape, lr = digits_layers()
    conv28 = [
        {"type": "Conv2d", "out_channels": 16, "kernel_size": 3, "padding": 1},
        {"type": "ReLU"},
        {"type": "MaxPool2d", "kernel_size": 2},
        {"type": "Conv2d", "out_channels": 32, "kernel_size": 3, "padding": 1},
        {"type": "ReLU"},
        {"type": "MaxPool2d", "kernel_size": 2},
        {"type": "Flatten"},
        {"type": "Linear", "out_features": 10},
    ]
    return {
        case.name: case
        for case in (
            Case(
                "8-12-8-1",
                mlp_layers([12, 8], 1),
                [8],
                table_data(8, 1, rows),
                mlp_batches,
                loader=True,
            ),
            Case(
                "64-256-256-10",
                mlp_layers([256, 256], 10),
                [64],
                table_data(64, 10, rows),
                mlp_batches,
                loader=True,
            ),
            Case(
                "digits-cnn",
                layers,
                shape,
                # --quick skips loading scikit-learn for the real digits
                shapes_data(256, size=8) if quick else digits_data,
                [64],
                lr=lr,
            ),
            Case("cnn-28x28", conv28, [1, 28, 28], shapes_data(images), [64]),
        )
    }


def loss_for(outputs: int) -> torch.nn.Module:
    return torch.nn.BCEWithLogitsLoss() if outputs == 1 else torch.nn.CrossEntropyLoss()


# -- the three ways to train ------------------------------------------------------
def run_engine(
    case: Case,
    model: torch.nn.Module,
    data: DataTensors,
    bs: int,
    epochs: int,
    threads: int | None = None,
) -> float:
    """Samples per second of ``epochs`` engine epochs (after one warm-up)."""
    optimizer, flat = make_optimizer(ComponentSpec("Adam", {"lr": case.lr}), model)
    metric = Metric("accuracy", "threshold" if case.outputs == 1 else "argmax")
    trainer = Trainer(
        model,
        loss_for(case.outputs).to(data.x_train.device),
        optimizer,
        data,
        batch_size=bs,
        epochs=1,
        metric=metric,
        flat=flat,
        num_threads=threads,
    )
    trainer.fit()  # warm-up epoch
    trainer.epochs = 1 + epochs
    _sync(data.x_train.device)
    start = clock()
    trainer.fit()
    _sync(data.x_train.device)
    elapsed = clock() - start
    assert trainer.epochs_run == epochs, trainer.message
    return epochs * trainer.n_used / elapsed


def hand_epoch(
    model: torch.nn.Module,
    loss_fn: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    x: torch.Tensor,
    y: torch.Tensor,
    bs: int,
    g: torch.Generator,
) -> None:
    n = x.shape[0]
    perm = torch.randperm(n, generator=g).to(x.device)
    for start in range(0, n, bs):
        idx = perm[start : start + bs]
        if idx.shape[0] < 2 and n > 1:  # as the engine: BatchNorm needs two
            break
        xb, yb = x[idx], y[idx]
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()


def loader_epoch(
    model: torch.nn.Module,
    loss_fn: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    loader: torch.utils.data.DataLoader,
) -> None:
    for xb, yb in loader:
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()


def run_loop(
    kind: str,
    case: Case,
    model: torch.nn.Module,
    data: DataTensors,
    bs: int,
    epochs: int,
) -> float:
    """Samples per second of ``epochs`` epochs of a plain loop (after a warm-up)."""
    device = data.x_train.device
    loss_fn = loss_for(case.outputs).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=case.lr, fused=True)
    x, y = data.x_train, data.y_train
    g = torch.Generator().manual_seed(0)
    model.train()
    epoch: Callable[[], None]
    if kind == "hand":

        def epoch() -> None:
            hand_epoch(model, loss_fn, optimizer, x, y, bs, g)

    else:
        loader = torch.utils.data.DataLoader(
            torch.utils.data.TensorDataset(x, y), batch_size=bs, shuffle=True
        )

        def epoch() -> None:
            loader_epoch(model, loss_fn, optimizer, loader)

    epoch()  # warm-up
    _sync(device)
    start = clock()
    for _ in range(epochs):
        epoch()
    _sync(device)
    return epochs * x.shape[0] / (clock() - start)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def engine_threads(
    model: torch.nn.Module, data: DataTensors, bs: int, wanted: int | None
) -> int:
    """The CPU thread count the engine trains this model with (``wanted``
    when given)."""
    probe = Trainer(
        model,
        torch.nn.MSELoss(),
        torch.optim.SGD(model.parameters(), lr=0.1),
        data,
        batch_size=bs,
        epochs=1,
        num_threads=wanted,
    )
    return probe.thread_count()


def measure(
    case: Case,
    device: torch.device,
    bs: int,
    reps: int,
    seconds: float,
    wanted: int | None = None,
) -> dict[str, list[float]]:
    """Samples/s of each method, one value per repetition; ``threads`` too."""
    data = case.tensors(device)
    n = int(data.x_train.shape[0])
    methods = ["engine", "hand"] + (["dataloader"] if case.loader else [])
    threads = engine_threads(case.build(device), data, bs, wanted)
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        # Calibrate epochs so each timed run lasts about `seconds`.
        probe = run_loop("hand", case, case.build(device), data, bs, 1)
        epochs = max(1, round(seconds * probe / n))
        rates: dict[str, list[float]] = {m: [] for m in methods}
        for _ in range(reps):
            for method in methods:
                model = case.build(device)
                if method == "engine":
                    rate = run_engine(case, model, data, bs, epochs, wanted)
                else:
                    rate = run_loop(method, case, model, data, bs, epochs)
                rates[method].append(rate)
    finally:
        torch.set_num_threads(before)
    rates["threads"] = [float(threads)]
    return rates


def throughput(args: argparse.Namespace, device: torch.device) -> bool:
    """The throughput table; returns whether every target was met."""
    all_cases = cases(args.quick)
    names = args.models.split(",") if args.models else list(all_cases)
    unknown = [name for name in names if name not in all_cases]
    if unknown:
        raise SystemExit(f"unknown model {unknown[0]!r}; known: {', '.join(all_cases)}")
    hand_target = HAND_TARGETS.get(device.type, 0.95)
    header = (
        f"{'model':<14} {'batch':>5} {'thr':>3} {'engine/s':>10} {'hand/s':>10} "
        f"{'loader/s':>10} {'eng/hand':>8} {'eng/loader':>10} {'best e/h':>8} "
        f"{'best e/l':>8}  targets"
    )
    print(header)
    print("-" * len(header))
    ok = True
    for name in names:
        case = all_cases[name]
        batches = [int(b) for b in args.batches.split(",")] if args.batches else None
        for bs in batches or case.batches:
            rates = measure(case, device, bs, args.reps, args.seconds, args.threads)
            eng, hand = rates["engine"], rates["hand"]
            loader = rates.get("dataloader")
            vs_hand = statistics.median(e / h for e, h in zip(eng, hand, strict=True))
            best_hand = max(eng) / max(hand)
            checks = [(f"≥{hand_target}× hand", vs_hand >= hand_target)]
            loader_rate = vs_loader_text = best_loader = "-"
            if loader:
                vs_loader = statistics.median(
                    e / d for e, d in zip(eng, loader, strict=True)
                )
                loader_rate = f"{statistics.median(loader):,.0f}"
                vs_loader_text = f"{vs_loader:.2f}"
                best_loader = f"{max(eng) / max(loader):.2f}"
                target = LOADER_TARGETS.get((name, bs))
                if target is not None:
                    checks.append((f"≥{target}× loader", vs_loader >= target))
            ok &= all(passed for _, passed in checks)
            verdict = ", ".join(
                f"{text} {'ok' if passed else 'MISSED'}" for text, passed in checks
            )
            print(
                f"{name:<14} {bs:>5} {int(rates['threads'][0]):>3} "
                f"{statistics.median(eng):>10,.0f} {statistics.median(hand):>10,.0f} "
                f"{loader_rate:>10} {vs_hand:>8.2f} {vs_loader_text:>10} "
                f"{best_hand:>8.2f} {best_loader:>8}  {verdict}",
                flush=True,
            )
    return ok


# -- scaling ----------------------------------------------------------------------
def epoch_seconds(
    case: Case, device: torch.device, bs: int, reps: int, wanted: int | None
) -> tuple[float, float, int]:
    """Median seconds per epoch of the engine and the hand loop (one timed
    epoch per repetition, after a warm-up), and the thread count."""
    data = case.tensors(device)
    n = int(data.x_train.shape[0])
    threads = engine_threads(case.build(device), data, bs, wanted)
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        engine, hand = [], []
        for _ in range(reps):
            model = case.build(device)
            engine.append(n / run_engine(case, model, data, bs, 1, wanted))
            hand.append(n / run_loop("hand", case, case.build(device), data, bs, 1))
    finally:
        torch.set_num_threads(before)
    return statistics.median(engine), statistics.median(hand), threads


def scaling(args: argparse.Namespace, device: torch.device) -> None:
    """How the time per epoch grows with the rows and with the model width."""
    if args.quick:
        rows, widths, width_rows = [500, 1_000], [8, 32], 500
    else:
        rows, widths, width_rows = [10_000, 100_000, 1_000_000], [16, 256, 1024], 10_000
    bs = args.scaling_batch
    header = (
        f"{'grows':<6} {'size':>9} {'params':>9} {'thr':>3} {'engine s':>9} "
        f"{'hand s':>9} {'eng/hand':>8} {'engine ×':>8} {'hand ×':>8}"
    )
    print(f"time per epoch, batch {bs}, 20 generated columns, binary target")
    print(header)
    print("-" * len(header))
    sweeps = [
        ("rows", [(n, [32, 32], n) for n in rows]),
        ("width", [(w, [w, w], width_rows) for w in widths]),
    ]
    for label, points in sweeps:
        first: tuple[float, float] | None = None
        for size, hidden, n in points:
            case = Case(
                f"20-{hidden[0]}-{hidden[1]}-1",
                mlp_layers(hidden, 1),
                [20],
                table_data(20, 1, n),
                [bs],
            )
            engine, hand, threads = epoch_seconds(
                case, device, bs, args.reps, args.threads
            )
            case._cache.clear()  # a million rows are not kept for the next case
            params = sum(p.numel() for p in case.build(device).parameters())
            first = first or (engine, hand)
            print(
                f"{label:<6} {size:>9,} {params:>9,} {threads:>3} {engine:>9.3f} "
                f"{hand:>9.3f} {hand / engine:>8.2f} {engine / first[0]:>8.1f} "
                f"{hand / first[1]:>8.1f}",
                flush=True,
            )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    parser.add_argument("--reps", type=int, default=None, help="repetitions")
    parser.add_argument(
        "--seconds", type=float, default=0.4, help="length of one timed run"
    )
    parser.add_argument(
        "--models", default="", help="comma-separated model names (default: all)"
    )
    parser.add_argument(
        "--batches",
        default="",
        help="comma-separated batch sizes (default: each model's)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="CPU threads for every method (default: the engine's choice; "
        "1 gives steadier figures on a busy machine)",
    )
    parser.add_argument(
        "--cpu-time",
        action="store_true",
        help="time with this process's CPU time instead of wall time "
        "(steadier on a busy machine; use with --threads 1)",
    )
    parser.add_argument(
        "--scaling", action="store_true", help="time per epoch vs rows and width"
    )
    parser.add_argument(
        "--scaling-batch", type=int, default=256, help="batch size of --scaling"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a tiny smoke run of both tables (no targets checked)",
    )
    args = parser.parse_args(argv)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        print(f"--device {args.device}: no CUDA GPU here; nothing measured.")
        return 0
    if args.quick:
        args.reps = args.reps or 1
        args.threads = args.threads or 1
        args.seconds = min(args.seconds, 0.01)
    global clock
    clock = time.process_time if args.cpu_time else time.perf_counter
    reps = args.reps or (3 if args.scaling else 7)
    args.reps = reps
    print(
        f"torch {torch.__version__} on {device}; {reps} repetitions, "
        f"{torch.get_num_threads()} threads available, "
        f"{'CPU' if args.cpu_time else 'wall'} time"
        + ("" if args.scaling else f", about {args.seconds} s per timed run")
    )
    if args.scaling or args.quick:
        scaling(args, device)
        if args.scaling:
            return 0
    ok = throughput(args, device)
    return 0 if ok or args.quick else 1


if __name__ == "__main__":
    sys.exit(main())
