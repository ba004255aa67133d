"""One form built from :class:`~guinet.core.params.Param` declarations.

Every settings form of the window is a :class:`ParamForm`: the layer
inspector, the loss/optimizer/scheduler arguments, the run, early-stopping
and checkpoint settings, and the Data page's options. Titles, help lines,
ranges, choices (with their labels) and the "advanced" flag all come from the
declarations, so a form never restates a default or a title.

The form holds no values of its own: :meth:`ParamForm.show_values` renders
what the project has, and :attr:`ParamForm.value_edited` reports what a
person changed (never what :meth:`show_values` set), for the page to turn into
an undoable command.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from guinet.core.concepts import tooltip
from guinet.core.params import Param
from guinet.gui.editors import BoolEditor, ParamEditor, make_editor

_LABEL_ALIGNMENT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


class ParamForm(QWidget):
    """Editors for ``params``; advanced ones behind a "More options" toggle.

    ``help_below``: show each help line under its editor (the inspector);
    otherwise help is the label's tooltip (compact settings columns).
    ``names``: show the raw parameter names as labels (PyTorch argument
    names in the inspector) instead of the declared titles.
    """

    value_edited = Signal(str, object)  # name, value

    def __init__(
        self,
        params: tuple[Param, ...] = (),
        *,
        help_below: bool = False,
        names: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.help_below = help_below
        self.names = names
        self.form = QFormLayout()
        self.form.setContentsMargins(0, 2, 0, 0)
        self.form.setFieldGrowthPolicy(
            QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow
        )
        self.form.setLabelAlignment(_LABEL_ALIGNMENT)
        if help_below:
            self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
            self.form.setVerticalSpacing(10)
        self.more = QToolButton()
        self.more.setObjectName("moreOptions")
        self.more.setCheckable(True)
        self.more.setToolTip(
            "Show the rarer settings, which most runs leave as they are"
        )
        self.more.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.more.setAutoRaise(True)
        self.more.toggled.connect(self.show_advanced)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(self.form)
        layout.addWidget(self.more, 0, Qt.AlignmentFlag.AlignLeft)
        self.editors: dict[str, ParamEditor] = {}
        self.rows: dict[str, QWidget] = {}
        self.params: tuple[Param, ...] = ()
        self.set_params(params)

    # -- building ------------------------------------------------------------------
    def set_params(self, params: tuple[Param, ...]) -> None:
        """Rebuild the editors (only when the declarations differ)."""
        if params == self.params and self.editors:
            return
        while self.form.rowCount():
            self.form.removeRow(0)
        self.params = params
        self.editors = {}
        self.rows = {}
        for param in params:
            editor = make_editor(param)
            editor.value_edited.connect(self._forward(param.name))
            self.editors[param.name] = editor
            field: QWidget = editor
            if isinstance(editor, BoolEditor) and not self.help_below:
                editor.check.setText("")  # the label says it; help is a tooltip
            if self.help_below and param.kind != "bool" and param.help:
                field = QWidget()
                box = QVBoxLayout(field)
                box.setContentsMargins(0, 0, 0, 0)
                box.setSpacing(1)
                box.addWidget(editor)
                help_label = QLabel(param.help)
                help_label.setWordWrap(True)
                help_label.setObjectName("help")
                box.addWidget(help_label)
            label = QLabel(param.name if self.names else param.title)
            label.setToolTip(tooltip(param.name, param.help))
            self.form.addRow(label, field)
            self.rows[param.name] = field
        self.show_advanced(self.more.isChecked())

    def _forward(self, name: str) -> Any:
        def forward(value: Any) -> None:
            self.value_edited.emit(name, value)

        return forward

    @property
    def advanced(self) -> list[str]:
        return [p.name for p in self.params if p.advanced]

    @Slot(bool)
    def show_advanced(self, on: bool) -> None:
        for name in self.advanced:
            self.form.setRowVisible(self.rows[name], on)
        count = len(self.advanced)
        self.more.setVisible(count > 0)
        self.more.setArrowType(
            Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow
        )
        self.more.setText("Fewer options" if on else f"More options ({count})")
        if self.more.isChecked() != on:
            self.more.setChecked(on)

    # -- rendering -----------------------------------------------------------------
    def show_values(self, values: Mapping[str, Any] | Any) -> None:
        """Show ``values`` (a mapping, or an object with the params as
        attributes, such as a typed section); missing ones show the default."""
        for param in self.params:
            if isinstance(values, Mapping):
                value = values.get(param.name, param.default)
            else:
                value = getattr(values, param.name, param.default)
            self.editors[param.name].set_value(value)

    def commit(self) -> None:
        """Every editor takes in what is typed but not yet committed."""
        for editor in self.editors.values():
            editor.commit()

    def set_editable(self, enabled: bool, *, keep: tuple[str, ...] = ()) -> None:
        """Enable or grey out every editor but those in ``keep``."""
        for name, editor in self.editors.items():
            editor.setEnabled(enabled or name in keep)

    def show_error(self, name: str, message: str | None) -> None:
        editor = self.editors.get(name)
        if editor is not None:
            editor.show_error(message)
