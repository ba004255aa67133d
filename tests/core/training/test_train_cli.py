"""``guinet train``: epoch lines, the JSON summary, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch

import guinet
from guinet._resources import resource
from guinet.cli import main
from tests.core.training.helpers import MOONS_DATA, SUMMARY_FIELDS, mlp

REPO = Path(guinet.__file__).resolve().parent.parent
FIELDS = SUMMARY_FIELDS


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "guinet", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
        check=False,
    )


def write_project(tmp_path: Path, **changes: Any) -> Path:
    raw: dict[str, Any] = {
        "guinet": 1,
        "name": "cli test",
        "data": MOONS_DATA,
        "model": {"layers": mlp()},
        "training": {
            "loss": {"type": "CrossEntropyLoss"},
            "optimizer": {"type": "Adam", "lr": 0.01},
            "epochs": 2,
            "device": "cpu",
        },
    }
    for key, value in changes.items():
        if key in ("loss", "optimizer", "batch_size"):
            raw["training"][key] = value
        else:
            raw[key] = value
    path = tmp_path / "p.guinet"
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


def test_train_an_example_prints_epochs_and_a_json_summary_last() -> None:
    done = run_cli(
        "train",
        str(resource("examples", "moons_mlp.guinet")),
        "--epochs",
        "2",
        "--device",
        "cpu",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    lines = done.stdout.strip().splitlines()
    assert lines[0].startswith("Training Two moons")
    epoch_lines = [line for line in lines if line.startswith("epoch ")]
    assert [line.split()[1] for line in epoch_lines] == ["1/2", "2/2"]
    assert "val_loss" in epoch_lines[0] and "val_accuracy" in epoch_lines[0]
    summary = json.loads(lines[-1])
    assert set(summary) >= FIELDS
    assert summary["epochs_run"] == 2 and summary["stopped_early"] is False
    assert summary["device"] == "cpu"
    assert len(summary["history"]["loss"]) == 2
    assert len(summary["history"]["val_loss"]) == 2
    assert set(summary["test"]) == {"loss", "accuracy"}
    assert summary["best"] == min(summary["history"]["val_loss"])


def test_an_unavailable_device_fails_in_one_line() -> None:
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    done = run_cli(
        "train", str(resource("examples", "iris_mlp.guinet")), "--device", "cuda"
    )
    assert done.returncode != 0
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("guinet: iris_mlp.guinet: device cuda:")
    assert "Traceback" not in done.stderr


def one_error_line(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main(["train", *args])
    captured = capsys.readouterr()
    assert code != 0
    assert captured.err.count("\n") == 1, captured.err
    assert captured.err.startswith("guinet: ")
    return captured.err.strip()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"loss": {"type": "BCELoss"}}, "BCELoss needs one output"),
        ({"loss": {"type": "MSELoss"}}, "MSELoss is a loss for predicting numbers"),
        ({"model": {"layers": mlp(outputs=3)}}, "the data has 2 classes"),
        (
            {"model": {"layers": [{"type": "Conv2d", "out_channels": 4}]}},
            "layer 1 (Conv2d)",
        ),
        ({"optimizer": {"type": "adam", "lr": 0.01}}, "did you mean 'Adam'"),
        ({"optimizer": {"type": "Adam", "lr": 0}}, "lr must be > 0"),
        ({"batch_size": 0}, "batch_size must be in"),
        ({"data": {"source": {"kind": "csv", "path": "missing.csv"}}}, "missing.csv"),
        ({"data": None}, "no data yet"),
    ],
)
def test_bad_projects_fail_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], changes: Any, message: str
) -> None:
    path = write_project(tmp_path, **changes)
    error = one_error_line(capsys, str(path), "--epochs", "1")
    assert error.startswith("guinet: p.guinet: ")
    assert message in error


def test_bad_files_and_flags_fail_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "no such file" in one_error_line(capsys, str(tmp_path / "none.guinet"))
    broken = tmp_path / "broken.guinet"
    broken.write_text("{", encoding="utf-8")
    assert "not valid JSON" in one_error_line(capsys, str(broken))
    path = write_project(tmp_path)
    assert "--epochs must be at least 1" in one_error_line(
        capsys, str(path), "--epochs", "0"
    )
    assert (
        "device must be auto, cpu, cuda (or cuda:N) or mps, not 'tpu'"
        in one_error_line(capsys, str(path), "--device", "tpu")
    )
    resume = one_error_line(capsys, str(path), "--resume", str(tmp_path / "x.ckpt"))
    assert resume.startswith("guinet: --resume: ") and "no such file" in resume


def test_a_diverging_run_prints_the_summary_and_fails_with_advice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_project(tmp_path, optimizer={"type": "SGD", "lr": 1e30})
    code = main(["train", str(path), "--epochs", "3", "--json"])
    captured = capsys.readouterr()
    assert code == 1
    summary = json.loads(captured.out.strip().splitlines()[-1])
    assert summary["stop_reason"] == "non_finite" and summary["stopped_early"]
    assert captured.err.count("\n") == 1
    assert "lower learning rate" in captured.err


def test_checkpoint_dir_is_used(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_project(tmp_path)
    target = tmp_path / "ckpt"
    code = main(
        ["train", str(path), "--epochs", "1", "--checkpoint-dir", str(target), "--json"]
    )
    captured = capsys.readouterr()
    assert code == 0
    summary = json.loads(captured.out.strip().splitlines()[-1])
    assert summary["checkpoint_dir"] == str(target.resolve())
    assert str(target.resolve() / "last.ckpt") in summary["checkpoints"]
    assert (target / "last.ckpt").is_file()
