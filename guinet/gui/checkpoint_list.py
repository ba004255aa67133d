"""The checkpoints of the project's folder, and what to do with one.

:class:`CheckpointList` shows ``list_checkpoints`` of the project's folder —
and of its sub-folders, where branched runs keep theirs — as a table (epoch,
kind, monitored value, time, run folder, fit) and asks for an action on the
selected row through signals carrying the file's path; the Train page does
the work (load the weights, resume the run, branch a new one). Checkpoints
whose weights do not fit the current model stay listed but greyed, with the
reason in their last column and tooltip, and cannot be chosen. It reads the
folder again when told (:meth:`~CheckpointList.refresh`): after every
checkpoint the running run saved, and when a run ends.
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

COLUMNS = ("Epoch", "Kind", "Value", "Saved", "Run", "Fits the model")
PATH_ROLE = Qt.ItemDataRole.UserRole
LOAD_TIP = (
    "Put this checkpoint's weights into the model (they are checked against "
    "the current layers). They are then the weights the Evaluate page scores, "
    "the Predict page tries and File ▸ Export writes; to train on from a "
    "checkpoint, use Resume or Branch."
)


class CheckpointList(QWidget):
    """A table of checkpoint files with Load / Resume / Branch actions."""

    load_requested = Signal(str)  # the checkpoint's path
    resume_requested = Signal(str)
    branch_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.folder: Path | None = None
        self.infos: list[Any] = []
        #: The current model's weight shapes (``None``: unknown, all fit);
        #: why each listed file does not fit them (absent: it fits).
        self.model_shapes: dict[str, tuple[int, ...]] | None = None
        self.unfit: dict[str, str] = {}
        self._fit_cache: dict[tuple[str, int, int], str | None] = {}
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
        self.load_button.setToolTip(LOAD_TIP)
        self.resume_button = QPushButton("Resume training")
        self.resume_button.setToolTip(
            "Continue this run exactly from the checkpoint (optimizer, schedule "
            "and early-stopping count included)"
        )
        self.branch_button = QPushButton("Branch…")
        self.branch_button.setToolTip(
            "Start a new run from this checkpoint's weights; a dialog asks what "
            "to change first (epochs, patience, learning rate)"
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
        """List ``folder``'s checkpoints (``None``: this run saves none).

        A run that saves into a sub-folder of the one listed (a branch) keeps
        the list where it is, so the run it grew from stays listed.
        """
        new = Path(folder) if folder else None
        if not (new and self.folder and new.is_relative_to(self.folder)):
            self.folder = new
        self.refresh(note)

    def set_model_shapes(self, shapes: dict[str, tuple[int, ...]] | None) -> None:
        """The current model's weight shapes; rows that do not fit are greyed."""
        if shapes != self.model_shapes:
            self.model_shapes = shapes
            self._fit_cache = {}
            self.refresh()

    def refresh(self, note: str | None = None) -> None:
        """Read the folder (and its run sub-folders) again; a file that
        vanished or is damaged is skipped."""
        infos: list[Any] = []
        if self.folder is not None and self.folder.is_dir():
            from guinet.core.training.checkpoints import list_checkpoints

            infos = list_checkpoints(self.folder)
            try:
                subfolders = sorted(p for p in self.folder.iterdir() if p.is_dir())
            except OSError:
                subfolders = []
            for sub in subfolders:
                infos += list_checkpoints(sub)
        self.show_infos(infos, note)

    def _fit_problem(self, path: Path) -> str | None:
        # while a run trains, its files are listed as they come without
        # opening them here (the GUI thread stays free); checked when it ends
        if self.model_shapes is None or self.busy:
            return None
        try:
            stat = path.stat()
        except OSError:
            return None
        key = (str(path), stat.st_mtime_ns, stat.st_size)
        if key not in self._fit_cache:
            from guinet.core.training.checkpoint_fit import fit_problem

            self._fit_cache[key] = fit_problem(path, self.model_shapes)
        return self._fit_cache[key]

    def run_name(self, info: Any) -> str:
        """The run folder of ``info`` below the listed one (``""``: that one)."""
        parent = Path(info.path).parent
        return "" if self.folder is None or parent == self.folder else parent.name

    def show_infos(self, infos: list[Any], note: str | None = None) -> None:
        selected = self.selected_path()
        self.infos = sorted(
            infos, key=lambda i: (self.run_name(i), i.epoch, i.kind, i.time)
        )
        self.unfit = {}
        self.table.setRowCount(len(self.infos))
        grey = self.palette().color(self.palette().ColorRole.PlaceholderText)
        for row, info in enumerate(self.infos):
            value = info.value
            shown = (
                f"{info.monitor} {value:.4f}"
                if value is not None and math.isfinite(value)
                else "—"
            )
            problem = self._fit_problem(Path(info.path))
            if problem is not None:
                self.unfit[str(info.path)] = problem
            cells = (
                str(info.epoch),
                info.kind,
                shown,
                time.strftime("%H:%M:%S", time.localtime(info.time)),
                self.run_name(info) or "this run folder",
                "yes" if problem is None else f"no: {problem}",
            )
            tip = (
                str(info.path)
                if problem is None
                else f"{info.path}\nDoes not fit the current model: {problem}"
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(PATH_ROLE, str(info.path))
                item.setToolTip(tip)
                if column == 0:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if problem is not None:  # listed, greyed, not to be chosen
                    item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                    item.setForeground(grey)
                self.table.setItem(row, column, item)
            if str(info.path) == selected and problem is None:
                self.table.selectRow(row)
        if note is None:
            if self.folder is None:
                note = "This run saves no checkpoints."
            elif not self.infos:
                note = f"No checkpoints in {self.folder} yet."
            else:
                note = f"{len(self.infos)} checkpoint(s) in {self.folder}"
                if self.unfit:
                    note += (
                        f"; {len(self.unfit)} do not fit the current model "
                        "(greyed: see why in the last column)"
                    )
        self.placeholder.setText(note)
        self._update_buttons()

    # -- selection and actions ----------------------------------------------------
    def select_epoch(
        self, epoch: int, kind: str | None = None, run: str | None = None
    ) -> bool:
        """Select the row of ``epoch`` (and ``kind``, and run folder ``run``:
        ``""`` the listed folder); ``False`` if none can be chosen."""
        for row, info in enumerate(self.infos):
            if (
                info.epoch == epoch
                and (kind is None or info.kind == kind)
                and (run is None or self.run_name(info) == run)
                and str(info.path) not in self.unfit
            ):
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
        was, self.busy = self.busy, busy
        if was and not busy:
            self.refresh()  # check what the run wrote against the model
        else:
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
        path = str(item.data(PATH_ROLE))
        if path not in self.unfit:
            self.load_requested.emit(path)

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
