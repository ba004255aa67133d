"""Scrolling the settings column with the mouse wheel changes no setting."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QScrollArea


def wheel(widget, steps: int = -1) -> None:  # type: ignore[no-untyped-def]
    """A real wheel event over the middle of ``widget`` (negative: down)."""
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(
        centre,
        QPointF(widget.mapToGlobal(centre.toPoint())),
        QPoint(0, 0),
        QPoint(0, 120 * steps),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def test_the_wheel_over_an_unfocused_box_scrolls_the_form_not_the_value(window, qtbot):
    panel = window.training_panel
    window.tabs.setCurrentWidget(panel)
    window.resize(1280, 640)
    qtbot.waitExposed(window)
    project = window.project
    combo = panel.form.scheduler.combo
    spin = panel.form.run.editors["batch_size"].spin
    scroll = panel.findChild(QScrollArea, "trainForm")
    assert scroll is not None
    before = project.to_dict()["training"]
    top = scroll.verticalScrollBar().value()
    window.tabs.setFocus()
    for box in (combo, spin):
        assert not box.hasFocus()
        wheel(box)
        wheel(box)
    assert project.to_dict()["training"] == before  # nothing changed
    assert scroll.verticalScrollBar().value() > top  # the column scrolled

    # once the person has put the focus in a box, the wheel is its own again
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    wheel(spin, steps=1)
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert project.training.batch_size == 33
