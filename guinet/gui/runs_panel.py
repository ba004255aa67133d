"""The Runs page: every recorded run of the project, compared side by side.

Top: a filter (words of a label, status, tag or note) and a status choice,
then Restore Settings and Delete. The table (:mod:`guinet.gui.runs_table`)
lists the project's :class:`~guinet.core.history.RunHistory`, newest first,
sortable by any column; its Tags and Note cells are edited in place and
written to the history at once. Below, the runs selected in the table:
their curves overlaid and the settings that differ
(:mod:`guinet.gui.runs_compare`).

The page reads the history when it is shown, when a run starts or ends in
this window (:meth:`RunsPanel.watch`), and every few seconds while it is shown
and a run is going (one started by ``guinet train`` too); a refresh keeps the
selection and the sort. A project with no history yet creates none by being
looked at; a history that cannot be read is said so on the page, and the
rest of the window works as before.

Restore Settings is one undoable step
(:class:`~guinet.gui.commands.RestoreSettings`). Delete asks first, and
deletes checkpoint files only when asked, and then only the run's own
(:func:`~guinet.core.run_listing.delete_checkpoint_files`).
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QAction,
    QHideEvent,
    QKeyEvent,
    QKeySequence,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from guinet.core import run_listing as listing
from guinet.core.history import RUN_STATUSES, HistoryError, RunHistory, history_path
from guinet.gui.runs_compare import RunCurves, SettingsDiff
from guinet.gui.runs_table import COLUMN, RUN_ID_ROLE, RunFilter, RunTableModel

if TYPE_CHECKING:
    from pathlib import Path

    from PySide6.QtGui import QUndoStack

    from guinet.core.history import RunRecord
    from guinet.core.session import Session
    from guinet.gui.training_worker import TrainingRunner

#: What reading a history may raise (a damaged file, a locked one, a lost disk).
READ_ERRORS = (HistoryError, sqlite3.Error, OSError, ValueError, KeyError, TypeError)
#: While shown and a run is going, read the history this often (ms).
POLL_MS = 2500
#: Run signals that come close together are one refresh (ms).
REFRESH_DELAY_MS = 150

NO_RUNS = (
    "<h3>No runs yet</h3>"
    "<p>Every time you press <b>Train</b> (F5 or the Train page's button), "
    "guinet records the run here: its settings, its curves, its best and test "
    "scores, and its checkpoints.</p>"
    "<p>Train a few times with different settings, then select runs here to "
    "overlay their curves and see which settings differ.</p>"
)
UNREADABLE = (
    "<h3>The run history cannot be read</h3>"
    "<p>{error}</p>"
    "<p>Everything else works as before. guinet does not change that file: move "
    "it away (or delete it) to start a new history.</p>"
)


class DeleteRunsDialog(QDialog):
    """Are you sure? — and whether the runs' checkpoint files go too."""

    def __init__(self, records: list[RunRecord], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("deleteRunsDialog")
        self.setWindowTitle("Delete runs")
        self.records = list(records)
        names = _names(records)
        files = [path for r in records for path in listing.owned_checkpoint_files(r)]
        self.files = files
        one = len(records) == 1
        text = QLabel(
            f"Delete {names} from the run history? {'Its' if one else 'Their'} "
            "curves, scores, note and tags are removed; this cannot be undone."
        )
        text.setWordWrap(True)
        self.also_files = QCheckBox()
        self.also_files.setObjectName("deleteCheckpointFiles")
        if files:
            folders = sorted({str(path.parent) for path in files})
            where = folders[0] if len(folders) == 1 else f"{len(folders)} folders"
            count = f"{len(files)} file{'s' if len(files) != 1 else ''}"
            self.also_files.setText(
                f"Also delete {'its' if one else 'their'} checkpoint files "
                f"({count} in {where})"
            )
            self.also_files.setToolTip("\n".join(str(path) for path in files))
        else:
            self.also_files.setText("Also delete checkpoint files (none left)")
            self.also_files.setEnabled(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.delete_button = self.buttons.addButton(
            "Delete", QDialogButtonBox.ButtonRole.DestructiveRole
        )
        self.delete_button.setObjectName("confirmDeleteRuns")
        self.delete_button.clicked.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.also_files)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(380)


class RunsPanel(QWidget):
    """The project's recorded runs: a table, curves overlaid, settings compared."""

    status_message = Signal(str)
    #: The table was read again (after a refresh, a delete, a project change).
    refreshed = Signal()

    def __init__(
        self, session: Session, undo_stack: QUndoStack, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("runsPanel")
        self.session = session
        self.undo_stack = undo_stack
        self.history: RunHistory | None = None
        self.error_text = ""
        self.delete_dialog: DeleteRunsDialog | None = None
        self._stale = True
        self._sized = False  # columns fitted to the first runs shown
        self._selected_once = False  # the project's runs were shown (selected)
        self._curves: dict[int, tuple[tuple[int, str], dict[str, list[float]]]] = {}
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._on_poll)
        self._build()
        session.project_changed.connect(self._on_project_bound)
        from guinet.gui.appearance import appearance

        # larger text (zoom, presentation mode) needs wider columns
        appearance().changed.connect(self._on_look_changed)

    # -- layout --------------------------------------------------------------------
    def _build(self) -> None:
        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("runsFilter")
        self.filter_edit.setPlaceholderText(
            "Filter: words of a name, status, tag or note"
        )
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setMinimumWidth(120)
        self.filter_edit.textChanged.connect(self._on_filter_text)
        self.status_combo = QComboBox()
        self.status_combo.setObjectName("runsStatus")
        self.status_combo.addItem("Any status", "")
        for status in RUN_STATUSES:
            self.status_combo.addItem(listing.status_text(status).capitalize(), status)
        self.status_combo.activated.connect(self._on_status_chosen)
        self.count_label = QLabel()
        self.count_label.setObjectName("runsCount")
        self.restore_button = QPushButton("Restore Settings")
        self.restore_button.setObjectName("restoreRunButton")
        self.restore_button.setToolTip(
            "Put the selected run's model, data and training settings into the "
            "project (Ctrl+Z brings the current ones back)"
        )
        self.restore_button.clicked.connect(self.restore_selected)
        self.delete_button = QPushButton("Delete…")
        self.delete_button.setObjectName("deleteRunsButton")
        self.delete_button.setToolTip("Remove the selected runs from the history")
        self.delete_button.clicked.connect(self.delete_selected)
        bar = QHBoxLayout()
        bar.setSpacing(6)
        bar.addWidget(self.filter_edit, 1)
        bar.addWidget(self.status_combo)
        bar.addWidget(self.count_label)
        bar.addSpacing(8)
        bar.addWidget(self.restore_button)
        bar.addWidget(self.delete_button)

        self.message = QLabel()
        self.message.setObjectName("runsMessage")
        self.message.setWordWrap(True)
        self.message.hide()

        self.model = RunTableModel(self._write_note, self._write_tags, self)
        self.proxy = RunFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setObjectName("runsTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(COLUMN["started"], Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.setMinimumHeight(90)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setMinimumSectionSize(40)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self._add_table_actions()

        self.curves = RunCurves()
        self.diff = SettingsDiff()
        self.curves.setMinimumWidth(220)
        self.diff.setMinimumWidth(180)
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.setObjectName("runsCompare")
        lower.setChildrenCollapsible(False)
        lower.addWidget(self.curves)
        lower.addWidget(self.diff)
        lower.setStretchFactor(0, 5)
        lower.setStretchFactor(1, 4)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("runsSplit")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(lower)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        # proportions, scaled to the room on the first layout (then remembered)
        self.splitter.setSizes([200, 340])
        lower.setSizes([560, 440])

        self.placeholder = QLabel()
        self.placeholder.setObjectName("runsPlaceholder")
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setTextFormat(Qt.TextFormat.RichText)
        self.placeholder.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.pages = QStackedWidget()
        self.pages.addWidget(self.placeholder)
        self.pages.addWidget(self.splitter)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        layout.addLayout(bar)
        layout.addWidget(self.message)
        layout.addWidget(self.pages, 1)
        self._show_placeholder(NO_RUNS)
        self._update_buttons()

    def _add_table_actions(self) -> None:
        """Right-click on the table, and the Delete key."""
        table = self.table
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.restore_action = QAction("Restore Settings", table)
        self.restore_action.triggered.connect(self.restore_selected)
        self.note_action = QAction("Edit Note", table)
        self.note_action.triggered.connect(self._edit_note)
        self.tags_action = QAction("Edit Tags", table)
        self.tags_action.triggered.connect(self._edit_tags)
        self.delete_action = QAction("Delete…", table)
        self.delete_action.triggered.connect(self.delete_selected)
        # the Delete key: a key press here, not a second QAction for Del
        # (Edit ▸ Delete Layer has that key)
        table.installEventFilter(self)
        for action in (
            self.restore_action,
            self.note_action,
            self.tags_action,
            self.delete_action,
        ):
            table.addAction(action)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if (
            watched is self.table
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.matches(QKeySequence.StandardKey.Delete)
            and self.table.state() != QAbstractItemView.State.EditingState
        ):
            self.delete_selected()
            return True
        return super().eventFilter(watched, event)

    # -- the history ---------------------------------------------------------------
    def _history(self) -> RunHistory | None:
        """The project's history, opened; ``None`` while it has none (looking
        creates no file) or it cannot be read (:attr:`error_text` says why)."""
        try:
            path = history_path(self.session.project)
        except READ_ERRORS as exc:
            self.error_text = str(exc)
            return None
        if self.history is not None and self.history.path == path:
            return self.history
        self.close_history()
        if not path.exists():
            return None
        try:
            self.history = RunHistory(path)
        except READ_ERRORS as exc:
            self.error_text = str(exc) or f"{path} cannot be read"
            return None
        return self.history

    def close_history(self) -> None:
        if self.history is not None:
            self.history.close()
            self.history = None
        self._curves.clear()

    def stop(self) -> None:
        """The window closes: stop polling and let go of the database."""
        self._poll.stop()
        self._refresh_timer.stop()
        if self.delete_dialog is not None:
            self.delete_dialog.reject()
        self.close_history()

    @property
    def path(self) -> Path:
        return history_path(self.session.project)

    # -- reading -------------------------------------------------------------------
    @Slot()
    def refresh(self) -> None:
        """Read the runs again; the selection, sort and filter stay."""
        self._refresh_timer.stop()
        self._stale = False
        self.error_text = ""
        history = self._history()
        records: list[RunRecord] = []
        if history is not None:
            try:
                if any(r.status == "running" for r in self.model.records):
                    history.check_interrupted()  # a process that died meanwhile
                records = history.runs()
            except READ_ERRORS as exc:
                self.error_text = f"{history.path}: {exc}"
                self.close_history()
        selected = self.selected_ids()
        self.model.set_records(records)
        if self.error_text:
            self._show_placeholder(UNREADABLE.format(error=_escape(self.error_text)))
        elif not records:
            self._show_placeholder(NO_RUNS)
        else:
            self.pages.setCurrentWidget(self.splitter)
            if not selected and not self._selected_once and self.proxy.rowCount():
                # a project's runs first shown: the newest one's curves
                selected = [int(self.proxy.index(0, 0).data(RUN_ID_ROLE))]
            self._selected_once = True
            self._select_ids(selected)
            if not self._sized:
                self._size_columns()
        for control in (self.filter_edit, self.status_combo):
            # nothing to filter, unless a filter hides every run
            control.setEnabled(bool(records))
        self._update_poll()
        self._update_count()
        self._on_selection_changed()
        self.refreshed.emit()

    def _size_columns(self) -> None:
        self.table.resizeColumnsToContents()
        # room for the colour swatch a selected run gets
        run = COLUMN["run"]
        self.table.setColumnWidth(run, self.table.columnWidth(run) + 22)
        tags = COLUMN["tags"]
        width = self.table.columnWidth(tags)
        self.table.setColumnWidth(tags, max(70, min(160, width)))
        self.table.setColumnWidth(COLUMN["note"], 70)  # the last: it stretches
        self._sized = True

    @Slot()
    def _on_look_changed(self) -> None:
        self._sized = False
        QTimer.singleShot(0, self._refit)

    @Slot()
    def _refit(self) -> None:
        """Fit the columns to the text as it is drawn now."""
        if not self._sized and self.model.rowCount():
            self._size_columns()
            self.diff.fit_columns()

    def _show_placeholder(self, html: str) -> None:
        self.placeholder.setText(html)
        self.pages.setCurrentWidget(self.placeholder)

    def schedule_refresh(self) -> None:
        """Refresh soon (several run signals in a row make one read)."""
        self._stale = True
        if self.isVisible():
            self._refresh_timer.start()

    @Slot()
    def _on_project_bound(self) -> None:
        self.close_history()
        self._sized = False
        self._selected_once = False
        self.filter_edit.clear()
        self.model.set_records([])
        self.schedule_refresh()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        self.refresh()  # another process may have added runs meanwhile

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802
        super().hideEvent(event)
        self._poll.stop()

    def _update_poll(self) -> None:
        running = any(r.status == "running" for r in self.model.records)
        if running and self.isVisible() and self.history is not None:
            if not self._poll.isActive():
                self._poll.start()
        else:
            self._poll.stop()

    @Slot()
    def _on_poll(self) -> None:
        if self.isVisible():
            self.refresh()

    # -- runs of this window -------------------------------------------------------
    def watch(self, runner: TrainingRunner) -> None:
        """Refresh when ``runner`` starts, records or ends a run (and after
        its epochs, while the page is shown)."""
        runner.run_started.connect(self._on_run_event)
        runner.run_recorded.connect(self._on_run_event)
        runner.run_ended.connect(self._on_run_event)
        runner.epoch_finished.connect(self._on_epoch)

    @Slot()
    def _on_run_event(self, *_args: Any) -> None:
        self.schedule_refresh()

    @Slot(dict, dict)
    def _on_epoch(self, _logs: dict, _status: dict) -> None:
        if self.isVisible():
            self.schedule_refresh()

    # -- selection -----------------------------------------------------------------
    def selected_ids(self) -> list[int]:
        """The selected runs' ids, in the table's order."""
        rows = self.table.selectionModel().selectedRows()
        rows.sort(key=lambda index: index.row())
        return [int(index.data(RUN_ID_ROLE)) for index in rows]

    def selected_records(self) -> list[RunRecord]:
        by_id = {record.id: record for record in self.model.records}
        return [by_id[i] for i in self.selected_ids() if i in by_id]

    def select_runs(self, ids: list[int]) -> None:
        """Select the runs ``ids`` (those the filter shows)."""
        self._select_ids(ids)

    def _select_ids(self, ids: list[int]) -> None:
        selection = QItemSelection()
        current = QModelIndex()
        for run_id in ids:
            row = self.model.row_of(run_id)
            if row < 0:
                continue
            index = self.proxy.mapFromSource(self.model.index(row, 0))
            if not index.isValid():
                continue
            selection.select(index, index)
            current = current if current.isValid() else index
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        model = self.table.selectionModel()
        model.select(selection, flags)
        if current.isValid():
            model.setCurrentIndex(current, QItemSelectionModel.SelectionFlag.NoUpdate)

    @Slot()
    def _on_selection_changed(self, *_args: Any) -> None:
        records = self.selected_records()
        curves = {record.id: self._curves_of(record) for record in records}
        self.curves.show_runs(records, curves)
        colors = self.curves.colors()
        self.model.set_colors(colors)
        self.diff.show_runs(records, colors)
        self._update_buttons()

    def _curves_of(self, record: RunRecord) -> dict[str, list[float]]:
        key = (record.epochs_run, record.status)
        kept = self._curves.get(record.id)
        if kept is not None and kept[0] == key:
            return kept[1]
        curves: dict[str, list[float]] = {}
        if self.history is not None:
            try:
                curves = self.history.curves(record.id)
            except READ_ERRORS as exc:
                self._say(f"The curves of {record.label} cannot be read: {exc}")
        self._curves[record.id] = (key, curves)
        return curves

    def _update_buttons(self) -> None:
        count = len(self.table.selectionModel().selectedRows())
        self.restore_button.setEnabled(count == 1)
        self.restore_action.setEnabled(count == 1)
        self.delete_button.setEnabled(count >= 1)
        self.delete_action.setEnabled(count >= 1)
        self.note_action.setEnabled(count >= 1)
        self.tags_action.setEnabled(count >= 1)

    def _update_count(self) -> None:
        total, shown = self.model.rowCount(), self.proxy.rowCount()
        if total == 0:
            self.count_label.setText("")
        elif shown == total:
            self.count_label.setText(f"{total} run{'s' if total != 1 else ''}")
        else:
            self.count_label.setText(f"{shown} of {total} runs")

    # -- filter --------------------------------------------------------------------
    @Slot(str)
    def _on_filter_text(self, text: str) -> None:
        self.proxy.set_text(text)
        self._update_count()
        self._on_selection_changed()

    @Slot(int)
    def _on_status_chosen(self, _index: int) -> None:
        self.proxy.set_status(str(self.status_combo.currentData() or ""))
        self._update_count()
        self._on_selection_changed()

    # -- notes and tags ------------------------------------------------------------
    def _write_note(self, run_id: int, text: str) -> bool:
        return self._write(run_id, lambda history: history.set_note(run_id, text))

    def _write_tags(self, run_id: int, tags: list[str]) -> bool:
        return self._write(run_id, lambda history: history.set_tags(run_id, tags))

    def _write(self, run_id: int, change: Any) -> bool:
        history = self.history
        if history is None:
            self._say("The run history is not open: the change was not kept.")
            return False
        try:
            change(history)
        except READ_ERRORS as exc:
            self._say(f"Could not write to the run history: {exc}")
            return False
        self._say("")
        return True

    @Slot()
    def _edit_note(self) -> None:
        self._edit_column(COLUMN["note"])

    @Slot()
    def _edit_tags(self) -> None:
        self._edit_column(COLUMN["tags"])

    def _edit_column(self, column: int) -> None:
        current = self.table.currentIndex()
        if not current.isValid():
            return
        index = self.proxy.index(current.row(), column)
        self.table.setCurrentIndex(index)
        self.table.edit(index)

    # -- restore -------------------------------------------------------------------
    @Slot()
    def restore_selected(self) -> bool:
        """Put the selected run's settings into the project (one undo step)."""
        from guinet.gui.commands import RestoreSettings

        records = self.selected_records()
        if len(records) != 1:
            return False
        record = records[0]
        project = self.session.project
        try:
            sections = listing.restorable_sections(record.settings, project)
        except ValueError as exc:
            self._say(f"The settings of {record.label} cannot be restored: {exc}")
            return False
        self.undo_stack.push(
            RestoreSettings(
                project, sections, f"Restore the settings of {record.label}"
            )
        )
        self._say("")
        self.status_message.emit(
            f"Restored the settings of {record.label} (Ctrl+Z brings back the "
            "previous ones)"
        )
        return True

    # -- delete --------------------------------------------------------------------
    @Slot()
    def delete_selected(self) -> None:
        """Ask, then delete the selected runs (a running one is kept)."""
        records = self.selected_records()
        if not records:
            return
        running = [r for r in records if r.status == "running"]
        if running:
            self._say(
                f"{_names(running).capitalize()} "
                f"{'is' if len(running) == 1 else 'are'} still running: stop it "
                "first, then delete."
            )
            return
        if self.delete_dialog is not None:
            self.delete_dialog.deleteLater()
        dialog = DeleteRunsDialog(records, self)
        dialog.accepted.connect(self._on_delete_confirmed)
        self.delete_dialog = dialog
        dialog.open()

    @Slot()
    def _on_delete_confirmed(self) -> None:
        dialog = self.delete_dialog
        history = self.history
        if dialog is None or history is None:
            return
        records = dialog.records
        deleted_files = 0
        if dialog.also_files.isChecked():
            for record in records:
                deleted_files += len(listing.delete_checkpoint_files(record))
        try:
            history.delete([record.id for record in records])
        except READ_ERRORS as exc:
            self._say(f"Could not delete from the run history: {exc}")
            return
        for record in records:
            self._curves.pop(record.id, None)
        self._say("")
        files = ""
        if deleted_files:
            plural = "s" if deleted_files != 1 else ""
            files = f" and {deleted_files} checkpoint file{plural}"
        self.status_message.emit(f"Deleted {_names(records)}{files}")
        self.refresh()

    # -- messages ------------------------------------------------------------------
    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))


def _names(records: list[RunRecord]) -> str:
    labels = [record.label for record in records]
    if len(labels) <= 1:
        return "".join(labels)
    if len(labels) > 4:
        return f"{len(labels)} runs"
    return ", ".join(labels[:-1]) + " and " + labels[-1]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
