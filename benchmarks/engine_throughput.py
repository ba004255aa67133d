"""Training throughput: guinet's engine against two plain PyTorch loops.

Measured side by side in one run, on the same model, batch size, device and
CPU thread count (the count the engine chooses):

* ``engine``     — :class:`guinet.core.training.Trainer` (train loss and
  accuracy per epoch included);
* ``hand``       — a hand-written loop over pre-loaded tensors with
  ``randperm`` batching, ``zero_grad(set_to_none=True)`` and fused Adam;
* ``dataloader`` — the same loop fed by ``DataLoader(TensorDataset(x, y),
  batch_size, shuffle=True)``.

Each repetition runs the three one after another (so they share the
machine's state), each on a freshly built model after one untimed warm-up
epoch. The ratios are the median over repetitions of each repetition's
ratio; "best" compares the best runs. Targets (design.md): engine ≥ 0.95× the
hand loop everywhere; on the 8-12-8-1 MLP ≥ 1.5× the DataLoader loop at batch
32 and ≥ 2.5× at batch 256 (the wider model's DataLoader ratios are shown for
information). Exits 1 if a target is missed.

    python benchmarks/engine_throughput.py [--device cpu|cuda] [--reps 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from guinet.core.data import DataTensors  # noqa: E402
from guinet.core.model import ModelSpec  # noqa: E402
from guinet.core.training import ComponentSpec, Trainer  # noqa: E402
from guinet.core.training.build import Metric, make_optimizer  # noqa: E402

MODELS = {
    "8-12-8-1": (8, [12, 8], 1),
    "64-256-256-10": (64, [256, 256], 10),
}
#: The DataLoader targets are stated for the small MLP, whose steps are cheap
#: enough that data handling shows; a wider model spends its time in matmuls.
LOADER_TARGETS = {("8-12-8-1", 32): 1.5, ("8-12-8-1", 256): 2.5}
METHODS = ("engine", "hand", "dataloader")


def make_data(features: int, outputs: int, n: int, device: torch.device) -> DataTensors:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, features, generator=g)
    w = torch.randn(features, max(outputs, 1), generator=g)
    y = (x @ w > 0).float() if outputs == 1 else (x @ w).argmax(dim=1)
    x, y = x.to(device), y.to(device)
    return DataTensors(x, y, x[:0], y[:0], x[:0], y[:0])


def make_model(
    features: int, hidden: list[int], outputs: int, device: torch.device
) -> torch.nn.Module:
    layers = []
    for width in hidden:
        layers += [{"type": "Linear", "out_features": width}, {"type": "ReLU"}]
    layers.append({"type": "Linear", "out_features": outputs})
    torch.manual_seed(0)
    spec = ModelSpec.from_dict({"input_shape": [features], "layers": layers})
    return spec.build(device)


def loss_for(outputs: int) -> torch.nn.Module:
    return torch.nn.BCEWithLogitsLoss() if outputs == 1 else torch.nn.CrossEntropyLoss()


def run_engine(
    model: torch.nn.Module, data: DataTensors, outputs: int, bs: int, epochs: int
) -> float:
    optimizer, flat = make_optimizer(ComponentSpec("Adam", {"lr": 1e-3}), model)
    metric = Metric("accuracy", "threshold" if outputs == 1 else "argmax")
    trainer = Trainer(
        model,
        loss_for(outputs).to(data.x_train.device),
        optimizer,
        data,
        batch_size=bs,
        epochs=1,
        metric=metric,
        flat=flat,
    )
    trainer.fit()  # warm-up epoch
    trainer.epochs = 1 + epochs
    _sync(data.x_train.device)
    start = time.perf_counter()
    trainer.fit()
    elapsed = time.perf_counter() - start
    assert trainer.epochs_run == epochs, trainer.message
    return epochs * data.x_train.shape[0] / elapsed


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
    model: torch.nn.Module,
    data: DataTensors,
    outputs: int,
    bs: int,
    epochs: int,
) -> float:
    device = data.x_train.device
    loss_fn = loss_for(outputs).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, fused=True)
    x, y = data.x_train, data.y_train
    g = torch.Generator().manual_seed(0)
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
    start = time.perf_counter()
    for _ in range(epochs):
        epoch()
    _sync(device)
    return epochs * x.shape[0] / (time.perf_counter() - start)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def engine_threads(model: torch.nn.Module, data: DataTensors, bs: int) -> int:
    """The CPU thread count the engine trains this model with."""
    probe = Trainer(
        model,
        torch.nn.MSELoss(),
        torch.optim.SGD(model.parameters(), lr=0.1),
        data,
        batch_size=bs,
        epochs=1,
    )
    return probe.thread_count()


def measure(
    name: str, device: torch.device, bs: int, reps: int, seconds: float, n: int
) -> dict[str, list[float]]:
    features, hidden, outputs = MODELS[name]
    data = make_data(features, outputs, n, device)
    threads = engine_threads(make_model(features, hidden, outputs, device), data, bs)
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        # Calibrate epochs so each timed run lasts about `seconds`.
        probe = run_loop(
            "hand", make_model(features, hidden, outputs, device), data, outputs, bs, 1
        )
        epochs = max(1, round(seconds * probe / n))
        rates: dict[str, list[float]] = {m: [] for m in METHODS}
        for _ in range(reps):
            for method in METHODS:
                model = make_model(features, hidden, outputs, device)
                if method == "engine":
                    rate = run_engine(model, data, outputs, bs, epochs)
                else:
                    rate = run_loop(method, model, data, outputs, bs, epochs)
                rates[method].append(rate)
    finally:
        torch.set_num_threads(before)
    rates["threads"] = [float(threads)]
    return rates


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    parser.add_argument("--reps", type=int, default=7, help="repetitions (default 7)")
    parser.add_argument(
        "--seconds", type=float, default=0.4, help="length of one timed run"
    )
    parser.add_argument("--samples", type=int, default=8192, help="training rows")
    parser.add_argument(
        "--models", default=",".join(MODELS), help="comma-separated model names"
    )
    parser.add_argument(
        "--batches", default="10,32,256", help="comma-separated batch sizes"
    )
    args = parser.parse_args()
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        print("guinet: --device cuda: no CUDA GPU here", file=sys.stderr)
        return 2
    print(
        f"torch {torch.__version__} on {device}; {args.reps} repetitions, "
        f"{args.samples} samples, about {args.seconds} s per timed run"
    )
    header = (
        f"{'model':<14} {'batch':>5} {'thr':>3} {'engine/s':>10} {'hand/s':>10} "
        f"{'loader/s':>10} {'eng/hand':>8} {'eng/loader':>10} {'best e/h':>8} "
        f"{'best e/l':>8}  targets"
    )
    print(header)
    print("-" * len(header))
    failed = False
    for name in args.models.split(","):
        for bs in (int(b) for b in args.batches.split(",")):
            rates = measure(name, device, bs, args.reps, args.seconds, args.samples)
            eng, hand, loader = (rates[m] for m in METHODS)
            vs_hand = statistics.median(e / h for e, h in zip(eng, hand, strict=True))
            vs_loader = statistics.median(
                e / d for e, d in zip(eng, loader, strict=True)
            )
            best_hand = max(eng) / max(hand)
            best_loader = max(eng) / max(loader)
            checks = [("≥0.95× hand", vs_hand >= 0.95)]
            target = LOADER_TARGETS.get((name, bs))
            if target is not None:
                checks.append((f"≥{target}× loader", vs_loader >= target))
            failed |= not all(ok for _, ok in checks)
            verdict = ", ".join(
                f"{text} {'ok' if ok else 'MISSED'}" for text, ok in checks
            )
            print(
                f"{name:<14} {bs:>5} {int(rates['threads'][0]):>3} "
                f"{statistics.median(eng):>10,.0f} {statistics.median(hand):>10,.0f} "
                f"{statistics.median(loader):>10,.0f} {vs_hand:>8.2f} "
                f"{vs_loader:>10.2f} {best_hand:>8.2f} {best_loader:>8.2f}  {verdict}",
                flush=True,
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
