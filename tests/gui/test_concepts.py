"""Every control explains itself, and Help ▸ Concepts collects the concepts."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QWidget,
)

from guinet._resources import resource
from guinet.core.concepts import CONCEPTS
from tests.gui.helpers import settle

CONTROLS = (QAbstractButton, QComboBox, QLineEdit, QAbstractSpinBox)


def untipped(page: QWidget) -> list[str]:
    """The visible controls on ``page`` with no tooltip."""
    missing = []
    for widget in page.findChildren(QWidget):
        if not isinstance(widget, CONTROLS) or not widget.isVisible():
            continue
        if isinstance(widget.parent(), (QComboBox, QAbstractSpinBox)):
            continue  # a combo or spin box's own line edit: the box has the tip
        if widget.objectName().startswith("qt_"):
            continue  # Qt's own parts (a table's corner button)
        if widget.toolTip().strip():
            continue
        name = widget.objectName() or getattr(widget, "text", lambda: "")()
        missing.append(
            f"{type(widget).__name__} {name!r} in {type(widget.parent()).__name__}"
        )
    return missing


@pytest.mark.parametrize("page", ["data_panel", "training_panel"])
def test_every_visible_control_has_a_tooltip(window, qtbot, page):
    window.open_example(resource("examples", "moons_mlp.guinet"))
    settle(qtbot, window)
    widget = getattr(window, page)
    window.tabs.setCurrentWidget(widget)
    qtbot.waitUntil(widget.isVisible)
    assert untipped(widget) == [], untipped(widget)


def test_the_train_pages_tooltips_explain_their_concepts(window, qtbot):
    window.open_example(resource("examples", "moons_mlp.guinet"))
    form = window.training_panel.form

    def tip(editor):
        return editor.findChildren(QWidget)[0].toolTip()

    for editor, term in (
        (form.run.editors["epochs"], "epoch"),
        (form.run.editors["batch_size"], "batch"),
        (form.optimizer.args.editors["lr"], "learning rate"),
        (form.optimizer.args.editors["weight_decay"], "weight decay"),
        (form.early_stopping.form.editors["patience"], "patience"),
        (form.early_stopping.form.editors["min_delta"], "min delta"),
    ):
        assert CONCEPTS[term].sentence in tip(editor), term
    for box, term in ((form.loss, "loss"), (form.optimizer, "optimizer")):
        assert CONCEPTS[term].sentence in box.combo.toolTip()
    assert CONCEPTS["scheduler"].sentence in form.scheduler.combo.toolTip()
    assert CONCEPTS["device"].sentence in form.device.toolTip()


def test_help_concepts_opens_and_its_search_filters(window, qtbot):
    help_menu = next(
        a.menu() for a in window.menuBar().actions() if a.text() == "&Help"
    )
    assert window.concepts_action in help_menu.actions()
    window.concepts_action.trigger()
    dialog = window.concepts_dialog
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.shown_terms() == list(CONCEPTS)
    qtbot.keyClicks(dialog.search, "explodes")
    assert dialog.shown_terms() == ["learning rate"]
    assert dialog.count.text() == f"1 of {len(CONCEPTS)} concepts"
    dialog.search.clear()
    qtbot.keyClicks(dialog.search, "validation loss")
    assert dialog.shown_terms() == ["overfitting", "early stopping", "monitor"]
    qtbot.keyClick(dialog.search, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())
