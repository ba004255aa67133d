"""Help ▸ About: every version a bug report needs, and Copy."""

from __future__ import annotations

import platform

import numpy
import PySide6
import torch
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QGuiApplication

from guinet import __version__
from tests.gui.helpers import menu_action


def test_about_shows_the_versions_and_copies_them(window, qtbot):
    menu_action(window, "Help", "About guinet").trigger()
    dialog = window.about_dialog
    qtbot.waitExposed(dialog)
    text = dialog.versions.toPlainText()
    for expected in (
        f"guinet: {__version__}",
        f"PyTorch: {torch.__version__}",
        f"PySide6: {PySide6.__version__}",
        f"Qt: {qVersion()}",
        f"Python: {platform.python_version()}",
        f"NumPy: {numpy.__version__}",
        f"Platform: {platform.platform()}",
    ):
        assert expected in text
    device = text.splitlines()[-1]
    assert device.startswith(
        "Device: CUDA:" if torch.cuda.is_available() else "Device: CPU"
    )
    QGuiApplication.clipboard().clear()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == text
    assert dialog.copy_button.text() == "Copied"
    dialog.close()
