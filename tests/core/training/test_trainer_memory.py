"""What the trainer adds to memory: no shuffled copy of a big training set,
one buffer for an epoch's outputs, small evaluation batches.

benchmarks/data_memory.py measures the peak on a million-row table; these
pin that the lean paths train exactly like the fast ones.
"""

from __future__ import annotations

import pytest

from guinet.core.training import trainer as trainer_module
from tests.core.training.helpers import tiny_trainer


def test_a_big_training_set_is_gathered_batch_by_batch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    small = tiny_trainer(n=40, batch_size=6, epochs=3)
    assert small._preshuffle
    shuffled = small.fit()
    monkeypatch.setattr(trainer_module, "PRESHUFFLE_BYTES", 0)
    big = tiny_trainer(n=40, batch_size=6, epochs=3)
    assert not big._preshuffle
    gathered = big.fit()
    assert gathered["loss"] == shuffled["loss"]
    assert gathered["accuracy"] == shuffled["accuracy"]
    assert gathered["val_loss"] == shuffled["val_loss"]


def test_a_training_set_over_32_mib_is_not_copied_to_shuffle() -> None:
    assert trainer_module.PRESHUFFLE_BYTES <= 32 * 2**20
    # evaluation batches of at most ~256k input values (1 MiB of float32)
    assert trainer_module.EVAL_VALUES <= 2**18


def test_the_epoch_outputs_are_kept_in_one_buffer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import torch

    calls: list[tuple[int, ...]] = []
    cat = torch.cat

    def counting_cat(tensors, *args, **kwargs):
        calls.append(tuple(t.shape[0] for t in tensors))
        return cat(tensors, *args, **kwargs)

    monkeypatch.setattr(torch, "cat", counting_cat)
    kept = tiny_trainer(n=20, batch_size=6, epochs=2).fit()
    assert not calls  # no per-batch list joined at the end of the epoch
    monkeypatch.setattr(trainer_module, "STASH_BYTES", 0)
    summed = tiny_trainer(n=20, batch_size=6, epochs=2).fit()
    assert summed["accuracy"] == kept["accuracy"]
