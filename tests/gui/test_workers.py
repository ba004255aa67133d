"""The one worker base: every abort path, through data loading, training and
the torch import.

Work functions block on events the test controls; the GUI thread only ever
waits on signals. The autouse check in conftest.py sees every thread here (the
controllers are children of the application), so a test that leaves one
running fails.
"""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
import shiboken6
from PySide6.QtCore import QObject, QThread

from guinet._resources import resource
from guinet.gui import torch_loader, workers
from guinet.gui.tasks import BackgroundTask
from guinet.gui.torch_loader import TorchLoader
from guinet.gui.training_worker import TrainingRunner


@pytest.fixture
def owner(qapp):
    """Parent of the controllers under test, a child of the application."""
    parent = QObject(qapp)
    yield parent
    if not any(t.isRunning() for t in parent.findChildren(QThread)):
        shiboken6.delete(parent)  # never a running thread: the check reports it


def record(task: BackgroundTask) -> list[tuple[str, object]]:
    """Everything the task delivers, in order."""
    seen: list[tuple[str, object]] = []
    task.succeeded.connect(lambda result: seen.append(("succeeded", result)))
    task.failed.connect(lambda error: seen.append(("failed", error)))
    return seen


def thread_gone(qtbot, thread: QThread) -> None:
    qtbot.waitUntil(lambda: not shiboken6.isValid(thread), timeout=5_000)


def test_cancel_during_data_loading_delivers_nothing_and_the_thread_ends(qtbot, owner):
    task = BackgroundTask("guinet-test-data", owner)
    seen = record(task)
    entered, idle = threading.Event(), threading.Event()

    def load(progress, cancelled):
        progress(0.1, "Reading…")
        entered.set()
        while not cancelled():  # a loader that polls its flag
            idle.wait(0.005)
        return "data"  # a result the GUI must never see

    task.start(load)
    thread = task.worker_thread
    assert task.running and thread is not None and thread.isRunning()
    qtbot.waitUntil(entered.is_set, timeout=5_000)

    with qtbot.waitSignal(task.running_changed, timeout=5_000) as ended:
        task.cancel()
        assert task.running  # until its thread has ended
    assert ended.args == [False]
    assert not task.running and task.worker_thread is None
    assert seen == []
    thread_gone(qtbot, thread)


def test_stop_during_training_waits_for_the_thread(qtbot, owner, tmp_path):
    from guinet.core.project import Project

    project = Project.load(resource("examples", "moons_mlp.guinet"))
    project.path = tmp_path / "moons.guinet"  # its checkpoints go to tmp_path
    # no early stop: the run must still be going when the first epoch's signal
    # arrives, which on a busy machine may be long after the epoch ended
    project.set_training(project.training.with_value("early_stopping.enabled", False))
    runner = TrainingRunner(owner)
    epochs: list[dict] = []
    finished: list[dict] = []
    runner.epoch_finished.connect(lambda logs, status: epochs.append(logs))
    runner.training_finished.connect(finished.append)
    with qtbot.waitSignal(runner.epoch_finished, timeout=30_000):
        runner.start(project, epochs=2000, device="cpu")
    thread = runner.worker_thread
    assert thread is not None

    with qtbot.waitSignal(runner.run_ended, timeout=1_000):
        assert runner.abort(timeout_ms=30_000)
    assert thread.isFinished()  # waited for, not left to end on its own
    assert not runner.running and runner.worker_thread is None
    assert runner.job is not None and runner.job.control.stop_requested

    seen = len(epochs)
    thread_gone(qtbot, thread)  # what the run sent before it ended is delivered now
    assert len(epochs) == seen and finished == []  # and dropped: it was abandoned


def test_a_stale_runs_result_never_reaches_the_next_run(qtbot, owner):
    task = BackgroundTask("guinet-test-data", owner)
    seen = record(task)
    entered, release = threading.Event(), threading.Event()

    def old(progress, cancelled):
        entered.set()
        release.wait(5)  # does not look at the flag
        return "old"

    def new(progress, cancelled):
        return "new"

    task.start(old)
    first = task.worker_thread
    qtbot.waitUntil(entered.is_set, timeout=5_000)
    release.set()
    # start() waits for the old run, whose result is then queued, undelivered
    with qtbot.waitSignal(task.succeeded, timeout=5_000):
        task.start(new)
        assert first is not None and first.isFinished()
    qtbot.waitUntil(lambda: not task.running, timeout=5_000)
    assert seen == [("succeeded", "new")]


def test_a_thread_that_outlives_stop_is_kept_until_it_ends(qtbot, owner):
    task = BackgroundTask("guinet-test-stubborn", owner)
    seen = record(task)
    entered, release = threading.Event(), threading.Event()

    def stubborn(progress, cancelled):
        entered.set()
        release.wait(10)  # ignores the cancel flag for a moment
        return "late"

    task.start(stubborn)
    thread = task.worker_thread
    qtbot.waitUntil(entered.is_set, timeout=5_000)

    with qtbot.waitSignal(task.running_changed, timeout=1_000) as ended:
        assert task.stop(timeout_ms=50) is False
    assert ended.args == [False]
    assert not task.running  # the controller is free for the next run
    assert workers.left_running() == [thread]
    assert thread.isRunning()

    def quick(progress, cancelled):
        return "next"

    with qtbot.waitSignal(task.succeeded, timeout=5_000):
        task.start(quick)
    qtbot.waitUntil(lambda: not task.running, timeout=5_000)
    shiboken6.delete(task)  # its owner goes (the window closed) …
    assert shiboken6.isValid(thread) and thread.isRunning()  # … the thread stays

    release.set()
    thread_gone(qtbot, thread)
    assert workers.left_running() == []
    assert seen == [("succeeded", "next")]


FIRST_ANALYSIS = """
import sys
from guinet._resources import resource
from guinet.core.project import Project
from guinet.gui import torch_loader

torch_loader.load_now()
before = set(sys.modules)
Project.load(resource("examples", "digits_cnn.guinet")).model.analyze()
print(sorted(m for m in set(sys.modules) - before if m.startswith(("torch", "sympy"))))
"""


def test_the_designers_first_shape_analysis_imports_nothing_heavy():
    """The loader also imports what torch's meta-device decompositions import
    on first use (torch._dynamo, 1.5-2 s): the designer's first analysis runs
    on the GUI thread and must not freeze the window that long."""
    done = subprocess.run(
        [sys.executable, "-c", FIRST_ANALYSIS],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.strip() == "[]", done.stdout


def test_the_torch_loader_reports_loaded(qtbot, owner, monkeypatch):
    monkeypatch.setattr(torch_loader, "_ready", threading.Event())
    monkeypatch.setattr(torch_loader, "_error", [])
    loader = TorchLoader(owner)
    with qtbot.waitSignal(loader.loaded, timeout=30_000):
        loader.start()
        assert loader.running  # the import runs in its thread
    assert torch_loader.is_ready() and torch_loader.error() is None
    qtbot.waitUntil(lambda: not loader.running, timeout=5_000)

    with qtbot.waitSignal(loader.loaded, timeout=1_000):
        loader.start()  # already loaded: says so at once, no thread
    assert not loader.running
    assert loader.wait(5)  # closing with nothing to wait for
