"""The parts of the Evaluate page that show an evaluation.

* :class:`ScoreTiles` — loss and the headline scores as big numbers;
* :class:`ClassTable` — precision, recall, F1 and support per class;
* :class:`CellSamples` — the samples of one confusion cell, most confident
  first: thumbnails for images, the feature values (unscaled) for tables;
* :class:`RegressionPlots` — predicted against true with the diagonal, and
  the residuals against the prediction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from guinet.gui.curves.style import configure
from guinet.gui.data_views import _pixmap

#: Samples listed for one cell at most (the rest are counted, not drawn).
MAX_SAMPLES = 500
THUMBNAIL = 56
SAMPLE_ROLE = Qt.ItemDataRole.UserRole


@dataclass
class SampleInputs:
    """What the evaluated samples looked like: the model's inputs for the
    split, and how to undo their scaling (``None``: show them as they are)."""

    x: np.ndarray
    feature_names: list[str]
    offset: np.ndarray | None = None
    scale: np.ndarray | None = None

    @property
    def images(self) -> bool:
        return self.x.ndim == 4

    def raw(self, rows: np.ndarray) -> np.ndarray:
        """The rows' values before scaling (float64)."""
        values = self.x[rows].astype(np.float64)
        if self.offset is not None and self.scale is not None:
            values = values * self.scale + self.offset
        return values


class ScoreTiles(QWidget):
    """A row of tiles, each a small title over a big number."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(8)
        self.values: dict[str, QLabel] = {}

    def show_scores(self, scores: list[tuple[str, str, str]]) -> None:
        """``(title, value, tooltip)`` per tile, left to right."""
        while (item := self._layout.takeAt(0)) is not None:
            if (widget := item.widget()) is not None:
                widget.deleteLater()
        self.values = {}
        for title, value, tip in scores:
            tile = QFrame()
            tile.setObjectName("scoreTile")
            tile.setToolTip(tip)
            column = QVBoxLayout(tile)
            column.setContentsMargins(12, 6, 12, 6)
            column.setSpacing(0)
            name = QLabel(title)
            name.setObjectName("scoreTitle")
            number = QLabel(value)
            number.setObjectName("scoreValue")
            column.addWidget(name)
            column.addWidget(number)
            self._layout.addWidget(tile)
            self.values[title] = number
        self._layout.addStretch(1)


class ClassTable(QTableWidget):
    """Per-class precision, recall, F1 and support."""

    HEADERS = ("Class", "Precision", "Recall", "F1", "Support")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(self.HEADERS), parent)
        self.setObjectName("classTable")
        self.setHorizontalHeaderLabels(list(self.HEADERS))
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(24)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(self.HEADERS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)

    def show_classes(self, rows: list[tuple[str, float, float, float, int]]) -> None:
        self.setRowCount(len(rows))
        for r, (name, precision, recall, f1, support) in enumerate(rows):
            cells = [
                name,
                f"{precision:.3f}",
                f"{recall:.3f}",
                f"{f1:.3f}",
                str(support),
            ]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.setItem(r, c, item)


class CellSamples(QWidget):
    """The samples of the selected confusion cell, most confident first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("Click a cell of the confusion matrix to see its samples.")
        self.title.setObjectName("muted")
        self.title.setWordWrap(True)
        self.thumbnails = QListWidget()
        self.thumbnails.setObjectName("cellThumbnails")
        self.thumbnails.setViewMode(QListView.ViewMode.IconMode)
        self.thumbnails.setIconSize(QSize(THUMBNAIL, THUMBNAIL))
        self.thumbnails.setGridSize(QSize(THUMBNAIL + 22, THUMBNAIL + 26))
        self.thumbnails.setResizeMode(QListView.ResizeMode.Adjust)
        self.thumbnails.setMovement(QListView.Movement.Static)
        self.thumbnails.setUniformItemSizes(True)
        self.rows = QTableWidget()
        self.rows.setObjectName("cellRows")
        self.rows.verticalHeader().hide()
        self.rows.verticalHeader().setDefaultSectionSize(24)
        self.rows.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rows.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.views = QStackedWidget()
        self.views.addWidget(self.rows)
        self.views.addWidget(self.thumbnails)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.views, 1)

    def clear(self, message: str) -> None:
        self.title.setText(message)
        self.thumbnails.clear()
        self.rows.clear()
        self.rows.setRowCount(0)
        self.rows.setColumnCount(0)

    def show_cell(
        self,
        title: str,
        samples: np.ndarray,
        confidence: np.ndarray,
        predicted_name: str,
        inputs: SampleInputs | None,
    ) -> None:
        """``samples`` (indices into the evaluated split, in order) with
        their confidence; their inputs drawn when ``inputs`` is known."""
        shown = samples[:MAX_SAMPLES]
        if len(samples) > MAX_SAMPLES:
            title += f" (the {MAX_SAMPLES} most confident shown)"
        self.clear(title)
        if inputs is not None and inputs.images:
            self._show_images(shown, confidence, inputs)
        else:
            self._show_rows(shown, confidence, predicted_name, inputs)

    def _show_images(
        self, samples: np.ndarray, confidence: np.ndarray, inputs: SampleInputs
    ) -> None:
        self.views.setCurrentWidget(self.thumbnails)
        for index in samples:
            # scaled up here: an icon never grows an 8×8 digit past its size
            picture = _pixmap(inputs.x[int(index)]).scaled(
                THUMBNAIL,
                THUMBNAIL,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.FastTransformation,
            )
            item = QListWidgetItem(QIcon(picture), f"{confidence[index]:.0%}")
            item.setData(SAMPLE_ROLE, int(index))
            item.setToolTip(
                f"sample {int(index)} of the split, confidence {confidence[index]:.3f}"
            )
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
            self.thumbnails.addItem(item)

    def _show_rows(
        self,
        samples: np.ndarray,
        confidence: np.ndarray,
        predicted_name: str,
        inputs: SampleInputs | None,
    ) -> None:
        self.views.setCurrentWidget(self.rows)
        features = inputs.feature_names if inputs is not None else []
        values = inputs.raw(samples) if inputs is not None and len(samples) else None
        if values is not None:
            values = values.reshape(len(samples), -1)
            if len(features) != values.shape[1]:
                features = [f"x{k}" for k in range(values.shape[1])]
        headers = ["Sample", "Predicted", "Confidence", *features]
        self.rows.setColumnCount(len(headers))
        self.rows.setHorizontalHeaderLabels(headers)
        self.rows.setRowCount(len(samples))
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for r, index in enumerate(samples):
            first = QTableWidgetItem(str(int(index)))
            first.setData(SAMPLE_ROLE, int(index))
            first.setTextAlignment(right)
            self.rows.setItem(r, 0, first)
            self.rows.setItem(r, 1, QTableWidgetItem(predicted_name))
            chance = QTableWidgetItem(f"{confidence[index]:.3f}")
            chance.setTextAlignment(right)
            self.rows.setItem(r, 2, chance)
            if values is not None:
                for c, value in enumerate(values[r]):
                    cell = QTableWidgetItem(f"{value:.6g}")
                    cell.setTextAlignment(right)
                    self.rows.setItem(r, 3 + c, cell)
        self.rows.resizeColumnsToContents()

    def shown_samples(self) -> list[int]:
        """The sample indices listed, top to bottom (read from the views)."""
        if self.views.currentWidget() is self.thumbnails:
            return [
                int(self.thumbnails.item(r).data(SAMPLE_ROLE))
                for r in range(self.thumbnails.count())
            ]
        items = (self.rows.item(r, 0) for r in range(self.rows.rowCount()))
        return [int(item.data(SAMPLE_ROLE)) for item in items if item is not None]


class RegressionPlots(QSplitter):
    """Predicted against true (with the diagonal) and the residuals, side by
    side in a splitter whose sizes the window remembers."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setObjectName("regressionPlots")
        configure()
        dashed = pg.mkPen("#dc2626", width=1, style=Qt.PenStyle.DashLine)
        brush = pg.mkBrush(37, 99, 235, 150)
        self.scatter = pg.PlotWidget()
        self.scatter.setTitle("Predicted against true", size="9pt")
        self.scatter.setLabel("bottom", "true value")
        self.scatter.setLabel("left", "predicted")
        self.scatter.showGrid(x=True, y=True, alpha=0.15)
        self.diagonal = pg.PlotDataItem(pen=dashed)
        self.points = pg.ScatterPlotItem(size=6, pen=None, brush=brush)
        self.scatter.addItem(self.diagonal)
        self.scatter.addItem(self.points)
        self.residual = pg.PlotWidget()
        self.residual.setTitle("Residuals (true − predicted)", size="9pt")
        self.residual.setLabel("bottom", "predicted")
        self.residual.setLabel("left", "residual")
        self.residual.showGrid(x=True, y=True, alpha=0.15)
        self.zero = pg.InfiniteLine(pos=0, angle=0, pen=dashed)
        self.residual_points = pg.ScatterPlotItem(size=6, pen=None, brush=brush)
        self.residual.addItem(self.zero)
        self.residual.addItem(self.residual_points)
        for plot in (self.scatter, self.residual):
            plot.setMinimumSize(220, 160)
            self.addWidget(plot)
        self.setChildrenCollapsible(False)

    def show_values(
        self, truth: np.ndarray, predicted: np.ndarray, residuals: np.ndarray
    ) -> None:
        """Every target's points together (finite ones: a NaN has no place)."""
        t = np.asarray(truth, dtype=np.float64).ravel()
        p = np.asarray(predicted, dtype=np.float64).ravel()
        r = np.asarray(residuals, dtype=np.float64).ravel()
        keep = np.isfinite(t) & np.isfinite(p) & np.isfinite(r)
        t, p, r = t[keep], p[keep], r[keep]
        self.points.setData(t, p)
        self.residual_points.setData(p, r)
        if len(t):
            low = float(min(t.min(), p.min()))
            high = float(max(t.max(), p.max()))
            if high == low:
                low, high = low - 1, high + 1
            self.diagonal.setData([low, high], [low, high])
        else:
            self.diagonal.setData([], [])
        self.scatter.autoRange()
        self.residual.autoRange()
