"""Help ▸ About: what guinet is, and every version a bug report needs.

The versions of guinet, PyTorch, PySide6 and the Qt it runs on, Python and
NumPy, the platform, and the device runs use here; Copy puts the same text
on the clipboard.
"""

from __future__ import annotations

import platform
import sys

import PySide6
from PySide6.QtCore import Qt, Slot, qVersion
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from guinet import __version__
from guinet._resources import resource


def device_in_use(default: str = "auto") -> str:
    """The device a run whose device is ``auto`` trains on here, by name."""
    from guinet.core.training.devices import preferred_device, resolve_device

    try:
        import torch

        device = resolve_device(preferred_device("auto", default))
    except Exception as exc:  # noqa: BLE001 (a broken torch is worth a line too)
        return f"unknown ({exc})"
    if device.type == "cuda":
        index = device.index or 0
        return f"CUDA: {torch.cuda.get_device_name(index)} (cuda:{index})"
    if device.type == "mps":
        return "Apple GPU (MPS)"
    return f"CPU ({platform.processor() or platform.machine()})"


def version_lines(default_device: str = "auto") -> list[tuple[str, str]]:
    """``(what, version)`` for every line of the report."""
    try:
        import torch

        torch_version = str(torch.__version__)
        cuda = torch.version.cuda
        if cuda:
            torch_version += f" (CUDA {cuda})"
    except Exception as exc:  # noqa: BLE001
        torch_version = f"not loaded ({exc})"
    try:
        import numpy

        numpy_version = numpy.__version__
    except ImportError:
        numpy_version = "not installed"
    return [
        ("guinet", __version__),
        ("PyTorch", torch_version),
        ("PySide6", PySide6.__version__),
        ("Qt", qVersion()),
        ("Python", f"{platform.python_version()} ({sys.implementation.name})"),
        ("NumPy", numpy_version),
        ("Platform", platform.platform()),
        ("Device", device_in_use(default_device)),
    ]


def versions_text(default_device: str = "auto") -> str:
    """The report Copy puts on the clipboard, one ``what: version`` a line."""
    return "\n".join(
        f"{what}: {value}" for what, value in version_lines(default_device)
    )


class AboutDialog(QDialog):
    """What guinet is, its versions, and Copy for a bug report."""

    def __init__(
        self, default_device: str = "auto", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle("About guinet")
        layout = QVBoxLayout(self)
        head = QHBoxLayout()
        icon = QLabel()
        icon.setPixmap(QIcon(str(resource("icons", "guinet.svg"))).pixmap(64, 64))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        head.addWidget(icon)
        title = QLabel(
            f"<h2>guinet {__version__}</h2><p>Design and train neural networks "
            "visually, with PyTorch underneath.</p>"
        )
        title.setObjectName("aboutTitle")
        title.setWordWrap(True)
        head.addWidget(title, 1)
        layout.addLayout(head)
        self.text = versions_text(default_device)
        self.versions = QPlainTextEdit(self.text)
        self.versions.setObjectName("aboutVersions")
        self.versions.setReadOnly(True)
        self.versions.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        lines = self.text.count("\n") + 1
        height = self.versions.fontMetrics().lineSpacing() * (lines + 1) + 12
        self.versions.setFixedHeight(height)  # every line, no empty box below
        layout.addWidget(self.versions)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("&Copy")
        self.copy_button.setToolTip(
            "Put these versions on the clipboard, for a bug report"
        )
        self.buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        width = self.versions.fontMetrics().horizontalAdvance(
            max(self.text.splitlines(), key=len)
        )
        self.resize(max(480, min(900, width + 80)), self.sizeHint().height())

    @Slot()
    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text)
        self.copy_button.setText("Copied")
