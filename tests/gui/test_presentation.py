"""Presentation mode, zoom and themes, driven by real key presses on the
window (issue 11: a class watches from the back of the room)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication, QSplitter

from guinet.gui import theme
from guinet.gui.appearance import PRESENTATION_SCALE, Look, appearance
from tests.gui.helpers import train_page_settled

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def active(window, qtbot):
    """The shown window, active, so its window-wide shortcuts take keys."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    yield window
    appearance().set_look(Look())  # the next test's window starts plain


def font_size() -> float:
    return QApplication.font().pointSizeF()


def pen_width(curve) -> float:  # type: ignore[no-untyped-def]
    return curve.opts["pen"].widthF()


def sizes(window) -> dict[str, list[int]]:  # type: ignore[no-untyped-def]
    """The splitter sizes of the pages laid out so far."""
    return {key: s.sizes() for key, s in window.splitters(shown_only=True).items()}


def steady(value: Callable[[], object], polls: int = 5) -> Callable[[], bool]:
    """For ``qtbot.waitUntil``: true once ``value()`` has stayed the same
    for ``polls`` polls (the event loop turns between them)."""
    seen: list[object] = []

    def check() -> bool:
        seen.append(value())
        return len(seen) >= polls and all(v == seen[-1] for v in seen[-polls:])

    return check


def test_f11_enters_presentation_mode_and_leaves_it_as_it_was(active, qtbot):
    window = active
    designer, panel = window.designer, window.training_panel
    window.resize(1000, 700)  # wider than the offscreen screen's 800 px allow
    window.tabs.setCurrentWidget(panel)  # lay the Train page out once
    train_page_settled(qtbot, window)  # its problems shown, with their fixes
    # its run controls take the rows this width allows: a later layout pass
    qtbot.waitUntil(steady(lambda: sizes(window)))
    window.tabs.setCurrentWidget(designer)
    geometry, before = window.geometry(), sizes(window)
    base = font_size()
    card_font = designer.view.font().pointSizeF()
    tick_font = panel.curves.loss_plot.getAxis("left").style["tickFont"]
    assert designer.layer_palette.isVisible() and designer.inspector.isVisible()

    qtbot.keyClick(window, Qt.Key.Key_F11)
    assert window.view_controls.presentation.active
    assert window.isFullScreen()
    assert font_size() == pytest.approx(base * PRESENTATION_SCALE)
    assert designer.view.font().pointSizeF() > card_font  # the layer cards
    assert not designer.layer_palette.isVisible()
    assert not designer.inspector.isVisible()
    window.tabs.setCurrentWidget(panel)
    assert not panel.form.isVisible()  # the settings wait until asked for
    assert panel.curves.isVisible()
    assert pen_width(panel.curves.loss_curve) == 3
    big_ticks = panel.curves.loss_plot.getAxis("left").style["tickFont"]
    assert big_ticks.pointSizeF() > (tick_font.pointSizeF() if tick_font else 0)
    assert "#000000" in QApplication.instance().styleSheet()  # high contrast

    qtbot.keyClick(window, Qt.Key.Key_F9)  # the panels, when needed
    assert panel.form.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_F9)
    assert not panel.form.isVisible()

    window.tabs.setCurrentWidget(designer)
    qtbot.keyClick(window, Qt.Key.Key_F11)
    assert not window.view_controls.presentation.active
    assert not window.isFullScreen()
    assert font_size() == pytest.approx(base)
    assert designer.layer_palette.isVisible() and designer.inspector.isVisible()
    assert pen_width(panel.curves.loss_curve) == 1
    qtbot.waitUntil(lambda: window.geometry() == geometry)
    qtbot.waitUntil(lambda: sizes(window)["model/0"] == before["model/0"])
    window.tabs.setCurrentWidget(panel)  # laid out again when shown
    qtbot.waitUntil(lambda: sizes(window) == before)


def test_leaving_on_the_train_page_puts_its_panes_back(active, qtbot):
    """Leaving narrows the classroom views again (the settings come back)
    while the new style sheet restyles every widget: turning the panes into
    tabs then crashed the app. It waits for the restyling to end."""
    window, panel = active, active.training_panel
    window.resize(1000, 700)
    window.tabs.setCurrentWidget(panel)
    train_page_settled(qtbot, window)
    splitters = panel.findChildren(QSplitter)
    qtbot.waitUntil(steady(lambda: [s.sizes() for s in splitters]))
    assert panel.classroom.tabbed  # too narrow beside the settings
    before = {s: s.sizes() for s in splitters}

    qtbot.keyClick(window, Qt.Key.Key_F11)
    qtbot.waitUntil(lambda: not panel.classroom.tabbed)  # the page to itself
    qtbot.keyClick(window, Qt.Key.Key_F11)
    assert not window.view_controls.presentation.active
    qtbot.waitUntil(lambda: panel.classroom.tabbed)

    def restored() -> None:
        assert {s: s.sizes() for s in splitters} == before

    qtbot.waitUntil(restored)


def test_escape_leaves_presentation_mode(active, qtbot):
    qtbot.keyClick(active, Qt.Key.Key_F11)
    assert active.view_controls.presentation.active
    qtbot.keyClick(active, Qt.Key.Key_Escape)
    assert not active.view_controls.presentation.active


def test_zoom_keys_change_the_font_and_reset_it(active, qtbot):
    from guinet.gui.main_window import MainWindow

    base = font_size()
    qtbot.keyClick(active, Qt.Key.Key_Equal, CTRL)
    assert font_size() == pytest.approx(base * 1.1)
    qtbot.keyClick(active, Qt.Key.Key_Plus, CTRL)
    assert font_size() == pytest.approx(base * 1.25)
    # the style sheet's own sizes grow too (the page titles are 10 pt)
    assert "12.5pt" in QApplication.instance().styleSheet()
    tick = active.training_panel.curves.loss_plot.getAxis("left").style["tickFont"]
    assert tick.pointSizeF() == pytest.approx(base * 1.25 * 0.9)
    qtbot.keyClick(active, Qt.Key.Key_Minus, CTRL)
    assert font_size() == pytest.approx(base * 1.1)

    # remembered: the next window opens at this zoom
    active.close()
    again = MainWindow()
    try:
        assert appearance().look.zoom == pytest.approx(1.1)
        assert font_size() == pytest.approx(base * 1.1)
        again.show()
        again.activateWindow()
        qtbot.waitUntil(again.isActiveWindow)
        qtbot.keyClick(again, Qt.Key.Key_0, CTRL)
        assert font_size() == pytest.approx(base)
    finally:
        again.undo_stack.setClean()
        again.close()
        again.deleteLater()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def background(window) -> str:  # type: ignore[no-untyped-def]
    plot = window.training_panel.curves.loss_plot
    return plot.backgroundBrush().color().name()


def test_theme_switch_restyles_and_survives_a_restart(active, qtbot):
    from guinet.gui.main_window import MainWindow

    dark = theme.PALETTES["dark"]
    app = QApplication.instance()
    assert background(active) == "#ffffff"
    view_menu = next(
        a.menu() for a in active.menuBar().actions() if a.text() == "&View"
    )
    themes = next(a.menu() for a in view_menu.actions() if a.text() == "&Theme")
    next(a for a in themes.actions() if a.text() == "&Dark").trigger()
    assert dark["window"] in app.styleSheet()
    assert "@" not in app.styleSheet()  # every colour name was filled in
    assert background(active) == dark["surface"]
    assert theme.TEXT.name() == dark["text"]  # the painted views' colours
    markers = active.training_panel.curves.markers
    for line in (markers.best_line, markers.stop_line):  # no white label boxes
        assert line.label.fill.color().name() == dark["surface"]

    active.close()
    again = MainWindow()
    try:
        assert again.view_controls.theme_actions["dark"].isChecked()
        assert dark["window"] in app.styleSheet()
        assert background(again) == dark["surface"]
        again.view_controls.theme_actions["light"].trigger()
        assert background(again) == "#ffffff"
    finally:
        again.undo_stack.setClean()
        again.close()
        again.deleteLater()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_every_colour_of_the_style_sheet_is_in_both_palettes():
    for name in theme.THEMES:
        for contrast in (False, True):
            sheet = theme.stylesheet(name, 1.5, contrast)
            assert "@" not in sheet


def test_zoom_steps_stop_at_the_ends():
    look = Look(zoom=1.0)
    for _ in range(30):
        look = look.zoomed(1)
    assert look.zoom == 3.0
    assert look.zoomed(0).zoom == 1.0
    assert Look(zoom=0.8).zoomed(-1).zoom == 0.8


def test_closing_in_presentation_mode_remembers_the_normal_window(active, qtbot):
    from guinet.gui.main_window import settings

    active.resize(900, 640)
    geometry = active.geometry()
    qtbot.keyClick(active, Qt.Key.Key_F11)
    assert active.isFullScreen()
    active.close()
    assert settings().value("window/geometry") == geometry
    assert not active.view_controls.presentation.active
