"""Where an export may write: checked before anything is written, so the
dialog can say what is wrong (and ask before replacing) before it starts."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from guinet.core.export import (
    ExportError,
    check_output,
    export_project,
    files_replaced,
)
from guinet.core.project import Project
from guinet.core.session import Session


def read_only_folder(tmp_path: Path) -> Path:
    """A folder this process cannot write to: a read-only one in tmp_path,
    or, where permissions do not bind (root), /proc/self on Linux."""
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    if not os.access(folder, os.W_OK):
        return folder
    folder.chmod(0o755)
    if sys.platform.startswith("linux") and not os.access("/proc/self", os.W_OK):
        return Path("/proc/self")
    pytest.skip("no folder here refuses writing to this process")


@pytest.fixture
def session(tmp_path: Path) -> Session:
    project = Project()
    project.save(tmp_path / "mine.guinet")
    return Session(project)


def test_an_unwritable_folder_is_refused_before_anything_is_written(
    session: Session, tmp_path: Path
) -> None:
    folder = read_only_folder(tmp_path)
    try:
        with pytest.raises(ExportError, match="cannot be written to"):
            check_output(session, folder / "model.pt")
        with pytest.raises(ExportError, match="cannot be written to"):
            export_project(session, "torchscript", folder / "model.pt")
    finally:
        if folder.is_relative_to(tmp_path):
            folder.chmod(0o755)
    assert not (folder / "model.pt").exists()


def test_check_output_refuses_the_project_and_the_checkpoint(
    session: Session, tmp_path: Path
) -> None:
    assert check_output(session, tmp_path / "model.pt") == tmp_path / "model.pt"
    with pytest.raises(ExportError, match="is the project file"):
        check_output(session, tmp_path / "mine.guinet")
    weights = tmp_path / "best.ckpt"
    weights.write_bytes(b"weights")
    with pytest.raises(ExportError, match="is the checkpoint file"):
        check_output(session, weights, weights)
    with pytest.raises(ExportError, match="is a folder"):
        check_output(session, tmp_path)
    with pytest.raises(ExportError, match="does not exist"):
        check_output(session, tmp_path / "nowhere" / "model.pt")


def test_files_replaced_names_the_model_and_its_json(tmp_path: Path) -> None:
    model = tmp_path / "net.pt"
    assert files_replaced("torchscript", model) == []
    model.write_bytes(b"old")
    assert files_replaced("torchscript", model) == [model]
    sidecar = tmp_path / "net.preprocessing.json"
    sidecar.write_text("{}")
    assert files_replaced("torchscript", model) == [model, sidecar]
    model.unlink()
    assert files_replaced("torchscript", model) == [sidecar]
