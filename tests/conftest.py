"""Shared test settings: offscreen Qt, no leftover threads, no stray files."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYTHONHASHSEED", "0")

ROOT = Path(__file__).resolve().parent.parent


def _tree_files() -> set[Path]:
    ignored = {
        ".git",
        ".venv",
        ".venv-ci",
        ".hypothesis",
        ".pytest_cache",
        "__pycache__",
        ".mypy_cache",
        ".ruff_cache",
        "dist",
        "build",
    }
    found = set()
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [
            d for d in dirnames if d not in ignored and not d.endswith(".egg-info")
        ]
        found.update(Path(dirpath, name) for name in filenames)
    return found


@pytest.fixture(scope="session", autouse=True)
def _user_data_in_tmp(tmp_path_factory):
    """guinet's user data folder (checkpoints of unsaved projects and examples)
    is a temporary one, never the person's."""
    folder = tmp_path_factory.mktemp("user-data")
    old = os.environ.get("GUINET_DATA_DIR")
    os.environ["GUINET_DATA_DIR"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("GUINET_DATA_DIR", None)
    else:
        os.environ["GUINET_DATA_DIR"] = old


@pytest.fixture(scope="session", autouse=True)
def _no_artifacts_left_in_the_tree():
    """Tests write under tmp_path only; a file left in the checkout fails the run."""
    before = _tree_files()
    yield
    left = sorted(str(p.relative_to(ROOT)) for p in _tree_files() - before)
    assert not left, f"tests left files in the source tree: {left}"


@pytest.fixture(autouse=True)
def _no_dangling_threads():
    """A test must stop every thread it starts (training workers, loaders)."""
    before = set(threading.enumerate())
    yield
    leftover = [
        t
        for t in threading.enumerate()
        if t not in before
        and t.is_alive()
        # Python's stand-in for a thread it did not start (a QThread running
        # Python code); the GUI tests check QThreads themselves.
        and not isinstance(t, threading._DummyThread)
    ]
    for thread in leftover:
        thread.join(timeout=5)
    still = [t.name for t in leftover if t.is_alive()]
    assert not still, f"threads still running after the test: {still}"
