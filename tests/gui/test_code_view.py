"""The Code tab beside the designer: the model as PyTorch code, kept live."""

from __future__ import annotations

import torch
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from tests.gui.helpers import drop
from tests.gui.test_designer import gap_point, mlp


def show_code(window, qtbot):
    tabs = window.designer.side_tabs
    bar = tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(1).center())
    assert tabs.currentWidget() is window.designer.code_view
    return window.designer.code_view


def built(text: str) -> torch.nn.Module:
    namespace: dict = {}
    exec(compile(text, "<code view>", "exec"), namespace)
    return namespace["model"]


def test_code_follows_the_designer_and_builds_the_same_model(window, qtbot):
    mlp(window)
    code = show_code(window, qtbot)
    before = code.text()
    assert "nn.Linear(in_features=8, out_features=12)" in before

    # a person double-clicks Dropout in the palette: it is appended
    tree = window.designer.layer_palette.tree
    item = window.designer.layer_palette.item("Dropout")
    tree.scrollToItem(item)
    rect = tree.visualItemRect(item)
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: code.text() != before)
    text = code.text()
    assert text.endswith("    nn.Dropout(),  # (1,)\n)\n")

    # the code compiles and builds a module the size the designer counts
    model = built(text)
    analysis = window.designer.stack_model.analysis
    assert isinstance(model, torch.nn.Sequential) and len(model) == 6
    assert sum(p.numel() for p in model.parameters()) == analysis.total_params
    assert model(torch.zeros(3, 8)).shape == (3, 1)

    # Copy puts it on the clipboard
    qtbot.mouseClick(code.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == text


def test_an_invalid_stack_shows_code_up_to_the_problem(window, qtbot):
    mlp(window)
    code = show_code(window, qtbot)
    view = window.designer.view
    palette = window.designer.layer_palette
    drop(
        view.viewport(),
        palette.tree.mimeData([palette.item("Conv2d")]),
        gap_point(view, 1),
    )
    text = code.text()
    lines = text.splitlines()
    problem = next(i for i, line in enumerate(lines) if "# PROBLEM:" in line)
    assert "layer 2 (Conv2d)" in lines[problem]
    assert "nn.Linear(in_features=8, out_features=12)" in "\n".join(lines[:problem])
    # the layers from the problem on are listed as comments
    rest = [line.strip() for line in lines[problem + 1 :] if "# nn." in line]
    assert rest[0].startswith("# nn.Conv2d(") and len(rest) == 5
    model = built(text)  # still valid Python: the layers before the problem
    assert len(model) == 1

    window.undo_action.trigger()
    assert "PROBLEM" not in code.text()
