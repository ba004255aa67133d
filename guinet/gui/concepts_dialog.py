"""Help ▸ Concepts: every concept of the glossary, searchable.

The sentences are :data:`guinet.core.concepts.CONCEPTS`, the same ones the
controls' tooltips and the teaching hints use.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from guinet.core.concepts import CONCEPTS, search


class ConceptsDialog(QDialog):
    """A list of term — sentence, filtered as the person types."""

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
        self.list = QListWidget()
        self.list.setObjectName("conceptList")
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.list.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        for concept in CONCEPTS.values():
            item = QListWidgetItem(f"{concept.term}\n{concept.sentence}")
            item.setData(Qt.ItemDataRole.UserRole, concept.term)
            self.list.addItem(item)
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
        wanted = {concept.term for concept in search(text)}
        for row in range(self.list.count()):
            item = self.list.item(row)
            item.setHidden(item.data(Qt.ItemDataRole.UserRole) not in wanted)
        self.count.setText(f"{len(wanted)} of {len(CONCEPTS)} concepts")

    def shown_terms(self) -> list[str]:
        """The terms listed now, in order."""
        return [
            self.list.item(row).data(Qt.ItemDataRole.UserRole)
            for row in range(self.list.count())
            if not self.list.item(row).isHidden()
        ]
