"""The Search page (issue 12): the search space edited as a table (each edit
one undo step), a search run in the background with its trials, plots and
best trial, stopped, and kept apart from Train — driven through the real
widgets."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from guinet.core.history import RunHistory
from guinet.core.project import Project
from guinet.gui.search_page import EMPTY_SPACE, SEARCH_RUNS, TRAINING_RUNS
from tests.core.training.helpers import make_project
from tests.gui.helpers import choose

CTRL = Qt.KeyboardModifier.ControlModifier
LEFT = Qt.MouseButton.LeftButton
LAYERS = [
    {"type": "Linear", "out_features": 8},
    {"type": "ReLU"},
    {"type": "Linear", "out_features": 2},
]
SPACE = [
    {"param": "training.optimizer.lr", "log": [0.001, 0.1]},
    {"param": "model.layers.0.out_features", "range": [4, 16]},
]


def saved_project(tmp_path: Path, search: dict | None = None, epochs: int = 3) -> Path:
    project = make_project(LAYERS, epochs=epochs)
    if search is not None:
        project.set_search(search)
    return project.save(tmp_path / "tiny.guinet")


def a_search(trials: int = 3) -> dict:
    return {
        "sampler": "random",
        "pruner": False,
        "trials": trials,
        "seed": 0,
        "space": [dict(entry) for entry in SPACE],
    }


@pytest.fixture
def page_of(window, qtbot):
    """``page_of(path)``: the Search page of the window on ``path``."""

    def open_page(path: Path):  # type: ignore[no-untyped-def]
        assert window.open_path(path, ask=False)
        page = window.search_page
        qtbot.keyClick(window, Qt.Key.Key_7, CTRL)  # Ctrl+7: the Search page
        assert window.tabs.currentWidget() is page
        return page

    yield open_page
    window.search_page.stop()


def undo(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    # the offscreen platform may leave a closed combo list as the active
    # window: the window gets its keys back as a click on it would
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_Z, CTRL)


def type_values(qtbot, page, row: int, text: str) -> None:  # type: ignore[no-untyped-def]
    """Double-click the Values cell of ``row``, type ``text``, press Enter."""
    table = page.space_table
    rect = table.visualItemRect(table.item(row, 2))
    qtbot.mouseClick(table.viewport(), LEFT, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), LEFT, pos=rect.center())
    editor = QApplication.focusWidget()
    assert editor is not None and editor is not table
    editor.selectAll()  # type: ignore[attr-defined]
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)


# -- the search space --------------------------------------------------------------
def test_add_edit_kind_remove_are_one_undo_step_each(window, page_of, qtbot, tmp_path):
    page = page_of(saved_project(tmp_path))
    project = window.project
    assert page.entries() == []
    assert not page.start_button.isEnabled()
    assert page.message.text() == EMPTY_SPACE
    stack = window.undo_stack

    # add: the learning rate, from the list built from the project
    names = [page.add_combo.itemData(i) for i in range(page.add_combo.count())]
    assert "model.layers.0.out_features" in names
    assert "model.layers.2.out_features" not in names  # the output size
    assert {"training.batch_size", "training.optimizer.type", "repeat.0-1"} <= set(
        names
    )
    choose(qtbot, page.add_combo, "training.optimizer.lr")
    qtbot.mouseClick(page.add_button, LEFT)
    assert stack.count() == 1
    assert project.search is not None
    assert page.entries() == [{"param": "training.optimizer.lr", "log": [0.001, 0.1]}]
    assert page.space_table.rowCount() == 1
    assert page.space_table.item(0, 2).text() == "0.001, 0.1"
    assert page.start_button.isEnabled(), page.problem
    undo(qtbot, window)
    assert project.search is None and page.space_table.rowCount() == 0
    qtbot.keyClick(window, Qt.Key.Key_Y, CTRL)  # redo
    assert page.space_table.rowCount() == 1

    # edit the values in place
    type_values(qtbot, page, 0, "0.0005, 0.05")
    qtbot.waitUntil(lambda: page.entries()[0].get("log") == [0.0005, 0.05])
    assert stack.count() == 2
    undo(qtbot, window)
    assert page.entries()[0]["log"] == [0.001, 0.1]
    assert page.space_table.item(0, 2).text() == "0.001, 0.1"

    # the kind: a log range becomes a plain range, one step
    choose(qtbot, page.space_table.cellWidget(0, 1), "range")
    assert page.entries() == [{"param": "training.optimizer.lr", "range": [0.001, 0.1]}]
    undo(qtbot, window)
    assert page.entries()[0] == {"param": "training.optimizer.lr", "log": [0.001, 0.1]}

    # remove
    page.space_table.selectRow(0)
    qtbot.mouseClick(page.remove_button, LEFT)
    assert page.entries() == []
    undo(qtbot, window)
    assert len(page.entries()) == 1

    # a study setting: one step too
    page.trials_spin.setValue(7)
    assert project.search.trials == 7
    undo(qtbot, window)
    assert project.search.trials == 20
    assert page.trials_spin.value() == 20


def test_a_bad_entry_says_why_and_start_stays_off(window, page_of, qtbot, tmp_path):
    page = page_of(saved_project(tmp_path, a_search()))
    assert page.start_button.isEnabled(), page.problem
    type_values(qtbot, page, 0, "0, 0.1")  # a log range from zero
    qtbot.waitUntil(lambda: page.message.isVisible())
    assert "log range must be above zero" in page.message.text()
    assert not page.start_button.isEnabled()
    assert page.start_button.toolTip() == page.message.text()
    type_values(qtbot, page, 1, "16, 4")  # an empty range
    undo(qtbot, window)
    undo(qtbot, window)
    qtbot.waitUntil(lambda: page.start_button.isEnabled())
    assert not page.message.isVisible()
    # a parameter the model does not have
    window.project.set_search(
        {"space": [{"param": "model.layers.9.out_features", "range": [4, 8]}]}
    )
    assert "the model has 3 layers" in page.message.text()
    assert not page.start_button.isEnabled()


# -- running ---------------------------------------------------------------------
def test_a_search_fills_the_table_plots_and_history(window, page_of, qtbot, tmp_path):
    path = saved_project(tmp_path, a_search(trials=3))
    page = page_of(path)
    train = window.training_panel.train_button
    assert train.isEnabled()
    qtbot.mouseClick(page.start_button, LEFT)
    assert page.is_searching
    # Train waits for the search, saying why; F5 starts nothing
    assert not train.isEnabled()
    assert train.toolTip() == SEARCH_RUNS
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert not window.training_panel.is_training
    window.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: not page.is_searching, timeout=120_000)
    assert train.isEnabled()

    rows = [page.rows[n] for n in sorted(page.rows)]
    assert [r.number for r in rows] == [0, 1, 2]
    assert all(r.state == "complete" and r.value is not None for r in rows)
    assert all(r.epochs == 3 and len(r.curve) == 3 for r in rows)
    table = page.trial_table
    assert table.rowCount() == 3
    best = min(rows, key=lambda r: r.value)
    assert page.best_table_row() == best.number
    assert table.item(best.number, 0).font().bold()
    assert table.item(best.number, 2).text() == f"{best.value:.4g}"
    assert len(page.parallel.lines) == 3
    assert len(page.scatter.points.data) == 3
    assert len(page.curves.lines) == 3
    page.plots.setCurrentWidget(page.scatter)
    choose(qtbot, page.scatter.param_combo, "model.layers.0.out_features")
    xs = sorted(page.scatter.points.data["x"])
    assert xs == sorted(float(r.params["model.layers.0.out_features"]) for r in rows)
    assert "Finished: 3 trials, 3 complete" in page.status.text()

    # every trial is a run in the history, and the Runs page shows them
    history = RunHistory.for_project(Project.load(path))
    runs = history.runs()
    history.close()
    assert sorted(r.trial for r in runs) == [0, 1, 2]
    assert {r.source for r in runs} == {"tune"}
    window.tabs.setCurrentWidget(window.runs_panel)
    qtbot.waitUntil(lambda: window.runs_panel.model.rowCount() == 3)

    # open the best trial as the project; Ctrl+Z puts the old settings back
    project = window.project
    assert project.training.optimizer.params["lr"] == 0.01
    window.tabs.setCurrentWidget(page)
    qtbot.mouseClick(page.best_button, LEFT)
    lr = best.params["training.optimizer.lr"]
    assert project.training.optimizer.params["lr"] == pytest.approx(lr)
    units = best.params["model.layers.0.out_features"]
    assert project.model.layers[0].params["out_features"] == units
    assert project.model.layers[0] is not None
    undo(qtbot, window)
    assert project.training.optimizer.params["lr"] == 0.01
    assert project.model.layers[0].params["out_features"] == 8


def test_stop_ends_the_search_and_the_page_stays_usable(
    window, page_of, qtbot, tmp_path
):
    page = page_of(saved_project(tmp_path, a_search(trials=50), epochs=200))
    qtbot.mouseClick(page.start_button, LEFT)
    qtbot.waitUntil(
        lambda: any(r.epochs >= 1 for r in page.rows.values()), timeout=60_000
    )
    assert page.stop_button.isEnabled()
    qtbot.mouseClick(page.stop_button, LEFT)
    qtbot.waitUntil(lambda: not page.is_searching, timeout=60_000)
    states = [page.rows[n].state for n in sorted(page.rows)]
    assert states[-1] == "stopped"
    assert len(states) < 50
    assert "Stopped" in page.status.text()
    assert page.start_button.isEnabled()
    assert not page.stop_button.isEnabled()
    assert window.training_panel.train_button.isEnabled()
    assert page.runner.worker_thread is None


def test_no_search_while_training(window, page_of, qtbot, tmp_path):
    page = page_of(saved_project(tmp_path, a_search(), epochs=200))
    window.training_panel.start_training()
    qtbot.waitUntil(lambda: window.training_panel.is_training)
    assert not page.start_button.isEnabled()
    assert page.start_button.toolTip() == TRAINING_RUNS
    assert page.status.text() == TRAINING_RUNS
    window.training_panel.stop_training()
    qtbot.waitUntil(lambda: page.start_button.isEnabled())


def test_closing_during_a_search_asks_then_stops_it(
    window, page_of, qtbot, tmp_path, monkeypatch
):
    page = page_of(saved_project(tmp_path, a_search(trials=50), epochs=200))
    qtbot.mouseClick(page.start_button, LEFT)
    qtbot.waitUntil(lambda: bool(page.rows), timeout=60_000)
    asked: list[str] = []

    def answer(button):  # type: ignore[no-untyped-def]
        def question(_parent, title, _text, *_args):  # type: ignore[no-untyped-def]
            asked.append(title)
            return button

        return question

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.No))
    assert not window.close()
    assert asked == ["A search is running"] and page.is_searching
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    assert window.close()
    assert not page.is_searching


def test_epoch_reports_reach_the_gui_at_a_bounded_rate(tmp_path, monkeypatch):
    """A fast search's epochs are gathered: a few signals, none lost."""
    from guinet.core.search import Search
    from guinet.gui import search_worker

    project = Project.load(saved_project(tmp_path, a_search()))
    search = Search(project, history=False)
    worker = search_worker.SearchWorker(1, search)
    sent: list[list] = []
    worker.epochs.connect(lambda _run, batch: sent.append(list(batch)))
    clock = [1000.0]
    monkeypatch.setattr(search_worker.time, "monotonic", lambda: clock[0])
    bridge = worker.bridge
    for epoch in range(1, 101):
        clock[0] += 0.01  # an epoch every 10 ms
        bridge.on_epoch_end(0, epoch, {"loss": 1.0 / epoch, "val_loss": 2.0 / epoch})
    bridge.flush()
    assert 5 <= len(sent) <= 12  # every ~100 ms, not once per epoch
    epochs = [item[1] for batch in sent for item in batch]
    assert epochs == list(range(1, 101))
    assert sent[-1][-1][2] == pytest.approx(0.02)  # val_loss, the metric
