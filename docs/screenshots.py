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


def trained_example(example: str, folder: Path, epochs: int) -> Path:
    """A saved copy of ``example`` trained ``epochs`` epochs on the CPU (its
    checkpoints beside it), for the Predict page to load."""
    from guinet.core.project import Project
    from guinet.core.session import Session

    project = Project.load(resource("examples", example))
    project.set_value("training.epochs", epochs)
    project.set_value("training.device", "cpu")
    path = project.save(folder / example)
    Session(project).prepare_run().trainer.fit()
    return path


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

    path = trained_example(example, folder, epochs)
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


if __name__ == "__main__":
    torch_loader.load_now()
    app = create_application()
    only = sys.argv[1] if len(sys.argv) > 1 else ""  # e.g. "predict"
    for size, out in ((DESKTOP, OUT), (PROJECTOR, OUT / "projector")):
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as folder:
            print(
                shoot_predict(
                    Path(folder),
                    "digits_cnn.guinet",
                    "predict-digits.png",
                    size,
                    out,
                    12,
                )
            )
            print(
                shoot_predict(
                    Path(folder), "iris_mlp.guinet", "predict-iris.png", size, out, 60
                )
            )
        if only:
            continue
        print(shoot("moons_mlp.guinet", 2, "designer-mlp.png", size, out))
        print(shoot("digits_cnn.guinet", 0, "designer-cnn.png", size, out))
        print(shoot_code("digits_cnn.guinet", "designer-code.png", size, out))
        with tempfile.TemporaryDirectory() as folder:
            wine = write_wine_csv(Path(folder))
            print(shoot_data(wine, None, "data-csv.png", size, out))
        print(shoot_data(None, "spirals", "data-spirals.png", size, out))
        with tempfile.TemporaryDirectory() as folder:
            print(shoot_training(Path(folder), "train-early-stop.png", size, out))
        with tempfile.TemporaryDirectory() as folder:
            print(shoot_export(Path(folder), "export-dialog.png", size, out))
