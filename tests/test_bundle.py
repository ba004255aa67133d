"""The stand-alone app that packaging/build.py makes with PyInstaller.

Builds the one-folder bundle (or reuses a fresh one: packaging/build.py stamps
it with a digest of its sources) and starts the built program the way a
person or a packager would: offscreen, it opens a bundled example in the
window and trains one epoch from the Train page (``guinet --self-test``); the
command line trains and exports ONNX from the same folder.

Building takes minutes, so the test runs only when the bundle is already
fresh or when GUINET_TEST_BUNDLE=1 asks for the build. .ci/run builds it in
the background while the other tests run, then runs this file with
GUINET_TEST_BUNDLE=1.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
from pathlib import Path
from types import ModuleType

import pytest

import guinet

ROOT = Path(__file__).resolve().parent.parent
RUN_ENV = "GUINET_TEST_BUNDLE"

pytestmark = pytest.mark.slow


def load_build() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "guinet_build", ROOT / "packaging" / "build.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def app() -> Path:
    build = load_build()
    if not build.is_fresh() and os.environ.get(RUN_ENV) != "1":
        pytest.skip(
            f"no fresh bundle in {build.app_dir()}, and building one takes "
            f"minutes: set {RUN_ENV}=1 (or run python packaging/build.py first)"
        )
    return build.build()  # reuses the fresh bundle, else builds it


def run_app(
    app: Path, tmp_path: Path, *args: str, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTHON", "GUINET_", "XDG_"))
    }
    env.update(
        QT_QPA_PLATFORM="offscreen",
        HOME=str(tmp_path / "home"),  # settings, recent files: not the user's
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        GUINET_DATA_DIR=str(tmp_path / "data"),  # checkpoints and run history
    )
    return subprocess.run(
        [str(app), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_bundle_is_built_from_this_checkout(app: Path) -> None:
    build = load_build()
    assert app == build.executable()
    assert (build.app_dir() / build.STAMP).read_text().strip() == build.source_digest()
    # what the spec leaves out stays out
    assert not list(build.app_dir().rglob("PySide6/Qt/translations/*.qm"))
    assert not list(build.app_dir().rglob("libQt6Quick*"))
    assert not list(build.app_dir().rglob("onnxruntime"))


def test_built_app_opens_an_example_and_trains_one_epoch(
    app: Path, tmp_path: Path
) -> None:
    version = run_app(app, tmp_path, "--version")
    assert version.stdout.strip() == f"guinet {guinet.__version__}", version.stderr

    result = run_app(app, tmp_path, "--self-test", "moons_mlp")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "self-test: 'Two moons" in result.stdout
    assert "(1 epoch(s)," in result.stdout
    assert "Traceback" not in result.stderr


def test_built_command_line_trains_and_exports_onnx(app: Path, tmp_path: Path) -> None:
    trained = run_app(app, tmp_path, "train", "iris_mlp", "--epochs", "1", "--json")
    assert trained.returncode == 0, trained.stderr
    summary = json.loads(trained.stdout.strip().splitlines()[-1])
    assert summary["epochs_run"] == 1 and summary["device"] == "cpu"

    onnx = tmp_path / "iris.onnx"
    exported = run_app(
        app, tmp_path, "export", "iris_mlp", "--format", "onnx", "--output", str(onnx)
    )
    assert exported.returncode == 0, exported.stderr
    assert onnx.stat().st_size > 0
    assert (tmp_path / "iris.preprocessing.json").is_file()


def test_built_command_line_searches_with_a_shared_database(
    app: Path, tmp_path: Path
) -> None:
    """``guinet tune --storage``: Optuna's database storage runs alembic's
    migration scripts, files the bundle must carry beside the code."""
    raw = json.loads(
        (ROOT / "resources" / "examples" / "iris_mlp.guinet").read_text("utf-8")
    )
    raw["training"]["epochs"] = 2
    raw["search"] = {
        "sampler": "random",
        "pruner": False,
        "space": [{"param": "training.optimizer.lr", "log": [0.001, 0.1]}],
    }
    project = tmp_path / "iris_search.guinet"
    project.write_text(json.dumps(raw), encoding="utf-8")
    database = tmp_path / "study.db"
    args = ["tune", str(project), "--trials", "2", "--json"]
    args += ["--storage", f"sqlite:///{database}"]
    tuned = run_app(app, tmp_path, *args)
    assert tuned.returncode == 0, tuned.stdout + tuned.stderr
    summary = json.loads(tuned.stdout.strip().splitlines()[-1])
    assert [t["state"] for t in summary["trials"]] == ["complete", "complete"]
    assert database.stat().st_size > 0
