"""The layer stack: a Qt item model over the core stack, its block delegate and view.

:class:`LayerStackModel` adapts :class:`~guinet.core.model.ModelSpec` (it keeps
no copy: rows are the core list's items). :class:`LayerStackView` draws each
layer as a block and turns drops and key presses into *requests*; the window
answers them with undoable commands.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QDrag,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFont,
    QFontMetrics,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from guinet.core.model import LayerInfo, ModelAnalysis, ModelSpec, format_shape
from guinet.gui import theme, torch_loader
from guinet.gui.palette import LAYER_TYPE_MIME

LAYER_ROW_MIME = "application/x-guinet-layer-row"

SpecRole = Qt.ItemDataRole.UserRole + 1
InfoRole = Qt.ItemDataRole.UserRole + 2
ErrorRole = Qt.ItemDataRole.UserRole + 3

_Index = QModelIndex | QPersistentModelIndex


class LayerStackModel(QAbstractListModel):
    """Rows are the layers of a :class:`ModelSpec`; data comes from its analysis."""

    analysis_changed = Signal()

    def __init__(self, model: ModelSpec, parent: Any = None) -> None:
        super().__init__(parent)
        self.spec = model
        self._analysis: ModelAnalysis | None = None
        stack = model.layers
        stack.inserting.connect(self._on_inserting)
        stack.inserted.connect(self._on_inserted)
        stack.removing.connect(self._on_removing)
        stack.removed.connect(self._on_removed)
        stack.moving.connect(self._on_moving)
        stack.moved.connect(self._on_moved)
        model.changed.connect(self.refresh)
        self.refresh()

    def detach(self) -> None:
        """Stop listening to the core model (before the window drops it)."""
        stack = self.spec.layers
        for signal, slot in (
            (stack.inserting, self._on_inserting),
            (stack.inserted, self._on_inserted),
            (stack.removing, self._on_removing),
            (stack.removed, self._on_removed),
            (stack.moving, self._on_moving),
            (stack.moved, self._on_moved),
            (self.spec.changed, self.refresh),
        ):
            signal.disconnect(slot)

    # -- analysis -------------------------------------------------------------
    @property
    def analysis(self) -> ModelAnalysis | None:
        """``None`` until torch has loaded."""
        return self._analysis

    def refresh(self) -> None:
        self._analysis = self.spec.analyze() if torch_loader.is_ready() else None
        if self.rowCount():
            self.dataChanged.emit(self.index(0), self.index(self.rowCount() - 1))
        self.analysis_changed.emit()

    def info(self, row: int) -> LayerInfo | None:
        if self._analysis is None or row >= len(self._analysis.layers):
            return None
        return self._analysis.layers[row]

    # -- Qt model -------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.spec.layers)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.spec.layers):
            return None
        spec = self.spec.layers[index.row()]
        info = self.info(index.row())
        if role == Qt.ItemDataRole.DisplayRole:
            return spec.type
        if role == SpecRole:
            return spec
        if role == InfoRole:
            return info
        if role == ErrorRole:
            return info.error if info is not None else None
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = f"<b>{spec.layer_type.label}</b><br>{spec.layer_type.explanation}"
            if info is not None and info.error:
                tip += f"<br><br><span style='color:#dc2626'>{info.error}</span>"
            return tip
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsDropEnabled
        if not index.isValid():
            return base
        return base | (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsDragEnabled
        )

    def supportedDropActions(self) -> Qt.DropAction:  # noqa: N802
        return Qt.DropAction.CopyAction | Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:  # noqa: N802
        return [LAYER_TYPE_MIME, LAYER_ROW_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:  # noqa: N802
        mime = QMimeData()
        if indexes:
            mime.setData(LAYER_ROW_MIME, QByteArray(str(indexes[0].row()).encode()))
        return mime

    # -- core events → Qt notifications ---------------------------------------
    def _on_inserting(self, index: int) -> None:
        self.beginInsertRows(QModelIndex(), index, index)

    def _on_inserted(self, _index: int) -> None:
        self.endInsertRows()

    def _on_removing(self, index: int) -> None:
        self.beginRemoveRows(QModelIndex(), index, index)

    def _on_removed(self, _index: int) -> None:
        self.endRemoveRows()

    def _on_moving(self, source: int, destination: int) -> None:
        gap = destination + 1 if destination > source else destination
        self.beginMoveRows(QModelIndex(), source, source, QModelIndex(), gap)

    def _on_moved(self, _source: int, _destination: int) -> None:
        self.endMoveRows()


class LayerBlockDelegate(QStyledItemDelegate):
    """Draws a layer as a card: type, key arguments, output shape, parameters."""

    MARGIN = 6
    PAD = 10
    STRIPE = 6

    def _fonts(self, option: QStyleOptionViewItem) -> tuple[QFont, QFont, QFont]:
        title = QFont(option.font)
        title.setBold(True)
        title.setPointSizeF(option.font.pointSizeF() * 1.05)
        small = QFont(option.font)
        small.setPointSizeF(option.font.pointSizeF() * 0.9)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        mono.setPointSizeF(option.font.pointSizeF() * 0.95)
        return title, small, mono

    def _error_rect(self, option: QStyleOptionViewItem, rect: QRect) -> QRect:
        return QRect(
            rect.left() + self.STRIPE + self.PAD,
            0,
            rect.width() - self.STRIPE - 2 * self.PAD,
            10_000,
        )

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:  # noqa: N802
        title, small, _ = self._fonts(option)
        height = (
            QFontMetrics(title).height()
            + QFontMetrics(small).height()
            + 2 * self.PAD
            + 4
        )
        error = index.data(ErrorRole)
        if error:
            width = max(option.rect.width(), 240) - 2 * self.MARGIN
            bounds = QFontMetrics(small).boundingRect(
                self._error_rect(option, QRect(0, 0, width, 0)),
                Qt.TextFlag.TextWordWrap,
                "⚠ " + error,
            )
            height += bounds.height() + 4
        return QSize(240, height + 2 * self.MARGIN)

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: _Index
    ) -> None:
        spec = index.data(SpecRole)
        info: LayerInfo | None = index.data(InfoRole)
        if spec is None:
            return
        error = info.error if info is not None else None
        title_font, small_font, mono_font = self._fonts(option)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        card = option.rect.adjusted(
            self.MARGIN, self.MARGIN, -self.MARGIN, -self.MARGIN
        )
        selected = bool(option.state & QStyle.StateFlag.State_Selected)

        path = QPainterPath()
        path.addRoundedRect(card, 7, 7)
        background = (
            theme.ERROR_BG
            if error
            else (theme.SELECTED_BG if selected else theme.BLOCK_BG)
        )
        painter.fillPath(path, background)
        border = (
            theme.ERROR if error else (theme.ACCENT if selected else theme.BLOCK_BORDER)
        )
        painter.setPen(QPen(border, 2 if (selected or error) else 1))
        painter.drawPath(path)

        stripe = QPainterPath()
        stripe.addRoundedRect(
            QRect(card.left(), card.top(), self.STRIPE + 6, card.height()), 7, 7
        )
        clip = QPainterPath()
        clip.addRect(QRect(card.left(), card.top(), self.STRIPE, card.height()))
        painter.fillPath(
            stripe.intersected(clip), theme.category_color(spec.layer_type.category)
        )

        left = card.left() + self.STRIPE + self.PAD
        right = card.right() - self.PAD
        top = card.top() + self.PAD
        title_h = QFontMetrics(title_font).height()
        small_h = QFontMetrics(small_font).height()

        # right column: output shape and parameter count
        if info is not None and info.output_shape is not None:
            shape_text = format_shape(info.output_shape)
            params_text = f"{info.params:,} params" if info.params else "no params"
        elif info is None and torch_loader.is_ready() is False:
            shape_text, params_text = "…", ""
        else:
            shape_text, params_text = "?", ""
        painter.setFont(mono_font)
        painter.setPen(theme.TEXT)
        shape_w = QFontMetrics(mono_font).horizontalAdvance(shape_text)
        painter.drawText(
            QRect(right - shape_w, top, shape_w, title_h),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            shape_text,
        )
        painter.setFont(small_font)
        painter.setPen(theme.MUTED)
        params_w = QFontMetrics(small_font).horizontalAdvance(params_text)
        painter.drawText(
            QRect(right - params_w, top + title_h + 2, params_w, small_h),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            params_text,
        )
        column = max(shape_w, params_w) + 16

        # left column: number, type and arguments
        painter.setFont(title_font)
        painter.setPen(theme.TEXT)
        number = f"{index.row() + 1}  "
        title_text = number + spec.type
        painter.drawText(
            QRect(left, top, right - left - column, title_h),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            title_text,
        )
        painter.setFont(small_font)
        painter.setPen(theme.MUTED)
        args = spec.describe() or _first_sentence(spec.layer_type.explanation)
        metrics = QFontMetrics(small_font)
        indent = QFontMetrics(title_font).horizontalAdvance(number)
        painter.drawText(
            QRect(
                left + indent,
                top + title_h + 2,
                right - left - column - indent,
                small_h,
            ),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            metrics.elidedText(
                args, Qt.TextElideMode.ElideRight, right - left - column - indent
            ),
        )
        if error:
            painter.setPen(theme.ERROR)
            rect = self._error_rect(option, card)
            rect.setTop(top + title_h + small_h + 6)
            rect.setBottom(card.bottom() - self.PAD // 2)
            painter.drawText(rect, Qt.TextFlag.TextWordWrap, "⚠ " + error)
        painter.restore()


def _first_sentence(text: str) -> str:
    match = re.search(r"(?<!e\.g)(?<!i\.e)\.\s", text)
    return text[: match.start() + 1] if match else text


class LayerStackView(QListView):
    """Blocks top to bottom, with drag and drop and a drop indicator line.

    It changes nothing itself: drops and keys become the request signals.
    """

    insert_requested = Signal(int, str)  # (gap index, layer type)
    move_requested = Signal(int, int)  # (source, destination)
    remove_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layerStack")
        self.setItemDelegate(LayerBlockDelegate(self))
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(False)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setSpacing(0)
        self.setMouseTracking(True)
        self.drop_gap: int | None = None

    # -- drop position --------------------------------------------------------
    def gap_at(self, pos: QPoint) -> int:
        """The gap between blocks nearest ``pos``: 0 is above the first block."""
        model = self.model()
        count = model.rowCount() if model is not None else 0
        index = self.indexAt(pos)
        if index.isValid():
            rect = self.visualRect(index)
            return index.row() + (1 if pos.y() >= rect.center().y() else 0)
        if count and pos.y() < self.visualRect(model.index(0, 0)).top():
            return 0
        return count

    def _accepts(self, mime: QMimeData) -> bool:
        return mime.hasFormat(LAYER_TYPE_MIME) or mime.hasFormat(LAYER_ROW_MIME)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if self._accepts(event.mimeData()):
            event.acceptProposedAction()
            self._set_gap(self.gap_at(event.position().toPoint()))
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802
        if self._accepts(event.mimeData()):
            event.acceptProposedAction()
            self._set_gap(self.gap_at(event.position().toPoint()))
        else:
            event.ignore()

    def dragLeaveEvent(self, event: Any) -> None:  # noqa: N802
        self._set_gap(None)
        event.accept()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        mime = event.mimeData()
        gap = self.gap_at(event.position().toPoint())
        self._set_gap(None)
        if mime.hasFormat(LAYER_TYPE_MIME):
            key = bytes(mime.data(LAYER_TYPE_MIME).data()).decode()
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
            self.insert_requested.emit(gap, key)
        elif mime.hasFormat(LAYER_ROW_MIME):
            source = int(bytes(mime.data(LAYER_ROW_MIME).data()).decode())
            destination = gap - 1 if gap > source else gap
            event.setDropAction(Qt.DropAction.MoveAction)
            event.accept()
            if destination != source:
                self.move_requested.emit(source, destination)
        else:
            event.ignore()

    def _set_gap(self, gap: int | None) -> None:
        if gap != self.drop_gap:
            self.drop_gap = gap
            self.viewport().update()

    def startDrag(self, supported: Qt.DropAction) -> None:  # noqa: N802
        indexes = self.selectedIndexes()
        if not indexes:
            return
        drag = QDrag(self)
        drag.setMimeData(self.model().mimeData(indexes))
        rect = self.visualRect(indexes[0])
        pixmap = QPixmap(rect.size())
        pixmap.fill(QColor(0, 0, 0, 0))
        self.viewport().render(pixmap, QPoint(), rect)
        drag.setPixmap(pixmap)
        drag.setHotSpot(QPoint(rect.width() // 2, rect.height() // 2))
        drag.exec(Qt.DropAction.MoveAction)
        self._set_gap(None)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        super().paintEvent(event)
        painter = QPainter(self.viewport())
        model = self.model()
        if model is None or model.rowCount() == 0:
            painter.setPen(theme.MUTED)
            painter.drawText(
                self.viewport().rect().adjusted(20, 20, -20, -20),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                "Drag layers here from the palette\n(or double-click one to add it)",
            )
        if self.drop_gap is not None:
            y = self._gap_y(self.drop_gap)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            pen = QPen(theme.ACCENT, 3)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(pen)
            painter.drawLine(10, y, self.viewport().width() - 10, y)
        painter.end()

    def _gap_y(self, gap: int) -> int:
        model = self.model()
        count = model.rowCount() if model is not None else 0
        if count == 0:
            return 8
        if gap < count:
            return self.visualRect(model.index(gap, 0)).top() + 2
        return self.visualRect(model.index(count - 1, 0)).bottom() - 1

    def keyPressEvent(self, event: Any) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            index = self.currentIndex()
            if index.isValid():
                self.remove_requested.emit(index.row())
                event.accept()
                return
        super().keyPressEvent(event)

    def select_row(self, row: int) -> None:
        model = self.model()
        if model is None or not 0 <= row < model.rowCount():
            self.clearSelection()
            return
        index = model.index(row, 0)
        self.setCurrentIndex(index)
        self.scrollTo(index)

    def current_row(self) -> int | None:
        index = self.currentIndex()
        return (
            index.row()
            if index.isValid() and self.selectionModel().isSelected(index)
            else None
        )
