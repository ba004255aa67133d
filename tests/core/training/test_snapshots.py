"""Copies of a small model's weights during a run (live views and replay)."""

from __future__ import annotations

import torch

from guinet.core.training.snapshots import Snapshot, WeightSnapshots, state_bytes
from tests.core.training.helpers import tiny_trainer


def test_the_start_and_every_epoch_end_are_kept_and_the_last_is_the_model() -> None:
    seen: list[Snapshot] = []
    snapshots = WeightSnapshots(seen.append, live_per_second=0)
    torch.manual_seed(0)
    start = tiny_trainer(epochs=3).model.state_dict()  # the same seeded start
    trainer = tiny_trainer(epochs=3, callbacks=[snapshots])
    trainer.fit()
    assert snapshots.active
    assert sorted(snapshots.epochs) == [0, 1, 2, 3]
    assert [(s.epoch, s.batch) for s in seen] == [(e, None) for e in range(4)]
    for name, value in start.items():
        assert torch.equal(snapshots.epochs[0][name], value)
    for name, value in trainer.model.state_dict().items():
        kept = snapshots.epochs[3][name]
        assert torch.equal(kept, value) and kept.device.type == "cpu"
        assert kept.data_ptr() != value.data_ptr()  # a copy, not a view
    # each epoch moved the weights
    first = snapshots.epochs[0]["0.weight"]
    assert not torch.equal(first, snapshots.epochs[1]["0.weight"])


def test_copies_within_an_epoch_are_passed_on_not_kept() -> None:
    seen: list[Snapshot] = []
    # no wait between copies: every batch but an epoch's last is copied live
    snapshots = WeightSnapshots(seen.append, live_per_second=1e9)
    tiny_trainer(n=12, batch_size=4, epochs=2, callbacks=[snapshots]).fit()
    live = [(s.epoch, s.batch) for s in seen if s.batch is not None]
    assert live == [(0, 1), (0, 2), (1, 1), (1, 2)]
    assert sorted(snapshots.epochs) == [0, 1, 2]


def test_a_large_model_is_not_copied() -> None:
    seen: list[Snapshot] = []
    snapshots = WeightSnapshots(seen.append, max_parameters=10)
    tiny_trainer(epochs=2, callbacks=[snapshots]).fit()  # 17 parameters
    assert not snapshots.active and not seen and not snapshots.epochs


def test_a_long_run_is_thinned_to_the_budget_and_still_spans_it() -> None:
    probe = WeightSnapshots(live_per_second=0)
    tiny_trainer(epochs=1, callbacks=[probe]).fit()
    size = state_bytes(probe.epochs[0])
    snapshots = WeightSnapshots(live_per_second=0, max_bytes=8 * size)
    tiny_trainer(epochs=40, callbacks=[snapshots]).fit()
    kept = sorted(snapshots.epochs)
    assert len(kept) * size <= 8 * size + size  # the newest may stand over
    assert kept[0] == 0 and kept[-1] == 40
    assert snapshots.stride > 1
    assert all(epoch % snapshots.stride == 0 for epoch in kept)
