"""File ▸ Export…: real clicks and typing on the dialog, a real export off the
GUI thread, and the files checked with the tools that will read them.

The moons example is saved in tmp_path (so its checkpoints are written
there) and trained for three seeded epochs through the window's session.
"""

from __future__ import annotations

import importlib.util
import json
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QLabel, QLineEdit, QMessageBox

from guinet._resources import find_example
from guinet.core.export import EXPORTERS, ExportFormat, ExportRequest
from guinet.core.model import LayerSpec
from guinet.core.params import Param
from guinet.core.project import Project
from guinet.gui import export_dialog, export_text
from guinet.gui.export_dialog import ExportDialog
from tests.core.test_export_output import read_only_folder
from tests.gui.helpers import settle

LEFT = Qt.MouseButton.LeftButton
CTRL = Qt.KeyboardModifier.ControlModifier


def saved_moons(folder: Path) -> Path:
    example = find_example("moons_mlp")
    assert example is not None
    project = Project.load(example)
    project.set_value("training.epochs", 3)
    project.set_value("training.early_stopping.enabled", False)
    return project.save(folder / "moons.guinet")


@pytest.fixture
def untrained(window, qtbot, tmp_path):
    """The window on the moons project saved in tmp_path, nothing trained."""
    assert window.open_path(saved_moons(tmp_path), ask=False)
    settle(qtbot, window)
    return window


@pytest.fixture
def trained(untrained):
    """The same, trained for three epochs (the checkpoints are its weights)."""
    untrained.session.prepare_run().trainer.fit()
    assert untrained.session.weights_path() is not None
    return untrained


def jit_load(path: Path) -> torch.jit.ScriptModule:
    """``torch.jit.load``, quiet about its deprecation (the format is still
    what LibTorch and older tools load)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return torch.jit.load(str(path))


def open_export(qtbot, window) -> ExportDialog:
    """File ▸ Export… clicked in the menu bar's File menu."""
    bar = window.menuBar()
    file_action = next(a for a in bar.actions() if a.text() == "&File")
    qtbot.mouseClick(bar, LEFT, pos=bar.actionGeometry(file_action).center())
    menu = file_action.menu()
    qtbot.waitUntil(menu.isVisible, timeout=2_000)
    assert window.export_action in menu.actions()
    qtbot.mouseClick(menu, LEFT, pos=menu.actionGeometry(window.export_action).center())
    qtbot.waitUntil(lambda: window.export_dialog is not None, timeout=2_000)
    dialog = window.export_dialog
    qtbot.waitExposed(dialog)
    return dialog


def pick(qtbot, dialog: ExportDialog, key: str) -> None:
    """Click the format's entry in the list."""
    item = dialog.item_for(key)
    assert item is not None, f"{key} is not listed"
    rect = dialog.formats.visualItemRect(item)
    qtbot.mouseClick(dialog.formats.viewport(), LEFT, pos=rect.center())


def export(qtbot, dialog: ExportDialog, signal: str = "exported") -> None:
    with qtbot.waitSignal(getattr(dialog, signal), timeout=30_000):
        qtbot.mouseClick(dialog.export_button, LEFT)
    qtbot.waitUntil(lambda: not dialog.task.running, timeout=5_000)


def plain(label: QLabel) -> str:
    """A label's text as read (without the places a long path may wrap)."""
    return label.text().replace(export_text._BREAK, "")


def shown(dialog: ExportDialog) -> str:
    return plain(dialog.message)


def set_output(qtbot, dialog: ExportDialog, path: Path) -> None:
    """Type the path into the field, as a person does (Enter would export)."""
    dialog.output.setFocus()
    qtbot.keyClick(dialog.output, "a", CTRL)
    qtbot.keyClicks(dialog.output, str(path))
    assert dialog.output.text() == str(path)


def test_torchscript_through_the_menu_loads_with_torch_jit(
    trained, qtbot, tmp_path, monkeypatch
):
    window = trained
    dialog = open_export(qtbot, window)
    assert dialog.isModal() or dialog.windowModality() != 0
    pick(qtbot, dialog, "torchscript")
    assert dialog.format is not None and dialog.format.key == "torchscript"
    assert dialog.output.text() == str(tmp_path / "moons.pt")  # the project's
    assert dialog.weights_box.isEnabled()
    assert window.session.weights_path().name in plain(dialog.weights)
    folder = tmp_path / "out"
    folder.mkdir()
    set_output(qtbot, dialog, folder / "net.pt")
    with qtbot.waitSignal(dialog.exported, timeout=30_000):
        qtbot.mouseClick(dialog.export_button, LEFT)
        # off the GUI thread: the dialog shows it is busy and cannot be left
        assert dialog.task.running and dialog.busy.isVisible()
        assert not dialog.export_button.isEnabled()
        assert not dialog.close_button.isEnabled()
    qtbot.waitUntil(lambda: not dialog.task.running, timeout=5_000)
    assert not dialog.busy.isVisible() and dialog.export_button.isEnabled()

    model_file, sidecar = folder / "net.pt", folder / "net.preprocessing.json"
    assert dialog.written == [model_file, sidecar]
    module = jit_load(model_file)
    expected = window.session.trained().model
    x = torch.randn(5, 2)
    with torch.no_grad():
        assert torch.allclose(module(x), expected(x), atol=1e-6)
    assert json.loads(sidecar.read_text("utf-8"))["checkpoint"]["kind"] == "best"
    # the dialog and the status bar say what was written, and where
    text = shown(dialog)
    assert str(folder) in text and "net.pt" in text
    assert "net.preprocessing.json" in text
    status = window.statusBar().currentMessage()
    assert "net.pt" in status and "net.preprocessing.json" in status
    assert dialog.open_folder_button.isVisible()
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(opened.append))
    qtbot.mouseClick(dialog.open_folder_button, LEFT)
    assert opened == [QUrl.fromLocalFile(str(folder))]

    # the format and folder are remembered for the next time
    qtbot.mouseClick(dialog.close_button, LEFT)
    assert not dialog.isVisible()
    again = open_export(qtbot, window)
    assert again is not dialog
    assert again.format.key == "torchscript"
    assert again.output.text() == str(folder / "moons.pt")


def test_ctrl_e_opens_the_dialog(trained, qtbot):
    qtbot.keyClick(trained, "e", CTRL)
    qtbot.waitUntil(lambda: trained.export_dialog is not None, timeout=2_000)
    assert trained.export_dialog.isVisible()
    trained.export_dialog.close()


@pytest.mark.skipif(
    importlib.util.find_spec("safetensors") is None, reason="needs safetensors"
)
def test_the_weights_format_writes_safetensors_and_json(trained, qtbot, tmp_path):
    from safetensors.torch import load_file

    dialog = open_export(qtbot, trained)
    pick(qtbot, dialog, "weights")
    assert dialog.output.text() == str(tmp_path / "moons.safetensors")
    export(qtbot, dialog)
    weights, sidecar = (
        tmp_path / "moons.safetensors",
        tmp_path / "moons.preprocessing.json",
    )
    assert dialog.written == [weights, sidecar]
    state = load_file(str(weights))
    expected = trained.session.trained().model.state_dict()
    assert state.keys() == expected.keys()
    assert all(torch.equal(state[k], expected[k]) for k in expected)
    info = json.loads(sidecar.read_text("utf-8"))
    assert info["guinet_preprocessing"] == 1 and len(info["class_names"]) == 2
    assert info["checkpoint"]["file"] == trained.session.weights_path().name


def test_no_weights_says_train_first_and_writes_nothing(untrained, qtbot, tmp_path):
    dialog = open_export(qtbot, untrained)
    pick(qtbot, dialog, "torchscript")
    assert "None yet" in plain(dialog.weights)
    qtbot.mouseClick(dialog.export_button, LEFT)
    assert dialog.message.isVisible()
    text = shown(dialog)
    assert "no trained weights" in text and "Train it first" in text
    assert "load" in text
    assert not dialog.task.running
    assert not (tmp_path / "moons.pt").exists()
    assert not (tmp_path / "moons.preprocessing.json").exists()


def test_an_invalid_model_is_said_in_the_dialog(trained, qtbot, tmp_path):
    conv = {"type": "Conv2d", "out_channels": 4, "kernel_size": 3}
    trained.project.model.layers.insert(0, LayerSpec.from_dict(conv))
    dialog = open_export(qtbot, trained)
    pick(qtbot, dialog, "torchscript")
    export(qtbot, dialog, "failed")
    text = shown(dialog)
    assert "Conv2d" in text and not text.startswith("moons.guinet")
    assert not (tmp_path / "moons.pt").exists()
    assert dialog.isVisible()


def test_an_unwritable_folder_is_said_in_the_dialog(trained, qtbot, tmp_path):
    folder = read_only_folder(tmp_path)
    dialog = open_export(qtbot, trained)
    pick(qtbot, dialog, "torchscript")
    set_output(qtbot, dialog, folder / "net.pt")
    try:
        qtbot.mouseClick(dialog.export_button, LEFT)
    finally:
        if folder.is_relative_to(tmp_path):
            folder.chmod(0o755)
    assert "cannot be written to" in shown(dialog)
    assert not dialog.task.running
    assert not (folder / "net.pt").exists()


def test_a_missing_extra_is_listed_greyed_with_the_pip_command(
    trained, qtbot, monkeypatch
):
    def missing(declared: ExportFormat) -> list[str]:
        return ["onnx"] if declared.key == "onnx" else []

    monkeypatch.setattr(export_dialog, "missing_modules", missing)
    dialog = open_export(qtbot, trained)
    pick(qtbot, dialog, "torchscript")
    item = dialog.item_for("onnx")
    assert item is not None
    assert not item.flags() & item.flags().ItemIsEnabled
    assert 'pip install "guinet[onnx]"' in item.text()
    assert "onnx" in item.toolTip() and "pip install" in item.toolTip()
    pick(qtbot, dialog, "onnx")  # a click on it chooses nothing
    assert dialog.format.key == "torchscript"


def test_replacing_a_file_asks_and_no_leaves_it(trained, qtbot, tmp_path, dialogs):
    existing = tmp_path / "moons.pt"
    existing.write_bytes(b"keep me")
    dialog = open_export(qtbot, trained)
    pick(qtbot, dialog, "torchscript")
    assert dialog.output.text() == str(existing)
    dialogs.answers = [QMessageBox.StandardButton.No]
    qtbot.mouseClick(dialog.export_button, LEFT)
    (asked,) = dialogs.texts("question")
    assert "moons.pt" in asked
    assert existing.read_bytes() == b"keep me"
    assert not (tmp_path / "moons.preprocessing.json").exists()
    assert "Nothing was written" in shown(dialog)
    assert not dialog.task.running

    dialogs.answers = [QMessageBox.StandardButton.Yes]
    export(qtbot, dialog)
    jit_load(existing)  # replaced by the export


def test_the_project_file_is_never_offered_for_replacing(trained, qtbot, tmp_path):
    dialog = open_export(qtbot, trained)
    pick(qtbot, dialog, "torchscript")
    project_file = tmp_path / "moons.guinet"
    before = project_file.read_bytes()
    set_output(qtbot, dialog, project_file)
    qtbot.mouseClick(dialog.export_button, LEFT)  # no question: refused
    assert "is the project file" in shown(dialog)
    assert project_file.read_bytes() == before


@pytest.fixture
def greeting() -> Iterator[list[ExportRequest]]:
    """A format declared by a test (and taken away after it): it writes a
    text file from its one option and needs no weights."""
    requests: list[ExportRequest] = []

    def write(request: ExportRequest) -> list[Path]:
        requests.append(request)
        request.output.write_text(request.options["greeting"], "utf-8")
        return [request.output]

    declared = ExportFormat(
        key="greeting",
        label="Greeting card",
        suffix=".txt",
        help="A friendly text file, to show that any declared format is offered.",
        params=(Param("greeting", "str", "hello", "What the card says."),),
        needs_weights=False,
        write=write,
    )
    EXPORTERS.register("greeting", declared)
    try:
        yield requests
    finally:
        EXPORTERS.unregister("greeting")


def test_a_newly_declared_format_is_offered_with_its_options(
    untrained, qtbot, tmp_path, greeting
):
    dialog = open_export(qtbot, untrained)
    pick(qtbot, dialog, "greeting")
    assert dialog.title.text() == "Greeting card"
    assert "friendly" in dialog.help.text()
    assert not dialog.weights_box.isEnabled()  # no weights needed: none asked
    assert "Not needed" in plain(dialog.weights)
    assert dialog.output.text() == str(tmp_path / "moons.txt")
    editor = dialog.options.editors["greeting"]
    assert dialog.options_box.isVisible()
    line = editor.findChild(QLineEdit)
    qtbot.mouseClick(line, LEFT)
    qtbot.keyClick(line, "a", CTRL)
    qtbot.keyClicks(line, "bonjour")
    export(qtbot, dialog)  # the click takes the focus: the text is committed
    assert (tmp_path / "moons.txt").read_text("utf-8") == "bonjour"
    assert greeting[0].trained is None


def test_the_weights_loaded_or_chosen_are_the_ones_exported(
    trained, qtbot, tmp_path, dialogs
):
    best = trained.session.weights_path()
    assert best is not None and best.name.startswith("best-")
    last = best.parent / "last.ckpt"
    trained.session.use_weights(last)  # what "Load weights" on the Train page does
    dialog = open_export(qtbot, trained)
    pick(qtbot, dialog, "torchscript")
    assert "last.ckpt" in plain(dialog.weights)
    export(qtbot, dialog)
    sidecar = tmp_path / "moons.preprocessing.json"
    assert json.loads(sidecar.read_text("utf-8"))["checkpoint"]["kind"] == "last"

    # Choose checkpoint… picks another file for this export only
    dialogs.answers = [str(best)]
    qtbot.mouseClick(dialog.weights_button, LEFT)
    assert best.name in plain(dialog.weights) and "Chosen here" in (
        dialog.weights_note.text()
    )
    set_output(qtbot, dialog, tmp_path / "best.pt")
    export(qtbot, dialog)
    info = json.loads((tmp_path / "best.preprocessing.json").read_text("utf-8"))
    assert info["checkpoint"]["file"] == best.name
    assert trained.session.weights_path() == last  # the session's choice stays


def test_browse_offers_the_format_s_files_and_adds_its_suffix(
    trained, qtbot, tmp_path, monkeypatch
):
    asked: list[tuple[str, str]] = []

    def save_file_name(parent, caption, directory, filter, *args, **kwargs):
        asked.append((directory, filter))
        return str(tmp_path / "picked"), filter.split(";;")[0]

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save_file_name))
    dialog = open_export(qtbot, trained)
    pick(qtbot, dialog, "torchscript")
    qtbot.mouseClick(dialog.browse_button, LEFT)
    ((directory, filter),) = asked
    assert directory == str(tmp_path / "moons.pt")
    assert filter.startswith("TorchScript (*.pt)")
    assert dialog.output.text() == str(tmp_path / "picked.pt")
    pick(qtbot, dialog, "weights")  # another format: the same name, its suffix
    assert dialog.output.text() == str(tmp_path / "picked.safetensors")
