"""The Code view: the model being designed, as the PyTorch code that builds it.

The bridge from stacking blocks to writing PyTorch: every edit in the
designer shows at once as the ``nn.Sequential`` a person would type, with
the sizes guinet infers filled in. The text is the python exporter's model
part (:func:`guinet.core.export.source.model_source`), so what is shown is
what an exported script builds. An invalid stack shows the code up to the
problem and a comment saying what is wrong.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Slot
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from guinet.gui import torch_loader

if TYPE_CHECKING:
    from guinet.core.model import ModelSpec

#: What the code needs above it to run as it is.
PREAMBLE = "import torch\nfrom torch import nn\n\n"


class ModelCodeView(QWidget):
    """A read-only, monospace view of the model's code, with a Copy button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("codeView")
        self.editor = QPlainTextEdit()
        self.editor.setObjectName("modelCode")
        self.editor.setReadOnly(True)
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self._use_fixed_font()
        self.editor.setToolTip(
            "The PyTorch code that builds this model. guinet export --format "
            "python writes it into a whole training script."
        )
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the code to the clipboard")
        self.copy_button.clicked.connect(self.copy)
        self.note = QLabel("PyTorch code of this model · updates as you edit")
        self.note.setObjectName("muted")
        self.note.setWordWrap(True)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.note, 1)
        row.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.editor, 1)

    def _use_fixed_font(self) -> None:
        """Monospace at the application font's size (which the zoom sets)."""
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(QGuiApplication.font().pointSizeF())
        self.editor.setFont(font)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.ApplicationFontChange:
            self._use_fixed_font()
        super().changeEvent(event)

    def text(self) -> str:
        return self.editor.toPlainText()

    def code_width(self) -> int:
        """Pixels the code's longest line needs (to widen the pane for it)."""
        metrics = self.editor.fontMetrics()
        longest = max((len(line) for line in self.text().splitlines()), default=0)
        return metrics.horizontalAdvance("x") * (longest + 2) + 32

    def show_model(self, spec: ModelSpec | None) -> None:
        """Show ``spec``'s code (or why there is none yet); keeps the scroll
        position when only a few lines change."""
        if spec is None:
            text = "# no model yet\n"
        elif not torch_loader.is_ready():
            text = f"# {torch_loader.error() or 'Loading PyTorch…'}\n"
        else:
            from guinet.core.export.source import model_source

            text = PREAMBLE + model_source(spec)
        if text == self.editor.toPlainText():
            return
        vertical = self.editor.verticalScrollBar().value()
        horizontal = self.editor.horizontalScrollBar().value()
        self.editor.setPlainText(text)
        self.editor.verticalScrollBar().setValue(vertical)
        self.editor.horizontalScrollBar().setValue(horizontal)

    @Slot()
    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text())
        self.note.setText("Copied to the clipboard")
