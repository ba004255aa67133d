"""The run history: recorded runs read back, restarts, crashes, concurrent writers."""

from __future__ import annotations

import json
import math
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from guinet.core.history import (
    SUFFIX,
    HistoryError,
    RunHistory,
    history_path,
    settings_diff,
)
from guinet.core.project import Project
from guinet.core.training import Callback, prepare_run
from tests.core.training.helpers import make_project

ROOT = Path(__file__).resolve().parents[2]
LAYERS = [
    {"type": "Linear", "out_features": 8},
    {"type": "ReLU"},
    {"type": "Linear", "out_features": 2},
]


def tiny_project(tmp_path: Path, **training) -> Project:
    project = make_project(LAYERS, epochs=4, **training)
    project.save(tmp_path / "tiny.guinet")
    return project


def record_run(project: Project, history: RunHistory, **kwargs):
    run = prepare_run(project)
    recorder = history.recorder(project, **kwargs)
    result = run.fit(callbacks=[recorder])
    recorder.finish(result)
    return recorder, result


def test_a_recorded_run_reads_back_as_trained(tmp_path):
    project = tiny_project(tmp_path, checkpoint={"enabled": True, "dir": "ck"})
    history = RunHistory.for_project(project)
    assert history.path == tmp_path / f"tiny{SUFFIX}"
    recorder, result = record_run(project, history, source="cli")
    record = history.run(recorder.run_id)
    assert record.label == f"run {recorder.run_id}"
    assert record.status == "completed"
    assert record.source == "cli"
    assert record.epochs_run == 4
    assert record.device == "cpu"
    assert set(record.versions) == {"guinet", "torch", "python", "numpy"}
    assert record.settings == project.to_dict()
    assert record.duration is not None and record.duration >= 0
    assert record.ended is not None and record.ended >= record.started
    assert record.monitor == result.monitor
    assert record.best == pytest.approx(result.best)
    assert record.best_epoch == result.best_epoch
    assert record.test == pytest.approx(result.test)
    assert record.final == pytest.approx(result.history.last)
    curves = history.curves(recorder.run_id)
    assert curves["epoch"] == [1, 2, 3, 4]
    for key, values in result.history.to_dict().items():
        assert curves[key] == pytest.approx(values), key
    assert record.checkpoint_dir == result.checkpoint_dir
    kept = sorted(str(info.path) for info in result.checkpoints)
    assert kept and sorted(c["path"] for c in record.checkpoints) == kept
    assert all(c["kind"] and c["epoch"] >= 1 for c in record.checkpoints)
    history.close()


def test_the_history_survives_a_restart_and_is_plain_sqlite(tmp_path):
    project = tiny_project(tmp_path)
    with RunHistory.for_project(project) as history:
        first, _ = record_run(project, history)
        second, _ = record_run(project, history)
        before = history.runs()
    with RunHistory(tmp_path / f"tiny{SUFFIX}") as again:
        after = again.runs()
        assert [r.id for r in after] == [second.run_id, first.run_id]  # newest first
        assert after == before
        assert again.curves(first.run_id)["loss"] == pytest.approx(
            history_curve(tmp_path, first.run_id, "loss")
        )
    # any SQLite tool reads it: plain tables, WAL journal, a schema version
    db = sqlite3.connect(tmp_path / f"tiny{SUFFIX}")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT version FROM schema_version").fetchone()[0] == 1
    rows = db.execute("SELECT label, status FROM runs ORDER BY id").fetchall()
    assert rows == [
        (f"run {first.run_id}", "completed"),
        (f"run {second.run_id}", "completed"),
    ]
    settings = db.execute("SELECT settings FROM runs").fetchone()[0]
    assert json.loads(settings)["model"]["layers"][0]["out_features"] == 8
    db.close()


def history_curve(folder: Path, run_id: int, key: str) -> list[float]:
    db = sqlite3.connect(folder / f"tiny{SUFFIX}")
    rows = db.execute(
        "SELECT value FROM epochs WHERE run_id = ? AND key = ? ORDER BY epoch",
        (run_id, key),
    ).fetchall()
    db.close()
    return [row[0] for row in rows]


CRASHING_RUN = """
import os, sys
sys.path.insert(0, {root!r})
from guinet.core.history import RunHistory
from guinet.core.project import Project
from guinet.core.training import Callback, prepare_run

class Die(Callback):
    def on_epoch_end(self, trainer, epoch, logs):
        if epoch == 1:
            os._exit(1)  # the process dies mid-run: no fit end, no finish

project = Project.load({project!r})
history = RunHistory.for_project(project)
run = prepare_run(project)
run.fit(callbacks=[history.recorder(project, source="cli"), Die()])
"""


def test_a_run_whose_process_died_is_marked_interrupted(tmp_path):
    project = tiny_project(tmp_path)
    with RunHistory.for_project(project) as history:
        done, _ = record_run(project, history)
        done_before = history.run(done.run_id)
    script = CRASHING_RUN.format(root=str(ROOT), project=str(project.path))
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 1, proc.stderr
    with RunHistory.for_project(project) as history:
        runs = history.runs()
        assert len(runs) == 2
        crashed = runs[0]
        assert crashed.status == "interrupted"
        assert crashed.epochs_run == 2
        assert history.curves(crashed.id)["epoch"] == [1, 2]  # its epochs stay
        assert crashed.ended is not None and crashed.duration is not None
        assert history.run(done.run_id) == done_before  # others untouched


def test_left_running_rows_are_judged_by_pid_token_and_heartbeat(tmp_path):
    path = tmp_path / f"x{SUFFIX}"
    with RunHistory(path) as history:
        dead, _ = history.start_run({"started": time.time()})
        alive, _ = history.start_run({"started": time.time()})  # this process
        far, _ = history.start_run({"started": time.time()})
        stale, _ = history.start_run({"started": time.time()})
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    db = sqlite3.connect(path)
    with db:
        db.execute("UPDATE runs SET pid = ? WHERE id = ?", (int(finished.stdout), dead))
        db.execute(
            "UPDATE runs SET hostname = 'elsewhere' WHERE id IN (?, ?)", (far, stale)
        )
        db.execute("UPDATE runs SET heartbeat = 0 WHERE id = ?", (stale,))
    db.close()
    with RunHistory(path) as history:
        status = {r.id: r.status for r in history.runs()}
    assert status == {
        dead: "interrupted",  # pid gone
        alive: "running",  # this process, its recorder's token is live
        far: "running",  # another machine, heartbeat fresh
        stale: "interrupted",  # another machine, silent for too long
    }


def test_a_row_of_this_pid_but_an_unknown_token_is_interrupted(tmp_path):
    path = tmp_path / f"x{SUFFIX}"
    db_history = RunHistory(path)
    run_id, _ = db_history.start_run({"started": time.time()})
    db_history.close()
    db = sqlite3.connect(path)
    with db:  # a process before this one had our pid
        db.execute("UPDATE runs SET token = 'old' WHERE id = ?", (run_id,))
    db.close()
    with RunHistory(path) as history:
        assert history.run(run_id).status == "interrupted"
    assert socket.gethostname()


WRITER = """
import sys, time
sys.path.insert(0, {root!r})
from guinet.core.history import RunHistory
history = RunHistory({path!r})
for i in range({runs}):
    run_id, _ = history.start_run({{"started": time.time(), "source": "w{who}",
                                   "params": {{"i": i}}}})
    for epoch in range(1, 6):
        history.record_epoch(run_id, epoch, {{"loss": 1.0 / epoch, "i": float(i)}},
                             epochs_run=epoch)
    history.end_run(run_id, status="completed", ended=time.time())
history.close()
"""


def test_two_processes_write_one_history_at_once(tmp_path):
    path = tmp_path / f"shared{SUFFIX}"
    runs = 25
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WRITER.format(root=str(ROOT), path=str(path), runs=runs, who=who),
            ],
            stderr=subprocess.PIPE,
            text=True,
        )
        for who in (1, 2)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    with RunHistory(path) as history:
        records = history.runs()
        assert len(records) == 2 * runs
        assert len({r.uid for r in records}) == 2 * runs
        assert len({r.label for r in records}) == 2 * runs
        for who in (1, 2):
            mine = sorted(r.params["i"] for r in records if r.source == f"w{who}")
            assert mine == list(range(runs))
        for record in records:
            assert record.status == "completed"
            assert record.epochs_run == 5
            assert history.curves(record.id)["loss"] == pytest.approx(
                [1.0 / e for e in range(1, 6)]
            )


def test_settings_diff_names_exactly_the_keys_that_differ(tmp_path):
    base = make_project(LAYERS, epochs=4)
    wider = make_project(
        [{"type": "Linear", "out_features": 16}, *LAYERS[1:]], epochs=4, batch_size=64
    )
    deeper = make_project(LAYERS + [{"type": "ReLU"}], epochs=4)
    path = tmp_path / f"d{SUFFIX}"
    with RunHistory(path) as history:
        ids = [
            history.start_run({"started": time.time(), "settings": p.to_dict()})[0]
            for p in (base, wider, deeper, base)
        ]
        records = [history.run(i) for i in ids]
    assert settings_diff([records[0], records[3]]) == []
    assert settings_diff(records[:2]) == [
        ("model.layers.0.out_features", [8, 16]),
        ("training.batch_size", [32, 64]),
    ]
    assert settings_diff([records[0], records[2]]) == [
        ("model.layers.3.type", [None, "ReLU"]),
    ]


def test_notes_tags_and_delete(tmp_path):
    path = tmp_path / f"n{SUFFIX}"
    with RunHistory(path) as history:
        a, _ = history.start_run({"started": 1.0})
        history.record_epoch(a, 1, {"loss": 0.5})
        b, _ = history.start_run({"started": 2.0})
        history.set_note(a, "lr too high?")
        history.set_tags(a, ["baseline", " wide ", "baseline", ""])
        assert history.run(a).note == "lr too high?"
        assert history.run(a).tags == ["baseline", "wide"]
        history.delete([a])
        assert [r.id for r in history.runs()] == [b]
        with pytest.raises(KeyError):
            history.run(a)
        with pytest.raises(KeyError):
            history.set_note(a, "gone")
    db = sqlite3.connect(path)
    assert db.execute("SELECT COUNT(*) FROM epochs").fetchone()[0] == 0  # cascaded
    db.close()


def test_nan_values_come_back_as_nan(tmp_path):
    with RunHistory(tmp_path / f"n{SUFFIX}") as history:
        run_id, _ = history.start_run({"started": 1.0})
        history.record_epoch(run_id, 1, {"loss": 1.0})
        history.record_epoch(run_id, 2, {"loss": math.nan, "val_loss": 2.0})
        curves = history.curves(run_id)
        assert curves["loss"][0] == 1.0 and math.isnan(curves["loss"][1])
        assert math.isnan(curves["val_loss"][0]) and curves["val_loss"][1] == 2.0
        assert math.isnan(history.run(run_id).final["loss"])


def test_a_history_that_cannot_be_written_never_stops_training(tmp_path, caplog):
    project = tiny_project(tmp_path)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    recorder = RunHistory(tmp_path / f"ok{SUFFIX}").recorder(project)
    recorder.path = blocker / f"h{SUFFIX}"  # its parent is a file
    run = prepare_run(project)
    result = run.fit(callbacks=[recorder])
    recorder.finish(result)
    assert result.epochs_run == 4
    assert recorder.run_id is None
    assert len(recorder.notes) == 1 and "could not be written" in recorder.notes[0]
    assert "could not be written" in caplog.text


def test_a_write_failing_mid_run_is_noted_and_training_goes_on(tmp_path):
    project = tiny_project(tmp_path)
    history = RunHistory.for_project(project)
    recorder = history.recorder(project)
    run = prepare_run(project)

    class Break(Callback):
        def on_epoch_end(self, trainer, epoch, logs):
            if epoch == 1:  # the database goes away under the recorder
                recorder._history.close()

    result = run.fit(callbacks=[Break(), recorder])
    assert result.epochs_run == 4
    assert any("could not be written" in note for note in recorder.notes)
    assert history.curves(recorder.run_id)["epoch"] == [1]
    history.close()


def test_a_newer_or_foreign_file_is_a_clear_error(tmp_path):
    newer = tmp_path / f"new{SUFFIX}"
    RunHistory(newer).close()
    db = sqlite3.connect(newer)
    with db:
        db.execute("UPDATE schema_version SET version = 99")
    db.close()
    with pytest.raises(HistoryError, match="newer guinet"):
        RunHistory(newer)
    junk = tmp_path / f"junk{SUFFIX}"
    junk.write_bytes(os.urandom(4096))
    with pytest.raises(HistoryError, match="not a guinet run history"):
        RunHistory(junk)


def test_unsaved_projects_and_examples_keep_their_history_in_the_data_folder(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("GUINET_DATA_DIR", str(tmp_path / "data"))
    unsaved = Project.new()
    path = history_path(unsaved)
    assert path.parent == tmp_path / "data" / "runs"
    assert path.name.endswith(SUFFIX) and unsaved.uid in path.name
    from guinet._resources import resources_dir

    examples = sorted((resources_dir() / "examples").glob("*.guinet"))
    if examples:
        example = Project.load(examples[0])
        assert history_path(example).parent == tmp_path / "data" / "runs"


def test_a_missing_tensorboard_extra_is_a_note_not_a_stop(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)
    project = tiny_project(tmp_path)
    with RunHistory.for_project(project) as history:
        recorder = history.recorder(project, tensorboard=tmp_path / "tb")
        result = prepare_run(project).fit(callbacks=[recorder])
        assert result.epochs_run == 4
        assert history.run(recorder.run_id).status == "completed"
    assert any("pip install 'guinet[tensorboard]'" in n for n in recorder.notes)
    assert not (tmp_path / "tb").exists()


def test_a_trial_keeps_its_study_number_and_sampled_values(tmp_path):
    project = tiny_project(tmp_path)
    with RunHistory.for_project(project) as history:
        recorder, _ = record_run(
            project,
            history,
            source="tune",
            study="lr search",
            trial=3,
            params={"training.optimizer.lr": 0.01, "model.layers.0.out_features": 8},
        )
        record = history.run(recorder.run_id)
    assert (record.source, record.study, record.trial) == ("tune", "lr search", 3)
    assert record.params == {
        "training.optimizer.lr": 0.01,
        "model.layers.0.out_features": 8,
    }
    db = sqlite3.connect(tmp_path / f"tiny{SUFFIX}")
    beat, started = db.execute("SELECT heartbeat, started FROM runs").fetchone()
    db.close()
    assert beat > started  # beaten at each epoch end


def test_an_older_file_is_migrated_in_place(tmp_path, monkeypatch):
    from guinet.core import history_sql

    path = tmp_path / f"old{SUFFIX}"
    with RunHistory(path) as history:
        run_id, _ = history.start_run({"started": 1.0})
        history.record_epoch(run_id, 1, {"loss": 0.5})
    monkeypatch.setattr(history_sql, "SCHEMA_VERSION", 2)
    monkeypatch.setattr(
        history_sql, "MIGRATIONS", {2: ("ALTER TABLE runs ADD COLUMN colour TEXT",)}
    )
    with RunHistory(path) as history:
        assert history.curves(run_id)["loss"] == [0.5]  # nothing lost
    db = sqlite3.connect(path)
    assert db.execute("SELECT version FROM schema_version").fetchall() == [(2,)]
    assert db.execute("SELECT colour FROM runs").fetchall() == [(None,)]
    db.close()


def test_a_run_that_breaks_off_is_recorded_as_failed(tmp_path):
    from guinet.core.training import TrainingFailed

    class Boom(Callback):
        def on_epoch_end(self, trainer, epoch, logs):
            if epoch == 1:
                raise RuntimeError("disk on fire")

    project = tiny_project(tmp_path)
    with RunHistory.for_project(project) as history:
        recorder = history.recorder(project)
        with pytest.raises(TrainingFailed):
            prepare_run(project).fit(callbacks=[recorder, Boom()])
        record = history.run(recorder.run_id)
        assert record.status == "failed"
        assert record.epochs_run == 2
        assert history.curves(recorder.run_id)["epoch"] == [1, 2]
        assert record.ended is not None
