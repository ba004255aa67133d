"""Try a model of one value per feature: a field per feature, the output beside.

Numbers get a spin box with the training split's range written beside it
(in orange once a value leaves it: the model never saw such a value),
categories and yes/no columns a combo box; each starts at the training
split's typical value. Every change predicts again at once — a row through
a tiny model costs well under a millisecond (``benchmarks/predict_update.py``),
so it runs on the GUI thread. "Pick a test row" fills the fields with a row
of the test split and shows its truth beside the prediction.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from guinet.gui.prediction_bars import ProbabilityBars

if TYPE_CHECKING:
    from guinet.core.predict_fields import FeatureField
    from guinet.core.trained import TrainedModel

#: Spin boxes accept values this many training ranges beyond the range.
BEYOND = 10.0
#: Widest a feature's name is shown (longer names are elided, in full as tips).
NAME_WIDTH = 240


def number_spin(field: FeatureField) -> QDoubleSpinBox:
    """A spin box for ``field``: its decimals, a step of about a hundredth
    of its range, room to go well beyond the training range."""
    spin = QDoubleSpinBox()
    spin.setDecimals(field.decimals)
    span = field.high - field.low
    room = BEYOND * span if span > 0 else max(1.0, abs(field.high)) * BEYOND
    spin.setRange(field.low - room, field.high + room)
    step = 10.0 ** (math.floor(math.log10(span)) - 1) if span > 0 else 1.0
    spin.setSingleStep(max(step, 10.0**-field.decimals))
    spin.setValue(float(field.typical))
    spin.setKeyboardTracking(True)  # the output follows each key typed
    spin.setAlignment(Qt.AlignmentFlag.AlignRight)
    spin.setMinimumWidth(110)
    return spin


class RowPredictor(QWidget):
    """Fields for one row of ``trained``'s features and its prediction."""

    def __init__(
        self,
        trained: TrainedModel,
        fields: list[FeatureField],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("rowPredictor")
        self.trained = trained
        self.fields = fields
        self.editors: dict[str, QDoubleSpinBox | QComboBox] = {}
        self.range_labels: dict[str, QLabel] = {}
        self._filling = False
        self._build()
        self.predict_now()

    # -- building ------------------------------------------------------------------
    def _build(self) -> None:
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(16)

        grid_box = QWidget()
        grid = QGridLayout(grid_box)
        grid.setContentsMargins(4, 4, 12, 4)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(6)
        metrics = self.fontMetrics()
        for row, field in enumerate(self.fields):
            shown = metrics.elidedText(
                field.name, Qt.TextElideMode.ElideRight, NAME_WIDTH
            )
            name = QLabel(shown)
            name.setToolTip(field.name)
            editor: QDoubleSpinBox | QComboBox
            if field.kind == "number":
                editor = number_spin(field)
                editor.valueChanged.connect(self._on_edited)
            else:
                editor = QComboBox()
                editor.setSizeAdjustPolicy(
                    QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
                )
                editor.setMinimumContentsLength(12)
                editor.addItems(list(field.categories))
                editor.setCurrentText(str(field.typical))
                editor.currentIndexChanged.connect(self._on_edited)
            editor.setObjectName(f"field:{field.name}")
            span = QLabel(field.range_text or f"{len(field.categories)} values")
            span.setObjectName("muted")
            self.editors[field.name] = editor
            self.range_labels[field.name] = span
            name.setBuddy(editor)
            grid.addWidget(name, row, 0)
            grid.addWidget(editor, row, 1)
            grid.addWidget(span, row, 2)
        grid.setColumnStretch(2, 1)
        grid.setRowStretch(len(self.fields), 1)
        scroll = QScrollArea()
        scroll.setObjectName("fieldScroll")
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidgetResizable(True)
        grid_box.setObjectName("fieldGrid")
        grid_box.setAutoFillBackground(False)
        scroll.viewport().setAutoFillBackground(False)
        scroll.setWidget(grid_box)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        fields_title = QLabel("Inputs (in the data's own units)")
        fields_title.setObjectName("panelTitle")
        hint = QLabel(
            "Change a value (type, or use the arrows): the prediction follows. "
            "Each field starts at the training split's typical value."
        )
        hint.setObjectName("help")
        hint.setWordWrap(True)
        left = QVBoxLayout()
        left.addWidget(fields_title)
        left.addWidget(hint)
        left.addWidget(scroll, 1)
        layout.addLayout(left, 1)

        right = QVBoxLayout()
        right.setSpacing(6)
        title = QLabel("Prediction")
        title.setObjectName("panelTitle")
        right.addWidget(title)
        self.bars = ProbabilityBars()
        self.value_label = QLabel()
        self.value_label.setObjectName("predictedValue")
        self.value_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.message = QLabel()
        self.message.setObjectName("dataMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        regression = self.trained.prepared.task == "regression"
        self.bars.setVisible(not regression)
        right.addWidget(self.bars)
        right.addWidget(self.value_label)
        right.addWidget(self.message)

        pick_title = QLabel("Pick a test row")
        pick_title.setObjectName("panelTitle")
        right.addSpacing(8)
        right.addWidget(pick_title)
        rows = len(self.trained.prepared.x_test)
        pick = QHBoxLayout()
        pick.addWidget(QLabel("Row"))
        self.test_row = QSpinBox()
        self.test_row.setObjectName("testRow")
        self.test_row.setRange(0, rows)
        self.test_row.setSpecialValueText("—")  # 0: none picked
        self.test_row.setEnabled(rows > 0)
        self.test_row.valueChanged.connect(self._on_test_row)
        pick.addWidget(self.test_row)
        pick.addWidget(QLabel(f"of the test split's {rows:,}"))
        pick.addStretch(1)
        right.addLayout(pick)
        self.truth_label = QLabel(
            "Choose a row: its values fill the fields, its true answer shows here."
            if rows
            else "The test split is empty (Data page ▸ split)."
        )
        self.truth_label.setObjectName("truthLabel")
        self.truth_label.setWordWrap(True)
        right.addWidget(self.truth_label)
        right.addStretch(1)
        layout.addLayout(right, 1)

    # -- values and predictions ----------------------------------------------------
    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, editor in self.editors.items():
            if isinstance(editor, QDoubleSpinBox):
                out[name] = editor.value()
            else:
                out[name] = editor.currentText()
        return out

    @Slot()
    def _on_edited(self) -> None:
        if self._filling:
            return
        if self.test_row.value():
            self._filling = True
            self.test_row.setValue(0)  # the fields no longer hold that row
            self._filling = False
            self.truth_label.setText("Your own values (no truth to compare with).")
        self.predict_now()

    @Slot(int)
    def _on_test_row(self, number: int) -> None:
        if self._filling or number == 0:
            return
        from guinet.core.predict_fields import split_row

        row = split_row(self.trained.prepared, number - 1)
        self._filling = True
        try:
            for name, value in row.values.items():
                editor = self.editors[name]
                if isinstance(editor, QDoubleSpinBox):
                    editor.setValue(float(value))
                else:
                    editor.setCurrentText(str(value))
        finally:
            self._filling = False
        predicted = self.predict_now()
        truth = row.truth
        if isinstance(truth, str):
            mark = "✓ right" if predicted == truth else "✗ wrong"
            text = f"Truth: <b>{truth}</b> · predicted: <b>{predicted}</b> ({mark})"
        else:
            shown = ", ".join(f"{v:.4g}" for v in truth)
            text = f"Truth: <b>{shown}</b> · predicted: <b>{predicted}</b>"
        self.truth_label.setText(text)
        self.truth = truth

    def predict_now(self) -> str | None:
        """Predict the fields' row; the predicted class (or value text)."""
        from guinet.core.data import DataError
        from guinet.core.predict import one_thread, predict_array
        from guinet.core.predict_fields import row_inputs

        values = self.values()
        for field in self.fields:
            if field.kind == "number":
                outside = not field.low <= values[field.name] <= field.high
                label = self.range_labels[field.name]
                label.setStyleSheet("color: #b45309;" if outside else "")
                label.setToolTip(
                    "Outside the training range: the model never saw such a value."
                    if outside
                    else ""
                )
        try:
            x = row_inputs(self.trained.prepared, values)
            with one_thread():
                result = predict_array(self.trained, x)
        except DataError as exc:
            self.message.setText(str(exc))
            self.message.show()
            return None
        self.message.hide()
        self.last_input = x
        if result.probabilities is not None:
            self.bars.set_probabilities(result.class_names, result.probabilities[0])
            best = result.labels[0]
            share = float(result.probabilities[0].max())
            self.value_label.setText(f"Predicted: <b>{best}</b> ({100 * share:.1f} %)")
            return best
        assert result.values is not None
        names = result.target_names or ["value"]
        text = ", ".join(
            f"{n} = {v:.4g}" for n, v in zip(names, result.values[0], strict=False)
        )
        self.value_label.setText(f"Predicted: <b>{text}</b>")
        return text
