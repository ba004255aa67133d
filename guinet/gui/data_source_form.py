"""The Data page's source box: a built-in dataset, a file or an image folder.

The kinds, their file extensions and their options (CSV header, delimiter,
NumPy array names, image size…) come from
:data:`~guinet.core.data.kinds.SOURCE_KINDS`; a dataset's parameters from
:data:`~guinet.core.data.BUILTIN_DATASETS`. Both are :class:`ParamForm`\\ s,
so this box restates no default, title or choice. Every edit is a
:class:`~guinet.gui.commands.SetField` through :class:`DataEdits`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from guinet.core.data import BUILTIN_DATASETS, DataError
from guinet.core.data.kinds import SOURCE_KINDS, file_kinds
from guinet.core.data.sources import source_kind
from guinet.core.data.spec import DEFAULT_SOURCE
from guinet.gui.commands import SetField, set_field
from guinet.gui.param_form import ParamForm
from guinet.gui.wheel_guard import guard

if TYPE_CHECKING:
    from PySide6.QtGui import QUndoStack

    from guinet.core.data.spec import DataSpec
    from guinet.core.session import Session

FILE = "file"  # the kind combo's entry for every single-file kind


def file_filter() -> str:
    """The open dialog's filters, one per file kind, from the declarations."""
    kinds = file_kinds()
    every = " ".join(f"*{e}" for k in kinds for e in k.extensions)
    parts = [f"Data files ({every})"]
    parts += [f"{k.label} ({' '.join('*' + e for e in k.extensions)})" for k in kinds]
    return ";;".join([*parts, "All files (*)"])


class DataEdits:
    """The Data page's one path to the project: undoable ``data.*`` edits."""

    def __init__(self, session: Session, stack: QUndoStack) -> None:
        self.session = session
        self.stack = stack

    def set(self, path: str, value: Any, text: str = "") -> None:
        set_field(self.stack, self.session.project, f"data.{path}", value, text)

    def set_many(self, changes: dict[str, Any], text: str) -> None:
        """Several fields as one undo step (only those that change)."""
        project = self.session.project
        todo = {p: v for p, v in changes.items() if project.value(f"data.{p}") != v}
        if len(todo) <= 1:
            for path, value in todo.items():
                self.set(path, value, text)
            return
        self.stack.beginMacro(text)
        try:
            for path, value in todo.items():
                if project.value(f"data.{path}") != value:
                    self.stack.push(SetField(project, f"data.{path}", value))
        finally:
            self.stack.endMacro()

    def relative(self, path: Path) -> str:
        """``path`` as the project file stores it (relative to its folder)."""
        project = self.session.project
        if project.path is not None:
            try:
                return Path(
                    os.path.relpath(path.resolve(), project.base_dir)
                ).as_posix()
            except ValueError:
                pass
        return str(path.resolve())


class SourceForm(QGroupBox):
    """Kind, dataset (with its parameters) or path, and the kind's options."""

    error_found = Signal(str)  # a file that cannot be used, said in one sentence

    def __init__(self, edits: DataEdits, parent: QWidget | None = None) -> None:
        super().__init__("Source", parent)
        self.edits = edits
        form = QFormLayout(self)
        self.form = form
        self.kind = QComboBox()
        guard(self.kind)
        for key in SOURCE_KINDS:
            declared = SOURCE_KINDS[key]
            if not declared.has_path or declared.folder:
                self.kind.addItem(declared.label, key)
            elif self.kind.findData(FILE) < 0:
                self.kind.addItem("File", FILE)
        self.kind.setPlaceholderText("Choose the data…")
        self.kind.setToolTip(
            "Where the data comes from: a dataset that comes with guinet, a file "
            "(CSV, spreadsheet, NumPy) or a folder of images"
        )
        self.kind.activated.connect(self._on_kind_chosen)
        form.addRow("Kind", self.kind)

        self.dataset = QComboBox()
        guard(self.dataset)
        for key, spec in BUILTIN_DATASETS.items():
            self.dataset.addItem(spec.label, key)
            self.dataset.setItemData(
                self.dataset.count() - 1, spec.description, Qt.ItemDataRole.ToolTipRole
            )
        self.dataset.setToolTip(
            "A small dataset that comes with guinet; each one shows a different "
            "lesson (point at an entry for what it holds)"
        )
        self.dataset.activated.connect(self._on_dataset_chosen)
        self.dataset_about = QLabel()
        self.dataset_about.setObjectName("help")
        self.dataset_about.setWordWrap(True)
        self.dataset_form = ParamForm()
        self.dataset_form.value_edited.connect(self._on_option_edited)
        self.dataset_row = QWidget()
        column = QVBoxLayout(self.dataset_row)
        column.setContentsMargins(0, 0, 0, 0)
        for widget in (self.dataset, self.dataset_about, self.dataset_form):
            column.addWidget(widget)
        form.addRow("Dataset", self.dataset_row)

        self.path = QLineEdit()
        self.path.setPlaceholderText("Choose a file or drop one on the window")
        self.path.setToolTip(
            "The data file; saved relative to the project file, so the two can "
            "move together"
        )
        self.path.editingFinished.connect(self._on_path_typed)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self.browse)
        self.path_row = QWidget()
        row = QHBoxLayout(self.path_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form.addRow("Path", self.path_row)
        self.options = ParamForm()
        self.options.value_edited.connect(self._on_option_edited)
        form.addRow(self.options)

    # -- rendering ---------------------------------------------------------------
    def show_section(self, data: DataSpec | None) -> None:
        source = (data.source if data is not None else None) or {}
        if not source:  # nothing chosen: show nothing as chosen
            self.kind.setCurrentIndex(-1)
            self.form.setRowVisible(self.dataset_row, False)
            self.form.setRowVisible(self.path_row, False)
            self.form.setRowVisible(self.options, False)
            return
        key = str(source.get("kind") or "builtin")
        declared = SOURCE_KINDS.get(key)
        builtin = declared is None or not declared.has_path
        entry = key if builtin or (declared and declared.folder) else FILE
        self.kind.setCurrentIndex(max(0, self.kind.findData(entry)))
        self.form.setRowVisible(self.dataset_row, builtin)
        self.form.setRowVisible(self.path_row, not builtin)
        if builtin:
            name = source.get("name") or self.dataset.itemData(0)
            self.dataset.setCurrentIndex(max(0, self.dataset.findData(name)))
            spec = BUILTIN_DATASETS.get(str(name))
            self.dataset_about.setText(spec.description if spec else "")
            self.dataset_form.set_params(spec.params if spec else ())
            self.dataset_form.show_values(source)
        self.path.setText(str(source.get("path", "")))
        params = declared.params if declared is not None and not builtin else ()
        self.options.set_params(params)
        self.options.show_values(source)
        self.form.setRowVisible(self.options, bool(params))

    # -- edits -------------------------------------------------------------------
    def set_source(self, source: dict[str, Any]) -> None:
        """A new source: target and features reset, since the columns change."""
        self.edits.set_many(
            {"source": source, "target": -1, "features": None}, "Choose the data"
        )

    def open_file(self, path: str | Path) -> None:
        """Use a file (or an image folder) as the data source."""
        path = Path(path)
        try:
            kind = source_kind({"path": str(path)})
        except DataError as exc:
            self.error_found.emit(str(exc))
            return
        self.set_source({"kind": kind, "path": self.edits.relative(path)})

    @Slot()
    def browse(self) -> None:
        wanted = SOURCE_KINDS.get(str(self.kind.currentData()))
        if wanted is not None and wanted.folder:
            folder = QFileDialog.getExistingDirectory(self, f"Choose an {wanted.label}")
            if folder:
                self.open_file(folder)
            return
        path, _ = QFileDialog.getOpenFileName(self, "Open data", "", file_filter())
        if path:
            self.open_file(path)

    @Slot(int)
    def _on_kind_chosen(self, _row: int) -> None:
        if self.kind.currentData() == "builtin":
            self._on_dataset_chosen()
            return
        self.form.setRowVisible(self.dataset_row, False)
        self.form.setRowVisible(self.path_row, True)
        self.browse()

    @Slot()
    def _on_dataset_chosen(self, _row: int = 0) -> None:
        key = self.dataset.currentData() or DEFAULT_SOURCE["name"]
        spec = BUILTIN_DATASETS[key]
        source: dict[str, Any] = {"kind": "builtin", "name": key}
        source.update({p.name: p.default for p in spec.params})
        self.set_source(source)

    @Slot(str, object)
    def _on_option_edited(self, name: str, value: Any) -> None:
        self.edits.set(f"source.{name}", value)

    @Slot()
    def _on_path_typed(self) -> None:
        text = self.path.text().strip()
        data = self.edits.session.project.data
        source = (data.source if data is not None else None) or {}
        if text and text != source.get("path"):
            self.open_file(self.edits.session.project.resolve(text))
