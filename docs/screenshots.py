"""Render the README's screenshots from the real window (offscreen).

python docs/screenshots.py            # writes docs/images/*.png
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from guinet._resources import resource  # noqa: E402
from guinet.gui import torch_loader  # noqa: E402
from guinet.gui.app import create_application  # noqa: E402
from guinet.gui.main_window import MainWindow  # noqa: E402

OUT = ROOT / "docs" / "images"


def shoot(example: str, select: int, name: str) -> Path:
    window = MainWindow()
    window.resize(1280, 800)
    window.show()
    window.open_example(resource("examples", example))
    window.designer.view.select_row(select)
    window.designer.palette.tree.setCurrentItem(
        window.designer.palette.item(window.project.model.layers[select].type)
    )
    QApplication.processEvents()
    path = OUT / name
    window.grab().save(str(path))
    window.close()
    return path


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication

    torch_loader.load_now()
    app = create_application()
    OUT.mkdir(parents=True, exist_ok=True)
    print(shoot("moons_mlp.guinet", 2, "designer-mlp.png"))
    print(shoot("digits_cnn.guinet", 0, "designer-cnn.png"))
