"""The inspector follows the selected layer through every reorder: a drag of
its block, Alt+Up/Down, and Ctrl+Z of a move (issue 9, item 5)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLabel

from guinet.core.model import LayerSpec
from tests.gui.helpers import drop

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def moons_model(window):
    """The moons example's stack: Linear(16), ReLU, Linear(16), ReLU, Linear(2)."""
    model = window.project.model
    for spec in (
        LayerSpec("Linear", {"out_features": 16}),
        LayerSpec("ReLU"),
        LayerSpec("Linear", {"out_features": 16}),
        LayerSpec("ReLU"),
        LayerSpec("Linear", {"out_features": 2}),
    ):
        model.layers.append(spec)
    model.set_input_shape((2,))
    window.undo_stack.clear()
    return model


def click_block(qtbot, view, row):
    """Select a block as a person does: a click on it."""
    rect = view.visualRect(view.model().index(row, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert view.current_row() == row


def title(inspector) -> str:
    return inspector.widget().findChild(QLabel, "inspectorTitle").text()


def facts(inspector) -> str:
    return inspector.shape_label.text()


def assert_shows(window, row):
    """The inspector shows the layer at ``row``: its number, its type, and the
    analysis' facts for that row — never a neighbour's."""
    inspector = window.designer.inspector
    model = window.project.model
    spec = model.layers[row]
    info = model.analyze().layers[row]
    assert inspector.row == row
    assert title(inspector).startswith(f"{row + 1}. ")
    assert title(inspector).endswith(spec.layer_type.label)
    text = facts(inspector)
    assert f"<b>Parameters</b> {info.params:,}" in text
    assert f"{info.input_shape[0]},)" in text.split("→")[0]
    assert f"{info.output_shape[0]},)" in text.split("→")[1]
    assert ("in_features" in text) == (spec.type == "Linear")
    for name, editor in inspector.editors.items():
        assert editor.value() == spec.value(name)


def test_dragging_a_block_keeps_the_inspector_on_it(window, qtbot):
    model = moons_model(window)
    view = window.designer.view
    click_block(qtbot, view, 1)  # the first ReLU
    assert_shows(window, 1)

    # drag the ReLU's block above the first Linear (a real drop on the viewport)
    mime = view.model().mimeData([view.model().index(1, 0)])
    top = view.visualRect(view.model().index(0, 0))
    assert drop(view.viewport(), mime, QPoint(top.center().x(), top.top() + 3))

    assert [s.type for s in model.layers][:2] == ["ReLU", "Linear"]
    assert view.current_row() == 0
    assert_shows(window, 0)  # "1. ReLU", (2,) → (2,), 0 parameters
    assert "Parameters</b> 0" in facts(window.designer.inspector)


def test_alt_up_and_down_keep_the_inspector_on_the_moved_layer(window, qtbot):
    model = moons_model(window)
    view = window.designer.view
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    view.setFocus()
    click_block(qtbot, view, 2)  # the second Linear
    assert_shows(window, 2)

    qtbot.keyClick(view, Qt.Key.Key_Up, ALT)
    assert [s.type for s in model.layers][1] == "Linear"
    assert view.current_row() == 1
    assert_shows(window, 1)

    qtbot.keyClick(view, Qt.Key.Key_Down, ALT)
    qtbot.keyClick(view, Qt.Key.Key_Down, ALT)
    assert [s.type for s in model.layers] == [
        "Linear",
        "ReLU",
        "ReLU",
        "Linear",
        "Linear",
    ]
    assert view.current_row() == 3
    assert_shows(window, 3)


def test_undoing_a_move_keeps_the_inspector_on_the_same_layer(window, qtbot):
    model = moons_model(window)
    view = window.designer.view
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    view.setFocus()
    click_block(qtbot, view, 0)  # Linear(16) on the (2,) input
    qtbot.keyClick(view, Qt.Key.Key_Down, ALT)  # below the ReLU
    assert [s.type for s in model.layers][:2] == ["ReLU", "Linear"]
    assert_shows(window, 1)

    qtbot.keyClick(view, Qt.Key.Key_Z, CTRL)  # the move is undone
    assert [s.type for s in model.layers][:2] == ["Linear", "ReLU"]
    assert view.current_row() == 0
    assert_shows(window, 0)

    # an undo that moves *another* layer past the selected one renumbers it too
    click_block(qtbot, view, 3)  # the second ReLU
    qtbot.keyClick(view, Qt.Key.Key_Up, ALT)  # ReLU now at 2, Linear at 3
    click_block(qtbot, view, 3)  # select the Linear that was pushed down
    assert_shows(window, 3)
    qtbot.keyClick(view, Qt.Key.Key_Z, CTRL)  # the ReLU goes back below it
    assert [s.type for s in model.layers][2:4] == ["Linear", "ReLU"]
    assert view.current_row() == 2
    assert_shows(window, 2)


def test_undoing_a_delete_above_the_selected_layer_renumbers_it(window, qtbot):
    model = moons_model(window)
    view = window.designer.view
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    view.setFocus()
    click_block(qtbot, view, 0)
    qtbot.keyClick(view, Qt.Key.Key_Delete)  # the first Linear goes
    click_block(qtbot, view, 1)  # Linear(16) on the ReLU's 16 values
    assert_shows(window, 1)

    qtbot.keyClick(view, Qt.Key.Key_Z, CTRL)  # it comes back above
    assert [s.type for s in model.layers][:3] == ["Linear", "ReLU", "Linear"]
    assert view.current_row() == 2
    assert_shows(window, 2)
