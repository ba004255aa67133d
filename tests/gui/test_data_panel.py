"""The Data page, driven through its widgets: load, choose, split, scale, see errors."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import numpy as np
import pytest
import shiboken6
from PySide6.QtCore import QMimeData, QPoint, Qt, QThread, QUrl
from PySide6.QtWidgets import QPushButton

from guinet.core.data import DataCancelled
from guinet.core.model import LayerSpec
from tests.gui.helpers import drop


def write_csv(path, rows=60, seed=0):
    rng = np.random.default_rng(seed)
    lines = ["age,height,city,label"]
    cities = ["Lyon", "Oslo", "Kyoto"]
    for i in range(rows):
        label = "yes" if i % 2 else "no"
        lines.append(
            f"{rng.integers(18, 80)},{rng.normal(170, 10):.1f},{cities[i % 3]},{label}"
        )
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def panel(window):
    window.tabs.setCurrentWidget(window.data_panel)
    return window.data_panel


def load(qtbot, panel, action):
    """Run ``action`` and wait until the session has the data prepared, or why not."""
    action()
    session = panel.session
    qtbot.waitUntil(
        lambda: (
            not panel.busy
            and (session.prepared is not None or session.data_error is not None)
        ),
        timeout=20_000,
    )


def choose(qtbot, combo, value):
    """Open ``combo``'s list and click the entry holding ``value``."""
    index = combo.findData(value)
    assert index >= 0, f"{value!r} is not offered"
    combo.showPopup()
    view = combo.view()
    qtbot.waitUntil(view.isVisible)
    rect = view.visualRect(view.model().index(index, combo.modelColumn()))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert combo.currentIndex() == index


def type_into(qtbot, spin, text):
    """Replace a spin box's text and press Enter."""
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, Qt.Key.Key_Return)


def option(form, name):
    """The editor of the declared option ``name`` in a ParamForm."""
    return form.editors[name]


def test_load_a_csv_choose_target_split_and_scaling(
    window, panel, qtbot, dialogs, tmp_path
):
    csv = write_csv(tmp_path / "people.csv")
    window.designer.append_layer("Linear")
    dialogs.answers.append(str(csv))
    load(qtbot, panel, lambda: choose(qtbot, panel.kind, "file"))

    data = window.project.data
    assert data.to_dict()["source"]["kind"] == "csv"
    assert panel.prepared is not None
    # the city column is one-hot encoded: age, height + 3 cities
    assert panel.prepared.input_shape == (5,)
    assert window.project.model.input_shape == (5,)
    assert panel.table_model.rowCount() > 0
    assert panel.table_model.headerData(3, Qt.Orientation.Horizontal).startswith(
        "label ★"
    )
    assert "train" in panel.split_counts.text()

    # change the target to "city": three classes, label becomes a feature
    load(qtbot, panel, lambda: choose(qtbot, panel.target, "city"))
    assert window.project.data.target == "city"
    assert panel.prepared.task == "multiclass"
    assert panel.prepared.n_outputs == 3
    assert window.project.model.input_shape == (4,)  # age, height, label one-hot

    # split and scaling follow the widgets and land in the project; the test
    # share is typed as a percent and stored as a fraction
    test_share = option(panel.split.options, "test")
    load(qtbot, panel, lambda: type_into(qtbot, test_share.spin, "30"))
    assert window.project.data.split.test == pytest.approx(0.3)
    assert test_share.value() == pytest.approx(30)
    assert panel.prepared.report.rows["test"] == 18
    scaling = option(panel.preparation.options, "scaling").combo
    load(qtbot, panel, lambda: choose(qtbot, scaling, "minmax"))
    assert window.project.data.scaling == "minmax"
    x = panel.prepared.x_train
    assert x.min() >= -1e-6 and x.max() <= 1 + 1e-6

    # uncheck a feature: select it and press Space
    item = panel.features.findItems("height", Qt.MatchFlag.MatchExactly)[0]
    rect = panel.features.visualItemRect(item)

    def uncheck():
        qtbot.mouseClick(
            panel.features.viewport(), Qt.MouseButton.LeftButton, pos=rect.center()
        )
        qtbot.keyClick(panel.features, Qt.Key.Key_Space)

    load(qtbot, panel, uncheck)
    assert "height" not in window.project.data.features
    assert window.project.model.input_shape == (3,)

    # every change is one undo step
    load(qtbot, panel, window.undo_action.trigger)
    assert window.project.data.features is None
    assert window.project.model.input_shape == (4,)


def test_the_options_come_from_the_declarations(window, panel, qtbot):
    from guinet.core.data.spec import MISSING, TASK

    options = panel.preparation.options
    task = option(options, "task").combo
    assert [task.itemText(i) for i in range(task.count())] == list(TASK.choice_labels)
    # missing values is an advanced option, behind "More options"
    missing = option(options, "missing")
    assert not missing.isVisibleTo(panel)
    qtbot.mouseClick(options.more, Qt.MouseButton.LeftButton)
    assert missing.isVisibleTo(panel)
    assert missing.combo.currentData() == MISSING.default
    assert option(panel.split.options, "validation").value() == pytest.approx(20)


def test_builtin_sets_fill_the_shape_and_the_designer_offers_to_fix_the_output(
    window, panel, qtbot
):
    model = window.project.model
    for spec in (
        LayerSpec("Linear", {"out_features": 16}),
        LayerSpec("ReLU"),
        LayerSpec("Linear", {"out_features": 2}),
    ):
        model.layers.append(spec)
    load(qtbot, panel, lambda: choose(qtbot, panel.dataset, "iris"))
    assert window.project.data.to_dict()["source"]["name"] == "iris"
    assert model.input_shape == (4,)
    assert window.designer.input_bar.edit.isReadOnly()
    totals = window.designer.totals
    assert "the data has 3 classes" in totals.text()
    assert totals.fix_button.isVisibleTo(window.designer)
    qtbot.mouseClick(totals.fix_button, Qt.MouseButton.LeftButton)
    assert model.layers[2].params["out_features"] == 3
    assert "3 classes" not in totals.text()
    assert not totals.fix_button.isVisibleTo(window.designer)

    # a generated set's parameters are editable
    load(qtbot, panel, lambda: choose(qtbot, panel.dataset, "spirals"))
    samples = option(panel.source.dataset_form, "samples")
    load(qtbot, panel, lambda: type_into(qtbot, samples.spin, "300"))
    assert window.project.data.to_dict()["source"]["samples"] == 300
    assert sum(panel.prepared.report.rows.values()) == 300
    assert panel.summary.shown_points == panel.prepared.report.rows["train"]


def test_image_data_shows_a_grid_of_samples(window, panel, qtbot):
    load(qtbot, panel, lambda: choose(qtbot, panel.dataset, "digits"))
    assert window.project.model.input_shape == (1, 8, 8)
    assert panel.summary.shown_images == 16


BAD_FILES = {
    "empty.csv": ("", "empty"),
    "ragged.csv": ("a,b,c\n1,2,3\n4,5\n6,7,8,9\n", "line"),
    "text.csv": ("a,b,label\n1,2,x\n3,oops,y\n" + "5,6,x\n" * 10, "oops"),
    "single.csv": ("a,label\n" + "1,same\n" * 20, "one class"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_files_get_a_message_in_the_panel(window, panel, qtbot, tmp_path, name):
    text, expected = BAD_FILES[name]
    path = tmp_path / name
    path.write_text(text)
    load(qtbot, panel, lambda: panel.open_file(path))
    assert panel.message.isVisibleTo(panel)
    assert expected.lower() in panel.error_text.lower()
    assert panel.prepared is None
    # the window stays usable, and a good source clears the message
    load(qtbot, panel, lambda: choose(qtbot, panel.kind, "builtin"))
    assert panel.error_text == ""
    assert panel.prepared is not None


def test_a_missing_target_column_names_the_columns(window, panel, qtbot, tmp_path):
    csv = write_csv(tmp_path / "p.csv")
    load(qtbot, panel, lambda: panel.open_file(csv))
    load(qtbot, panel, lambda: window.project.set_value("data.target", "salary"))
    assert "salary" in panel.error_text and "age" in panel.error_text


def test_dropping_a_data_file_on_the_window_loads_it(window, panel, qtbot, tmp_path):
    csv = write_csv(tmp_path / "dropped.csv")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(csv))])
    load(qtbot, panel, lambda: drop(window, mime, QPoint(50, 50)))
    assert window.tabs.currentWidget() is panel
    assert window.project.data.source["path"].endswith("dropped.csv")
    assert panel.prepared is not None


def test_data_choices_are_saved_and_restored_with_relative_paths(
    window, panel, qtbot, dialogs, tmp_path
):
    folder = tmp_path / "project"
    folder.mkdir()
    csv = write_csv(folder / "people.csv")
    load(qtbot, panel, lambda: panel.open_file(csv))
    options = panel.preparation.options
    qtbot.mouseClick(options.more, Qt.MouseButton.LeftButton)
    load(qtbot, panel, lambda: choose(qtbot, option(options, "missing").combo, "drop"))
    dialogs.answers.append(str(folder / "saved"))
    window.save_action.trigger()
    saved = folder / "saved.guinet"
    import json

    data = json.loads(saved.read_text())["data"]
    assert data["source"]["path"] == "people.csv"
    assert data["missing"] == "drop"

    window.new_action.trigger()  # a new project starts with the default data
    assert window.project.data.source["name"] == "moons"
    assert option(options, "missing").value() == "fill"
    load(qtbot, panel, lambda: window.open_path(saved))
    assert option(options, "missing").value() == "drop"
    assert panel.prepared is not None
    assert panel.path.text() == "people.csv"


@pytest.fixture
def held_reader(monkeypatch):
    """Table reading that blocks until ``release`` is set, polling for a cancel
    between waits as the real readers do between chunks; records the cancel."""
    from guinet.core.data import tables

    real = tables.read_table
    state = SimpleNamespace(
        reading=threading.Event(),
        release=threading.Event(),
        cancelled=threading.Event(),
    )

    def read_table(path, kind, source, progress):
        state.reading.set()
        while not state.release.wait(0.02):
            try:
                progress.check()
            except DataCancelled:
                state.cancelled.set()
                raise
        return real(path, kind, source, progress)

    monkeypatch.setattr(tables, "read_table", read_table)
    yield state
    state.release.set()  # never leave a loading thread blocked


def test_cancel_button_stops_loading_and_the_page_stays_usable(
    window, panel, qtbot, tmp_path, held_reader
):
    csv = write_csv(tmp_path / "p.csv")
    panel.open_file(csv)
    qtbot.waitUntil(held_reader.reading.is_set, timeout=10_000)
    thread = panel.findChild(QThread, "guinet-data")
    assert thread is not None and thread.isRunning()
    cancel = panel.progress.cancel_button
    qtbot.waitUntil(cancel.isVisible, timeout=5_000)
    arrived: list[int] = []
    window.session.data_changed.connect(lambda: arrived.append(1))

    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    # the reader saw the cancel and gave up: the thread ends on its own
    qtbot.waitUntil(held_reader.cancelled.is_set, timeout=5_000)
    qtbot.waitUntil(lambda: not panel.busy, timeout=5_000)
    qtbot.waitUntil(
        lambda: not shiboken6.isValid(thread) or thread.isFinished(), timeout=5_000
    )
    assert not held_reader.release.is_set()  # it ended without being let go
    assert arrived == []  # no data (and no error) reached the session
    assert panel.prepared is None
    assert "cancelled" in panel.error_text.lower()
    assert not panel.progress.isVisible()

    # the page is usable again: a changed setting loads the data
    held_reader.release.set()
    load(
        qtbot,
        panel,
        lambda: choose(
            qtbot, option(panel.preparation.options, "scaling").combo, "minmax"
        ),
    )
    assert window.project.data.scaling == "minmax"
    assert panel.prepared is not None
    assert panel.error_text == ""


def test_a_separate_validation_file(window, panel, qtbot, dialogs, tmp_path):
    train = write_csv(tmp_path / "train.csv", rows=60, seed=1)
    valid = write_csv(tmp_path / "valid.csv", rows=24, seed=2)
    load(qtbot, panel, lambda: panel.open_file(train))
    row = panel.split.extra_files["validation_source"].parentWidget()
    browse, clear = row.findChildren(QPushButton)
    dialogs.answers.append(str(valid))
    load(qtbot, panel, lambda: qtbot.mouseClick(browse, Qt.MouseButton.LeftButton))
    assert window.project.data.validation_source["path"].endswith("valid.csv")
    assert panel.prepared.report.rows["validation"] == 24
    validation = option(panel.split.options, "validation")
    assert not validation.isEnabled()
    load(qtbot, panel, lambda: qtbot.mouseClick(clear, Qt.MouseButton.LeftButton))
    assert "validation_source" not in window.project.data.to_dict()
    assert validation.isEnabled()


def test_a_csv_option_from_its_kind_declaration(window, panel, qtbot, tmp_path):
    csv = write_csv(tmp_path / "p.csv")
    load(qtbot, panel, lambda: panel.open_file(csv))
    header = option(panel.source.options, "header").combo
    assert header.isVisibleTo(panel)
    load(qtbot, panel, lambda: choose(qtbot, header, False))
    assert window.project.data.source["header"] is False
    # the first line is now data: columns are numbered and the text row is kept
    names = [panel.target.itemText(i) for i in range(panel.target.count())]
    assert "column 0" in names
