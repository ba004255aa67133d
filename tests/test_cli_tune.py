"""``guinet tune``: one line per trial, the best, --json, shared SQLite
studies across processes, and one clear line for bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import optuna
import pytest

from guinet import cli

ROOT = Path(__file__).resolve().parent.parent
LR = "training.optimizer.lr"


def write_project(tmp_path: Path, search: dict[str, Any] | None) -> Path:
    raw: dict[str, Any] = {
        "guinet": 1,
        "name": "tiny",
        "data": {
            "source": {"kind": "builtin", "name": "moons", "samples": 200, "seed": 0},
            "target": -1,
            "task": "multiclass",
            "split": {"validation": 0.25, "test": 0.25, "seed": 0},
        },
        "model": {
            "layers": [
                {"type": "Linear", "out_features": 8},
                {"type": "ReLU"},
                {"type": "Linear", "out_features": 2},
            ]
        },
        "training": {
            "optimizer": {"type": "Adam", "lr": 0.01},
            "epochs": 3,
            "seed": 0,
            "device": "cpu",
            "early_stopping": {"enabled": False},
            "checkpoint": {"enabled": False},
        },
    }
    if search is not None:
        raw["search"] = search
    path = tmp_path / "tiny.guinet"
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


SPACE = {
    "sampler": "random",
    "pruner": False,
    "space": [
        {"param": LR, "log": [0.001, 0.1]},
        {"param": "model.layers.0.out_features", "values": [4, 16]},
    ],
}


def test_tune_prints_a_line_per_trial_and_the_best(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = write_project(tmp_path, SPACE)
    code = cli.main(["tune", str(project), "--trials", "3", "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    lines = out.out.strip().splitlines()
    assert lines[0].startswith("Searching tiny: 3 trials, random sampler")
    trial_lines = [line for line in lines if line.startswith("trial ")]
    assert len(trial_lines) == 3
    assert all("complete  val_loss " in line and LR in line for line in trial_lines)
    assert lines[-2].startswith("best: trial ")
    summary = json.loads(lines[-1])
    assert summary["storage"] is None and summary["study"] == "tiny-search"
    assert [t["number"] for t in summary["trials"]] == [0, 1, 2]
    values = [t["value"] for t in summary["trials"]]
    assert summary["best_value"] == min(values)
    assert set(summary["best_params"]) == {LR, "model.layers.0.out_features"}


def test_grid_from_the_command_line_overrides_the_sampler(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    space = {
        "space": [
            {"param": LR, "values": [0.003, 0.03]},
            {"param": "training.batch_size", "values": [16, 64]},
        ]
    }
    project = write_project(tmp_path, space)
    code = cli.main(
        ["tune", str(project), "--trials", "9", "--sampler", "grid", "--json"]
    )
    out = capsys.readouterr()
    assert code == 0, out.err
    summary = json.loads(out.out.strip().splitlines()[-1])
    assert summary["sampler"] == "grid" and len(summary["trials"]) == 4


def _tune(project: Path, url: str, trials: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "guinet",
            "tune",
            str(project),
            "--trials",
            str(trials),
            "--storage",
            url,
            "--study",
            "shared",
            "--json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"},
        cwd=project.parent,
    )


def test_two_processes_share_one_sqlite_study(tmp_path: Path) -> None:
    project = write_project(tmp_path, SPACE)
    url = f"sqlite:///{tmp_path / 'study.db'}"
    first, second = _tune(project, url, 4), _tune(project, url, 3)
    outputs = [p.communicate(timeout=300) for p in (first, second)]
    for process, (_out, err) in zip((first, second), outputs, strict=True):
        assert process.returncode == 0, err
        assert "Traceback" not in err
    study = optuna.load_study(study_name="shared", storage=url)
    numbers = sorted(t.number for t in study.trials)
    assert numbers == list(range(7))  # none lost, none twice
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)
    # each process reported its own trials, and together they are the study's
    mine = [
        {int(line.split()[1]) for line in out.splitlines() if line.startswith("trial ")}
        for out, _ in outputs
    ]
    assert len(mine[0]) == 4 and len(mine[1]) == 3
    assert mine[0] | mine[1] == set(range(7)) and not mine[0] & mine[1]
    # every trial is a run in the one history beside the project
    from guinet.core.history import RunHistory

    with RunHistory(tmp_path / "tiny.runs.sqlite") as history:
        runs = history.runs()
    assert sorted(r.trial for r in runs if r.study == "shared") == list(range(7))


@pytest.mark.parametrize(
    ("search", "args", "words"),
    [
        ({"space": [{"param": LR, "range": [0.1, 0.01]}]}, [], "is empty"),
        ({"space": [{"param": "training.lr", "values": [1]}]}, [], "no setting 'lr'"),
        ({"space": [{"param": LR, "log": [0, 0.1]}]}, [], "must be above zero"),
        ({"space": [{"param": LR, "values": []}]}, [], "non-empty list"),
        (
            {"space": [{"param": "model.layers.1.p", "values": [0.1]}]},
            [],
            "layer 1 is ReLU, which has no argument 'p'",
        ),
        (None, [], 'no "search" section'),
        (SPACE, ["--trials", "0"], "--trials must be at least 1"),
        (SPACE, ["--jobs", "0"], "--jobs must be at least 1"),
        (SPACE, ["--timeout", "-1"], "--timeout must be above zero"),
        (SPACE, ["--storage", "nosuch://x"], "cannot open the storage"),
    ],
)
def test_bad_input_is_one_clear_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    search: dict[str, Any] | None,
    args: list[str],
    words: str,
) -> None:
    project = write_project(tmp_path, search)
    code = cli.main(["tune", str(project), *args])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("guinet: ")
    assert words in err
    assert "Traceback" not in err


def test_a_missing_project_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["tune", str(tmp_path / "none.guinet")]) == 2
    assert (
        capsys.readouterr().err == f"guinet: {tmp_path / 'none.guinet'}: no such file\n"
    )
