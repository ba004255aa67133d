"""The Train page's settings column, generated from the engine's catalogues.

Loss, optimizer and scheduler boxes list :data:`LOSSES`, :data:`OPTIMIZERS`
and :data:`SCHEDULERS` and build their argument editors from the same
:class:`~guinet.core.params.Param` declarations the engine checks with; the
run settings come from :data:`~guinet.core.training.SETTINGS`. Every edit is
an undoable :class:`SetTraining` on ``project.training``, and the form
re-renders from the project, so it never holds a copy of its own.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QPaintEvent, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QStyle,
    QStyleOptionComboBox,
    QStylePainter,
    QVBoxLayout,
    QWidget,
)

from guinet.core.params import Param
from guinet.core.project import default_training
from guinet.core.training import LOSSES, OPTIMIZERS, SCHEDULERS, SETTINGS
from guinet.gui.editors import BoolEditor, ParamEditor, make_editor

if TYPE_CHECKING:
    from guinet.core.params import Registry
    from guinet.core.project import Project
    from guinet.core.training import ComponentType

_LABEL_ALIGNMENT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


class SetTraining(QUndoCommand):
    """Replace ``project.training``; consecutive edits of one field merge."""

    ID = 2002

    def __init__(self, project: Project, training: dict[str, Any], field: str) -> None:
        super().__init__(f"Change {field}")
        self._project, self._field = project, field
        self._old = copy.deepcopy(project.training)
        self._new = copy.deepcopy(training)

    def id(self) -> int:
        return self.ID

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802
        if not isinstance(other, SetTraining) or other._field != self._field:
            return False
        self._new = other._new
        return True

    def redo(self) -> None:
        self._project.set_training(copy.deepcopy(self._new))

    def undo(self) -> None:
        self._project.set_training(copy.deepcopy(self._old))


def _label(param: Param) -> QLabel:
    label = QLabel(param.title)
    label.setToolTip(param.help)
    return label


def _help_label() -> QLabel:
    label = QLabel()
    label.setObjectName("help")
    label.setWordWrap(True)
    return label


def _component(value: Any) -> dict[str, Any] | None:
    """A project's component value (``"Adam"`` or ``{"type": "Adam", …}``)."""
    if isinstance(value, str):
        return {"type": value}
    return dict(value) if isinstance(value, dict) else None


class ElidingComboBox(QComboBox):
    """A combo box that ends a long current text with "…" instead of clipping it."""

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QStylePainter(self)
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        field = self.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox,
            option,
            QStyle.SubControl.SC_ComboBoxEditField,
            self,
        )
        option.currentText = self.fontMetrics().elidedText(
            option.currentText, Qt.TextElideMode.ElideRight, field.width() - 4
        )
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)


class ComponentBox(QGroupBox):
    """One catalogue pick (loss, optimizer or scheduler) and its arguments."""

    type_chosen = Signal(object)  # the key, or None for "no scheduler"
    param_edited = Signal(str, object)

    def __init__(
        self,
        title: str,
        registry: Registry[Any],
        optional: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(title, parent)
        self.registry = registry
        self.combo = ElidingComboBox()
        self.combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.combo.setMinimumContentsLength(18)
        if optional is not None:
            self.combo.addItem(optional, None)
        for key, declared in registry.items():
            self.combo.addItem(declared.label, key)
            self.combo.setItemData(
                self.combo.count() - 1,
                declared.explanation,
                Qt.ItemDataRole.ToolTipRole,
            )
        self.combo.activated.connect(self._on_activated)
        self.about = _help_label()
        self.params = QFormLayout()
        self.params.setContentsMargins(0, 2, 0, 0)
        self.params.setFieldGrowthPolicy(
            QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow
        )
        self.params.setLabelAlignment(_LABEL_ALIGNMENT)
        self.editors: dict[str, ParamEditor] = {}
        self._shown: str | None | bool = False  # the type the editors were built for
        layout = QVBoxLayout(self)
        layout.setSpacing(4)
        layout.addWidget(self.combo)
        layout.addWidget(self.about)
        layout.addLayout(self.params)

    @Slot(int)
    def _on_activated(self, row: int) -> None:
        self.type_chosen.emit(self.combo.itemData(row))

    def show_component(self, value: Any) -> None:
        component = _component(value)
        key = component.get("type") if component else None
        declared = self.registry.get(key) if isinstance(key, str) else None
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(self.combo.findData(key) if declared else -1)
        if component is None and self.combo.findData(None) >= 0:
            self.combo.setCurrentIndex(self.combo.findData(None))
        self.combo.blockSignals(False)
        self.about.setText(declared.explanation if declared else "")
        self.about.setVisible(declared is not None)
        if self._shown != key:
            self._build_editors(declared)
            self._shown = key
        if declared is not None and component is not None:
            for param in declared.params:
                self.editors[param.name].set_value(
                    component.get(param.name, param.default)
                )

    def _build_editors(self, declared: ComponentType | None) -> None:
        while self.params.rowCount():
            self.params.removeRow(0)
        self.editors = {}
        for param in declared.params if declared else ():
            editor = make_editor(param)
            if isinstance(editor, BoolEditor):  # its help is the row's tooltip
                editor.check.setText("")
            editor.value_edited.connect(self._forward(param.name))
            self.editors[param.name] = editor
            self.params.addRow(_label(param), editor)

    def _forward(self, name: str) -> Any:
        def forward(value: Any) -> None:
            self.param_edited.emit(name, value)

        return forward


class TrainingForm(QWidget):
    """Loss, optimizer, scheduler and run settings of ``project.training``."""

    def __init__(self, undo_stack: QUndoStack, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = undo_stack
        self.project: Project | None = None
        self.loss = ComponentBox("Loss", LOSSES)
        self.optimizer = ComponentBox("Optimizer", OPTIMIZERS)
        self.scheduler = ComponentBox(
            "Learning-rate schedule", SCHEDULERS, optional="Constant (no schedule)"
        )
        for section, box in self.boxes.items():
            box.type_chosen.connect(self._chooser(section))
            box.param_edited.connect(self._param_setter(section))

        run_box = QGroupBox("Run")
        run_form = QFormLayout(run_box)
        run_form.setFieldGrowthPolicy(
            QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow
        )
        run_form.setLabelAlignment(_LABEL_ALIGNMENT)
        self.settings: dict[str, ParamEditor] = {}
        for param in SETTINGS:
            if param.name == "device":
                continue
            editor = make_editor(param)
            editor.value_edited.connect(self._setting_setter(param.name))
            self.settings[param.name] = editor
            run_form.addRow(_label(param), editor)
        self.device = QComboBox()
        self.device.setToolTip(next(p.help for p in SETTINGS if p.name == "device"))
        self.device.activated.connect(self._on_device_chosen)
        run_form.insertRow(
            2, _label(next(p for p in SETTINGS if p.name == "device")), self.device
        )
        self.refresh_devices()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 6, 0)
        for widget in (self.loss, self.optimizer, self.scheduler, run_box):
            layout.addWidget(widget)
        layout.addStretch(1)

    @property
    def boxes(self) -> dict[str, ComponentBox]:
        return {
            "loss": self.loss,
            "optimizer": self.optimizer,
            "scheduler": self.scheduler,
        }

    # -- binding and rendering ------------------------------------------------------
    def bind(self, project: Project) -> None:
        if self.project is not None:
            self.project.changed.disconnect(self.show_training)
        self.project = project
        project.changed.connect(self.show_training)
        self.show_training()

    @property
    def training(self) -> dict[str, Any]:
        if self.project is None:
            return default_training()
        return self.project.training

    def show_training(self) -> None:
        """Show ``project.training`` (no edits are made here)."""
        training = self.training
        for section, box in self.boxes.items():
            box.show_component(training.get(section))
        for name, editor in self.settings.items():
            param = editor.param
            editor.set_value(training.get(name, param.default))
        self._render_device()

    def refresh_devices(self) -> None:
        """List the devices torch sees (only once torch is loaded; CPU before)."""
        from guinet.gui import torch_loader

        devices: list[tuple[str, str]] = []
        if torch_loader.is_ready() and torch_loader.error() is None:
            from guinet.core.training import available_devices

            devices = [(d.key, d.name) for d in available_devices()]
        if not devices:
            devices = [("cpu", "CPU")]
        self._devices = devices
        self._render_device()

    def _render_device(self) -> None:
        current = str(self.training.get("device", "auto"))
        best = self._devices[0][1]
        items = [("auto", f"Auto — {best}")] + self._devices
        if current not in {key for key, _ in items}:
            items.append((current, f"{current} — not available here"))
        self.device.blockSignals(True)
        self.device.clear()
        for key, label in items:
            self.device.addItem(label, key)
        self.device.setCurrentIndex(self.device.findData(current))
        self.device.blockSignals(False)

    # -- edits ----------------------------------------------------------------------
    def _edit(self, change: Any, field: str) -> None:
        if self.project is None:
            return
        training = copy.deepcopy(self.project.training)
        change(training)
        if training != self.project.training:
            self.undo_stack.push(SetTraining(self.project, training, field))

    def set_value(self, key: str, value: Any, field: str | None = None) -> None:
        """Set one top-level training key (an undoable step)."""

        def change(training: dict[str, Any]) -> None:
            training[key] = value

        self._edit(change, field or key.replace("_", " "))

    def choose(self, section: str, key: str | None) -> None:
        """Pick a loss/optimizer/scheduler type; its key arguments get defaults."""
        if key is None:
            self.set_value(section, None)
            return
        current = _component(self.training.get(section))
        if current is not None and current.get("type") == key:
            return
        declared = self.boxes[section].registry[key]
        value = {"type": key}
        value.update(
            {
                p.name: p.default
                for p in declared.params
                if p.key and p.default is not None
            }
        )
        self.set_value(section, value)

    def set_param(self, section: str, name: str, value: Any) -> None:
        """Set one argument of the loss, optimizer or scheduler."""

        def change(training: dict[str, Any]) -> None:
            component = _component(training.get(section)) or {}
            component[name] = value
            training[section] = component

        self._edit(change, f"{section} {name}")

    def _chooser(self, section: str) -> Any:
        def choose(key: str | None) -> None:
            self.choose(section, key)

        return choose

    def _param_setter(self, section: str) -> Any:
        def set_param(name: str, value: Any) -> None:
            self.set_param(section, name, value)

        return set_param

    def _setting_setter(self, name: str) -> Any:
        def set_setting(value: Any) -> None:
            self.set_value(name, value)

        return set_setting

    @Slot(int)
    def _on_device_chosen(self, row: int) -> None:
        self.set_value("device", self.device.itemData(row))
