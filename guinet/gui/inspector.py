"""The inspector: the selected layer's arguments, with editors from the catalogue."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from guinet.core.model import LayerSpec, ModelSpec, format_shape
from guinet.gui.editors import ParamEditor
from guinet.gui.layer_stack import LayerStackModel
from guinet.gui.param_form import ParamForm


class LayerInspector(QScrollArea):
    """Shows one layer; edits become :attr:`param_edited` requests (undoable).

    It follows the layer, not the row: after a reorder (a drag, Alt+Up/Down,
    an undone move) the layer shown may sit at another row, and every model
    change is followed by fresh analysis, which is when :attr:`row` is found
    again — so the number, the facts and the edits all belong to that layer.
    """

    param_edited = Signal(int, str, object)  # (row, name, value)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inspector")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._stack_model: LayerStackModel | None = None
        self.row: int | None = None
        #: The layer shown (by identity), whatever row it has moved to.
        self.layer: LayerSpec | None = None
        self.editors: dict[str, ParamEditor] = {}
        self._show_placeholder()

    @property
    def spec(self) -> ModelSpec | None:
        return self._stack_model.spec if self._stack_model is not None else None

    def set_stack_model(self, stack_model: LayerStackModel) -> None:
        if self._stack_model is not None:
            self._stack_model.spec.layers.param_changed.disconnect(
                self._on_param_changed
            )
            self._stack_model.analysis_changed.disconnect(self._on_analysis_changed)
        self._stack_model = stack_model
        stack_model.spec.layers.param_changed.connect(self._on_param_changed)
        stack_model.analysis_changed.connect(self._on_analysis_changed)
        self.show_layer(None)

    # -- content --------------------------------------------------------------
    def _show_placeholder(self) -> None:
        self.editors = {}
        label = QLabel("Select a layer in the stack to see and edit its settings.")
        label.setWordWrap(True)
        label.setObjectName("muted")
        label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        label.setMargin(12)
        self.setWidget(label)

    def show_layer(self, row: int | None) -> None:
        spec = self.spec
        if spec is None or row is None or not 0 <= row < len(spec.layers):
            self.row = None
            self.layer = None
            self._show_placeholder()
            return
        self.row = row
        layer = self.layer = spec.layers[row]
        layer_type = layer.layer_type
        page = QWidget()
        page.setObjectName("inspectorPage")
        outer = QVBoxLayout(page)
        outer.setContentsMargins(12, 12, 12, 12)
        outer.setSpacing(8)

        title = QLabel(f"{row + 1}. {layer_type.label}")
        title.setObjectName("inspectorTitle")
        title.setWordWrap(True)
        outer.addWidget(title)
        explanation = QLabel(layer_type.explanation)
        explanation.setWordWrap(True)
        explanation.setObjectName("muted")
        outer.addWidget(explanation)

        self.error_label = QLabel()
        self.error_label.setObjectName("inspectorError")
        self.error_label.setWordWrap(True)
        outer.addWidget(self.error_label)

        self.shape_label = QLabel()
        self.shape_label.setObjectName("shapeInfo")
        self.shape_label.setWordWrap(True)
        self.shape_label.setTextFormat(Qt.TextFormat.RichText)
        outer.addWidget(self.shape_label)

        self.form = ParamForm(layer_type.params, help_below=True, names=True)
        self.form.show_values({p.name: layer.value(p.name) for p in layer_type.params})
        self.form.value_edited.connect(self._on_value_edited)
        self.editors = self.form.editors
        outer.addWidget(self.form)
        if not layer_type.params:
            none = QLabel("This layer has no settings.")
            none.setObjectName("muted")
            outer.addWidget(none)
        outer.addStretch(1)
        self.setWidget(page)
        self._on_analysis_changed()

    @Slot(str, object)
    def _on_value_edited(self, name: str, value: Any) -> None:
        if self.row is not None:
            self.param_edited.emit(self.row, name, value)

    # -- model events ---------------------------------------------------------
    def _on_param_changed(self, row: int, name: str) -> None:
        spec = self.spec
        if row == self.row and spec is not None and name in self.editors:
            self.editors[name].set_value(spec.layers[row].value(name))

    def _at_its_row(self) -> bool:
        """Whether the layer shown is still at :attr:`row`; if it has moved,
        show it again where it is now (or the placeholder if it is gone)."""
        layers = self.spec.layers if self.spec is not None else None
        row = self.row
        if layers is None or row is None:
            return False
        if row < len(layers) and layers[row] is self.layer:
            return True
        try:
            found: int | None = (
                layers.index(self.layer) if self.layer is not None else None
            )
        except ValueError:
            found = None
        self.show_layer(found)
        return False

    @Slot()
    def _on_analysis_changed(self) -> None:
        if self.row is None or self._stack_model is None:
            return
        if not self._at_its_row():
            return
        info = self._stack_model.info(self.row)
        if info is None:
            self.shape_label.setText("Shapes appear once PyTorch has loaded…")
            self.error_label.hide()
            return
        lines = [
            f"<b>Input</b> {format_shape(info.input_shape)} → "
            f"<b>output</b> {format_shape(info.output_shape)}",
        ]
        if info.output_shape is not None:
            lines.append(f"<b>Parameters</b> {info.params:,}")
        for name, value in info.inferred.items():
            lines.append(f"<b>{name}</b> = {value} <i>(from the input)</i>")
        self.shape_label.setText("<br>".join(lines))
        self.error_label.setText(f"⚠ {info.error}" if info.error else "")
        self.error_label.setVisible(bool(info.error))
