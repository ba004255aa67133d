"""Small consistencies: one model size in the window and in ``guinet summary``,
a saved project's name, and the examples' titles in File ▸ Open Example."""

from __future__ import annotations

import json
import re

from PySide6.QtWidgets import QMenu

from guinet._resources import example_projects, example_title, find_example
from guinet.core.summary import summary_table


def test_the_model_page_and_summary_give_the_digits_cnn_the_same_size(
    window, qtbot, capsys
):
    from guinet import cli

    digits = find_example("digits_cnn")
    assert digits is not None
    window.open_example(digits)
    label = window.designer.totals.label
    qtbot.waitUntil(lambda: "parameters" in label.text())
    shown = re.search(r"trainable, ([\d.]+ [KMG]?B)\)", label.text())
    assert shown is not None, label.text()

    assert cli.main(["summary", str(digits)]) == 0
    printed = re.search(r"Total params: [\d,]+ \(([^)]+)\)", capsys.readouterr().out)
    assert printed is not None
    assert shown.group(1) == printed.group(1) == "20.16 KB"
    # the BatchNorm buffers are said apart, in both, with the same figure
    table = summary_table(window.project.model)
    buffers = re.search(r"Buffers \(running statistics\): (.+)", table)
    assert buffers is not None
    assert f"{buffers.group(1)} of running statistics" in label.text()


def test_a_project_saved_as_my_guinet_is_called_my(window, dialogs, tmp_path):
    window.project.model.set_input_shape((3,))
    window.designer.append_layer("Linear")
    dialogs.answers.append(str(tmp_path / "my.guinet"))
    window.save_action.trigger()  # untitled: Save asks where
    assert window.project.name == "my"
    assert window.windowTitle() == "my.guinet[*] — guinet"
    saved = json.loads((tmp_path / "my.guinet").read_text(encoding="utf-8"))
    assert saved["name"] == "my"

    dialogs.answers.append(str(tmp_path / "lesson 2.guinet"))
    window.save_as_action.trigger()
    assert window.project.name == "lesson 2"
    assert window.windowTitle() == "lesson 2.guinet[*] — guinet"


def test_an_example_saved_under_another_name_keeps_its_title(window, dialogs, tmp_path):
    moons = find_example("moons_mlp")
    assert moons is not None
    window.open_example(moons)
    dialogs.answers.append(str(tmp_path / "mine.guinet"))
    window.save_action.trigger()
    assert window.project.name == "Two moons — a five-layer MLP"


def test_open_example_lists_titles_and_opens_the_chosen_one(window, qtbot):
    file_menu = window.menuBar().actions()[0].menu()
    assert isinstance(file_menu, QMenu)
    submenu = next(a.menu() for a in file_menu.actions() if a.text() == "Open &Example")
    assert submenu is window.examples_menu
    titles = [a.text() for a in submenu.actions()]
    assert titles == [example_title(p) for p in example_projects()]
    assert "Two moons — a five-layer MLP" in titles
    assert not any("_" in t or t == "moons mlp" for t in titles)

    # choose it as a person does: open the menu, then the entry
    submenu.popup(window.mapToGlobal(window.rect().center()))
    qtbot.waitUntil(submenu.isVisible)
    action = next(a for a in submenu.actions() if a.text().startswith("Two moons"))
    submenu.setActiveAction(action)
    action.trigger()
    submenu.hide()
    assert window.project.name == "Two moons — a five-layer MLP"
    assert window.project.path is None
    # the title says which example this is, and that it is not saved yet
    assert (
        window.windowTitle() == "Two moons — a five-layer MLP (not saved)[*] — guinet"
    )
    window.new_action.trigger()
    assert window.windowTitle() == "Untitled[*] — guinet"
