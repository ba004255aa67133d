"""The layer palette: every catalogue layer, grouped by category, searchable.

Entries are dragged into the layer stack (MIME type :data:`LAYER_TYPE_MIME`
holding the layer's key) or double-clicked to append.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QMimeData, Qt, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from guinet.core.layers import CATEGORIES, LAYERS
from guinet.gui.theme import category_color

LAYER_TYPE_MIME = "application/x-guinet-layer-type"
KEY_ROLE = Qt.ItemDataRole.UserRole + 1


def layer_mime(key: str) -> QMimeData:
    mime = QMimeData()
    mime.setData(LAYER_TYPE_MIME, key.encode())
    mime.setText(key)
    return mime


class PaletteTree(QTreeWidget):
    """The tree itself; its drag carries the layer key."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setRootIsDecorated(True)
        self.setIndentation(14)
        self.setUniformRowHeights(True)
        self.setObjectName("palette")

    def mimeData(self, items: Sequence[QTreeWidgetItem]) -> QMimeData:  # noqa: N802 (Qt)
        keys = [item.data(0, KEY_ROLE) for item in items if item.data(0, KEY_ROLE)]
        return layer_mime(keys[0]) if keys else QMimeData()

    def mimeTypes(self) -> list[str]:  # noqa: N802 (Qt)
        return [LAYER_TYPE_MIME]


class LayerPalette(QWidget):
    """Search box over the categorised tree of layer types."""

    layer_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit(placeholderText="Search layers…")
        self.search.setClearButtonEnabled(True)
        self.tree = PaletteTree()
        self.about = QLabel("Drag a layer into the model, or double-click it.")
        self.about.setObjectName("paletteAbout")
        self.about.setWordWrap(True)
        self.about.setTextFormat(Qt.TextFormat.RichText)
        self.about.setMinimumHeight(90)
        self.about.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.search)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.about)
        self._items: dict[str, QTreeWidgetItem] = {}
        # Each category's tree item and the keys of the layers under it.
        self._groups: list[tuple[QTreeWidgetItem, list[str]]] = []
        self._populate()
        self.search.textChanged.connect(self._filter)
        # "activated" alone: Qt emits it for a double-click (or a single click
        # where the platform activates on one) and for Enter; listening to
        # itemDoubleClicked as well added every double-clicked layer twice
        self.tree.itemActivated.connect(self._on_activated)
        self.tree.currentItemChanged.connect(self._on_current)

    def _populate(self) -> None:
        bold = QFont()
        bold.setBold(True)
        for category in CATEGORIES:
            members = [t for t in LAYERS.values() if t.category == category]
            if not members:
                continue
            group = QTreeWidgetItem(self.tree, [category])
            group.setFont(0, bold)
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            group.setForeground(0, QBrush(category_color(category).darker(140)))
            self._groups.append((group, [t.key for t in members]))
            for layer_type in members:
                name = layer_type.key + (
                    f" · {layer_type.alias}" if layer_type.alias else ""
                )
                item = QTreeWidgetItem(group, [name])
                item.setData(0, KEY_ROLE, layer_type.key)
                item.setToolTip(
                    0, f"<b>{layer_type.key}</b><br>{layer_type.explanation}"
                )
                item.setFlags(
                    Qt.ItemFlag.ItemIsEnabled
                    | Qt.ItemFlag.ItemIsSelectable
                    | Qt.ItemFlag.ItemIsDragEnabled
                )
                swatch = QColor(category_color(category))
                item.setData(0, Qt.ItemDataRole.DecorationRole, swatch)
                self._items[layer_type.key] = item
        self.tree.expandAll()

    def item(self, key: str) -> QTreeWidgetItem:
        return self._items[key]

    def visible_keys(self) -> list[str]:
        return [key for key, item in self._items.items() if not item.isHidden()]

    @Slot(str)
    def _filter(self, text: str) -> None:
        words = text.lower().split()
        for group, keys in self._groups:
            any_shown = False
            for key in keys:
                layer_type = LAYERS[key]
                haystack = " ".join(
                    (
                        layer_type.key,
                        layer_type.label,
                        layer_type.alias,
                        layer_type.category,
                        layer_type.explanation,
                    )
                ).lower()
                shown = all(word in haystack for word in words)
                self._items[key].setHidden(not shown)
                any_shown |= shown
            group.setHidden(not any_shown)
        self.tree.expandAll()

    @Slot(QTreeWidgetItem, QTreeWidgetItem)
    def _on_current(
        self, item: QTreeWidgetItem | None, _previous: object = None
    ) -> None:
        key = item.data(0, KEY_ROLE) if item is not None else None
        if key:
            layer_type = LAYERS[key]
            self.about.setText(f"<b>{layer_type.label}</b><br>{layer_type.explanation}")

    @Slot(QTreeWidgetItem, int)
    def _on_activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        key = item.data(0, KEY_ROLE)
        if key:
            self.layer_activated.emit(key)
