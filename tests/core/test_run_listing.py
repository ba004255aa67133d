"""How the Runs page lists a run (Qt-free): words, the filter, a run's own
checkpoint files, its settings read back."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest

from guinet.core import run_listing as listing
from guinet.core.history import RunHistory, RunRecord
from guinet.core.project import Project
from guinet.core.training import prepare_run
from tests.core.training.helpers import make_project

LAYERS = [
    {"type": "Linear", "out_features": 4},
    {"type": "ReLU"},
    {"type": "Linear", "out_features": 2},
]


def record(**changes) -> RunRecord:
    base = RunRecord(
        id=1, uid="u", label="run 1", project_name="p", source="gui",
        started=time.time(), ended=None, duration=None, status="completed",
        device="cpu", versions={}, settings={}, epochs_run=3, monitor="val_loss",
        best_epoch=2, best=0.25, final={}, test={}, checkpoint_dir=None,
    )  # fmt: skip
    return dataclasses.replace(base, **changes)


def test_words_for_the_table():
    assert listing.duration_text(8.44) == "8.4 s"
    assert listing.duration_text(185) == "3 min 05 s"
    assert listing.duration_text(7620) == "2 h 07 min"
    assert listing.duration_text(None) == listing.MISSING
    assert listing.best_text(record()) == "0.25 val_loss @ 2"
    assert listing.best_text(record(), with_monitor=False) == "0.25 @ 2"
    assert listing.status_text("early_stopping") == "stopped early"
    now = time.mktime((2026, 6, 1, 12, 0, 0, 0, 0, -1))
    assert listing.started_text(now - 60, now) == "1 Jun 11:59"
    last_year = time.mktime((2025, 12, 31, 9, 5, 0, 0, 0, -1))
    assert listing.started_text(last_year, now) == "2025-12-31 09:05"
    assert listing.parse_tags(" a ,b,, a,  lr   sweep ") == ["a", "b", "lr sweep"]


def test_the_filter_matches_every_word_in_label_status_tags_note():
    run = record(note="Adam, small rate", tags=["baseline"], status="early_stopping")
    assert listing.matches(run, "SMALL adam")
    assert listing.matches(run, "baseline run 1")
    assert listing.matches(run, "stopped early")
    assert not listing.matches(run, "small sgd")
    assert listing.matches(run, "", "early_stopping")
    assert not listing.matches(run, "", "completed")


def fit(project: Project, history: RunHistory) -> RunRecord:
    run = prepare_run(project)
    recorder = history.recorder(project)
    recorder.finish(run.fit(callbacks=[recorder]))
    assert recorder.run_id is not None
    return history.run(recorder.run_id)


def test_a_runs_own_files_are_inside_its_folder_and_still_its_own(tmp_path):
    project = make_project(LAYERS, epochs=2, checkpoint={"enabled": True, "dir": "ck"})
    project.save(tmp_path / "p.guinet")
    with RunHistory.for_project(project) as history:
        first = fit(project, history)
        second = fit(project, history)
    folder = Path(first.checkpoint_dir)
    listed = {Path(c["path"]) for c in first.checkpoints}
    assert folder / "last.ckpt" in listed
    own = listing.owned_checkpoint_files(first)
    # the second run wrote last.ckpt (and the same best file name) again
    assert folder / "last.ckpt" not in own
    assert folder / "last.ckpt" in listing.owned_checkpoint_files(second)
    outside = tmp_path / "outside.ckpt"
    outside.write_bytes((folder / "last.ckpt").read_bytes())
    link = folder / "link.ckpt"
    link.symlink_to(outside)
    # entries that would pass the "still its own" check: the copy's own time
    last = next(c for c in second.checkpoints if c["path"].endswith("last.ckpt"))
    stamp = {"time": last["time"]}
    forged = dataclasses.replace(
        second,
        checkpoints=[
            *second.checkpoints,
            {"path": str(outside), **stamp},
            {"path": str(link), **stamp},
            {"path": str(folder / ".." / "outside.ckpt"), **stamp},
        ],
    )
    assert set(listing.owned_checkpoint_files(forged)) == set(
        listing.owned_checkpoint_files(second)
    )
    deleted = listing.delete_checkpoint_files(forged)
    assert deleted and not any(path.exists() for path in deleted)
    assert outside.exists() and link.is_symlink()


def test_settings_read_back_for_a_restore(tmp_path):
    project = make_project(LAYERS)
    sections = listing.restorable_sections(project.to_dict(), project)
    assert sections["model"]["layers"] == project.to_dict()["model"]["layers"]
    assert sections["training"] == project.training.to_dict()
    with pytest.raises(ValueError, match="no settings"):
        listing.restorable_sections({}, project)
    with pytest.raises(ValueError, match="cannot be read"):
        listing.restorable_sections({"model": {"layers": "many"}}, project)
