"""The Predict page, driven as a person does: typing into the fields, picking a
test row, drawing a digit with the mouse and opening image files; every
number it shows is checked against the core's own preparation and
prediction."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from guinet.core.predict import predict_array
from guinet.core.predict_fields import row_inputs, split_row
from guinet.core.predict_images import prepare_image
from guinet.core.project import Project
from guinet.core.session import Session
from guinet.core.trained import TrainedModel, load_trained
from guinet.gui.image_predictor import ImagePredictor
from guinet.gui.row_predictor import RowPredictor
from tests.gui.helpers import settle

IRIS = {"source": {"kind": "builtin", "name": "iris"}}
DIGITS = {"source": {"kind": "builtin", "name": "digits"}}
MLP = [
    {"type": "Linear", "out_features": 8},
    {"type": "ReLU"},
    {"type": "Linear", "out_features": 3},
]
CNN = [
    {"type": "Conv2d", "out_channels": 8, "kernel_size": 3, "padding": 1},
    {"type": "ReLU"},
    {"type": "Flatten"},
    {"type": "Linear", "out_features": 10},
]


def trained_project(
    tmp_path: Path, data: dict[str, Any], layers: list[dict[str, Any]], epochs: int
) -> tuple[Path, TrainedModel]:
    raw = {
        "guinet": 1,
        "name": "tiny",
        "data": data,
        "model": {"layers": layers},
        "training": {
            "optimizer": {"type": "Adam", "lr": 0.01},
            "batch_size": 32,
            "epochs": epochs,
            "device": "cpu",
            "seed": 0,
            "early_stopping": {"enabled": False},
            "checkpoint": {"enabled": True, "dir": "{project}-checkpoints"},
        },
    }
    project = Project.from_dict(raw)
    path = project.save(tmp_path / "tiny.guinet")
    session = Session(project)
    session.prepare_run().trainer.fit()
    return path, load_trained(session)


def open_predict_page(qtbot, window, path: Path):  # type: ignore[no-untyped-def]
    assert window.open_path(path)
    settle(qtbot, window)
    panel = window.predict_panel
    window.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.tool is not None, timeout=20_000)
    return panel


def type_into(qtbot, spin, text: str) -> None:  # type: ignore[no-untyped-def]
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(spin, text)


def test_nothing_trained_says_what_to_do(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    settle(qtbot, window)
    panel = window.predict_panel
    assert window.tabs.tabText(window.tabs.indexOf(panel)) == "Predict"
    assert window.tabs.indexOf(panel) == window.tabs.indexOf(window.evaluate_panel) + 1
    window.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: not panel._stale)
    assert panel.tool is None
    assert "Nothing trained yet" in panel.placeholder.text()
    assert "Train" in panel.placeholder.text()
    assert panel.weights_text() == "none yet"


def test_typed_values_give_the_cores_probabilities_and_a_test_row_its_truth(
    qtbot, window, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    deep = tmp_path / ("a long folder name " * 6) / ("and a deeper one " * 6)
    deep.mkdir(parents=True)
    path, trained = trained_project(deep, IRIS, MLP, epochs=5)
    panel = open_predict_page(qtbot, window, path)
    assert panel.weights_label.toolTip() == str(window.session.weights_path())
    assert panel.weights_text().startswith("best")
    # a deep folder is elided: the page still fits a window fitted to 1280×720
    assert "…" in panel.weights_label.text()
    assert panel.minimumSizeHint().width() < 1100
    assert window.minimumSizeHint().width() <= 1180
    tool = panel.tool
    assert isinstance(tool, RowPredictor)
    prepared = trained.prepared

    def expected() -> np.ndarray:
        x = row_inputs(prepared, tool.values())
        probabilities = predict_array(trained, x).probabilities
        assert probabilities is not None
        return probabilities[0]

    # prefilled with the training medians, predicted at once
    petal = tool.editors["petal length (cm)"]
    assert "range" in tool.range_labels["petal length (cm)"].text()
    np.testing.assert_allclose(tool.bars.values(), expected(), atol=1e-6)
    assert tool.bars.class_names() == prepared.class_names
    type_into(qtbot, petal, "6.1")
    type_into(qtbot, tool.editors["petal width (cm)"], "2.3")
    assert petal.value() == pytest.approx(6.1)
    assert tool.values()["petal width (cm)"] == pytest.approx(2.3)
    np.testing.assert_allclose(tool.bars.values(), expected(), atol=1e-6)
    assert tool.bars.predicted() == prepared.class_names[int(np.argmax(expected()))]
    # far outside the training range: said beside the field
    type_into(qtbot, petal, "30")
    assert "color" in tool.range_labels["petal length (cm)"].styleSheet()
    np.testing.assert_allclose(tool.bars.values(), expected(), atol=1e-6)

    # pick test row 3: its values fill the fields, its truth is shown
    type_into(qtbot, tool.test_row, "3")
    assert tool.test_row.value() == 3
    row = split_row(prepared, 2)
    for name, value in row.values.items():
        assert tool.values()[name] == pytest.approx(value, abs=1e-4)
    truth = prepared.class_names[int(prepared.y_test[2])]
    assert f"Truth: <b>{truth}</b>" in tool.truth_label.text()
    on_x_test = predict_array(trained, prepared.x_test[2:3])
    assert f"predicted: <b>{on_x_test.labels[0]}</b>" in tool.truth_label.text()
    np.testing.assert_allclose(
        tool.bars.values(), on_x_test.probabilities[0], atol=1e-5
    )
    # an edit leaves the row: no truth claimed for the person's own values
    type_into(qtbot, tool.editors["sepal width (cm)"], "4")
    assert tool.test_row.value() == 0
    assert "Your own values" in tool.truth_label.text()

    # other weights (as "Load weights…" on the Train page): the page follows
    last = next(path.parent.glob("*-checkpoints/last*.ckpt"))
    window.session.use_weights(last)
    qtbot.waitUntil(lambda: panel.tool is not None and panel.tool is not tool)
    assert panel.weights_text().startswith(last.name)
    lasting = load_trained(Session(Project.load(path)), last)
    x = row_inputs(prepared, panel.tool.values())
    np.testing.assert_allclose(
        panel.tool.bars.values(),
        predict_array(lasting, x).probabilities[0],
        atol=1e-6,
    )


def test_a_regression_model_shows_the_predicted_value(
    qtbot, window, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    sine = {"source": {"kind": "builtin", "name": "sine", "samples": 80}}
    layers = [*MLP[:2], {"type": "Linear", "out_features": 1}]
    path, trained = trained_project(tmp_path, sine, layers, epochs=3)
    panel = open_predict_page(qtbot, window, path)
    tool = panel.tool
    assert isinstance(tool, RowPredictor) and not tool.bars.isVisible()
    type_into(qtbot, tool.editors["x"], "1.5")
    value = predict_array(trained, row_inputs(trained.prepared, {"x": 1.5})).values
    assert tool.value_label.text() == f"Predicted: <b>y = {value[0, 0]:.4g}</b>"
    type_into(qtbot, tool.test_row, "2")
    truth = float(trained.prepared.y_test[1, 0])
    assert f"Truth: <b>{truth:.4g}</b>" in tool.truth_label.text()


@pytest.fixture
def digits(qtbot, window, tmp_path: Path):  # type: ignore[no-untyped-def]
    path, trained = trained_project(tmp_path, DIGITS, CNN, epochs=3)
    panel = open_predict_page(qtbot, window, path)
    assert isinstance(panel.tool, ImagePredictor)
    return panel.tool, trained


def stroke(canvas, points: list[tuple[int, int]]) -> None:  # type: ignore[no-untyped-def]
    left = Qt.MouseButton.LeftButton
    none = Qt.KeyboardModifier.NoModifier
    QTest.mousePress(canvas, left, none, QPoint(*points[0]))
    for point in points[1:]:
        QTest.mouseMove(canvas, QPoint(*point))
    QTest.mouseRelease(canvas, left, none, QPoint(*points[-1]))


def test_drawing_a_digit_moves_the_bars(qtbot, digits) -> None:  # type: ignore[no-untyped-def]
    tool, trained = digits
    canvas = tool.canvas
    assert tool.bars.values() == [] and canvas.is_blank()
    # the top bar of a 3, then (before release) the bars already follow the pen
    left = Qt.MouseButton.LeftButton
    QTest.mousePress(canvas, left, Qt.KeyboardModifier.NoModifier, QPoint(60, 40))
    for x in range(70, 170, 10):
        QTest.mouseMove(canvas, QPoint(x, 40))
    qtbot.waitUntil(lambda: len(tool.bars.values()) == 10)
    assert canvas.picture()[39, 150] == 255  # the moves inked, far from the press
    early = prepare_image(tool.spec, trained.prepared, canvas.picture())
    np.testing.assert_array_equal(tool.last_input, early.x)
    QTest.mouseRelease(canvas, left, Qt.KeyboardModifier.NoModifier, QPoint(160, 40))
    first = tool.bars.values()
    # the rest of the 3
    stroke(
        canvas, [(160, 40), (165, 70), (120, 110), (165, 140), (160, 180), (60, 185)]
    )
    made = prepare_image(tool.spec, trained.prepared, canvas.picture())
    np.testing.assert_array_equal(tool.last_input, made.x)
    np.testing.assert_array_equal(tool.seen.picture(), made.seen)
    probabilities = predict_array(trained, made.x).probabilities
    np.testing.assert_allclose(tool.bars.values(), probabilities[0], atol=1e-6)
    assert not np.allclose(tool.bars.values(), first)
    assert made.seen.shape == (8, 8) and made.seen.max() > 0.5
    # Clear starts again
    qtbot.mouseClick(tool.clear_button, Qt.MouseButton.LeftButton)
    assert canvas.is_blank() and tool.bars.values() == []


def test_an_image_file_is_predicted_and_a_broken_one_is_a_message(
    qtbot, digits, dialogs, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    tool, trained = digits
    picture = np.full((64, 48), 255, np.uint8)
    picture[8:56, 20:28] = 0  # a dark 1 on white paper
    Image.fromarray(picture).save(tmp_path / "one.png")
    dialogs.answers.append(str(tmp_path / "one.png"))
    qtbot.mouseClick(tool.open_button, Qt.MouseButton.LeftButton)
    made = prepare_image(tool.spec, trained.prepared, tmp_path / "one.png")
    np.testing.assert_array_equal(tool.last_input, made.x)
    assert tool.source_label.text() == "Source: one.png"
    assert not tool.message.isVisible()
    shown = tool.bars.values()
    np.testing.assert_allclose(
        shown, predict_array(trained, made.x).probabilities[0], atol=1e-6
    )

    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not a picture")
    dialogs.answers.append(str(tmp_path / "broken.png"))
    qtbot.mouseClick(tool.open_button, Qt.MouseButton.LeftButton)
    assert tool.message.isVisible()
    assert "broken.png is not an image guinet can read" in tool.message.text()
    assert tool.bars.values() == shown  # the last prediction stays
    assert tool.source_label.text() == "Source: one.png"
