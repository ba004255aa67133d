"""Preferences reach the core as plain values: the default device for
"auto" runs, and the folder for checkpoints of projects without a file."""

from __future__ import annotations

import torch

from guinet.core.project import Project
from guinet.core.session import Session
from guinet.core.training.devices import preferred_device
from guinet.core.training.folders import checkpoint_folder, checkpoints_root


def test_auto_takes_the_preferred_device_when_it_is_here():
    assert preferred_device("auto", "cpu") == "cpu"
    assert preferred_device("auto", "auto") == "auto"
    assert preferred_device("cuda:1", "cpu") == "cuda:1"  # the project's own wins
    assert preferred_device(None, None) == "auto"


def test_a_preferred_device_not_here_falls_back_to_auto():
    if not torch.cuda.is_available():
        assert preferred_device("auto", "cuda") == "auto"
    assert preferred_device("auto", "tpu") == "auto"


def test_a_session_runs_auto_projects_on_its_default_device():
    session = Session(Project.new())
    assert session.run_device() is None  # no preference: the project's own
    session.default_device = "cpu"
    assert session.run_device() == "cpu"
    session.project.set_value("training.device", "cpu")
    assert session.run_device() is None


def test_the_checkpoints_folder_preference(tmp_path, monkeypatch):
    monkeypatch.setenv("GUINET_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("GUINET_CHECKPOINTS_DIR", raising=False)
    assert checkpoints_root() == tmp_path / "data" / "checkpoints"
    chosen = tmp_path / "mine"
    monkeypatch.setenv("GUINET_CHECKPOINTS_DIR", str(chosen))
    project = Project.new()
    folder, note = checkpoint_folder(project)
    assert folder is not None and folder.parent == chosen
    assert note is not None and str(chosen) in note
    saved = Project.new()
    saved.save(tmp_path / "p.guinet")  # a saved project keeps its own beside it
    assert checkpoint_folder(saved)[0] == (tmp_path / "p-checkpoints").resolve()
