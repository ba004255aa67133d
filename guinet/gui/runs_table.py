"""The table of recorded runs: a Qt item model over the history's records,
and the proxy that sorts and filters it.

:class:`RunTableModel` shows one :class:`~guinet.core.history.RunRecord` per
row. Refreshing with the same runs changes cells in place, so the view keeps
its selection, current cell, scroll position and an editor that is open. Its
Tags and Note cells are edited in place (double-click) and written to the
history through the ``write_note`` / ``write_tags`` callables the page
gives. :class:`RunFilter` sorts by the value behind each cell (a time, a
number), not its text, and keeps the rows :func:`~guinet.core.run_listing.matches`
keeps.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor

from guinet.core import run_listing as listing

if TYPE_CHECKING:
    from guinet.core.history import RunRecord

Index = QModelIndex | QPersistentModelIndex
#: The value a cell sorts by (its text is not: "9.5 s" < "10 s").
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
#: The run id of a row, in every cell.
RUN_ID_ROLE = Qt.ItemDataRole.UserRole + 2

#: (key, header, tooltip of the header); a long header on two lines keeps
#: the table narrow enough for a projector with the lesson pane open
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("run", "Run", "The run's name in the history"),
    ("started", "Started", "When it started (this computer's time)"),
    ("status", "Status", "How it ended"),
    ("epochs", "Epochs", "Epochs trained"),
    ("best", "Best", "The best value of the monitored metric, and its epoch"),
    ("test_loss", "Test\nloss", "Loss on the test split after training"),
    ("test_accuracy", "Test\nacc.", "Accuracy on the test split after training"),
    ("duration", "Duration", "How long it trained"),
    ("device", "Device", "Where it trained"),
    (
        "source",
        "Source",
        "Started from the window (gui), guinet train (cli) or a search (tune)",
    ),
    ("tags", "Tags", "Your tags, separated by commas (double-click to edit)"),
    ("note", "Note", "Your note about the run (double-click to edit)"),
)
COLUMN = {key: i for i, (key, _header, _tip) in enumerate(COLUMNS)}
EDITABLE = {COLUMN["tags"], COLUMN["note"]}
NUMERIC = {
    COLUMN[k] for k in ("epochs", "best", "test_loss", "test_accuracy", "duration")
}


def _sort_number(value: float | None) -> float:
    """Missing values sort after every number (ascending)."""
    if value is None or math.isnan(value):
        return math.inf
    return float(value)


class RunTableModel(QAbstractTableModel):
    """One row per recorded run, newest first as the history gives them."""

    def __init__(
        self,
        write_note: Callable[[int, str], bool] | None = None,
        write_tags: Callable[[int, list[str]], bool] | None = None,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self._records: list[RunRecord] = []
        self._write_note = write_note
        self._write_tags = write_tags
        #: the line colour of each run shown in the plot (a swatch in its row)
        self._colors: dict[int, QColor] = {}
        #: the monitor every run shares (the Best column's title says it)
        self._monitor: str | None = None

    # -- contents ------------------------------------------------------------------
    @property
    def records(self) -> list[RunRecord]:
        return list(self._records)

    def record(self, row: int) -> RunRecord:
        return self._records[row]

    def row_of(self, run_id: int) -> int:
        for row, record in enumerate(self._records):
            if record.id == run_id:
                return row
        return -1

    def set_records(self, records: Sequence[RunRecord]) -> None:
        """Show ``records``: changed cells in place when the runs are the same
        ones in the same order, else the rows anew."""
        records = list(records)
        monitor = listing.shared_monitor(records)
        if monitor != self._monitor:
            self._monitor = monitor
            column = COLUMN["best"]
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, column, column)
        same = [r.id for r in records] == [r.id for r in self._records]
        if same:
            self._records = records
            if records:
                self.dataChanged.emit(
                    self.index(0, 0),
                    self.index(len(records) - 1, len(COLUMNS) - 1),
                )
            return
        self.beginResetModel()
        self._records = records
        self.endResetModel()

    def set_colors(self, colors: dict[int, QColor]) -> None:
        if colors == self._colors:
            return
        self._colors = dict(colors)
        if self._records:
            column = COLUMN["run"]
            self.dataChanged.emit(
                self.index(0, column),
                self.index(len(self._records) - 1, column),
                [Qt.ItemDataRole.DecorationRole],
            )

    # -- QAbstractTableModel -------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(  # noqa: N802
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if section == COLUMN["best"] and self._monitor:
                return f"Best\n{self._monitor}"
            return COLUMNS[section][1]
        if role == Qt.ItemDataRole.ToolTipRole:
            return COLUMNS[section][2]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and index.column() in EDITABLE:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._records):
            return None
        record = self._records[index.row()]
        key = COLUMNS[index.column()][0]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(record, key)
        if role == Qt.ItemDataRole.EditRole:
            if key == "tags":
                return listing.tags_text(record.tags)
            return record.note if key == "note" else self._text(record, key)
        if role == SORT_ROLE:
            return self._sort_value(record, key)
        if role == RUN_ID_ROLE:
            return record.id
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(record, key)
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.DecorationRole and key == "run":
            return self._colors.get(record.id)
        return None

    def setData(  # noqa: N802
        self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole
    ) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        record = self._records[index.row()]
        key = COLUMNS[index.column()][0]
        text = "" if value is None else str(value)
        if key == "note":
            note = text.strip()
            if note == record.note:
                return False
            if self._write_note is None or not self._write_note(record.id, note):
                return False
            record.note = note
        elif key == "tags":
            tags = listing.parse_tags(text)
            if tags == list(record.tags):
                return False
            if self._write_tags is None or not self._write_tags(record.id, tags):
                return False
            record.tags = tags
        else:
            return False
        self.dataChanged.emit(index, index)
        return True

    # -- cells ---------------------------------------------------------------------
    def _text(self, record: RunRecord, key: str) -> str:
        if key == "run":
            return record.label
        if key == "started":
            return listing.started_text(record.started)
        if key == "status":
            return listing.status_text(record.status)
        if key == "epochs":
            return str(record.epochs_run)
        if key == "best":
            return listing.best_text(record, with_monitor=self._monitor is None)
        if key == "test_loss":
            return listing.number_text(listing.test_value(record, "loss"))
        if key == "test_accuracy":
            return listing.accuracy_text(listing.test_value(record, "accuracy"))
        if key == "duration":
            if record.status == "running" and record.duration is None:
                return "running…"
            return listing.duration_text(record.duration)
        if key == "device":
            return record.device or listing.MISSING
        if key == "source":
            source = record.source
            if record.study:
                trial = f" #{record.trial}" if record.trial is not None else ""
                source = f"{source} ({record.study}{trial})"
            return source
        if key == "tags":
            return listing.tags_text(record.tags)
        if key == "note":
            return " ".join(record.note.split())  # one line in the table
        return ""

    def _sort_value(self, record: RunRecord, key: str) -> Any:
        if key == "run":
            return record.id
        if key == "started":
            return record.started
        if key == "epochs":
            return record.epochs_run
        if key == "best":
            return _sort_number(record.best)
        if key == "test_loss":
            return _sort_number(listing.test_value(record, "loss"))
        if key == "test_accuracy":
            return _sort_number(listing.test_value(record, "accuracy"))
        if key == "duration":
            return _sort_number(record.duration)
        return self._text(record, key).casefold()

    @staticmethod
    def _tooltip(record: RunRecord, key: str) -> str | None:
        if key == "status":
            return f"{listing.status_text(record.status)} ({record.status})"
        if key == "note" and record.note:
            return record.note
        if key == "device":
            versions = ", ".join(f"{k} {v}" for k, v in sorted(record.versions.items()))
            return f"{record.device} — {versions}" if versions else record.device
        if key == "run":
            return f"{record.label} ({record.uid})"
        if key == "started":
            return listing.started_full(record.started)
        if key == "best":
            return listing.best_text(record)
        return None


class RunFilter(QSortFilterProxyModel):
    """Sorts by :data:`SORT_ROLE`; keeps the runs whose label, status, tags or
    note hold every word of :attr:`text`, of :attr:`status` when set."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)
        self._text = ""
        self._status: str | None = None

    @property
    def text(self) -> str:
        return self._text

    @property
    def status(self) -> str | None:
        return self._status

    def set_text(self, text: str) -> None:
        if text != self._text:
            self.beginFilterChange()
            self._text = text
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_status(self, status: str | None) -> None:
        status = status or None
        if status != self._status:
            self.beginFilterChange()
            self._status = status
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, row: int, parent: Index) -> bool:  # noqa: N802
        model = self.sourceModel()
        if not isinstance(model, RunTableModel) or not 0 <= row < model.rowCount():
            return True
        return listing.matches(model.record(row), self._text, self._status)

    def lessThan(self, left: Index, right: Index) -> bool:  # noqa: N802
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        try:
            if a != b:
                return bool(a < b)
        except TypeError:
            return str(a) < str(b)
        # ties: the newer run first, whatever the column
        return bool(left.data(RUN_ID_ROLE) > right.data(RUN_ID_ROLE))
