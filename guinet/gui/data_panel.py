"""The Data page: choose a source, prepare it, and see what was loaded.

The form edits ``project.data`` only through undoable :class:`SetData`
commands and re-renders from it; loading and preparing run in a
:class:`~guinet.gui.tasks.BackgroundTask` (progress shown, cancellable) so a
big file never freezes the window.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from guinet.core.data import (
    BUILTIN_DATASETS,
    DataCancelled,
    PreparedData,
    prepare,
    preview,
)
from guinet.gui.data_views import DataSummary, PreviewTableModel
from guinet.gui.editors import ParamEditor, make_editor
from guinet.gui.tasks import BackgroundTask
from guinet.gui.widgets import titled

if TYPE_CHECKING:
    from guinet.core.data.previews import Preview
    from guinet.core.project import Project
    from guinet.core.session import Session

FILE_FILTER = (
    "Data files (*.csv *.tsv *.txt *.parquet *.xlsx *.npz *.npy);;"
    "CSV/TSV (*.csv *.tsv *.txt);;Excel (*.xlsx);;Parquet (*.parquet);;"
    "NumPy (*.npz *.npy);;All files (*)"
)
TASKS = [
    ("auto", "Detect from the target"),
    ("binary", "Binary classification"),
    ("multiclass", "Multi-class classification"),
    ("regression", "Regression"),
]
SCALINGS = [
    ("standard", "Standardize (mean 0, std 1)"),
    ("minmax", "Min–max to [0, 1]"),
    ("none", "None"),
]
MISSING = [
    ("error", "Stop and report them"),
    ("drop", "Drop rows with missing values"),
    ("fill", "Fill (training mean / most frequent)"),
]


def default_data() -> dict[str, Any]:
    return {
        "source": {
            "kind": "builtin",
            "name": "moons",
            "samples": 500,
            "noise": 0.2,
            "seed": 0,
        },
        "target": -1,
        "features": None,
        "task": "auto",
        "scaling": "standard",
        "split": {"validation": 0.2, "test": 0.2, "stratify": True, "seed": 0},
    }


class SetData(QUndoCommand):
    """Replace ``project.data``; consecutive edits of one field merge."""

    ID = 2001

    def __init__(
        self, project: Project, data: dict[str, Any] | None, field: str
    ) -> None:
        super().__init__(f"Change data {field}")
        self._project, self._field = project, field
        self._old = project.data.to_dict() if project.data is not None else None
        self._new = copy.deepcopy(data)

    def id(self) -> int:
        return self.ID

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802
        if not isinstance(other, SetData) or other._field != self._field:
            return False
        self._new = other._new
        return True

    def redo(self) -> None:
        self._project.set_data(copy.deepcopy(self._new))

    def undo(self) -> None:
        self._project.set_data(copy.deepcopy(self._old))


def _combo(items: list[tuple[str, str]]) -> QComboBox:
    combo = QComboBox()
    for value, label in items:
        combo.addItem(label, value)
    return combo


def _select(combo: QComboBox, value: Any) -> None:
    combo.blockSignals(True)
    combo.setCurrentIndex(max(0, combo.findData(value)))
    combo.blockSignals(False)


class DataPanel(QWidget):
    """Source, preparation settings, preview and summary of the project's data."""

    data_prepared = Signal(object)  # PreparedData
    data_cleared = Signal()

    def __init__(
        self, session: Session, undo_stack: QUndoStack, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.undo_stack = undo_stack
        self.project: Project | None = None
        self.current_preview: Preview | None = None
        self.error_text = ""
        self.task = BackgroundTask("guinet-data", self)
        self.task.succeeded.connect(self._on_loaded)
        self.task.failed.connect(self._on_failed)
        self.task.progressed.connect(self._on_progress)
        self.task.running_changed.connect(self._on_running)
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(150)
        self._reload_timer.timeout.connect(self.reload)
        self._builtin_editors: dict[str, ParamEditor] = {}
        self._build()
        session.project_changed.connect(self._on_project_bound)
        self._on_project_bound()

    def _on_project_bound(self) -> None:
        self.bind(self.session.project)

    @property
    def prepared(self) -> PreparedData | None:
        """The session's prepared data (the page keeps none of its own)."""
        return self.session.prepared

    # -- layout -------------------------------------------------------------------
    def _build(self) -> None:
        self.message = QLabel()
        self.message.setObjectName("dataMessage")
        self.message.setWordWrap(True)
        self.message.hide()

        source_box = QGroupBox("Source")
        source_form = QFormLayout(source_box)
        self.kind = _combo(
            [
                ("builtin", "Built-in dataset"),
                ("file", "File"),
                ("images", "Image folder"),
            ]
        )
        self.kind.activated.connect(self._on_kind_chosen)
        source_form.addRow("Kind", self.kind)
        self.dataset = QComboBox()
        for key, spec in BUILTIN_DATASETS.items():
            self.dataset.addItem(spec.label, key)
            self.dataset.setItemData(
                self.dataset.count() - 1, spec.description, Qt.ItemDataRole.ToolTipRole
            )
        self.dataset.activated.connect(self._on_dataset_chosen)
        self.dataset_row = QWidget()
        dataset_layout = QVBoxLayout(self.dataset_row)
        dataset_layout.setContentsMargins(0, 0, 0, 0)
        dataset_layout.addWidget(self.dataset)
        self.dataset_about = QLabel()
        self.dataset_about.setObjectName("help")
        self.dataset_about.setWordWrap(True)
        dataset_layout.addWidget(self.dataset_about)
        self.dataset_params = QFormLayout()
        dataset_layout.addLayout(self.dataset_params)
        source_form.addRow("Dataset", self.dataset_row)

        self.path = QLineEdit()
        self.path.setPlaceholderText("Choose a file or drop one on the window")
        self.path.editingFinished.connect(self._on_path_typed)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self.browse)
        self.path_row = QWidget()
        path_layout = QHBoxLayout(self.path_row)
        path_layout.setContentsMargins(0, 0, 0, 0)
        path_layout.addWidget(self.path, 1)
        path_layout.addWidget(browse)
        source_form.addRow("Path", self.path_row)
        self.source_form = source_form

        prep_box = QGroupBox("Preparation")
        prep = QFormLayout(prep_box)
        self.target = QComboBox()
        self.target.activated.connect(self._on_target_chosen)
        prep.addRow("Target", self.target)
        self.features = QListWidget()
        self.features.setMaximumHeight(110)
        self.features.itemChanged.connect(self._on_feature_toggled)
        prep.addRow("Features", self.features)
        self.task_combo = _combo(TASKS)
        self.task_combo.activated.connect(
            lambda _: self._set("task", self.task_combo.currentData())
        )
        prep.addRow("Task", self.task_combo)
        self.scaling = _combo(SCALINGS)
        self.scaling.activated.connect(
            lambda _: self._set("scaling", self.scaling.currentData())
        )
        prep.addRow("Scaling", self.scaling)
        self.missing = _combo(MISSING)
        self.missing.activated.connect(
            lambda _: self._set("missing", self.missing.currentData())
        )
        prep.addRow("Missing values", self.missing)

        split_box = QGroupBox("Split")
        split = QFormLayout(split_box)
        self.validation = self._fraction_spin()
        self.validation.valueChanged.connect(
            lambda v: self._set_split("validation", round(v / 100, 4))
        )
        split.addRow("Validation %", self.validation)
        self.test = self._fraction_spin()
        self.test.valueChanged.connect(
            lambda v: self._set_split("test", round(v / 100, 4))
        )
        split.addRow("Test %", self.test)
        self.stratify = QCheckBox("Keep class proportions in every split")
        self.stratify.toggled.connect(lambda v: self._set_split("stratify", bool(v)))
        split.addRow("Stratify", self.stratify)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setKeyboardTracking(False)
        self.seed.valueChanged.connect(lambda v: self._set_split("seed", int(v)))
        split.addRow("Seed", self.seed)
        self.extra_files: dict[str, QLineEdit] = {}
        for key, label in (
            ("validation_source", "Validation file"),
            ("test_source", "Test file"),
        ):
            split.addRow(label, self._extra_file_row(key))
        self.split_counts = QLabel()
        self.split_counts.setObjectName("splitCounts")
        split.addRow("Rows", self.split_counts)

        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.progress_row = QWidget()
        progress_layout = QHBoxLayout(self.progress_row)
        progress_layout.setContentsMargins(0, 0, 0, 0)
        progress_layout.addWidget(self.progress, 1)
        progress_layout.addWidget(self.cancel_button)
        self.progress_row.hide()

        form = QWidget()
        form_layout = QVBoxLayout(form)
        form_layout.setContentsMargins(0, 0, 6, 0)
        for widget in (source_box, prep_box, split_box):
            form_layout.addWidget(widget)
        form_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(form)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(380)
        scroll.setObjectName("dataForm")

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
        self.summary = DataSummary()

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(titled("Preview", self.table))
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.report)
        lower_layout.addWidget(self.summary, 1)
        right.addWidget(titled("Summary", lower))
        right.setSizes([260, 420])

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(scroll)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([400, 800])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.message)
        layout.addWidget(self.progress_row)
        layout.addWidget(splitter, 1)

    def _extra_file_row(self, key: str) -> QWidget:
        """A separate validation or test file instead of a split fraction."""
        line = QLineEdit()
        line.setReadOnly(True)
        line.setPlaceholderText("split from the data")
        browse = QPushButton("…")
        browse.setToolTip("Choose a file")
        browse.setFixedWidth(32)
        browse.clicked.connect(lambda: self.browse_extra(key))
        clear = QPushButton("×")
        clear.setToolTip("Split from the data instead")
        clear.setFixedWidth(32)
        clear.clicked.connect(lambda: self.set_extra_file(key, None))
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(line, 1)
        layout.addWidget(browse)
        layout.addWidget(clear)
        self.extra_files[key] = line
        return row

    def browse_extra(self, key: str) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open data", "", FILE_FILTER)
        if path:
            self.set_extra_file(key, Path(path))

    def set_extra_file(self, key: str, path: Path | None) -> None:
        """Use ``path`` as the validation or test rows (``None``: split instead)."""
        from guinet.core.data.sources import source_kind

        source = None
        if path is not None:
            try:
                source = {
                    "kind": source_kind({"path": str(path)}),
                    "path": self._relative(path),
                }
            except ValueError as exc:
                self.show_error(str(exc))
                return

        def change(data: dict[str, Any]) -> None:
            if source is None:
                data.pop(key, None)
            else:
                data[key] = source

        self._edit(change, key)

    def _fraction_spin(self) -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setRange(0, 90)
        spin.setDecimals(1)
        spin.setSingleStep(5)
        spin.setSuffix(" %")
        spin.setKeyboardTracking(False)
        return spin

    # -- binding and rendering ------------------------------------------------------
    def bind(self, project: Project) -> None:
        if self.project is not None:
            self.project.data_changed.disconnect(self._on_project_changed)
        self.project = project
        project.data_changed.connect(self._on_project_changed)
        self.current_preview = None
        self._on_project_changed()

    def _on_project_changed(self) -> None:
        self.render()
        self._reload_timer.start()

    def current_prepared(self) -> PreparedData | None:
        """The prepared data, but only while it matches ``project.data``: with a
        reload pending or running it may be for settings just changed."""
        busy = self.task.running or self._reload_timer.isActive()
        return None if busy else self.prepared

    @property
    def data(self) -> dict[str, Any] | None:
        if self.project is None or self.project.data is None:
            return None
        return self.project.data.to_dict()

    def render(self) -> None:
        """Show ``project.data`` in the form (no edits are made here)."""
        data = self.data or {}
        source = data.get("source") or {}
        kind = source.get("kind", "builtin" if not data else "file")
        chosen = (
            "builtin" if kind == "builtin" else "images" if kind == "images" else "file"
        )
        _select(self.kind, chosen if data else "builtin")
        self.dataset_row.setVisible(chosen == "builtin" or not data)
        self.path_row.setVisible(chosen != "builtin" and bool(data))
        self.source_form.setRowVisible(
            self.dataset_row, chosen == "builtin" or not data
        )
        self.source_form.setRowVisible(
            self.path_row, chosen != "builtin" and bool(data)
        )
        if chosen == "builtin" and data:
            _select(self.dataset, source.get("name"))
            self._render_builtin_params(source)
        elif not data:
            _select(self.dataset, None)
            self._render_builtin_params({"name": self.dataset.currentData()})
        self.path.setText(str(source.get("path", "")))
        _select(self.task_combo, data.get("task", "auto"))
        _select(self.scaling, data.get("scaling", "standard") or "none")
        _select(self.missing, data.get("missing", "error"))
        split = data.get("split") or {}
        for spin, key, default in (
            (self.validation, "validation", 0.2),
            (self.test, "test", 0.2),
        ):
            spin.blockSignals(True)
            spin.setValue(100 * float(split.get(key, default)))
            spin.blockSignals(False)
        self.stratify.blockSignals(True)
        self.stratify.setChecked(bool(split.get("stratify", True)))
        self.stratify.blockSignals(False)
        self.seed.blockSignals(True)
        self.seed.setValue(int(split.get("seed", 0)))
        self.seed.blockSignals(False)
        for key, line in self.extra_files.items():
            extra = data.get(key) or {}
            line.setText(str(extra.get("path", "")))
        self.validation.setEnabled(not data.get("validation_source"))
        self.test.setEnabled(not data.get("test_source"))
        self._render_columns()

    def _render_builtin_params(self, source: dict[str, Any]) -> None:
        spec = BUILTIN_DATASETS.get(source.get("name") or "")
        if set(self._builtin_editors) != {
            p.name for p in (spec.params if spec else ())
        } or (self.dataset_params.rowCount() and spec is None):
            while self.dataset_params.rowCount():
                self.dataset_params.removeRow(0)
            self._builtin_editors = {}
            for param in spec.params if spec else ():
                editor = make_editor(param)
                editor.value_edited.connect(self._builtin_handler(param.name))
                self._builtin_editors[param.name] = editor
                label = QLabel(param.title)
                label.setToolTip(param.help)
                self.dataset_params.addRow(label, editor)
        if spec is not None:
            self.dataset_about.setText(spec.description)
            for param in spec.params:
                self._builtin_editors[param.name].set_value(
                    source.get(param.name, param.default)
                )

    def _render_columns(self) -> None:
        data = self.data or {}
        preview_ = self.current_preview
        names = [c.name for c in preview_.columns] if preview_ is not None else []
        target = data.get("target")
        target_name = _column_name(target, names)
        self.target.blockSignals(True)
        self.target.clear()
        self.target.addItem("(last column)", -1)
        for name in names:
            self.target.addItem(name, name)
        found = self.target.findData(target) if isinstance(target, int) else -1
        if found < 0 and target_name:
            found = self.target.findData(target_name)
        self.target.setCurrentIndex(max(0, found))
        self.target.blockSignals(False)
        shown_target = target_name or (names[-1] if names else None)
        features = data.get("features")
        self.features.blockSignals(True)
        self.features.clear()
        for name in names:
            if name == shown_target:
                continue
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            checked = features is None or name in [
                _column_name(f, names) for f in features
            ]
            item.setCheckState(
                Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
            )
            self.features.addItem(item)
        self.features.blockSignals(False)
        self.features.setEnabled(bool(names))
        self.table_model.set_preview(preview_, shown_target)
        if preview_ is not None and len(preview_.columns) <= 200:
            self.table.resizeColumnsToContents()

    # -- edits ------------------------------------------------------------------------
    def _edit(self, change: Any, field: str) -> None:
        if self.project is None:
            return
        data = copy.deepcopy(self.data) if self.data else default_data()
        change(data)
        if data != self.data:
            self.undo_stack.push(SetData(self.project, data, field))

    def _set(self, key: str, value: Any) -> None:
        def change(data: dict[str, Any]) -> None:
            data[key] = value

        self._edit(change, key)

    def _set_split(self, key: str, value: Any) -> None:
        def change(data: dict[str, Any]) -> None:
            data.setdefault("split", {})[key] = value

        self._edit(change, f"split {key}")

    def set_source(self, source: dict[str, Any]) -> None:
        """A new source: target and features reset, since columns change."""

        def change(data: dict[str, Any]) -> None:
            data["source"] = source
            data["target"] = -1  # the last column, until the person picks another
            data["features"] = None

        self.current_preview = None
        self._edit(change, "source")

    def open_file(self, path: str | Path) -> None:
        """Use a file (or an image folder) as the data source."""
        path = Path(path)
        from guinet.core.data.sources import source_kind

        if path.is_dir():
            kind = "images"
        else:
            try:
                kind = source_kind({"path": str(path)})
            except ValueError as exc:
                self.show_error(str(exc))
                return
        self.set_source({"kind": kind, "path": self._relative(path)})

    def _relative(self, path: Path) -> str:
        if self.project is not None and self.project.path is not None:
            try:
                return Path(
                    os.path.relpath(path.resolve(), self.project.base_dir)
                ).as_posix()
            except ValueError:
                pass
        return str(path.resolve())

    @Slot()
    def browse(self) -> None:
        if self.kind.currentData() == "images":
            folder = QFileDialog.getExistingDirectory(self, "Choose an image folder")
            if folder:
                self.open_file(folder)
            return
        path, _ = QFileDialog.getOpenFileName(self, "Open data", "", FILE_FILTER)
        if path:
            self.open_file(path)

    @Slot(int)
    def _on_kind_chosen(self, _row: int) -> None:
        kind = self.kind.currentData()
        if kind == "builtin":
            self._on_dataset_chosen()
        else:
            self.dataset_row.hide()
            self.source_form.setRowVisible(self.dataset_row, False)
            self.source_form.setRowVisible(self.path_row, True)
            self.path_row.show()
            self.browse()

    @Slot()
    def _on_dataset_chosen(self, _row: int = 0) -> None:
        key = self.dataset.currentData()
        spec = BUILTIN_DATASETS[key]
        source: dict[str, Any] = {"kind": "builtin", "name": key}
        source.update({p.name: p.default for p in spec.params})
        self.set_source(source)

    def _builtin_handler(self, name: str) -> Any:
        def handler(value: Any) -> None:
            def change(data: dict[str, Any]) -> None:
                data["source"][name] = value

            self._edit(change, f"dataset {name}")

        return handler

    @Slot()
    def _on_path_typed(self) -> None:
        text = self.path.text().strip()
        source = (self.data or {}).get("source") or {}
        if text and text != source.get("path"):
            self.open_file(self.project.resolve(text) if self.project else text)

    @Slot(int)
    def _on_target_chosen(self, _row: int) -> None:
        def change(data: dict[str, Any]) -> None:
            data["target"] = self.target.currentData()
            data["features"] = None

        self._edit(change, "target")

    @Slot(QListWidgetItem)
    def _on_feature_toggled(self, _item: QListWidgetItem) -> None:
        items = [self.features.item(i) for i in range(self.features.count())]
        checked = [i.text() for i in items if i.checkState() == Qt.CheckState.Checked]
        self._set("features", None if len(checked) == len(items) else checked)

    # -- loading ----------------------------------------------------------------------
    @Slot()
    def reload(self) -> None:
        """Preview and prepare the current data in the background."""
        self._reload_timer.stop()
        data = copy.deepcopy(self.data)
        if self.project is None or not data or not data.get("source"):
            self.task.stop()
            self.current_preview = None
            self._render_columns()
            self.summary.clear()
            self.report.setText("No data yet: pick a built-in dataset or open a file.")
            self.split_counts.setText("")
            self.show_error(None)
            self.data_cleared.emit()
            return
        base_dir = self.project.base_dir
        want_preview = self.current_preview is None

        def work(progress: Any, cancelled: Any) -> tuple[Preview | None, Any]:
            shown = preview(data["source"], base_dir) if want_preview else None
            try:
                prepared = prepare(
                    data, base_dir, progress=progress, cancelled=cancelled
                )
            except Exception as exc:  # the preview is still worth showing
                return shown, exc
            return shown, prepared

        self.task.start(work)

    @Slot()
    def cancel(self) -> None:
        self.task.cancel()
        self.show_error(
            "Loading cancelled. Change a setting or press Reload to try again."
        )
        self.progress_row.hide()

    def stop(self) -> None:
        """Cancel loading and wait for its thread (closing the window)."""
        self._reload_timer.stop()
        self.task.stop()

    @Slot(object)
    def _on_loaded(self, result: tuple[Preview | None, Any]) -> None:
        shown, prepared = result
        if shown is not None:
            self.current_preview = shown
            self._render_columns()
        if isinstance(prepared, BaseException):
            self._on_failed(prepared)
            return
        self.session.use_prepared(prepared, None)
        self.show_error(None)
        rows = prepared.report.rows
        self.split_counts.setText(" · ".join(f"{k} {v:,}" for k, v in rows.items()))
        lines = prepared.report.lines()
        self.report.setText(
            f"<b>{prepared.task}</b> · input {tuple(prepared.input_shape)} · "
            f"{prepared.n_outputs} output{'s' if prepared.n_outputs != 1 else ''}<br>"
            + "<br>".join(lines)
        )
        self.summary.show_data(prepared)
        self.data_prepared.emit(prepared)

    @Slot(object)
    def _on_failed(self, error: BaseException) -> None:
        if isinstance(error, DataCancelled):
            return
        self.summary.clear()
        self.split_counts.setText("")
        message = (
            str(error)
            if isinstance(error, ValueError | OSError)
            else (f"Could not load the data: {type(error).__name__}: {error}")
        )
        self.session.use_prepared(None, message)
        self.show_error(message)
        self.report.setText("")
        self.data_cleared.emit()

    @Slot(float, str)
    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        self.progress.setFormat(f"{message} — %p%" if message else "%p%")

    @Slot(bool)
    def _on_running(self, running: bool) -> None:
        if running:
            self.progress.setValue(0)
            QTimer.singleShot(300, self._show_progress_if_running)
        else:
            self.progress_row.hide()

    def _show_progress_if_running(self) -> None:
        self.progress_row.setVisible(self.task.running)

    def show_error(self, message: str | None) -> None:
        self.error_text = message or ""
        self.message.setText(f"⚠ {message}" if message else "")
        self.message.setVisible(bool(message))


def _column_name(ref: Any, names: list[str]) -> str | None:
    """A target/feature reference (name or index, negative from the end) as a name."""
    if ref is None:
        return None
    if isinstance(ref, int) and not isinstance(ref, bool):
        return names[ref] if names and -len(names) <= ref < len(names) else None
    return str(ref)
