"""Crash recovery files: written beside nothing of the person's, read back,
listed only when their writer is gone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from guinet.core import recovery
from guinet.core.project import Project
from guinet.core.recovery import RecoveryError


def _dead_pid() -> int:
    """The id of a process that has ended (a crashed window's)."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout)


def _as_crashed(file: Path) -> None:
    raw = json.loads(file.read_text())
    raw["pid"] = _dead_pid()
    file.write_text(json.dumps(raw))


def test_the_folder_is_in_the_user_data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("GUINET_DATA_DIR", str(tmp_path))
    assert recovery.recovery_dir() == tmp_path / "recovery"
    assert recovery.recovery_path("12-ab").parent == tmp_path / "recovery"
    # a key never leaves the folder
    assert recovery.recovery_path("../../x").parent == tmp_path / "recovery"


def test_write_and_restore_a_saved_project_attached_to_its_file(tmp_path):
    own = tmp_path / "mine.guinet"
    project = Project.new()
    project.save(own)
    before = own.read_bytes()
    project.set_value("training.epochs", 77)
    folder = tmp_path / "recovery"
    file = recovery.write_recovery(project, "k1", folder, now=1_700_000_000.0)
    assert file.parent == folder and file.name.endswith(recovery.SUFFIX)
    assert own.read_bytes() == before  # the person's file is never written
    assert [p.name for p in folder.iterdir()] == [file.name]  # no temp left
    # the writer (this process) is alive: not a crash's left-over
    assert recovery.list_recoveries(folder) == []
    _as_crashed(file)
    (found,) = recovery.list_recoveries(folder)
    assert found.name == "mine"
    assert found.original == own.resolve()
    assert found.saved_at == 1_700_000_000.0
    assert found.saved_text().startswith("2023-11-1")
    restored = found.load()
    assert restored.path == own.resolve()
    assert restored.training.epochs == 77
    found.remove()
    assert not file.exists()
    found.remove()  # gone already is fine


def test_an_unsaved_project_keeps_its_name_and_checkpoint_folder(tmp_path):
    project = Project.new()
    project.name = "Scratch"
    file = recovery.write_recovery(project, "k2", tmp_path)
    _as_crashed(file)
    (found,) = recovery.list_recoveries(tmp_path)
    assert found.original is None and found.name == "Scratch"
    restored = found.load()
    assert restored.path is None and restored.name == "Scratch"
    assert restored.uid == project.uid


def test_newest_first_and_broken_files_are_skipped_not_deleted(tmp_path):
    for key, when in (("old", 100.0), ("new", 200.0)):
        _as_crashed(recovery.write_recovery(Project.new(), key, tmp_path, now=when))
    broken = tmp_path / f"broken{recovery.SUFFIX}"
    broken.write_text("{not json")
    alien = tmp_path / f"alien{recovery.SUFFIX}"
    alien.write_text(json.dumps({"guinet_recovery": 1, "name": 3}))
    found = recovery.list_recoveries(tmp_path)
    assert [f.file.stem for f in found] == ["new", "old"]
    assert broken.exists() and alien.exists()
    with pytest.raises(RecoveryError, match="cannot be read"):
        recovery.read_recovery(broken)
    assert recovery.list_recoveries(tmp_path / "absent") == []


def test_a_damaged_project_inside_is_a_recovery_error(tmp_path):
    file = recovery.write_recovery(Project.new(), "k3", tmp_path)
    raw = json.loads(file.read_text())
    raw["project"] = {"guinet": 999}
    raw["pid"] = _dead_pid()
    file.write_text(json.dumps(raw))
    (found,) = recovery.list_recoveries(tmp_path)
    with pytest.raises(RecoveryError, match="newer guinet"):
        found.load()


def test_only_recovery_files_are_removed(tmp_path):
    other = tmp_path / "mine.guinet"
    other.write_text("{}")
    with pytest.raises(ValueError):
        recovery.remove_recovery(other)
    assert other.exists()


def test_an_unwritable_folder_raises_oserror(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(OSError):
        recovery.write_recovery(Project.new(), "k4", blocker / "recovery")


def test_new_keys_differ_and_name_the_process():
    first, second = recovery.new_key(), recovery.new_key()
    assert first != second and first.startswith(f"{os.getpid()}-")
