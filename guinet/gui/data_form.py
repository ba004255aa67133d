"""The Data page's preparation and split boxes.

Task, scaling, missing values and the split come from their declarations
(:data:`~guinet.core.data.spec.DATA_PARAMS`,
:data:`~guinet.core.data.spec.SPLIT_PARAMS`) through :class:`ParamForm`;
the validation and test fractions are shown as percents but stored as
fractions. Target and features are pickers over the preview's columns.
Every edit is a :class:`~guinet.gui.commands.SetField`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
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
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from guinet.core.concepts import tooltip
from guinet.core.data import DataError
from guinet.core.data.sources import source_kind
from guinet.core.data.spec import DATA_PARAMS, SPLIT_PARAMS, DataSpec
from guinet.core.params import Param
from guinet.gui.data_source_form import DataEdits, file_filter
from guinet.gui.param_form import ParamForm
from guinet.gui.wheel_guard import guard

if TYPE_CHECKING:
    from guinet.core.data.previews import Preview

#: The split fractions a person edits as percents.
PERCENT = ("validation", "test")
EXTRA_FILES = (("validation_source", "Validation file"), ("test_source", "Test file"))


def _as_percent(param: Param) -> Param:
    """``param`` (a fraction) as the percent a form shows."""
    return dataclasses.replace(
        param,
        default=param.default * 100,
        maximum=None if param.maximum is None else param.maximum * 100,
        step=5.0,
    )


def column_name(ref: Any, names: list[str]) -> str | None:
    """A target/feature reference (name or index, negative from the end) as a name."""
    if ref is None:
        return None
    if isinstance(ref, int) and not isinstance(ref, bool):
        return names[ref] if names and -len(names) <= ref < len(names) else None
    return str(ref)


class PreparationForm(QGroupBox):
    """Target and features (from the preview) and the declared options."""

    def __init__(self, edits: DataEdits, parent: QWidget | None = None) -> None:
        super().__init__("Preparation", parent)
        self.edits = edits
        form = QFormLayout(self)
        self.target = QComboBox()
        guard(self.target)
        self.target.setToolTip(tooltip("target", DataSpec.declared("target").help))
        self.target.activated.connect(self._on_target_chosen)
        form.addRow(DataSpec.declared("target").title, self.target)
        self.features = QListWidget()
        self.features.setMaximumHeight(110)
        self.features.setToolTip(
            tooltip("features", DataSpec.declared("features").help)
        )
        self.features.itemChanged.connect(self._on_feature_toggled)
        form.addRow(DataSpec.declared("features").title, self.features)
        self.options = ParamForm(
            tuple(p for p in DATA_PARAMS if p.kind not in ("column", "columns"))
        )
        self.options.value_edited.connect(self._on_option_edited)
        form.addRow(self.options)
        self.left_out: dict[str, str] = {}

    def show_section(
        self,
        data: DataSpec | None,
        preview: Preview | None,
        left_out: Mapping[str, str] | None = None,
    ) -> str | None:
        """Show ``data``; returns the target column's name, as shown.

        ``left_out`` (column → why) names the columns the default features
        leave out, as the last preparation found them: they show unticked
        while the features are the default, and ticking back to exactly the
        default choice writes the default (``null``) again.
        """
        if data is not None:
            self.options.show_values(data)
        else:
            self.options.show_values({})
        names = [c.name for c in preview.columns] if preview is not None else []
        target = data.target if data is not None else -1
        target_name = (
            column_name(target, names) if not isinstance(target, list) else None
        )
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
        shown = target_name or (names[-1] if names else None)
        features = data.features if data is not None else None
        chosen = [column_name(f, names) for f in features or ()]
        self.left_out = dict(left_out or {})
        self.features.blockSignals(True)
        self.features.clear()
        for name in names:
            if name == shown:
                continue
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            default = name not in self.left_out
            checked = default if features is None else name in chosen
            item.setCheckState(
                Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
            )
            why = self.left_out.get(name)
            if why is not None and not checked:
                item.setToolTip(
                    f"Left out: it looks like a row number, an ID or free text "
                    f"({why}). Tick it to use it anyway."
                )
            self.features.addItem(item)
        self.features.blockSignals(False)
        self.features.setEnabled(bool(names))
        return shown

    @Slot(int)
    def _on_target_chosen(self, _row: int) -> None:
        self.edits.set_many(
            {"target": self.target.currentData(), "features": None}, "Choose the target"
        )

    @Slot(QListWidgetItem)
    def _on_feature_toggled(self, _item: QListWidgetItem) -> None:
        items = [self.features.item(i) for i in range(self.features.count())]
        checked = [i.text() for i in items if i.checkState() == Qt.CheckState.Checked]
        default = [i.text() for i in items if i.text() not in self.left_out]
        self.edits.set("features", None if checked == default else checked)

    @Slot(str, object)
    def _on_option_edited(self, name: str, value: Any) -> None:
        self.edits.set(name, value)


class SplitForm(QGroupBox):
    """Validation and test percents, stratify, seed, separate files, row counts."""

    error_found = Signal(str)

    def __init__(self, edits: DataEdits, parent: QWidget | None = None) -> None:
        super().__init__("Split", parent)
        self.edits = edits
        form = QFormLayout(self)
        self.options = ParamForm(
            tuple(_as_percent(p) if p.name in PERCENT else p for p in SPLIT_PARAMS)
        )
        self.options.value_edited.connect(self._on_option_edited)
        form.addRow(self.options)
        self.extra_files: dict[str, QLineEdit] = {}
        for key, label in EXTRA_FILES:
            form.addRow(label, self._extra_file_row(key))
        self.counts = QLabel()
        self.counts.setObjectName("splitCounts")
        form.addRow("Rows", self.counts)

    def _extra_file_row(self, key: str) -> QWidget:
        """A separate validation or test file instead of a split fraction."""
        line = QLineEdit()
        line.setReadOnly(True)
        line.setPlaceholderText("split from the data")
        line.setToolTip(
            "A separate file for these rows, instead of a share of the data above"
        )
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

    def show_section(self, data: DataSpec | None) -> None:
        if data is None:
            self.options.show_values({})
        else:
            values = {p.name: getattr(data.split, p.name) for p in SPLIT_PARAMS}
            for name in PERCENT:
                values[name] = round(values[name] * 100, 6)
            self.options.show_values(values)
        for key, line in self.extra_files.items():
            extra = getattr(data, key) if data is not None else None
            line.setText(str((extra or {}).get("path", "")))
        for name in PERCENT:
            separate = data is not None and getattr(data, f"{name}_source") is not None
            self.options.editors[name].setEnabled(not separate)

    def browse_extra(self, key: str) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open data", "", file_filter())
        if path:
            self.set_extra_file(key, Path(path))

    def set_extra_file(self, key: str, path: Path | None) -> None:
        """Use ``path`` as the validation or test rows (``None``: split instead)."""
        from guinet.core.sections import UNSET

        if path is None:
            self.edits.set(key, UNSET, f"Split {key.split('_')[0]} rows from the data")
            return
        try:
            source = {
                "kind": source_kind({"path": str(path)}),
                "path": self.edits.relative(path),
            }
        except DataError as exc:
            self.error_found.emit(str(exc))
            return
        self.edits.set(key, source)

    @Slot(str, object)
    def _on_option_edited(self, name: str, value: Any) -> None:
        if name in PERCENT:
            value = round(float(value) / 100, 4)
        self.edits.set(f"split.{name}", value)
