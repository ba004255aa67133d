"""``guinet summary`` and the text table behind it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import guinet
from guinet._resources import example_projects, resource
from guinet.cli import main
from guinet.core.model import LayerSpec, ModelSpec
from guinet.core.summary import human_bytes, summary_table

REPO = Path(guinet.__file__).resolve().parent.parent
DIGITS = resource("examples", "digits_cnn.guinet")
BROKEN = {
    "guinet": 1,
    "name": "broken",
    "model": {
        "input_shape": [10],
        "layers": [
            {"type": "Linear", "out_features": 64},
            {"type": "Conv2d", "out_channels": 8},
            {"type": "ReLU"},
        ],
    },
}


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "guinet", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )


def write(path: Path, raw: Any) -> Path:
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


# -- the table -----------------------------------------------------------------------
def test_table_lists_every_layer_with_shapes_and_counts() -> None:
    model = ModelSpec(
        [
            LayerSpec("Linear", {"out_features": 12}),
            LayerSpec("ReLU"),
            LayerSpec("Linear", {"out_features": 8}),
            LayerSpec("ReLU"),
            LayerSpec("Linear", {"out_features": 1}),
            LayerSpec("Sigmoid"),
        ],
        (8,),
    )
    lines = summary_table(model, "pima").splitlines()
    assert lines[0] == 'Model: "pima"'
    assert lines[2].split() == [
        "#",
        "Layer",
        "Arguments",
        "Output",
        "shape",
        "Param",
        "#",
    ]
    rows = [line.split() for line in lines[4:11]]
    assert rows == [
        ["Input", "(8,)"],
        ["1", "Linear", "out_features=12", "(12,)", "108"],
        ["2", "ReLU", "(12,)", "0"],
        ["3", "Linear", "out_features=8", "(8,)", "104"],
        ["4", "ReLU", "(8,)", "0"],
        ["5", "Linear", "out_features=1", "(1,)", "9"],
        ["6", "Sigmoid", "(1,)", "0"],
    ]
    assert "Total params: 221 (884 B)" in lines
    assert "Trainable params: 221 (884 B)" in lines
    assert "Non-trainable params: 0 (0 B)" in lines
    assert lines[-1] == "Output shape: (1,)"
    assert not any("✗" in line for line in lines)
    # The rules are as wide as the widest row.
    assert len(lines[1]) >= max(len(line) for line in lines[2:11])


def test_table_shows_problems_under_their_layer() -> None:
    model = ModelSpec.from_dict(BROKEN["model"])
    lines = summary_table(model).splitlines()
    assert not lines[0].startswith("Model:")
    conv = next(i for i, line in enumerate(lines) if " Conv2d " in line)
    assert lines[conv].split()[-2:] == ["?", "?"]
    assert lines[conv + 1].strip().startswith("✗ Conv2d needs input shaped")
    relu = next(line for line in lines if " ReLU " in line)
    assert relu.split()[-2:] == ["?", "?"]
    assert lines[-1] == "Output shape: ?"


def test_table_without_an_input_shape_says_what_to_do() -> None:
    lines = summary_table(ModelSpec([LayerSpec("ReLU")])).splitlines()
    assert (
        lines[-1]
        == "✗ Set the input shape, or load data, to see shapes and parameter counts."
    )


def test_table_reports_buffers() -> None:
    model = ModelSpec([LayerSpec("BatchNorm1d")], (4,))
    text = summary_table(model)
    assert "Total params: 8 (32 B)" in text
    assert "Buffers (running statistics): 40 B" in text  # mean, var, count


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1.00 KB"),
        (1536, "1.50 KB"),
        (5 * 1024**2, "5.00 MB"),
        (3 * 1024**3, "3.00 GB"),
        (2048 * 1024**3, "2048.00 GB"),
    ],
)
def test_human_bytes(size: int, text: str) -> None:
    assert human_bytes(size) == text


# -- the command -----------------------------------------------------------------------
def test_summary_of_an_example_in_a_real_process(tmp_path: Path) -> None:
    result = run_cli("summary", str(DIGITS), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    out = result.stdout
    assert 'Model: "Handwritten digits — a small CNN"' in out
    for row in [
        [
            "1",
            "Conv2d",
            "out_channels=16,",
            "kernel_size=3,",
            "padding=1",
            "(16, 8, 8)",
        ],
        ["4", "MaxPool2d", "kernel_size=2", "(16, 4, 4)"],
        ["10", "Linear", "out_features=10", "(10,)"],
    ]:
        assert any(
            " ".join(row) in " ".join(line.split()) for line in out.splitlines()
        ), row
    assert "Total params: 5,162" in out
    assert "Output shape: (10,)" in out
    assert list(tmp_path.iterdir()) == []


def test_a_bad_file_in_a_real_process_is_one_line_no_traceback(tmp_path: Path) -> None:
    (tmp_path / "bad.guinet").write_text("{not json", encoding="utf-8")
    result = run_cli("summary", "bad.guinet", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "guinet: bad.guinet is not valid JSON (line 1, column 2: "
        "Expecting property name enclosed in double quotes)"
    ]


@pytest.mark.parametrize("example", example_projects(), ids=lambda p: p.stem)
def test_summary_of_each_example(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["summary", str(example)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    raw = json.loads(example.read_text(encoding="utf-8"))
    assert f'Model: "{raw["name"]}"' in out
    layer_lines = [line.split() for line in out.splitlines() if line.split()[:1] != []]
    for number, layer in enumerate(raw["model"]["layers"], start=1):
        assert any(cells[:2] == [str(number), layer["type"]] for cells in layer_lines)
    assert "Total params: " in out


def test_summary_of_an_invalid_project_exits_1_naming_the_layer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "broken.guinet", BROKEN)
    assert main(["summary", str(path)]) == 1
    out, err = capsys.readouterr()
    assert "✗ Conv2d needs input shaped" in out
    assert err.splitlines() == [
        "guinet: broken.guinet: layer 2 (Conv2d): Conv2d needs input shaped "
        "(channels, height, width); it gets (64,) — "
        "add Unflatten before it or use Linear"
    ]


def test_summary_without_an_input_shape_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path / "p.guinet", {"guinet": 1, "model": {"layers": [{"type": "ReLU"}]}}
    )
    assert main(["summary", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "guinet: p.guinet: Set the input shape, or load data, to see shapes and "
        "parameter counts."
    ]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "no such file"),
        (b"\x00\xff\xfe", "is not a guinet project (it is not text)"),
        (b"[]", "is not a guinet project"),
        (b'{"guinet": 2}', "newer guinet"),
        (
            b'{"guinet": 1, "model": {"layers": [{"type": "Dense"}]}}',
            "did you mean 'Linear'?",
        ),
    ],
)
def test_summary_of_a_bad_file_exits_2_with_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: bytes | None,
    words: str,
) -> None:
    path = tmp_path / "p.guinet"
    if content is not None:
        path.write_bytes(content)
    assert main(["summary", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("guinet: ")
    assert words in lines[0]
    assert "Traceback" not in err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"guinet {guinet.__version__}"


def test_summary_needs_a_project(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["summary"])
    assert stop.value.code == 2
    assert "PROJECT" in capsys.readouterr().err


def test_summary_takes_the_input_shape_from_the_data(tmp_path, capsys):
    """A project without model.input_shape gets it from its data, as in the window."""
    import json

    from guinet import cli

    path = tmp_path / "iris.guinet"
    path.write_text(
        json.dumps(
            {
                "guinet": 1,
                "data": {"source": {"kind": "builtin", "name": "iris"}, "target": -1},
                "model": {"layers": [{"type": "Linear", "out_features": 3}]},
            }
        )
    )
    assert cli.main(["summary", str(path)]) == 0
    out = capsys.readouterr().out
    assert "(4,)" in out and "15" in out  # 4 inputs × 3 + 3
