"""The one module of undo commands: SetField, its merging, and fixes."""

from __future__ import annotations

from PySide6.QtGui import QUndoStack

from guinet.core.project import Project
from guinet.core.sections import UNSET
from guinet.core.session import Session
from guinet.gui import commands


def test_quick_edits_of_a_field_merge_and_slow_ones_do_not(qapp, monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(commands.time, "monotonic", lambda: clock[0])
    project, stack = Project(), QUndoStack()
    path = "training.early_stopping.patience"
    commands.set_field(stack, project, path, 11)
    clock[0] += 0.3
    commands.set_field(stack, project, path, 12)  # typed on: one step
    assert stack.count() == 1
    clock[0] += 60  # a run later
    commands.set_field(stack, project, path, 5)
    assert stack.count() == 2
    stack.undo()
    assert project.training.early_stopping.patience == 12  # what the run had
    stack.undo()
    assert project.training.early_stopping.patience == 10


def test_removing_a_key_and_undoing_it(qapp):
    project, stack = Project(), QUndoStack()
    project.set_value("training.loss", {"type": "MSELoss"})
    assert not commands.set_field(stack, project, "training.loss", {"type": "MSELoss"})
    commands.set_field(stack, project, "training.loss", UNSET)
    assert project.training.loss is None and "loss" not in project.to_dict()["training"]
    stack.undo()
    assert project.training.loss is not None
    assert project.training.loss.type == "MSELoss"


def test_a_fix_with_several_edits_is_one_undo_step(qapp):
    raw = {
        "guinet": 1,
        "data": {"source": {"kind": "builtin", "name": "digits"}},
        "model": {"layers": [{"type": "Conv2d", "out_channels": 2, "kernel_size": 3}]},
        "training": {"loss": {"type": "CrossEntropyLoss"}},
    }
    session = Session(Project.from_dict(raw))
    session.prepare_data()
    finding = next(f for f in session.preflight().errors if f.fix is not None)
    stack = QUndoStack()
    commands.apply_fix(stack, session.project, finding.fix)
    assert stack.count() == 1
    types = [layer.type for layer in session.project.model.layers]
    assert types[-2:] == ["Flatten", "Linear"]
    stack.undo()
    assert [layer.type for layer in session.project.model.layers] == ["Conv2d"]


def test_undoing_the_first_data_edit_leaves_no_data(qapp):
    project, stack = Project(), QUndoStack()
    assert project.data is None
    commands.set_field(stack, project, "data.split.test", 0.3)
    assert project.data is not None and project.data.split.test == 0.3
    stack.undo()
    assert project.data is None
    stack.redo()
    assert project.data is not None and project.data.split.test == 0.3
