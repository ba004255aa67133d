"""The designer, driven as a person would: drag, drop, click, type, undo."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from guinet.core.model import LayerSpec, format_shape
from guinet.gui.layer_stack import ErrorRole, InfoRole
from tests.gui.helpers import drag_enter_move, drop


def mlp(window, shape=(8,), widths=(12, 8, 1)):
    layers = []
    for width in widths:
        layers += [LayerSpec("Linear", {"out_features": width}), LayerSpec("ReLU")]
    model = window.project.model
    for spec in layers[:-1]:
        model.layers.append(spec)
    model.set_input_shape(shape)
    window.undo_stack.clear()
    return model


def types(model):
    return [spec.type for spec in model.layers]


def gap_point(view, gap):
    """A point in the viewport that falls into drop gap ``gap``."""
    model = view.model()
    if gap < model.rowCount():
        rect = view.visualRect(model.index(gap, 0))
        return QPoint(rect.center().x(), rect.top() + 3)
    rect = view.visualRect(model.index(model.rowCount() - 1, 0))
    return QPoint(rect.center().x(), rect.bottom() - 3)


def shown_shape(view, row):
    info = view.model().index(row, 0).data(InfoRole)
    return format_shape(info.output_shape)


def test_drag_from_palette_inserts_at_the_drop_position(window, qtbot):
    model = mlp(window)
    view = window.designer.view
    palette_item = window.designer.layer_palette.item("Dropout")
    mime = window.designer.layer_palette.tree.mimeData([palette_item])

    pos = gap_point(view, 2)
    assert drag_enter_move(view.viewport(), mime, pos)
    assert view.drop_gap == 2  # the indicator line is drawn at that gap
    assert drop(view.viewport(), mime, pos)

    assert types(model) == ["Linear", "ReLU", "Dropout", "Linear", "ReLU", "Linear"]
    assert view.drop_gap is None
    assert view.current_row() == 2
    assert shown_shape(view, 2) == "(12,)"
    assert window.is_modified


def test_drop_above_the_first_and_below_the_last_block(window):
    model = mlp(window)
    view = window.designer.view
    palette = window.designer.layer_palette
    drop(
        view.viewport(),
        palette.tree.mimeData([palette.item("BatchNorm1d")]),
        gap_point(view, 0),
    )
    drop(
        view.viewport(),
        palette.tree.mimeData([palette.item("Sigmoid")]),
        gap_point(view, 6),
    )
    assert types(model)[0] == "BatchNorm1d"
    assert types(model)[-1] == "Sigmoid"
    assert model.analyze().layers[0].params == 16  # 8 features: weight + bias


def test_drop_into_an_empty_stack(window):
    view = window.designer.view
    window.project.model.set_input_shape((4,))
    palette = window.designer.layer_palette
    drop(
        view.viewport(), palette.tree.mimeData([palette.item("Linear")]), QPoint(50, 50)
    )
    assert types(window.project.model) == ["Linear"]
    assert shown_shape(view, 0) == "(16,)"


def test_foreign_drops_are_refused(window):
    from PySide6.QtCore import QMimeData

    model = mlp(window)
    mime = QMimeData()
    mime.setText("hello")
    assert not drag_enter_move(window.designer.view.viewport(), mime, QPoint(10, 10))
    assert len(model.layers) == 5


def test_reorder_by_dragging_within_the_stack(window):
    model = mlp(window)
    view = window.designer.view
    first = view.model().index(0, 0)
    mime = view.model().mimeData([first])

    drop(view.viewport(), mime, gap_point(view, 2))  # Linear(12) below the first ReLU
    assert types(model) == ["ReLU", "Linear", "Linear", "ReLU", "Linear"]
    assert model.layers[1].params == {"out_features": 12}
    assert view.current_row() == 1

    window.undo_action.trigger()
    assert types(model) == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert model.layers[0].params == {"out_features": 12}


def test_dropping_a_block_onto_itself_changes_nothing(window):
    model = mlp(window)
    view = window.designer.view
    mime = view.model().mimeData([view.model().index(1, 0)])
    drop(view.viewport(), mime, gap_point(view, 2))
    assert types(model) == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert window.undo_stack.count() == 0


def test_delete_key_removes_and_undo_redo_restore(window, qtbot):
    model = mlp(window)
    view = window.designer.view
    view.setFocus()
    view.select_row(1)
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert types(model) == ["Linear", "Linear", "ReLU", "Linear"]
    assert view.current_row() == 1

    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert types(model) == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    qtbot.keyClick(
        view,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert types(model) == ["Linear", "Linear", "ReLU", "Linear"]


def test_duplicate_copies_the_layer_below_it(window):
    model = mlp(window)
    window.designer.view.select_row(2)
    window.duplicate_action.trigger()
    assert types(model) == ["Linear", "ReLU", "Linear", "Linear", "ReLU", "Linear"]
    assert model.layers[3].params == {"out_features": 8}
    assert model.layers[3] is not model.layers[2]
    window.designer.view.select_row(0)
    window.move_down_action.trigger()
    assert types(model)[:2] == ["ReLU", "Linear"]


def test_double_click_in_the_palette_appends(window, qtbot):
    model = mlp(window)
    tree = window.designer.layer_palette.tree
    item = window.designer.layer_palette.item("Sigmoid")
    tree.scrollToItem(item)
    rect = tree.visualItemRect(item)
    before = len(model.layers)
    # a person's double-click: press, release, press, double-click, release
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert (
        "Sigmoid" in window.designer.layer_palette.about.text()
    )  # its explanation shows
    assert types(model)[-1] == "Sigmoid"
    assert len(model.layers) == before + 1  # once, not once per signal
    # Enter on the current item adds it too (the same "activated" path)
    tree.setFocus()
    qtbot.keyClick(tree, Qt.Key.Key_Return)
    assert len(model.layers) == before + 2


def test_palette_search_filters_by_name_alias_and_explanation(window, qtbot):
    palette = window.designer.layer_palette
    qtbot.keyClicks(palette.search, "dense")
    assert palette.visible_keys() == ["Linear"]
    palette.search.clear()
    qtbot.keyClicks(palette.search, "pool")
    visible = palette.visible_keys()
    assert "MaxPool2d" in visible and "AdaptiveAvgPool2d" in visible
    assert "ReLU" not in visible and "Linear" not in visible
    palette.search.clear()
    assert "ReLU" in palette.visible_keys()
    assert palette.item("Linear").toolTip(0).count("Dense")


def test_inspector_edits_a_parameter_and_shapes_follow(window, qtbot):
    model = mlp(window)
    view = window.designer.view
    view.select_row(2)  # Linear(8)
    inspector = window.designer.inspector
    spin = inspector.editors["out_features"].spin
    assert spin.value() == 8
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), "32")
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Return)

    assert model.layers[2].params["out_features"] == 32
    assert shown_shape(view, 2) == "(32,)"
    analysis = model.analyze()
    assert analysis.layers[4].params == 33  # the next Linear now sees 32 inputs
    assert "32" in inspector.shape_label.text()
    assert f"{analysis.total_params:,}" in window.designer.totals.text()

    window.undo_action.trigger()
    assert model.layers[2].params["out_features"] == 8
    assert spin.value() == 8  # the editor follows the model


def test_inspector_shows_help_ranges_and_inferred_sizes(window):
    model = mlp(window)
    model.layers.append(LayerSpec("Dropout", {"p": 0.3}))
    window.undo_stack.clear()
    window.designer.view.select_row(5)
    inspector = window.designer.inspector
    spin = inspector.editors["p"].spin
    assert spin.minimum() == 0.0 and spin.maximum() < 1.0
    window.designer.view.select_row(0)
    assert "in_features" in inspector.shape_label.text()
    assert inspector.editors["out_features"].spin.minimum() == 1


def test_text_parameters_parse_and_report_errors_inline(window, qtbot):
    window.project.model.set_input_shape((1, 12, 12))
    window.designer.append_layer("Conv2d")
    inspector = window.designer.inspector
    editor = inspector.editors["kernel_size"]
    editor.line.clear()
    qtbot.keyClicks(editor.line, "3, 5")
    qtbot.keyClick(editor.line, Qt.Key.Key_Return)
    assert window.project.model.layers[0].params["kernel_size"] == [3, 5]
    assert shown_shape(window.designer.view, 0) == "(16, 10, 8)"

    editor.line.clear()
    qtbot.keyClicks(editor.line, "three")
    qtbot.keyClick(editor.line, Qt.Key.Key_Return)
    assert editor.error.isVisibleTo(inspector)
    assert "whole numbers" in editor.error.text()
    assert window.project.model.layers[0].params["kernel_size"] == [3, 5]


def test_invalid_layers_are_marked_with_the_reason(window):
    model = mlp(window)
    view = window.designer.view
    palette = window.designer.layer_palette
    drop(
        view.viewport(),
        palette.tree.mimeData([palette.item("Conv2d")]),
        gap_point(view, 1),
    )
    assert types(model)[1] == "Conv2d"
    error = view.model().index(1, 0).data(ErrorRole)
    assert error.startswith("Conv2d needs input shaped (channels, height, width)")
    assert "add Unflatten before it or use Linear" in error
    assert view.model().index(2, 0).data(InfoRole).output_shape is None  # unknown below
    assert "layer 2" in window.designer.totals.text()
    # still editable: fix it by undoing
    window.undo_action.trigger()
    assert view.model().index(1, 0).data(ErrorRole) is None


def test_typing_the_input_shape(window, qtbot):
    model = mlp(window)
    bar = window.designer.input_bar
    bar.edit.clear()
    qtbot.keyClicks(bar.edit, "20")
    qtbot.keyClick(bar.edit, Qt.Key.Key_Return)
    assert model.input_shape == (20,)
    assert model.analyze().layers[0].params == 20 * 12 + 12
    window.undo_action.trigger()
    assert model.input_shape == (8,)
    assert bar.edit.text() == "8"

    bar.edit.clear()
    qtbot.keyClicks(bar.edit, "1, x")
    qtbot.keyClick(bar.edit, Qt.Key.Key_Return)
    assert model.input_shape == (8,)
    assert "whole numbers" in bar.error.text()


def test_every_edit_is_one_undo_step(window):
    mlp(window)
    window.designer.append_layer("Dropout")
    window.designer.view.select_row(5)
    window.designer.inspector.editors["p"].spin.setValue(0.2)
    window.designer.inspector.editors["p"].spin.setValue(0.3)  # merges with the last
    assert window.undo_stack.count() == 2
    assert window.undo_stack.undoText() == "Set Dropout p"
    assert window.undo_action.shortcut().toString() == "Ctrl+Z"
    keys = [k.toString() for k in window.redo_action.shortcuts()]
    assert "Ctrl+Shift+Z" in keys
    # a key listed twice on one action is ambiguous to Qt and does nothing (on
    # X11 the standard redo key is Ctrl+Shift+Z itself)
    assert len(keys) == len(set(keys))


def test_ctrl_shift_z_redoes_and_is_listed_once_even_where_it_is_standard(
    window, qtbot
):
    from PySide6.QtGui import QKeySequence

    from guinet.gui.main_window import redo_shortcuts

    x11 = [QKeySequence("Ctrl+Shift+Z")]  # X11's standard redo binding
    assert [k.toString() for k in redo_shortcuts(x11)] == ["Ctrl+Shift+Z", "Ctrl+Y"]
    window.designer.append_layer("ReLU")
    window.undo_stack.undo()
    assert len(window.project.model.layers) == 0
    window.activateWindow()
    window.designer.view.setFocus()
    shift_ctrl = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window.designer.view, Qt.Key.Key_Z, shift_ctrl)
    assert len(window.project.model.layers) == 1


def test_the_model_page_fix_comes_from_the_session_and_undoes_in_one_step(
    qtbot, window, tmp_path
):
    """Binary data, CrossEntropyLoss and one output: the Model page shows the
    session's finding, its Fix sets the size the loss needs, and then no page
    has anything left to say; Ctrl+Z takes the fix back."""
    import json

    path = tmp_path / "binary.guinet"
    layers = [
        {"type": "Linear", "out_features": 8},
        {"type": "ReLU"},
        {"type": "Linear", "out_features": 1},
    ]
    path.write_text(
        json.dumps(
            {
                "guinet": 1,
                "data": {"source": {"kind": "builtin", "name": "moons"}},
                "model": {"layers": layers},
                "training": {"loss": {"type": "CrossEntropyLoss"}},
            }
        )
    )
    assert window.open_path(path, ask=False)
    qtbot.waitUntil(lambda: window.session.prepared is not None, timeout=20_000)
    totals = window.designer.totals
    qtbot.waitUntil(lambda: totals.fix_button.isVisibleTo(window.designer))
    assert "one per class" in totals.text()
    assert "out_features to 2" in totals.fix_button.toolTip()
    qtbot.mouseClick(totals.fix_button, Qt.MouseButton.LeftButton)
    assert window.project.model.layers[2].params["out_features"] == 2
    assert window.session.preflight().ok
    assert not totals.fix_button.isVisibleTo(window.designer)
    window.designer.view.setFocus()
    qtbot.keyClick(
        window.designer.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier
    )
    assert window.project.model.layers[2].params["out_features"] == 1
    qtbot.waitUntil(lambda: totals.fix_button.isVisibleTo(window.designer))
