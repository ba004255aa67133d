"""Import boundaries: the core never loads Qt, and listing layers never loads torch.

Each check runs in a fresh interpreter, because this test process has
long since imported torch (and maybe Qt) for other tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import guinet
from guinet._resources import example_projects, resource, resources_dir

REPO = Path(guinet.__file__).resolve().parent.parent


def modules_after(code: str) -> set[str]:
    """The top-level package names in ``sys.modules`` after running ``code``."""
    script = (
        f"{code}\nimport json, sys\n"
        "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_the_core_and_the_command_line_never_import_qt() -> None:
    loaded = modules_after(
        "import guinet.core, guinet.core.model, guinet.core.project, "
        "guinet.core.layers, guinet.core.summary, guinet.core.params, "
        "guinet.core.fileio, guinet.cli\n"
        "from guinet.core.project import Project\n"
        "from guinet._resources import resource\n"
        # Using the core (which loads torch) must not pull Qt in either.
        "Project.load(resource('examples', 'digits_cnn.guinet')).model.build()\n"
        "guinet.cli.main(['summary', str(resource('examples', 'iris_mlp.guinet'))])"
    )
    assert "torch" in loaded  # the script really used the core
    assert not loaded & {"PySide6", "shiboken6", "pyqtgraph", "PyQt5", "PyQt6"}


@pytest.mark.parametrize(
    "module",
    [
        "guinet.core.layers",
        "guinet.core.project",
        "guinet.core.model",
        "guinet.core.export",
        "guinet.core.history",  # the Runs page reads the history before torch
        "guinet.core.history_recorder",
        "guinet.cli",
    ],
)
def test_importing_does_not_import_torch(module: str) -> None:
    loaded = modules_after(
        f"import {module}\n"
        # Reading the catalogue and a project file must stay torch-free too.
        "from guinet.core.layers import LAYERS\n"
        "from guinet.core.project import Project\n"
        "from guinet._resources import example_projects\n"
        "[t.params for t in LAYERS.values()]\n"
        "[Project.load(p).to_dict() for p in example_projects()]"
    )
    assert "guinet" in loaded
    assert "torch" not in loaded


# -- shipped resources -------------------------------------------------------------
def test_resources_dir_finds_the_stylesheet_and_the_examples() -> None:
    folder = resources_dir()
    assert folder.is_dir()
    assert (folder / "style.qss").is_file()
    assert resource("style.qss") == folder / "style.qss"
    assert resource("style.qss").read_text(encoding="utf-8").strip()
    examples = example_projects()
    assert {p.name for p in examples} >= {
        "digits_cnn.guinet",
        "iris_mlp.guinet",
        "moons_mlp.guinet",
    }
    assert all(p.parent == folder / "examples" for p in examples)
    assert examples == sorted(examples)
