"""The Train page's settings column, generated from the engine's catalogues.

Loss, optimizer and scheduler boxes list :data:`LOSSES`, :data:`OPTIMIZERS`
and :data:`SCHEDULERS` and build their argument editors from the same
:class:`~guinet.core.params.Param` declarations the engine checks with; the
run settings come from :data:`~guinet.core.training.SETTINGS`, and the early
stopping and checkpoint groups from :data:`EARLY_STOPPING_PARAMS` and
:data:`CHECKPOINT_PARAMS` (the rarer keys behind a "More options" toggle).
Every edit is
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
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from guinet.core.params import Param
from guinet.core.project import default_training
from guinet.core.training import LOSSES, OPTIMIZERS, SCHEDULERS, SETTINGS
from guinet.core.training.checkpoints import CHECKPOINT_PARAMS
from guinet.core.training.early_stopping import EARLY_STOPPING_PARAMS
from guinet.gui.editors import BoolEditor, ParamEditor, make_editor

if TYPE_CHECKING:
    from guinet.core.params import Registry
    from guinet.core.project import Project
    from guinet.core.training import ComponentType

_LABEL_ALIGNMENT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter

#: The keys of each section shown without "More options".
COMMON_KEYS = {
    "early_stopping": ("enabled", "monitor", "mode", "patience", "restore_best"),
    "checkpoint": ("enabled", "dir", "monitor", "save_best", "save_last"),
}
#: Titles that read better than the generated ones.
TITLES = {
    "enabled": "On",
    "restore_best": "Restore best weights",
    "min_delta": "Min. improvement",
    "min_delta_relative": "Relative margin",
    "warmup": "Warm-up epochs",
    "stop_at": "Stop at value",
    "divergence_threshold": "Stop if worse than",
    "dir": "Folder",
    "save_top_k": "Keep best k",
    "every_n_epochs": "Every N epochs",
    "every_n_minutes": "Every N minutes",
    "filename": "File name",
}


class SetTraining(QUndoCommand):
    """Replace ``project.training``; consecutive edits of one field merge."""

    ID = 2002

    def __init__(self, project: Project, training: dict[str, Any], field: str) -> None:
        super().__init__(f"Change {field}")
        self._project, self._field = project, field
        self._old = project.training.to_dict()
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


class SectionBox(QGroupBox):
    """One settings section (``early_stopping`` or ``checkpoint``) from its Params.

    The common keys are always shown; the rest appear with "More options".
    """

    param_edited = Signal(str, object)

    def __init__(
        self,
        title: str,
        params: tuple[Param, ...],
        common: tuple[str, ...],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(title, parent)
        self.params = params
        self.form = QFormLayout()
        self.form.setContentsMargins(0, 2, 0, 0)
        self.form.setFieldGrowthPolicy(
            QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow
        )
        self.form.setLabelAlignment(_LABEL_ALIGNMENT)
        self.editors: dict[str, ParamEditor] = {}
        self.advanced: list[str] = []
        for param in params:
            editor = make_editor(param)
            if isinstance(editor, BoolEditor):
                editor.check.setText("")
            editor.value_edited.connect(self._forward(param.name))
            self.editors[param.name] = editor
            label = QLabel(TITLES.get(param.name, param.title))
            label.setToolTip(param.help)
            self.form.addRow(label, editor)
            if param.name not in common:
                self.advanced.append(param.name)
        self.more = QToolButton()
        self.more.setObjectName("moreOptions")
        self.more.setCheckable(True)
        self.more.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.more.setAutoRaise(True)
        self.more.toggled.connect(self.show_advanced)
        layout = QVBoxLayout(self)
        layout.setSpacing(2)
        layout.addLayout(self.form)
        layout.addWidget(self.more, 0, Qt.AlignmentFlag.AlignLeft)
        self.show_advanced(False)

    @Slot(bool)
    def show_advanced(self, on: bool) -> None:
        for name in self.advanced:
            self.form.setRowVisible(self.editors[name], on)
        self.more.setArrowType(
            Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow
        )
        self.more.setText(
            "Fewer options" if on else f"More options ({len(self.advanced)})"
        )
        if self.more.isChecked() != on:
            self.more.setChecked(on)

    def show_section(self, section: Any) -> None:
        values = section if isinstance(section, dict) else {}
        for param in self.params:
            default = False if param.name == "enabled" and section is None else None
            value = values.get(param.name, param.default)
            self.editors[param.name].set_value(
                default if default is not None else value
            )
        enabled = bool(values.get("enabled", True)) and section is not None
        for name, editor in self.editors.items():
            if name != "enabled":
                editor.setEnabled(enabled)

    def _forward(self, name: str) -> Any:
        def forward(value: Any) -> None:
            self.param_edited.emit(name, value)

        return forward


class TrainingForm(QWidget):
    """Loss, optimizer, scheduler and run settings of ``project.training``."""

    #: section, key, value: an early-stopping or checkpoint setting was edited
    section_edited = Signal(str, str, object)

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

        self.early_stopping = SectionBox(
            "Early stopping", EARLY_STOPPING_PARAMS, COMMON_KEYS["early_stopping"]
        )
        self.checkpoint = SectionBox(
            "Checkpoints", CHECKPOINT_PARAMS, COMMON_KEYS["checkpoint"]
        )
        for section, section_box in self.sections.items():
            section_box.param_edited.connect(self._section_setter(section))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 6, 0)
        widgets = (self.loss, self.optimizer, self.scheduler, run_box)
        for widget in (*widgets, self.early_stopping, self.checkpoint):
            layout.addWidget(widget)
        layout.addStretch(1)

    @property
    def boxes(self) -> dict[str, ComponentBox]:
        return {
            "loss": self.loss,
            "optimizer": self.optimizer,
            "scheduler": self.scheduler,
        }

    @property
    def sections(self) -> dict[str, SectionBox]:
        return {"early_stopping": self.early_stopping, "checkpoint": self.checkpoint}

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
        return self.project.training.to_dict()

    def show_training(self) -> None:
        """Show ``project.training`` (no edits are made here)."""
        training = self.training
        for section, box in self.boxes.items():
            box.show_component(training.get(section))
        for name, editor in self.settings.items():
            param = editor.param
            editor.set_value(training.get(name, param.default))
        for section, section_box in self.sections.items():
            section_box.show_section(training.get(section))
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
        training = self.project.training.to_dict()
        change(training)
        if training != self.project.training.to_dict():
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

    def set_section_value(self, section: str, name: str, value: Any) -> None:
        """Set one key of ``early_stopping`` or ``checkpoint`` (undoable)."""

        def change(training: dict[str, Any]) -> None:
            current = training.get(section)
            values = dict(current) if isinstance(current, dict) else {}
            if current is None and name != "enabled":
                values["enabled"] = False
            values[name] = value
            training[section] = values

        self._edit(change, f"{section.replace('_', ' ')} {name.replace('_', ' ')}")
        self.section_edited.emit(section, name, value)

    def _section_setter(self, section: str) -> Any:
        def set_value(name: str, value: Any) -> None:
            self.set_section_value(section, name, value)

        return set_value

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
