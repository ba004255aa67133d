"""The python export: a standalone script that repeats the app's run.

Each test trains a tiny seeded project with guinet's engine, exports it as a
script, runs the script in a fresh interpreter where ``import guinet`` fails
(so the script cannot lean on it), and compares the losses it prints with
the app's history to 1e-6.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from guinet._resources import find_example
from guinet.core.export import EXPORTERS, ExportError, export_project
from guinet.core.project import Project
from guinet.core.session import Session
from tests.titanic import write_titanic

TOLERANCE = 1e-6

#: Runs the script as ``__main__`` with guinet made unimportable.
NO_GUINET = (
    "import runpy, sys; sys.modules['guinet'] = None; "
    "runpy.run_path(sys.argv[1], run_name='__main__')"
)


def app_run(project: Project) -> tuple[Session, dict[str, Any]]:
    """Train ``project`` with guinet's engine; its session and run summary."""
    session = Session(project)
    result = session.prepare_run().fit()
    return session, result.summary()


def run_script(script: Path) -> dict[str, Any]:
    """Run ``script`` in a clean interpreter (cwd: its folder) and return the
    JSON of its last line."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin"), "HOME": str(script.parent)}
    done = subprocess.run(
        [sys.executable, "-c", NO_GUINET, str(script)],
        cwd=script.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def assert_same_run(summary: dict[str, Any], printed: dict[str, Any]) -> None:
    history = summary["history"]
    assert printed["epochs_run"] == summary["epochs_run"]
    assert printed["loss"] == pytest.approx(history["loss"][-1], abs=TOLERANCE)
    if history.get("val_loss"):
        assert printed["val_loss"] == pytest.approx(
            history["val_loss"][-1], abs=TOLERANCE
        )
    if summary["test"]:  # after early stopping's restore, when it restores
        assert printed["test"]["loss"] == pytest.approx(
            summary["test"]["loss"], abs=TOLERANCE
        )


def ruff() -> str | None:
    beside = Path(sys.executable).with_name("ruff")
    return str(beside) if beside.exists() else shutil.which("ruff")


def assert_clean_code(script: Path) -> None:
    """``ruff check`` (its default rules, then the project's) and ``ruff
    format --check`` pass on the script; skipped where ruff is not installed."""
    tool = ruff()
    if tool is None:
        pytest.skip("ruff is not installed")
    config = Path(__file__).resolve().parents[2] / "pyproject.toml"
    for args in (
        ["check", "--isolated"],
        ["check", "--config", str(config)],
        ["format", "--check", "--diff", "--isolated"],
    ):
        done = subprocess.run(
            [tool, *args, str(script)], capture_output=True, text=True
        )
        assert done.returncode == 0, f"ruff {' '.join(args)}:\n{done.stdout}"


def moons_project(folder: Path, **training: Any) -> Project:
    example = find_example("moons_mlp")
    assert example is not None
    project = Project.load(example)
    project.set_value("training.epochs", 6)
    project.set_value("training.early_stopping.enabled", False)
    for key, value in training.items():
        project.set_value(f"training.{key}", value)
    project.save(folder / "moons.guinet")
    return Project.load(folder / "moons.guinet")


def table_project(folder: Path) -> Project:
    """A binary table with gaps, two text (category) columns, standard
    scaling, Dropout and a final Sigmoid trained as logits."""
    write_titanic(folder / "titanic.csv", n=300)
    raw = {
        "guinet": 1,
        "name": "titanic",
        "data": {
            "source": {"kind": "csv", "path": "titanic.csv"},
            "target": "Survived",
            "features": ["Pclass", "Sex", "Age", "Fare", "Embarked"],
            "scaling": "standard",
            "missing": "fill",
            "split": {"validation": 0.2, "test": 0.2, "stratify": True, "seed": 3},
        },
        "model": {
            "layers": [
                {"type": "Linear", "out_features": 12},
                {"type": "ReLU"},
                {"type": "Dropout", "p": 0.3},
                {"type": "Linear", "out_features": 1},
                {"type": "Sigmoid"},
            ]
        },
        "training": {
            "loss": {"type": "BCELoss"},
            "optimizer": {"type": "Adam", "lr": 0.01},
            "epochs": 5,
            "batch_size": 16,
            "seed": 7,
            "device": "cpu",
            "early_stopping": {"enabled": False},
            "checkpoint": {"enabled": True, "dir": "checkpoints"},
        },
    }
    path = folder / "titanic.guinet"
    path.write_text(json.dumps(raw), encoding="utf-8")
    return Project.load(path)


# -- the declaration ------------------------------------------------------------
def test_python_is_declared_without_needing_weights() -> None:
    declared = EXPORTERS["python"]
    assert not declared.needs_weights and declared.suffix == ".py"
    assert declared.write is not None and not declared.modules


# -- the bar: the script repeats the app's run --------------------------------------
def test_moons_mlp_script_reproduces_the_app_losses(tmp_path: Path) -> None:
    session, summary = app_run(moons_project(tmp_path))
    script = tmp_path / "train_model.py"
    written = export_project(session, "python", script)
    assert written == [script]  # the data is made by the script, no .npz
    text = script.read_text(encoding="utf-8")
    assert "guinet" not in "".join(
        line for line in text.splitlines() if line.startswith(("import", "from"))
    )
    assert "nn.Linear(in_features=2, out_features=16)" in text
    assert "def make_data():" in text  # the moons are generated, not loaded
    assert_same_run(summary, run_script(script))
    assert_clean_code(script)


def test_table_script_reads_encodes_and_scales_the_csv_like_the_app(
    tmp_path: Path,
) -> None:
    session, summary = app_run(table_project(tmp_path))
    script = tmp_path / "train_model.py"
    assert export_project(session, "python", script) == [script]
    text = script.read_text(encoding="utf-8")
    assert 'DATA_FILE = Path(__file__).parent / "titanic.csv"' in text
    assert '"Sex": "category",' in text and 'MISSING = "fill"' in text
    assert "trained = model[:-1]" in text  # Sigmoid + BCELoss trains on logits
    assert "nn.BCEWithLogitsLoss()" in text and "nn.Dropout(p=0.3)" in text
    printed = run_script(script)
    assert_same_run(summary, printed)
    assert (tmp_path / "checkpoints" / "last.pt").is_file()
    assert (tmp_path / "checkpoints" / "best.pt").is_file()
    assert_clean_code(script)


@pytest.mark.parametrize(
    "scheduler",
    [
        {"type": "ReduceLROnPlateau", "patience": 0, "factor": 0.5},
        {"type": "OneCycleLR", "max_lr": 0.05},
    ],
    ids=["plateau-per-epoch", "onecycle-per-batch"],
)
def test_early_stopping_and_scheduler_are_repeated(
    tmp_path: Path, scheduler: dict[str, Any]
) -> None:
    project = moons_project(
        tmp_path,
        epochs=40,
        scheduler=scheduler,
        early_stopping={
            "enabled": True,
            "monitor": "val_loss",
            "patience": 2,
            "min_delta": 0.002,
            "restore_best": True,
        },
    )
    session, summary = app_run(project)
    assert summary["stopped_early"] and summary["epochs_run"] < 40
    script = tmp_path / "train_model.py"
    export_project(session, "python", script)
    text = script.read_text(encoding="utf-8")
    assert f"scheduler = torch.optim.lr_scheduler.{scheduler['type']}(" in text
    printed = run_script(script)
    assert_same_run(summary, printed)
    assert printed["best_epoch"] == summary["early_stopping"]["best_epoch"]
    assert_clean_code(script)


def test_data_the_script_cannot_rewrite_travels_as_npz(tmp_path: Path) -> None:
    """An .npz source is not rewritten as code: the prepared arrays are saved
    beside the script, the header says so, and the run still matches."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 3)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
    np.savez(tmp_path / "points.npz", x=x, y=y)
    project = moons_project(tmp_path)
    project.set_value("data.source", {"kind": "npz", "path": "points.npz"})
    project.set_value("data.task", "auto")
    project.save(tmp_path / "moons.guinet")
    session, summary = app_run(Project.load(tmp_path / "moons.guinet"))
    script = tmp_path / "train_model.py"
    written = export_project(session, "python", script)
    assert written == [script, tmp_path / "train_model.data.npz"]
    assert "train_model.data.npz (saved beside this" in script.read_text("utf-8")
    assert_same_run(summary, run_script(script))


def test_an_invalid_model_is_a_clear_export_error(tmp_path: Path) -> None:
    project = moons_project(tmp_path)
    project.model.layers.set_param(0, "out_features", 0)
    with pytest.raises(ExportError, match="layer 1"):
        export_project(Session(project), "python", tmp_path / "train_model.py")
    assert not (tmp_path / "train_model.py").exists()


def test_digits_cnn_script_reproduces_the_app_losses(tmp_path: Path) -> None:
    """Images (one channel, per-channel scaling from 0..16 pixels), Conv2d,
    BatchNorm2d and Dropout, from scikit-learn's bundled digits."""
    example = find_example("digits_cnn")
    assert example is not None
    project = Project.load(example)
    project.set_value("training.epochs", 2)
    project.set_value("training.early_stopping.enabled", False)
    project.set_value("training.checkpoint.enabled", False)
    project.save(tmp_path / "digits.guinet")
    session, summary = app_run(Project.load(tmp_path / "digits.guinet"))
    script = tmp_path / "train_model.py"
    assert export_project(session, "python", script) == [script]
    text = script.read_text(encoding="utf-8")
    assert "sklearn.datasets.load_digits()" in text and "PIXEL_MAX = 16.0" in text
    assert "nn.BatchNorm2d(num_features=16)" in text
    assert_same_run(summary, run_script(script))
    assert_clean_code(script)


def test_what_the_script_does_not_repeat_is_said_in_its_header(
    tmp_path: Path,
) -> None:
    project = moons_project(
        tmp_path,
        early_stopping={"enabled": True, "patience": 3, "baseline": 0.5},
    )
    script = tmp_path / "train_model.py"
    export_project(Session(project), "python", script)
    header = script.read_text("utf-8").split('"""')[1]
    assert "Early stopping's baseline setting is not written here" in header
