"""Resuming from checkpoints: exact continuation, branching, and ``guinet train``
with ``--checkpoint-dir`` and ``--resume``."""

from __future__ import annotations

import copy
import json
import pickle
from pathlib import Path
from typing import Any

import pytest
import torch

from guinet.cli import main
from guinet.core.project import Project
from guinet.core.training import (
    Callback,
    CheckpointError,
    ConfigError,
    FitResult,
    Logs,
    Trainer,
    branch_run,
    list_checkpoints,
    load_checkpoint,
    load_weights,
    prepare_run,
    resume_run,
)
from tests.core.training.helpers import MOONS_DATA, SUMMARY_FIELDS, make_project

LAYERS = [
    {"type": "Linear", "out_features": 16},
    {"type": "ReLU"},
    {"type": "Dropout", "p": 0.2},  # draws from torch's RNG every batch
    {"type": "Linear", "out_features": 2},
]
VOLATILE = ("time", "samples_per_sec")
STEP_LR = {"type": "StepLR", "step_size": 2, "gamma": 0.5}


def project(**training: Any) -> Project:
    settings: dict[str, Any] = {"epochs": 6, "scheduler": STEP_LR}
    settings.update(training)
    return make_project(copy.deepcopy(LAYERS), **settings)


def curves(result: FitResult) -> list[dict[str, float]]:
    return [
        {k: v for k, v in logs.items() if k not in VOLATILE} for logs in result.history
    ]


def assert_same_weights(a: torch.nn.Module, b: torch.nn.Module) -> None:
    theirs = b.state_dict()
    for name, value in a.state_dict().items():
        assert torch.equal(value, theirs[name]), name


class StopAfter(Callback):
    """Stops the run after ``epochs`` epochs, as a person pressing Stop would."""

    def __init__(self, epochs: int) -> None:
        self.epochs = epochs

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: Logs) -> None:
        if epoch + 1 == self.epochs:
            trainer.control.request_stop()


class FirstWeights(Callback):
    def __init__(self) -> None:
        self.weights: dict[str, torch.Tensor] = {}

    def on_fit_start(self, trainer: Trainer) -> None:
        self.weights = {
            k: v.detach().clone() for k, v in trainer.model.state_dict().items()
        }


def interrupted(proj: Project, folder: Path, after: int) -> FitResult:
    result = prepare_run(proj, checkpoint_dir=folder).fit([StopAfter(after)])
    assert result.stop_reason == "stopped" and result.epochs_run == after
    return result


def test_stopping_and_resuming_gives_the_uninterrupted_run(tmp_path: Path) -> None:
    proj = project()
    whole = prepare_run(proj, checkpoint_dir=tmp_path / "whole").fit()
    interrupted(proj, tmp_path / "part", after=3)
    run = resume_run(
        tmp_path / "part" / "last.ckpt", proj, checkpoint_dir=tmp_path / "part"
    )
    assert run.trainer.start_epoch == 3
    resumed = run.fit()
    assert resumed.stop_reason == whole.stop_reason == "completed"
    assert resumed.epochs_run == 6 and resumed.start_epoch == 3
    assert_same_weights(resumed.model, whole.model)
    assert curves(resumed) == curves(whole)
    assert resumed.test == whole.test
    assert resumed.early_stopping == whole.early_stopping
    assert (resumed.best, resumed.best_epoch) == (whole.best, whole.best_epoch)
    assert resumed.resumed_from == str((tmp_path / "part" / "last.ckpt").resolve())
    # The resumed run's own last checkpoint matches the uninterrupted one's.
    ours = load_checkpoint(tmp_path / "part" / "last.ckpt")
    theirs = load_checkpoint(tmp_path / "whole" / "last.ckpt")
    for name, value in theirs.weights.items():
        assert torch.equal(value, ours.weights[name])
    assert ours.epoch == theirs.epoch == 6


def test_fit_can_resume_from_a_path(tmp_path: Path) -> None:
    proj = project(epochs=4)
    whole = prepare_run(proj, checkpoint_dir=tmp_path / "a").fit()
    interrupted(proj, tmp_path / "b", after=2)
    resumed = prepare_run(proj).fit(resume_from=tmp_path / "b" / "last.ckpt")
    assert_same_weights(resumed.model, whole.model)
    assert curves(resumed) == curves(whole)


def test_early_stopping_keeps_its_patience_count_across_a_resume(
    tmp_path: Path,
) -> None:
    # StepLR halves lr every epoch, so "lr" in max mode never improves after
    # epoch 1: early stopping with patience 4 stops after epoch 5.
    es = {"enabled": True, "monitor": "lr", "mode": "max", "patience": 4}
    scheduler = {"type": "StepLR", "step_size": 1, "gamma": 0.5}
    proj = project(epochs=9, early_stopping=es, scheduler=scheduler)
    whole = prepare_run(proj, checkpoint_dir=tmp_path / "whole").fit()
    assert whole.stop_reason == "early_stopping" and whole.epochs_run == 5
    assert whole.early_stopping is not None
    assert whole.early_stopping.restored_epoch == 1
    interrupted(proj, tmp_path / "part", after=3)
    run = resume_run(tmp_path / "part" / "last.ckpt", proj)
    assert run.early_stopping is not None and run.early_stopping.wait == 2
    resumed = run.fit()
    assert resumed.stop_reason == "early_stopping" and resumed.epochs_run == 5
    assert resumed.early_stopping == whole.early_stopping
    assert resumed.stopped_early and resumed.restored_epoch == 1
    assert_same_weights(resumed.model, whole.model)
    assert curves(resumed) == curves(whole)


def test_a_checkpoint_carries_its_project_and_data(tmp_path: Path) -> None:
    proj = project(epochs=3)
    proj.save(tmp_path / "p.guinet")
    whole = prepare_run(proj).fit()
    folder = tmp_path / "p-checkpoints"  # the project's default, beside its file
    assert {i.kind for i in list_checkpoints(folder)} == {"best", "last"}
    assert [str(i.path) for i in whole.checkpoints] == whole.summary()["checkpoints"]
    moved = tmp_path / "moved"
    moved.mkdir()
    interrupted(proj, moved, after=1)
    ckpt = load_checkpoint(moved / "last.ckpt")
    assert ckpt.project is not None and ckpt.project["model"]["layers"] == LAYERS
    assert ckpt.project_path == str(tmp_path / "p.guinet")
    assert ckpt.data is not None and ckpt.data["class_names"] == [
        "upper moon",
        "lower moon",
    ]
    resumed = resume_run(ckpt, checkpoint_dir=moved).fit()  # no project given
    assert_same_weights(resumed.model, whole.model)
    assert curves(resumed) == curves(whole)


def test_a_checkpoint_that_does_not_fit_is_refused(tmp_path: Path) -> None:
    proj = project(epochs=1)
    prepare_run(proj, checkpoint_dir=tmp_path).fit()
    last = tmp_path / "last.ckpt"
    wider = copy.deepcopy(LAYERS)
    wider[0]["out_features"] = 32
    other = make_project(wider, epochs=2, scheduler=STEP_LR)
    with pytest.raises(CheckpointError, match=r"0.weight is \[16, 2\] there and \[32"):
        resume_run(last, other)
    for change, message in [
        ({"optimizer": {"type": "SGD", "lr": 0.1}}, "optimizer Adam and the project"),
        ({"scheduler": None}, "scheduler StepLR and the project uses none"),
    ]:
        with pytest.raises(CheckpointError, match=message):
            resume_run(last, project(**change))
        branch_run(last, project(**change))  # starting afresh from weights is fine


def test_branching_starts_from_the_weights_with_new_settings(tmp_path: Path) -> None:
    proj = project(epochs=6)
    interrupted(proj, tmp_path / "part", after=3)
    ckpt = load_checkpoint(tmp_path / "part" / "last.ckpt")
    changed = project(epochs=5, optimizer={"type": "Adam", "lr": 0.001}, scheduler=None)
    run = branch_run(ckpt, changed, checkpoint_dir=tmp_path / "branch")
    first = FirstWeights()
    result = run.fit([first])
    for name, value in ckpt.weights.items():
        assert torch.equal(first.weights[name], value)
    assert result.epochs_run == 5 and result.start_epoch == 3
    assert result.history.epochs[:3] == ckpt.history  # the curves go on
    assert result.history["lr"][3:] == [0.001, 0.001]
    assert result.history["epoch"] == [1, 2, 3, 4, 5]
    assert load_checkpoint(tmp_path / "branch" / "last.ckpt").epoch == 5


def test_branching_can_keep_the_optimizer_moments(tmp_path: Path) -> None:
    proj = project(epochs=4, scheduler=None)
    interrupted(proj, tmp_path, after=2)
    ckpt = load_checkpoint(tmp_path / "last.ckpt")
    changed = project(epochs=4, scheduler=None, optimizer={"type": "Adam", "lr": 0.05})
    run = branch_run(ckpt, changed, keep_optimizer_state=True)
    optimizer = run.trainer.optimizer
    saved = ckpt.trainer_state["optimizer"]["state"]
    for index, state in optimizer.state_dict()["state"].items():
        assert torch.equal(state["exp_avg"], saved[index]["exp_avg"])
    assert optimizer.param_groups[0]["lr"] == 0.05
    fresh = branch_run(ckpt, changed)
    assert fresh.trainer.optimizer.state_dict()["state"] == {}
    sgd = project(epochs=4, scheduler=None, optimizer={"type": "SGD", "lr": 0.1})
    with pytest.raises(CheckpointError, match="trained with Adam, not SGD"):
        branch_run(ckpt, sgd, keep_optimizer_state=True)


def test_load_a_checkpoints_weights_into_the_model(tmp_path: Path) -> None:
    proj = project(epochs=2, early_stopping=None)  # keep the last epoch's weights
    trained = prepare_run(proj, checkpoint_dir=tmp_path).fit()
    model = prepare_run(proj).model  # freshly built, as the GUI's model would be
    weights = load_weights(tmp_path / "last.ckpt", model)
    assert set(model.state_dict()) == set(weights)
    assert_same_weights(model, trained.model)
    model.eval()
    trained.model.eval()
    x = torch.randn(5, 2)
    with torch.no_grad():
        assert torch.equal(model(x), trained.model(x))


def test_without_a_file_or_for_an_example_checkpoints_go_to_a_folder_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing is written beside a shipped example or wherever guinet was
    started: each unsaved project (and each example) has its own folder in
    the user's data folder, and a note says where."""
    monkeypatch.setenv("GUINET_DATA_DIR", str(tmp_path / "data"))
    unsaved, other = project(epochs=1), project(epochs=1)
    run = prepare_run(unsaved)
    assert run.checkpoint is not None
    folder = run.checkpoint.folder
    assert folder.is_relative_to(tmp_path / "data" / "checkpoints")
    assert any(str(folder) in note and "no file yet" in note for note in run.notes)
    assert prepare_run(other).checkpoint.folder != folder  # not shared
    # the run's snapshot (another epochs count) keeps the project's folder
    assert prepare_run(unsaved, epochs=2).checkpoint.folder == folder
    from guinet._resources import resource

    example = Project.load(resource("examples", "iris_mlp.guinet"))
    example.set_value("training.device", "cpu")
    run = prepare_run(example, epochs=1)
    assert run.checkpoint is not None
    assert run.checkpoint.folder == tmp_path / "data" / "checkpoints" / "iris_mlp"
    assert any("shipped example" in note for note in run.notes)


def test_the_default_folder_is_named_after_the_project_and_an_old_dir_keeps_its_meaning(
    tmp_path: Path,
) -> None:
    from guinet.core.training.folders import checkpoint_folder

    new = Project()
    assert new.to_dict()["training"]["checkpoint"]["dir"] == "{project}-checkpoints"
    new.save(tmp_path / "my.guinet")
    assert checkpoint_folder(new)[0] == tmp_path / "my-checkpoints"
    (tmp_path / "elsewhere").mkdir()
    new.save(tmp_path / "elsewhere" / "pima.guinet")  # "beside the file" follows
    assert new.to_dict()["training"]["checkpoint"]["dir"] == "{project}-checkpoints"
    assert checkpoint_folder(new)[0] == tmp_path / "elsewhere" / "pima-checkpoints"
    old = Project.from_dict(
        {"guinet": 1, "training": {"checkpoint": {"dir": "checkpoints"}}},
        tmp_path / "old.guinet",
    )
    assert checkpoint_folder(old) == (tmp_path / "checkpoints", None)
    off = old.training.with_value("checkpoint.enabled", False)
    assert checkpoint_folder(old, off.checkpoint) == (None, None)


def test_a_monitor_that_is_not_logged_is_refused() -> None:
    bad = project(early_stopping={"monitor": "val_mae"})
    with pytest.raises(ConfigError, match="early_stopping.monitor: this run logs loss"):
        prepare_run(bad)


# -- guinet train -------------------------------------------------------------------
FIELDS = SUMMARY_FIELDS | {"checkpoints", "early_stopping"}


def write_project(folder: Path, **training: Any) -> Path:
    settings: dict[str, Any] = {
        "loss": {"type": "CrossEntropyLoss"},
        "optimizer": {"type": "Adam", "lr": 0.01},
        "epochs": 2,
        "device": "cpu",
    }
    settings.update(training)
    raw = {
        "guinet": 1,
        "name": "resume test",
        "data": MOONS_DATA,
        "model": {"layers": LAYERS},
        "training": settings,
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "p.guinet"
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


def train(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any, str]:
    code = main(["train", *args, "--json"])
    captured = capsys.readouterr()
    lines = captured.out.strip().splitlines()
    summary = json.loads(lines[-1]) if code in (0, 1) else None
    return code, summary, captured.out


def test_train_writes_checkpoints_where_asked_and_lists_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_project(tmp_path / "project")
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code, summary, out = train(capsys, str(path), "--checkpoint-dir", "ck")
    assert code == 0
    assert set(summary) >= FIELDS
    folder = (elsewhere / "ck").resolve()  # relative to the current folder
    assert summary["checkpoint_dir"] == str(folder)
    assert str(folder / "last.ckpt") in summary["checkpoints"]
    assert all(Path(p).is_file() for p in summary["checkpoints"])
    assert {Path(p).name for p in summary["checkpoints"]} == {
        i.path.name for i in list_checkpoints(folder)
    }
    assert f"Checkpoints go to {folder}" in out
    assert summary["early_stopping"]["patience"] == 10
    assert summary["stopped_early"] is False and summary["best_epoch"] in (1, 2)
    # Without the flag: the project's folder, relative to the project file.
    code, summary, _ = train(capsys, str(path))
    assert code == 0
    assert summary["checkpoint_dir"] == str(tmp_path / "project" / "p-checkpoints")
    assert (tmp_path / "project" / "p-checkpoints" / "last.ckpt").is_file()


def test_train_resume_continues_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_project(tmp_path, scheduler=STEP_LR)
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    code, whole, _ = train(capsys, str(path), "--epochs", "4", "--checkpoint-dir", a)
    assert code == 0
    code, part, _ = train(capsys, str(path), "--epochs", "2", "--checkpoint-dir", b)
    assert code == 0 and part["epochs_run"] == 2
    last = str(Path(b) / "last.ckpt")
    code, resumed, out = train(
        capsys, str(path), "--epochs", "4", "--checkpoint-dir", b, "--resume", last
    )
    assert code == 0
    assert f"Resuming from {Path(last).resolve()} after epoch 2 of 4" in out
    assert [
        line.split()[1] for line in out.splitlines() if line.startswith("epoch ")
    ] == [
        "3/4",
        "4/4",
    ]
    assert resumed["start_epoch"] == 2 and resumed["epochs_run"] == 4
    for key in ("loss", "val_loss", "accuracy", "val_accuracy", "lr"):
        assert resumed["history"][key] == whole["history"][key], key
    assert resumed["test"] == whole["test"]
    assert resumed["best"] == whole["best"]
    # Without --checkpoint-dir a resumed run goes on writing beside its checkpoint.
    code, more, _ = train(capsys, str(path), "--epochs", "5", "--resume", last)
    assert code == 0 and more["checkpoint_dir"] == str(Path(b).resolve())
    assert load_checkpoint(last).epoch == 5


def test_train_reports_early_stopping(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # lr never rises, so in max mode it stops improving at once.
    es = {"enabled": True, "monitor": "lr", "mode": "max", "patience": 1}
    path = write_project(tmp_path, epochs=10, early_stopping=es)
    code, summary, out = train(capsys, str(path))
    assert code == 0
    assert summary["stopped_early"] is True
    assert summary["stop_reason"] == "early_stopping" and summary["epochs_run"] == 2
    assert (summary["best_epoch"], summary["best"]) == (1, 0.01)
    assert summary["restored_epoch"] == 1
    facts = summary["early_stopping"]
    assert facts["reason"] == "patience" and facts["stopped_epoch"] == 2
    assert "Restored the weights of epoch 1." in out


def one_line(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main(["train", *args])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.count("\n") == 1, captured.err
    assert captured.err.startswith("guinet: --resume: ")
    assert "Traceback" not in captured.err
    return captured.err.strip()


class Marker:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.path,))


def test_bad_resume_checkpoints_fail_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_project(tmp_path)
    assert "no such file" in one_line(capsys, str(path), "--resume", "none.ckpt")
    damaged = tmp_path / "damaged.ckpt"
    damaged.write_bytes(b"PK\x03\x04 not really a zip")
    assert "is damaged" in one_line(capsys, str(path), "--resume", str(damaged))
    evil = tmp_path / "evil.ckpt"
    evil.write_bytes(pickle.dumps({"x": Marker(tmp_path / "marker")}, protocol=2))
    assert "refused to open" in one_line(capsys, str(path), "--resume", str(evil))
    assert not (tmp_path / "marker").exists()
    other = write_project(tmp_path / "other", optimizer={"type": "SGD", "lr": 0.1})
    code = main(
        ["train", str(other), "--epochs", "1", "--checkpoint-dir", str(tmp_path / "o")]
    )
    capsys.readouterr()
    assert code == 0
    error = one_line(capsys, str(path), "--resume", str(tmp_path / "o" / "last.ckpt"))
    assert "trained with optimizer SGD and the project uses Adam" in error


def test_fit_problem_reads_shapes_and_says_why(tmp_path: Path) -> None:
    from guinet.core.training.checkpoint_fit import fit_problem, weight_shapes

    run = prepare_run(project(epochs=1), checkpoint_dir=tmp_path)
    run.fit()
    last = tmp_path / "last.ckpt"
    shapes = weight_shapes(run.model)
    assert fit_problem(last, shapes) is None
    wider = dict(shapes)
    key = next(iter(wider))
    wider[key] = (99, *wider[key][1:])
    assert (
        fit_problem(last, wider)
        == f"{key} is {list(shapes[key])} there and {[99, *shapes[key][1:]]} here"
    )
    assert "no weights for extra.weight" in fit_problem(
        last, {**shapes, "extra.weight": (1,)}
    )
    (tmp_path / "junk.ckpt").write_bytes(b"junk")
    assert "damaged" in fit_problem(tmp_path / "junk.ckpt", shapes)
