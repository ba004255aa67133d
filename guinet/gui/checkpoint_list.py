"""The checkpoints of the current run's folder, and what to do with one.

:class:`CheckpointList` shows ``list_checkpoints(folder)`` as a table (epoch,
kind, monitored value, time) and asks for an action on the selected row
through signals carrying the file's path; the Train page does the work
(load the weights, resume the run, branch a new one). It reads the folder
again when told (:meth:`~CheckpointList.refresh`): after every checkpoint the
running run saved, and when a run ends.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

COLUMNS = ("Epoch", "Kind", "Value", "Saved")
PATH_ROLE = Qt.ItemDataRole.UserRole


class CheckpointList(QWidget):
    """A table of checkpoint files with Load / Resume / Branch actions."""

    load_requested = Signal(str)  # the checkpoint's path
    resume_requested = Signal(str)
    branch_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.folder: Path | None = None
        self.infos: list[Any] = []
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("checkpointTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._on_context_menu)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemDoubleClicked.connect(self._on_double_clicked)

        self.placeholder = QLabel()
        self.placeholder.setObjectName("help")
        self.placeholder.setWordWrap(True)
        self.load_button = QPushButton("Load weights into the model")
        self.load_button.setToolTip(
            "Use this checkpoint's weights for predictions and exports"
        )
        self.resume_button = QPushButton("Resume training")
        self.resume_button.setToolTip(
            "Continue this run exactly from the checkpoint (optimizer, schedule "
            "and early-stopping count included)"
        )
        self.branch_button = QPushButton("Branch…")
        self.branch_button.setToolTip(
            "Start a new run from this checkpoint's weights with the current "
            "settings (another learning rate, more epochs, …)"
        )
        self.load_button.clicked.connect(self._emitter(self.load_requested))
        self.resume_button.clicked.connect(self._emitter(self.resume_requested))
        self.branch_button.clicked.connect(self._emitter(self.branch_requested))
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        for button in (self.load_button, self.resume_button, self.branch_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.placeholder)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.busy = False
        self.show_folder(None)

    # -- contents -------------------------------------------------------------------
    def show_folder(self, folder: str | Path | None, note: str | None = None) -> None:
        """List ``folder``'s checkpoints (``None``: this run saves none)."""
        self.folder = Path(folder) if folder else None
        self.refresh(note)

    def refresh(self, note: str | None = None) -> None:
        """Read the folder again; a file that vanished or is damaged is skipped."""
        infos: list[Any] = []
        if self.folder is not None and self.folder.is_dir():
            from guinet.core.training.checkpoints import list_checkpoints

            infos = list_checkpoints(self.folder)
        self.show_infos(infos, note)

    def show_infos(self, infos: list[Any], note: str | None = None) -> None:
        selected = self.selected_path()
        self.infos = sorted(infos, key=lambda i: (i.epoch, i.kind, i.time))
        self.table.setRowCount(len(self.infos))
        for row, info in enumerate(self.infos):
            value = info.value
            shown = (
                f"{info.monitor} {value:.4f}"
                if value is not None and math.isfinite(value)
                else "—"
            )
            cells = (
                str(info.epoch),
                info.kind,
                shown,
                time.strftime("%H:%M:%S", time.localtime(info.time)),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(PATH_ROLE, str(info.path))
                item.setToolTip(str(info.path))
                if column == 0:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(row, column, item)
            if str(info.path) == selected:
                self.table.selectRow(row)
        if note is None:
            if self.folder is None:
                note = "This run saves no checkpoints."
            elif not self.infos:
                note = f"No checkpoints in {self.folder} yet."
            else:
                note = f"{len(self.infos)} checkpoint(s) in {self.folder}"
        self.placeholder.setText(note)
        self._update_buttons()

    # -- selection and actions ----------------------------------------------------
    def select_epoch(self, epoch: int, kind: str | None = None) -> bool:
        """Select the row of ``epoch`` (and ``kind``); ``False`` if none."""
        for row, info in enumerate(self.infos):
            if info.epoch == epoch and (kind is None or info.kind == kind):
                self.table.selectRow(row)
                return True
        return False

    def selected_path(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 0)
        return None if item is None else str(item.data(PATH_ROLE))

    def set_busy(self, busy: bool) -> None:
        """While a run trains, only loading weights is offered."""
        self.busy = busy
        self._update_buttons()

    @Slot()
    def _update_buttons(self) -> None:
        chosen = self.selected_path() is not None
        self.load_button.setEnabled(chosen)
        self.resume_button.setEnabled(chosen and not self.busy)
        self.branch_button.setEnabled(chosen and not self.busy)

    def _emitter(self, signal: Any) -> Any:
        def emit() -> None:
            path = self.selected_path()
            if path is not None:
                signal.emit(path)

        return emit

    @Slot(QTableWidgetItem)
    def _on_double_clicked(self, item: QTableWidgetItem) -> None:
        self.load_requested.emit(str(item.data(PATH_ROLE)))

    @Slot(QPoint)
    def _on_context_menu(self, pos: QPoint) -> None:
        item = self.table.itemAt(pos)
        if item is None:
            return
        self.table.selectRow(item.row())
        menu = QMenu(self)
        for button in (self.load_button, self.resume_button, self.branch_button):
            action = menu.addAction(button.text())
            action.setEnabled(button.isEnabled())
            action.triggered.connect(button.click)
        menu.exec(self.table.viewport().mapToGlobal(pos))
