"""The start page (gallery, recent projects, Start empty, the launch
preference) and Help ▸ Getting started, driven by real clicks."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication

from guinet.core.lessons import examples
from guinet.core.project import Project
from guinet.gui.main_window import (
    SHOW_START_PAGE_KEY,
    MainWindow,
    settings,
    start_page_at_launch,
)
from guinet.gui.thumbnails import SIZE, cache_path

LEFT = Qt.MouseButton.LeftButton


def _close(qtbot, win: MainWindow) -> None:
    if win.built:
        qtbot.waitUntil(lambda: not win.data_panel.busy, timeout=20_000)
        win.undo_stack.setClean()
    win.close()
    assert not (win.start_page and win.start_page.thumbnails.running)
    win.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def start_window(qtbot, qapp):
    """The window as ``guinet`` opens it without a project: the start page."""
    from guinet.gui.app import create_application

    create_application()
    win = MainWindow(start_page=True)
    win.resize(1180, 660)  # as fitted to a 1280×720 projector
    win.show()
    qtbot.waitExposed(win)
    yield win
    _close(qtbot, win)


def _card(win: MainWindow, stem: str):
    page = win.start_page
    assert page is not None
    return next(c for c in page.cards if c.entry.path.stem == stem)


def test_the_gallery_lists_every_example_with_its_title_and_a_picture(
    start_window, qtbot
):
    page = start_window.start_page
    assert start_window.start_page_shown
    assert not start_window.tabs.isVisible()  # the start page is in front
    infos = examples()
    assert len(infos) >= 3
    assert [c.title.text() for c in page.cards] == [i.title for i in infos]
    for card, info in zip(page.cards, infos, strict=True):
        assert card.isVisible()
        assert card.teaches.text()  # one line on what it teaches
        assert info.title in card.toolTip()
    # the pictures are drawn off the GUI thread, then kept for the next launch
    qtbot.waitUntil(lambda: all(c.has_picture for c in page.cards), timeout=90_000)
    for card in page.cards:
        assert card.picture.pixmap().size().toTuple() == SIZE
        assert cache_path(card.entry.path).is_file()
    qtbot.waitUntil(lambda: not page.thumbnails.running, timeout=10_000)


def test_the_cards_reflow_to_the_width_and_none_is_clipped(start_window, qtbot):
    page = start_window.start_page
    columns = {}
    narrowest = start_window.minimumSizeHint().width()
    for width in (1180, 900, narrowest):
        start_window.resize(width, 660)
        qtbot.waitUntil(lambda w=width: start_window.width() == w)
        QApplication.processEvents()
        columns[width] = page.grid.columns
        viewport = page.gallery.viewport().width()
        for card in page.cards:
            assert card.geometry().right() <= viewport, (width, card.entry.title)
    assert columns[1180] >= 4  # a 1280×720 projector shows four across
    assert columns[1180] > columns[900] >= columns[narrowest] >= 1


def test_one_click_on_a_card_opens_an_unsaved_copy_and_train_it_trains(
    start_window, qtbot
):
    card = _card(start_window, "moons_mlp")
    qtbot.mouseClick(card, LEFT)
    win = start_window
    expected = Project.load(card.entry.path)
    assert win.project.path is None  # a copy: saving never writes the example
    assert win.project.name == expected.name
    assert [s.type for s in win.project.model.layers] == [
        s.type for s in expected.model.layers
    ]
    assert not win.start_page_shown
    assert win.tabs.isVisible()
    # on the page its lesson names (the Model page when it names none)
    info = next(i for i in examples() if i.path == card.entry.path)
    assert win.tabs.currentIndex() == (
        ["data", "model", "train", "evaluate", "predict"].index(
            info.start_page or "model"
        )
    )
    assert win.windowTitle().startswith(f"{expected.name} (not saved)")
    assert win.follow_up.isVisible()
    # the second click trains it
    win.project.set_value("training.epochs", 2)
    with qtbot.waitSignal(win.training_panel.runner.run_ended, timeout=60_000):
        qtbot.mouseClick(win.train_it_button, LEFT)
        assert win.tabs.currentWidget() is win.training_panel
    assert len(win.training_panel.curves.epochs) == 2
    assert not win.follow_up.isVisible()


def test_the_train_it_line_goes_once_any_run_starts(start_window, qtbot):
    """F5 (or the Train button) trains as well: the invitation then goes."""
    win = start_window
    qtbot.mouseClick(_card(win, "xor"), LEFT)
    assert win.follow_up.isVisible()
    win.project.set_value("training.epochs", 2)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    with qtbot.waitSignal(win.training_panel.runner.run_ended, timeout=60_000):
        qtbot.keyClick(win, Qt.Key.Key_F5)
    assert not win.follow_up.isVisible()


def test_start_empty_gives_an_empty_project(start_window, qtbot):
    qtbot.mouseClick(start_window.start_page.empty_button, LEFT)
    assert not start_window.start_page_shown
    assert start_window.project.path is None
    assert len(start_window.project.model.layers) == 0
    assert start_window.tabs.currentWidget() is start_window.designer


def test_recent_projects_appear_and_open(window, qtbot, tmp_path):
    saved = Project.load(_card_path("iris_mlp"))
    saved.name = "my iris"
    path = saved.save(tmp_path / "my-iris.guinet")
    gone = tmp_path / "moved.guinet"
    settings().setValue("recent_files", [str(path), str(gone)])
    window.new_from_example_action.trigger()  # File ▸ New from Example…
    page = window.start_page
    assert window.start_page_shown
    buttons = {b.toolTip(): b for b in page.recent_buttons}
    assert buttons[str(path)].text() == "my-iris.guinet"
    assert buttons[str(path)].isEnabled()
    assert not buttons[str(gone)].isEnabled()  # a file that moved is greyed
    qtbot.mouseClick(buttons[str(path)], LEFT)
    assert window.project.path == path.resolve()
    assert window.project.name == "my iris"
    assert not window.start_page_shown


def test_from_the_menu_the_start_page_has_a_way_back(window, qtbot):
    window.designer.append_layer("Linear")
    window.new_from_example_action.trigger()
    page = window.start_page
    assert page.back_button.isVisible()
    qtbot.keyClick(page, Qt.Key.Key_Escape)
    assert not window.start_page_shown
    assert len(window.project.model.layers) == 1  # nothing was replaced
    window.new_from_example_action.trigger()
    qtbot.mouseClick(page.back_button, LEFT)
    assert not window.start_page_shown


def test_a_card_asks_before_replacing_unsaved_work(window, qtbot, dialogs):
    window.designer.append_layer("Linear")
    window.new_from_example_action.trigger()
    from PySide6.QtWidgets import QMessageBox

    dialogs.answers.append(QMessageBox.StandardButton.Cancel)
    qtbot.mouseClick(_card(window, "moons_mlp"), LEFT)
    assert window.start_page_shown  # cancelled: still choosing
    assert [s.type for s in window.project.model.layers] == ["Linear"]


def _card_path(stem: str) -> Path:
    return next(i.path for i in examples() if i.name == stem)


# -- launch ---------------------------------------------------------------------------
def _launch(qtbot, project=None) -> MainWindow:
    from guinet.gui.app import create_application, show_main_window

    create_application()
    win = show_main_window(project)
    qtbot.waitUntil(lambda: win.built, timeout=20_000)
    QApplication.processEvents()
    win.torch_loader.wait(20)
    return win


def test_launching_without_a_project_shows_the_start_page(qtbot):
    win = _launch(qtbot)
    try:
        qtbot.waitUntil(lambda: win.start_page_shown, timeout=5_000)
    finally:
        _close(qtbot, win)


def test_launching_with_a_project_skips_the_start_page(qtbot, tmp_path):
    path = Project.load(_card_path("moons_mlp")).save(tmp_path / "m.guinet")
    win = _launch(qtbot, path)
    try:
        assert win.project.path == path.resolve()
        assert win.start_page is None and win.tabs.isVisible()
    finally:
        _close(qtbot, win)


def test_the_launch_preference_is_honoured(start_window, qtbot):
    box = start_window.start_page.show_at_launch
    assert box.isChecked() and start_page_at_launch()
    qtbot.mouseClick(box, LEFT)
    assert settings().value(SHOW_START_PAGE_KEY, type=bool) is False
    assert not start_page_at_launch()
    win = _launch(qtbot)
    try:
        assert win.start_page is None and win.tabs.isVisible()
    finally:
        _close(qtbot, win)


def test_tests_and_scripts_get_the_tabs_by_default(window):
    assert window.start_page is None
    assert window.tabs.isVisible()


# -- Help ▸ Getting started ----------------------------------------------------------
def test_getting_started_show_me_switches_pages_and_outlines(start_window, qtbot):
    win = start_window
    qtbot.mouseClick(win.start_page.getting_started_button, LEFT)
    dialog = win.getting_started
    assert dialog is not None and dialog.isVisible() and not dialog.isModal()
    assert len(dialog.show_buttons) == 6
    expected = [
        (1, win.data_panel, lambda: win.data_panel.results),
        (2, win.designer, lambda: win.designer.view),
        (3, win.training_panel, lambda: win.training_panel.train_button),
        (4, win.training_panel, lambda: win.training_panel.curves),
        (5, win.predict_panel, lambda: win.predict_panel),
    ]
    for step, page, target in expected:
        qtbot.mouseClick(dialog.show_buttons[step], LEFT)
        assert not win.start_page_shown
        assert win.tabs.currentWidget() is page
        outline = dialog.highlight
        assert outline.target is target() and outline.isVisible()
        inside = target().mapTo(win, target().rect().center())
        assert outline.geometry().contains(inside)
    qtbot.mouseClick(dialog.show_buttons[0], LEFT)  # pick an example
    assert win.start_page_shown
    assert dialog.highlight.target is win.start_page.gallery
    dialog.close()
    assert not dialog.highlight.isVisible()


def test_help_menu_opens_getting_started(window, qtbot):
    titles = [a.text() for a in window.menuBar().actions()]
    help_menu = window.menuBar().actions()[titles.index("&Help")].menu()
    assert window.getting_started_action in help_menu.actions()
    window.getting_started_action.trigger()
    assert window.getting_started is not None and window.getting_started.isVisible()
    window.getting_started.close()


def test_the_lesson_pane_steps_aside_for_the_start_page(window, qtbot, tmp_path):
    project = Project.load(_card_path("moons_mlp"))
    project.set_lesson({"title": "Moons", "text": "Press Train and watch."})
    path = project.save(tmp_path / "lesson.guinet")
    assert window.open_path(path)
    assert window.lesson_pane.isVisible()
    window.new_from_example_action.trigger()
    assert not window.lesson_pane.isVisible()
    qtbot.keyClick(window.start_page, Qt.Key.Key_Escape)
    assert window.lesson_pane.isVisible()  # back to the lesson, as it was


def test_a_card_opens_from_the_keyboard(start_window, qtbot):
    card = _card(start_window, "iris_mlp")
    card.setFocus()
    qtbot.keyClick(card, Qt.Key.Key_Return)
    assert not start_window.start_page_shown
    assert start_window.project.name == Project.load(card.entry.path).name


@pytest.mark.parametrize(
    ("shape", "task"),
    [
        ((200, 2), "multiclass"),
        ((200, 1), "regression"),
        ((200, 9), "binary"),
        ((200, 5), "regression"),
        ((30, 1, 8, 8), "multiclass"),
    ],
)
def test_every_kind_of_data_gets_a_picture(qapp, shape, task):
    import numpy as np

    from guinet.gui.thumbnails import BACKGROUND, draw

    rng = np.random.default_rng(0)
    x = rng.normal(size=shape).astype(np.float32)
    if task == "regression":
        y = np.sin(x.reshape(len(x), -1)[:, :1]).astype(np.float32)
    elif task == "binary":
        y = (x[:, :1] > 0).astype(np.float32)
    else:
        y = rng.integers(0, 3, len(x))
    image = draw(x, y, task)
    assert (image.width(), image.height()) == SIZE
    drawn = sum(
        image.pixelColor(i, j).name() != BACKGROUND
        for i in range(0, SIZE[0], 4)
        for j in range(0, SIZE[1], 4)
    )
    assert drawn > 40  # points, a curve or tiles, not an empty card


def test_a_picture_that_fails_once_is_drawn_on_the_second_try(
    qapp, tmp_path, monkeypatch
):
    """At launch the Data page loads data in another thread too; a picture
    whose first drawing fails is tried again before its card says none."""
    from guinet._resources import find_example
    from guinet.gui import thumbnails

    real, tries = thumbnails.render, []

    def flaky(example, out):  # type: ignore[no-untyped-def]
        tries.append(example.stem)
        if tries.count(example.stem) == 1 and example.stem == "iris_mlp":
            raise ImportError("partially initialized module (a race)")
        return real(example, out)

    monkeypatch.setattr(thumbnails, "render", flaky)
    jobs = [
        (find_example(name), tmp_path / f"{name}.png") for name in ("iris_mlp", "xor")
    ]
    jobs.append((tmp_path / "missing.guinet", tmp_path / "missing.png"))
    worker = thumbnails.ThumbnailWorker(1, jobs)
    drawn: list[tuple[str, str]] = []
    worker.drawn.connect(
        lambda _run, example, picture: drawn.append((example, picture))
    )
    worker.work()
    pictures = {Path(example).stem: picture for example, picture in drawn}
    assert pictures["iris_mlp"] == str(tmp_path / "iris_mlp.png")  # second try
    assert pictures["xor"] == str(tmp_path / "xor.png")
    assert pictures["missing"] == ""  # failed twice: no picture, no crash
    assert tries.count("iris_mlp") == 2 and tries.count("missing") == 2
