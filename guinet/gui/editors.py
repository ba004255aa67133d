"""Editor widgets generated from :class:`~guinet.core.params.Param` declarations.

:func:`make_editor` returns a widget with ``value()``, ``set_value()`` and a
``value_edited`` signal that fires only for a person's edits, never for
``set_value``. Ranges come from the declaration, so a spin box cannot leave
them; free-text kinds (``ints``, ``shape``, optional numbers) are parsed with
:meth:`Param.parse` and show the parse error inline.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from guinet.core.concepts import tooltip
from guinet.core.params import Param, ParamError
from guinet.gui.wheel_guard import guard

INT_LIMIT = 2**31 - 1


class ScientificSpinBox(QDoubleSpinBox):
    """A float spin box that shows 1e-05 as ``1e-05`` rather than ``0.00``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDecimals(12)
        self.setKeyboardTracking(False)

    def textFromValue(self, value: float) -> str:  # noqa: N802
        return f"{value:.6g}"

    def valueFromText(self, text: str) -> float:  # noqa: N802
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(  # type: ignore[override]  # PySide6 returns the tuple
        self, text: str, pos: int
    ) -> tuple[QValidator.State, str, int]:
        stripped = text.strip()
        if not stripped:
            return QValidator.State.Intermediate, text, pos
        try:
            value = float(stripped)
        except ValueError:
            partial = stripped.rstrip("eE+-.")
            ok = not partial or partial.replace(".", "", 1).lstrip("+-").isdigit()
            state = QValidator.State.Intermediate if ok else QValidator.State.Invalid
            return state, text, pos
        if self.minimum() <= value <= self.maximum():
            return QValidator.State.Acceptable, text, pos
        return QValidator.State.Intermediate, text, pos

    def stepBy(self, steps: int) -> None:  # noqa: N802
        value = self.value()
        if self.property("log_scale") and value > 0:
            self.setValue(value * (10.0**steps))
        else:
            super().stepBy(steps)
        self.editingFinished.emit()


class ParamEditor(QWidget):
    """Base: one parameter's editor with an inline error line."""

    value_edited = Signal(object)

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.param = param
        self.error = QLabel()
        self.error.setObjectName("editorError")
        self.error.setWordWrap(True)
        self.error.hide()
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)

    def _add(self, widget: QWidget) -> None:
        self._layout.addWidget(widget)
        self._layout.addWidget(self.error)
        widget.setToolTip(tooltip(self.param.name, self.param.help))

    @Slot(object)
    def _emit(self, value: Any) -> None:
        self.value_edited.emit(value)

    def show_error(self, message: str | None) -> None:
        self.error.setText(message or "")
        self.error.setVisible(bool(message))

    def value(self) -> Any:
        raise NotImplementedError

    def commit(self) -> None:
        """Take in what is typed but not yet committed (a button pressed
        while the field still has the focus must see it)."""

    def set_value(self, value: Any) -> None:
        raise NotImplementedError


class IntEditor(ParamEditor):
    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.spin = QSpinBox()
        guard(self.spin)
        self.spin.setKeyboardTracking(False)
        low = (
            -INT_LIMIT
            if param.minimum is None
            else int(param.minimum) + int(param.exclusive_min)
        )
        high = (
            INT_LIMIT
            if param.maximum is None
            else int(param.maximum) - int(param.exclusive_max)
        )
        self.spin.setRange(low, high)
        self.spin.setAccelerated(True)
        self.spin.valueChanged.connect(self._emit)
        self._add(self.spin)

    def value(self) -> int:
        return self.spin.value()

    def set_value(self, value: Any) -> None:
        self.spin.blockSignals(True)
        self.spin.setValue(int(value) if value is not None else self.spin.minimum())
        self.spin.blockSignals(False)


class FloatEditor(ParamEditor):
    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.spin = ScientificSpinBox()
        guard(self.spin)
        self.spin.setProperty("log_scale", param.log_scale)
        low = -1e12 if param.minimum is None else param.minimum
        high = 1e12 if param.maximum is None else param.maximum
        if param.exclusive_min:
            low = math.nextafter(low, math.inf) if low != 0 else 1e-12
        if param.exclusive_max:
            step = param.step or 0.01
            high = high - step / 10
        self.spin.setRange(low, high)
        self.spin.setSingleStep(param.step or 0.1)
        self.spin.valueChanged.connect(self._emit)
        self._add(self.spin)

    def value(self) -> float:
        return self.spin.value()

    def set_value(self, value: Any) -> None:
        self.spin.blockSignals(True)
        self.spin.setValue(float(value))
        self.spin.blockSignals(False)


class BoolEditor(ParamEditor):
    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.check = QCheckBox(param.help)
        self.check.toggled.connect(self._emit)
        self._add(self.check)

    def value(self) -> bool:
        return self.check.isChecked()

    def set_value(self, value: Any) -> None:
        self.check.blockSignals(True)
        self.check.setChecked(bool(value))
        self.check.blockSignals(False)


class ChoiceEditor(ParamEditor):
    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.combo = QComboBox()
        guard(self.combo)
        for choice in param.choices:
            self.combo.addItem(param.choice_label(choice), choice)
        self.combo.activated.connect(self._on_activated)
        self._add(self.combo)

    @Slot(int)
    def _on_activated(self, row: int) -> None:
        self.value_edited.emit(self.combo.itemData(row))

    def value(self) -> Any:
        return self.combo.currentData()

    def set_value(self, value: Any) -> None:
        self.combo.setCurrentIndex(max(0, self.combo.findData(value)))


class TextEditor(ParamEditor):
    """Free text parsed by the declaration: ``3``, ``3, 5``, ``same``, or empty."""

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.line = QLineEdit()
        hints = []
        if param.kind == "ints":
            hints.append("e.g. 3 or 3, 5")
        elif param.kind == "shape":
            hints.append("e.g. 1, 28, 28")
        elif param.kind == "texts":
            hints.append("separated by commas, e.g. ?, NA")
        if param.choices:
            hints.append(" / ".join(str(c) for c in param.choices))
        if param.optional:
            hints.append(f"empty: {param.none_label}")
        self.line.setPlaceholderText("; ".join(hints))
        self.line.editingFinished.connect(self._commit)
        self._add(self.line)
        self._current: Any = None

    def commit(self) -> None:
        self._commit()

    @Slot()
    def _commit(self) -> None:
        try:
            value = self.param.parse(self.line.text())
        except ParamError as exc:
            self.show_error(str(exc))
            return
        self.show_error(None)
        if value != self._current:
            self._current = value
            self.value_edited.emit(value)

    def value(self) -> Any:
        return self._current

    def set_value(self, value: Any) -> None:
        self._current = value
        self.line.setText("" if value is None else self.param.format(value))
        self.show_error(None)


def make_editor(param: Param, parent: QWidget | None = None) -> ParamEditor:
    if param.kind == "bool":
        return BoolEditor(param, parent)
    if param.kind == "choice":
        return ChoiceEditor(param, parent)
    if param.kind == "int" and not param.optional:
        return IntEditor(param, parent)
    if param.kind == "float" and not param.optional:
        return FloatEditor(param, parent)
    return TextEditor(param, parent)
