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


if __name__ == "__main__":
    torch_loader.load_now()
    app = create_application()
    for size, out in ((DESKTOP, OUT), (PROJECTOR, OUT / "projector")):
        out.mkdir(parents=True, exist_ok=True)
        print(shoot("moons_mlp.guinet", 2, "designer-mlp.png", size, out))
        print(shoot("digits_cnn.guinet", 0, "designer-cnn.png", size, out))
        print(shoot_code("digits_cnn.guinet", "designer-code.png", size, out))
        with tempfile.TemporaryDirectory() as folder:
            wine = write_wine_csv(Path(folder))
            print(shoot_data(wine, None, "data-csv.png", size, out))
        print(shoot_data(None, "spirals", "data-spirals.png", size, out))
        with tempfile.TemporaryDirectory() as folder:
            print(shoot_training(Path(folder), "train-early-stop.png", size, out))
