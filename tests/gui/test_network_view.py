"""The network view on the Train page: live during a run, hover, one step."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtWidgets import QApplication, QToolTip

from guinet._resources import resource
from guinet.core.network import dense_layout
from guinet.core.network_step import NetworkSource, inside_step
from tests.gui.helpers import settle

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture(autouse=True)
def _delete_closed_windows(qapp):
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def give_the_network_room(panel) -> None:
    """Drag the splitters as a teacher would: the classroom views over the
    run log, and the network pane (beside the curves and the boundary) wide."""
    from PySide6.QtWidgets import QSplitter

    vertical = panel.classroom.parentWidget()  # the classroom over the run log
    assert isinstance(vertical, QSplitter)
    total = sum(vertical.sizes())
    vertical.setSizes([total - 40, 40])
    splitter = panel.classroom.splitter
    total = sum(splitter.sizes())
    splitter.setSizes([total // 8, total // 8, total - total // 4])
    QApplication.processEvents()


@pytest.fixture
def panel(window, qtbot):
    """The moons example on the Train page, its network pane made large."""
    window.resize(1600, 1000)
    window.open_example(resource("examples", "moons_mlp.guinet"))
    window.tabs.setCurrentWidget(window.training_panel)
    panel = window.training_panel
    settle(qtbot, window)  # the page shown: its remembered sizes are in
    give_the_network_room(panel)
    yield panel
    if panel.is_training:
        panel.stop_training()
    panel.network.stop()


def train(qtbot, panel, epochs: int, batch_size: int = 32) -> list:
    """Press Train; return (epoch, batch, line widths, running) per update."""
    panel.form.set_value("epochs", epochs)
    panel.form.set_value("batch_size", batch_size)
    panel.form.set_value("early_stopping.enabled", False)
    view = panel.network
    updates: list = []

    def record(epoch, batch):
        widths = [w.copy() for w in view.dense.line_widths()]
        updates.append((epoch, batch, widths, panel.is_training))

    view.view_updated.connect(record)
    with qtbot.waitSignal(panel.runner.run_ended, timeout=60_000):
        qtbot.mouseClick(panel.train_button, LEFT)
    # the newest copy is drawn last (latest wins): the end of the last epoch
    qtbot.waitUntil(
        lambda: bool(updates) and updates[-1][:2] == (epochs, None), timeout=10_000
    )
    return updates


def test_the_view_follows_a_run_live_and_its_lines_change(panel, qtbot) -> None:
    updates = train(qtbot, panel, epochs=40, batch_size=8)
    during = [u for u in updates if u[3]]
    assert len(during) >= 2, "the network was not redrawn while training"
    # rate-limited: far fewer pictures than the copies the run sent
    assert len(updates) < 40 + 1
    first, last = updates[0][2], updates[-1][2]
    assert [w.shape for w in first] == [(12, 2), (12, 12), (2, 12)]
    assert any(not np.allclose(a, b) for a, b in zip(first, last, strict=True))
    # the drawing holds the final weights, read from the run's last copy
    view = panel.network
    assert view.status.text() == "epoch 40"
    assert view.status.toolTip() == "Weights after epoch 40."
    diagram = view.dense.picture.diagram
    np.testing.assert_array_equal(
        diagram.weights[0], view.state["0.weight"][:12].numpy()
    )
    assert [layer.more for layer in diagram.layers] == [0, 4, 4, 0]
    # 2-D data: every drawn unit holds its activation map
    assert [len(maps) for maps in view.dense.picture.maps] == [2, 12, 12, 2]


def hover(qtbot, canvas, point: QPointF) -> str:
    qtbot.mouseMove(canvas, QPoint(round(point.x()), round(point.y())))
    qtbot.waitUntil(lambda: bool(canvas.hover_text), timeout=2_000)
    return canvas.hover_text


def edge_point(canvas, layer: int, row: int, col: int) -> QPointF:
    start = canvas.unit_centre(layer, col)
    end = canvas.unit_centre(layer + 1, row)
    # a point along the line, past the crowd where lines meet a unit
    return QPointF(
        start.x() + 0.3 * (end.x() - start.x()), start.y() + 0.3 * (end.y() - start.y())
    )


def test_hovering_a_unit_or_a_weight_shows_its_numbers(panel, qtbot) -> None:
    train(qtbot, panel, epochs=3)
    canvas = panel.network.dense
    diagram = canvas.picture.diagram
    text = hover(qtbot, canvas, canvas.unit_centre(1, 0))
    assert text.startswith("Linear 1, unit 1")
    assert f"bias {float(diagram.biases[0][0]):+.4f}" in text
    # the last layer's lines: two outputs, so each line is easy to pick out
    text = hover(qtbot, canvas, edge_point(canvas, 2, 1, 0))
    match = re.search(r"w = ([-+0-9.]+)", text)
    assert match, text
    row, col = (1, 0) if "unit 2" in text.splitlines()[0] else (0, 0)
    assert text.splitlines()[0].startswith("weight unit")
    assert float(match.group(1)) == pytest.approx(
        float(diagram.weights[2][row, col]), abs=1e-4
    )
    assert QToolTip.text() == text


def test_inside_one_step_shows_the_cores_loss_gradients_and_updates(
    panel, qtbot
) -> None:
    train(qtbot, panel, epochs=2)
    view = panel.network
    qtbot.mouseClick(view.step_mode, LEFT)
    assert view.step_button.isVisible()
    view.sample.selectAll()
    qtbot.keyClicks(view.sample, "5")
    assert view.sample.value() == 5
    with qtbot.waitSignal(view.step_shown, timeout=10_000) as shown:
        qtbot.mouseClick(view.step_button, LEFT)

    source = NetworkSource.from_session(panel.session)
    layout = dense_layout(source.model(view.state))
    x, y = source.sample(5)
    expected = inside_step(source, view.state, layout, x, y)
    assert shown.args[0] == pytest.approx(expected.loss, rel=1e-6)
    assert f"CrossEntropyLoss = {expected.loss:.4f}</b> on test sample 5" in (
        view.loss_label.text()
    )
    assert "Adam does not move a weight by lr × gradient" in view.loss_label.text()
    assert "Backpropagation" in view.legend.text()
    # the lines now show the updates, and a weight's tooltip its gradient
    canvas = view.dense
    text = hover(qtbot, canvas, edge_point(canvas, 2, 0, 0))
    row = 1 if "unit 2" in text.splitlines()[0] else 0
    grad = expected.gradients["4.weight"][row, 0]
    update = expected.updates["4.weight"][row, 0]
    assert f"gradient ∂loss/∂w = {grad:+.4g}" in text
    assert f"update (new − old) = {update:+.4g}" in text
    # the widths follow the gradients' sizes
    widths = canvas.line_widths()[2]
    grads = np.abs(expected.gradients["4.weight"][:, :12])
    assert np.unravel_index(widths.argmax(), widths.shape) == np.unravel_index(
        grads.argmax(), grads.shape
    )
    # back to Live: the legend and the weights come back
    qtbot.mouseClick(view.step_mode, LEFT)
    assert not view.step_button.isVisible() and view.loss_label.text() == ""


def test_a_cnn_shows_filters_and_the_chosen_samples_feature_maps(window, qtbot) -> None:
    window.resize(1600, 1000)
    window.open_example(resource("examples", "digits_cnn.guinet"))
    window.tabs.setCurrentWidget(window.training_panel)
    panel = window.training_panel
    settle(qtbot, window)  # the page shown: its remembered sizes are in
    give_the_network_room(panel)
    panel.form.set_value("epochs", 1)
    view = panel.network
    with qtbot.waitSignal(panel.runner.run_ended, timeout=60_000):
        qtbot.mouseClick(panel.train_button, LEFT)
    qtbot.waitUntil(lambda: view.status.toolTip().startswith("Weights after epoch 1;"))
    assert view.stack.currentWidget() is not view.dense
    assert not view.step_mode.isVisible()  # one step is for dense networks
    assert view.legend.text().startswith("Filters:")
    picture = view.conv.picture
    assert [v.title for v in picture.views] == ["Conv2d 1", "Conv2d 2"]
    assert picture.views[0].filters.shape == (16, 1, 3, 3)
    np.testing.assert_array_equal(
        picture.views[0].filters, view.state["0.weight"][:16].numpy()
    )
    first_maps = picture.views[0].maps.copy()
    # another test sample: its own feature maps
    with qtbot.waitSignal(view.view_updated, timeout=10_000):
        view.sample.selectAll()
        qtbot.keyClicks(view.sample, "7")
    assert "test sample 7" in view.status.toolTip()
    assert view.status.text() == "epoch 1 · sample 7"
    assert not np.allclose(view.conv.picture.views[0].maps, first_maps)
    rect = view.conv._tiles[0][0]  # noqa: SLF001 - where the first filter lies
    qtbot.mouseMove(view.conv, rect.center().toPoint())
    qtbot.waitUntil(lambda: view.conv.hover_text.startswith("Conv2d 1, filter 1"))
    panel.network.stop()


def spiral_diagram():
    """The spirals lesson's network (2 → 8 → 8 → 8 → 2, Tanh), seeded."""
    import torch

    from guinet.core.network import describe_network

    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 8),
        torch.nn.Tanh(),
        torch.nn.Linear(8, 8),
        torch.nn.Tanh(),
        torch.nn.Linear(8, 8),
        torch.nn.Tanh(),
        torch.nn.Linear(8, 2),
    )
    return describe_network(model, dense_layout(model, ["x1", "x2"]))


def fake_step(diagram):
    """A step result with long values (-12.34) at the inputs: only what the
    drawing reads."""
    from types import SimpleNamespace

    values = [np.full(layer.size, -12.345) for layer in diagram.layers]
    shapes = {
        f"{layer.linear}.weight": (layer.size, before.size)
        for before, layer in zip(diagram.layers, diagram.layers[1:], strict=False)
    }
    ones = {key: np.ones(shape) for key, shape in shapes.items()}
    return SimpleNamespace(values=values, gradients=ones, updates=ones)


@pytest.mark.parametrize("scale", [1.0, 1.8])  # 1.8: presentation mode's text
@pytest.mark.parametrize("width", [110, 200, 300, 700])
def test_layer_titles_fit_their_columns_and_never_overlap(qtbot, width, scale):
    from PySide6.QtCore import QRectF

    from guinet.gui.network_canvas import DenseCanvas, DensePicture

    canvas = DenseCanvas()
    qtbot.addWidget(canvas)
    font = canvas.font()
    font.setPointSizeF(font.pointSizeF() * scale)
    canvas.setFont(font)
    canvas.resize(width, 260)
    canvas.show()
    canvas.show_picture(DensePicture(spiral_diagram()))
    rects = [rect for rect, _text, _full in canvas.titles]
    inside = QRectF(canvas.rect())
    for rect in rects:
        assert inside.contains(rect), (rect, width)
    for a, b in zip(rects, rects[1:], strict=False):
        assert a.right() <= b.left(), (a, b)
    # what is drawn is the whole title when there is room, a short one when not
    texts = [text for _rect, text, _full in canvas.titles]
    if width == 700 and scale == 1.0:
        assert texts == ["Input", "Linear 1 · Tanh", "Linear 2 · Tanh"] + [
            "Linear 3 · Tanh",
            "Linear 4",
        ]
    if width == 300:
        assert texts[1] in ("Linear 1 · Tanh", "L1 tanh", "L1"), texts
    # the input names have room beside their units, the full title a tooltip
    assert canvas._input_labels(canvas._row_step(0)) == ["x1", "x2"]  # noqa: SLF001
    if rects:
        assert canvas.text_at(rects[1].center()) == "Linear 1 · Tanh"
    canvas.grab()  # paints without error


@pytest.mark.parametrize("scale", [1.0, 1.8])
def test_a_narrow_network_pane_keeps_its_header_whole(panel, qtbot, scale) -> None:
    """At ~300 px (a 1280×720 projector), the header's status is short, the
    controls wrap under it, and nothing is cut or outside the pane."""
    train(qtbot, panel, epochs=2)
    view = panel.network
    font = view.font()
    font.setPointSizeF(font.pointSizeF() * scale)
    view.setFont(font)
    qtbot.mouseClick(view.step_mode, LEFT)  # all three controls shown
    for width in (300, 220):
        view.setFixedWidth(width)
        QApplication.processEvents()
        assert view.status.text() == "epoch 2"
        assert view.status.toolTip() == "Weights after epoch 2."
        pane = view.rect()
        for widget in (view.status, view.sample, view.step_mode, view.step_button):
            assert widget.isVisible()
            where = widget.geometry().translated(view.header.pos())
            assert pane.contains(where), (widget, where, pane)
        for widget in (view.sample, view.step_mode, view.step_button):
            assert widget.width() >= widget.sizeHint().width(), widget
            assert widget.height() >= widget.sizeHint().height() - 1, widget
        # the controls are apart: no two overlap
        boxes = [w.geometry() for w in (view.status, view.sample, view.step_mode)]
        boxes.append(view.step_button.geometry())
        for k, a in enumerate(boxes):
            for b in boxes[k + 1 :]:
                assert not a.intersects(b), (a, b)
        # under the picture, the legend keeps to its two lines
        legend = view.legend
        assert legend.height() <= 2 * legend.fontMetrics().lineSpacing() + 2
        assert "Backpropagation" in legend.toolTip()
    qtbot.mouseClick(view.step_mode, LEFT)


@pytest.mark.parametrize("step", [False, True])
@pytest.mark.parametrize("width", [200, 300, 700])
def test_input_names_and_values_have_room_beside_their_units(qtbot, width, step):
    from guinet.gui.network_canvas import DenseCanvas, DensePicture

    canvas = DenseCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(width, 260)
    canvas.show()
    diagram = spiral_diagram()
    canvas.show_picture(
        DensePicture(diagram, step=fake_step(diagram) if step else None)
    )
    metrics = canvas.fontMetrics()
    texts = ["-12.35", "-12.35"] if step else ["x1", "x2"]
    for u, text in enumerate(texts):
        centre = canvas.unit_centre(0, u)
        assert centre.x() - canvas._radius - 4 >= metrics.horizontalAdvance(text)  # noqa: SLF001
    # the two input rows far enough apart for a line of text each
    apart = canvas.unit_centre(0, 1).y() - canvas.unit_centre(0, 0).y()
    assert apart >= metrics.height() * 0.95
    if step:  # the outputs' values end inside the canvas
        last = canvas.unit_centre(len(diagram.layers) - 1, 0)
        right = last.x() + canvas._radius + 2 + metrics.horizontalAdvance("-12.35")  # noqa: SLF001
        assert right <= width + 1
    canvas.grab()
