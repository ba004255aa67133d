"""guinet's training engine: catalogues, settings, checks, the loop, callbacks.

>>> from guinet.core.training import fit_project
>>> result = fit_project(project, epochs=5)            # doctest: +SKIP
>>> result.summary()["test"]                           # doctest: +SKIP
{'loss': 0.21, 'accuracy': 0.93}

Importing this package does not import torch: the catalogues
(:data:`LOSSES`, :data:`OPTIMIZERS`, :data:`SCHEDULERS`), the settings and
the callback vocabulary are torch-free, so the GUI can show them at once.
:class:`Trainer`, :func:`fit_project` and the builders load torch on first
use. Nothing here imports Qt or starts a thread.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from guinet.core.training.callbacks import (
    BatchProgress,
    BestWeights,
    Callback,
    History,
    Logs,
    MonitorCallback,
)
from guinet.core.training.catalog import ComponentSpec, ComponentType, parse_component
from guinet.core.training.checkpoints import (
    CHECKPOINT_PARAMS,
    Checkpoint,
    CheckpointError,
    CheckpointInfo,
    CheckpointSettings,
    ModelCheckpoint,
    list_checkpoints,
    load_checkpoint,
    load_weights,
    save_checkpoint,
)
from guinet.core.training.compat import LossPlan, plan_for_data, plan_loss
from guinet.core.training.config import SETTINGS, TrainingSpec
from guinet.core.training.control import TrainingControl
from guinet.core.training.devices import DeviceInfo, available_devices, resolve_device
from guinet.core.training.early_stopping import (
    EARLY_STOPPING_PARAMS,
    EarlyStopping,
    EarlyStoppingSettings,
    EarlyStoppingStatus,
)
from guinet.core.training.errors import (
    CompatibilityError,
    ConfigError,
    DeviceError,
    TrainingError,
    TrainingFailed,
)
from guinet.core.training.losses import LOSSES, LossType
from guinet.core.training.optimizers import OPTIMIZERS, OptimizerType
from guinet.core.training.schedulers import SCHEDULERS, SchedulerType

if TYPE_CHECKING:
    from guinet.core.training.build import (
        LRSchedule,
        Metric,
        build_optimizer,
        build_scheduler,
        make_optimizer,
    )
    from guinet.core.training.fastpath import FlatParameters
    from guinet.core.training.fit import (
        FitResult,
        TrainingRun,
        fit_project,
        prepare_run,
    )
    from guinet.core.training.resume import branch_run, resume_run
    from guinet.core.training.trainer import Trainer

_LAZY = {
    "LRSchedule": "build",
    "Metric": "build",
    "build_optimizer": "build",
    "build_scheduler": "build",
    "make_optimizer": "build",
    "FlatParameters": "fastpath",
    "FitResult": "fit",
    "TrainingRun": "fit",
    "fit_project": "fit",
    "prepare_run": "fit",
    "resume_run": "resume",
    "branch_run": "resume",
    "Trainer": "trainer",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = [
    "CHECKPOINT_PARAMS",
    "EARLY_STOPPING_PARAMS",
    "LOSSES",
    "OPTIMIZERS",
    "SCHEDULERS",
    "SETTINGS",
    "BatchProgress",
    "BestWeights",
    "Callback",
    "Checkpoint",
    "CheckpointError",
    "CheckpointInfo",
    "CheckpointSettings",
    "CompatibilityError",
    "ComponentSpec",
    "ComponentType",
    "ConfigError",
    "DeviceError",
    "DeviceInfo",
    "EarlyStopping",
    "EarlyStoppingSettings",
    "EarlyStoppingStatus",
    "FitResult",
    "FlatParameters",
    "History",
    "LRSchedule",
    "Logs",
    "LossPlan",
    "LossType",
    "Metric",
    "ModelCheckpoint",
    "MonitorCallback",
    "OptimizerType",
    "SchedulerType",
    "Trainer",
    "TrainingSpec",
    "TrainingControl",
    "TrainingError",
    "TrainingFailed",
    "TrainingRun",
    "available_devices",
    "branch_run",
    "build_optimizer",
    "build_scheduler",
    "fit_project",
    "list_checkpoints",
    "load_checkpoint",
    "load_weights",
    "make_optimizer",
    "parse_component",
    "plan_for_data",
    "plan_loss",
    "prepare_run",
    "resolve_device",
    "resume_run",
    "save_checkpoint",
]
