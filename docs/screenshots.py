"""Render the README's screenshots from the real window (offscreen).

python docs/screenshots.py            # writes docs/images/*.png
python docs/screenshots.py designer --out /tmp/shots   # one group, elsewhere

Each is rendered twice: at a desktop size (docs/images/*.png) and at the size
the window opens on a 1280×720 projector (docs/images/projector/*.png), where
cramped or clipped layouts show first. The window's remembered geometry and
checkpoints go to a throw-away folder, not the user's settings.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_SCRATCH = tempfile.mkdtemp(prefix="guinet-shots-")
os.environ["XDG_CONFIG_HOME"] = os.path.join(_SCRATCH, "config")
os.environ["GUINET_DATA_DIR"] = os.path.join(_SCRATCH, "data")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication  # noqa: E402

from guinet._resources import resource  # noqa: E402
from guinet.gui import torch_loader  # noqa: E402
from guinet.gui.app import create_application  # noqa: E402
from guinet.gui.main_window import MainWindow  # noqa: E402

OUT = ROOT / "docs" / "images"
DESKTOP = (1280, 800)
PROJECTOR = (1180, 660)  # the window fitted to a 1280×720 screen
Size = tuple[int, int]


def shoot(example: str, select: int, name: str, size: Size, out: Path) -> Path:
    window = MainWindow()
    window.resize(*size)
    window.show()
    window.open_example(resource("examples", example))
    window.designer.view.select_row(select)
    window.designer.layer_palette.tree.setCurrentItem(
        window.designer.layer_palette.item(window.project.model.layers[select].type)
    )
    QApplication.processEvents()
    path = out / name
    window.grab().save(str(path))
    window.undo_stack.setClean()
    window.close()
    return path


def write_wine_csv(folder: Path) -> Path:
    """The UCI wine measurements as a person would have them: a CSV with a header
    and the cultivar named in words."""
    from sklearn.datasets import load_wine

    wine = load_wine(as_frame=True)
    frame = wine.frame.rename(columns={"target": "cultivar"})
    frame["cultivar"] = frame["cultivar"].map(
        {0: "Barolo", 1: "Grignolino", 2: "Barbera"}
    )
    path = folder / "wine.csv"
    frame.to_csv(path, index=False)
    return path


def shoot_data(
    source: Path | None, dataset: str | None, name: str, size: Size, out: Path
) -> Path:
    from PySide6.QtCore import QEventLoop, QTimer

    window = MainWindow()
    window.resize(*size)
    window.show()
    panel = window.data_panel
    loop = QEventLoop()
    session = window.session

    def quit_when_loaded() -> None:
        if session.prepared is not None or session.data_error is not None:
            loop.quit()

    session.data_changed.connect(quit_when_loaded)
    QTimer.singleShot(30_000, loop.quit)
    if source is not None:
        panel.open_file(source)
    else:
        panel.dataset.setCurrentIndex(panel.dataset.findData(dataset))
        panel.dataset.activated.emit(panel.dataset.currentIndex())
    loop.exec()
    window.tabs.setCurrentWidget(panel)
    QApplication.processEvents()
    path = out / name
    window.grab().save(str(path))
    panel.stop()
    window.undo_stack.setClean()
    window.close()
    return path


def shoot_training(folder: Path, name: str, size: Size, out: Path) -> Path:
    """The moons MLP trained until early stopping ends it, in a saved copy
    (so checkpoints are written)."""

    from PySide6.QtCore import QEventLoop, QTimer

    window = MainWindow()
    window.resize(*(size if size == PROJECTOR else (1400, 900)))
    window.show()
    window.open_example(resource("examples", "moons_mlp.guinet"))
    window.project.set_value("training.early_stopping.patience", 3)
    window._save_to(folder / "moons.guinet")
    panel = window.training_panel
    window.tabs.setCurrentWidget(panel)
    loop = QEventLoop()
    QTimer.singleShot(1500, panel.start_training)  # once the data page is ready
    panel.runner.run_ended.connect(loop.quit)
    QTimer.singleShot(60_000, loop.quit)
    loop.exec()
    for _ in range(5):
        QApplication.processEvents()
    path = out / name
    window.grab().save(str(path))
    window.data_panel.stop()
    window.close()
    return path


RUN_RATES = (0.1, 0.03, 0.01, 0.003)


def shoot_runs(folder: Path, name: str, size: Size, out: Path) -> Path:
    """The Runs page of the moons MLP trained four times, one learning rate
    each (recorded in its run history), the best two selected and compared."""
    from guinet.core.history import RunHistory
    from guinet.core.project import Project
    from guinet.core.session import Session

    project = Project.load(resource("examples", "moons_mlp.guinet")).untitled_copy()
    for key, value in {
        "training.epochs": 40,
        "training.early_stopping.patience": 5,
        "training.device": "cpu",
    }.items():
        project.set_value(key, value)
    path = project.save(folder / "moons.guinet")
    project = Project.load(path)
    history = RunHistory.for_project(project)
    for lr in RUN_RATES:
        project.set_value("training.optimizer.lr", lr)
        run = Session(project).prepare_run()
        recorder = history.recorder(project, source="cli")
        recorder.finish(run.fit(callbacks=[recorder]))
    runs = history.runs()
    history.set_tags(runs[-1].id, ["baseline"])
    history.set_note(runs[-1].id, "the example as shipped")
    history.set_tags(runs[1].id, ["lr sweep"])
    history.close()

    window = MainWindow()
    window.resize(*size)
    window.show()
    window.open_path(path, ask=False)
    page = window.runs_panel
    window.tabs.setCurrentWidget(page)
    best = sorted(runs, key=lambda r: r.best if r.best is not None else 1e9)
    page.select_runs([best[0].id, best[1].id])
    for _ in range(5):
        QApplication.processEvents()
    shot = out / name
    window.grab().save(str(shot))
    window.data_panel.stop()
    window.undo_stack.setClean()
    window.close()
    return shot


def shoot_search(folder: Path, name: str, size: Size, out: Path) -> Path:
    """The Search page during (``…-running.png``: the trials' curves) and after
    an 8-trial random search of the moons MLP over the learning rate (log)
    and the first layer's units (the parallel coordinates)."""
    from guinet.core.project import Project

    project = Project.load(resource("examples", "moons_mlp.guinet")).untitled_copy()
    for key, value in {
        "training.epochs": 30,
        "training.early_stopping.patience": 5,
        "training.device": "cpu",
    }.items():
        project.set_value(key, value)
    project.set_search(
        {
            "sampler": "random",
            "pruner": False,
            "trials": 8,
            "seed": 1,
            "space": [
                {"param": "training.optimizer.lr", "log": [0.0005, 0.1]},
                {"param": "model.layers.0.out_features", "range": [4, 64]},
            ],
        }
    )
    path = project.save(folder / "moons.guinet")
    window = MainWindow()
    window.resize(*size)
    window.show()
    window.open_path(path, ask=False)
    page = window.search_page
    window.tabs.setCurrentWidget(page)
    page.start()
    # mid-search: trials done, one training, their curves live
    wait_for(lambda: page.trial_table.rowCount() >= 5 or not page.is_searching)
    page.plots.setCurrentWidget(page.curves)
    for _ in range(5):
        QApplication.processEvents()
    window.grab().save(str(out / "search-moons-running.png"))
    wait_for(lambda: not page.is_searching, 300_000)
    page.plots.setCurrentWidget(page.parallel)
    page.trial_table.selectRow(-1)
    for _ in range(5):
        QApplication.processEvents()
    shot = out / name
    window.grab().save(str(shot))
    window.data_panel.stop()
    window.undo_stack.setClean()
    window.close()
    return shot


def shoot_hints(name: str, size: Size, out: Path) -> Path:
    """The overfitting lesson as a teacher sets it up: little noisy data, a big
    network, no early stopping; the Train page's hints say what happens."""
    window = MainWindow()
    window.resize(*size)
    window.show()
    window.open_example(resource("examples", "moons_mlp.guinet"))
    project = window.project
    project.set_value("data.source.samples", 80)
    project.set_value("data.source.noise", 0.35)
    for index in (0, 2):
        project.model.layers.set_param(index, "out_features", 256)
    project.set_value("training.early_stopping.enabled", False)
    project.set_value("training.checkpoint.enabled", False)
    project.set_value("training.epochs", 300)
    panel = window.training_panel
    window.tabs.setCurrentWidget(panel)
    wait_for(lambda: window.session.prepared is not None)
    panel.check()
    wait_for(lambda: bool(panel.hint_list.shown_keys()))
    panel.start_training()
    wait_for(lambda: "hint.overfitting" in panel.hint_list.shown_keys())
    panel.stop_training()
    wait_for(lambda: not panel.is_training)
    QApplication.processEvents()
    path = out / name
    window.grab().save(str(path))
    window.undo_stack.setClean()
    window.data_panel.stop()
    window.close()
    return path


def shoot_concepts(name: str, size: Size, out: Path) -> Path:
    """Help ▸ Concepts, searched for what a first lesson asks about."""
    window = MainWindow()
    window.resize(*size)
    window.show()
    window.concepts_action.trigger()
    dialog = window.concepts_dialog
    assert dialog is not None
    dialog.search.setText("loss")
    QApplication.processEvents()
    path = out / name
    dialog.grab().save(str(path))
    dialog.close()
    window.close()
    return path


SPIRALS_LAYERS = [
    {"type": "Linear", "out_features": 16},
    {"type": "Tanh"},
    {"type": "Linear", "out_features": 16},
    {"type": "Tanh"},
    {"type": "Linear", "out_features": 16},
    {"type": "Tanh"},
    {"type": "Linear", "out_features": 2},
]


def shoot_boundary(folder: Path, name: str, size: Size, out: Path) -> Path:
    """Two spirals being learnt: the run paused part-way, the decision
    boundary beside the curves."""
    import json

    from guinet.core.project import Project

    spec = json.loads(Path(resource("examples", "moons_mlp.guinet")).read_text())
    spec["name"] = "Two spirals"
    spec["data"]["source"] = {
        "kind": "builtin",
        "name": "spirals",
        "samples": 600,
        "noise": 0.03,
        "seed": 0,
    }
    spec["model"]["layers"] = SPIRALS_LAYERS
    training = spec["training"]
    training.update(epochs=400, batch_size=16, device="cpu")
    training["early_stopping"]["enabled"] = False
    training["checkpoint"]["enabled"] = False
    path = folder / "spirals.guinet"
    Project.from_dict(spec).save(path)

    window = MainWindow()
    window.resize(*size)
    window.show()
    window.open_path(path, ask=False)
    wait_for(lambda: window.session.prepared is not None)
    panel = window.training_panel
    window.tabs.setCurrentWidget(panel)
    view = panel.boundary
    panel.start_training()
    wait_for(lambda: view.shown is not None and view.shown[0] >= 9, 120_000)
    panel.toggle_pause()
    wait_for(lambda: not view.busy)
    for _ in range(5):
        QApplication.processEvents()
    shot = out / name
    window.grab().save(str(shot))
    panel.stop_training()
    window.data_panel.stop()
    window.undo_stack.setClean()
    window.close()
    return shot


def shoot_same_start(folder: Path, name: str, size: Size, out: Path) -> Path:
    """The moons MLP trained at lr 0.01, then again from the same initial
    weights at lr 0.05: the first run's curves dashed under the second's,
    at a slower speed on the slider."""
    from PySide6.QtCore import QEventLoop, QTimer

    window = MainWindow()
    window.resize(*(size if size == PROJECTOR else (1400, 900)))
    window.show()
    window.open_example(resource("examples", "moons_mlp.guinet"))
    window.project.set_value("training.epochs", 30)
    window.project.set_value("training.early_stopping.enabled", False)
    window._save_to(folder / "moons.guinet")
    panel = window.training_panel
    window.tabs.setCurrentWidget(panel)

    def run(start: Any) -> None:
        loop = QEventLoop()
        panel.runner.run_ended.connect(loop.quit)
        QTimer.singleShot(1500, start)  # once the data page is ready
        QTimer.singleShot(60_000, loop.quit)
        loop.exec()
        panel.runner.run_ended.disconnect(loop.quit)

    run(panel.start_training)
    window.project.set_value("training.optimizer.lr", 0.05)
    run(panel.controls.same_start_button.click)
    panel.controls.speed_slider.setValue(2)  # 4 epochs/s, for the next run
    for _ in range(5):
        QApplication.processEvents()
    path = out / name
    window.grab().save(str(path))
    window.data_panel.stop()
    window.close()
    return path


def write_numbers_csv(folder: Path) -> Path:
    """A small regression table: a house price from its size and age, noisy."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    size = rng.uniform(40, 160, 400)
    age = rng.uniform(0, 60, 400)
    price = 2.5 * size - 0.8 * age + 60 + rng.normal(0, 12, 400)
    frame = pd.DataFrame({"size_m2": size, "age_years": age, "price_k": price})
    path = folder / "houses.csv"
    frame.to_csv(path, index=False)
    return path


def trained_project(
    folder: Path,
    project_dict: dict | None,
    example: str,
    values: dict[str, Any] | None = None,
) -> Path:
    """A project saved in ``folder`` and trained there by the engine, so its
    checkpoints (and the evaluation kept beside them) stay in ``folder``;
    ``values``: settings changed first (default for an example: patience 3)."""
    from guinet.core.project import Project
    from guinet.core.session import Session

    if project_dict is not None:
        project = Project.from_dict(project_dict)
    else:
        project = Project.load(resource("examples", example))
    if values is None:
        values = {} if project_dict else {"training.early_stopping.patience": 3}
    for key, value in values.items():
        project.set_value(key, value)
    path = folder / f"{project_dict['name'] if project_dict else example}"
    path = path.with_suffix(".guinet")
    project.save(path)
    Session(project).prepare_run().trainer.fit()
    return path


def shoot_evaluate(
    project: Path, confused: bool, name: str, size: Size, out: Path
) -> Path:
    """The Evaluate page after pressing Evaluate (and, with ``confused``,
    with the most confused cell selected, normalised by row)."""
    from PySide6.QtCore import QEventLoop, QTimer

    window = MainWindow()
    window.resize(*size)
    window.show()
    window.open_path(project, ask=False)
    session = window.session
    loop = QEventLoop()

    def quit_when_loaded() -> None:
        if session.prepared is not None or session.data_error is not None:
            loop.quit()

    session.data_changed.connect(quit_when_loaded)
    QTimer.singleShot(30_000, loop.quit)
    loop.exec()
    panel = window.evaluate_panel
    window.tabs.setCurrentWidget(panel)
    loop = QEventLoop()
    panel.evaluation_shown.connect(loop.quit)
    QTimer.singleShot(60_000, loop.quit)
    panel.evaluate_button.click()
    loop.exec()
    scores = panel.outcome.evaluation.classification if panel.outcome else None
    if confused and scores is not None:
        panel.normalise_combo.setCurrentIndex(panel.normalise_combo.findData("row"))
        panel.confusion.set_normalisation("row")
        off = scores.confusion.copy()
        off[range(len(off)), range(len(off))] = -1
        true, predicted = divmod(int(off.argmax()), len(off))
        panel.show_cell(true, predicted)
    for _ in range(5):
        QApplication.processEvents()
    path = out / name
    window.grab().save(str(path))
    panel.stop()
    window.data_panel.stop()
    window.undo_stack.setClean()
    window.close()
    return path


HOUSES = {
    "guinet": 1,
    "name": "houses",
    "data": {
        "source": {"kind": "csv", "path": "houses.csv"},
        "target": "price_k",
        "task": "regression",
        "scaling": "standard",
        "split": {"validation": 0.2, "test": 0.2, "seed": 0},
    },
    "model": {
        "layers": [
            {"type": "Linear", "out_features": 16},
            {"type": "ReLU"},
            {"type": "Linear", "out_features": 1},
        ]
    },
    "training": {
        "loss": {"type": "MSELoss"},
        "optimizer": {"type": "Adam", "lr": 0.01},
        "epochs": 150,
        "batch_size": 32,
        "seed": 0,
    },
}


def shoot_code(example: str, name: str, size: Size, out: Path) -> Path:
    """The Model page with the Code tab showing the model's PyTorch code."""
    window = MainWindow()
    window.resize(*size)
    window.show()
    window.open_example(resource("examples", example))
    designer = window.designer
    designer.view.select_row(len(window.project.model.layers) - 1)
    designer.side_tabs.setCurrentWidget(designer.code_view)
    QApplication.processEvents()
    path = out / name
    window.grab().save(str(path))
    window.undo_stack.setClean()
    window.close()
    return path


def shoot_export(folder: Path, name: str, size: Size, out: Path) -> Path:
    """File ▸ Export… after an ONNX export (TorchScript where the onnx extra
    is missing) of the moons MLP, trained in a saved copy."""
    from PySide6.QtCore import QEventLoop, QTimer

    from guinet.core.export import EXPORTERS, missing_modules

    window = MainWindow()
    window.resize(*size)
    window.show()
    window.open_example(resource("examples", "moons_mlp.guinet"))
    window.project.set_value("training.epochs", 20)
    window._save_to(folder / "moons.guinet")
    window.session.prepare_run().trainer.fit()
    window.session.use_weights(window.session.weights_path())
    window.show_export_dialog()
    dialog = window.export_dialog
    assert dialog is not None
    key = "onnx" if not missing_modules(EXPORTERS["onnx"]) else "torchscript"
    item = dialog.item_for(key)
    assert item is not None
    dialog.formats.setCurrentItem(item)
    loop = QEventLoop()
    dialog.exported.connect(loop.quit)
    dialog.failed.connect(loop.quit)
    QTimer.singleShot(60_000, loop.quit)
    dialog.export()
    loop.exec()
    for _ in range(5):
        QApplication.processEvents()
    # the dialog as it opens over a window of this size: never larger
    hint = dialog.minimumSizeHint()
    assert hint.width() <= size[0] and hint.height() <= size[1], hint
    path = out / name
    dialog.grab().save(str(path))
    dialog.close()
    window.data_panel.stop()
    window.close()
    return path


def wait_for(condition, timeout_ms: int = 60_000) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QDeadlineTimer
    from PySide6.QtTest import QTest

    deadline = QDeadlineTimer(timeout_ms)
    while not condition() and not deadline.hasExpired():
        QTest.qWait(20)


#: A 3 as a person draws it on the canvas: the top arc, the middle, the bottom.
THREE = [
    [(62, 52), (90, 36), (130, 34), (158, 50), (160, 78), (138, 100), (110, 108)],
    [(110, 108), (145, 116), (166, 142), (160, 172), (128, 190), (92, 192), (64, 178)],
]


def shoot_predict(
    folder: Path, example: str, name: str, size: Size, out: Path, epochs: int
) -> Path:
    """The Predict page of a trained example: a drawn 3 for the digits, the
    fields with a picked test row for a table-like set."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    path = trained_project(
        folder, None, example, {"training.epochs": epochs, "training.device": "cpu"}
    )
    window = MainWindow()
    window.resize(*size)
    window.show()
    window.open_path(path, ask=False)
    wait_for(lambda: window.session.prepared is not None)
    panel = window.predict_panel
    window.tabs.setCurrentWidget(panel)
    wait_for(lambda: panel.tool is not None)
    tool = panel.tool
    if hasattr(tool, "canvas"):
        left, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
        for part in THREE:
            QTest.mousePress(tool.canvas, left, none, QPoint(*part[0]))
            for a, b in zip(part, part[1:], strict=False):
                for t in (0.25, 0.5, 0.75, 1.0):
                    x = round(a[0] + (b[0] - a[0]) * t)
                    y = round(a[1] + (b[1] - a[1]) * t)
                    QTest.mouseMove(tool.canvas, QPoint(x, y))
            QTest.mouseRelease(tool.canvas, left, none, QPoint(*part[-1]))
    else:
        tool.test_row.setValue(4)
    QApplication.processEvents()
    shot = out / name
    window.grab().save(str(shot))
    window.data_panel.stop()
    window.close()
    return shot


#: Presentation mode fills the screen: a 1280×720 projector's.
SCREEN = (1280, 720)
PAGES = ("data", "model", "train", "evaluate", "predict", "runs")


def shoot_looks(folder: Path, out: Path) -> list[Path]:
    """Every page of the spirals, trained, in the dark theme (the window
    fitted to a projector) and in presentation mode, light and dark (the
    whole 1280×720 screen)."""
    from PySide6.QtCore import QEventLoop, Qt, QTimer

    from guinet.gui.appearance import Look, appearance

    window = MainWindow()
    window.resize(*PROJECTOR)
    window.show()
    window.open_example(resource("examples", "moons_mlp.guinet"))
    for key, value in {
        "data.source.name": "spirals",
        "data.source.samples": 1000,
        "data.source.noise": 0.05,
        "training.epochs": 150,
        "training.early_stopping.patience": 20,
        "training.device": "cpu",
    }.items():
        window.project.set_value(key, value)
    window._save_to(folder / "spirals.guinet")
    wait_for(lambda: window.session.prepared is not None)
    panel = window.training_panel
    window.tabs.setCurrentWidget(panel)
    loop = QEventLoop()
    panel.runner.run_ended.connect(loop.quit)
    QTimer.singleShot(0, panel.start_training)
    QTimer.singleShot(120_000, loop.quit)
    loop.exec()
    evaluate = window.evaluate_panel
    window.tabs.setCurrentWidget(evaluate)
    loop = QEventLoop()
    evaluate.evaluation_shown.connect(loop.quit)
    QTimer.singleShot(60_000, loop.quit)
    evaluate.evaluate_button.click()
    loop.exec()
    window.tabs.setCurrentWidget(window.predict_panel)
    wait_for(lambda: window.predict_panel.tool is not None)
    window.predict_panel.tool.test_row.setValue(4)

    shots = []
    for prefix, theme, presenting in (
        ("dark", "dark", False),
        ("present", "light", True),
        ("present-dark", "dark", True),
    ):
        window.view_controls.set_theme(theme)
        if presenting:
            window.view_controls.presentation.set_active(True)
            # the offscreen screen is not a projector's: show its size
            window.setWindowState(Qt.WindowState.WindowNoState)
            window.setGeometry(0, 0, *SCREEN)
        for index, page in enumerate(PAGES):
            window.tabs.setCurrentIndex(index)
            for _ in range(5):
                QApplication.processEvents()
            path = out / f"{prefix}-{page}.png"
            window.grab().save(str(path))
            shots.append(path)
        window.view_controls.presentation.set_active(False)
    appearance().set_look(Look())
    window.evaluate_panel.stop()
    return shots


def spirals_project(folder: Path) -> Path:
    """Spirals, the Playground's hardest toy, and two small tanh layers that
    learn it, saved in ``folder``."""
    import json

    raw = json.loads(Path(resource("examples", "moons_mlp.guinet")).read_text())
    raw["name"] = "Spirals"
    raw["data"]["source"] = {"kind": "builtin", "name": "spirals", "samples": 600,
                             "noise": 0.1, "seed": 0}  # fmt: skip
    raw["model"] = {"layers": [
        {"type": "Linear", "out_features": 8}, {"type": "Tanh"},
        {"type": "Linear", "out_features": 8}, {"type": "Tanh"},
        {"type": "Linear", "out_features": 2},
    ]}  # fmt: skip
    raw["training"]["optimizer"] = {"type": "Adam", "lr": 0.03}
    raw["training"]["epochs"] = 150
    raw["training"]["early_stopping"]["enabled"] = False
    path = folder / "spirals.guinet"
    path.write_text(json.dumps(raw))
    return path


def shoot_network(folder: Path, size: Size, out: Path) -> list[Path]:
    """The network view of spirals after training (each unit's activation map,
    the weights), then inside one step of a test sample; drawn at the size
    the Train page gives it at ``size``."""
    from guinet.gui.network_view import NetworkView

    window = MainWindow()
    window.resize(*size)
    window.show()
    window.open_path(spirals_project(folder), ask=False)
    wait_for(lambda: window.session.prepared is not None)
    panel = window.training_panel
    states: list = []
    panel.runner.weights_copied.connect(states.append)
    panel.start_training()
    wait_for(lambda: not panel.is_training, 120_000)
    view = NetworkView(window.session)
    view.resize(size[0] * 2 // 3, size[1] * 3 // 4)
    view.show()
    drawn: list = []
    view.view_updated.connect(lambda *_: drawn.append(1))
    view.show_state(states[-1].state, states[-1].epoch, None)
    wait_for(lambda: bool(drawn))
    shots = [out / "network-spirals.png", out / "network-step.png"]
    view.grab().save(str(shots[0]))
    stepped: list = []
    view.step_shown.connect(stepped.append)
    view.step_mode.click()
    view.sample.setValue(3)
    view.step_button.click()
    wait_for(lambda: bool(stepped))
    QApplication.processEvents()
    view.grab().save(str(shots[1]))
    view.stop()
    view.close()
    window.data_panel.stop()
    window.undo_stack.setClean()
    window.close()
    return shots


def shoot_start(name: str, size: Size, out: Path) -> Path:
    """The start page as ``guinet`` opens without a project, every card's
    picture drawn."""
    window = MainWindow(start_page=True)
    window.resize(*size)
    window.show()
    page = window.start_page
    assert page is not None
    folder = Path(_SCRATCH) / "projects"
    folder.mkdir(exist_ok=True)
    recent = []
    for stem in ("my-moons", "iris-dropout"):
        (folder / f"{stem}.guinet").write_bytes(
            resource("examples", "moons_mlp.guinet").read_bytes()
        )
        recent.append(str(folder / f"{stem}.guinet"))
    page.set_recent([*recent, str(folder / "moved-away.guinet")])
    wait_for(lambda: all(card.has_picture for card in page.cards))
    QApplication.processEvents()
    path = out / name
    window.grab().save(str(path))
    page.stop()
    window.close()
    return path


def shoot_getting_started(name: str, size: Size, out: Path) -> Path:
    """Help ▸ Getting started beside the window, step 4's Show me pressed
    (the Train button outlined), both in one picture as a person sees them."""
    from PySide6.QtGui import QColor, QPainter, QPixmap

    window = MainWindow()
    window.resize(*size)
    window.show()
    window.open_example(resource("examples", "moons_mlp.guinet"))
    window.show_getting_started()
    dialog = window.getting_started
    assert dialog is not None
    dialog.show_buttons[3].click()
    QApplication.processEvents()
    shot = window.grab()
    guide = dialog.grab()
    canvas = QPixmap(shot.size())
    painter = QPainter(canvas)
    painter.drawPixmap(0, 0, shot)
    left = shot.width() - guide.width() - 16
    painter.drawPixmap(left, 60, guide)
    painter.setPen(QColor("#9ca3af"))  # the dialog's own frame, which offscreen lacks
    painter.drawRect(left - 1, 59, guide.width() + 1, guide.height() + 1)
    painter.end()
    path = out / name
    canvas.save(str(path))
    dialog.close()
    window.undo_stack.setClean()
    window.data_panel.stop()
    window.close()
    return path


def shoot_classroom(out: Path) -> list[Path]:
    """The spirals lesson being learned, as a teacher opens it from the start
    page on a 1280×720 projector: paused mid-run with the curves, the
    decision boundary and the network live, in the window (fitted to the
    screen) and in presentation mode (the whole screen)."""
    from PySide6.QtCore import Qt

    window = MainWindow()
    window.resize(*PROJECTOR)
    window.show()
    window.open_example(resource("examples", "spirals.guinet"))
    wait_for(lambda: window.session.prepared is not None)
    panel = window.training_panel
    epochs: list[int] = []
    panel.runner.epoch_finished.connect(lambda *args: epochs.append(1))
    window.view_controls.train_action.trigger()  # F5: to the Train page, train
    wait_for(lambda: len(epochs) >= 60, 120_000)
    panel.toggle_pause()
    wait_for(lambda: panel.pause_button.text() == "Resume")
    for _ in range(40):  # the last boundary and network drawings land
        QApplication.processEvents()
    shots = [out / "classroom-spirals.png", out / "classroom-spirals-present.png"]
    window.grab().save(str(shots[0]))
    window.view_controls.presentation.set_active(True)
    # the offscreen screen is not a projector's: show its size
    window.setWindowState(Qt.WindowState.WindowNoState)
    window.setGeometry(0, 0, *SCREEN)
    for _ in range(40):
        QApplication.processEvents()
    window.grab().save(str(shots[1]))
    window.view_controls.presentation.set_active(False)
    panel.stop_training()
    window.data_panel.stop()
    window.undo_stack.setClean()
    window.close()
    return shots


def shoot_prefs(folder: Path, size: Size, out: Path) -> list[Path]:
    """Help ▸ About, Edit ▸ Preferences… and the restore prompt after a crash."""
    import time

    from guinet.core.recovery import Recovery
    from guinet.gui.recovery import RecoveryDialog

    window = MainWindow()
    window.resize(*size)
    window.show()
    shots = []
    window._about()
    dialogs: list[Any] = [window.about_dialog]
    window.show_preferences()
    dialogs.append(window.preferences_dialog)
    crashed = Recovery(
        folder / "1234-abcd.guinet-recovery",
        "Iris — four measurements",
        Path.home() / "projects" / "iris-flowers.guinet",
        time.time() - 95,
        1234,
    )
    dialogs.append(RecoveryDialog(crashed, window))
    for name, dialog in zip(
        ("about.png", "preferences.png", "restore-prompt.png"), dialogs, strict=True
    ):
        assert dialog is not None
        dialog.show()
        for _ in range(5):
            QApplication.processEvents()
        hint = dialog.minimumSizeHint()
        assert hint.width() <= size[0] and hint.height() <= size[1], hint
        path = out / name
        dialog.grab().save(str(path))
        dialog.close()
        shots.append(path)
    window.close()
    return shots


def shoot_all(size: Size, out: Path, only: str = "") -> None:
    """Every screenshot at ``size`` (``only``: those whose name contains it)."""
    if only in ("", "start"):
        print(shoot_start("start-page.png", size, out))
        print(shoot_getting_started("getting-started.png", size, out))
    if only in ("", "designer"):
        print(shoot("moons_mlp.guinet", 2, "designer-mlp.png", size, out))
        print(shoot("digits_cnn.guinet", 0, "designer-cnn.png", size, out))
        print(shoot_code("digits_cnn.guinet", "designer-code.png", size, out))
    if only in ("", "data"):
        with tempfile.TemporaryDirectory() as folder:
            wine = write_wine_csv(Path(folder))
            print(shoot_data(wine, None, "data-csv.png", size, out))
        print(shoot_data(None, "spirals", "data-spirals.png", size, out))
    if only in ("", "train"):
        with tempfile.TemporaryDirectory() as folder:
            print(shoot_training(Path(folder), "train-early-stop.png", size, out))
    if only in ("", "runs"):
        with tempfile.TemporaryDirectory() as folder:
            print(shoot_runs(Path(folder), "runs-compare.png", size, out))
    if only in ("", "search"):
        with tempfile.TemporaryDirectory() as folder:
            print(shoot_search(Path(folder), "search-moons.png", size, out))
    if only in ("", "hints"):
        print(shoot_hints("train-hints.png", size, out))
        print(shoot_concepts("help-concepts.png", size, out))
    if only in ("", "train", "boundary"):
        with tempfile.TemporaryDirectory() as folder:
            print(shoot_boundary(Path(folder), "train-spirals.png", size, out))
        with tempfile.TemporaryDirectory() as folder:
            print(shoot_same_start(Path(folder), "train-same-start.png", size, out))
    if only in ("", "evaluate"):
        with tempfile.TemporaryDirectory() as folder:
            digits = trained_project(Path(folder), None, "digits_cnn.guinet")
            print(shoot_evaluate(digits, True, "evaluate-digits.png", size, out))
        with tempfile.TemporaryDirectory() as folder:
            write_numbers_csv(Path(folder))
            houses = trained_project(Path(folder), HOUSES, "")
            print(shoot_evaluate(houses, False, "evaluate-regression.png", size, out))
    if only in ("", "predict"):
        with tempfile.TemporaryDirectory() as folder:
            for example, name, epochs in (
                ("digits_cnn.guinet", "predict-digits.png", 12),
                ("iris_mlp.guinet", "predict-iris.png", 60),
            ):
                print(shoot_predict(Path(folder), example, name, size, out, epochs))
    if only in ("", "network"):
        with tempfile.TemporaryDirectory() as folder:
            print(*shoot_network(Path(folder), size, out), sep="\n")
    if only in ("", "export"):
        with tempfile.TemporaryDirectory() as folder:
            print(shoot_export(Path(folder), "export-dialog.png", size, out))
    if only in ("", "prefs"):
        with tempfile.TemporaryDirectory() as folder:
            print(*shoot_prefs(Path(folder), size, out), sep="\n")
    if only in ("", "classroom") and size == PROJECTOR:
        print(*shoot_classroom(out), sep="\n")
    if only in ("", "looks") and size == PROJECTOR:
        (out / "looks").mkdir(exist_ok=True)
        with tempfile.TemporaryDirectory() as folder:
            for shot in shoot_looks(Path(folder), out / "looks"):
                print(shot)


if __name__ == "__main__":
    # python docs/screenshots.py [GROUP] [--out DIR]: only that group's shots
    # (the names shoot_all tests `only` against: designer, data, train, hints,
    # …), into DIR instead of docs/images (CI checks the script runs that way)
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("group", nargs="?", default="", help="one group only")
    parser.add_argument("--out", type=Path, default=OUT, help="default docs/images")
    args = parser.parse_args()
    torch_loader.load_now()
    app = create_application()
    for size, out in ((DESKTOP, args.out), (PROJECTOR, args.out / "projector")):
        out.mkdir(parents=True, exist_ok=True)
        shoot_all(size, out, args.group)
