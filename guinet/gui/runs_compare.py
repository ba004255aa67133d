"""Recorded runs side by side: their curves overlaid, and the settings that
differ between them.

:class:`RunCurves` draws one value per epoch (the loss, a metric, or the
training and validation loss together) for each run shown, a colour per run
and a legend with the runs' labels. :class:`SettingsDiff` lists the settings
whose values differ between the runs
(:func:`~guinet.core.history.settings_diff`), one column per run. The Runs
page feeds both with the runs selected in its table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from guinet.core import run_listing as listing
from guinet.core.history import settings_diff
from guinet.gui.curves.style import configure, make_plot
from guinet.gui.widgets import ElidedLabel

if TYPE_CHECKING:
    from guinet.core.history import RunRecord

#: Line colours, one per run shown in turn (readable on light and dark).
RUN_COLORS = (
    "#2563eb",
    "#dc2626",
    "#16a34a",
    "#f59e0b",
    "#7c3aed",
    "#0891b2",
    "#db2777",
    "#65a30d",
    "#ea580c",
    "#64748b",
)
#: The metric choice that draws ``loss`` solid and ``val_loss`` dashed.
BOTH_LOSSES = "loss+val_loss"
#: Keys of the curves that are not a metric to plot.
NOT_PLOTTED = {"epoch"}
SELECT_MORE = (
    "Select two or more runs in the table (Ctrl+click or Shift+click) to see "
    "the settings that differ between them."
)
SAME_SETTINGS = "The selected runs were trained with the same settings."


def run_color(position: int) -> QColor:
    return QColor(RUN_COLORS[position % len(RUN_COLORS)])


def metric_title(key: str) -> str:
    if key == BOTH_LOSSES:
        return "Loss: training (solid) and validation (dashed)"
    return key


class RunCurves(QWidget):
    """One value per epoch of each run shown, a line per run."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        configure()
        self.metric_combo = QComboBox()
        self.metric_combo.setObjectName("runsMetric")
        self.metric_combo.setToolTip("Which value per epoch to compare")
        self.metric_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.metric_combo.setMinimumContentsLength(14)
        self.metric_combo.activated.connect(self._on_metric_chosen)
        self.plot = make_plot("", "loss")
        self.plot.setMinimumHeight(140)
        self.plot.setTitle(None)
        self.legend = self.plot.addLegend(offset=(-8, 8), labelTextSize="8pt")
        #: run id → its line (the solid one), and the dashed validation lines
        self.lines: dict[int, pg.PlotDataItem] = {}
        self.dashed: dict[int, pg.PlotDataItem] = {}
        self._records: list[RunRecord] = []
        self._curves: dict[int, dict[str, list[float]]] = {}
        self._chosen = BOTH_LOSSES
        self.caption = ElidedLabel()
        self.caption.setObjectName("runsCurvesCaption")

        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.setSpacing(6)
        bar.addWidget(QLabel("Curves:"))
        bar.addWidget(self.metric_combo)
        bar.addWidget(self.caption, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(bar)
        layout.addWidget(self.plot, 1)

    # -- what is shown -------------------------------------------------------------
    @property
    def chosen(self) -> str:
        """The chosen value (:data:`BOTH_LOSSES` for the two losses)."""
        data = self.metric_combo.currentData()
        return str(data) if data else self._chosen

    def colors(self) -> dict[int, QColor]:
        """The colour of each run shown (the table marks its rows with it)."""
        return {record.id: run_color(i) for i, record in enumerate(self._records)}

    def show_runs(
        self, records: list[RunRecord], curves: dict[int, dict[str, list[float]]]
    ) -> None:
        """Draw ``records`` (in this order, colours in turn) from ``curves``
        (run id → :meth:`~guinet.core.history.RunHistory.curves`)."""
        self._records = list(records)
        self._curves = {r.id: curves.get(r.id, {}) for r in records}
        self._fill_choices()
        self._draw()

    def _fill_choices(self) -> None:
        keys: list[str] = []
        for values in self._curves.values():
            for key in values:
                if key not in NOT_PLOTTED and key not in keys:
                    keys.append(key)
        keys.sort(key=lambda k: (k.removeprefix("val_") not in ("loss",), k))
        choices = ([BOTH_LOSSES] if "loss" in keys or "val_loss" in keys else []) + keys
        combo = self.metric_combo
        combo.blockSignals(True)
        combo.clear()
        for key in choices:
            label = "loss and val_loss" if key == BOTH_LOSSES else key
            combo.addItem(label, key)
        if choices:
            index = combo.findData(self._chosen)
            combo.setCurrentIndex(index if index >= 0 else 0)
        combo.blockSignals(False)
        combo.setEnabled(bool(choices))

    @Slot(int)
    def _on_metric_chosen(self, _index: int) -> None:
        self._chosen = self.chosen
        self._draw()

    def choose_metric(self, key: str) -> None:
        index = self.metric_combo.findData(key)
        if index >= 0:
            self.metric_combo.setCurrentIndex(index)
            self._chosen = key
            self._draw()

    # -- drawing -------------------------------------------------------------------
    def _draw(self) -> None:
        plot = self.plot
        for item in [*self.lines.values(), *self.dashed.values()]:
            plot.removeItem(item)
        self.lines, self.dashed = {}, {}
        self.legend.clear()
        metric = self.chosen
        both = metric == BOTH_LOSSES
        solid_key = "loss" if both else metric
        for position, record in enumerate(self._records):
            values = self._curves.get(record.id, {})
            color = run_color(position)
            solid = self._series(values, solid_key)
            if solid is not None:
                self.lines[record.id] = self._line(solid, color, record.label, False)
            if both:
                dashed = self._series(values, "val_loss")
                if dashed is not None:
                    name = None if record.id in self.lines else record.label
                    self.dashed[record.id] = self._line(dashed, color, name, True)
        plot.setLabel("left", "loss" if both else metric)
        if not self._records:
            self.caption.setText("Select runs in the table to compare their curves")
        elif both:
            self.caption.setText("solid: training · dashed: validation")
        else:
            self.caption.setText("")
        plot.getPlotItem().enableAutoRange()
        from guinet.gui.appearance import appearance, style_plot_item

        current = appearance()
        style_plot_item(plot.getPlotItem(), current.look, current.point_size(0.9))

    @staticmethod
    def _series(
        values: dict[str, list[float]], key: str
    ) -> tuple[np.ndarray, np.ndarray] | None:
        y = values.get(key)
        if not y:
            return None
        x = values.get("epoch") or [float(i + 1) for i in range(len(y))]
        xs = np.asarray(x[: len(y)], dtype=np.float64)
        ys = np.asarray(y[: len(xs)], dtype=np.float64)
        finite = np.isfinite(ys)
        if not finite.any():
            return None
        return xs[finite], ys[finite]

    def _line(
        self,
        series: tuple[np.ndarray, np.ndarray],
        color: QColor,
        name: str | None,
        dashed: bool,
    ) -> pg.PlotDataItem:
        pen = pg.mkPen(color, width=1.5)
        if dashed:
            pen.setStyle(Qt.PenStyle.DashLine)
        x, y = series
        few = len(x) <= 40
        return self.plot.plot(
            x,
            y,
            pen=pen,
            name=name,
            symbol="o" if few and not dashed else None,
            symbolSize=4,
            symbolBrush=color,
            symbolPen=None,
        )


class SettingsDiff(QWidget):
    """The settings that differ between runs: a row per setting, a column
    per run (its header in the run's line colour)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, 0)
        self.table.setObjectName("runsDiff")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setWordWrap(False)
        self.table.setMinimumHeight(80)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setMinimumSectionSize(60)
        header.setStretchLastSection(True)
        self.table.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.hint = QLabel(SELECT_MORE)
        self.hint.setObjectName("runsDiffHint")
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.hint)
        self.stack.addWidget(self.table)
        self.title = QLabel("Settings that differ")
        self.title.setObjectName("panelTitle")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.stack, 1)
        self.keys: list[str] = []

    def show_runs(self, records: list[RunRecord], colors: dict[int, QColor]) -> None:
        table = self.table
        if len(records) < 2:
            self.keys = []
            table.setRowCount(0)
            table.setColumnCount(0)
            self.hint.setText(SELECT_MORE)
            self.stack.setCurrentWidget(self.hint)
            self.title.setText("Settings that differ")
            return
        diff = settings_diff(records)
        self.keys = [key for key, _values in diff]
        self.title.setText(
            f"Settings that differ ({len(diff)})" if diff else "Settings that differ"
        )
        if not diff:
            self.hint.setText(SAME_SETTINGS)
            self.stack.setCurrentWidget(self.hint)
            return
        table.clear()
        table.setColumnCount(len(records))
        table.setRowCount(len(diff))
        for column, record in enumerate(records):
            item = QTableWidgetItem(record.label)
            color = colors.get(record.id)
            if color is not None:
                item.setForeground(color)
            item.setToolTip(f"{record.label}, {listing.started_full(record.started)}")
            table.setHorizontalHeaderItem(column, item)
        table.setVerticalHeaderLabels(self.keys)
        for row, (key, values) in enumerate(diff):
            table.verticalHeaderItem(row).setToolTip(key)
            for column, value in enumerate(values):
                text = listing.MISSING if value is None else listing.value_text(value)
                cell = QTableWidgetItem(text)
                cell.setToolTip(f"{key} = {text}")
                table.setItem(row, column, cell)
        self.fit_columns()
        self.stack.setCurrentWidget(table)

    def fit_columns(self) -> None:
        table = self.table
        table.resizeColumnsToContents()
        for column in range(table.columnCount() - 1):  # the last one stretches
            table.setColumnWidth(column, min(220, max(64, table.columnWidth(column))))

    def rows(self) -> dict[str, list[str]]:
        """What the table shows: setting → the text per run."""
        out: dict[str, list[str]] = {}
        for row, key in enumerate(self.keys):
            cells = [self.table.item(row, c) for c in range(self.table.columnCount())]
            out[key] = [cell.text() if cell is not None else "" for cell in cells]
        return out
