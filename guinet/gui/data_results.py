"""The Data page's right-hand side: the preview table and what was prepared.

:class:`DataResults` only shows what it is given — the preview the loader
read and the session's prepared data — and keeps neither.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from guinet.gui.data_views import DataSummary, PreviewTableModel
from guinet.gui.widgets import titled

if TYPE_CHECKING:
    from guinet.core.data import PreparedData
    from guinet.core.data.previews import Preview

NO_DATA = "No data yet: pick a built-in dataset or open a file."
WIDE = 200  # columns beyond which sizing every column to its contents is slow
REPORT_LINES = 8  # the report's height before it scrolls (Titanic's runs to 14)


class DataResults(QSplitter):
    """Preview above, the preparation report and summary plots below."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Vertical, parent)
        self.table_model = PreviewTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.table_model)
        self.table.setObjectName("previewTable")
        self.table.horizontalHeader().setDefaultSectionSize(96)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.report = QLabel()
        self.report.setObjectName("dataReport")
        self.report.setWordWrap(True)
        self.report.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        # A long report (every column left out, filled, encoded) scrolls in a
        # few lines' height instead of pushing the plots off a small screen.
        self.report_area = QScrollArea()
        self.report_area.setWidgetResizable(True)
        self.report_area.setFrameShape(QFrame.Shape.NoFrame)
        self.report_area.setHorizontalScrollBarPolicy(
            Qt.ScrollBarPolicy.ScrollBarAlwaysOff
        )
        self.report_area.setWidget(self.report)
        self.summary = DataSummary()
        self.addWidget(titled("Preview", self.table))
        lower = QWidget()
        layout = QVBoxLayout(lower)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.report_area)
        layout.addWidget(self.summary, 1)
        self.addWidget(titled("Summary", lower))
        self.setSizes([260, 420])

    def show_preview(self, preview: Preview | None, target: str | None) -> None:
        self.table_model.set_preview(preview, target)
        if preview is not None and len(preview.columns) <= WIDE:
            self.table.resizeColumnsToContents()

    def show_prepared(self, prepared: PreparedData | None, *, has_source: bool) -> None:
        """Show ``prepared``; without it, say why there is nothing to show."""
        if prepared is None:
            self.summary.clear()
            self.report.setText("" if has_source else NO_DATA)
            self._fit_report()
            return
        outputs = prepared.n_outputs
        self.report.setText(
            f"<b>{prepared.task}</b> · input {tuple(prepared.input_shape)} · "
            f"{outputs} output{'s' if outputs != 1 else ''}<br>"
            + "<br>".join(prepared.report.lines())
        )
        self._fit_report()
        self.summary.show_data(prepared)

    def _fit_report(self) -> None:
        """As tall as the report, up to REPORT_LINES lines (then it scrolls)."""
        width = max(self.report_area.viewport().width(), 200)
        lines = self.report.fontMetrics().lineSpacing() * REPORT_LINES
        needed = self.report.heightForWidth(width)
        if needed < 0:
            needed = self.report.sizeHint().height()
        self.report_area.setFixedHeight(min(needed, lines) + 2)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit_report()
