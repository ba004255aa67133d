"""``guinet export PROJECT --format FMT --output PATH [--checkpoint CKPT]``."""

from __future__ import annotations

import importlib.util
import json
import warnings
from pathlib import Path

import pytest
import torch

from guinet import cli
from guinet.core.export import EXPORTERS
from tests.core.test_export import moons_project, train


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved, trained project file."""
    project = moons_project(tmp_path_factory.mktemp("cli-export"), epochs=2)
    train(project)
    assert project.path is not None
    return project.path


def test_help_lists_every_format_with_its_title(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as stop:
        cli.main(["export", "--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert "--format FORMAT" in out and "--checkpoint CKPT" in out
    for key, declared in EXPORTERS.items():
        assert f"  {key}" in out and declared.label in out
    assert 'onnx         ONNX (needs pip install "guinet[onnx]")' in out


def test_export_writes_the_model_and_its_json(
    trained: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "moons.pt"
    code = cli.main(
        ["export", str(trained), "--format", "torchscript", "--output", str(out)]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.splitlines() == [
        f"wrote {out} (TorchScript)",
        f"wrote {tmp_path / 'moons.preprocessing.json'} (the preprocessing)",
    ]
    with warnings.catch_warnings():  # TorchScript is deprecated in torch 2.9+
        warnings.simplefilter("ignore", DeprecationWarning)
        model = torch.jit.load(out)
    assert model(torch.zeros(5, 2)).shape == (5, 2)
    info = json.loads((tmp_path / "moons.preprocessing.json").read_text("utf-8"))
    assert info["class_names"] == ["upper moon", "lower moon"]


def test_a_named_checkpoint_is_used(
    trained: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    last = trained.parent / "moons-checkpoints" / "last.ckpt"
    argv = ["export", str(trained), "--format", "weights", "--output"]
    assert cli.main([*argv, str(tmp_path / "w.pt"), "--checkpoint", str(last)]) == 0
    info = json.loads((tmp_path / "w.preprocessing.json").read_text("utf-8"))
    assert info["checkpoint"]["file"] == "last.ckpt"
    missing = tmp_path / "nowhere.ckpt"
    code = cli.main([*argv, str(tmp_path / "x.pt"), "--checkpoint", str(missing)])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("guinet: --checkpoint: ")
    assert err.count("\n") == 1 and "nowhere.ckpt" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--format", "tflite"], "argument --format: invalid choice: 'tflite'"),
        (["--format", "onnx"], "the following arguments are required: --output"),
    ],
)
def test_bad_arguments_are_usage_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        cli.main(["export", "moons_mlp", *argv])
    assert stop.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.skipif(
    importlib.util.find_spec("onnx") is None, reason='needs pip install "guinet[onnx]"'
)
def test_what_stops_an_export_is_one_line_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    untrained = moons_project(tmp_path)
    assert untrained.path is not None
    argv = ["export", str(untrained.path), "--format", "onnx", "--output"]
    assert cli.main([*argv, str(tmp_path / "m.onnx")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("guinet: moons.guinet: there are no trained weights")
    assert err.count("\n") == 1
    assert cli.main([*argv, str(tmp_path / "no" / "m.onnx")]) == 1
    assert "the folder" in capsys.readouterr().err
    assert not (tmp_path / "m.onnx").exists() and not (tmp_path / "no").exists()
    assert cli.main(["export", str(tmp_path / "none.guinet"), *argv[2:], "x"]) == 2


def test_python_export_needs_no_trained_weights(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A project never trained exports as a script (the script trains it)."""
    project = moons_project(tmp_path, epochs=2)
    assert project.path is not None
    out = tmp_path / "train_model.py"
    code = cli.main(
        ["export", str(project.path), "--format", "python", "--output", str(out)]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.splitlines() == [f"wrote {out} (Python script (PyTorch))"]
    compile(out.read_text("utf-8"), str(out), "exec")
