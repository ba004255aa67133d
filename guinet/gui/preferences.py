"""Edit ▸ Preferences: what the person sets once and keeps.

The theme (light, dark, or the system's), the device runs use when a
project says ``auto``, the folders the Open/Save dialogs start in and that
holds the checkpoints of projects without a folder of their own, the UI scale
(the View menu's zoom) and whether the start page shows at launch. Stored
with QSettings (:func:`guinet.gui.main_window.settings`), applied at once.

The core stays Qt-free: the device reaches it as a plain value
(:attr:`guinet.core.session.Session.default_device`), the checkpoint folder
as ``$GUINET_CHECKPOINTS_DIR`` (:func:`guinet.core.training.folders.checkpoints_root`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from guinet.gui.appearance import (
    SYSTEM_THEME,
    THEME_KEY,
    ZOOM_KEY,
    ZOOM_STEPS,
    saved_look,
    saved_theme_choice,
)
from guinet.gui.start_flow import SHOW_START_PAGE_KEY

if TYPE_CHECKING:
    from guinet.gui.main_window import MainWindow

DEVICE_KEY = "preferences/device"
PROJECTS_FOLDER_KEY = "preferences/projects_folder"
CHECKPOINTS_FOLDER_KEY = "preferences/checkpoints_folder"
#: The page shown last (a tab's name), opened again at the next launch.
LAST_PAGE_KEY = "window/page"

THEME_CHOICES = {"light": "Light", "dark": "Dark", SYSTEM_THEME: "Follow the system"}
DEVICE_CHOICES = {
    "auto": "Auto (the best device here)",
    "cpu": "CPU",
    "cuda": "CUDA GPU",
    "mps": "Apple GPU (MPS)",
}
CHECKPOINTS_VARIABLE = "GUINET_CHECKPOINTS_DIR"  # folders.CHECKPOINTS_DIR_VARIABLE
#: $GUINET_CHECKPOINTS_DIR as guinet was started with (an empty preference
#: leaves it so).
_STARTED_WITH = os.environ.get(CHECKPOINTS_VARIABLE)


@dataclass(frozen=True)
class Preferences:
    """Every preference, as plain values (``""``: the default folder)."""

    theme: str = "light"
    device: str = "auto"
    projects_folder: str = ""
    checkpoints_folder: str = ""
    zoom: float = 1.0
    show_start_page: bool = True

    @classmethod
    def load(cls, store: QSettings) -> Preferences:
        device = str(store.value(DEVICE_KEY, "auto"))
        return cls(
            theme=saved_theme_choice(store),
            device=device if device in DEVICE_CHOICES else "auto",
            projects_folder=str(store.value(PROJECTS_FOLDER_KEY, "") or ""),
            checkpoints_folder=str(store.value(CHECKPOINTS_FOLDER_KEY, "") or ""),
            zoom=saved_look(store).zoom,
            show_start_page=bool(store.value(SHOW_START_PAGE_KEY, True, type=bool)),
        )

    def save(self, store: QSettings) -> None:
        store.setValue(THEME_KEY, self.theme)
        store.setValue(DEVICE_KEY, self.device)
        store.setValue(PROJECTS_FOLDER_KEY, self.projects_folder)
        store.setValue(CHECKPOINTS_FOLDER_KEY, self.checkpoints_folder)
        store.setValue(ZOOM_KEY, self.zoom)
        store.setValue(SHOW_START_PAGE_KEY, self.show_start_page)


def reset_preferences(store: QSettings) -> None:
    """Forget every preference (the defaults apply again)."""
    for key in (
        THEME_KEY,
        DEVICE_KEY,
        PROJECTS_FOLDER_KEY,
        CHECKPOINTS_FOLDER_KEY,
        ZOOM_KEY,
        SHOW_START_PAGE_KEY,
    ):
        store.remove(key)


def folder_problem(text: str) -> str | None:
    """Why a typed folder cannot be used (``None``: it can, or it is empty)."""
    text = text.strip()
    if not text:
        return None
    path = Path(text).expanduser()
    if not path.is_absolute():
        return f"{text} is not a full path (start it with / or ~)"
    if not path.is_dir():
        return f"{path} is not an existing folder"
    return None


def use_checkpoints_folder(folder: str) -> None:
    """Point the core at the chosen folder for checkpoints (empty: the
    default, or what guinet was started with)."""
    if folder.strip():
        os.environ[CHECKPOINTS_VARIABLE] = str(Path(folder.strip()).expanduser())
    elif _STARTED_WITH is not None:
        os.environ[CHECKPOINTS_VARIABLE] = _STARTED_WITH
    else:
        os.environ.pop(CHECKPOINTS_VARIABLE, None)


def apply_preferences(window: MainWindow, prefs: Preferences) -> None:
    """Save ``prefs`` and apply them to ``window`` at once."""
    from guinet.gui.main_window import settings

    prefs.save(settings())
    window.view_controls.set_theme(prefs.theme, prefs.zoom)  # one restyle
    apply_run_preferences(window, prefs)
    page = window.start_page
    if page is not None and page.show_at_launch.isChecked() != prefs.show_start_page:
        page.show_at_launch.setChecked(prefs.show_start_page)


def apply_run_preferences(window: MainWindow, prefs: Preferences) -> None:
    """The preferences the core reads (the device, the checkpoint folder)."""
    window.session.default_device = prefs.device
    use_checkpoints_folder(prefs.checkpoints_folder)


def projects_folder() -> Path | None:
    """The preferred folder for projects, when set and still there."""
    from guinet.gui.main_window import settings

    text = str(settings().value(PROJECTS_FOLDER_KEY, "") or "").strip()
    if not text or folder_problem(text):
        return None
    return Path(text).expanduser()


class FolderField(QWidget):
    """A folder typed or picked; empty means the default (the placeholder)."""

    def __init__(self, name: str, default: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit()
        self.edit.setObjectName(name)
        self.edit.setPlaceholderText(default)
        self.edit.setClearButtonEnabled(True)
        self.edit.setToolTip(f"Empty: {default}")
        self.browse = QPushButton("Browse…")
        self.browse.setObjectName(f"{name}Browse")
        self.browse.clicked.connect(self._browse)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.browse)

    def text(self) -> str:
        return self.edit.text().strip()

    def set_text(self, text: str) -> None:
        self.edit.setText(text)

    @Slot()
    def _browse(self) -> None:
        start = self.text() or str(Path.home())
        chosen = QFileDialog.getExistingDirectory(self, "Choose a folder", start)
        if chosen:
            self.edit.setText(chosen)


class PreferencesDialog(QDialog):
    """Edit ▸ Preferences…: OK and Apply apply at once; Reset asks first."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        from guinet.core.training.folders import user_data_dir
        from guinet.gui.main_window import settings

        self.window_ = window
        self.setObjectName("preferencesDialog")
        self.setWindowTitle("Preferences")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        layout.addLayout(form)

        self.theme = QComboBox()
        self.theme.setObjectName("theme")
        for key, text in THEME_CHOICES.items():
            self.theme.addItem(text, key)
        form.addRow("&Theme:", self.theme)
        self.zoom = QComboBox()
        self.zoom.setObjectName("zoom")
        for step in ZOOM_STEPS:
            self.zoom.addItem(f"{step:.0%}", step)
        self.zoom.setToolTip(
            "The size of text and controls (View ▸ Zoom, Ctrl+= / Ctrl+-)"
        )
        form.addRow("UI &scale:", self.zoom)
        self.device = QComboBox()
        self.device.setObjectName("device")
        for key, text in DEVICE_CHOICES.items():
            self.device.addItem(text, key)
        self.device.setToolTip(
            "Runs of projects whose device is Auto (new projects) train here; "
            "a device this computer lacks falls back to the best one here"
        )
        form.addRow("Default &device:", self.device)
        self.projects = FolderField("projectsFolder", "the last project's folder")
        form.addRow("&Projects folder:", self.projects)
        self.checkpoints = FolderField(
            "checkpointsFolder", str(user_data_dir() / "checkpoints")
        )
        self.checkpoints.setToolTip(
            "Where the checkpoints of unsaved projects and examples go (a saved "
            "project keeps its own beside its file)"
        )
        form.addRow("&Checkpoints folder:", self.checkpoints)
        self.show_start = QCheckBox("Show the start page at launch")
        self.show_start.setObjectName("showStartPage")
        form.addRow("", self.show_start)
        self.problem = QLabel()
        self.problem.setObjectName("problemText")
        self.problem.setWordWrap(True)
        self.problem.hide()
        layout.addWidget(self.problem)
        layout.addStretch(1)

        button = QDialogButtonBox.StandardButton
        self.buttons = QDialogButtonBox(
            button.Ok | button.Cancel | button.Apply | button.RestoreDefaults
        )
        self.ok_button = self.buttons.button(button.Ok)
        self.apply_button = self.buttons.button(button.Apply)
        self.reset_button = self.buttons.button(button.RestoreDefaults)
        self.reset_button.setText("&Reset…")
        self.reset_button.setToolTip("Every preference back to its default")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.apply_button.clicked.connect(self.apply)
        self.reset_button.clicked.connect(self.reset)
        layout.addWidget(self.buttons)
        for edit in (self.projects.edit, self.checkpoints.edit):
            edit.textChanged.connect(self._check)
        self.show_preferences(Preferences.load(settings()))
        self.resize(max(560, self.sizeHint().width()), self.sizeHint().height())

    # -- values -------------------------------------------------------------------
    def show_preferences(self, prefs: Preferences) -> None:
        self.theme.setCurrentIndex(self.theme.findData(prefs.theme))
        zoom = min(ZOOM_STEPS, key=lambda step: abs(step - prefs.zoom))
        self.zoom.setCurrentIndex(ZOOM_STEPS.index(zoom))
        self.device.setCurrentIndex(self.device.findData(prefs.device))
        self.projects.set_text(prefs.projects_folder)
        self.checkpoints.set_text(prefs.checkpoints_folder)
        self.show_start.setChecked(prefs.show_start_page)
        self._check()

    def preferences(self) -> Preferences:
        """What the dialog shows now."""
        return Preferences(
            theme=str(self.theme.currentData()),
            device=str(self.device.currentData()),
            projects_folder=self.projects.text(),
            checkpoints_folder=self.checkpoints.text(),
            zoom=float(self.zoom.currentData()),
            show_start_page=self.show_start.isChecked(),
        )

    @Slot()
    def _check(self) -> bool:
        problems = [
            f"{label}: {why}"
            for label, field in (
                ("Projects folder", self.projects),
                ("Checkpoints folder", self.checkpoints),
            )
            if (why := folder_problem(field.text()))
        ]
        self.problem.setText("\n".join(problems))
        self.problem.setVisible(bool(problems))
        self.ok_button.setEnabled(not problems)
        self.apply_button.setEnabled(not problems)
        return not problems

    # -- buttons -------------------------------------------------------------------
    @Slot()
    def apply(self) -> bool:
        if not self._check():
            return False
        apply_preferences(self.window_, self.preferences())
        return True

    def accept(self) -> None:
        if self.apply():
            super().accept()

    @Slot()
    def reset(self) -> None:
        """Every preference back to its default, after asking."""
        from guinet.gui.main_window import settings

        answer = QMessageBox.question(
            self,
            "Reset preferences",
            "Set every preference back to its default (theme, scale, device, "
            "folders, start page)?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        reset_preferences(settings())
        defaults = Preferences()
        self.show_preferences(defaults)
        apply_preferences(self.window_, defaults)
