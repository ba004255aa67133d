"""The Search page's plots: the trials' curves, parallel coordinates, and a
parameter against the metric.

Each draws from a list of :class:`TrialRow` (what the page knows about each
trial). :class:`TrialCurves` overlays the metric per epoch of every trial
(the best one thicker), :class:`ParallelCoordinates` draws one vertical axis
per parameter and one for the metric, a line per finished trial coloured by
its value, and :class:`ParamScatter` plots one parameter (a combo picks it)
against the metric, a point per finished trial. Categorical values sit at
evenly spaced positions named on the axis; a log-range parameter is drawn
on a log scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from guinet.gui.curves.style import configure, make_plot
from guinet.gui.runs_compare import run_color

#: Colours from a bad value to a good one (parallel coordinates, scatter).
VALUE_MAP = "viridis"


@dataclass
class TrialRow:
    """One trial as the page shows it."""

    number: int
    state: str = "running"
    params: dict[str, Any] = field(default_factory=dict)
    value: float | None = None
    epochs: int = 0
    duration: float | None = None
    reason: str = ""
    #: the metric after each epoch (from 1), NaN where it was not finite
    curve: list[float] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        """Complete with a value: what the value plots show."""
        return self.state == "complete" and self.value is not None


@dataclass(frozen=True)
class Axis:
    """How a parameter's values map to positions on a plot."""

    name: str
    log: bool = False
    categories: tuple[str, ...] = ()

    def position(self, value: Any) -> float:
        if self.categories:
            text = _category(value)
            if text not in self.categories:
                return math.nan
            return float(self.categories.index(text))
        try:
            number = float(value)
        except (TypeError, ValueError):
            return math.nan
        if self.log:
            return math.log10(number) if number > 0 else math.nan
        return number


def axes_for(names: list[str], logs: set[str], rows: list[TrialRow]) -> list[Axis]:
    """An axis per parameter: categorical when any value is no number."""
    axes = []
    for name in names:
        values = [row.params[name] for row in rows if name in row.params]
        numeric = all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in values
        )
        if numeric:
            axes.append(Axis(name, log=name in logs))
        else:
            seen: list[str] = []
            for value in values:
                if _category(value) not in seen:
                    seen.append(_category(value))
            axes.append(Axis(name, categories=tuple(seen)))
    return axes


def short_name(name: str) -> str:
    """``model.layers.0.out_features`` → ``L1 out_features``; ``training.
    optimizer.lr`` → ``lr``; ``repeat.2-3`` → ``repeat 3-4``."""
    path = name.split(".")
    if path[:2] == ["model", "layers"] and len(path) == 4 and path[2].isdigit():
        return f"L{int(path[2]) + 1} {path[3]}"
    if path[0] == "repeat" and len(path) == 2:
        try:
            first, last = (int(v) + 1 for v in path[1].split("-"))
        except ValueError:
            return name
        return f"repeat {first}" if first == last else f"repeat {first}-{last}"
    return path[-1]


def _category(value: Any) -> str:
    return str(value)


def _value_colors(values: list[float], higher_better: bool) -> list[QColor]:
    """Each value's colour: bright for the best, dark for the worst."""
    cmap = pg.colormap.get(VALUE_MAP)
    finite = [v for v in values if math.isfinite(v)]
    low, high = (min(finite), max(finite)) if finite else (0.0, 1.0)
    span = high - low or 1.0
    colors = []
    for value in values:
        share = (value - low) / span if math.isfinite(value) else 0.0
        goodness = share if higher_better else 1.0 - share
        colors.append(cmap.map(0.15 + 0.85 * goodness, mode="qcolor"))
    return colors


class TrialCurves(QWidget):
    """The metric per epoch of every trial, a line each; the best thicker."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        configure()
        self.plot = make_plot("", "metric")
        self.plot.setTitle(None)
        self.plot.setMinimumHeight(110)
        #: trial number → its line
        self.lines: dict[int, pg.PlotDataItem] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    def show_trials(self, rows: list[TrialRow], metric: str, best: int | None) -> None:
        self.plot.setLabel("left", metric)
        for number in [n for n in self.lines if n not in {r.number for r in rows}]:
            self.plot.removeItem(self.lines.pop(number))
        for row in rows:
            if not row.curve:
                continue
            line = self.lines.get(row.number)
            if line is None:
                line = self.lines[row.number] = self.plot.plot([], [])
            color = run_color(row.number)
            if row.state not in ("running", "complete"):
                color.setAlpha(110)  # pruned, failed, stopped: faded
            width = 3.0 if row.number == best else 1.2
            line.setPen(pg.mkPen(color, width=width))
            line.setZValue(10 if row.number == best else 0)
            xs = np.arange(1, len(row.curve) + 1, dtype=np.float64)
            ys = np.asarray(row.curve, dtype=np.float64)
            line.setData(xs, ys, connect="finite")


class ParallelCoordinates(QWidget):
    """One vertical axis per parameter and one for the metric (each scaled to
    its trials' range); a line per finished trial, coloured by its value."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        configure()
        self.plot = make_plot("", "")
        self.plot.setTitle(None)
        self.plot.setLabel("bottom", "")
        self.plot.getAxis("left").setTicks([[(0.0, "low"), (1.0, "high")]])
        self.plot.showGrid(x=False, y=False)
        self.plot.setMinimumHeight(110)
        self.plot.setMouseEnabled(x=False, y=False)
        #: the finished trials' lines, in trial order
        self.lines: list[pg.PlotDataItem] = []
        self._furniture: list[Any] = []
        self.caption = QLabel()
        self.caption.setObjectName("searchPlotCaption")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.caption)

    def show_trials(
        self,
        rows: list[TrialRow],
        names: list[str],
        logs: set[str],
        metric: str,
        higher_better: bool,
    ) -> None:
        plot = self.plot
        for item in [*self.lines, *self._furniture]:
            plot.removeItem(item)
        self.lines, self._furniture = [], []
        done = [row for row in rows if row.finished]
        axes = axes_for(names, logs, done)
        count = len(axes) + 1
        ticks = [(i, short_name(a.name)) for i, a in enumerate(axes)]
        plot.getAxis("bottom").setTicks([[*ticks, (len(axes), metric)]])
        for i in range(count):
            line = pg.InfiniteLine(pos=i, angle=90, pen=pg.mkPen("#94a3b8", width=1))
            plot.addItem(line)
            self._furniture.append(line)
        columns = [[a.position(row.params.get(a.name)) for row in done] for a in axes]
        columns.append([float(row.value or 0.0) for row in done])
        scaled = [_scaled(column) for column in columns]
        for i, (axis, column) in enumerate(zip(axes, columns[:-1], strict=True)):
            self._label_axis(i, axis, column)
        self._label_axis(len(axes), Axis(metric), columns[-1])
        colors = _value_colors(columns[-1], higher_better)
        for index in range(len(done)):
            ys = np.asarray([s[index] for s in scaled], dtype=np.float64)
            xs = np.arange(count, dtype=np.float64)
            line = plot.plot(xs, ys, pen=pg.mkPen(colors[index], width=1.6))
            self.lines.append(line)
        plot.setXRange(-0.3, count - 0.7, padding=0)
        plot.setYRange(-0.12, 1.12, padding=0)
        self.caption.setText(
            f"{len(done)} finished trials · brighter: better {metric}"
            if done
            else "A line per finished trial appears here."
        )

    def _label_axis(self, x: int, axis: Axis, column: list[float]) -> None:
        finite = [v for v in column if math.isfinite(v)]
        if axis.categories:
            texts = [(1.06, axis.categories[-1]), (-0.06, axis.categories[0])]
            if len(axis.categories) == 1:
                texts = [(0.5, axis.categories[0])]
        elif finite:
            low, high = min(finite), max(finite)
            if axis.log:
                low, high = 10**low, 10**high
            texts = [(1.06, f"{high:.3g}"), (-0.06, f"{low:.3g}")]
        else:
            return
        for y, text in texts:
            item = pg.TextItem(text, color="#64748b", anchor=(0.5, 0.5))
            item.setPos(x, y)
            self.plot.addItem(item)
            self._furniture.append(item)


def _scaled(column: list[float]) -> list[float]:
    """``column`` mapped to 0..1 (one value: 0.5)."""
    finite = [v for v in column if math.isfinite(v)]
    if not finite:
        return [0.5] * len(column)
    low, high = min(finite), max(finite)
    if high == low:
        return [0.5 if math.isfinite(v) else math.nan for v in column]
    return [(v - low) / (high - low) for v in column]


class ParamScatter(QWidget):
    """One parameter (picked in the combo) against the metric, a point per
    finished trial."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        configure()
        self.param_combo = QComboBox()
        self.param_combo.setObjectName("searchScatterParam")
        self.param_combo.setToolTip("The parameter on the horizontal axis")
        self.param_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.param_combo.setMinimumContentsLength(12)
        self.param_combo.activated.connect(self._on_param_chosen)
        self.plot = make_plot("", "metric")
        self.plot.setTitle(None)
        self.plot.setMinimumHeight(110)
        self.points = pg.ScatterPlotItem(size=9, pen=None)
        self.plot.addItem(self.points)
        self._args: tuple[list[TrialRow], list[str], set[str], str, bool] = (
            [],
            [],
            set(),
            "",
            False,
        )
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(QLabel("Parameter:"))
        bar.addWidget(self.param_combo)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(bar)
        layout.addWidget(self.plot, 1)

    @property
    def chosen(self) -> str:
        data = self.param_combo.currentData()
        return str(data) if data else ""

    def choose(self, name: str) -> None:
        index = self.param_combo.findData(name)
        if index >= 0:
            self.param_combo.setCurrentIndex(index)
            self._draw()

    def show_trials(
        self,
        rows: list[TrialRow],
        names: list[str],
        logs: set[str],
        metric: str,
        higher_better: bool,
    ) -> None:
        self._args = (rows, names, logs, metric, higher_better)
        combo = self.param_combo
        chosen = self.chosen
        if [combo.itemData(i) for i in range(combo.count())] != names:
            combo.blockSignals(True)
            combo.clear()
            for name in names:
                combo.addItem(short_name(name), name)
                combo.setItemData(combo.count() - 1, name, Qt.ItemDataRole.ToolTipRole)
            index = combo.findData(chosen)
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)
        self._draw()

    @Slot(int)
    def _on_param_chosen(self, _index: int) -> None:
        self._draw()

    def _draw(self) -> None:
        rows, names, logs, metric, higher_better = self._args
        done = [row for row in rows if row.finished]
        name = self.chosen
        self.plot.setLabel("left", metric or "metric")
        if not name:
            self.points.setData([], [])
            return
        axis = axes_for([name], logs, done)[0]
        xs = [axis.position(row.params.get(name)) for row in done]
        ys = [float(row.value or 0.0) for row in done]
        colors = _value_colors(ys, higher_better)
        bottom = self.plot.getAxis("bottom")
        if axis.categories:
            bottom.setTicks([list(enumerate(axis.categories))])
        else:
            bottom.setTicks(None)
        label = short_name(name) + (" (log10)" if axis.log else "")
        self.plot.setLabel("bottom", label)
        self.points.setData(
            x=xs,
            y=ys,
            brush=[pg.mkBrush(c) for c in colors],
            data=[row.number for row in done],
        )
        self.plot.getPlotItem().enableAutoRange()
