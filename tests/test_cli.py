"""The ``guinet`` command's routing: subcommands, projects, bundled examples.

An argument that is neither a subcommand nor a project is an argparse error
(exit 2) naming the subcommands, before ``--help`` or the window; a bundled
example's name works wherever a project path does; a real file wins.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from guinet import cli
from guinet._resources import example_projects, example_title, find_example

ROOT = Path(__file__).resolve().parent.parent
IRIS_TITLE = "Iris flowers — three classes from four measurements"


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, bool]]:
    """Stands in for the window: records what ``guinet [PROJECT]`` would open."""
    from guinet.gui import app, platform_check

    calls: list[tuple[object, bool]] = []

    def run(project: object = None, example: bool = False) -> int:
        calls.append((project, example))
        return 0

    monkeypatch.setattr(app, "run", run)
    monkeypatch.setattr(platform_check, "platform_problem", lambda: None)
    return calls


@pytest.mark.parametrize(
    "argv",
    [["deploy", "--help"], ["sweep", "--help"], ["sweep"], ["no-such.guinet"]],
    ids=["deploy-help", "sweep-help", "sweep", "missing-file"],
)
def test_an_unknown_word_is_a_cli_error_naming_the_subcommands(
    argv: list[str],
    capsys: pytest.CaptureFixture[str],
    opened: list[tuple[object, bool]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        cli.main(argv)
    assert stop.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""  # not the general help
    assert err.startswith("usage: guinet")
    last = err.splitlines()[-1]
    assert last.startswith(f"guinet: error: '{argv[0]}' is neither a subcommand")
    for name in ("summary", "train", "export", "examples"):
        assert name in last
    assert opened == []  # no window


def test_help_says_how_to_list_the_examples(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as stop:
        cli.main(["--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert "guinet examples" in out
    for name in ("summary", "train", "export", "examples"):
        assert f"  {name}  " in out or f"  {name} " in out
    with pytest.raises(SystemExit):
        cli.main(["summary", "--help"])
    assert "guinet examples lists them" in " ".join(capsys.readouterr().out.split())


def test_examples_lists_each_name_and_title(capsys: pytest.CaptureFixture[str]):
    assert cli.main(["examples"]) == 0
    rows = [line.split(None, 1) for line in capsys.readouterr().out.splitlines()]
    assert rows == [[p.stem, example_title(p)] for p in example_projects()]
    assert ["iris_mlp", IRIS_TITLE] in rows


def test_summary_finds_a_bundled_example_by_name(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("iris_mlp", "iris_mlp.guinet"):
        assert cli.main(["summary", name]) == 0
        out, err = capsys.readouterr()
        assert err == ""
        assert f'Model: "{IRIS_TITLE}"' in out
        assert "Total params: 131" in out


def test_a_real_file_wins_over_an_example_name(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("iris_mlp").write_text(
        json.dumps(
            {
                "guinet": 1,
                "name": "mine",
                "model": {"input_shape": [2], "layers": [{"type": "ReLU"}]},
            }
        ),
        encoding="utf-8",
    )
    assert cli.main(["summary", "iris_mlp"]) == 0
    assert 'Model: "mine"' in capsys.readouterr().out


def test_an_example_keeps_its_weights_in_one_folder_outside_the_install(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`guinet train moons_mlp` then `guinet evaluate moons_mlp`: the second
    finds the first's weights (the folder is the example's, not a new copy's),
    and nothing is written into the install."""
    from guinet.core.training.folders import checkpoint_folder

    monkeypatch.setenv("GUINET_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    example = find_example("moons_mlp")
    assert example is not None
    shipped = sorted(p.name for p in example.parent.iterdir())
    project = cli.load_project("moons_mlp")
    assert project.name == "Two moons — a five-layer MLP"
    folder, note = checkpoint_folder(project)
    assert folder == tmp_path / "data" / "checkpoints" / "moons_mlp"
    assert note is not None and "shipped example" in note
    assert checkpoint_folder(cli.load_project("moons_mlp"))[0] == folder
    assert cli.main(["train", "moons_mlp", "--epochs", "2", "--device", "cpu"]) == 0
    assert cli.main(["evaluate", "moons_mlp", "--json"]) == 0
    out = capsys.readouterr().out
    assert str(folder) in out
    # the examples' folder holds what ships (projects, a CSV) and nothing more
    assert sorted(p.name for p in example.parent.iterdir()) == shipped
    assert all(p.suffix in (".guinet", ".csv") for p in example.parent.iterdir())


def test_train_takes_an_example_name(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(["train", "iris_mlp", "--epochs", "1", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Training {IRIS_TITLE} on cpu")
    assert "epoch 1/1" in out
    examples = find_example("iris_mlp")
    assert examples is not None
    assert not (examples.parent / "checkpoints").exists()


def test_the_window_opens_an_example_by_name_and_a_file_by_path(
    opened: list[tuple[object, bool]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(["moons_mlp"]) == 0
    assert opened == [(find_example("moons_mlp"), True)]
    Path("mine.guinet").write_text('{"guinet": 1}', encoding="utf-8")
    assert cli.main(["mine.guinet"]) == 0
    assert opened[-1] == (Path("mine.guinet"), False)
    assert cli.main([]) == 0
    assert opened[-1] == (None, False)


def test_a_platform_problem_is_one_line_and_exit_1(
    opened: list[tuple[object, bool]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from guinet.gui import platform_check

    monkeypatch.setattr(platform_check, "platform_problem", lambda: "no display")
    assert cli.main([]) == 1
    assert capsys.readouterr().err == "guinet: no display\n"
    assert opened == []


def test_an_unknown_subcommands_help_in_a_real_process_is_exit_2(
    tmp_path: Path,
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "guinet", "sweep", "--help"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"},
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "'sweep' is neither a subcommand (summary, train, " in result.stderr


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """`guinet summary big.guinet | head -1`: no BrokenPipeError traceback."""
    layers = [{"type": "Linear", "out_features": 4}, {"type": "ReLU"}] * 1500
    project = tmp_path / "long.guinet"
    project.write_text(
        json.dumps({"guinet": 1, "model": {"input_shape": [4], "layers": layers}}),
        encoding="utf-8",
    )
    guinet = subprocess.Popen(
        [sys.executable, "-m", "guinet", "summary", str(project)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert guinet.stdout is not None and guinet.stderr is not None
    first = guinet.stdout.readline()
    guinet.stdout.close()  # what head does after its line
    err = guinet.stderr.read().decode()
    guinet.stderr.close()
    assert guinet.wait(timeout=60) == 0, err
    assert first.startswith(b'Model: "long"')
    assert "Traceback" not in err and "BrokenPipe" not in err
