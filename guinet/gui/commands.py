"""Undoable edits. Every change a person makes goes through one of these.

Each command calls the core API (:class:`~guinet.core.model.LayerStack`,
:class:`~guinet.core.model.ModelSpec`) and knows how to reverse itself; views
never change the model directly.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QUndoCommand

from guinet.core.model import LayerSpec, ModelSpec, format_shape

_UNSET = object()
SET_PARAM_ID = 1001


class InsertLayer(QUndoCommand):
    def __init__(
        self, model: ModelSpec, index: int, spec: LayerSpec, text: str = ""
    ) -> None:
        super().__init__(text or f"Add {spec.type}")
        self._model, self._index, self._spec = model, index, spec

    def redo(self) -> None:
        self._model.layers.insert(self._index, self._spec)

    def undo(self) -> None:
        self._model.layers.pop(self._index)


class RemoveLayer(QUndoCommand):
    def __init__(self, model: ModelSpec, index: int) -> None:
        self._model, self._index = model, index
        self._spec = model.layers[index]
        super().__init__(f"Delete {self._spec.type}")

    def redo(self) -> None:
        self._model.layers.pop(self._index)

    def undo(self) -> None:
        self._model.layers.insert(self._index, self._spec)


class MoveLayer(QUndoCommand):
    def __init__(self, model: ModelSpec, source: int, destination: int) -> None:
        super().__init__(f"Move {model.layers[source].type}")
        self._model, self._source, self._destination = model, source, destination

    def redo(self) -> None:
        self._model.layers.move(self._source, self._destination)

    def undo(self) -> None:
        self._model.layers.move(self._destination, self._source)


class SetParam(QUndoCommand):
    """Set one argument. Consecutive edits of the same argument merge into one step."""

    def __init__(self, model: ModelSpec, index: int, name: str, value: Any) -> None:
        spec = model.layers[index]
        super().__init__(f"Set {spec.type} {name}")
        self._model, self._index, self._name = model, index, name
        self._old = spec.params.get(name, _UNSET)
        self._new = value

    def id(self) -> int:
        return SET_PARAM_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetParam) or (other._index, other._name) != (
            self._index,
            self._name,
        ):
            return False
        self._new = other._new
        return True

    def redo(self) -> None:
        self._apply(self._new)

    def undo(self) -> None:
        self._apply(self._old)

    def _apply(self, value: Any) -> None:
        if value is _UNSET:
            self._model.layers.set_param(self._index, self._name)
        else:
            self._model.layers.set_param(self._index, self._name, value)


class SetInputShape(QUndoCommand):
    def __init__(self, model: ModelSpec, shape: tuple[int, ...] | None) -> None:
        super().__init__(f"Set input shape {format_shape(shape)}")
        self._model, self._old, self._new = model, model.input_shape, shape

    def redo(self) -> None:
        self._model.set_input_shape(self._new)

    def undo(self) -> None:
        self._model.set_input_shape(self._old)
