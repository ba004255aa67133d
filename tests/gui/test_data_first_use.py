"""The Data page as a new user meets it: a new project's data, then Titanic.

What the page shows as chosen is what is loaded; a course's CSV loads with
its ID columns unticked and said; missing-value marks and the missing-values
policy are set in the page's own words.
"""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from guinet.gui.data_results import NO_DATA
from tests.gui.test_data_panel import choose, load, option
from tests.titanic import write_titanic

LEFT_OUT = ["PassengerId", "Name", "Ticket", "Cabin"]


def data_page(window):
    window.tabs.setCurrentWidget(window.data_panel)
    return window.data_panel


def unticked(panel) -> list[str]:
    items = [panel.features.item(i) for i in range(panel.features.count())]
    return [i.text() for i in items if i.checkState() == Qt.CheckState.Unchecked]


def toggle(qtbot, panel, name: str) -> None:
    """Select the feature ``name`` with a click and flip its tick with Space."""
    item = panel.features.findItems(name, Qt.MatchFlag.MatchExactly)[0]
    rect = panel.features.visualItemRect(item)
    panel.features.scrollToItem(item)
    rect = panel.features.visualItemRect(item)
    qtbot.mouseClick(
        panel.features.viewport(), Qt.MouseButton.LeftButton, pos=rect.center()
    )
    qtbot.keyClick(panel.features, Qt.Key.Key_Space)


def test_a_new_project_shows_its_data_loaded(window, qtbot, dialogs, tmp_path):
    panel = data_page(window)
    # what is shown as chosen…
    assert panel.kind.currentData() == "builtin"
    assert panel.dataset.currentText() == "Two moons"
    # …is what loads and is previewed, with nothing to press
    qtbot.waitUntil(lambda: panel.prepared is not None, timeout=20_000)
    assert window.project.data.source["name"] == "moons"
    assert panel.table_model.rowCount() > 0
    report = panel.results.report.text()
    assert NO_DATA not in report and "train: 300 rows" in report
    assert window.project.model.input_shape == (2,)
    assert not window.is_modified  # loading is not an edit

    # File ▸ New after another choice: the new project's data loads again
    load(qtbot, panel, lambda: choose(qtbot, panel.dataset, "iris"))
    dialogs.answers.append(dialogs_discard())
    window.new_action.trigger()
    qtbot.waitUntil(lambda: panel.prepared is not None, timeout=20_000)
    assert panel.dataset.currentText() == "Two moons"
    assert panel.prepared.input_shape == (2,)

    # a project file without data shows nothing as chosen, and says so
    bare = tmp_path / "bare.guinet"
    bare.write_text(json.dumps({"guinet": 1}))
    window.open_path(bare, ask=False)
    assert window.project.data is None
    assert panel.kind.currentIndex() == -1
    assert panel.kind.currentText() == ""
    assert not panel.dataset.isVisibleTo(panel)
    assert panel.results.report.text() == NO_DATA
    # picking "Built-in dataset" (shown unchosen) now loads its first set
    load(qtbot, panel, lambda: choose(qtbot, panel.kind, "builtin"))
    assert window.project.data.source["name"] == "moons"
    assert panel.prepared is not None


def retype(qtbot, line, text: str) -> None:
    """Clear a line edit, type ``text`` and press Enter."""
    line.setFocus()
    line.selectAll()
    qtbot.keyClick(line, Qt.Key.Key_Delete)
    qtbot.keyClicks(line, text)
    qtbot.keyClick(line, Qt.Key.Key_Return)


def dialogs_discard():
    from PySide6.QtWidgets import QMessageBox

    return QMessageBox.StandardButton.Discard


def test_titanic_loads_with_its_ids_unticked_and_said(window, qtbot, tmp_path):
    panel = data_page(window)
    csv = write_titanic(tmp_path / "titanic.csv")
    load(qtbot, panel, lambda: panel.open_file(csv))
    load(qtbot, panel, lambda: choose(qtbot, panel.target, "Survived"))
    assert panel.error_text == ""
    assert panel.prepared is not None and panel.prepared.task == "binary"
    report = panel.results.report.text()
    assert "left out of the features" in report and "PassengerId" in report
    assert "filled 176 missing values" in report
    qtbot.waitUntil(lambda: unticked(panel) == LEFT_OUT, timeout=5_000)
    name = panel.features.findItems("Name", Qt.MatchFlag.MatchExactly)[0]
    assert "891 different values in 891 rows" in name.toolTip()
    assert window.project.data.features is None  # still the default choice

    # ticking PassengerId uses it: the choice is now written out
    load(qtbot, panel, lambda: toggle(qtbot, panel, "PassengerId"))
    assert "PassengerId" in window.project.data.features
    assert "Name" not in window.project.data.features
    assert "PassengerId" in panel.prepared.feature_names
    assert unticked(panel) == ["Name", "Ticket", "Cabin"]
    # unticking it again is the default choice again
    load(qtbot, panel, lambda: toggle(qtbot, panel, "PassengerId"))
    assert window.project.data.features is None
    assert unticked(panel) == LEFT_OUT

    # ticking Name as well as Ticket: both told at once, as IDs
    load(qtbot, panel, lambda: toggle(qtbot, panel, "Name"))
    load(qtbot, panel, lambda: toggle(qtbot, panel, "Ticket"))
    message = panel.error_text
    assert message.startswith("titanic.csv has 2 problems to fix:")
    assert "'Name' of titanic.csv holds text" in message
    assert "'Ticket' of titanic.csv holds numbers and text" in message
    assert "looks like a name or an ID" in panel.message.text()


def write_uci(path):
    rows = ["age,workclass,hours,income"]
    works = ["Private", "Self-emp", "State-gov"]
    for i in range(60):
        work = "?" if i % 7 == 0 else works[i % 3]
        hours = "?" if i % 11 == 0 else str(20 + i % 40)
        rows.append(f"{30 + i % 30}, {work}, {hours}, {'>50K' if i % 2 else '<=50K'}")
    path.write_text("\n".join(rows) + "\n")
    return path


def test_question_marks_and_the_missing_values_menu(window, qtbot, tmp_path):
    panel = data_page(window)
    load(qtbot, panel, lambda: panel.open_file(write_uci(tmp_path / "adult.csv")))
    assert panel.prepared is not None, panel.error_text
    assert 'read "?" as missing: workclass (9), hours (6)' in (
        panel.results.report.text()
    )
    assert "workclass: text, one-hot encoded as 3 features" in (
        panel.results.report.text()
    )

    options = panel.preparation.options
    qtbot.mouseClick(options.more, Qt.MouseButton.LeftButton)
    marks = option(options, "missing_values")
    assert marks.line.text() == "?, NA, n/a, -"
    # no marks: "?" is text in a number column, and the message says what to do
    load(qtbot, panel, lambda: retype(qtbot, marks.line, ""))
    assert window.project.data.missing_values == []
    assert "add it to the missing-value marks" in panel.error_text
    load(qtbot, panel, lambda: retype(qtbot, marks.line, "?"))
    assert window.project.data.missing_values == ["?"]
    assert panel.error_text == ""

    # "Stop and report them": the message names the menu's other choices
    combo = option(options, "missing").combo
    load(qtbot, panel, lambda: choose(qtbot, combo, "error"))
    message = panel.error_text
    for choice in ("drop", "fill"):
        words = combo.itemText(combo.findData(choice))
        assert f"\u201c{words}\u201d" in message
    assert "missing values in workclass (9), hours (6)" in message


def test_on_a_projector_the_preview_has_room_and_a_long_report_scrolls(
    window, qtbot, tmp_path
):
    """At the size the window opens on a 1280×720 screen, stacked plots left
    the preview two rows and cut Titanic's report off; the plots now sit side
    by side and the report scrolls after a few lines."""
    from guinet.gui.data_results import REPORT_LINES

    window.resize(1180, 660)
    panel = data_page(window)
    qtbot.waitUntil(lambda: panel.prepared is not None, timeout=20_000)
    results = panel.results
    table = results.table
    qtbot.waitUntil(lambda: table.viewport().height() > 0)
    rows = table.viewport().height() // table.verticalHeader().defaultSectionSize()
    assert rows >= 6
    summary = results.summary
    assert summary.balance.isVisible() and summary.scatter.isVisible()
    # side by side, both whole
    assert summary.balance.geometry().right() < summary.scatter.geometry().left()
    assert summary.geometry().bottom() <= results.height()
    short = results.report_area.height()
    assert results.report_area.verticalScrollBar().maximum() == 0  # moons fits

    csv = write_titanic(tmp_path / "titanic.csv")
    load(qtbot, panel, lambda: panel.open_file(csv))
    load(qtbot, panel, lambda: choose(qtbot, panel.target, "Survived"))
    line = results.report.fontMetrics().lineSpacing()
    assert short < results.report_area.height() <= line * REPORT_LINES + 2
    bar = results.report_area.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)  # the rest is a scroll away
    bar.setValue(bar.maximum())
    assert "task: binary" in results.report.text()
