"""Hostile checkpoint folders and files (issue 9): zip bombs (item 23), saved
rankings and file-name templates that reach outside the folder (item 24), and
temporary files a killed write left behind (item 27)."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
import torch

from guinet.core.project import Project
from guinet.core.training import (
    Callback,
    CheckpointError,
    CheckpointSettings,
    ConfigError,
    Logs,
    ModelCheckpoint,
    Trainer,
    list_checkpoints,
    load_checkpoint,
    load_weights,
)
from guinet.core.training.checkpoints import (
    checkpoint_payload,
    format_filename,
    remove_owned_checkpoint,
    write_checkpoint,
)
from guinet.core.training.resume import branch_run, resume_run
from tests.core.training.helpers import make_project, mlp, tiny_trainer

WAIT = 30.0


def tiny_model() -> torch.nn.Module:
    return torch.nn.Sequential(
        torch.nn.Linear(2, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1)
    )


def never_read(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("torch.load was called on a refused file")

    monkeypatch.setattr(torch, "load", refuse)


# -- item 23: zip bombs and sizes that do not fit the model ----------------------------
def zip_bomb(path: Path, values: int = 4_000_000) -> None:
    """A guinet checkpoint whose one tensor (``values`` zeros) is deflated:
    small on disk, ``4 * values`` bytes once read."""
    buffer = io.BytesIO()
    payload = {"format": "guinet-checkpoint", "version": 1, "kind": "last"}
    payload["trainer"] = {"model": {"0.weight": torch.zeros(values)}}
    torch.save(payload, buffer)
    buffer.seek(0)
    with (
        zipfile.ZipFile(buffer) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb,
    ):
        for info in source.infolist():
            bomb.writestr(info.filename, source.read(info))


def test_a_zip_bomb_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bomb = tmp_path / "bomb.ckpt"
    zip_bomb(bomb)
    assert bomb.stat().st_size < 100_000  # 16 MB of zeros in a few KB
    never_read(monkeypatch)
    for load in (load_checkpoint, load_weights):
        with pytest.raises(CheckpointError) as caught:
            load(bomb)
        text = str(caught.value)
        assert text.startswith("refused to open bomb.ckpt")
        assert "declares 16.0 MB" in text and "KB on disk" in text
    with pytest.raises(CheckpointError, match="refused to open bomb.ckpt"):
        load_weights(bomb, tiny_model())
    assert list_checkpoints(tmp_path) == []


def test_stored_tensors_far_bigger_than_the_model_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "big.ckpt"
    torch.save({"0.weight": torch.zeros(1_000_000)}, big)  # 4 MB, not compressed
    good = tmp_path / "good.ckpt"
    torch.save(tiny_model().state_dict(), good)
    assert load_weights(good, tiny_model()).keys() == tiny_model().state_dict().keys()
    never_read(monkeypatch)
    with pytest.raises(CheckpointError) as caught:
        load_weights(big, tiny_model())
    text = str(caught.value)
    assert text.startswith("refused to open big.ckpt: it stores 4.0 MB of tensors")
    assert "this model's weights take 68 bytes" in text
    with pytest.raises(CheckpointError, match="refused to open big.ckpt"):
        load_checkpoint(big, tiny_model())


def test_resuming_checks_sizes_against_the_project_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = make_project(mlp()).to_dict()
    raw["model"]["input_shape"] = [2]
    project = Project.from_dict(raw)
    big = tmp_path / "big.ckpt"
    torch.save({"0.weight": torch.zeros(2_000_000)}, big)  # 8 MB
    never_read(monkeypatch)
    for start in (resume_run, branch_run):
        with pytest.raises(CheckpointError) as caught:
            start(big, project)
        assert str(caught.value).startswith(
            "refused to open big.ckpt: it stores 8.0 MB of tensors, but this "
            "model's weights take 328 bytes"
        )


def test_a_real_checkpoint_fits_its_model(tmp_path: Path) -> None:
    checkpoint = ModelCheckpoint(tmp_path)
    trainer = tiny_trainer(epochs=2, callbacks=[checkpoint])
    trainer.fit()
    model = tiny_model()
    ckpt = load_checkpoint(tmp_path / "last.ckpt", model)
    load_weights(ckpt, model)
    for name, value in trainer.model.state_dict().items():
        assert torch.equal(model.state_dict()[name], value)


# -- item 24: nothing outside the folder is ever deleted -------------------------------
class Improving(Callback):
    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: Logs) -> None:
        logs["val_loss"] = 0.5 - 0.1 * epoch


def real_checkpoint(path: Path) -> Path:
    """A genuine guinet best checkpoint at ``path`` (the worst victim)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {"epoch": 1, "model": {"w": torch.ones(2)}}
    write_checkpoint(path, checkpoint_payload(state, kind="best", value=0.9))
    return path


@pytest.mark.skipif(os.name != "posix", reason="symbolic links")
def test_a_saved_ranking_cannot_delete_files_outside_the_folder(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "project" / "checkpoints"
    folder.mkdir(parents=True)
    name = "best-epoch001-val_loss=0.9000.ckpt"
    relative = real_checkpoint(tmp_path / "victims" / "relative" / name)
    absolute = real_checkpoint(tmp_path / "victims" / "absolute" / name)
    linked = real_checkpoint(tmp_path / "victims" / "linked" / name)
    link = folder / "best-epoch002-val_loss=0.9000.ckpt"
    link.symlink_to(linked)
    checkpoint = ModelCheckpoint(folder, save_top_k=3)
    trainer = tiny_trainer(epochs=3, callbacks=[Improving(), checkpoint])
    # A crafted checkpoint's ranking: three "worse" entries, all outside.
    crafted = [
        [0.9, 0, f"../../victims/relative/{name}"],
        [0.9, 0, str(absolute)],
        [0.9, 1, link.name],
    ]
    checkpoint.load_state_dict({"top": crafted, "run": "x"})
    assert checkpoint.top == []  # none of them is trusted
    checkpoint.top = crafted  # and even if they were kept, pruning refuses them
    trainer.fit()
    assert relative.is_file() and absolute.is_file() and linked.is_file()
    assert link.is_symlink()
    best = sorted(p.name for p in folder.glob("best-*.ckpt") if not p.is_symlink())
    assert best == [
        "best-epoch001-val_loss=0.5000.ckpt",
        "best-epoch002-val_loss=0.4000.ckpt",
        "best-epoch003-val_loss=0.3000.ckpt",
    ]


@pytest.mark.parametrize(
    "name",
    [
        "../best-epoch001.ckpt",
        "..",
        "/etc/passwd",
        "sub/best.ckpt",
        "best..ckpt",
        "notes.txt",
        "best-epoch001.ckpt/",
        5,
    ],
)
def test_only_generated_names_inside_the_folder_are_removed(
    tmp_path: Path, name: Any
) -> None:
    folder = tmp_path / "ckpts"
    folder.mkdir()
    outside = real_checkpoint(tmp_path / "best-epoch001.ckpt")
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    assert remove_owned_checkpoint(folder, name) is False
    assert outside.is_file() and (folder / "notes.txt").is_file()


def test_a_file_that_is_not_a_guinet_checkpoint_is_not_removed(tmp_path: Path) -> None:
    own = real_checkpoint(tmp_path / "best-epoch001.ckpt")
    foreign = tmp_path / "best-epoch002.ckpt"
    foreign.write_bytes(b"someone else's file")
    assert remove_owned_checkpoint(tmp_path, foreign.name) is False
    assert foreign.is_file()
    assert remove_owned_checkpoint(tmp_path, own.name) is True
    assert not own.exists()


@pytest.mark.parametrize(
    ("template", "why"),
    [
        ("{epoch:100000000}", "not a simple one"),
        ("{epoch:0100000000d}", "not a simple one"),
        ("{value:{epoch}}", "not a simple one"),
        ("{epoch.__class__}", "not a plain name"),
        ("{epoch.real}", "not a plain name"),
        ("{epoch[0]}", "not a plain name"),
        ("{0}", "not a plain name"),
        ("{}", "not a plain name"),
        ("{epoch!r}", "has a conversion"),
        ("{secret}", "unknown field"),
        ("../../{epoch}", "names a folder"),
        ("/tmp/{epoch}", "names a folder"),
        ("a\\b{epoch}", "names a folder"),
        ("x" * 300, "longer than"),
    ],
)
def test_file_name_templates_that_escape_or_explode_are_refused(
    template: str, why: str
) -> None:
    with pytest.raises(ConfigError, match="not a usable template") as caught:
        CheckpointSettings.from_dict({"filename": template})
    assert why in str(caught.value)
    with pytest.raises(ValueError, match=why):
        format_filename(template, "best", 1, "val_loss", 0.5, {})


def test_plain_templates_still_work() -> None:
    logs = {"val_loss": 0.25, "val_accuracy": 0.875}
    name = format_filename(
        "{kind}-{epoch:04d}-{val_accuracy:.3f}-{monitor}",
        "best",
        7,
        "val_loss",
        0.25,
        logs,
    )
    assert name == "best-0007-0.875-val_loss.ckpt"
    # A huge value cannot make a name longer than a file system allows.
    long = format_filename("{value:.4f}", "best", 1, "val_loss", 1e300, logs)
    assert len(long) <= 210 and "/" not in long


# -- item 27: stale temporary files ----------------------------------------------------
def killed_writer(target: Path) -> Path:
    """Start a process that writes ``target`` atomically, kill it mid-write,
    and return the temporary file it left."""
    code = (
        "import sys, time\n"
        "from guinet.core.fileio import atomic_write\n"
        "def write(handle):\n"
        "    handle.write(b'half a file')\n"
        "    print('writing', flush=True)\n"
        "    time.sleep(600)\n"
        "atomic_write(sys.argv[1], write)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    child = subprocess.Popen(
        [sys.executable, "-c", code, str(target)],
        stdout=subprocess.PIPE,
        env=env,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == b"writing"
    child.send_signal(signal.SIGKILL)
    assert child.wait(WAIT) == -signal.SIGKILL
    child.stdout.close()
    (temp,) = target.parent.glob(f".{target.name}.*.tmp")
    return temp


@pytest.mark.skipif(os.name != "posix", reason="needs SIGKILL")
def test_a_killed_checkpoint_write_is_cleaned_when_the_folder_is_used(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "ckpts"
    folder.mkdir()
    left = killed_writer(folder / "last.ckpt")
    assert str(os.getpid()) not in left.name  # named after the dead writer
    listed = list_checkpoints(folder)  # reading the list cleans up
    assert listed == [] and not left.exists()
    left = killed_writer(folder / "checkpoints.json")
    checkpoint = ModelCheckpoint(folder)
    tiny_trainer(epochs=1, callbacks=[checkpoint]).fit()  # so does a run
    assert not left.exists()
    names = sorted(p.name for p in folder.iterdir())
    assert names[1:] == ["checkpoints.json", "last.ckpt"]
    assert names[0].startswith("best-epoch001-")


@pytest.mark.skipif(os.name != "posix", reason="needs SIGKILL")
def test_a_killed_project_save_is_cleaned_at_the_next_save(tmp_path: Path) -> None:
    path = tmp_path / "my.guinet"
    project = Project.from_dict({"guinet": 1, "name": "mine"})
    project.save(path)
    left = killed_writer(path)
    others = [
        tmp_path / f".notes.txt.{left.name.split('.')[-2]}.tmp",  # not a project's
        tmp_path / "draft.tmp",
    ]
    for other in others:
        other.write_bytes(b"not ours")
    project.save()
    assert not left.exists()
    assert all(other.exists() for other in others)
    assert Project.load(path).name == "mine"


def test_only_dead_or_old_temporary_files_of_our_naming_are_removed(
    tmp_path: Path,
) -> None:
    from guinet.core.training.checkpoints import remove_stale_temp_files

    ours_live = tmp_path / f".last.ckpt.{os.getpid()}-abcd1234.tmp"  # this process
    other_live = tmp_path / f".best-x.ckpt.{os.getppid()}-abcd1234.tmp"
    old_live = tmp_path / f".best-y.ckpt.{os.getppid()}-efgh5678.tmp"
    legacy_old = tmp_path / ".last.ckpt.abc12345.tmp"
    legacy_new = tmp_path / ".best.ckpt.def67890.tmp"
    not_ours = tmp_path / f".data.csv.{os.getppid()}-abcd1234.tmp"
    for path in (ours_live, other_live, old_live, legacy_old, legacy_new, not_ours):
        path.write_bytes(b"x")
    hour_ago = time.time() - 3600
    for path in (old_live, legacy_old, not_ours):
        os.utime(path, (hour_ago, hour_ago))
    assert remove_stale_temp_files(tmp_path) == 2
    assert not old_live.exists() and not legacy_old.exists()
    for path in (ours_live, other_live, legacy_new, not_ours):
        assert path.exists()


def test_guinet_train_resume_refuses_a_file_far_bigger_than_the_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from guinet import cli

    raw = make_project(mlp()).to_dict()
    raw["model"]["input_shape"] = [2]
    path = Project.from_dict(raw).save(tmp_path / "p.guinet")
    big = tmp_path / "big.ckpt"
    torch.save({"0.weight": torch.zeros(2_000_000)}, big)  # 8 MB
    never_read(monkeypatch)
    assert cli.main(["train", str(path), "--resume", str(big)]) != 0
    err = capsys.readouterr().err
    assert "--resume: refused to open big.ckpt: it stores 8.0 MB of tensors" in err
