"""The Train page at the sizes a class meets: a laptop at 1280×720 with a
lesson open, and presentation mode on a projector (issue 11). The run
controls take the rows the width allows, the classroom panes become tabs
when too narrow to read, and presentation mode gives them the page."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton

from guinet._resources import resource
from guinet.gui.appearance import Look, appearance
from guinet.gui.training_checks import NoteList
from guinet.gui.training_controls import RunControls
from tests.gui.helpers import settle

LEFT = Qt.MouseButton.LeftButton


def laid_out() -> None:
    for _ in range(4):
        QApplication.processEvents()


def unclipped(widget) -> bool:  # type: ignore[no-untyped-def]
    """Every button of ``widget`` shows all of its text."""
    return all(
        button.width() >= button.sizeHint().width()
        for button in widget.findChildren(QPushButton)
        if button.isVisible()
    )


def test_run_controls_take_one_two_or_three_rows_as_the_width_allows(qtbot):
    controls = RunControls()
    qtbot.addWidget(controls)
    controls.show()
    rows = {}
    for width in (1800, 760, 400, 1800):
        controls.resize(width, controls.sizeHint().height())
        laid_out()
        rows[width] = controls.row_count
        assert unclipped(controls), width
        # whatever the rows, the narrowest arrangement stays allowed: a window
        # widened (or full screen) can be made narrow again
        assert controls.minimumWidth() <= 400
    assert rows == {1800: 1, 760: 2, 400: 3}
    speed = controls.speed_slider
    controls.resize(1800, controls.sizeHint().height())
    laid_out()

    # one row: the progress bar, the steps and the speed side by side
    def middle(widget) -> int:  # type: ignore[no-untyped-def]
        return widget.mapTo(controls, widget.rect().center()).y()

    assert abs(middle(controls.progress) - middle(speed)) < 10


def test_a_long_note_takes_one_line_and_keeps_its_words_in_the_tooltip(qtbot):
    notes = NoteList()
    qtbot.addWidget(notes)
    long = "Checkpoints go to " + "/very/long/folder" * 20 + " (save the project)."
    notes.resize(500, 40)
    notes.show_notes([long])
    notes.show()
    laid_out()
    assert notes.text().count("\n") == 0 and notes.text().endswith("…")
    assert notes.fontMetrics().horizontalAdvance(notes.text()) <= notes.width()
    assert notes.toolTip() == notes.full_text() == f"ℹ {long}"
    short = NoteList()
    qtbot.addWidget(short)
    short.show_notes(["Saved."])
    assert notes.sizeHint().height() == short.sizeHint().height()  # one line


def side_by_side(classroom, width: int, height: int) -> bool:  # type: ignore[no-untyped-def]
    """The classroom panes are side by side, each at least this big."""
    return not classroom.tabbed and all(
        pane.isVisible() and pane.width() >= width and pane.height() >= height
        for _title, pane in classroom.panes
    )


@pytest.fixture
def spirals(window, qtbot):
    """The spirals lesson opened as from the start page, on the Train page."""
    window.open_example(resource("examples", "spirals.guinet"))
    window.tabs.setCurrentWidget(window.training_panel)
    settle(qtbot, window)
    yield window.training_panel
    window.view_controls.presentation.set_active(False)
    appearance().set_look(Look())


def test_narrow_the_classroom_panes_are_tabs_wide_they_are_side_by_side(
    window, spirals, qtbot
):
    classroom = spirals.classroom
    window.resize(1180, 660)  # a 1280×720 laptop, the lesson pane open
    laid_out()
    assert window.lesson_pane.isVisible()
    assert classroom.tabbed
    bar = classroom.tab_bar
    assert [bar.tabText(i) for i in range(bar.count())] == [
        "Curves",
        "Decision boundary",
        "Network",
    ]
    qtbot.mouseClick(bar, LEFT, pos=bar.tabRect(2).center())
    assert spirals.network.isVisible() and not spirals.boundary.isVisible()

    # after a run: two hints, a note, the replay bar — the window still fits
    # a 1280×720 screen (it grew past it once, hiding the run log)
    from guinet.core.hints import Hint

    long = "the validation loss was lowest at epoch 143 and has risen since " * 3
    spirals.hint_list.show_hints(
        [Hint("training", "note", long, key=f"hint.{k}") for k in ("a", "b")]
    )
    spirals.notes.show_notes(["Checkpoints go to " + "/a/long/folder" * 12])
    classroom.replay.set_epochs(list(range(1, 40)))
    laid_out()
    assert window.minimumSizeHint().height() <= 660
    assert window.height() == 660

    window.lesson_pane.close()  # the class has read it
    window.resize(1600, 900)
    qtbot.waitUntil(lambda: side_by_side(classroom, 260, 0))

    window.resize(1000, 660)  # and narrow again: the window lets itself shrink
    qtbot.waitUntil(lambda: classroom.tabbed)
    assert window.width() == 1000
    # an edit does not bring back the lesson pane the person closed
    spirals.form.set_value("epochs", 50)
    laid_out()
    assert window.lesson_pane.isHidden()


def test_presentation_mode_gives_the_classroom_views_the_page(window, spirals, qtbot):
    classroom = spirals.classroom
    window.resize(1180, 660)
    laid_out()
    assert window.lesson_pane.isVisible() and classroom.tabbed
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_F11)
    # the offscreen screen is not a projector's: give the window its size
    window.setWindowState(Qt.WindowState.WindowNoState)
    window.setGeometry(0, 0, 1280, 720)
    qtbot.waitUntil(lambda: side_by_side(classroom, 260, 300))
    assert window.view_controls.presentation.active
    assert window.lesson_pane.isHidden()  # with the other side panels
    assert not spirals.form.isVisible()
    titles = [title for title, _pane in classroom.panes]
    assert titles == ["Curves", "Decision boundary", "Network"]
    assert spirals.controls.row_count <= 2
    assert unclipped(spirals.controls)

    qtbot.keyClick(window, Qt.Key.Key_F9)  # the side panels, when needed
    assert window.lesson_pane.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_F9)
    assert window.lesson_pane.isHidden()
    qtbot.keyClick(window, Qt.Key.Key_F11)
    laid_out()
    assert window.lesson_pane.isVisible()  # back as it was


def test_a_narrow_progress_bar_keeps_the_epoch_and_drops_the_rest(qtbot):
    controls = RunControls()
    qtbot.addWidget(controls)
    controls.show()
    text = "Epoch 30/300  ·  batch 3/12  ·  0:15 elapsed  ·  about 2:10 left"
    controls.resize(1800, controls.sizeHint().height())
    laid_out()
    controls.show_progress(0.1, text)
    assert controls.progress.format() == text  # room for all of it
    controls.resize(400, controls.sizeHint().height())
    laid_out()
    shown = controls.progress.format()
    assert shown.startswith("Epoch 30/300") and "…" not in shown
    assert len(shown) < len(text)
    room = controls.progress.width() - 16
    assert controls.progress.fontMetrics().horizontalAdvance(shown) <= room
    assert controls.progress.toolTip() == controls.progress_text == text


def test_after_presentation_mode_the_window_narrows_again(window, qtbot):
    """Presentation's large text widened the run controls' minimum; leaving
    it from another page must not leave that minimum behind."""
    panel = window.training_panel
    window.resize(1000, 700)
    window.tabs.setCurrentWidget(panel)
    laid_out()
    narrowest = panel.controls.minimumWidth()
    window.tabs.setCurrentWidget(window.designer)
    window.view_controls.presentation.set_active(True)
    window.tabs.setCurrentWidget(panel)
    laid_out()
    assert panel.controls.minimumWidth() > narrowest  # large text
    window.tabs.setCurrentWidget(window.designer)
    window.view_controls.presentation.set_active(False)
    laid_out()
    assert panel.controls.minimumWidth() == narrowest
