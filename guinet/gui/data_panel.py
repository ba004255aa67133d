"""The Data page: choose a source, prepare it, and see what was loaded.

The page keeps no data of its own. The form (:mod:`.data_source_form`,
:mod:`.data_form`) shows ``project.data`` and edits it only through undoable
:class:`~guinet.gui.commands.SetField` commands; the loader
(:mod:`.data_loading`) prepares it in the background into the session; the
views (:mod:`.data_results`) show ``session.prepared`` and
``session.data_error`` whenever ``session.data_changed`` says they changed —
as every other page does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QLabel, QScrollArea, QSplitter, QVBoxLayout, QWidget

from guinet.gui.data_form import PreparationForm, SplitForm
from guinet.gui.data_loading import DataLoader, LoadProgress
from guinet.gui.data_results import DataResults
from guinet.gui.data_source_form import DataEdits, SourceForm

if TYPE_CHECKING:
    from PySide6.QtGui import QUndoStack

    from guinet.core.data import PreparedData
    from guinet.core.data.spec import DataSpec
    from guinet.core.project import Project
    from guinet.core.session import Session


class DataPanel(QWidget):
    """Source, preparation settings, preview and summary of the project's data."""

    def __init__(
        self, session: Session, undo_stack: QUndoStack, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.undo_stack = undo_stack
        self.project: Project | None = None
        self._notice = ""
        self._last_left_out: tuple[str, dict[str, str]] = ("", {})
        self.edits = DataEdits(session, undo_stack)
        self.loader = DataLoader(session, self)
        self.task = self.loader.task
        self._build()
        self.loader.preview_changed.connect(self._render_columns)
        self.loader.notice_changed.connect(self.show_error)
        session.data_changed.connect(self._render_data)
        session.project_changed.connect(self._on_project_bound)
        self._on_project_bound()

    def _build(self) -> None:
        self.message = QLabel()
        self.message.setObjectName("dataMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        self.source = SourceForm(self.edits)
        self.preparation = PreparationForm(self.edits)
        self.split = SplitForm(self.edits)
        self.source.error_found.connect(self.show_error)
        self.split.error_found.connect(self.show_error)
        self.progress = LoadProgress(self.loader)

        form = QWidget()
        column = QVBoxLayout(form)
        column.setContentsMargins(0, 0, 6, 0)
        column.addWidget(self.source)
        column.addWidget(self.preparation)
        column.addWidget(self.split)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(form)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(380)
        scroll.setObjectName("dataForm")
        self.results = DataResults()
        # the widgets a person works with most, by their plain names
        self.kind, self.dataset, self.path = (
            self.source.kind,
            self.source.dataset,
            self.source.path,
        )
        self.target, self.features = self.preparation.target, self.preparation.features
        self.table_model, self.summary = self.results.table_model, self.results.summary

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(scroll)
        splitter.addWidget(self.results)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([400, 800])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.message)
        layout.addWidget(self.progress)
        layout.addWidget(splitter, 1)

    # -- what the window and tests reach -----------------------------------------
    @property
    def split_counts(self) -> QLabel:
        return self.split.counts

    @property
    def prepared(self) -> PreparedData | None:
        """The session's prepared data (the page keeps none of its own)."""
        return self.session.prepared

    @property
    def busy(self) -> bool:
        """A load is pending or running."""
        return self.loader.busy

    @property
    def error_text(self) -> str:
        """What the page's message says (empty: nothing is wrong)."""
        return self._notice or self.session.data_error or ""

    # -- binding and rendering ------------------------------------------------------
    @Slot()
    def _on_project_bound(self) -> None:
        if self.project is not None:
            self.project.data_changed.disconnect(self._on_data_section_changed)
        self.project = self.session.project
        self.project.data_changed.connect(self._on_data_section_changed)
        self._render_form()
        self._render_data()
        self.loader.schedule()

    @Slot()
    def _on_data_section_changed(self) -> None:
        self._render_form()
        self.loader.schedule()

    def _render_form(self) -> None:
        """Show ``project.data`` in the form (no edits are made here)."""
        data = self.session.project.data
        self.source.show_section(data)
        self.split.show_section(data)
        self._render_columns()

    @Slot()
    def _render_columns(self) -> None:
        preview = self.loader.current_preview()
        data = self.session.project.data
        shown = self.preparation.show_section(data, preview, self._left_out(data))
        self.results.show_preview(preview, shown)

    def _left_out(self, data: DataSpec | None) -> dict[str, str]:
        """The columns the default features leave out, as last prepared with
        them for this source and target (kept while the features are chosen
        by hand, or a new preparation runs)."""
        prepared = self.session.prepared
        if data is None:
            return {}
        key = json.dumps([data.source, data.target], sort_keys=True, default=str)
        if prepared is not None and data.features is None:
            self._last_left_out = (key, dict(prepared.report.left_out))
        last_key, left_out = self._last_left_out
        return left_out if last_key == key else {}

    @Slot()
    def _render_data(self) -> None:
        """Show the session's prepared data, or why there is none."""
        prepared = self.session.prepared
        data = self.session.project.data
        self.results.show_prepared(
            prepared, has_source=data is not None and data.has_source
        )
        rows = prepared.report.rows if prepared is not None else {}
        self.split.counts.setText(" · ".join(f"{k} {v:,}" for k, v in rows.items()))
        if prepared is not None and prepared.report.left_out:
            self._render_columns()  # the columns left out show unticked
        self._render_message()

    def _render_message(self) -> None:
        text = self.error_text
        self.message.setText(f"⚠ {text}" if text else "")
        self.message.setVisible(bool(text))

    # -- actions --------------------------------------------------------------------
    def open_file(self, path: str | Path) -> None:
        """Use a file (or an image folder) as the data source."""
        self.source.open_file(path)

    def browse_extra(self, key: str) -> None:
        self.split.browse_extra(key)

    def set_extra_file(self, key: str, path: Path | None) -> None:
        self.split.set_extra_file(key, path)

    @Slot()
    def reload(self) -> None:
        self.loader.reload()

    @Slot()
    def cancel(self) -> None:
        self.loader.cancel()

    def stop(self) -> None:
        """Cancel loading and wait for its thread (closing the window)."""
        self.loader.stop()

    @Slot(str)
    def show_error(self, message: str | None) -> None:
        """Say ``message`` above the page (a notice the data itself does not hold)."""
        self._notice = message or ""
        self._render_message()
