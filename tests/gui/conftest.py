"""GUI test fixtures: a settings file in tmp, torch loaded, a fresh window."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QEvent, QSettings, QThread  # noqa: E402
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox  # noqa: E402

from guinet.gui import torch_loader  # noqa: E402

torch_loader.load_now()


@pytest.fixture(scope="session")
def qapp_cls():
    return QApplication


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory):
    """Recent files and window state go to a temporary folder, never the
    user's, and a fresh one per test: a window one test closes (and whose
    geometry and splitter sizes it remembers) never shapes the next test's."""
    folder = tmp_path_factory.mktemp("settings")
    QSettings.setPath(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder)
    )
    yield folder


def _all_qthreads(qapp) -> list[QThread]:
    threads = list(qapp.findChildren(QThread))
    for widget in QApplication.topLevelWidgets():
        threads += widget.findChildren(QThread)
    return threads


@pytest.fixture(autouse=True)
def _no_running_qthreads(qapp):
    """No test may leave a QThread running (napari's dangling-thread check)."""
    yield
    running = [t.objectName() for t in _all_qthreads(qapp) if t.isRunning()]
    assert not running, f"QThreads still running after the test: {running}"


class Dialogs:
    """Stands in for QMessageBox and QFileDialog: records each, answers from a queue.

    A dialog the test did not expect fails the test instead of blocking it.
    """

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.answers: list[object] = []

    def _answer(self, kind: str, text: str) -> object:
        self.calls.append((kind, text))
        if not self.answers:
            raise AssertionError(f"unexpected {kind} dialog: {text}")
        return self.answers.pop(0)

    def message(self, kind: str):
        def show(parent, title, text, *args, **kwargs):
            if kind in ("warning", "critical", "information"):
                self.calls.append((kind, text))
                return QMessageBox.StandardButton.Ok
            return self._answer(kind, text)

        return show

    def file(self, kind: str):
        def show(parent, caption="", directory="", filter="", *args, **kwargs):
            return self._answer(kind, caption), filter

        return show

    def texts(self, kind: str) -> list[str]:
        return [text for k, text in self.calls if k == kind]


@pytest.fixture(autouse=True)
def dialogs(monkeypatch):
    fake = Dialogs()
    for kind in ("question", "warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, kind, staticmethod(fake.message(kind)))
    for kind in ("getOpenFileName", "getSaveFileName"):
        monkeypatch.setattr(QFileDialog, kind, staticmethod(fake.file(kind)))
    return fake


@pytest.fixture
def window(qtbot, qapp):
    from guinet.gui.app import create_application
    from guinet.gui.main_window import MainWindow

    create_application()
    win = MainWindow()
    win.show()
    qtbot.waitExposed(win)
    yield win
    # an edit makes the Data page load again: let that end before closing,
    # so closing never has to cancel a load half-way
    if win.built:
        qtbot.waitUntil(lambda: not win.data_panel.busy, timeout=20_000)
    win.undo_stack.setClean()
    win.close()
    win.deleteLater()
    # really delete it now, or every later window's restyle visits it too
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
