"""The project's ``training`` section, checked: :class:`TrainingConfig`.

Missing keys take the defaults of a new project
(:func:`guinet.core.project.default_training`); unknown keys are kept and
written back unchanged. Every bad value raises :class:`ConfigError` with one
sentence that names the key and the fix. The plain settings are declared as
:class:`~guinet.core.params.Param` (:data:`SETTINGS`) so the GUI builds its
editors from the same rules.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from guinet.core.params import Param
from guinet.core.project import default_training
from guinet.core.training.catalog import ComponentSpec, parse_component, parse_section
from guinet.core.training.checkpoints import CheckpointSettings
from guinet.core.training.early_stopping import EarlyStoppingSettings
from guinet.core.training.errors import ConfigError
from guinet.core.training.losses import LOSSES
from guinet.core.training.optimizers import OPTIMIZERS
from guinet.core.training.schedulers import SCHEDULERS

DEVICES = ("auto", "cpu", "cuda", "mps")
_DEVICE = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")

SETTINGS: tuple[Param, ...] = (
    Param(
        "batch_size",
        "int",
        32,
        "Samples per weight update. Small batches update often and noisily; "
        "large ones are smoother and faster per sample.",
        minimum=1,
        maximum=1_000_000,
        key=True,
    ),
    Param(
        "epochs",
        "int",
        50,
        "Passes over the training data.",
        minimum=1,
        maximum=1_000_000,
        key=True,
    ),
    Param(
        "device",
        "str",
        "auto",
        "Where to train: auto picks a CUDA GPU, then Apple's MPS, then the CPU.",
    ),
    Param(
        "seed",
        "int",
        0,
        "Seed for the initial weights and the batch order; the same seed gives "
        "the same run. Empty means a different run each time.",
        optional=True,
        none_label="random",
    ),
)
_KNOWN = (
    "loss",
    "optimizer",
    "scheduler",
    "early_stopping",
    "checkpoint",
    *(p.name for p in SETTINGS),
)


@dataclass
class TrainingConfig:
    """What to train with; ``extra`` holds the keys guinet does not know."""

    loss: ComponentSpec
    optimizer: ComponentSpec
    scheduler: ComponentSpec | None = None
    batch_size: int = 32
    epochs: int = 50
    device: str = "auto"
    seed: int | None = 0
    early_stopping: dict[str, Any] | None = None
    checkpoint: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Any) -> TrainingConfig:
        if not isinstance(data, Mapping):
            raise ConfigError('"training" must be an object')
        defaults = default_training()
        merged = {**defaults, **data}
        settings = parse_section(SETTINGS, merged, "training")
        device = settings["device"]
        if not _DEVICE.match(device):
            raise ConfigError(
                f"training: device must be auto, cpu, cuda (or cuda:N) or mps, "
                f"not {device!r}"
            )
        scheduler = merged.get("scheduler")
        config = cls(
            loss=parse_component(LOSSES, merged["loss"], "training.loss"),
            optimizer=parse_component(
                OPTIMIZERS, merged["optimizer"], "training.optimizer"
            ),
            scheduler=(
                parse_component(SCHEDULERS, scheduler, "training.scheduler")
                if scheduler is not None
                else None
            ),
            early_stopping=_section(merged, "early_stopping"),
            checkpoint=_section(merged, "checkpoint"),
            extra={k: copy.deepcopy(v) for k, v in data.items() if k not in _KNOWN},
            **settings,
        )
        _check_combinations(config)
        # Check the two sections now, so the GUI can show a bad value at once.
        EarlyStoppingSettings.from_dict(config.early_stopping)
        CheckpointSettings.from_dict(config.checkpoint)
        return config

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "loss": self.loss.to_dict(),
            "optimizer": self.optimizer.to_dict(),
            "scheduler": self.scheduler.to_dict() if self.scheduler else None,
            "batch_size": self.batch_size,
            "epochs": self.epochs,
            "device": self.device,
            "seed": self.seed,
            "early_stopping": copy.deepcopy(self.early_stopping),
            "checkpoint": copy.deepcopy(self.checkpoint),
        }
        out.update(copy.deepcopy(self.extra))
        return out

    @property
    def lr(self) -> float:
        return float(
            self.optimizer.params.get(
                "lr", OPTIMIZERS[self.optimizer.type].param("lr").default
            )
        )


def _section(merged: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    value = merged.get(key)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ConfigError(f"training.{key} must be an object or null")
    return copy.deepcopy(dict(value))


def _check_combinations(config: TrainingConfig) -> None:
    opt = config.optimizer
    args = OPTIMIZERS[opt.type].arguments(opt.params)
    if opt.type == "SGD" and args["nesterov"] and args["momentum"] <= 0:
        raise ConfigError(
            "training.optimizer: SGD nesterov needs momentum > 0 (e.g. 0.9); "
            "set momentum or turn nesterov off"
        )
