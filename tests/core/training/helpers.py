"""Small, seeded training setups shared by the engine tests."""

from __future__ import annotations

import copy
from typing import Any

import torch

from guinet.core.data import DataTensors
from guinet.core.project import Project
from guinet.core.training import Callback, Logs, Trainer
from guinet.core.training.build import Metric


def blob_tensors(n: int = 12, n_val: int = 6, seed: int = 0) -> DataTensors:
    """Two separable blobs: ``n`` training rows, ``n_val`` validation and test."""
    g = torch.Generator().manual_seed(seed)

    def split(rows: int) -> tuple[torch.Tensor, torch.Tensor]:
        y = (torch.arange(rows) % 2).float().reshape(-1, 1)
        x = torch.randn(rows, 2, generator=g) + 2 * y - 1
        return x, y

    x_train, y_train = split(n)
    x_val, y_val = split(n_val)
    x_test, y_test = split(n_val)
    return DataTensors(x_train, y_train, x_val, y_val, x_test, y_test)


def tiny_trainer(
    *,
    n: int = 12,
    batch_size: int = 4,
    epochs: int = 2,
    lr: float = 0.1,
    seed: int = 0,
    **kwargs: Any,
) -> Trainer:
    """A 2-4-1 MLP on :func:`blob_tensors` with BCEWithLogitsLoss and SGD."""
    torch.manual_seed(seed)
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1)
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    return Trainer(
        model,
        torch.nn.BCEWithLogitsLoss(),
        optimizer,
        blob_tensors(n),
        batch_size=batch_size,
        epochs=epochs,
        metric=Metric("accuracy", "threshold"),
        seed=seed,
        **kwargs,
    )


class Recorder(Callback):
    """Records every hook call as ``(name, *arguments)``."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    @property
    def names(self) -> list[str]:
        return [call[0] for call in self.calls]

    def on_fit_start(self, trainer: Trainer) -> None:
        self.calls.append(("on_fit_start",))

    def on_epoch_start(self, trainer: Trainer, epoch: int) -> None:
        self.calls.append(("on_epoch_start", epoch))

    def on_batch_end(
        self, trainer: Trainer, epoch: int, batch: int, loss: torch.Tensor
    ) -> None:
        self.calls.append(("on_batch_end", epoch, batch))

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: Logs) -> None:
        self.calls.append(("on_epoch_end", epoch))

    def on_fit_end(self, trainer: Trainer) -> None:
        self.calls.append(("on_fit_end",))

    def on_exception(self, trainer: Trainer, error: BaseException) -> None:
        self.calls.append(("on_exception", type(error).__name__))


MOONS_DATA: dict[str, Any] = {
    "source": {"kind": "builtin", "name": "moons", "samples": 400, "noise": 0.15},
    "target": -1,
    "task": "auto",
    "scaling": "standard",
    "split": {"validation": 0.25, "test": 0.25, "stratify": True, "seed": 0},
}


def make_project(
    layers: list[dict[str, Any]],
    loss: str | dict[str, Any] = "CrossEntropyLoss",
    data: dict[str, Any] | None = None,
    **training: Any,
) -> Project:
    """A project on built-in data (moons unless ``data`` says otherwise)."""
    settings: dict[str, Any] = {
        "loss": loss if isinstance(loss, dict) else {"type": loss},
        "optimizer": {"type": "Adam", "lr": 0.01},
        "batch_size": 32,
        "epochs": 3,
        "device": "cpu",
        "seed": 0,
    }
    settings.update(training)
    return Project.from_dict(
        {
            "guinet": 1,
            "name": "test",
            "data": copy.deepcopy(data or MOONS_DATA),
            "model": {"layers": layers},
            "training": settings,
        }
    )


def mlp(*tail: dict[str, Any], outputs: int = 2) -> list[dict[str, Any]]:
    """Linear(16)-ReLU-Linear(``outputs``) followed by ``tail`` layers."""
    return [
        {"type": "Linear", "out_features": 16},
        {"type": "ReLU"},
        {"type": "Linear", "out_features": outputs},
        *tail,
    ]


#: The fields design.md promises in `guinet train --json`'s summary.
SUMMARY_FIELDS = frozenset(
    {
        "epochs_run",
        "stopped_early",
        "best_epoch",
        "best",
        "history",
        "test",
        "train_samples_per_sec",
        "device",
    }
)
