"""Whole projects: data in, trained model and test scores out."""

from __future__ import annotations

import math

import pytest
import torch

from guinet._resources import resource
from guinet.core.data import DataError
from guinet.core.model import ModelError
from guinet.core.project import Project
from guinet.core.training import (
    CompatibilityError,
    DeviceError,
    TrainingError,
    available_devices,
    fit_project,
    prepare_run,
    resolve_device,
)
from tests.core.training.helpers import Recorder, make_project, mlp

SUMMARY_FIELDS = {
    "epochs_run",
    "stopped_early",
    "best_epoch",
    "best",
    "history",
    "test",
    "train_samples_per_sec",
    "device",
}


def test_an_mlp_learns_the_moons() -> None:
    project = make_project(mlp(), "CrossEntropyLoss", epochs=20, batch_size=16)
    result = fit_project(project)
    assert result.history["val_accuracy"][-1] >= 0.9  # type: ignore[operator]
    assert result.test["accuracy"] >= 0.9
    assert result.epochs_run == 20 and not result.stopped_early
    summary = result.summary()
    assert set(summary) >= SUMMARY_FIELDS
    assert summary["device"] == "cpu"
    assert summary["best_epoch"] == result.best_epoch
    assert 1 <= summary["best_epoch"] <= 20
    assert summary["best"] == min(summary["history"]["val_loss"])
    assert set(summary["history"]) >= {"loss", "val_loss", "accuracy", "val_accuracy"}
    assert set(summary["test"]) == {"loss", "accuracy"}
    assert summary["train_samples_per_sec"] > 0


def test_the_same_project_and_seed_train_identically() -> None:
    def losses() -> list[object]:
        result = fit_project(make_project(mlp(), epochs=3, seed=5))
        return [result.history["loss"], result.history["val_loss"], result.test]

    assert losses() == losses()


def test_regression_reports_mae() -> None:
    data = {"source": {"kind": "builtin", "name": "sine", "samples": 300}}
    layers = [
        {"type": "Linear", "out_features": 32},
        {"type": "Tanh"},
        {"type": "Linear", "out_features": 1},
    ]
    result = fit_project(make_project(layers, "MSELoss", data=data, epochs=30))
    assert {"mae", "val_mae"} <= set(result.history.keys())
    assert "accuracy" not in result.history
    assert set(result.test) == {"loss", "mae"}
    assert result.history["val_loss"][-1] < result.history["val_loss"][0]  # type: ignore[operator]


def test_iris_with_three_classes_and_a_scheduler() -> None:
    project = Project.load(resource("examples", "iris_mlp.guinet"))
    project.set_value("training.scheduler", {"type": "OneCycleLR", "max_lr": 0.05})
    project.set_value("training.device", "cpu")
    result = fit_project(project, epochs=25)
    assert result.test["accuracy"] >= 0.85
    assert max(result.history["lr"]) <= 0.05  # type: ignore[type-var]


def test_the_data_shape_wins_and_the_project_is_left_alone() -> None:
    project = make_project(mlp(), epochs=1)
    project.model.set_input_shape((5,))
    run = prepare_run(project)
    assert run.model_spec.input_shape == (2,)
    assert project.model.input_shape == (5,)
    assert any("replaced by the data's (2,)" in note for note in run.notes)


def test_epochs_and_device_can_be_overridden() -> None:
    recorder = Recorder()
    result = fit_project(
        make_project(mlp(), epochs=9), epochs=2, device="auto", callbacks=[recorder]
    )
    assert result.epochs_run == 2 and recorder.names.count("on_epoch_end") == 2
    assert result.device == str(resolve_device("auto"))


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"data": None}, TrainingError, "the project has no data yet"),
        (
            {"data": {"source": {"kind": "builtin", "name": "moonz"}}},
            DataError,
            "moonz",
        ),
        ({"layers": mlp(outputs=3)}, CompatibilityError, "the data has 2 classes"),
        (
            {"layers": [{"type": "Conv2d", "out_channels": 2}]},
            ModelError,
            "layer 1 \\(Conv2d\\)",
        ),
        ({"training": {"optimizer": {"type": "Adamm"}}}, TrainingError, "Adam"),
    ],
)
def test_bad_input_raises_one_clear_error(
    change: dict[str, object], error: type[Exception], message: str
) -> None:
    project = make_project(mlp())
    if "data" in change:
        project.set_data(change["data"])  # type: ignore[arg-type]
    if "layers" in change:
        project = make_project(change["layers"])  # type: ignore[arg-type]
    if "training" in change:
        for key, value in change["training"].items():  # type: ignore[attr-defined]
            project.set_value(f"training.{key}", value)
    with pytest.raises(error, match=message):
        prepare_run(project)


def test_devices_list_the_cpu_and_auto_resolves() -> None:
    devices = available_devices()
    assert devices[-1].key == "cpu" and "CPU" in devices[-1].name
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type in {"cuda", "mps", "cpu"}
    with pytest.raises(DeviceError, match="unknown device"):
        resolve_device("tpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_asking_for_cuda_without_it_says_what_to_use() -> None:
    with pytest.raises(DeviceError, match="use device cpu or auto"):
        prepare_run(make_project(mlp()), device="cuda")


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_training_on_cuda_matches_the_cpu_in_quality() -> None:
    result = fit_project(make_project(mlp(), epochs=15, device="cuda"))
    assert result.device.startswith("cuda")
    assert result.test["accuracy"] >= 0.85
    assert all(math.isfinite(v) for v in result.history["loss"])  # type: ignore[arg-type]
    assert next(result.model.parameters()).device.type == "cuda"


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_optimizers_are_fused() -> None:
    run = prepare_run(make_project(mlp(), device="cuda"))
    assert run.trainer.optimizer.defaults.get("fused") is True


def test_a_project_run_resumes_from_the_trainer_state() -> None:
    project = make_project(mlp(), epochs=4)
    project.set_value(
        "training.scheduler", {"type": "StepLR", "step_size": 1, "gamma": 0.5}
    )
    whole = prepare_run(project).fit()
    first = prepare_run(project, epochs=2)
    first.fit()
    state = first.trainer.state_dict()
    second = prepare_run(project)
    second.trainer.load_state_dict(state)
    resumed = second.fit()
    assert resumed.epochs_run == 4
    assert resumed.history["loss"] == whole.history["loss"]
    assert resumed.history["lr"] == whole.history["lr"]
    assert resumed.test == whole.test
