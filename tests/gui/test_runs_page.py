"""The Runs page (issue 12): recorded runs in a table, compared, restored,
deleted, annotated — driven through the real widgets."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from guinet.core.history import RunHistory, history_path
from guinet.core.project import Project
from guinet.core.training import prepare_run
from guinet.gui.runs_panel import NO_RUNS
from guinet.gui.runs_table import COLUMN, RUN_ID_ROLE
from tests.core.training.helpers import make_project
from tests.gui.helpers import choose

CTRL = Qt.KeyboardModifier.ControlModifier
LEFT = Qt.MouseButton.LeftButton
LAYERS = [
    {"type": "Linear", "out_features": 8},
    {"type": "ReLU"},
    {"type": "Linear", "out_features": 2},
]
RATES = (0.1, 0.01, 0.001)


def record(project: Project, history: RunHistory) -> int:
    """One tiny seeded fit of ``project``, recorded; its run id."""
    run = prepare_run(project)
    recorder = history.recorder(project)
    result = run.fit(callbacks=[recorder])
    recorder.finish(result)
    assert recorder.run_id is not None
    return recorder.run_id


@pytest.fixture
def recorded(tmp_path) -> tuple[Path, list[int]]:
    """A saved project with three recorded runs, one per learning rate."""
    project = make_project(LAYERS, epochs=3, checkpoint={"enabled": True, "dir": "ck"})
    path = project.save(tmp_path / "tiny.guinet")
    history = RunHistory.for_project(project)
    ids = []
    for lr in RATES:
        project.set_value("training.optimizer.lr", lr)
        ids.append(record(project, history))
    history.close()
    return path, ids


@pytest.fixture
def page(window, recorded, qtbot):
    """The Runs page of a window on the recorded project."""
    path, _ids = recorded
    assert window.open_path(path, ask=False)
    panel = window.runs_panel
    window.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 3)
    yield panel
    panel.stop()


def shown_ids(panel) -> list[int]:
    proxy = panel.proxy
    return [int(proxy.index(r, 0).data(RUN_ID_ROLE)) for r in range(proxy.rowCount())]


def column_texts(panel, key: str) -> list[str]:
    proxy = panel.proxy
    return [proxy.index(r, COLUMN[key]).data() for r in range(proxy.rowCount())]


def cell_point(panel, row: int, column: int = 0) -> QPoint:
    index = panel.proxy.index(row, column)
    panel.table.scrollTo(index)
    return panel.table.visualRect(index).center()


def click_row(qtbot, panel, run_id: int, modifier=Qt.KeyboardModifier.NoModifier):
    row = shown_ids(panel).index(run_id)
    qtbot.mouseClick(panel.table.viewport(), LEFT, modifier, cell_point(panel, row))


def click_header(qtbot, panel, key: str) -> None:
    header = panel.table.horizontalHeader()
    column = COLUMN[key]
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), LEFT, pos=QPoint(x, header.height() // 2))


def test_recorded_runs_show_in_the_table(page):
    assert page.pages.currentWidget() is page.splitter
    assert shown_ids(page) == [3, 2, 1]  # newest first
    assert column_texts(page, "run") == ["run 3", "run 2", "run 1"]
    assert column_texts(page, "status") == ["completed"] * 3
    assert column_texts(page, "epochs") == ["3"] * 3
    assert column_texts(page, "source") == ["gui"] * 3
    assert column_texts(page, "device") == ["cpu"] * 3
    history = RunHistory(page.path)
    for record, loss, best in zip(
        history.runs(),
        column_texts(page, "test_loss"),
        column_texts(page, "best"),
        strict=True,
    ):
        assert loss == f"{record.test['loss']:.4g}"
        assert best == f"{record.best:.4g} @ {record.best_epoch}"
        assert record.test["accuracy"] > 0
    history.close()
    assert all(text.endswith("%") for text in column_texts(page, "test_accuracy"))
    assert page.count_label.text() == "3 runs"
    assert page.selected_ids() == [3]  # the newest run's curves, at once
    assert list(page.curves.lines) == [3]
    header = page.proxy.headerData(COLUMN["best"], Qt.Orientation.Horizontal)
    assert header.split() == ["Best", "val_loss"]  # every run's monitor


def test_clicking_a_header_sorts_by_the_value(page, qtbot):
    history = RunHistory(page.path)
    losses = {r.id: r.test["loss"] for r in history.runs()}
    history.close()
    click_header(qtbot, page, "test_loss")
    first = shown_ids(page)
    assert first in (
        sorted(losses, key=losses.__getitem__),
        sorted(losses, key=losses.__getitem__, reverse=True),
    )
    click_header(qtbot, page, "test_loss")
    assert shown_ids(page) == first[::-1]
    click_header(qtbot, page, "run")
    runs = shown_ids(page)
    click_header(qtbot, page, "run")
    assert sorted(runs) == [1, 2, 3] and shown_ids(page) == runs[::-1]


def test_typing_in_the_filter_keeps_the_matching_runs(page, qtbot):
    history = RunHistory(page.path)
    history.set_note(2, "Adam with a Small rate")
    history.set_tags(1, ["baseline"])
    history.close()
    page.refresh()
    qtbot.keyClicks(page.filter_edit, "small")
    assert shown_ids(page) == [2]
    assert page.count_label.text() == "1 of 3 runs"
    page.filter_edit.clear()
    qtbot.keyClicks(page.filter_edit, "base")
    assert shown_ids(page) == [1]
    page.filter_edit.clear()
    qtbot.keyClicks(page.filter_edit, "run 3")
    assert shown_ids(page) == [3]
    page.filter_edit.clear()
    assert shown_ids(page) == [3, 2, 1]
    choose(qtbot, page.status_combo, "failed")
    assert shown_ids(page) == []
    choose(qtbot, page.status_combo, "completed")
    assert shown_ids(page) == [3, 2, 1]


def test_two_selected_runs_overlay_their_curves_and_differ_in_one_setting(page, qtbot):
    click_row(qtbot, page, 1)
    assert page.selected_ids() == [1]
    assert list(page.curves.lines) == [1]
    assert page.diff.stack.currentWidget() is page.diff.hint
    assert page.restore_button.isEnabled()
    click_row(qtbot, page, 3, CTRL)
    assert sorted(page.selected_ids()) == [1, 3]
    assert not page.restore_button.isEnabled()  # one run at a time
    lines = page.curves.lines
    assert sorted(lines) == [1, 3]
    history = RunHistory(page.path)
    for run_id, line in lines.items():
        x, y = line.getData()
        assert list(x) == [1, 2, 3]
        assert list(y) == pytest.approx(history.curves(run_id)["loss"])
    history.close()
    colors = {line.opts["pen"].color().name() for line in lines.values()}
    assert len(colors) == 2  # one colour per run
    legend = [label.text for _sample, label in page.curves.legend.items]
    assert sorted(legend) == ["run 1", "run 3"]
    assert page.diff.stack.currentWidget() is page.diff.table
    rows = page.diff.rows()
    assert list(rows) == ["training.optimizer.lr"]  # exactly what differs
    by_run = dict(zip(page.selected_ids(), rows["training.optimizer.lr"], strict=True))
    assert by_run == {1: "0.1", 3: "0.001"}
    # another metric: one line per run, validation accuracy
    choose(qtbot, page.curves.metric_combo, "val_accuracy")
    assert sorted(page.curves.lines) == [1, 3] and not page.curves.dashed


def test_restore_puts_a_runs_settings_in_the_project_and_ctrl_z_undoes_it(
    page, window, qtbot
):
    project = window.project
    window.designer.append_layer("ReLU")
    project.set_value("training.batch_size", 8)
    project.set_value("training.optimizer.lr", 0.5)
    window.undo_stack.clear()
    before = project.to_dict()
    click_row(qtbot, page, 1)
    qtbot.mouseClick(page.restore_button, LEFT)
    history = RunHistory(page.path)
    settings = history.run(1).settings
    history.close()
    after = project.to_dict()
    assert after["training"] == settings["training"]
    assert after["model"]["layers"] == settings["model"]["layers"]
    assert after["data"] == settings["data"]
    assert project.value("training.optimizer.lr") == 0.1
    assert window.undo_stack.count() == 1
    assert window.is_modified
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_Z, CTRL)
    assert project.to_dict() == before
    assert [s.type for s in project.model.layers][-1] == "ReLU"


def test_restore_keeps_the_projects_other_keys(page, window, qtbot):
    project = window.project
    project.set_value("hints.seen", ["x"])
    click_row(qtbot, page, 2)
    assert page.restore_selected()
    assert project.value("hints.seen") == ["x"]
    assert project.path is not None and project.path.name == "tiny.guinet"


def open_delete_dialog(page, qtbot, run_id: int, key: bool = False):
    click_row(qtbot, page, run_id)
    if key:
        qtbot.keyClick(page.table, Qt.Key.Key_Delete)
    else:
        qtbot.mouseClick(page.delete_button, LEFT)
    dialog = page.delete_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    return dialog


def test_delete_asks_and_keeps_checkpoint_files_unless_ticked(page, qtbot):
    history = RunHistory(page.path)
    files = {Path(c["path"]) for c in history.run(2).checkpoints}
    history.close()
    assert files and all(f.exists() for f in files)
    dialog = open_delete_dialog(page, qtbot, 2)
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Cancel), LEFT)
    assert shown_ids(page) == [3, 2, 1]
    dialog = open_delete_dialog(page, qtbot, 2, key=True)  # the Delete key
    assert not dialog.also_files.isChecked()
    with qtbot.waitSignal(page.refreshed):
        qtbot.mouseClick(dialog.delete_button, LEFT)
    assert shown_ids(page) == [3, 1]
    assert all(f.exists() for f in files)  # not ticked: every file stays
    with RunHistory(page.path) as again:
        assert [r.id for r in again.runs()] == [3, 1]


def test_delete_with_files_removes_only_the_runs_own_files(page, qtbot, tmp_path):
    from guinet.core.training.checkpoint_files import read_info

    history = RunHistory(page.path)
    run1 = history.run(1)
    folder = Path(run1.checkpoint_dir)
    # a file outside the checkpoint folder the history (wrongly) lists
    outside = tmp_path / "elsewhere" / "precious.ckpt"
    outside.parent.mkdir()
    outside.write_bytes(b"mine")
    history.record_checkpoint(
        1, {"epoch": 1, "path": str(outside), "kind": "best", "time": 1.0}
    )
    # another run's files, and a run 1 file a later run wrote again (last.ckpt)
    others = {
        Path(c["path"]) for r in history.runs() if r.id != 1 for c in r.checkpoints
    }
    history.close()
    own = {
        Path(c["path"])
        for c in run1.checkpoints
        if Path(c["path"]).exists()
        and abs(read_info(c["path"]).time - c["time"]) < 1e-3
    }
    assert own, "run 1 kept a file of its own"
    assert folder / "last.ckpt" not in own  # run 3 wrote it again
    dialog = open_delete_dialog(page, qtbot, 1)
    assert dialog.also_files.isEnabled()
    assert set(dialog.files) == own
    dialog.also_files.click()
    with qtbot.waitSignal(page.refreshed):
        qtbot.mouseClick(dialog.delete_button, LEFT)
    assert shown_ids(page) == [3, 2]
    assert not any(f.exists() for f in own)
    assert outside.read_bytes() == b"mine"
    assert all(f.exists() for f in others)
    assert (folder / "last.ckpt").exists()


def edit_cell(page, qtbot, run_id: int, key: str, text: str) -> None:
    row = shown_ids(page).index(run_id)
    viewport = page.table.viewport()
    point = cell_point(page, row, COLUMN[key])
    qtbot.mouseClick(viewport, LEFT, pos=point)
    qtbot.mouseDClick(viewport, LEFT, pos=point)

    def editors() -> list[QLineEdit]:
        return [e for e in page.table.findChildren(QLineEdit) if e.isVisible()]

    qtbot.waitUntil(lambda: len(editors()) == 1)
    editor = editors()[0]
    editor.selectAll()
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    QApplication.processEvents()


def test_notes_and_tags_edited_in_place_are_kept_in_the_database(page, qtbot):
    edit_cell(page, qtbot, 2, "note", "the good one")
    edit_cell(page, qtbot, 3, "tags", "slow, lr sweep, slow")
    assert column_texts(page, "note")[shown_ids(page).index(2)] == "the good one"
    with RunHistory(page.path) as history:
        assert history.run(2).note == "the good one"
        assert history.run(3).tags == ["slow", "lr sweep"]
    page.close_history()
    page.refresh()
    row = shown_ids(page).index(3)
    assert column_texts(page, "tags")[row] == "slow, lr sweep"


def test_a_refresh_keeps_the_selection_and_the_sort(page, window, qtbot):
    click_header(qtbot, page, "test_loss")
    order = shown_ids(page)
    click_row(qtbot, page, 1)
    click_row(qtbot, page, 2, CTRL)
    project = Project.load(window.project.path)
    project.set_value("training.optimizer.lr", 0.05)
    with RunHistory(page.path) as history:
        new = record(project, history)
    window.tabs.setCurrentWidget(window.designer)
    window.tabs.setCurrentWidget(page)  # showing the page reads it again
    assert sorted(shown_ids(page)) == [1, 2, 3, new]
    assert [i for i in shown_ids(page) if i != new] == order
    assert sorted(page.selected_ids()) == [1, 2]
    assert page.table.horizontalHeader().sortIndicatorSection() == COLUMN["test_loss"]
    assert sorted(page.curves.lines) == [1, 2]


def test_a_project_without_runs_says_how_to_make_one(window, tmp_path, qtbot):
    project = make_project(LAYERS)
    path = project.save(tmp_path / "fresh.guinet")
    window.open_path(path, ask=False)
    window.tabs.setCurrentWidget(window.runs_panel)
    panel = window.runs_panel
    assert panel.pages.currentWidget() is panel.placeholder
    assert panel.placeholder.text() == NO_RUNS
    assert "Train" in panel.placeholder.text()
    assert not history_path(window.project).exists()  # looking creates nothing
    assert not panel.delete_button.isEnabled()


def test_an_unreadable_history_is_said_and_the_window_works_on(window, tmp_path, qtbot):
    project = make_project(LAYERS)
    path = project.save(tmp_path / "broken.guinet")
    broken = history_path(project)
    broken.write_bytes(b"this is not a database, just some words " * 100)
    window.open_path(path, ask=False)
    panel = window.runs_panel
    window.tabs.setCurrentWidget(panel)
    assert panel.pages.currentWidget() is panel.placeholder
    text = panel.placeholder.text()
    assert "cannot be read" in text and "broken.runs.sqlite" in text
    assert broken.read_bytes().startswith(b"this is not a database")  # untouched
    window.tabs.setCurrentWidget(window.designer)
    window.designer.append_layer("ReLU")
    assert window.project.model.layers[-1].type == "ReLU"
    window.tabs.setCurrentWidget(panel)
    assert "cannot be read" in panel.placeholder.text()


def test_the_page_shows_runs_trained_in_the_window(window, tmp_path, qtbot):
    """A real run from the Train page appears; with the page shown, the next
    one appears without leaving it, the selection kept."""
    from tests.gui.helpers import settle

    project = make_project(LAYERS, epochs=2)
    window.open_path(project.save(tmp_path / "trained.guinet"), ask=False)
    panel = window.runs_panel
    window.tabs.setCurrentWidget(panel)
    assert panel.placeholder.text() == NO_RUNS
    train = window.training_panel
    window.tabs.setCurrentWidget(train)
    settle(qtbot, window)
    with qtbot.waitSignal(train.runner.run_ended, timeout=30_000):
        qtbot.mouseClick(train.train_button, LEFT)
    window.tabs.setCurrentWidget(panel)
    assert shown_ids(panel) == [1]
    assert column_texts(panel, "status") == ["completed"]
    assert column_texts(panel, "epochs") == ["2"]
    click_row(qtbot, panel, 1)
    # the page stays in front while the next run trains (Run ▸ Train's button)
    with qtbot.waitSignal(train.runner.run_ended, timeout=30_000):
        train.train_button.click()
    qtbot.waitUntil(lambda: shown_ids(panel) == [2, 1], timeout=5_000)
    qtbot.waitUntil(lambda: column_texts(panel, "status")[0] == "completed")
    assert window.tabs.currentWidget() is panel
    assert panel.selected_ids() == [1]
