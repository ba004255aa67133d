"""Render the README's screenshots from the real window (offscreen).

python docs/screenshots.py            # writes docs/images/*.png

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


def shoot_all(size: Size, out: Path, only: str = "") -> None:
    """Every screenshot at ``size`` (``only``: those whose name contains it)."""
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
    if only in ("", "export"):
        with tempfile.TemporaryDirectory() as folder:
            print(shoot_export(Path(folder), "export-dialog.png", size, out))


if __name__ == "__main__":
    # python docs/screenshots.py [designer|data|train|evaluate|predict|export]:
    # only those
    torch_loader.load_now()
    app = create_application()
    for size, out in ((DESKTOP, OUT), (PROJECTOR, OUT / "projector")):
        out.mkdir(parents=True, exist_ok=True)
        shoot_all(size, out, sys.argv[1] if len(sys.argv) > 1 else "")
