"""File ▸ Export…: the trained model written as a file other tools read.

The dialog is a view of :data:`~guinet.core.export.EXPORTERS`: it lists every
declared format (a new declaration shows up with no change here), builds the
chosen format's options from its Param declarations, and runs
:func:`~guinet.core.export.export_project` off the GUI thread. What stops an
export is said inside the dialog, where the person is looking: a format
whose extra package is missing (greyed, with the ``pip install``), no
trained weights yet, a folder that does not exist or cannot be written, a
model that cannot be built. A file that would be replaced is asked about
first; the project file and the checkpoint read are never replaced.

The weights are the session's (:meth:`~guinet.core.session.Session.weights_path`:
the run just ended, the checkpoint loaded on the Train page, else the
project's newest best), or a checkpoint chosen here for this export only.
The last format and folder are remembered across launches.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from guinet.core.export import EXPORTERS, ExportFormat, missing_modules
from guinet.gui.export_text import (
    NO_WEIGHTS,
    as_sentence,
    breakable,
    file_name_for,
    install_hint,
    with_suffix,
)
from guinet.gui.param_form import ParamForm
from guinet.gui.tasks import BackgroundTask

if TYPE_CHECKING:
    from guinet.core.session import Session

KEY_ROLE = Qt.ItemDataRole.UserRole
#: QSettings keys: the last format chosen, the folder last exported to and
#: the project that export was of (its folder is offered again only for it).
FORMAT_KEY = "export/format"
FOLDER_KEY = "export/folder"
PROJECT_KEY = "export/project"


class ExportDialog(QDialog):
    """Choose a format, its options, the file and the weights; Export.

    ``exported`` carries the paths written (the model file first) once an
    export succeeded; ``failed`` the message shown when a started export
    failed (what the checks before the start find is only shown).
    """

    exported = Signal(list)
    failed = Signal(str)

    def __init__(
        self, session: Session, settings: QSettings, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.settings = settings
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export the trained model")
        #: a checkpoint chosen here (``None``: the session's weights)
        self.chosen_weights: Path | None = None
        #: the files the last successful export wrote
        self.written: list[Path] = []
        self.task = BackgroundTask("export", self)
        self.task.succeeded.connect(self._on_succeeded)
        self.task.failed.connect(self._on_failed)
        self.task.running_changed.connect(self._on_running_changed)
        self._build()
        self._fill_formats()
        self._show_weights()

    # -- building -----------------------------------------------------------------
    def _build(self) -> None:
        self.formats = QListWidget()
        self.formats.setObjectName("exportFormats")
        self.formats.setWordWrap(True)
        self.formats.setSizePolicy(
            QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding
        )
        self.formats.setFixedWidth(230)
        self.formats.currentItemChanged.connect(self._on_format_changed)

        self.title = QLabel()
        self.title.setObjectName("inspectorTitle")
        self.help = QLabel()
        self.help.setObjectName("help")
        self.help.setWordWrap(True)
        self.options = ParamForm(help_below=True)

        self.output = QLineEdit()
        self.output.setObjectName("exportOutput")
        self.output.setPlaceholderText("The file to write")
        self.output.setClearButtonEnabled(True)
        self.browse_button = QPushButton("Browse…")
        self.browse_button.clicked.connect(self._browse)
        output_row = QHBoxLayout()
        output_row.setContentsMargins(0, 0, 0, 0)
        output_row.addWidget(self.output, 1)
        output_row.addWidget(self.browse_button)
        self.output_note = QLabel(
            "The preprocessing (scaling, encodings, class names) goes beside it "
            "as NAME.preprocessing.json."
        )
        self.output_note.setObjectName("help")
        self.output_note.setWordWrap(True)

        self.weights = QLabel()
        self.weights.setObjectName("exportWeights")
        self.weights.setWordWrap(True)
        self.weights.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.weights_button = QPushButton("Choose checkpoint…")
        self.weights_button.setToolTip(
            "Export the weights of another checkpoint file (for this export only)"
        )
        self.weights_button.clicked.connect(self._choose_weights)
        self.weights_note = QLabel()
        self.weights_note.setObjectName("help")
        self.weights_note.setWordWrap(True)
        weights_text = QVBoxLayout()
        weights_text.setSpacing(2)
        weights_text.addWidget(self.weights)
        weights_text.addWidget(self.weights_note)
        weights_row = QHBoxLayout()
        weights_row.setContentsMargins(0, 0, 0, 0)
        weights_row.addLayout(weights_text, 1)
        weights_row.addWidget(self.weights_button, 0, Qt.AlignmentFlag.AlignTop)

        file_box = QGroupBox("File")
        file_layout = QVBoxLayout(file_box)
        file_layout.addLayout(output_row)
        file_layout.addWidget(self.output_note)
        self.weights_box = QGroupBox("Weights")
        QVBoxLayout(self.weights_box).addLayout(weights_row)
        self.options_box = QGroupBox("Options")
        QVBoxLayout(self.options_box).addWidget(self.options)

        self.busy = QProgressBar()
        self.busy.setObjectName("exportBusy")
        self.busy.setRange(0, 0)  # no steps to count: a busy indicator
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(8)
        self.busy.hide()
        self.message = QLabel()
        self.message.setObjectName("exportMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.message.hide()
        self.open_folder_button = QPushButton("Open folder")
        self.open_folder_button.setToolTip("Show the exported files")
        self.open_folder_button.clicked.connect(self.open_folder)
        self.open_folder_button.hide()
        message_row = QHBoxLayout()
        message_row.setContentsMargins(0, 0, 0, 0)
        message_row.addWidget(self.message, 1)
        message_row.addWidget(self.open_folder_button, 0, Qt.AlignmentFlag.AlignTop)

        details = QVBoxLayout()
        details.setSpacing(6)
        details.addWidget(self.title)
        details.addWidget(self.help)
        details.addWidget(self.options_box)
        details.addWidget(file_box)
        details.addWidget(self.weights_box)
        details.addStretch(1)
        details.addWidget(self.busy)
        details.addLayout(message_row)

        top = QHBoxLayout()
        top.addWidget(self.formats)
        top.addLayout(details, 1)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.export_button = QPushButton("Export")
        self.export_button.setObjectName("exportButton")
        self.export_button.setDefault(True)
        self.buttons.addButton(
            self.export_button, QDialogButtonBox.ButtonRole.ActionRole
        )
        self.close_button = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        self.export_button.clicked.connect(self.export)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top, 1)
        layout.addWidget(self.buttons)
        self.setMinimumSize(640, 400)
        self.resize(800, 520)

    def _fill_formats(self) -> None:
        """One entry per declared format; those missing a package are greyed,
        with the reason and the ``pip install`` that fixes it."""
        remembered = str(self.settings.value(FORMAT_KEY, "", type=str))
        first: QListWidgetItem | None = None
        for key, declared in EXPORTERS.items():
            if declared.write is None:
                continue  # declared, but nothing writes it yet
            item = QListWidgetItem(declared.label)
            item.setData(KEY_ROLE, key)
            missing = missing_modules(declared)
            if missing:
                hint = install_hint(declared, missing)
                item.setText(f"{declared.label}\n{hint}")
                item.setToolTip(f"{declared.help}\n\nNot available here: {hint}")
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            else:
                item.setToolTip(declared.help)
            self.formats.addItem(item)
            if missing:
                continue
            if first is None or key == remembered:
                first = item
        if first is not None:
            self.formats.setCurrentItem(first)
        else:
            self._show_format(None)

    # -- the chosen format ---------------------------------------------------------
    def item_for(self, key: str) -> QListWidgetItem | None:
        for row in range(self.formats.count()):
            item = self.formats.item(row)
            if item.data(KEY_ROLE) == key:
                return item
        return None

    @property
    def format(self) -> ExportFormat | None:
        item = self.formats.currentItem()
        if item is None or not item.flags() & Qt.ItemFlag.ItemIsEnabled:
            return None
        return EXPORTERS.get(str(item.data(KEY_ROLE)))

    @Slot(QListWidgetItem, QListWidgetItem)
    def _on_format_changed(
        self, current: QListWidgetItem | None, _previous: QListWidgetItem | None
    ) -> None:
        declared = self.format
        previous = EXPORTERS.get(str(_previous.data(KEY_ROLE))) if _previous else None
        self._show_format(declared, previous)

    def _show_format(
        self, declared: ExportFormat | None, previous: ExportFormat | None = None
    ) -> None:
        self._clear_message()
        if declared is None:
            self.title.setText("No format available")
            self.help.setText(
                "Every format needs a package that is not installed; each entry "
                "says which."
            )
            self.options.set_params(())
            self.export_button.setEnabled(False)
            return
        self.title.setText(declared.label)
        self.help.setText(declared.help)
        self.options.set_params(declared.params)
        self.options.show_values({})
        self.options_box.setVisible(bool(declared.params))
        self.output_note.setVisible(declared.needs_weights)
        self._suggest_output(declared, previous)
        self._show_weights()
        self.export_button.setEnabled(not self.task.running)

    def option_values(self) -> dict[str, Any]:
        return {name: editor.value() for name, editor in self.options.editors.items()}

    # -- the output file -------------------------------------------------------------
    def _default_folder(self) -> Path:
        """The folder last exported to for this project, else the project's
        folder; an unsaved project: the last folder, else the home folder."""
        project = self.session.project.path
        folder = str(self.settings.value(FOLDER_KEY, "", type=str))
        last_project = str(self.settings.value(PROJECT_KEY, "", type=str))
        same_project = project is None or last_project == str(project)
        if folder and same_project and Path(folder).is_dir():
            return Path(folder)
        if project is not None:
            return project.parent
        return Path.home()

    def _suggest_output(
        self, declared: ExportFormat, previous: ExportFormat | None
    ) -> None:
        """Keep the folder and name typed so far; give it the format's suffix."""
        text = self.output.text().strip()
        if text:
            old = previous.suffix if previous is not None else None
            self.output.setText(str(with_suffix(Path(text), old, declared.suffix)))
            return
        project = self.session.project
        stem = project.path.stem if project.path else file_name_for(project.name)
        self.output.setText(str(self._default_folder() / f"{stem}{declared.suffix}"))

    def output_path(self) -> Path | None:
        """The typed file; a relative one is taken from the project's folder."""
        text = self.output.text().strip()
        if not text:
            return None
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = self._default_folder() / path
        return path

    @Slot()
    def _browse(self) -> None:
        declared = self.format
        if declared is None:
            return
        suffix = declared.suffix
        current = self.output_path() or self._default_folder()
        chosen, _ = QFileDialog.getSaveFileName(
            self,
            f"Export as {declared.label}",
            str(current),
            f"{declared.label} (*{suffix});;All files (*)",
            options=QFileDialog.Option.DontConfirmOverwrite,  # asked on Export
        )
        if not chosen:
            return
        if suffix and not Path(chosen).suffix:
            chosen += suffix
        self.output.setText(chosen)
        self._clear_message()

    # -- the weights -----------------------------------------------------------------
    def weights_path(self) -> Path | None:
        """The checkpoint chosen here, else the session's."""
        if self.chosen_weights is not None:
            return self.chosen_weights
        return self.session.weights_path()

    def _show_weights(self) -> None:
        declared = self.format
        needed = declared is None or declared.needs_weights
        self.weights_box.setEnabled(needed)
        if not needed:
            self.weights.setText("Not needed: this format writes no trained weights.")
            self.weights.setToolTip("")
            self.weights_note.hide()
            return
        self.weights_note.show()
        path = self.weights_path()
        if path is None:
            self.weights.setText("None yet.")
            self.weights.setToolTip("")
            self.weights_note.setText(
                "Train the model first, or load weights on the Train page, or "
                "choose a checkpoint file."
            )
            return
        self.weights.setText(f"{breakable(path.name)}\n{breakable(path.parent)}")
        self.weights.setToolTip(str(path))
        self.weights_note.setText(
            "Chosen here, for this export."
            if self.chosen_weights is not None
            else "The weights in use: the last run's, or those loaded on the Train "
            "page."
        )

    @Slot()
    def _choose_weights(self) -> None:
        current = self.weights_path()
        start = current.parent if current is not None else self._default_folder()
        chosen, _ = QFileDialog.getOpenFileName(
            self,
            "Export the weights of",
            str(start),
            "Checkpoints (*.ckpt);;All files (*)",
        )
        if chosen:
            self.chosen_weights = Path(chosen)
            self._show_weights()
            self._clear_message()

    # -- exporting -------------------------------------------------------------------
    @Slot()
    def export(self) -> None:
        """Check what can be checked here, ask before replacing, then export
        off the GUI thread."""
        from guinet.core.export import ExportError, check_output, files_replaced

        declared = self.format
        if declared is None or self.task.running:
            return
        checkpoint = self.weights_path() if declared.needs_weights else None
        if declared.needs_weights and checkpoint is None:
            self._show_error(NO_WEIGHTS)
            return
        self.options.commit()
        wrong = [
            editor.param.title
            for editor in self.options.editors.values()
            if not editor.error.isHidden()
        ]
        if wrong:
            self._show_error(f"Fix the option {', '.join(wrong)} first (see above).")
            return
        output = self.output_path()
        if output is None:
            self._show_error("Say where to save the export: a file name, or Browse….")
            return
        try:
            output = check_output(self.session, output, checkpoint)
        except ExportError as exc:
            self._show_error(as_sentence(str(exc), self.session.project.display_name))
            return
        replaced = files_replaced(declared.key, output)
        if replaced and not self._may_replace(replaced):
            self._show_error(
                "Nothing was written: choose another name, or agree to replace."
            )
            return
        self._clear_message()
        session, key, options = self.session, declared.key, self.option_values()

        def work(_progress: Any, _cancelled: Any) -> list[Path]:
            from guinet.core.export import export_project

            return export_project(session, key, output, checkpoint, options)

        self._remember(output)
        self.task.start(work)

    def _may_replace(self, files: list[Path]) -> bool:
        names = "\n".join(f"  {file.name}" for file in files)
        answer = QMessageBox.question(
            self,
            "Replace the files?",
            f"These files are already in {files[0].parent}:\n{names}\n\n"
            "Replace them with the export?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _remember(self, output: Path) -> None:
        declared = self.format
        if declared is not None:
            self.settings.setValue(FORMAT_KEY, declared.key)
        self.settings.setValue(FOLDER_KEY, str(output.parent))
        project = self.session.project.path
        self.settings.setValue(PROJECT_KEY, str(project) if project else "")

    @Slot(bool)
    def _on_running_changed(self, running: bool) -> None:
        self.busy.setVisible(running)
        for widget in (
            self.export_button,
            self.formats,
            self.options,
            self.output,
            self.browse_button,
            self.close_button,
        ):
            widget.setEnabled(not running)
        if not running:
            self._show_weights()

    @Slot(object)
    def _on_succeeded(self, written: object) -> None:
        files = [Path(p) for p in written] if isinstance(written, list) else []
        self.written = files
        if files:
            folder = files[0].parent
            names = "\n".join(f"• {breakable(file.name)}" for file in files)
            self._show_message(
                f"Exported. Wrote in {breakable(folder)}:\n{names}", "done"
            )
            self.open_folder_button.show()
        self.exported.emit(files)

    @Slot(object)
    def _on_failed(self, error: object) -> None:
        from guinet.core.export import ExportError

        if isinstance(error, ExportError):
            text = as_sentence(str(error), self.session.project.display_name)
        else:  # a writer's bug must still not crash the window
            text = f"The export failed: {type(error).__name__}: {error}"
        self._show_error(text)
        self.failed.emit(text)

    @Slot()
    def open_folder(self) -> None:
        if self.written:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.written[0].parent)))

    # -- the message line ------------------------------------------------------------
    def _show_error(self, text: str) -> None:
        self._show_message(text, "failed")

    def _show_message(self, text: str, state: str) -> None:
        self.message.setText(text)
        self.message.setProperty("state", state)
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.show()
        self.open_folder_button.hide()

    def _clear_message(self) -> None:
        self.message.clear()
        self.message.hide()
        self.open_folder_button.hide()

    def reject(self) -> None:
        """Close; an export under way is not cut short (it finishes in moments)."""
        if self.task.running:
            return
        super().reject()

    def done(self, result: int) -> None:
        self.task.stop()
        super().done(result)
