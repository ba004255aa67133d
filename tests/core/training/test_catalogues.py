"""The loss, optimizer and scheduler catalogues and the training settings."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import guinet
from guinet.core.params import Registry
from guinet.core.project import default_training
from guinet.core.training import (
    LOSSES,
    OPTIMIZERS,
    SCHEDULERS,
    ComponentType,
    ConfigError,
    TrainingSpec,
)

REPO = Path(guinet.__file__).resolve().parent.parent
CATALOGUES: list[Registry[ComponentType]] = [LOSSES, OPTIMIZERS, SCHEDULERS]  # type: ignore[list-item]


def test_catalogues_hold_what_the_design_names() -> None:
    assert set(LOSSES) == {
        "MSELoss",
        "L1Loss",
        "SmoothL1Loss",
        "HuberLoss",
        "BCELoss",
        "BCEWithLogitsLoss",
        "CrossEntropyLoss",
        "NLLLoss",
        "MultiMarginLoss",
    }
    assert set(OPTIMIZERS) == {"SGD", "Adam", "AdamW", "RMSprop", "Adagrad"}
    assert set(SCHEDULERS) == {
        "StepLR",
        "ExponentialLR",
        "CosineAnnealingLR",
        "OneCycleLR",
        "ReduceLROnPlateau",
    }
    assert {p.name for p in OPTIMIZERS["SGD"].params} >= {
        "lr",
        "momentum",
        "nesterov",
        "weight_decay",
    }
    assert "label_smoothing" in {p.name for p in LOSSES["CrossEntropyLoss"].params}
    assert "max_lr" in {p.name for p in SCHEDULERS["OneCycleLR"].params}


@pytest.mark.parametrize(
    "entry",
    [entry for registry in CATALOGUES for entry in registry.values()],
    ids=lambda entry: entry.key,
)
def test_every_entry_is_a_torch_class_taking_its_declared_arguments(
    entry: ComponentType,
) -> None:
    cls = entry.torch_class()
    assert cls.__name__ == entry.key
    accepted = set(inspect.signature(cls).parameters)
    assert {p.name for p in entry.params} <= accepted
    assert entry.label.startswith(entry.key) and entry.explanation.endswith(".")
    for param in entry.params:
        assert param.help, f"{entry.key}.{param.name} has no help line"
        assert param.problem(param.default) is None


def test_a_duplicate_key_raises() -> None:
    with pytest.raises(KeyError, match="already registered"):
        LOSSES.register("MSELoss", LOSSES["MSELoss"])


def test_losses_say_which_tasks_they_fit() -> None:
    assert LOSSES["MSELoss"].tasks == ("regression",)
    assert LOSSES["BCELoss"].tasks == ("binary",)
    assert set(LOSSES["CrossEntropyLoss"].tasks) == {"binary", "multiclass"}
    assert LOSSES["BCELoss"].expects == "probabilities"
    assert LOSSES["NLLLoss"].expects == "log_probabilities"


# -- the training section -------------------------------------------------------------
def test_the_default_training_section_parses_and_round_trips() -> None:
    config = TrainingSpec.from_dict(default_training())
    assert config.loss is None and config.auto  # a new project's loss is auto
    assert "loss" not in default_training()
    assert config.optimizer.type == "Adam" and config.lr == 0.001
    assert (config.batch_size, config.epochs, config.device, config.seed) == (
        32,
        50,
        "auto",
        0,
    )
    assert config.to_dict() == default_training()


def test_unknown_keys_are_kept_and_missing_ones_take_defaults() -> None:
    config = TrainingSpec.from_dict(
        {"optimizer": {"type": "SGD", "lr": 0.1}, "my_note": {"keep": [1, 2]}}
    )
    assert config.extra == {"my_note": {"keep": [1, 2]}}
    assert config.to_dict()["my_note"] == {"keep": [1, 2]}
    assert config.batch_size == 32 and config.loss is None


def test_a_component_may_be_named_by_its_type_alone() -> None:
    config = TrainingSpec.from_dict({"loss": "MSELoss", "scheduler": "StepLR"})
    assert config.loss.to_dict() == {"type": "MSELoss"}
    assert config.scheduler is not None and config.scheduler.type == "StepLR"


@pytest.mark.parametrize(
    ("training", "message"),
    [
        (
            {"optimizer": {"type": "adam"}},
            "unknown optimizer 'adam'; did you mean 'Adam'",
        ),
        ({"optimizer": {"type": "Adma"}}, "did you mean 'Adam'"),
        ({"optimizer": {"type": "Adam", "lr": 0}}, "lr must be > 0, not 0"),
        ({"optimizer": {"type": "SGD", "lr": -0.1}}, "lr must be > 0"),
        ({"optimizer": {"type": "Adam", "lr": "fast"}}, "lr must be a number"),
        (
            {"optimizer": {"type": "Adam", "betas2": 1}},
            "Adam has no parameter 'betas2'",
        ),
        ({"optimizer": {"lr": 0.1}}, 'must be an object with a "type"'),
        ({"batch_size": 0}, r"batch_size must be in \[1, 1000000\], not 0"),
        ({"batch_size": 2.5}, "batch_size must be a whole number"),
        ({"epochs": 0}, r"epochs must be in \[1, "),
        ({"device": "gpu"}, "device must be auto, cpu, cuda"),
        ({"seed": "x"}, "seed must be a whole number"),
        ({"loss": {"type": "CrossEntropy"}}, "did you mean 'CrossEntropyLoss'"),
        ({"loss": {"type": "CrossEntropyLoss", "label_smoothing": 2}}, r"in \[0, 1\]"),
        ({"scheduler": {"type": "StepLR", "gamma": 0}}, r"gamma must be in \(0, 1\]"),
        ({"scheduler": {"type": "Cosine"}}, "unknown scheduler"),
        (
            {"optimizer": {"type": "SGD", "nesterov": True}},
            "nesterov needs momentum > 0",
        ),
        ({"early_stopping": 3}, "early_stopping must be an object"),
        ([], '"training" must be an object'),
    ],
)
def test_bad_values_say_what_is_wrong(training: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        TrainingSpec.from_dict(training)


def test_the_catalogues_load_without_torch() -> None:
    code = (
        "import sys, json\n"
        "from guinet.core.training import LOSSES, OPTIMIZERS, SCHEDULERS, "
        "TrainingSpec\n"
        "from guinet.core.project import default_training\n"
        "TrainingSpec.from_dict(default_training())\n"
        "[e.params for r in (LOSSES, OPTIMIZERS, SCHEDULERS) for e in r.values()]\n"
        "print(json.dumps(sorted(m.split('.')[0] for m in sys.modules)))"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
        check=True,
    )
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert "guinet" in loaded
    assert not loaded & {"torch", "PySide6", "numpy"}


def test_torch_accepts_every_optimizer_with_its_defaults() -> None:
    for key, entry in OPTIMIZERS.items():
        param = torch.nn.Parameter(torch.zeros(2))
        entry.torch_class()([param], **entry.arguments({}))
        assert entry.param("lr").default > 0, key
