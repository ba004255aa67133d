"""Checkpoints written off the training thread: coalescing, complete files at
the end of every run, and samples/s over the wall time (issue 9, item 10)."""

from __future__ import annotations

import threading
import time
import types
from pathlib import Path
from typing import Any

import pytest
import torch

from guinet.core.training import (
    Callback,
    CheckpointInfo,
    Logs,
    ModelCheckpoint,
    Trainer,
    TrainingControl,
    TrainingFailed,
    checkpoint_files,
    list_checkpoints,
    load_checkpoint,
)
from guinet.core.training import trainer as trainer_module
from guinet.core.training.checkpoint_writer import (
    CheckpointWriter,
    WriteJob,
    snapshot,
)
from tests.core.training.helpers import tiny_trainer

WAIT = 30.0  # seconds; only reached when something is broken


class SlowWriter:
    """A fake file writer whose first write blocks until :attr:`release` is set."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.written: list[tuple[str, int]] = []

    def __call__(self, path: Path, payload: dict[str, Any]) -> CheckpointInfo:
        self.started.set()
        assert self.release.wait(WAIT), "the test never released the writer"
        self.written.append((path.name, payload["n"]))
        return CheckpointInfo(path, "last", payload["n"], None, None, 0.0)


def test_only_the_newest_pending_last_is_written_and_every_best_is() -> None:
    slow = SlowWriter()
    writer = CheckpointWriter(slow, duty=1.0)
    writer.submit(WriteJob(Path("last.ckpt"), {"n": 1}, key="last"))
    assert slow.started.wait(WAIT)  # the first write is under way, and stuck
    for n in range(2, 6):  # four newer last.ckpt files pile up
        writer.submit(WriteJob(Path("last.ckpt"), {"n": n}, key="last"))
    writer.submit(WriteJob(Path("best-a.ckpt"), {"n": 10}))
    writer.submit(WriteJob(Path("best-b.ckpt"), {"n": 11}))
    assert writer.pending() == 4  # the one being written, last 5, two best
    slow.release.set()
    writer.close()
    assert slow.written[0] == ("last.ckpt", 1)
    assert sorted(slow.written[1:]) == [
        ("best-a.ckpt", 10),
        ("best-b.ckpt", 11),
        ("last.ckpt", 5),
    ]
    results = writer.results()
    skipped = sorted(r.job.payload["n"] for r in results if r.skipped)
    assert skipped == [2, 3, 4]
    assert writer.pending() == 0


def test_a_cancelled_best_file_passes_its_deletions_on() -> None:
    slow = SlowWriter()
    removed: list[str] = []
    writer = CheckpointWriter(slow, lambda name: removed.append(name) or True)
    writer.submit(WriteJob(Path("best-1.ckpt"), {"n": 1}))
    assert slow.started.wait(WAIT)
    writer.submit(WriteJob(Path("best-2.ckpt"), {"n": 2}, remove=["best-1.ckpt"]))
    inherited = writer.cancel(Path("best-2.ckpt"))  # evicted before it was written
    assert inherited == ["best-1.ckpt"]
    writer.submit(
        WriteJob(Path("best-3.ckpt"), {"n": 3}, remove=[*inherited, "best-2.ckpt"])
    )
    slow.release.set()
    writer.close()
    assert slow.written == [("best-1.ckpt", 1), ("best-3.ckpt", 3)]
    assert removed == ["best-1.ckpt", "best-2.ckpt"]


def test_a_snapshot_is_a_copy_that_training_cannot_change() -> None:
    weights = torch.ones(3)
    state = {"model": {"w": weights}, "curves": [{"loss": 1.0}], "n": (1, 2)}
    copied = snapshot(state)
    weights.add_(1.0)
    state["curves"].append({"loss": 0.5})
    assert torch.equal(copied["model"]["w"], torch.ones(3))
    assert copied["curves"] == [{"loss": 1.0}] and copied["n"] == (1, 2)
    shared = {"a": {"w": weights}, "b": {"w": weights}}
    twice = snapshot(shared)  # one tensor met twice is copied once
    assert twice["a"]["w"] is twice["b"]["w"] and twice["a"]["w"] is not weights


class Values(Callback):
    """Sets the monitored value of each epoch (before checkpoints see it)."""

    def __init__(self, values: list[float]) -> None:
        self.values = values

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: Logs) -> None:
        logs["val_loss"] = self.values[epoch]


class Gate(Callback):
    """Holds every checkpoint write until the last epoch has ended."""

    def __init__(self, epochs: int) -> None:
        self.epochs = epochs
        self.open = threading.Event()

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: Logs) -> None:
        if epoch == self.epochs - 1:
            self.open.set()


def gated_writes(monkeypatch: pytest.MonkeyPatch, gate: Gate, calls: list[str]) -> None:
    real = checkpoint_files.atomic_write

    def slow(path: Any, write: Any) -> None:
        calls.append(Path(path).name)
        assert gate.open.wait(WAIT)
        real(path, write)

    monkeypatch.setattr(checkpoint_files, "atomic_write", slow)


def writer_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "guinet-checkpoint-writer"]


def test_files_are_complete_when_the_run_ends_though_writes_piled_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    epochs = 6
    gate, calls = Gate(epochs), []
    gated_writes(monkeypatch, gate, calls)
    checkpoint = ModelCheckpoint(tmp_path, monitor="val_loss")
    values = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4]
    trainer = tiny_trainer(epochs=epochs, callbacks=[Values(values), checkpoint, gate])
    trainer.fit()
    # fit() returned: nothing is pending, the thread is gone, the files are whole.
    assert checkpoint.writer.pending() == 0 and writer_threads() == []
    names = {p.name for p in tmp_path.glob("*.ckpt")}
    assert names == {"best-epoch006-val_loss=0.4000.ckpt", "last.ckpt"}
    last = load_checkpoint(tmp_path / "last.ckpt")
    assert last.epoch == epochs and len(last.history) == epochs
    for name, value in trainer.model.state_dict().items():
        assert torch.equal(value, last.weights[name])
    assert load_checkpoint(tmp_path / "best-epoch006-val_loss=0.4000.ckpt").epoch == 6
    assert {i.path.name for i in list_checkpoints(tmp_path)} == names
    # The first write blocked; what piled up behind it was coalesced.
    assert calls.count("last.ckpt") < epochs
    assert not list(tmp_path.glob(".*.tmp"))


class StopAt(Callback):
    """Stops the run at an epoch end, as early stopping does (before checkpoints)."""

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: Logs) -> None:
        if epoch == self.epoch:
            trainer.stop("early_stopping")


class Explode(Callback):
    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: Logs) -> None:
        if epoch == 2:
            raise RuntimeError("boom")


class StopMidEpoch(Callback):
    """Presses Stop in the middle of epoch 4 (index 3), as the GUI can."""

    def on_batch_end(
        self, trainer: Trainer, epoch: int, batch: int, loss: torch.Tensor
    ) -> None:
        if epoch == 3 and batch == 1:
            trainer.control.request_stop()


def test_a_run_stopped_at_an_epoch_end_keeps_that_epoch_in_last(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate, calls = Gate(epochs=3), []
    gated_writes(monkeypatch, gate, calls)
    checkpoint = ModelCheckpoint(tmp_path, monitor="val_loss", save_best=False)
    trainer = tiny_trainer(epochs=10, callbacks=[StopAt(2), checkpoint, gate])
    trainer.fit()
    assert trainer.stop_reason == "early_stopping" and trainer.epochs_run == 3
    assert checkpoint.writer.pending() == 0 and writer_threads() == []
    assert load_checkpoint(tmp_path / "last.ckpt").epoch == 3
    assert checkpoint.last == tmp_path / "last.ckpt"


@pytest.mark.parametrize("ending", [Explode, StopMidEpoch])
def test_pending_writes_are_flushed_when_a_run_breaks_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ending: type[Callback]
) -> None:
    gate, calls = Gate(epochs=3), []
    gated_writes(monkeypatch, gate, calls)
    checkpoint = ModelCheckpoint(tmp_path, monitor="val_loss", save_best=False)
    trainer = tiny_trainer(
        n=40,
        epochs=10,
        callbacks=[checkpoint, gate, ending()],
        control=TrainingControl(),
    )
    if ending is Explode:
        with pytest.raises(TrainingFailed, match="boom"):
            trainer.fit()
    else:
        trainer.fit()
        assert trainer.stop_reason == "stopped" and trainer.epochs_run == 3
    # fit() returned: the newest snapshot taken is written, whole.
    assert checkpoint.writer.pending() == 0 and writer_threads() == []
    assert 1 <= load_checkpoint(tmp_path / "last.ckpt").epoch <= 3
    assert not list(tmp_path.glob(".*.tmp"))


def test_long_epochs_are_each_snapshotted_for_last(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When an epoch takes far longer than a snapshot, every epoch's state is
    kept for last.ckpt even while the writer is busy: a run broken off after
    an epoch resumes from that epoch."""
    clock = SlowClock()
    monkeypatch.setattr(
        trainer_module, "time", types.SimpleNamespace(perf_counter=clock.perf_counter)
    )
    gate, calls = Gate(epochs=3), []
    gated_writes(monkeypatch, gate, calls)
    checkpoint = ModelCheckpoint(tmp_path, monitor="val_loss", save_best=False)
    callbacks = [DeliberatelySlow(clock), checkpoint, gate, Explode()]
    trainer = tiny_trainer(epochs=10, callbacks=callbacks)
    with pytest.raises(TrainingFailed, match="boom"):
        trainer.fit()
    assert load_checkpoint(tmp_path / "last.ckpt").epoch == 3


class SlowClock:
    """``time`` for the trainer module, with a clock a callback can move on."""

    def __init__(self) -> None:
        self.offset = 0.0

    def perf_counter(self) -> float:
        return time.perf_counter() + self.offset


class DeliberatelySlow(Callback):
    """Takes five (simulated) seconds at each epoch end, as a slow disk would."""

    def __init__(self, clock: SlowClock) -> None:
        self.clock = clock

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: Logs) -> None:
        self.clock.offset += 5.0


def test_samples_per_second_counts_the_time_callbacks_take(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = SlowClock()
    monkeypatch.setattr(
        trainer_module, "time", types.SimpleNamespace(perf_counter=clock.perf_counter)
    )
    fast = tiny_trainer(n=40, epochs=3)
    fast.fit()
    slow = tiny_trainer(n=40, epochs=3, callbacks=[DeliberatelySlow(clock)])
    slow.fit()
    # 40 samples an epoch, and each epoch end takes 5 s: at most 8 samples/s.
    assert slow.samples_per_sec <= 40 / 5.0
    assert fast.samples_per_sec > 100 * slow.samples_per_sec
    epochs = slow.history.epochs
    assert epochs[0]["samples_per_sec"] > 8.0  # nothing slow before epoch 1
    for logs in epochs[1:]:  # each later epoch's wall time holds the 5 s
        assert logs["samples_per_sec"] <= 40 / 5.0
        assert logs["time"] >= 5.0
