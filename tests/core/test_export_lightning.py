"""The lightning export: a standalone PyTorch Lightning script that trains the
project on one process or many.

The scripts run in a fresh interpreter where ``import guinet`` fails. The
runs that need Lightning skip where the optional ``lightning`` extra is not
installed (``pip install "guinet[lightning]"``; CI installs it).
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from guinet._resources import find_example
from guinet.core.export import EXPORTERS, export_project
from guinet.core.export.lightning_callbacks import lightning_filename
from guinet.core.project import Project
from guinet.core.session import Session
from tests.core.test_export_python import (
    assert_clean_code,
    moons_project,
    table_project,
)

needs_lightning = pytest.mark.skipif(
    importlib.util.find_spec("lightning") is None,
    reason='needs pip install "guinet[lightning]"',
)

#: Runs the script as ``__main__`` with its own arguments and guinet made
#: unimportable. (Lightning starts the other DDP processes by running the
#: script file itself, with ``sys.argv``.)
WITHOUT_GUINET = (
    "import runpy, sys; sys.modules['guinet'] = None; sys.argv = sys.argv[1:]; "
    "runpy.run_path(sys.argv[0], run_name='__main__')"
)

#: How far the 2-process DDP run's epoch loss may be from the single-process
#: one. Both runs step on the same global batches (each of the 2 processes
#: takes every other row of one seeded order, in half batches) and DDP
#: averages the two half-batch gradients, which equals the full batch's
#: mean gradient; what differs is only the order of float32 additions
#: (two partial means and an all-reduce instead of one sum), about 1e-7 per
#: step. 1e-5 leaves two orders of magnitude for that, and is still far
#: below what a wrong split would give (half or twice the steps, or a
#: different batch order, moves the first epoch's loss by 1e-2 or more).
DDP_TOLERANCE = 1e-5


def export(project: Project, folder: Path) -> Path:
    script = folder / "train_lightning.py"
    written = export_project(Session(project), "lightning", script)
    assert written[0] == script
    return script


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_script(script: Path, *args: str) -> tuple[dict[str, Any], float]:
    """Run ``script`` with ``args`` in a clean interpreter (cwd: its folder,
    on the CPU); the JSON of its last line and the wall time it took."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin"),
        "HOME": str(script.parent),
        "MASTER_ADDR": "127.0.0.1",
        "MASTER_PORT": str(free_port()),
        "PYTHONWARNINGS": "ignore",
    }
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            WITHOUT_GUINET,
            str(script),
            "--accelerator",
            "cpu",
            *args,
        ],
        cwd=script.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    wall = time.perf_counter() - started
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1]), wall


def tiny_moons(folder: Path, **training: Any) -> Project:
    project = moons_project(folder, **training)
    project.set_value("data.source.samples", 200)
    project.save()
    return Project.load(folder / "moons.guinet")


# -- the declaration and the code ---------------------------------------------------
def test_lightning_is_declared_without_needing_weights() -> None:
    declared = EXPORTERS["lightning"]
    assert not declared.needs_weights and declared.write is not None
    assert declared.modules == ("lightning",) and declared.extra == "lightning"
    assert declared.suffix == ".py" and declared.label and declared.help


def test_guinet_file_names_become_lightning_templates() -> None:
    template = "{kind}-epoch{epoch:03d}-{monitor}={value:.4f}"
    assert (
        lightning_filename(template, "best", "val_loss")
        == "best-epoch{epoch:03d}-val_loss={val_loss:.4f}"
    )
    # a template without {kind} starts with it, as in the app
    assert lightning_filename("{val_accuracy:.3f}", "periodic", "val_loss") == (
        "periodic-{val_accuracy:.3f}"
    )


@needs_lightning
def test_moons_script_is_clean_and_holds_the_project_settings(tmp_path: Path) -> None:
    project = tiny_moons(tmp_path, **{"early_stopping.enabled": True})
    script = export(project, tmp_path)
    assert_clean_code(script)
    text = script.read_text(encoding="utf-8")
    assert "import guinet" not in text and "from guinet" not in text
    for expected in (
        "class ProjectData(L.LightningDataModule):",
        "class ProjectModel(L.LightningModule):",
        "nn.Linear(in_features=2, out_features=16)",
        "self.loss_fn = nn.CrossEntropyLoss()",
        "torch.optim.Adam(self.parameters(), lr=0.01",
        'monitor="val_loss",',
        'mode="min",',
        "patience=10,",
        "min_delta=0.0,",
        'filename="best-epoch{epoch:03d}-val_loss={val_loss:.4f}"',
        "save_top_k=1",
        "save_last=True",
        'ckpt_path="best"',  # restore_best: the test uses the best weights
        'parser.add_argument("--num-nodes"',
        "EPOCHS = 6",
        "L.seed_everything(args.seed, workers=True)",
    ):
        assert expected in text, expected


@needs_lightning
def test_a_table_with_a_final_sigmoid_trains_on_scores(tmp_path: Path) -> None:
    script = export(table_project(tmp_path), tmp_path)
    assert_clean_code(script)
    text = script.read_text(encoding="utf-8")
    # BCELoss after a Sigmoid trains the scores with BCEWithLogitsLoss
    assert "self.loss_fn = nn.BCEWithLogitsLoss()" in text
    assert "return self.model[:-1](x)" in text and "out = self.scores(x)" in text
    assert "((out > 0) == (y > 0.5)).float().mean()" in text
    assert "EarlyStopping" not in text and "enable_checkpointing" not in text


@needs_lightning
@pytest.mark.parametrize(
    ("scheduler", "expected"),
    [
        (
            {"type": "OneCycleLR"},
            "steps_per_epoch = int(self.trainer.estimated_stepping_batches) // epochs",
        ),
        ({"type": "CosineAnnealingLR"}, "T_max=epochs"),
        ({"type": "ReduceLROnPlateau"}, '"monitor": "loss"'),
    ],
)
def test_schedules_follow_the_trainer_and_settings_lightning_lacks_are_said(
    tmp_path: Path, scheduler: dict[str, Any], expected: str
) -> None:
    project = tiny_moons(
        tmp_path,
        scheduler=scheduler,
        **{
            "early_stopping.enabled": True,
            "early_stopping.warmup": 2,
            "early_stopping.stop_at": 0.1,
            "checkpoint.enabled": False,
        },
    )
    # no validation split: val_ monitors fall back to the training values
    project.set_value("data.split.validation", 0.0)
    project.save()
    script = export(Project.load(project.path), tmp_path)
    assert_clean_code(script)
    text = script.read_text(encoding="utf-8")
    assert expected in text
    assert "stopping_threshold=0.1" in text and "check_on_train_epoch_end=True" in text
    assert "guinet does not judge the first 2 epochs" in text
    assert "enable_checkpointing=False" in text and "def val_dataloader" not in text


@needs_lightning
def test_batchnorm_is_synchronised_across_gpus_only(tmp_path: Path) -> None:
    example = find_example("digits_cnn")  # Conv2d, BatchNorm2d, Dropout
    assert example is not None
    project = Project.load(example)
    project.save(tmp_path / "digits.guinet")
    script = export(Project.load(tmp_path / "digits.guinet"), tmp_path)
    assert_clean_code(script)
    # torch's SyncBatchNorm refuses CPU tensors: CPU processes keep their own
    line = 'sync_batchnorm=args.accelerator != "cpu" and torch.cuda.is_available(),'
    assert line in script.read_text(encoding="utf-8")


# -- running it ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def moons_script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("lightning")
    return export(tiny_moons(folder), folder)


@pytest.fixture(scope="module")
def single_run(moons_script: Path) -> dict[str, Any]:
    """One epoch on one CPU process (shared: each run starts a Python with
    torch and Lightning, which takes most of its time)."""
    printed, _wall = run_script(moons_script, "--devices", "1", "--max-epochs", "1")
    return printed


@needs_lightning
@pytest.mark.slow
def test_one_epoch_on_one_process_logs_the_apps_names(
    moons_script: Path, single_run: dict[str, Any]
) -> None:
    assert single_run["epochs_run"] == 1
    final = single_run["final"]
    assert set(final) == {"loss", "accuracy", "val_loss", "val_accuracy", "lr"}
    assert 0 < final["loss"] < 1 and final["lr"] == pytest.approx(0.01)
    assert set(single_run["test"]) == {"test_loss", "test_accuracy"}
    folder = moons_script.parent / "moons-checkpoints-lightning"
    saved = sorted(p.name for p in folder.iterdir())
    assert "last.ckpt" in saved and any(n.startswith("best-epoch000-") for n in saved)


@needs_lightning
@pytest.mark.slow
def test_ddp_on_two_cpu_processes_matches_the_single_process_run(
    moons_script: Path, single_run: dict[str, Any]
) -> None:
    ddp, wall = run_script(
        moons_script, "--devices", "2", "--strategy", "ddp", "--max-epochs", "1"
    )
    assert ddp["epochs_run"] == 1
    for name in ("loss", "val_loss", "accuracy", "val_accuracy"):
        gap = abs(ddp["final"][name] - single_run["final"][name])
        print(f"{name}: single {single_run['final'][name]:.8f}, DDP gap {gap:.1e}")
        assert gap <= DDP_TOLERANCE, name
    print(f"DDP run (2 processes, 1 epoch) wall time: {wall:.1f} s")


@needs_lightning
@pytest.mark.slow
def test_a_regression_with_a_per_step_schedule_and_no_validation_runs(
    tmp_path: Path,
) -> None:
    raw = {
        "guinet": 1,
        "name": "sine",
        "data": {
            "source": {"kind": "builtin", "name": "sine", "samples": 120, "seed": 0},
            "task": "regression",
            "split": {"validation": 0.0, "test": 0.2, "seed": 0},
        },
        "model": {
            "layers": [
                {"type": "Linear", "out_features": 8},
                {"type": "Tanh"},
                {"type": "Linear", "out_features": 1},
            ]
        },
        "training": {
            "optimizer": {"type": "SGD", "lr": 0.05, "momentum": 0.9},
            "scheduler": {"type": "OneCycleLR"},
            "batch_size": 16,
            "epochs": 2,
            "seed": 1,
            "early_stopping": {"enabled": True, "monitor": "val_loss"},
            "checkpoint": {"enabled": True, "dir": "ck", "every_n_epochs": 1},
        },
    }
    (tmp_path / "sine.guinet").write_text(json.dumps(raw), encoding="utf-8")
    script = export(Project.load(tmp_path / "sine.guinet"), tmp_path)
    assert_clean_code(script)
    # --max-epochs longer than the project's: OneCycleLR is planned for the
    # Trainer's run, so it does not run out of steps
    printed, _wall = run_script(script, "--max-epochs", "3")
    assert printed["epochs_run"] == 3
    assert set(printed["final"]) == {"loss", "mae", "lr"}  # val_ falls back
    assert set(printed["test"]) == {"test_loss", "test_mae"}
    saved = {p.name for p in (tmp_path / "ck-lightning").iterdir()}
    # one periodic file per epoch, named by the training loss
    periodic = sorted(n for n in saved if n.startswith("periodic-"))
    assert "last.ckpt" in saved and len(periodic) == 3
    assert periodic[0].startswith("periodic-epoch000-loss=")
