"""Adding a dataset or an optimizer rule is one declaration in one place."""

from __future__ import annotations

import numpy as np
import pytest

from guinet.core.data import BUILTIN_DATASETS, prepare
from guinet.core.data.builtin import BuiltinDataset
from guinet.core.data.sources import ArraySet
from guinet.core.params import Param
from guinet.core.training import OPTIMIZERS, ConfigError, TrainingSpec


def _stripes(samples: int, seed: int) -> ArraySet:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(samples, 2)).astype(np.float32)
    y = (np.floor(x[:, 0] * 3) % 2).astype(np.int64)
    return ArraySet(x, y, "stripes", ["x1", "x2"], ["class"], ["a", "b"], "binary")


@pytest.fixture
def stripes():
    declared = BuiltinDataset(
        key="stripes",
        label="Stripes",
        description="Vertical bands of two classes.",
        task="binary",
        maker=_stripes,
        params=(
            Param("samples", "int", 200, "How many points.", minimum=10),
            Param("seed", "int", 0, "Seed.", minimum=0),
        ),
    )
    BUILTIN_DATASETS.register("stripes", declared)
    yield declared
    BUILTIN_DATASETS.unregister("stripes")


def test_a_new_dataset_is_one_declaration_with_its_maker(stripes) -> None:
    prepared = prepare(
        {"source": {"kind": "builtin", "name": "stripes", "samples": 100}}
    )
    assert prepared.task == "binary"
    assert prepared.report.rows == {"train": 60, "validation": 20, "test": 20}


def test_an_optimizer_declares_which_arguments_do_not_go_together() -> None:
    assert OPTIMIZERS["SGD"].problem({"nesterov": True}) is not None
    assert OPTIMIZERS["SGD"].problem({"nesterov": True, "momentum": 0.9}) is None
    assert OPTIMIZERS["Adam"].problem({}) is None
    spec = TrainingSpec({"optimizer": {"type": "SGD", "nesterov": True}})
    assert [p.where for p in spec.problems] == ["training.optimizer"]
    with pytest.raises(ConfigError, match="nesterov needs momentum > 0"):
        spec.check()
