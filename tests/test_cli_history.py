"""``guinet train`` records its runs; ``guinet runs`` lists them; TensorBoard files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guinet.cli import main
from guinet.core.history import SUFFIX, RunHistory
from tests.core.training.test_train_cli import write_project


def train(capsys, *args: str) -> tuple[int, list[str], dict]:
    code = main(["train", *args, "--json"])
    lines = capsys.readouterr().out.strip().splitlines()
    return code, lines, json.loads(lines[-1])


def test_train_records_every_run_and_says_where(tmp_path, capsys):
    project = write_project(tmp_path)
    history = tmp_path / f"p{SUFFIX}"
    code, lines, summary = train(capsys, str(project))
    assert code == 0
    assert f"Run history: {history}" in lines
    assert summary["history_path"] == str(history)
    first = summary["run_id"]
    assert f"Recorded as run {first} in {history}" in lines
    # the summary's own keys are unchanged: "history" is still the curves
    assert len(summary["history"]["loss"]) == 2
    code, _, again = train(capsys, str(project), "--epochs", "3")
    assert again["run_id"] == first + 1
    with RunHistory(history) as runs:
        records = runs.runs()
        assert [r.id for r in records] == [first + 1, first]
        latest = records[0]
        assert latest.source == "cli" and latest.status == "completed"
        assert latest.epochs_run == 3
        assert latest.test == pytest.approx(again["test"])
        assert runs.curves(latest.id)["val_loss"] == pytest.approx(
            again["history"]["val_loss"]
        )


def test_no_history_records_nothing(tmp_path, capsys):
    project = write_project(tmp_path)
    code, lines, summary = train(capsys, str(project), "--no-history")
    assert code == 0
    assert summary["run_id"] is None and summary["history_path"] is None
    assert not any(line.startswith("Run history") for line in lines)
    assert not (tmp_path / f"p{SUFFIX}").exists()


def test_an_unreadable_history_is_a_note_and_the_run_goes_on(tmp_path, capsys):
    project = write_project(tmp_path)
    (tmp_path / f"p{SUFFIX}").write_bytes(b"not a database at all" * 200)
    code, lines, summary = train(capsys, str(project))
    assert code == 0
    assert summary["epochs_run"] == 2 and summary["run_id"] is None
    assert any(
        line.startswith("note: this run is not recorded") and "run history" in line
        for line in lines
    )


def test_runs_lists_the_history(tmp_path, capsys):
    project = write_project(tmp_path)
    code = main(["runs", str(project)])
    assert code == 0
    assert "No runs recorded yet" in capsys.readouterr().out
    assert not (tmp_path / f"p{SUFFIX}").exists()  # listing makes no file
    _, _, first = train(capsys, str(project))
    _, _, second = train(capsys, str(project), "--epochs", "1")
    assert main(["runs", str(project)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == f"2 runs in {tmp_path / f'p{SUFFIX}'}"
    assert lines[1].split() == [
        "id", "label", "status", "started", "epochs", "best", "test",
    ]  # fmt: skip
    newest = lines[2].split()
    assert newest[:5] == [str(second["run_id"]), "run", str(second["run_id"]),
                          "completed", newest[4]]  # fmt: skip
    assert "accuracy" in lines[2] and "val_loss" in lines[2]
    assert main(["runs", str(project), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in listed] == [second["run_id"], first["run_id"]]
    assert listed[1]["epochs_run"] == 2 and listed[0]["epochs_run"] == 1
    assert listed[1]["test"] == pytest.approx(first["test"])
    assert listed[0]["settings"]["name"] == "cli test"


def test_runs_of_a_missing_project_fails_in_one_line(tmp_path, capsys):
    assert main(["runs", str(tmp_path / "nope.guinet")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such file" in err


def test_tensorboard_event_files_hold_the_run_scalars(tmp_path, capsys):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import (
        EventAccumulator,
    )

    project = write_project(tmp_path)
    logdir = tmp_path / "tb"
    code, _, summary = train(capsys, str(project), "--tensorboard", str(logdir))
    assert code == 0
    folders = [p for p in logdir.iterdir() if p.is_dir()]
    assert [p.name for p in folders] == [f"cli test run {summary['run_id']}"]
    events = EventAccumulator(str(folders[0]))
    events.Reload()
    tags = set(events.Tags()["scalars"])
    assert {"loss", "val_loss", "accuracy", "val_accuracy"} <= tags
    for key in ("loss", "val_loss"):
        scalars = events.Scalars(key)
        assert [s.step for s in scalars] == [1, 2]
        assert [s.value for s in scalars] == pytest.approx(
            summary["history"][key], rel=1e-6
        )


def test_tensorboard_without_the_history(tmp_path, capsys):
    pytest.importorskip("tensorboard")
    project = write_project(tmp_path)
    logdir = tmp_path / "tb"
    code, _, _ = train(
        capsys, str(project), "--no-history", "--tensorboard", str(logdir)
    )
    assert code == 0
    assert not (tmp_path / f"p{SUFFIX}").exists()
    folders = list(logdir.iterdir())
    assert len(folders) == 1 and folders[0].name.startswith("cli test ")
    assert any(Path(folders[0]).glob("events.out.tfevents.*"))


def test_tensorboard_without_the_extra_is_one_clear_line(tmp_path, capsys, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "tensorboard", None)  # as if not installed
    project = write_project(tmp_path)
    assert main(["train", str(project), "--tensorboard", str(tmp_path / "tb")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install 'guinet[tensorboard]'" in err
    assert not (tmp_path / "tb").exists()


def test_listing_runs_never_loads_torch(tmp_path, capsys):
    from tests.core.test_boundaries import modules_after

    project = write_project(tmp_path)
    train(capsys, str(project), "--epochs", "1")
    loaded = modules_after(
        f"import guinet.cli\nassert guinet.cli.main(['runs', {str(project)!r}]) == 0"
    )
    assert "guinet" in loaded and "torch" not in loaded
