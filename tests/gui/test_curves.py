"""The Train page's live curves on their own: data, markers and the read-out.

Each test feeds :class:`TrainingCurves` through its public API (what the Train
page calls) and checks what is drawn; the hover tests move a real mouse over
the plot's viewport.
"""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from guinet.core.training.early_stopping import EarlyStoppingStatus
from guinet.gui.curves import TrainingCurves

#: Five epochs of a run: val_loss is best at epoch 3, accuracy at epoch 4.
LOGS = [
    {"loss": 1.0, "val_loss": 1.2, "accuracy": 0.50, "val_accuracy": 0.40, "lr": 0.1},
    {"loss": 0.6, "val_loss": 0.8, "accuracy": 0.70, "val_accuracy": 0.60, "lr": 0.1},
    {"loss": 0.4, "val_loss": 0.5, "accuracy": 0.80, "val_accuracy": 0.75, "lr": 0.05},
    {"loss": 0.3, "val_loss": 0.6, "accuracy": 0.85, "val_accuracy": 0.80, "lr": 0.05},
    {"loss": 0.2, "val_loss": 0.7, "accuracy": 0.90, "val_accuracy": 0.78, "lr": 0.01},
]


def status(**changes) -> dict:
    """Early stopping's state as the Train page passes it on."""
    fields = {
        "enabled": True,
        "monitor": "val_loss",
        "mode": "min",
        "patience": 3,
        "wait": 2,
        "best": 0.5,
        "best_epoch": 3,
    }
    fields.update(changes)
    return EarlyStoppingStatus(**fields).to_dict()


@pytest.fixture
def curves(qtbot):
    widget = TrainingCurves()
    qtbot.addWidget(widget)
    widget.resize(900, 500)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def fill(curves: TrainingCurves, logs=LOGS, lr: bool = True) -> None:
    curves.clear(epochs=10, lr=lr)
    for entry in logs:
        curves.add_epoch(entry)
    curves.refresh()
    QApplication.processEvents()  # as on screen: the plots fit their ranges


def data(curve) -> tuple[list[float], list[float]]:
    """The values a curve was given (before any log axis transforms them)."""
    x, y = curve.getOriginalDataset()
    return ([] if x is None else x.tolist()), ([] if y is None else y.tolist())


def column(key: str, logs=LOGS) -> list[float]:
    return [entry[key] for entry in logs]


# -- curve series ---------------------------------------------------------------
def test_epoch_curves_hold_exactly_what_was_added(curves):
    fill(curves)
    drawn = {
        "loss": curves.loss_curve,
        "val_loss": curves.val_loss_curve,
        "accuracy": curves.metric_curve,
        "val_accuracy": curves.val_metric_curve,
        "lr": curves.lr_curve,
    }
    for key, curve in drawn.items():
        x, y = data(curve)
        assert x == [1, 2, 3, 4, 5], key
        assert y == pytest.approx(column(key)), key
        assert curves.series(key)[1].tolist() == pytest.approx(column(key))
    assert curves.lr_plot.isVisible()
    assert curves.metric_plot.getPlotItem().titleLabel.text == "Accuracy"


def test_a_missing_or_non_finite_value_leaves_a_gap_not_a_zero(curves):
    logs = [dict(entry) for entry in LOGS]
    logs[1]["val_loss"] = math.nan
    del logs[3]["val_loss"]
    fill(curves, logs)
    x, y = curves.val_loss_curve.getData()
    assert x.tolist() == [1, 3, 5]
    assert y.tolist() == pytest.approx([1.2, 0.5, 0.7])
    assert curves.loss_curve.getData()[0].tolist() == [1, 2, 3, 4, 5]


def test_nothing_is_drawn_until_refresh_and_then_in_one_go(curves):
    curves.clear(epochs=3)
    curves.add_epoch(LOGS[0])
    curves.add_epoch(LOGS[1])
    assert data(curves.loss_curve) == ([], [])
    curves.refresh()
    assert data(curves.loss_curve) == ([1, 2], [1.0, 0.6])


def test_batches_are_drawn_inside_their_epoch_and_can_be_hidden(curves):
    # off by default: over a long run the trace buries the epoch curves
    assert not curves.show_batches.isChecked()
    assert not curves.batch_curve.isVisible()
    curves.clear(epochs=2)
    curves.show_batches.setChecked(True)
    curves.clear(epochs=2)
    for epoch in range(2):
        for batch in range(4):
            curves.add_batch(epoch, batch, 4, 1.0 - 0.1 * (4 * epoch + batch))
    curves.refresh()
    x, y = curves.batch_curve.getData()
    assert x.tolist() == pytest.approx([0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2])
    assert y.tolist() == pytest.approx([1.0 - 0.1 * i for i in range(8)])
    assert curves.batch_points == 8
    curves.show_batches.setChecked(False)
    assert not curves.batch_curve.isVisible()
    curves.show_batches.setChecked(True)
    assert curves.batch_curve.isVisible()


def test_a_long_batch_trace_is_decimated_and_clipped(curves):
    curves.show_batches.setChecked(True)
    curves.clear(epochs=1)
    for batch in range(20_000):
        curves.add_batch(0, batch, 20_000, 1.0)
    curves.refresh()
    assert curves.batch_points == 20_000
    assert len(curves.batch_curve.getData()[0]) <= 2_000
    assert curves.batch_curve.opts["clipToView"]
    assert curves.loss_curve.opts["pen"].width() <= 1


def test_clear_with_history_draws_it_first_and_a_branch_keeps_faded_curves(curves):
    fill(curves)
    curves.keep_as_previous()
    faded = curves.previous_curves
    assert len(faded) == 4  # loss, val_loss, accuracy, val_accuracy
    assert faded[0].getData()[1].tolist() == pytest.approx(column("loss"))
    assert all(item in curves.loss_plot.getPlotItem().items for item in faded[:2])

    curves.clear(epochs=6, history=LOGS[:2])
    assert curves.start_epoch == 2
    curves.add_epoch(LOGS[4])
    curves.refresh()
    assert curves.loss_curve.getData()[1].tolist() == [1.0, 0.6, 0.2]
    assert curves.previous_curves == faded  # clear() keeps them

    curves.forget_previous()
    assert curves.previous_curves == []
    assert not any(item in curves.loss_plot.getPlotItem().items for item in faded)


def test_clear_forgets_the_last_runs_axis_ranges(curves):
    long_logs = [dict(LOGS[0], loss=40.0 - i, val_loss=50.0 - i) for i in range(40)]
    fill(curves, long_logs)
    box = curves.loss_plot.getPlotItem().getViewBox()
    assert box.viewRange()[0][1] > 30 and box.viewRange()[1][1] > 30
    box.setRange(xRange=(10, 20))  # a zoom too
    curves.clear(epochs=4)
    QApplication.processEvents()
    (x0, x1), (y0, y1) = box.viewRange()
    assert x1 <= 5 and y1 <= 2  # nothing of 40 epochs and losses of 40 is left
    fill(curves)  # and the next run's data is followed again
    assert box.viewRange()[0][1] >= 5


def test_log_scale_turns_the_loss_axis_logarithmic(curves):
    fill(curves)
    curves.log_scale.setChecked(True)
    assert curves.loss_plot.getPlotItem().getAxis("left").logMode
    curves.log_scale.setChecked(False)
    assert not curves.loss_plot.getPlotItem().getAxis("left").logMode


# -- markers --------------------------------------------------------------------
def test_the_best_epoch_gets_a_star_at_its_monitored_value(curves):
    fill(curves)
    curves.set_early_stopping(status())
    curves.refresh()
    x, y = curves.best_marker.getData()
    assert x.tolist() == [3] and y.tolist() == pytest.approx([0.5])
    assert curves.best_line.isVisible() and curves.best_line.value() == 3
    assert "best: epoch 3" in curves.best_line.label.toPlainText()
    assert curves.best_marker in curves.loss_plot.getPlotItem().items
    assert not curves.stop_line.isVisible()
    # the patience count-down
    text = curves.stopping.text()
    assert curves.stopping.isVisible()
    assert "best val_loss 0.5 at epoch 3" in text
    assert "no improvement for 2 of 3 epochs" in text


def test_the_best_marker_and_count_down_never_run_ahead_of_the_curves(curves):
    """Epochs and early stopping's status arrive faster than the curves are
    drawn: the star and the "best … at epoch N" line wait for the refresh
    that draws epoch N (they once said epoch 105 over a curve ending at 52)."""
    fill(curves, LOGS[:2])
    curves.set_early_stopping(status(best=0.8, best_epoch=2, wait=0))
    curves.refresh()
    for entry in LOGS[2:]:  # three more epochs, best now at 3, not drawn yet
        curves.add_epoch(entry)
    curves.set_early_stopping(status())
    drawn = curves.loss_curve.getData()[0].tolist()
    assert drawn == [1, 2]
    assert curves.best_marker.getData()[0].tolist() == [2]
    assert "at epoch 2" in curves.stopping.text()
    curves.refresh()
    assert curves.loss_curve.getData()[0].tolist() == [1, 2, 3, 4, 5]
    assert curves.best_marker.getData()[0].tolist() == [3]
    assert "at epoch 3" in curves.stopping.text()


def test_the_stop_line_and_the_header_give_the_same_count(curves):
    """Patience lowered from 5 to 3 mid-run while 4 epochs had not improved:
    the run stops with 4, and both the plot and the line above it say 4."""
    fill(curves)
    message = (
        "val_loss did not improve for 4 epochs (best 0.5 in epoch 1), so "
        "training stopped early."
    )
    curves.set_early_stopping(
        status(patience=3, wait=4, stopped_epoch=5, reason="patience", message=message)
    )
    curves.refresh()
    assert curves.stop_label() == "stopped: no improvement for 4 epochs"
    assert curves.stop_line.label.toPlainText() == curves.stop_label()
    assert "did not improve for 4 epochs" in curves.stopping.text()
    assert "3 epochs" not in curves.stopping.text()


def test_markers_follow_the_monitor_to_its_plot(curves):
    fill(curves)
    curves.set_early_stopping(
        status(monitor="val_accuracy", mode="max", best=0.8, best_epoch=4)
    )
    curves.refresh()
    x, y = curves.best_marker.getData()
    assert x.tolist() == [4] and y.tolist() == pytest.approx([0.8])
    assert curves.best_marker in curves.metric_plot.getPlotItem().items
    assert curves.best_marker not in curves.loss_plot.getPlotItem().items


def test_the_stop_line_says_where_and_why_and_what_was_restored(curves):
    fill(curves)
    curves.set_early_stopping(
        status(wait=3, stopped_epoch=5, reason="patience", restored_epoch=3)
    )
    curves.refresh()
    assert curves.stop_line.isVisible() and curves.stop_line.value() == 5
    assert curves.stop_label() == "stopped: no improvement for 3 epochs"
    assert curves.stop_line.label.toPlainText() == curves.stop_label()
    assert "weights restored from epoch 3" in curves.best_line.label.toPlainText()
    assert "Stopped at epoch 5" in curves.stopping.text()
    assert "weights restored from epoch 3" in curves.stopping.text()
    curves.set_early_stopping(status(stopped_epoch=4, reason="divergence"))
    curves.refresh()
    assert curves.stop_label() == "stopped: diverged"
    assert curves.stop_line.value() == 4


@pytest.mark.parametrize("best", [1, 3, 5])
def test_the_restored_label_stays_inside_the_plot_and_clear_of_the_legend(curves, best):
    curves.resize(640, 360)
    fill(curves)
    curves.set_early_stopping(
        status(
            wait=3,
            stopped_epoch=5,
            reason="patience",
            restored_epoch=best,
            best_epoch=best,
            best=column("val_loss")[best - 1],
        )
    )
    curves.refresh()
    QApplication.processEvents()
    label = curves.best_line.label
    assert label.toPlainText() == f"weights restored from epoch {best}"
    item = curves.loss_plot.getPlotItem()
    text = label.mapRectToScene(label.boundingRect())
    assert not text.intersects(item.legend.sceneBoundingRect())
    assert item.getViewBox().sceneBoundingRect().contains(text)  # not clipped


def test_early_stopping_off_hides_the_markers(curves):
    fill(curves)
    curves.set_early_stopping(status())
    curves.refresh()
    curves.set_early_stopping(status(enabled=False))
    curves.refresh()
    assert not curves.best_line.isVisible()
    assert len(curves.best_marker.getData()[0]) == 0
    assert curves.stopping.text() == "Early stopping is off."
    curves.clear()
    assert not curves.stopping.isVisible()


def test_checkpoints_are_marked_on_the_monitored_curve(curves):
    fill(curves)
    curves.set_early_stopping(status())
    curves.refresh()
    curves.add_checkpoint({"epoch": 3, "kind": "best"})
    curves.add_checkpoint({"epoch": 3, "kind": "last"})
    curves.add_checkpoint({"epoch": 3, "kind": "best"})  # the same again
    curves.add_checkpoint({"epoch": 5, "kind": "last"})
    curves.add_checkpoint({"epoch": 0, "kind": "initial"})  # not on the plot
    curves.refresh()
    x, y = curves.checkpoint_marker.getData()
    assert x.tolist() == [3, 5] and y.tolist() == pytest.approx([0.5, 0.7])
    assert curves.checkpoint_epochs == {3: "best, last", 5: "last"}
    assert list(curves.checkpoint_marker.data["data"]) == ["best, last", "last"]

    curves.set_checkpoints([{"epoch": 2, "kind": "periodic"}])
    curves.refresh()
    assert curves.checkpoint_marker.getData()[0].tolist() == [2]
    curves.set_checkpoints([])  # e.g. the folder was emptied
    curves.refresh()
    assert len(curves.checkpoint_marker.getData()[0]) == 0


# -- hover read-out -------------------------------------------------------------
def move(viewport, pos: QPoint) -> None:  # type: ignore[no-untyped-def]
    """The pointer moves to ``pos`` over ``viewport``: a real mouse-move event,
    delivered now (QTest's simulated cursor may swallow a move on a busy run)."""
    event = QMouseEvent(
        QEvent.Type.MouseMove,
        QPointF(pos),
        QPointF(viewport.mapToGlobal(pos)),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(viewport, event)


def viewport_point(curves: TrainingCurves, x: float, y: float) -> QPoint:
    """Where the data point (x, y) of the loss plot is in its viewport."""
    plot = curves.loss_plot
    scene = plot.getPlotItem().getViewBox().mapViewToScene(QPointF(x, y))
    return plot.mapFromScene(scene)


def test_hovering_an_epoch_shows_its_values_and_a_crosshair(curves, qtbot):
    fill(curves)
    assert "Epoch 5 of 10" in curves.readout.text()
    assert "(latest)" in curves.readout.text()

    move(curves.loss_plot.viewport(), viewport_point(curves, 2.2, 0.7))
    text = curves.readout.text()
    assert "Epoch 2 of 10" in text and "latest" not in text
    assert "loss</span> 0.6000" in text
    assert "val loss</span> 0.8000" in text
    assert "val accuracy</span> 0.600" in text
    assert "lr</span> 0.1" in text
    for line in curves.crosshairs:
        assert line.isVisible() and line.value() == 2

    # a refresh while hovering keeps the hovered epoch
    curves.add_epoch(LOGS[0])
    curves.refresh()
    assert "Epoch 2 of 10" in curves.readout.text()
    QApplication.processEvents()  # the plots fit their new range, as on screen

    # off the plot area (the title), the latest epoch is shown again
    move(curves.loss_plot.viewport(), QPoint(3, 3))
    assert "Epoch 6 of 10" in curves.readout.text()
    assert "(latest)" in curves.readout.text()
    assert not any(line.isVisible() for line in curves.crosshairs)

    # leaving the view fast (no last move inside it) also lets go; the
    # hovering itself is the pointer's, shown above, so set it directly here
    viewport = curves.loss_plot.viewport()
    box = curves.loss_plot.getPlotItem().getViewBox()
    middle = sum(box.viewRange()[1]) / 2
    curves.hover_at(curves.loss_plot, box.mapViewToScene(QPointF(3.0, middle)))
    assert "Epoch 3 of 10" in curves.readout.text()
    QApplication.sendEvent(viewport, QEvent(QEvent.Type.Leave))
    assert "Epoch 6 of 10" in curves.readout.text()
    assert not any(line.isVisible() for line in curves.crosshairs)


def test_hovering_the_metric_plot_reads_the_same_epoch(curves, qtbot):
    fill(curves, lr=False)
    plot = curves.metric_plot
    scene = plot.getPlotItem().getViewBox().mapViewToScene(QPointF(3.9, 0.8))
    move(plot.viewport(), plot.mapFromScene(scene))
    text = curves.readout.text()
    assert "Epoch 4 of 10" in text and "accuracy</span> 0.850" in text
    assert "lr" not in text  # no LR plot shown, no LR read-out
    assert curves.crosshairs[0].value() == 4


def test_an_empty_plot_invites_hovering(curves, qtbot):
    curves.clear()
    assert "Curves appear here" in curves.readout.text()
    move(curves.loss_plot.viewport(), curves.loss_plot.viewport().rect().center())
    assert "Curves appear here" in curves.readout.text()
    assert not any(line.isVisible() for line in curves.crosshairs)


# -- narrow panes ---------------------------------------------------------------
def plot_box(curves, plot):
    """Where ``plot`` lies in ``curves``."""
    return plot.geometry().translated(plot.parentWidget().mapTo(curves, QPoint()))


@pytest.mark.parametrize(("width", "height"), [(360, 420), (500, 300), (600, 700)])
def test_a_narrow_pane_stacks_the_plots_with_a_compact_header(curves, width, height):
    """Beside the boundary and the network on a 1280×720 projector: loss over
    accuracy, each number once, the colours named in the header instead of
    legends over the data, the check boxes on their own row."""
    fill(curves, lr=False)
    curves.set_early_stopping(status())
    curves.refresh()
    curves.resize(width, height)
    QApplication.processEvents()
    assert curves.narrow
    loss, metric = (
        plot_box(curves, curves.loss_plot),
        plot_box(curves, curves.metric_plot),
    )
    assert metric.top() >= loss.bottom(), (loss, metric)
    assert metric.left() == loss.left() and metric.width() == loss.width()
    assert loss.width() >= width - 12  # the whole width, not half of it
    for plot in (curves.loss_plot, curves.metric_plot):
        assert not plot.getPlotItem().legend.isVisible()
        assert curves.rect().contains(plot_box(curves, plot))
    text = curves.readout.text()
    assert "train" in text and "val" in text  # the colours, named once
    assert "0.2000" in text and "0.7000" in text  # the latest losses
    assert "val loss" not in text and "(latest)" not in text
    readout = curves.readout
    lines = readout.height() / readout.fontMetrics().lineSpacing()
    assert lines <= 3.2, lines
    assert "val loss" in readout.toolTip()  # the whole line, on hover
    # the check boxes fold into a small menu beside the read-out
    assert not curves.show_batches.isVisible() and curves.options.isVisible()
    assert curves.options.width() >= curves.options.sizeHint().width()
    actions = curves.options.menu().actions()
    assert [a.text() for a in actions] == ["Batches", "Log scale"]
    actions[1].trigger()  # what a click in the menu does
    assert curves.log_scale.isChecked()
    assert curves.loss_plot.getPlotItem().getAxis("left").logMode
    curves.log_scale.setChecked(False)
    assert not actions[1].isChecked()
    # the stacked plots' titles give their height to the plots (the axes say it)
    assert not curves.loss_plot.getPlotItem().titleLabel.isVisible()
    # the count-down in a few words, the sentence on hover
    assert curves.stopping.text().count("·") <= 2
    assert "wait 2/3" in curves.stopping.text()
    assert "no improvement for 2 of 3 epochs" in curves.stopping.toolTip()


def test_a_wide_pane_keeps_the_plots_side_by_side(curves):
    fill(curves, lr=False)
    curves.resize(380, 500)
    QApplication.processEvents()
    assert curves.narrow
    curves.resize(900, 500)  # and back: as it was
    QApplication.processEvents()
    assert not curves.narrow
    loss, metric = (
        plot_box(curves, curves.loss_plot),
        plot_box(curves, curves.metric_plot),
    )
    assert metric.left() >= loss.right(), (loss, metric)
    assert curves.loss_plot.getPlotItem().legend.isVisible()
    assert "val loss" in curves.readout.text()
    assert curves.readout.toolTip() == ""
    assert curves.show_batches.isVisible() and not curves.options.isVisible()
    for plot in (curves.loss_plot, curves.metric_plot):
        assert plot.getPlotItem().titleLabel.isVisible()
    assert curves.metric_plot.getPlotItem().titleLabel.text == "Accuracy"
