"""The decision boundary on the Train page: live during a run, replay after it."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication, QWidget

from guinet._resources import resource
from guinet.core.boundary import boundary_at, boundary_rgba
from guinet.gui.data_views import CLASS_COLORS
from tests.gui.helpers import choose, settle

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture(autouse=True)
def _delete_closed_windows(qapp):
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def open_example(qtbot, window, stem, epochs):
    window.open_example(resource("examples", f"{stem}.guinet"))
    window.tabs.setCurrentWidget(window.training_panel)
    panel = window.training_panel
    panel.form.set_value("epochs", epochs)
    settle(qtbot, window)
    show_the_boundary(qtbot, panel)
    return panel


def show_the_boundary(qtbot, panel):
    """In a narrow window the classroom panes are tabs: click the boundary's."""
    classroom = panel.classroom
    if classroom.tabbed:
        bar = classroom.tab_bar
        index = [bar.tabText(i) for i in range(bar.count())].index("Decision boundary")
        qtbot.mouseClick(bar, LEFT, pos=bar.tabRect(index).center())
        assert panel.boundary.isVisible()


def train(qtbot, panel):
    with qtbot.waitSignal(panel.runner.run_ended, timeout=60_000):
        qtbot.mouseClick(panel.train_button, LEFT)
    view = panel.boundary
    qtbot.waitUntil(lambda: not view.busy, timeout=10_000)


def brush(points):
    """The first point's fill (its own, else the item's)."""
    own = points.data[0]["brush"]
    return own if own is not None else points.opts["brush"]


class RecordingView(QWidget):
    """A view registered as the network view is: it records what it is fed."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def clear(self):
        self.calls.append(("clear",))

    def show_state(self, state, epoch, batch):
        self.calls.append(("show_state", epoch, batch))


def test_boundary_follows_the_run_then_replays_each_kept_epoch(window, qtbot):
    panel = open_example(qtbot, window, "moons_mlp", 30)
    view = panel.boundary
    other = RecordingView()
    panel.classroom.add_view("Recorder", other)
    seen = []  # (epoch, batch, still training, image) per update on screen

    def record(epoch, batch):
        seen.append((epoch, batch, panel.is_training, view.image.image.copy()))

    view.updated.connect(record)
    train(qtbot, panel)
    assert view.applicable and view.placeholder_text == ""
    assert len(seen) >= 2, "the boundary was not redrawn as the model learnt"
    assert any(training for _, _, training, _ in seen), "no update during the run"
    assert seen[0][0] < seen[-1][0]
    first, last = seen[0][3], seen[-1][3]
    assert first.shape == last.shape == (100, 100, 4)
    assert np.abs(first.astype(int) - last.astype(int)).mean() > 1.0
    # training points filled, test points hollow, one per row
    prepared = view._prepared
    assert len(view.train_points.data) == len(prepared.x_train)
    assert len(view.test_points.data) == len(prepared.x_test)
    assert brush(view.test_points).style() == Qt.BrushStyle.NoBrush
    assert brush(view.train_points).style() != Qt.BrushStyle.NoBrush

    # replay: the slider, moved with the keyboard, shows a kept epoch
    bar = panel.classroom.replay
    kept = panel.classroom.kept()
    assert bar.isVisible() and bar.epochs == sorted(kept) and 0 in kept
    qtbot.mouseClick(bar.slider, LEFT)  # gives it the focus, as a person does
    with qtbot.waitSignal(view.updated, timeout=10_000) as shown:
        qtbot.keyClick(bar.slider, Qt.Key.Key_Home)
        qtbot.keyClick(bar.slider, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: not view.busy, timeout=10_000)
    epoch = bar.epochs[1]
    assert bar.epoch == epoch and view.shown == (epoch, None)
    assert shown.args[0] in bar.epochs
    expected = boundary_rgba(
        boundary_at(panel.runner.job.model_spec, kept[epoch], view.plan),
        CLASS_COLORS,
    )
    np.testing.assert_array_equal(view.image.image, expected)
    markers = panel.classroom.markers
    assert all(line.isVisible() and line.value() == epoch for line in markers)
    assert f"epoch {epoch} of {bar.epochs[-1]}" == bar.label.text()
    assert other.calls[0] == ("clear",)
    assert ("show_state", 0, None) in other.calls  # live, before the first step
    assert other.calls[-1] == ("show_state", epoch, None)  # replayed

    # Play runs to the last kept epoch and stops
    qtbot.mouseClick(bar.play_button, LEFT)
    qtbot.waitUntil(lambda: not bar.play_button.isChecked(), timeout=30_000)
    qtbot.waitUntil(lambda: not view.busy, timeout=10_000)
    assert bar.epoch == bar.epochs[-1] and view.shown == (bar.epochs[-1], None)

    # a new run hides the replay and follows the live weights again
    seen.clear()
    panel.form.set_value("epochs", 2)
    train(qtbot, panel)
    assert seen and seen[0][0] == 0
    restored = panel.runner.job.result.restored_epoch
    if restored in (None, 2):  # the last epoch's weights: nothing to mark
        assert not any(line.isVisible() for line in markers)
    else:  # the best epoch's weights were put back: marked, and shown
        assert all(line.value() == restored for line in markers)


def test_one_feature_regression_draws_the_fitted_curve(qtbot):
    import torch

    from guinet.core.boundary import boundary_at
    from guinet.core.data import prepare
    from guinet.core.model import ModelSpec
    from guinet.gui.boundary_view import BoundaryView

    data = prepare(
        {
            "source": {"kind": "builtin", "name": "sine", "samples": 80},
            "target": -1,
            "task": "regression",
            "scaling": "standard",
            "split": {"validation": 0.2, "test": 0.2, "seed": 0},
        },
        ".",
    )
    spec = ModelSpec.from_dict(
        {"input_shape": [1], "layers": [{"type": "Linear", "out_features": 1}]}
    )
    view = BoundaryView()
    qtbot.addWidget(view)
    view.set_data(spec, data)
    assert view.plan.kind == "curve" and not view.pickers.isVisibleTo(view)
    state = {"0.weight": torch.tensor([[2.0]]), "0.bias": torch.tensor([0.5])}
    with qtbot.waitSignal(view.updated, timeout=10_000):
        view.show_state(state, 3, None)
    x, y = view.curve.getData()
    expected = boundary_at(spec, state, view.plan)
    np.testing.assert_allclose(x, view.plan.axis(0))
    np.testing.assert_allclose(y, expected.values)
    points_y = view.train_points.getData()[1]
    np.testing.assert_allclose(points_y, data.y_train[:, 0])
    qtbot.waitUntil(lambda: not view.task.running, timeout=5_000)


def test_more_than_two_features_pick_the_plane(window, qtbot):
    panel = open_example(qtbot, window, "iris_mlp", 3)
    view = panel.boundary
    train(qtbot, panel)
    assert view.pickers.isVisibleTo(view)
    assert view.plan.features == (0, 1)
    with qtbot.waitSignal(view.updated, timeout=10_000):
        choose(qtbot, view.x_feature, 2)
    assert view.plan.features == (2, 1)
    assert view.plot.getPlotItem().getAxis("bottom").labelText == "petal length (cm)"
    rows = view.plan.inputs()
    mean = view._prepared.x_train.mean(axis=0)
    np.testing.assert_allclose(rows[:, 0], mean[0], atol=1e-6)
    np.testing.assert_allclose(rows[:, 3], mean[3], atol=1e-6)


def test_images_get_a_sentence_instead_of_a_boundary(window, qtbot):
    panel = open_example(qtbot, window, "digits_cnn", 1)
    view = panel.boundary
    assert "Train a model" in view.placeholder_text  # before any run
    with qtbot.waitSignal(panel.runner.run_started, timeout=60_000):
        qtbot.mouseClick(panel.train_button, LEFT)
    assert not view.applicable
    assert "images" in view.placeholder_text
    assert view.placeholder.isVisibleTo(view)
    with qtbot.waitSignal(panel.runner.run_ended, timeout=60_000):
        qtbot.mouseClick(panel.stop_button, LEFT)


@pytest.mark.parametrize("scale", [1.0, 1.8])  # 1.8: presentation mode's text
def test_in_a_narrow_pane_the_caption_keeps_to_two_lines(qtbot, scale):
    """At ~300 px (the spirals lesson on a 1280×720 projector) the caption
    under the plot says what fits in two lines, the key first; the rest is
    its tooltip, and the plot keeps the height."""
    import json

    from guinet.core.data import prepare
    from guinet.core.model import ModelSpec
    from guinet.gui.boundary_view import BoundaryView

    project = json.loads(resource("examples", "spirals.guinet").read_text())
    data = prepare(
        {
            **project["data"],
            "source": {"kind": "builtin", "name": "spirals", "samples": 120, "seed": 0},
        },
        ".",
    )
    spec = ModelSpec.from_dict(project["model"])
    view = BoundaryView()
    qtbot.addWidget(view)
    font = view.font()
    font.setPointSizeF(font.pointSizeF() * scale)
    view.setFont(font)
    view.resize(200 if scale > 1 else 300, 330)
    view.show()
    qtbot.waitExposed(view)
    view.set_data(spec, data)
    QApplication.processEvents()
    caption = view.caption
    full = caption.toolTip()
    assert full.startswith("● training, ○ test.") and "paler where" in full
    assert caption.text() == full
    spacing = caption.fontMetrics().lineSpacing()
    assert len(caption.shown_lines()) <= 2
    assert caption.height() <= 2 * spacing + 1
    assert caption.shown_lines()[0].startswith("● training")
    # the plot gets the rest: most of the pane's height
    assert view.plot.height() >= view.height() - 2 * spacing - 40
    if scale > 1:
        assert caption.is_cut() and caption.shown_lines()[-1].endswith("…")


def test_after_early_stopping_the_views_show_the_weights_put_back(window, qtbot):
    """The model holds the best epoch's weights after early stopping: the
    boundary (every view) shows that epoch, not the last one trained."""
    panel = open_example(qtbot, window, "moons_mlp", 300)
    panel.form.set_value("early_stopping.patience", 3)
    panel.form.set_value("early_stopping.restore_best", True)
    other = RecordingView()
    panel.classroom.add_view("Recorder", other)
    train(qtbot, panel)
    result = panel.runner.job.result
    restored = result.restored_epoch
    assert result.stop_reason == "early_stopping"
    assert restored is not None and restored < result.epochs_run
    assert other.calls[-1] == ("show_state", restored, None)
    assert panel.classroom.replay.epoch == restored
    assert panel.classroom.markers[0].value() == restored
