"""The look of the live curves: colours, and plots and lines made one way.

Kept apart so the curves, the markers and the read-out agree on colours (the
read-out colours each value like its line), and so every plot gets the same
cheap-to-repaint settings: 1-px pens and grid lines at major ticks only —
wide pens and minor grid lines cost most of a repaint in pyqtgraph.
"""

from __future__ import annotations

import math
from typing import Any

import pyqtgraph as pg

TRAIN = "#2563eb"
VALIDATION = "#f59e0b"
BATCH = (37, 99, 235, 70)
LR = "#10b981"
CROSSHAIR = "#9ca3af"
BEST = "#16a34a"
STOP = "#dc2626"
CHECKPOINT = "#7c3aed"
#: Alpha of the faded curves a branched run keeps from its parent.
PREVIOUS_ALPHA = 110
LEGEND = (255, 255, 255, 210)
MUTED = "#6b7280"


def configure() -> None:
    """pyqtgraph's global options for plots made now: antialiased, in the
    theme's colours (:mod:`guinet.gui.appearance` restyles those made before
    a theme or zoom change)."""
    from guinet.gui import theme

    colors = theme.current
    pg.setConfigOptions(
        antialias=True, background=colors["surface"], foreground=colors["text-soft"]
    )


def make_plot(title: str, left: str) -> pg.PlotWidget:
    """A plot of something per epoch, without pyqtgraph's menu and buttons."""
    plot = pg.PlotWidget()
    plot.setTitle(title, size="9pt")
    plot.setLabel("left", left)
    plot.setLabel("bottom", "epoch")
    plot.showGrid(x=True, y=True, alpha=0.18)
    for side in ("left", "bottom"):
        axis = plot.getAxis(side)
        # Grid lines at major ticks only: minor ones cost most of a repaint.
        axis.setStyle(maxTickLevel=0)
        axis.enableAutoSIPrefix(False)
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.getPlotItem().getViewBox().setDefaultPadding(0.04)
    plot.setMinimumHeight(120)
    return plot


def make_line(
    plot: pg.PlotWidget, color: Any, name: str | None, **options: Any
) -> pg.PlotDataItem:
    """An empty 1-px line on ``plot``, created once and fed with ``setData``."""
    return plot.plot([], [], pen=pg.mkPen(color, width=1), name=name, **options)


def number(value: Any) -> float:
    """``value`` as a float; NaN for a missing or unreadable one."""
    if value is None:
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan
