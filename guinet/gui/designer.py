"""The Model page: palette, layer stack (with input and totals bars), and the
inspector beside the model's PyTorch code (the Code tab)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from guinet.core.layers import LAYERS
from guinet.core.model import LayerSpec, ModelSpec, format_shape
from guinet.core.params import Param, ParamError
from guinet.core.session import Finding, Session
from guinet.core.summary import buffers_size, params_size
from guinet.gui import commands, torch_loader
from guinet.gui.code_view import ModelCodeView
from guinet.gui.inspector import LayerInspector
from guinet.gui.layer_stack import LayerStackModel, LayerStackView
from guinet.gui.palette import LayerPalette
from guinet.gui.presentation import mark_side_panel
from guinet.gui.widgets import titled

_SHAPE = Param("input shape", "shape", minimum=1, optional=True)


class InputBar(QWidget):
    """The input shape: typed by hand until data supplies it."""

    shape_edited = Signal(object)  # tuple[int, ...] | None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inputBar")
        title = QLabel("Input")
        title.setObjectName("barTitle")
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("e.g. 8  or  1, 28, 28")
        self.edit.setToolTip(
            "The shape of one sample, without the batch: 8 features, or "
            "channels, height, width for images. Loading data fills it in."
        )
        self.edit.setMaximumWidth(180)
        self.edit.editingFinished.connect(self._commit)
        self.error = QLabel()
        self.error.setObjectName("editorError")
        self.source = QLabel()
        self.source.setObjectName("muted")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(title)
        layout.addWidget(self.edit)
        layout.addWidget(self.source)
        layout.addWidget(self.error, 1)
        self._shape: tuple[int, ...] | None = None

    def set_locked(self, locked: bool) -> None:
        """With data loaded the input shape comes from it and is not typed."""
        self.edit.setReadOnly(locked)
        self.edit.setToolTip(
            "Set by the loaded data."
            if locked
            else "The shape of one sample, without "
            "the batch: 8 features, or channels, height, width for images."
        )
        self.source.setText("from the data" if locked else "")

    def set_shape(self, shape: tuple[int, ...] | None) -> None:
        self._shape = shape
        self.edit.setText(_SHAPE.format(list(shape)) if shape else "")
        self.error.clear()

    @Slot()
    def _commit(self) -> None:
        try:
            value = _SHAPE.parse(self.edit.text())
        except ParamError:
            self.error.setText(
                "⚠ type whole numbers separated by commas, e.g. 1, 28, 28"
            )
            return
        problem = _SHAPE.problem(value)
        if problem:
            self.error.setText("⚠ every size must be at least 1")
            return
        self.error.clear()
        shape = tuple(value) if value else None
        if shape != self._shape:
            self.shape_edited.emit(shape)


class TotalsBar(QWidget):
    """Total parameters, memory and the model's output shape, and whether the
    output fits the data (with a button that fixes it)."""

    fix_requested = Signal()  # the Fix button of the finding shown

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("totalsBar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setWordWrap(True)
        self.fix_button = QPushButton("Fix")
        self.fix_button.setObjectName("modelFix")
        self.fix_button.clicked.connect(self.fix_requested)
        self.fix_button.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.fix_button, 0, Qt.AlignmentFlag.AlignBottom)

    def text(self) -> str:
        return self.label.text()

    def setText(self, text: str) -> None:  # noqa: N802 (QLabel's name)
        self.label.setText(text)

    def show_analysis(
        self, stack_model: LayerStackModel, finding: Finding | None = None
    ) -> None:
        """The totals, then the model's most urgent preflight finding (with its
        Fix button), or the layer error the analysis found."""
        fix = finding.fix if finding is not None else None
        self.fix_button.setVisible(fix is not None)
        if fix is not None:
            self.fix_button.setToolTip(fix.label)
        analysis = stack_model.analysis
        if analysis is None:
            message = torch_loader.error() or "Loading PyTorch…"
            self.setText(message)
            return
        layers = len(analysis.layers)
        text = (
            f"<b>{layers}</b> layer{'s' if layers != 1 else ''} · "
            f"<b>{analysis.total_params:,}</b> parameters "
            f"({analysis.trainable_params:,} trainable, "
            f"{params_size(analysis)}) · "
        )
        buffers = buffers_size(analysis)
        if buffers is not None:
            text += f"{buffers} of running statistics · "
        text += f"output <b>{format_shape(analysis.output_shape)}</b>"
        problem = analysis.first_error
        if problem is not None:
            index, message = problem
            where = f"layer {index + 1}: " if index is not None else ""
            text += f"<br><span style='color:#dc2626'>⚠ {where}{message}</span>"
        elif finding is not None:
            text += f"<br><span style='color:#b45309'>⚠ {finding.message}</span>"
        self.setText(text)


class ModelDesigner(QWidget):
    """Palette | stack | inspector, bound to one :class:`ModelSpec` at a time.

    The views only *request* changes; this widget turns each request into an
    undoable command on ``undo_stack``.
    """

    status_message = Signal(str)

    def __init__(
        self, session: Session, undo_stack: QUndoStack, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.undo_stack = undo_stack
        self.layer_palette = LayerPalette()
        self.input_bar = InputBar()
        self.view = LayerStackView()
        self.totals = TotalsBar()
        self.inspector = LayerInspector()
        self.code_view = ModelCodeView()
        self.stack_model: LayerStackModel | None = None

        center = QWidget()
        center.setObjectName("stackPanel")
        column = QVBoxLayout(center)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.input_bar)
        column.addWidget(self.view, 1)
        column.addWidget(self.totals)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(mark_side_panel(titled("Layers", self.layer_palette)))
        self.splitter.addWidget(titled("Model", center))
        # the inspector and the model's code share the right-hand pane
        self.side_tabs = QTabWidget()
        self.side_tabs.setObjectName("sideTabs")
        self.side_tabs.setDocumentMode(True)
        self.side_tabs.addTab(self.inspector, "Inspector")
        self.side_tabs.addTab(self.code_view, "Code")
        self.side_tabs.setTabToolTip(1, "The PyTorch code of this model")
        self.side_tabs.currentChanged.connect(self._on_side_tab_changed)
        self.splitter.addWidget(mark_side_panel(self.side_tabs))
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.splitter.setSizes([250, 560, 320])
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.splitter)

        self.view.insert_requested.connect(self.insert_layer)
        self.view.move_requested.connect(self.move_layer)
        self.view.remove_requested.connect(self.remove_layer)
        self.layer_palette.layer_activated.connect(self.append_layer)
        self.inspector.param_edited.connect(self.set_param)
        self.input_bar.shape_edited.connect(self.set_input_shape)
        self.totals.fix_requested.connect(self.apply_fix)
        #: The model finding shown under the totals (from the session's preflight).
        self.finding: Finding | None = None
        session.project_changed.connect(self._on_project_bound)
        session.data_changed.connect(self._on_data_changed)
        session.changed.connect(self._on_analysis_changed)
        self._on_project_bound()

    @property
    def model(self) -> ModelSpec:
        assert self.stack_model is not None, "bind() a model first"
        return self.stack_model.spec

    # -- edits (each one undoable) --------------------------------------------------
    @Slot(int, str)
    def insert_layer(self, index: int, key: str) -> None:
        if key not in LAYERS:
            self.status_message.emit(f"Unknown layer type {key!r}")
            return
        self.undo_stack.push(
            commands.InsertLayer(self.model, index, LayerSpec.new(key))
        )
        self.view.select_row(index)

    @Slot(str)
    def append_layer(self, key: str) -> None:
        self.insert_layer(len(self.model.layers), key)

    @Slot(int, int)
    def move_layer(self, source: int, destination: int) -> None:
        count = len(self.model.layers)
        if source == destination or not (
            0 <= source < count and 0 <= destination < count
        ):
            return
        self.undo_stack.push(commands.MoveLayer(self.model, source, destination))
        self.view.select_row(destination)

    @Slot(int)
    def remove_layer(self, index: int) -> None:
        if not 0 <= index < len(self.model.layers):
            return
        self.undo_stack.push(commands.RemoveLayer(self.model, index))
        self.view.select_row(min(index, len(self.model.layers) - 1))

    @Slot(int, str, object)
    def set_param(self, index: int, name: str, value: object) -> None:
        self.undo_stack.push(commands.SetParam(self.model, index, name, value))

    @Slot(object)
    def set_input_shape(self, shape: tuple[int, ...] | None) -> None:
        self.undo_stack.push(commands.SetInputShape(self.model, shape))

    @Slot()
    def delete_selected(self) -> None:
        row = self.view.current_row()
        if row is not None:
            self.remove_layer(row)

    @Slot()
    def duplicate_selected(self) -> None:
        row = self.view.current_row()
        if row is None:
            return
        copy = self.model.layers[row].copy()
        self.undo_stack.push(
            commands.InsertLayer(self.model, row + 1, copy, f"Duplicate {copy.type}")
        )
        self.view.select_row(row + 1)

    @Slot()
    def move_selected_up(self) -> None:
        row = self.view.current_row()
        if row is not None:
            self.move_layer(row, row - 1)

    @Slot()
    def move_selected_down(self) -> None:
        row = self.view.current_row()
        if row is not None:
            self.move_layer(row, row + 1)

    # -- binding ----------------------------------------------------------------

    def bind(self, model: ModelSpec) -> None:
        old = self.stack_model
        self.stack_model = LayerStackModel(model, self)
        self.view.setModel(self.stack_model)
        self.view.selectionModel().currentChanged.connect(self._on_current_changed)
        self.stack_model.analysis_changed.connect(self._on_analysis_changed)
        self.stack_model.rowsRemoved.connect(self._on_rows_removed)
        self.inspector.set_stack_model(self.stack_model)
        model.input_shape_changed.connect(self._on_input_shape_changed)
        if old is not None:
            old.spec.input_shape_changed.disconnect(self._on_input_shape_changed)
            old.detach()
            old.deleteLater()
        self.input_bar.set_shape(model.input_shape)
        self._on_analysis_changed()

    @Slot()
    def refresh(self) -> None:
        """Recompute the analysis (e.g. when torch has just loaded)."""
        if self.stack_model is not None:
            self.stack_model.refresh()

    @Slot()
    def _on_analysis_changed(self) -> None:
        if self.stack_model is not None:
            self.finding = self.model_finding()
            self.totals.show_analysis(self.stack_model, self.finding)
            self.view.doItemsLayout()
            self.code_view.show_model(self.stack_model.spec)

    @Slot(int)
    def _on_side_tab_changed(self, index: int) -> None:
        """Showing the code: widen the pane (from the stack's) until its
        lines fit, as far as the stack can spare."""
        if self.side_tabs.widget(index) is not self.code_view:
            return
        sizes = self.splitter.sizes()
        wanted = self.code_view.code_width()
        if len(sizes) == 3 and sizes[2] < wanted:
            give = min(wanted - sizes[2], max(0, sizes[1] - 440))
            self.splitter.setSizes([sizes[0], sizes[1] - give, sizes[2] + give])

    # -- data and the session ----------------------------------------------------
    def _on_project_bound(self) -> None:
        self.bind(self.session.project.model)
        self._on_data_changed()

    def _on_data_changed(self) -> None:
        """The data decides the input shape (not an undo step: it follows it)."""
        prepared = self.session.prepared
        self.input_bar.set_locked(prepared is not None)
        if prepared is not None and self.stack_model is not None:
            self.session.follow_data_shape()
        self._on_analysis_changed()

    def model_finding(self) -> Finding | None:
        """The first model problem preflight finds (the output against the
        data and the loss), or ``None``; layer errors are shown by the stack."""
        if not torch_loader.is_ready() or torch_loader.error() is not None:
            return None
        for finding in self.session.preflight():
            if finding.area == "model" and finding.blocking:
                return finding
        return None

    def output_mismatch(self) -> str | None:
        """Why the model's output does not fit the data, or ``None``."""
        finding = self.model_finding()
        return finding.message if finding is not None else None

    @Slot()
    def apply_fix(self) -> None:
        """Apply the fix of the finding shown (one undoable step)."""
        finding = self.model_finding()
        if finding is not None and finding.fix is not None:
            commands.apply_fix(self.undo_stack, self.session.project, finding.fix)

    fix_output_size = apply_fix

    def _on_input_shape_changed(self) -> None:
        if self.stack_model is not None:
            self.input_bar.set_shape(self.stack_model.spec.input_shape)

    def _on_current_changed(self, current, _previous) -> None:  # type: ignore[no-untyped-def]
        self.inspector.show_layer(current.row() if current.isValid() else None)

    def _on_rows_removed(self, *_args: object) -> None:
        row = self.view.current_row()
        self.inspector.show_layer(row)
