"""Help ▸ Concepts: every concept of the glossary, searchable.

The sentences are :data:`guinet.core.concepts.CONCEPTS`, the same ones the
controls' tooltips and the teaching hints use.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from guinet.core.concepts import CONCEPTS, search


class ConceptsDialog(QDialog):
    """Each term in bold over its sentence, filtered as the person types."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conceptsDialog")
        self.setWindowTitle("Concepts")
        self.resize(640, 520)
        self.search = QLineEdit()
        self.search.setObjectName("conceptSearch")
        self.search.setPlaceholderText("Search the concepts (e.g. learning rate)")
        self.search.setToolTip("Type a word: only the concepts that use it stay")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.filter)
        self.list = QTextBrowser()
        self.list.setObjectName("conceptList")
        self._shown: list[str] = []
        self.count = QLabel()
        self.count.setObjectName("help")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.count)
        layout.addWidget(buttons)
        self.filter("")

    @Slot(str)
    def filter(self, text: str) -> None:
        found = search(text)
        self._shown = [concept.term for concept in found]
        self.list.setHtml(
            "".join(
                f"<p><b>{escape(c.term[:1].upper() + c.term[1:])}</b><br>"
                f"{escape(c.sentence)}</p>"
                for c in found
            )
            or "<p>No concept uses these words.</p>"
        )
        self.count.setText(f"{len(found)} of {len(CONCEPTS)} concepts")

    def shown_terms(self) -> list[str]:
        """The terms listed now, in order."""
        return list(self._shown)
