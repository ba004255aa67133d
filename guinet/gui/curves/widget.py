"""Live training curves: loss, accuracy (or MAE) and the learning rate.

:class:`TrainingCurves` is what the Train page holds. It lays out three parts
it owns and keeps them in step:

- :class:`~guinet.gui.curves.live.LiveCurves`: the plots, the lines and the
  data behind them;
- :class:`~guinet.gui.curves.markers.EpochMarkers`: early stopping and
  checkpoints on the plot of the monitored value, and the patience
  count-down;
- :class:`~guinet.gui.curves.hover.HoverReadout`: the read-out line and the
  crosshair that follows the mouse.

Feeding (:meth:`~TrainingCurves.add_epoch`, :meth:`~TrainingCurves.add_batch`,
:meth:`~TrainingCurves.add_checkpoint`, ...) only records; :meth:`refresh`
draws whatever arrived since the last refresh in one ``setData`` per curve,
so the panel can call it from a timer at a bounded rate however fast epochs
and batches come in.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Slot
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from guinet.gui.curves.hover import HoverReadout
from guinet.gui.curves.live import LiveCurves
from guinet.gui.curves.markers import EpochMarkers
from guinet.gui.curves.style import configure

#: Narrower than this (px), the plots stack and the read-out is compact.
NARROW_WIDTH = 520


class TrainingCurves(QWidget):
    """Loss and metric per epoch, a light per-batch loss trace, and the LR.

    Feed it with :meth:`add_epoch` and :meth:`add_batch`; call :meth:`refresh`
    to draw. Hovering a plot shows that epoch's values in the read-out line
    and a vertical line across the plots; otherwise the latest epoch is shown.
    The plots, lines, markers and labels of the parts are attributes here too
    (``loss_plot``, ``loss_curve``, ``best_marker``, ``readout``, ...).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        configure()
        self.live = LiveCurves()
        self.markers = EpochMarkers(self.live)
        self.hover = HoverReadout(self.live, self)
        self.start_epoch = 0  # epochs the curves hold from before this run
        self._dirty = False

        live, markers = self.live, self.markers
        self.loss_plot, self.metric_plot, self.lr_plot = live.plots
        self.loss_curve, self.val_loss_curve = live.loss_curve, live.val_loss_curve
        self.metric_curve = live.metric_curve
        self.val_metric_curve = live.val_metric_curve
        self.batch_curve, self.lr_curve = live.batch_curve, live.lr_curve
        self.epoch_curves = live.epoch_curves
        self.best_line, self.best_marker = markers.best_line, markers.best_marker
        self.stop_line = markers.stop_line
        self.checkpoint_marker = markers.checkpoint_marker
        self.stopping = markers.stopping
        self.readout = self.hover.label
        self.crosshairs = self.hover.crosshairs

        self.show_batches = QCheckBox("Batches")
        self.show_batches.setToolTip("Show the loss of single batches (light line)")
        # off: over a long run the batch trace buries the epoch curves
        self.show_batches.setChecked(False)
        self.batch_curve.setVisible(False)
        self.show_batches.toggled.connect(self._on_batches_toggled)
        self.log_scale = QCheckBox("Log scale")
        self.log_scale.setToolTip("Loss on a logarithmic axis")
        self.log_scale.toggled.connect(self._on_log_toggled)
        self._lay_out()
        self.lr_plot.hide()
        self.clear()

    def _lay_out(self) -> None:
        self.checks = QWidget()
        checks = QHBoxLayout(self.checks)
        checks.setContentsMargins(0, 0, 0, 0)
        checks.addWidget(self.show_batches)
        checks.addWidget(self.log_scale)
        # narrow: the check boxes fold into a small menu beside the read-out
        self.options = QToolButton()
        self.options.setObjectName("curveOptions")
        self.options.setText("⋯")
        self.options.setToolTip("Batches, log scale")
        self.options.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.options)
        for box in (self.show_batches, self.log_scale):
            action = menu.addAction(box.text())
            action.setCheckable(True)
            action.setChecked(box.isChecked())
            action.setToolTip(box.toolTip())
            action.toggled.connect(box.setChecked)
            box.toggled.connect(action.setChecked)
        self.options.setMenu(menu)
        self.options.hide()
        self.header = QHBoxLayout()
        self.header.setContentsMargins(4, 0, 4, 0)
        self.header.addWidget(self.readout, 1)
        self.header.addWidget(self.checks)
        self.header.addWidget(self.options, 0, Qt.AlignmentFlag.AlignTop)
        self.grid = QGridLayout()
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(6)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(self.header)
        layout.addWidget(self.stopping)
        layout.addLayout(self.grid, 1)
        self.narrow = True  # so the first _arrange lays the wide form out
        self._arrange(narrow=False)

    def _arrange(self, narrow: bool) -> None:
        """Side by side (wide) or loss above the metric (narrow: a pane
        beside others on a small screen, or one taller than wide), with a
        compact read-out and no legends over the small plots (the read-out
        names the colours)."""
        if narrow == self.narrow:
            return
        self.narrow = narrow
        grid = self.grid
        for plot in self.live.plots:
            grid.removeWidget(plot)
        for k in range(3):
            grid.setRowStretch(k, 0)
            grid.setColumnStretch(k, 0)
        if narrow:
            grid.addWidget(self.loss_plot, 0, 0)
            grid.addWidget(self.metric_plot, 1, 0)
            grid.addWidget(self.lr_plot, 2, 0)
            grid.setRowStretch(0, 1)
            grid.setRowStretch(1, 1)
            grid.setColumnStretch(0, 1)
        else:
            grid.addWidget(self.loss_plot, 0, 0, 2, 1)
            grid.addWidget(self.metric_plot, 0, 1)
            grid.addWidget(self.lr_plot, 1, 1)
            grid.setColumnStretch(0, 3)
            grid.setColumnStretch(1, 2)
            grid.setRowStretch(0, 3)
            grid.setRowStretch(1, 1)
        # stacked, the plots share the epochs: the axis title only once
        self.loss_plot.getPlotItem().showLabel("bottom", not narrow)
        for plot in (self.loss_plot, self.metric_plot):
            # small plots: 60 px tall at least each, so two fit a short pane
            # (after a run, with hints and the replay bar, at 1280×720)
            plot.setMinimumHeight(60 if narrow else 120)
            legend = plot.getPlotItem().legend
            if legend is not None:
                legend.setVisible(not narrow)
        self.checks.setVisible(not narrow)
        self.options.setVisible(narrow)
        self._show_titles()
        self.hover.compact = narrow
        self.markers.compact = narrow
        self.hover.show_latest()
        self.markers.place()

    def _show_titles(self) -> None:
        """Plot titles when wide; stacked, the axes' names say it and the
        small plots keep the height."""
        for plot in (self.loss_plot, self.metric_plot):
            item = plot.getPlotItem()
            if self.narrow:
                item.setTitle(None)
            elif not item.titleLabel.isVisible():
                item.setTitle(item.titleLabel.text)

    @staticmethod
    def is_narrow(width: int, height: int) -> bool:
        """Whether a widget of this size stacks its plots."""
        return width < NARROW_WIDTH or height > width

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        size = event.size()
        self._arrange(self.is_narrow(size.width(), size.height()))

    # -- state the parts hold ---------------------------------------------------
    @property
    def epochs(self) -> list[dict[str, float]]:
        """Every epoch's logs as added (history first)."""
        return self.live.epochs

    @property
    def total_epochs(self) -> int:
        return self.live.total_epochs

    @property
    def metric_key(self) -> str:
        return self.live.metric_key

    @property
    def early_stopping(self) -> dict[str, Any]:
        """Early stopping's last status (``EarlyStoppingStatus.to_dict()``)."""
        return self.markers.early_stopping

    @property
    def checkpoint_epochs(self) -> dict[int, str]:
        """Epoch (from 1) → the kinds of checkpoint saved there."""
        return self.markers.checkpoint_epochs

    @property
    def monitor(self) -> str:
        return self.markers.monitor

    @property
    def previous_curves(self) -> list[pg.PlotDataItem]:
        """The faded curves kept from earlier runs."""
        return self.live.previous_curves

    @property
    def batch_points(self) -> int:
        return self.live.batch_points

    def series(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """The epochs (from 1) that have a finite ``key``, and its values."""
        return self.live.series(key)

    # -- feeding ----------------------------------------------------------------
    def clear(
        self,
        epochs: int = 0,
        metric: str = "accuracy",
        lr: bool = False,
        history: list[dict[str, float]] | None = None,
    ) -> None:
        """Start over for a run of ``epochs`` epochs (0: nothing planned).

        ``history``: the epochs a resumed or branched run starts after; they
        are drawn first, and the run's own epochs continue from there.
        The faded curves of :meth:`keep_as_previous` stay.
        """
        self.live.clear(epochs, metric, lr)
        self._show_titles()
        self.hover.clear()
        self.markers.clear()
        self.start_epoch = len(history or [])
        for logs in history or []:
            self.add_epoch(logs)
        self.markers.place()
        self._dirty = True
        self.refresh()

    def forget_previous(self) -> None:
        """Remove the faded curves of earlier runs."""
        self.live.forget_previous()

    def keep_as_previous(self, label: str | None = None) -> None:
        """Keep the curves shown now as faded lines (a branch starts from them,
        or a run from the same start is compared with them); ``label`` names
        them in the loss plot's legend."""
        self.live.keep_as_previous(label)

    def add_epoch(self, logs: dict[str, float]) -> None:
        self.live.add_epoch(logs)
        self._dirty = True

    def add_batch(self, epoch: int, batch: int, batches: int, loss: float) -> None:
        """``epoch`` and ``batch`` from 0; drawn at epoch + (batch + 1) / batches."""
        self.live.add_batch(epoch, batch, batches, loss)
        self._dirty = True

    def set_early_stopping(self, status: dict[str, Any]) -> None:
        """Record early stopping's state (``EarlyStoppingStatus.to_dict()``);
        drawn at the next :meth:`refresh`, with the epochs it speaks of, so
        the best marker and the count-down never run ahead of the curves."""
        self.markers.set_status(status)
        self._dirty = True

    def add_checkpoint(self, info: dict[str, Any]) -> None:
        """Mark the epoch of a saved checkpoint (``CheckpointInfo.to_dict()``)."""
        self.markers.add_checkpoint(info)
        self._dirty = True

    def set_checkpoints(self, infos: list[dict[str, Any]]) -> None:
        """Mark exactly these checkpoints (the folder's list after a run)."""
        self.markers.set_checkpoints(infos)
        self._dirty = True

    def stop_label(self) -> str:
        """The stop line's label: where and why early stopping ended the run."""
        return self.markers.stop_label()

    def stopping_text(self) -> str:
        """The patience count-down, or where it stopped and what was restored."""
        return self.markers.stopping_text()

    # -- drawing ----------------------------------------------------------------
    def refresh(self) -> None:
        """Draw what arrived since the last call: one ``setData`` per curve."""
        if not self._dirty:
            return
        self._dirty = False
        self.live.draw(batches=self.show_batches.isChecked())
        self.markers.place()
        self.hover.show_latest()

    def hover_at(self, plot: pg.PlotWidget, scene_pos: QPointF) -> None:
        """Show the epoch nearest to ``scene_pos`` (in ``plot``'s scene)."""
        self.hover.hover_at(plot, scene_pos)

    def leave(self) -> None:
        """Stop hovering: the read-out shows the latest epoch again."""
        self.hover.leave()

    @Slot(bool)
    def _on_batches_toggled(self, on: bool) -> None:
        self.batch_curve.setVisible(on)
        self._dirty = True
        self.refresh()

    @Slot(bool)
    def _on_log_toggled(self, on: bool) -> None:
        self.live.set_log_loss(on)
