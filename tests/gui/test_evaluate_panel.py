"""The Evaluate page, driven as a person drives it: open a trained project,
click the Evaluate tab and the Evaluate button, click confusion cells.

Every project here is trained by the engine alone (``prepare_run().trainer
.fit()`` on a project saved in ``tmp_path``, so its checkpoints are written
there), then opened in the window; what the page shows is compared with the
core's own :func:`~guinet.core.evaluation.evaluate` of the same weights.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import Qt

from guinet._resources import find_example
from guinet.core.evaluation import Evaluation, evaluate, normalise_confusion
from guinet.core.evaluation_store import stored_path
from guinet.core.project import Project
from guinet.core.session import Session
from tests.gui.helpers import choose, settle

LEFT = Qt.MouseButton.LeftButton


def trained_example(folder: Path, name: str, epochs: int = 3) -> Path:
    """The example ``name`` saved in ``folder`` and trained by the engine."""
    example = find_example(name)
    assert example is not None
    project = Project.load(example)
    project.set_value("training.epochs", epochs)
    project.set_value("training.early_stopping.enabled", False)
    path = folder / f"{name}.guinet"
    project.save(path)
    Session(project).prepare_run().trainer.fit()
    return path


def regression_project(folder: Path) -> Path:
    """A tiny regression CSV (y = 2·x1 − x2 + noise) and a project trained on it."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 2))
    y = 2 * x[:, 0] - x[:, 1] + 0.1 * rng.normal(size=120)
    pd.DataFrame({"x1": x[:, 0], "x2": x[:, 1], "y": y}).to_csv(
        folder / "numbers.csv", index=False
    )
    project = Project.from_dict(
        {
            "guinet": 1,
            "name": "numbers",
            "data": {
                "source": {"kind": "csv", "path": "numbers.csv"},
                "target": "y",
                "task": "regression",
                "scaling": "standard",
                "split": {"validation": 0.2, "test": 0.25, "seed": 0},
            },
            "model": {
                "layers": [
                    {"type": "Linear", "out_features": 8},
                    {"type": "ReLU"},
                    {"type": "Linear", "out_features": 1},
                ]
            },
            "training": {
                "loss": {"type": "MSELoss"},
                "epochs": 3,
                "batch_size": 16,
                "seed": 0,
                "device": "cpu",
            },
        }
    )
    path = folder / "numbers.guinet"
    project.save(path)
    Session(project).prepare_run().trainer.fit()
    return path


def core_evaluation(path: Path, split: str = "test") -> Evaluation:
    """What the core says of the project's default weights."""
    return evaluate(Session(Project.load(path)).trained(), split)


def open_evaluate_page(qtbot, window, path: Path):  # type: ignore[no-untyped-def]
    """Open ``path``, wait for its data, and click the Evaluate tab."""
    assert window.open_path(path, ask=False)
    settle(qtbot, window)
    bar = window.tabs.tabBar()
    index = window.tabs.indexOf(window.evaluate_panel)
    assert bar.tabText(index) == "Evaluate"
    qtbot.mouseClick(bar, LEFT, pos=bar.tabRect(index).center())
    assert window.tabs.currentWidget() is window.evaluate_panel
    return window.evaluate_panel


def click_evaluate(qtbot, panel) -> None:  # type: ignore[no-untyped-def]
    assert panel.evaluate_button.isEnabled()
    with qtbot.waitSignal(panel.evaluation_shown, timeout=30_000):
        qtbot.mouseClick(panel.evaluate_button, LEFT)
    qtbot.waitUntil(lambda: not panel.busy, timeout=10_000)


def click_cell(qtbot, panel, true: int, predicted: int) -> None:  # type: ignore[no-untyped-def]
    view = panel.confusion
    qtbot.mouseClick(view, LEFT, pos=view.cell_rect(true, predicted).center())


# -- classification ------------------------------------------------------------------
def test_moons_scores_match_the_core_and_a_cell_lists_its_samples(
    qtbot, window, tmp_path: Path
) -> None:
    path = trained_example(tmp_path, "moons_mlp")
    expected = core_evaluation(path)
    scores = expected.classification
    assert scores is not None
    panel = open_evaluate_page(qtbot, window, path)
    weights = window.session.weights_path()
    assert weights is not None and weights.name.startswith("best-")
    assert weights.name in panel.weights_label.text()
    assert "best, epoch" in panel.weights_label.text()

    click_evaluate(qtbot, panel)
    assert panel.pages.currentWidget() is panel.classification_page
    tiles = panel.class_tiles.values
    assert tiles["Accuracy"].text() == f"{scores.accuracy:.1%}"
    assert tiles["Balanced accuracy"].text() == f"{scores.balanced_accuracy:.1%}"
    assert tiles["ROC AUC"].text() == f"{scores.roc_auc:.3f}"
    assert tiles["Loss"].text() == f"{expected.loss:.4f}"
    table = panel.class_table
    assert [table.item(r, 0).text() for r in range(table.rowCount())] == [
        "upper moon",
        "lower moon",
    ]
    assert table.item(0, 1).text() == f"{scores.per_class[0].precision:.3f}"
    assert table.item(1, 4).text() == str(scores.per_class[1].support)

    # the biggest cell, clicked where it is drawn
    true, predicted = np.unravel_index(
        scores.confusion.argmax(), scores.confusion.shape
    )
    click_cell(qtbot, panel, int(true), int(predicted))
    wanted = scores.cell_samples(int(true), int(predicted)).tolist()
    assert len(wanted) > 1
    assert panel.samples.shown_samples() == wanted
    rows = panel.samples.rows
    confidences = [float(rows.item(r, 2).text()) for r in range(rows.rowCount())]
    assert confidences == sorted(confidences, reverse=True)
    # the features as they were before scaling
    prepared = window.session.prepared
    x_test = prepared.x_test * prepared.scaler.scale + prepared.scaler.offset
    first = wanted[0]
    assert float(rows.item(0, 3).text()) == pytest.approx(x_test[first, 0], rel=1e-4)
    assert panel.confusion.selected == (true, predicted)

    # an off-diagonal cell too
    click_cell(qtbot, panel, 0, 1)
    assert panel.samples.shown_samples() == scores.cell_samples(0, 1).tolist()

    # normalised by row, each cell says its share and its count
    assert panel.confusion.cell_text(0, 0) == str(scores.confusion[0, 0])
    choose(qtbot, panel.normalise_combo, "row")
    share = normalise_confusion(scores.confusion, "row")[0, 0]
    assert panel.confusion.cell_text(0, 0) == (
        f"{share * 100:.0f}%\n{scores.confusion[0, 0]}"
    )
    choose(qtbot, panel.normalise_combo, "column")
    share = normalise_confusion(scores.confusion, "column")[1, 0]
    assert panel.confusion.cell_text(1, 0) == (
        f"{share * 100:.0f}%\n{scores.confusion[1, 0]}"
    )


def test_the_result_is_kept_beside_the_checkpoint_and_shown_again(
    qtbot, window, tmp_path: Path
) -> None:
    path = trained_example(tmp_path, "moons_mlp")
    panel = open_evaluate_page(qtbot, window, path)
    weights = window.session.weights_path()
    kept = stored_path(weights, "validation")
    assert kept.parent == weights.parent
    choose(qtbot, panel.split_combo, "validation")
    assert panel.status.text() == "Not evaluated yet."
    click_evaluate(qtbot, panel)
    assert kept.is_file()
    assert sorted(p.name for p in weights.parent.glob("*.json")) == sorted(
        ["checkpoints.json", kept.name]
    )
    accuracy = panel.class_tiles.values["Accuracy"].text()
    expected = core_evaluation(path, "validation").classification
    assert accuracy == f"{expected.accuracy:.1%}"

    # open the project again: the kept result is there at once, nothing runs
    runs: list[bool] = []
    panel.task.running_changed.connect(runs.append)
    panel = open_evaluate_page(qtbot, window, path)
    assert panel.split() == "validation"  # the page's choice stays
    assert panel.pages.currentWidget() is panel.classification_page
    assert panel.class_tiles.values["Accuracy"].text() == accuracy
    assert panel.status.text().startswith("Evaluated on ")
    assert "Kept with the run" in panel.status.text()
    assert panel.evaluate_button.text() == "Re-evaluate"
    click_cell(qtbot, panel, 1, 1)
    assert panel.samples.shown_samples() == expected.cell_samples(1, 1).tolist()
    rows = panel.samples.rows  # with the data's values, prepared after the page
    headers = [rows.horizontalHeaderItem(c).text() for c in range(rows.columnCount())]
    assert headers == ["Sample", "Predicted", "Confidence", "x1", "x2"]
    assert runs == []

    # another split was never evaluated
    choose(qtbot, panel.split_combo, "train")
    assert panel.pages.currentWidget() is panel.placeholder
    assert panel.evaluate_button.text() == "Evaluate"


def test_no_weights_shows_what_to_do(qtbot, window, tmp_path: Path) -> None:
    example = find_example("moons_mlp")
    assert example is not None
    project = Project.load(example)
    project.save(tmp_path / "untrained.guinet")
    panel = open_evaluate_page(qtbot, window, tmp_path / "untrained.guinet")
    assert panel.pages.currentWidget() is panel.placeholder
    text = panel.placeholder.text()
    assert "Nothing trained yet" in text and "Train" in text and "Load weights" in text
    assert not panel.evaluate_button.isEnabled()
    assert not panel.other_button.isEnabled()
    assert panel.weights_label.text() == "none yet"


def test_a_result_for_weights_changed_meanwhile_is_dropped(
    qtbot, window, tmp_path: Path
) -> None:
    path = trained_example(tmp_path, "moons_mlp")
    panel = open_evaluate_page(qtbot, window, path)
    best = window.session.weights_path()
    last = best.parent / "last.ckpt"
    qtbot.mouseClick(panel.evaluate_button, LEFT)
    assert panel.busy
    # before the worker's result can arrive (it needs this thread's event loop)
    window.session.use_weights(last)
    assert last.name in panel.weights_label.text()
    qtbot.waitUntil(lambda: not panel.busy, timeout=30_000)
    assert panel.outcome is None  # best's result never landed on last's page
    assert panel.pages.currentWidget() is panel.placeholder
    click_evaluate(qtbot, panel)
    assert panel.outcome.evaluation.checkpoint == str(last)
    assert not panel.outcome.stored

    # the project opened again while evaluating: the page shows what was
    # kept for it, never the late result of the run started before
    qtbot.mouseClick(panel.evaluate_button, LEFT)
    assert panel.busy
    assert window.open_path(path, ask=False)
    qtbot.waitUntil(lambda: not panel.busy, timeout=30_000)
    settle(qtbot, window)
    assert panel.outcome is not None and panel.outcome.stored
    assert panel.outcome.evaluation.checkpoint == str(best)  # the default again


# -- numbers ----------------------------------------------------------------------
def test_regression_shows_mae_rmse_r2_and_both_plots(
    qtbot, window, tmp_path: Path
) -> None:
    path = regression_project(tmp_path)
    expected = core_evaluation(path)
    numbers = expected.regression
    assert numbers is not None
    panel = open_evaluate_page(qtbot, window, path)
    click_evaluate(qtbot, panel)
    assert panel.pages.currentWidget() is panel.regression_page
    tiles = panel.number_tiles.values
    assert tiles["MAE"].text() == f"{numbers.mae:.4g}"
    assert tiles["RMSE"].text() == f"{numbers.rmse:.4g}"
    assert tiles["R²"].text() == f"{numbers.r2:.3f}"
    plots = panel.plots
    n = expected.n_samples
    assert n == 30
    assert len(plots.points.getData()[0]) == n
    assert len(plots.residual_points.getData()[0]) == n
    xs, ys = plots.points.getData()
    np.testing.assert_allclose(xs, numbers.truth.ravel(), rtol=1e-6)
    np.testing.assert_allclose(ys, numbers.predicted.ravel(), rtol=1e-6)
    diagonal_x, diagonal_y = plots.diagonal.getData()
    np.testing.assert_allclose(diagonal_x, diagonal_y)  # y = x


def test_another_file_with_a_missing_column_is_a_clear_message(
    qtbot, window, dialogs, tmp_path: Path
) -> None:
    path = regression_project(tmp_path)
    other = tmp_path / "other.csv"
    pd.DataFrame({"x1": [1.0, 2.0], "y": [1.0, 2.0]}).to_csv(other, index=False)
    panel = open_evaluate_page(qtbot, window, path)
    dialogs.answers.append(str(other))
    qtbot.mouseClick(panel.other_button, LEFT)
    qtbot.waitUntil(lambda: panel.message.isVisible(), timeout=30_000)
    qtbot.waitUntil(lambda: not panel.busy, timeout=10_000)
    assert panel.message.text() == (
        "Could not evaluate: There is no feature column 'x2' in other.csv; the "
        "columns are: x1, y."
    )

    # a good file is scored, shown with its name, and not kept
    good = tmp_path / "good.csv"
    pd.DataFrame(
        {"x1": [0.5, -1.0, 2.0], "x2": [0.0, 1.0, 1.0], "y": [1, -3, 3]}
    ).to_csv(good, index=False)
    dialogs.answers.append(str(good))
    with qtbot.waitSignal(panel.evaluation_shown, timeout=30_000):
        qtbot.mouseClick(panel.other_button, LEFT)
    qtbot.waitUntil(lambda: not panel.busy, timeout=10_000)
    assert not panel.message.isVisible()
    assert "good.csv, 3 samples" in panel.status.text()
    assert len(panel.plots.points.getData()[0]) == 3
    assert not list(tmp_path.glob("numbers-checkpoints/*.evaluation-*.json"))


# -- images -------------------------------------------------------------------------
def test_digits_cell_shows_the_images_themselves(qtbot, window, tmp_path: Path) -> None:
    path = trained_example(tmp_path, "digits_cnn", epochs=2)
    expected = core_evaluation(path).classification
    assert expected is not None
    panel = open_evaluate_page(qtbot, window, path)
    click_evaluate(qtbot, panel)
    assert panel.confusion.cell_text(3, 3) == str(expected.confusion[3, 3])
    true, predicted = np.unravel_index(
        expected.confusion.argmax(), expected.confusion.shape
    )
    click_cell(qtbot, panel, int(true), int(predicted))
    thumbnails = panel.samples.thumbnails
    assert panel.samples.views.currentWidget() is thumbnails
    wanted = expected.cell_samples(int(true), int(predicted)).tolist()
    assert panel.samples.shown_samples() == wanted
    assert thumbnails.count() == len(wanted) > 0
    icon = thumbnails.item(0).icon()
    assert not icon.isNull()
    size = icon.actualSize(thumbnails.iconSize())
    assert size.width() >= 48  # an 8×8 digit drawn big enough to see


def test_the_pages_splitters_are_remembered_once_laid_out(
    qtbot, window, tmp_path: Path
) -> None:
    from guinet.gui.main_window import MainWindow, settings

    path = trained_example(tmp_path, "moons_mlp")
    panel = open_evaluate_page(qtbot, window, path)
    click_evaluate(qtbot, panel)
    keys = {id(s): k for k, s in window.splitters().items()}
    matrix = panel.confusion.parentWidget().parentWidget()
    assert matrix is not None
    beside = keys[id(matrix)]  # the matrix | table and samples splitter
    plots = keys[id(panel.plots)]
    sizes = matrix.sizes()
    matrix.setSizes([sizes[0] - 120, sizes[1] + 120])
    wanted = matrix.sizes()
    window.save_window_state()
    store = settings()
    assert store.value(f"splitters/{beside}") is not None
    # the regression plots were never shown: nothing remembered for them
    assert store.value(f"splitters/{plots}") is None

    again = MainWindow()
    again.resize(window.size())
    again.show()
    qtbot.waitExposed(again)
    try:
        # the same key means the same splitter, whichever results page was
        # raised last (raising reorders a widget's children)
        def kinds(win):  # type: ignore[no-untyped-def]
            return {k: s.orientation() for k, s in win.splitters().items()}

        assert kinds(again) == kinds(window)
        panel.pages.setCurrentWidget(panel.regression_page)
        assert kinds(again) == kinds(window)
        page = open_evaluate_page(qtbot, again, path)  # the kept result shows
        assert page.pages.currentWidget() is page.classification_page
        restored = again.splitters()[beside]
        qtbot.waitUntil(lambda: restored.sizes() == wanted)
    finally:
        again.undo_stack.setClean()
        again.close()
        again.deleteLater()


def test_the_page_fits_a_projector_window_with_a_long_checkpoint_name(
    qtbot, window, tmp_path: Path
) -> None:
    """At the size the window opens on a 1280×720 screen, nothing is clipped:
    the page's minimum fits, the bar ends inside the page, and a long
    checkpoint name is shortened with "…" instead of widening the bar."""
    from PySide6.QtCore import QRect

    from guinet.gui.main_window import fitted_geometry

    fitted = fitted_geometry(QRect(0, 0, 1280, 720))
    window.resize(fitted.width(), fitted.height() - 30)  # the client area
    path = trained_example(tmp_path, "digits_cnn", epochs=1)
    panel = open_evaluate_page(qtbot, window, path)
    best = window.session.weights_path()
    long_name = best.parent / ("a-very-long-run-name-" * 6 + best.name)
    long_name.write_bytes(best.read_bytes())
    window.session.use_weights(long_name)
    click_evaluate(qtbot, panel)
    click_cell(qtbot, panel, 0, 0)
    qtbot.wait(10)  # one layout pass

    hint = panel.minimumSizeHint()
    assert hint.width() <= panel.width() and hint.height() <= panel.height()
    assert panel.evaluate_button.geometry().right() <= panel.width()
    shown = panel.weights_label.shown_text()
    assert "…" in shown and shown != panel.weights_label.text()
    assert panel.weights_label.toolTip() == str(long_name)
    view = panel.confusion
    assert view.rect().contains(view.cell_rect(9, 9))  # every cell drawn
    assert view.cell_rect(0, 0).width() >= 26
