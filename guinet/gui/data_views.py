"""Views of loaded data: the preview table and the summary plots."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QImage, QPixmap
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from guinet.gui import theme
from guinet.gui.curves.style import LEGEND, configure

if TYPE_CHECKING:
    from guinet.core.data import PreparedData
    from guinet.core.data.previews import Preview

_Index = QModelIndex | QPersistentModelIndex

# Colour-blind-friendly class colours (Okabe–Ito, then tab10-like extras).
CLASS_COLORS = [
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#000000",
    "#8c564b",
    "#7f7f7f",
]
SPLIT_COLORS = {"train": "#2563eb", "validation": "#f59e0b", "test": "#10b981"}


class PreviewTableModel(QAbstractTableModel):
    """A read-only Qt model over the preview's DataFrame (no copy into widgets)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._preview: Preview | None = None
        self._target: str | None = None

    def set_preview(self, preview: Preview | None, target: str | None = None) -> None:
        self.beginResetModel()
        self._preview = preview
        self._target = target
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        if parent.isValid() or self._preview is None:
            return 0
        return len(self._preview.frame)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        if parent.isValid() or self._preview is None:
            return 0
        return len(self._preview.frame.columns)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if self._preview is None or not index.isValid():
            return None
        value = self._preview.frame.iat[index.row(), index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if value is None or (isinstance(value, float) and np.isnan(value)):
                return "—"
            if isinstance(value, float | np.floating):
                return f"{value:.6g}"
            return str(value)
        if role == Qt.ItemDataRole.BackgroundRole:
            if value is None or (isinstance(value, float) and np.isnan(value)):
                return QColor(theme.current["error-bg"])
            if str(self._preview.frame.columns[index.column()]) == self._target:
                return QColor(theme.current["info-bg"])
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(
            value, int | float | np.number
        ):
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return None

    def headerData(  # noqa: N802
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if self._preview is None:
            return None
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1) if role == Qt.ItemDataRole.DisplayRole else None
        info = self._preview.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            mark = " ★" if info.name == self._target else ""
            missing = f", {info.missing} missing" if info.missing else ""
            return f"{info.name}{mark}\n{info.dtype}{missing}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return (
                f"{info.name}: {info.dtype}, {info.distinct} distinct values and "
                f"{info.missing} missing in the preview rows"
            )
        if role == Qt.ItemDataRole.ForegroundRole and info.missing:
            return QColor("#b91c1c")
        return None


class DataSummary(QWidget):
    """Rows per split, class balance, and a picture of the data itself."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        configure()
        self.balance = pg.PlotWidget()
        self.balance.setMinimumHeight(180)
        self.balance.setMouseEnabled(x=False, y=False)
        self.balance.hideButtons()
        self.balance.setTitle("Class balance", size="9pt")
        self.scatter = pg.PlotWidget()
        self.scatter.setMinimumHeight(180)
        self.scatter.setAspectLocked(False)
        self.images = QWidget()
        self.image_grid = QGridLayout(self.images)
        self.image_grid.setSpacing(4)
        # side by side: on a 1280×720 projector, stacked plots left the
        # preview two rows
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.balance, 1)
        layout.addWidget(self.scatter, 1)
        layout.addWidget(self.images, 1)
        self.clear()

    def clear(self) -> None:
        self.balance.clear()
        self.scatter.clear()
        self.balance.hide()
        self.scatter.hide()
        self.images.hide()
        self.shown_points = 0
        self.shown_images = 0

    def show_data(self, data: PreparedData) -> None:
        self.clear()
        if data.task != "regression":
            self._show_balance(data)
        x, y = data.x_train, data.y_train
        if data.input_shape == (2,):
            self._show_scatter(x, y, data)
        elif len(data.input_shape) == 3:
            self._show_images(x, y, data)
        elif data.task == "regression":
            self._show_histogram(y)

    def _show_balance(self, data: PreparedData) -> None:
        counts = data.report.class_counts
        names = data.class_names
        width = 0.8 / max(1, len(counts))
        # the key is in the title, outside the bars: an in-plot legend covered
        # the last classes' bars (class 9 of the digits)
        key = " &nbsp; ".join(
            f"<span style='color:{SPLIT_COLORS.get(split, '#64748b')}'>■</span> {split}"
            for split in counts
        )
        self.balance.setTitle(f"Class balance &nbsp;&nbsp; {key}", size="9pt")
        for i, (split, per_class) in enumerate(counts.items()):
            heights = [per_class.get(name, 0) for name in names]
            xs = np.arange(len(names)) + (i - (len(counts) - 1) / 2) * width
            bars = pg.BarGraphItem(
                x=xs,
                height=heights,
                width=width * 0.95,
                brush=SPLIT_COLORS.get(split, "#64748b"),
                pen=None,
            )
            self.balance.addItem(bars)
        tallest = max((max(c.values(), default=0) for c in counts.values()), default=0)
        self.balance.setYRange(0, tallest * 1.08 + 1, padding=0)
        # every class's group of bars, whatever the plot's size when it was hidden
        self.balance.setXRange(-0.5, len(names) - 0.5, padding=0.02)
        axis = self.balance.getAxis("bottom")
        labels = [(i, _short(name)) for i, name in enumerate(names)]
        axis.setTicks(
            [labels if len(labels) <= 12 else labels[:: len(labels) // 12 + 1]]
        )
        self.balance.setLabel("left", "rows")
        self.balance.show()

    def _show_scatter(self, x: np.ndarray, y: np.ndarray, data: PreparedData) -> None:
        self.scatter.setTitle("Training points", size="9pt")
        # a light box: the key stays readable over the points it sits on
        self.scatter.addLegend(offset=(-10, 10), brush=LEGEND)
        if data.task == "regression":
            values = y[:, 0]
            span = float(values.max() - values.min()) or 1.0
            lut = pg.colormap.get("viridis").getLookupTable(nPts=256)
            idx = ((values - values.min()) / span * 255).astype(int)
            brushes = [pg.mkBrush(*lut[i]) for i in idx]
            self.scatter.addItem(
                pg.ScatterPlotItem(x[:, 0], x[:, 1], size=6, brush=brushes, pen=None)
            )
        else:
            labels = y[:, 0].astype(int) if y.ndim == 2 else y.astype(int)
            for k, name in enumerate(data.class_names):
                mask = labels == k
                item = pg.ScatterPlotItem(
                    x[mask, 0],
                    x[mask, 1],
                    size=6,
                    pen=None,
                    brush=pg.mkBrush(CLASS_COLORS[k % len(CLASS_COLORS)]),
                    name=_short(name),
                )
                self.scatter.addItem(item)  # named items join the legend
        names = data.feature_names or ["x₀", "x₁"]
        self.scatter.setLabel("bottom", names[0])
        self.scatter.setLabel("left", names[1] if len(names) > 1 else "")
        self.shown_points = len(x)
        self.scatter.show()

    def _show_histogram(self, y: np.ndarray) -> None:
        self.scatter.setTitle("Target values", size="9pt")
        counts, edges = np.histogram(y[:, 0], bins=30)
        self.scatter.addItem(
            pg.BarGraphItem(
                x0=edges[:-1], x1=edges[1:], height=counts, brush="#2563eb", pen=None
            )
        )
        self.shown_points = len(y)
        self.scatter.show()

    def _show_images(self, x: np.ndarray, y: np.ndarray, data: PreparedData) -> None:
        while (item := self.image_grid.takeAt(0)) is not None:
            if (widget := item.widget()) is not None:
                widget.deleteLater()
        count = min(16, len(x))
        for i in range(count):
            pixmap = _pixmap(x[i])
            cell = QLabel()
            cell.setAlignment(Qt.AlignmentFlag.AlignCenter)
            cell.setPixmap(
                pixmap.scaled(
                    64,
                    64,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.FastTransformation,
                )
            )
            label = data.class_names[int(y[i])] if data.class_names else ""
            caption = QLabel(_short(label))
            caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
            box = QWidget()
            column = QVBoxLayout(box)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(1)
            column.addWidget(cell)
            column.addWidget(caption)
            self.image_grid.addWidget(box, i // 8, i % 8)
        self.shown_images = count
        self.images.show()


def _pixmap(sample: np.ndarray) -> QPixmap:
    """A (channels, height, width) float sample as a picture, contrast-stretched."""
    image = (
        sample.transpose(1, 2, 0)
        if sample.shape[0] in (1, 3)
        else sample[:1].transpose(1, 2, 0)
    )
    low, high = float(image.min()), float(image.max())
    scaled = ((image - low) / ((high - low) or 1.0) * 255).astype(np.uint8)
    height, width, channels = scaled.shape
    if channels == 1:
        buffer = np.ascontiguousarray(scaled[:, :, 0])
        qimage = QImage(
            buffer.data, width, height, width, QImage.Format.Format_Grayscale8
        )
    else:
        buffer = np.ascontiguousarray(scaled)
        qimage = QImage(
            buffer.data, width, height, width * 3, QImage.Format.Format_RGB888
        )
    return QPixmap.fromImage(qimage.copy())


def _short(text: str, limit: int = 14) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
