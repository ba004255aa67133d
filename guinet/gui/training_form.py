"""The Train page's settings column, generated from the training declarations.

Every group is a :class:`~guinet.gui.param_form.ParamForm` over the same
:class:`~guinet.core.params.Param` declarations the engine parses with: the
run settings from :data:`~guinet.core.training.config.SETTINGS`, the loss,
optimizer and scheduler arguments from each catalogue entry, and the early
stopping and checkpoint groups from their sections' Params (titles and
"advanced" flags included). Every edit is one :class:`SetField` command, and
the form re-renders from ``project.training`` whenever it is replaced, so it
never holds a copy of its own.

The loss box starts with "auto — <what the session would pick>": selected
while the project names no loss; picking it removes the key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QPaintEvent, QUndoStack
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QLabel,
    QStyle,
    QStyleOptionComboBox,
    QStylePainter,
    QVBoxLayout,
    QWidget,
)

from guinet.core.concepts import tooltip
from guinet.core.sections import UNSET, ComponentSlot, Section
from guinet.core.training.config import COMPONENTS, SETTINGS, TrainingSpec
from guinet.gui.commands import set_field
from guinet.gui.param_form import ParamForm
from guinet.gui.wheel_guard import guard

if TYPE_CHECKING:
    from guinet.core.components import ComponentSpec
    from guinet.core.project import Project
    from guinet.core.session import Session

#: The run settings the Run group shows as editors (device has its own box).
RUN_PARAMS = tuple(p for p in SETTINGS if p.name != "device")
DEVICE = TrainingSpec.declared("device")


class ElidingComboBox(QComboBox):
    """A combo box whose current text, when too long, loses its description
    first ("BCEWithLogitsLoss — binary cr…"), never the name before " — "; the
    whole text is in its tooltip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._help = ""
        self.currentIndexChanged.connect(self.update_tip)

    def set_help(self, text: str) -> None:
        self._help = text
        self.update_tip()

    @Slot()
    def update_tip(self, *_args: object) -> None:
        text = self.currentText()
        self.setToolTip(f"{text}\n\n{self._help}" if self._help else text)

    def setItemText(self, index: int, text: str) -> None:  # noqa: N802
        super().setItemText(index, text)
        self.update_tip()

    def _field(self) -> Any:
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        field = self.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox,
            option,
            QStyle.SubControl.SC_ComboBoxEditField,
            self,
        )
        return option, field

    def displayed_text(self) -> str:
        """The current text as drawn in the width the box has now."""
        _option, field = self._field()
        return self._fitted(self.currentText(), field.width() - 4)

    def _fitted(self, text: str, width: int) -> str:
        metrics = self.fontMetrics()
        if metrics.horizontalAdvance(text) <= width:
            return text
        name, dash, _about = text.partition(" — ")
        if dash and metrics.horizontalAdvance(name + " — …") > width:
            text = name  # no room for any description: the whole name at least
        return metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QStylePainter(self)
        option, field = self._field()
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        option.currentText = self._fitted(option.currentText, field.width() - 4)
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)


class ComponentBox(QGroupBox):
    """One catalogue pick (loss, optimizer or scheduler) and its arguments.

    An optional slot's first entry (data ``None``) is "auto" or its
    ``none_label``.
    """

    type_chosen = Signal(object)  # the key, or None for auto / none

    def __init__(self, slot: ComponentSlot, parent: QWidget | None = None) -> None:
        super().__init__(slot.title, parent)
        self.slot = slot
        self.registry = slot.registry
        self.combo = ElidingComboBox()
        guard(self.combo)
        self.combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        # room for the longest name with "auto — " before it; descriptions
        # after " — " are cut first (see ElidingComboBox)
        longest = max(
            (len(d.label.partition(" — ")[0]) for d in slot.registry.values()),
            default=12,
        )
        self.combo.setMinimumContentsLength(longest + len("auto — "))
        self.combo.set_help(tooltip(slot.name, slot.help))
        if slot.optional:
            self.combo.addItem(slot.auto_label or slot.none_label, None)
        for key, declared in self.registry.items():
            self.combo.addItem(declared.label, key)
            self.combo.setItemData(
                self.combo.count() - 1,
                declared.explanation,
                Qt.ItemDataRole.ToolTipRole,
            )
        self.combo.activated.connect(self._on_activated)
        self.about = QLabel()
        self.about.setObjectName("help")
        self.about.setWordWrap(True)
        self.args = ParamForm()
        layout = QVBoxLayout(self)
        layout.setSpacing(4)
        layout.addWidget(self.combo)
        layout.addWidget(self.about)
        layout.addWidget(self.args)

    @property
    def editors(self) -> dict[str, Any]:
        return self.args.editors

    @Slot(int)
    def _on_activated(self, row: int) -> None:
        self.type_chosen.emit(self.combo.itemData(row))

    def set_auto_text(self, text: str) -> None:
        """Name what the first ("auto") entry stands for now."""
        if self.slot.optional and self.combo.count():
            self.combo.setItemText(0, text)

    def show_component(self, spec: ComponentSpec | None) -> None:
        key = spec.type if spec is not None else None
        declared = self.registry.get(key) if key is not None else None
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(self.combo.findData(key) if declared else 0)
        self.combo.blockSignals(False)
        self.combo.update_tip()
        self.about.setText(declared.explanation if declared else "")
        self.about.setVisible(declared is not None)
        self.args.set_params(tuple(declared.params) if declared else ())
        self.args.show_values(spec.params if spec is not None else {})


class SectionBox(QGroupBox):
    """One nested section (``early_stopping`` or ``checkpoint``) from its Params;
    everything but ``enabled`` is greyed out while it is off."""

    def __init__(
        self, title: str, section: type[Section], parent: QWidget | None = None
    ) -> None:
        super().__init__(title, parent)
        self.form = ParamForm(section.params)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)

    @property
    def editors(self) -> dict[str, Any]:
        return self.form.editors

    def show_advanced(self, on: bool) -> None:
        self.form.show_advanced(on)

    def show_section(self, section: Any) -> None:
        self.form.show_values(section)
        self.form.set_editable(bool(section.enabled), keep=("enabled",))


class TrainingForm(QWidget):
    """Loss, optimizer, scheduler, run, early-stopping and checkpoint settings
    of the session's ``project.training``."""

    def __init__(
        self, session: Session, undo_stack: QUndoStack, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.undo_stack = undo_stack
        self.project: Project | None = None
        slots = {slot.name: slot for slot in COMPONENTS}
        self.loss = ComponentBox(slots["loss"])
        self.optimizer = ComponentBox(slots["optimizer"])
        self.scheduler = ComponentBox(slots["scheduler"])
        for name, box in self.boxes.items():
            box.type_chosen.connect(self._chooser(name))
            box.args.value_edited.connect(self._arg_setter(name))

        run_box = QGroupBox("Run")
        self.run = ParamForm(RUN_PARAMS)
        self.run.value_edited.connect(self._on_run_edited)
        self.device = QComboBox()
        guard(self.device)
        self.device.setObjectName("device")
        self.device.setToolTip(tooltip(DEVICE.name, DEVICE.help))
        self.device.activated.connect(self._on_device_chosen)
        device_label = QLabel(DEVICE.title)
        device_label.setToolTip(self.device.toolTip())
        self.run.form.insertRow(2, device_label, self.device)
        run_layout = QVBoxLayout(run_box)
        run_layout.addWidget(self.run)
        self._devices: list[tuple[str, str]] = [("cpu", "CPU")]

        sections = TrainingSpec.sections
        self.early_stopping = SectionBox("Early stopping", sections["early_stopping"])
        self.checkpoint = SectionBox("Checkpoints", sections["checkpoint"])
        for name, section_box in self.sections.items():
            section_box.form.value_edited.connect(self._section_setter(name))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 6, 0)
        for widget in (*self.boxes.values(), run_box, *self.sections.values()):
            layout.addWidget(widget)
        layout.addStretch(1)
        session.project_changed.connect(self._on_project_bound)
        session.changed.connect(self._on_session_changed)
        self._on_project_bound()
        self.refresh_devices()

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

    @property
    def settings(self) -> dict[str, Any]:
        """The run settings' editors, by name."""
        return self.run.editors

    # -- binding and rendering ------------------------------------------------------
    def _on_project_bound(self) -> None:
        if self.project is not None:
            self.project.training_changed.disconnect(self.show_training)
        self.project = self.session.project
        self.project.training_changed.connect(self.show_training)
        self.show_training()

    def _on_session_changed(self) -> None:
        self.loss.set_auto_text(self.session.loss_label())

    def show_training(self) -> None:
        """Show ``project.training`` (no edits are made here)."""
        if self.project is None:
            return
        training = self.project.training
        for name, box in self.boxes.items():
            box.show_component(getattr(training, name))
        self.loss.set_auto_text(self.session.loss_label())
        self.run.show_values(training)
        for name, section_box in self.sections.items():
            section_box.show_section(getattr(training, name))
        self._render_device()

    def refresh_devices(self) -> None:
        """List the devices torch sees (only once torch is loaded; CPU before)."""
        from guinet.gui import torch_loader

        devices: list[tuple[str, str]] = []
        if torch_loader.is_ready() and torch_loader.error() is None:
            from guinet.core.training import available_devices

            devices = [(d.key, d.name) for d in available_devices()]
        self._devices = devices or [("cpu", "CPU")]
        self._render_device()

    def _render_device(self) -> None:
        current = self.project.training.device if self.project else "auto"
        items = [("auto", f"Auto — {self._devices[0][1]}"), *self._devices]
        if current not in {key for key, _ in items}:
            items.append((current, f"{current} — not available here"))
        self.device.blockSignals(True)
        self.device.clear()
        for key, label in items:
            self.device.addItem(label, key)
        self.device.setCurrentIndex(self.device.findData(current))
        self.device.blockSignals(False)

    # -- edits: each one SetField ---------------------------------------------------
    def set_value(self, path: str, value: Any) -> None:
        """Set ``training.<path>`` (one undoable step; :data:`UNSET` removes it)."""
        if self.project is not None:
            set_field(self.undo_stack, self.project, f"training.{path}", value)

    def choose(self, slot: str, key: str | None) -> None:
        """Pick a loss/optimizer/scheduler type (its key arguments at their
        defaults); ``None`` is auto for the loss, no schedule for the scheduler."""
        if self.project is None:
            return
        current = getattr(self.project.training, slot)
        if (current.type if current is not None else None) == key:
            return
        if key is None:
            self.set_value(slot, UNSET if self.boxes[slot].slot.auto_label else None)
            return
        declared = self.boxes[slot].registry[key]
        value: dict[str, Any] = {"type": key}
        value.update(
            {
                p.name: p.default
                for p in declared.params
                if p.key and p.default is not None
            }
        )
        self.set_value(slot, value)

    def set_param(self, slot: str, name: str, value: Any) -> None:
        """Set one argument of the loss, optimizer or scheduler."""
        if self.project is None:
            return
        if isinstance(self.project.value(f"training.{slot}"), dict):
            self.set_value(f"{slot}.{name}", value)
            return
        current = getattr(self.project.training, slot)  # named by a default
        if current is not None:
            self.set_value(slot, {**current.to_dict(), name: value})

    def _chooser(self, slot: str) -> Any:
        def choose(key: str | None) -> None:
            self.choose(slot, key)

        return choose

    def _arg_setter(self, slot: str) -> Any:
        def set_param(name: str, value: Any) -> None:
            self.set_param(slot, name, value)

        return set_param

    def _section_setter(self, section: str) -> Any:
        def set_value(name: str, value: Any) -> None:
            self.set_value(f"{section}.{name}", value)

        return set_value

    @Slot(str, object)
    def _on_run_edited(self, name: str, value: Any) -> None:
        self.set_value(name, value)

    @Slot(int)
    def _on_device_chosen(self, row: int) -> None:
        self.set_value("device", self.device.itemData(row))
