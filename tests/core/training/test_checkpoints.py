"""Checkpoint files and the checkpoint callback: what is kept, safe loading,
atomic writes under SIGKILL, and training that goes on when saving fails."""

from __future__ import annotations

import errno
import json
import math
import multiprocessing
import os
import pickle
import random
import signal
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import torch

from guinet.core.training import (
    Callback,
    CheckpointError,
    CheckpointInfo,
    CheckpointSettings,
    ConfigError,
    EarlyStopping,
    Logs,
    ModelCheckpoint,
    Trainer,
    checkpoint_files,
    list_checkpoints,
    load_checkpoint,
    load_weights,
    prepare_run,
    save_checkpoint,
)
from guinet.core.training.checkpoints import (
    INDEX_NAME,
    checkpoint_payload,
    format_filename,
    remove_stale_temp_files,
    write_checkpoint,
)
from tests.core.training.helpers import make_project, mlp, tiny_trainer


class Script(Callback):
    """Replaces the monitored value with scripted ones (before checkpoints see it)."""

    def __init__(self, values: list[float], key: str = "val_loss") -> None:
        self.values = values
        self.key = key

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: Logs) -> None:
        logs[self.key] = self.values[epoch]


class Events(Callback):
    def __init__(self) -> None:
        self.saved: list[CheckpointInfo] = []
        self.failed: list[str] = []

    def on_checkpoint_saved(self, trainer: Trainer, info: CheckpointInfo) -> None:
        self.saved.append(info)

    def on_checkpoint_failed(self, trainer: Trainer, message: str) -> None:
        self.failed.append(message)


def train_with_checkpoints(
    folder: Path,
    values: list[float],
    key: str = "val_loss",
    **settings: Any,
) -> tuple[ModelCheckpoint, Events, Trainer]:
    checkpoint = ModelCheckpoint(folder, monitor=key, **settings)
    events = Events()
    trainer = tiny_trainer(
        epochs=len(values), callbacks=[Script(values, key), checkpoint, events]
    )
    trainer.fit()
    return checkpoint, events, trainer


def names(folder: Path) -> set[str]:
    return {p.name for p in folder.glob("*.ckpt")}


def listed(folder: Path) -> list[tuple[str, int, float | None]]:
    return [(i.kind, i.epoch, i.value) for i in list_checkpoints(folder)]


# -- what is kept ---------------------------------------------------------------------
def test_the_k_best_and_the_last_are_kept(tmp_path: Path) -> None:
    values = [0.5, 0.3, 0.4, 0.2, 0.6]
    checkpoint, events, trainer = train_with_checkpoints(
        tmp_path, values, save_top_k=2, filename="e{epoch}-{value:.1f}"
    )
    assert names(tmp_path) == {"best-e2-0.3.ckpt", "best-e4-0.2.ckpt", "last.ckpt"}
    assert sorted(listed(tmp_path)) == [
        ("best", 2, 0.3),
        ("best", 4, 0.2),
        ("last", 5, 0.6),
    ]
    assert checkpoint.best_path == tmp_path / "best-e4-0.2.ckpt"
    assert checkpoint.last == tmp_path / "last.ckpt"
    assert {p.name for p in checkpoint.files} == names(tmp_path)
    # Every file written was reported, in order; the writer may skip a
    # last.ckpt a newer one replaced, or a best file evicted before it was
    # written, but never a file that is kept.
    reported = [(i.kind, i.epoch) for i in events.saved]
    every = [("best", 1), ("last", 1), ("best", 2), ("last", 2), ("best", 3)]
    every += [("last", 3), ("best", 4), ("last", 4), ("last", 5)]
    assert reported == [e for e in every if e in reported]
    assert {("best", 2), ("best", 4), ("last", 5)} <= set(reported)
    assert events.failed == [] and checkpoint.error is None
    index = json.loads((tmp_path / INDEX_NAME).read_text(encoding="utf-8"))
    assert set(index["files"]) == names(tmp_path)
    last = load_checkpoint(tmp_path / "last.ckpt")
    assert last.history == trainer.history.epochs  # the curves, as logged
    assert last.epoch == 5 and last.kind == "last" and last.value == 0.6


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"save_top_k": -1}, {1, 2, 3, 4}),
        ({"save_top_k": 0}, set()),
        ({"save_best": False, "save_top_k": 3}, set()),
        ({"save_top_k": 1}, {3}),
    ],
)
def test_save_top_k(
    tmp_path: Path, settings: dict[str, Any], expected: set[int]
) -> None:
    train_with_checkpoints(tmp_path, [0.5, 0.6, 0.1, 0.2], save_last=False, **settings)
    assert {epoch for kind, epoch, _ in listed(tmp_path) if kind == "best"} == expected
    assert "last.ckpt" not in names(tmp_path)


def test_mode_max_keeps_the_highest_accuracy(tmp_path: Path) -> None:
    train_with_checkpoints(
        tmp_path, [0.5, 0.9, 0.7], key="val_accuracy", save_last=False
    )
    assert listed(tmp_path) == [("best", 2, 0.9)]


def test_periodic_checkpoints_by_epochs_and_by_minutes(tmp_path: Path) -> None:
    values = [0.5, 0.4, 0.3, 0.2, 0.1]
    train_with_checkpoints(
        tmp_path / "n", values, save_best=False, save_last=False, every_n_epochs=2
    )
    assert listed(tmp_path / "n") == [("periodic", 2, 0.4), ("periodic", 4, 0.2)]
    train_with_checkpoints(
        tmp_path / "m", values, save_best=False, save_last=False, every_n_minutes=1e-9
    )
    assert [e for _, e, _ in listed(tmp_path / "m")] == [1, 2, 3, 4, 5]
    train_with_checkpoints(
        tmp_path / "h", values, save_best=False, save_last=False, every_n_minutes=60
    )
    assert listed(tmp_path / "h") == []


def test_file_name_templates() -> None:
    logs = {"val_loss": 0.123456, "loss": 0.5}
    assert (
        format_filename("{epoch:02d}-{val_loss:.3f}", "best", 3, "val_loss", 0.1, logs)
        == "best-03-0.123.ckpt"
    )
    assert format_filename("{kind}_{epoch}", "periodic", 7, "loss", 1.0, logs) == (
        "periodic_7.ckpt"
    )
    assert format_filename("{val_accuracy:.2f}", "best", 1, "x", None, logs) == (
        "best-nan.ckpt"
    )
    default = CheckpointSettings().filename
    assert format_filename(default, "best", 12, "val_loss", 0.25, logs) == (
        "best-epoch012-val_loss=0.2500.ckpt"
    )
    for bad in ("{epoch:.2q}", "{}", "{epoch"):
        with pytest.raises(ConfigError, match="not a usable template"):
            CheckpointSettings.from_dict({"filename": bad})


def test_settings_from_the_project_section() -> None:
    assert CheckpointSettings.from_dict(None).enabled is False
    assert CheckpointSettings.from_dict({}) == CheckpointSettings()
    with pytest.raises(ConfigError, match="save_top_k must be"):
        CheckpointSettings.from_dict({"save_top_k": -2})
    with pytest.raises(ConfigError, match="every_n_epochs must be"):
        CheckpointSettings.from_dict({"every_n_epochs": -1})
    with pytest.raises(ConfigError, match="dir must name a folder"):
        CheckpointSettings.from_dict({"dir": " "})


# -- safe loading ---------------------------------------------------------------------
class Payload:
    """Unpickling this creates ``path``: the proof that code ran."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.path,))


class SystemPayload:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (f"touch {self.path}",))


@pytest.mark.parametrize("payload", [Payload, SystemPayload])
@pytest.mark.parametrize("container", ["pickle", "torch"])
def test_a_malicious_pickle_is_refused_and_never_runs(
    tmp_path: Path, payload: type, container: str
) -> None:
    marker = tmp_path / "marker"
    evil = tmp_path / "evil.ckpt"
    content = {"format": "guinet-checkpoint", "trainer": payload(marker)}
    if container == "pickle":
        evil.write_bytes(pickle.dumps(content, protocol=2))
    else:
        torch.save(content, evil)
    with pytest.raises(CheckpointError, match="refused to open evil.ckpt") as caught:
        load_checkpoint(evil)
    assert "run code" in str(caught.value)
    assert "\n" not in str(caught.value)
    with pytest.raises(CheckpointError, match="refused"):
        load_weights(evil)
    assert list_checkpoints(tmp_path) == []
    assert not marker.exists()


def test_damaged_foreign_and_missing_files_are_refused_clearly(tmp_path: Path) -> None:
    train_with_checkpoints(tmp_path, [0.5, 0.4], save_best=False)
    good = (tmp_path / "last.ckpt").read_bytes()
    cases = {
        "truncated.ckpt": good[: len(good) // 2],
        "text.ckpt": b"hello",
        "empty.ckpt": b"",
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(CheckpointError, match=f"{name} is damaged"):
            load_checkpoint(tmp_path / name)
    with pytest.raises(CheckpointError, match="no such file"):
        load_checkpoint(tmp_path / "none.ckpt")
    with pytest.raises(CheckpointError, match="is a folder"):
        load_checkpoint(tmp_path)
    torch.save({"weight": torch.ones(2)}, tmp_path / "plain.pt")
    with pytest.raises(CheckpointError, match="not a guinet checkpoint"):
        load_checkpoint(tmp_path / "plain.pt")
    newer = torch.load(tmp_path / "last.ckpt", weights_only=True)
    newer["version"] = 99
    torch.save(newer, tmp_path / "newer.pt")
    with pytest.raises(CheckpointError, match="newer guinet"):
        load_checkpoint(tmp_path / "newer.pt")
    # Only the good one is listed.
    assert [i.path.name for i in list_checkpoints(tmp_path)] == ["last.ckpt"]


def test_a_checkpoint_is_tensors_and_plain_values(tmp_path: Path) -> None:
    train_with_checkpoints(tmp_path, [0.5, 0.4], save_best=False)
    raw = torch.load(tmp_path / "last.ckpt", weights_only=True)
    assert raw["format"] == "guinet-checkpoint" and raw["version"] == 1
    assert raw["epoch"] == 2 and raw["kind"] == "last"
    state = raw["trainer"]
    assert set(state) >= {"model", "optimizer", "scheduler", "generator", "torch_rng"}
    assert state["generator"].dtype == torch.uint8
    assert set(state["callbacks"]) >= {"History", "BestWeights", "ModelCheckpoint"}


def test_load_weights_into_a_model(tmp_path: Path) -> None:
    _, _, trainer = train_with_checkpoints(tmp_path, [0.5, 0.4], save_best=False)
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1)
    )
    weights = load_weights(tmp_path / "last.ckpt", model)
    for name, value in model.state_dict().items():
        assert torch.equal(value, trainer.model.state_dict()[name])
        assert torch.equal(value, weights[name])
    torch.save(model.state_dict(), tmp_path / "plain.pt")
    assert set(load_weights(tmp_path / "plain.pt")) == set(weights)
    wider = torch.nn.Sequential(
        torch.nn.Linear(2, 5), torch.nn.ReLU(), torch.nn.Linear(5, 1)
    )
    before = {k: v.clone() for k, v in wider.state_dict().items()}
    with pytest.raises(
        CheckpointError, match=r"0.weight is \[4, 2\] there and \[5, 2\]"
    ):
        load_weights(tmp_path / "last.ckpt", wider)
    assert all(torch.equal(v, before[k]) for k, v in wider.state_dict().items())
    deeper = torch.nn.Sequential(*model, torch.nn.Linear(1, 1))
    with pytest.raises(CheckpointError, match="has no weights for 3.weight"):
        load_weights(tmp_path / "last.ckpt", deeper)
    with pytest.raises(CheckpointError, match="weights for 2.weight, which this"):
        load_weights(tmp_path / "last.ckpt", model[:2])


def test_save_checkpoint_by_hand(tmp_path: Path) -> None:
    trainer = tiny_trainer()
    trainer.fit()
    info = save_checkpoint(tmp_path / "mine.ckpt", trainer.state_dict())
    assert (info.kind, info.epoch) == ("manual", 2)
    assert listed(tmp_path) == [("manual", 2, None)]
    blocked = tmp_path / "file"
    blocked.write_text("x")
    with pytest.raises(CheckpointError, match="could not save"):
        save_checkpoint(blocked / "sub" / "x.ckpt", trainer.state_dict())


# -- the listing ----------------------------------------------------------------------
def test_the_listing_ignores_temporary_files_and_distrusts_a_stale_index(
    tmp_path: Path,
) -> None:
    assert list_checkpoints(tmp_path / "none") == []
    train_with_checkpoints(tmp_path, [0.5, 0.4, 0.45], save_top_k=-1)
    before = listed(tmp_path)
    assert before == [
        ("best", 1, 0.5),
        ("best", 2, 0.4),
        ("best", 3, 0.45),
        ("last", 3, 0.45),
    ]
    (tmp_path / ".last.ckpt.abc123.tmp").write_bytes(b"half a checkpoint")
    (tmp_path / f".{INDEX_NAME}.x.tmp").write_bytes(b"{")
    assert listed(tmp_path) == before
    # A crash between writing a file and the index: the file's facts win.
    index = (tmp_path / INDEX_NAME).read_text(encoding="utf-8")
    raw = torch.load(tmp_path / "last.ckpt", weights_only=True)
    raw["epoch"], raw["value"] = 9, 0.01
    torch.save(raw, tmp_path / "last.ckpt")
    (tmp_path / INDEX_NAME).write_text(index, encoding="utf-8")
    assert ("last", 9, 0.01) in listed(tmp_path)
    (tmp_path / INDEX_NAME).write_text("{not json", encoding="utf-8")
    assert ("last", 9, 0.01) in listed(tmp_path)


def test_stale_temporary_files_are_removed(tmp_path: Path) -> None:
    old = tmp_path / ".last.ckpt.abc.tmp"
    new = tmp_path / ".best.ckpt.def.tmp"
    old.write_bytes(b"x")
    new.write_bytes(b"x")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    assert remove_stale_temp_files(tmp_path) == 1
    assert not old.exists() and new.exists()


# -- when saving fails ----------------------------------------------------------------
def test_a_full_disk_does_not_stop_training(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(path: Any, write: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(checkpoint_files, "atomic_write", full)
    checkpoint, events, trainer = train_with_checkpoints(tmp_path, [0.5, 0.4, 0.3])
    assert trainer.stop_reason == "completed" and trainer.epochs_run == 3
    assert checkpoint.error is not None and "the disk is full" in checkpoint.error
    assert len(events.failed) == 1 and events.saved == []
    assert checkpoint.notes == events.failed
    assert "Checkpoints are not being saved" in checkpoint.notes[0]
    assert "Training goes on" in checkpoint.notes[0]
    assert checkpoint.top == [] and checkpoint.files == []
    assert names(tmp_path) == set()


def test_saving_starts_again_when_the_disk_has_room(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = checkpoint_files.atomic_write
    calls = {"n": 0}

    def flaky(path: Any, write: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 1:  # epoch 1's best: the first file written
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, write)

    class WrittenAtOnce(Callback):
        """Epoch 1's files are written before epoch 2 (else a fast run may
        evict epoch 1's best before the writer thread reaches it)."""

        def on_epoch_end(self, trainer: Trainer, epoch: int, logs: Any) -> None:
            if epoch == 0:
                checkpoint.flush(trainer)

    monkeypatch.setattr(checkpoint_files, "atomic_write", flaky)
    checkpoint = ModelCheckpoint(tmp_path, monitor="val_loss")
    events = Events()
    values = [0.5, 0.6, 0.4]
    tiny_trainer(
        epochs=len(values),
        callbacks=[Script(values, "val_loss"), checkpoint, WrittenAtOnce(), events],
    ).fit()
    assert len(events.failed) == 1 and checkpoint.error is None
    assert sorted(listed(tmp_path)) == [("best", 3, 0.4), ("last", 3, 0.4)]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_read_only_folder_does_not_stop_training(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("permissions are not enforced for this user (root)")
        checkpoint, events, trainer = train_with_checkpoints(folder, [0.5, 0.4])
        assert trainer.stop_reason == "completed" and trainer.epochs_run == 2
        assert checkpoint.error is not None and "permission denied" in checkpoint.error
        assert len(events.failed) == 1
    finally:
        folder.chmod(0o700)


# -- crash safety ---------------------------------------------------------------------
def write_forever(folder: str, start: int, ready: Any) -> None:
    """Write checkpoints whose every tensor holds the counter, until killed."""
    counter = start
    while True:
        counter += 1
        state = {
            "epoch": counter,
            "model": {"w": torch.full((64, 1024), float(counter))},
            "counter": torch.tensor(counter),
        }
        payload = checkpoint_payload(state, kind="last", value=float(counter))
        write_checkpoint(Path(folder) / "last.ckpt", payload)
        payload["kind"] = "periodic"
        write_checkpoint(Path(folder) / f"periodic-{counter % 3}.ckpt", payload)
        ready.set()


@pytest.mark.skipif(
    sys.platform == "win32"
    or "forkserver" not in multiprocessing.get_all_start_methods(),
    reason="needs SIGKILL and the forkserver start method",
)
def test_checkpoints_survive_sigkill_at_random_moments(tmp_path: Path) -> None:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["torch", __name__])
    rng = random.Random(20240607)
    last_seen = 0
    kills = 25
    for _ in range(kills):
        ready = context.Event()
        child = context.Process(
            target=write_forever, args=(str(tmp_path), last_seen, ready), daemon=True
        )
        child.start()
        assert ready.wait(60), "the writer never wrote"
        time.sleep(rng.uniform(0.0, 0.02))
        os.kill(child.pid, signal.SIGKILL)  # type: ignore[arg-type]
        child.join(30)
        assert child.exitcode == -signal.SIGKILL
        files = sorted(tmp_path.glob("*.ckpt"))
        assert {f.name for f in files} >= {"last.ckpt"}
        for path in files:  # every file is whole: old or new, never torn
            ckpt = load_checkpoint(path)
            counter = int(ckpt.trainer_state["counter"])
            weights = ckpt.trainer_state["model"]["w"]
            assert torch.equal(weights, torch.full_like(weights, float(counter)))
            assert ckpt.epoch == counter and ckpt.value == counter
        newest = load_checkpoint(tmp_path / "last.ckpt").epoch
        assert newest > last_seen  # the writer got further each time
        last_seen = newest
        infos = list_checkpoints(tmp_path)
        assert {i.path.name for i in infos} == {f.name for f in files}
        for info in infos:  # the listing never states a torn file's facts
            assert info.epoch == load_checkpoint(info.path).epoch
    assert last_seen >= kills


def test_values_are_plain_json_in_the_listing(tmp_path: Path) -> None:
    train_with_checkpoints(tmp_path, [math.nan, 0.4], save_top_k=-1)
    infos = list_checkpoints(tmp_path)
    assert {i.kind for i in infos} == {"best", "last"}  # NaN is never "best"
    as_json = json.dumps([i.to_dict() for i in infos], allow_nan=False)
    assert str(tmp_path) in as_json


def test_early_stopping_state_is_in_the_checkpoint(tmp_path: Path) -> None:
    es = EarlyStopping(patience=5)
    checkpoint = ModelCheckpoint(tmp_path, save_best=False)
    trainer = tiny_trainer(
        epochs=3, callbacks=[Script([0.5, 0.6, 0.7]), es, checkpoint]
    )
    trainer.fit()
    saved = load_checkpoint(tmp_path / "last.ckpt").trainer_state["callbacks"]
    assert saved["EarlyStopping"]["wait"] == 2
    assert saved["EarlyStopping"]["best_epoch"] == 0


def test_a_folder_that_cannot_be_made_is_a_note_and_training_goes_on(
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder", encoding="utf-8")
    proj = make_project(mlp(), epochs=2)
    result = prepare_run(proj, checkpoint_dir=blocker / "checkpoints").fit()
    assert result.stop_reason == "completed" and result.epochs_run == 2
    assert result.checkpoints == []
    notes = [n for n in result.notes if "Checkpoints are not being saved" in n]
    assert len(notes) == 1 and "Not a directory" in notes[0]
    assert result.summary()["checkpoints"] == []
    assert notes[0] in result.summary()["notes"]
