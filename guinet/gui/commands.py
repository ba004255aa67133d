"""Undoable edits. Every change a person makes goes through one of these.

Each command calls the core API (:class:`~guinet.core.model.LayerStack`,
:class:`~guinet.core.model.ModelSpec`, :meth:`Project.set_value`) and knows
how to reverse itself; views never change the project directly. All the
commands live here, and one generic :class:`SetField` sets any field of the
``data`` or ``training`` section — including a setting that reaches a
running run, which listens to the project rather than to the form, so Undo
reaches it too. :func:`apply_fix` turns a preflight
:class:`~guinet.core.session.Fix` into one undoable step.
"""

from __future__ import annotations

import copy
import time
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QUndoCommand, QUndoStack

from guinet.core.model import LayerSpec, ModelSpec, format_shape
from guinet.core.sections import UNSET

if TYPE_CHECKING:
    from guinet.core.project import Project
    from guinet.core.session import Edit, Fix

_UNSET = object()
SET_PARAM_ID = 1001
SET_FIELD_ID = 1002
#: Edits of one field closer together than this merge into one undo step.
MERGE_SECONDS = 2.0


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


class SetField(QUndoCommand):
    """Set one field of ``data`` or ``training`` by its dotted ``path``
    (:data:`UNSET` removes it).

    Edits of one field in quick succession (a spin box stepped, a number
    typed) merge into one step; an edit made more than
    :data:`MERGE_SECONDS` after the last is a step of its own, so Undo after
    a run goes back to the value it ran with, not to the one before.
    """

    def __init__(self, project: Project, path: str, value: Any, text: str = "") -> None:
        words = path.split(".", 1)[-1].replace("_", " ").replace(".", " ")
        super().__init__(text or f"Change {words}")
        self._project, self._path = project, path
        self._old = copy.deepcopy(project.value(path))
        self._new = copy.deepcopy(value)
        self._at = time.monotonic()
        # the first edit of a project with no data creates its data section;
        # undoing it must leave no data, not a default section
        self._no_data_before = path.startswith("data") and project.data is None

    def id(self) -> int:
        return SET_FIELD_ID

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802
        if not isinstance(other, SetField) or other._path != self._path:
            return False
        if other._at - self._at > MERGE_SECONDS:
            return False
        self._new, self._at = other._new, other._at
        return True

    def redo(self) -> None:
        self._project.set_value(self._path, copy.deepcopy(self._new))

    def undo(self) -> None:
        if self._no_data_before:
            self._project.set_data(None)
        else:
            self._project.set_value(self._path, copy.deepcopy(self._old))


def set_field(
    stack: QUndoStack, project: Project, path: str, value: Any, text: str = ""
) -> bool:
    """Push a :class:`SetField` unless the field already holds ``value``."""
    if project.value(path) == value and value is not UNSET:
        return False
    if value is UNSET and project.value(path) is UNSET:
        return False
    stack.push(SetField(project, path, value, text))
    return True


def edit_command(project: Project, edit: Edit) -> QUndoCommand:
    """The undoable command for one preflight :class:`Edit`."""
    model = project.model
    if edit.kind == "set_value":
        return SetField(project, edit.path, edit.value)
    if edit.kind == "set_layer_param":
        return SetParam(model, edit.index, edit.name, edit.value)
    if edit.kind == "insert_layer":
        assert edit.layer is not None
        return InsertLayer(model, edit.index, LayerSpec.from_dict(edit.layer))
    if edit.kind == "set_input_shape":
        return SetInputShape(model, edit.value)
    raise ValueError(f"unknown edit {edit.kind!r}")


def apply_fix(stack: QUndoStack, project: Project, fix: Fix) -> None:
    """Make ``fix`` one undoable step (a macro when it has several edits)."""
    if len(fix.edits) == 1:
        command = edit_command(project, fix.edits[0])
        command.setText(fix.label)
        stack.push(command)
        return
    stack.beginMacro(fix.label)
    try:
        for edit in fix.edits:
            stack.push(edit_command(project, edit))
    finally:
        stack.endMacro()


class RestoreSettings(QUndoCommand):
    """Replace the project's ``model``, ``data`` and ``training`` with
    ``sections`` (a recorded run's settings, read by
    :func:`~guinet.core.run_listing.restorable_sections`) in one step; Undo
    puts back what the project had. The model is edited in place (its layer
    stack is the one the designer shows); the project's other keys (its
    name, a lesson, hints, keys guinet does not know) stay."""

    def __init__(self, project: Project, sections: dict[str, Any], text: str) -> None:
        super().__init__(text)
        self._project = project
        self._new = copy.deepcopy(sections)
        model = project.model.to_dict()
        data = project.data.to_dict() if project.data is not None else None
        self._old = {
            "model": model,
            "data": data,
            "training": project.training.to_dict(),
        }

    def redo(self) -> None:
        self._apply(self._new)

    def undo(self) -> None:
        self._apply(self._old)

    def _apply(self, sections: dict[str, Any]) -> None:
        project = self._project
        raw_model = copy.deepcopy(sections["model"])
        fresh = ModelSpec.from_dict(raw_model)  # checked when the command was made
        model = project.model
        model.extra = {
            key: value
            for key, value in raw_model.items()
            if key not in ("layers", "input_shape")
        }
        layers = model.layers
        for index in range(len(layers) - 1, -1, -1):
            layers.pop(index)
        for index, spec in enumerate(fresh.layers):
            layers.insert(index, spec)
        model.set_input_shape(fresh.input_shape)
        project.set_data(copy.deepcopy(sections["data"]))
        project.set_training(copy.deepcopy(sections["training"]))


SET_SEARCH_ID = 1003


class SetSearch(QUndoCommand):
    """Replace the project's ``search`` section with ``section`` (a dict, or
    ``None`` for no search) in one step; Undo puts back what it had.

    ``merge_key`` names a study setting edited from a spin box: edits of the
    same setting in quick succession merge into one step (as
    :class:`SetField` does); entry edits never merge.
    """

    def __init__(
        self,
        project: Project,
        section: dict[str, Any] | None,
        text: str,
        merge_key: str = "",
    ) -> None:
        super().__init__(text)
        self._project = project
        old = project.search
        self._old = None if old is None else copy.deepcopy(old.to_dict())
        self._new = copy.deepcopy(section)
        self._key = merge_key
        self._at = time.monotonic()

    def id(self) -> int:
        return SET_SEARCH_ID if self._key else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802
        if not isinstance(other, SetSearch) or not self._key:
            return False
        if other._key != self._key or other._at - self._at > MERGE_SECONDS:
            return False
        self._new, self._at = other._new, other._at
        return True

    def redo(self) -> None:
        self._project.set_search(copy.deepcopy(self._new))

    def undo(self) -> None:
        self._project.set_search(copy.deepcopy(self._old))
