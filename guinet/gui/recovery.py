"""Autosave of an edited project, and the restore prompt after a crash.

:class:`AutoSaver` writes the window's project to its recovery file (see
:mod:`guinet.core.recovery`) every minute while it has unsaved changes, and
at every run start; a save, discarding the changes, another project or a
clean exit removes the file. :class:`RecoveryDialog` is the prompt the next
start shows for a file a crash left: the project's name, its file and when it
was saved, with Restore and Discard.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from guinet.core import recovery as core

if TYPE_CHECKING:
    from guinet.core.recovery import Recovery
    from guinet.gui.main_window import MainWindow

#: How often an edited project is written to its recovery file.
AUTOSAVE_MS = 60_000


class AutoSaver(QObject):
    """One window's recovery file: written while the project has unsaved
    changes, removed once it has none."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        #: this window's recovery file (one per window, whatever it shows)
        self.key = core.new_key()
        self.file = core.recovery_path(self.key)
        self.timer = QTimer(self)
        self.timer.setInterval(AUTOSAVE_MS)
        self.timer.timeout.connect(self.save_now)
        self.timer.start()
        window.undo_stack.cleanChanged.connect(self._on_clean_changed)

    @Slot()
    def save_now(self) -> Path | None:
        """Write the project if it has unsaved changes; the file, or ``None``."""
        window = self.window
        if not window.built or not window.is_modified:
            return None
        try:
            self.file = core.write_recovery(window.project, self.key)
        except (OSError, ValueError) as exc:
            window.statusBar().showMessage(f"Could not autosave: {exc}", 10000)
            return None
        return self.file

    def discard(self) -> None:
        """Remove the recovery file (the changes were saved or let go)."""
        try:
            core.remove_recovery(self.file)
        except OSError as exc:
            self.window.statusBar().showMessage(
                f"Could not remove {self.file}: {exc}", 10000
            )

    def stop(self) -> None:
        """A clean exit: no timer, no file."""
        self.timer.stop()
        self.discard()

    @Slot(bool)
    def _on_clean_changed(self, clean: bool) -> None:
        if clean:
            self.discard()


class RecoveryDialog(QDialog):
    """ "guinet did not close properly": Restore or Discard one recovery file."""

    #: :meth:`result` after Discard (Restore is ``Accepted``).
    DISCARDED = 2

    def __init__(self, recovery: Recovery, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.recovery = recovery
        self.setObjectName("recoveryDialog")
        self.setWindowTitle("Restore unsaved changes?")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        layout = QVBoxLayout(self)
        title = QLabel("<b>guinet did not close properly last time.</b>")
        title.setObjectName("recoveryTitle")
        layout.addWidget(title)
        where = (
            html.escape(str(recovery.original))
            if recovery.original is not None
            else "not saved to a file yet"
        )
        self.details = QLabel(
            "It kept a copy of a project with unsaved changes:"
            f"<table style='margin-top:6px'>"
            f"<tr><td>Project:&nbsp;</td><td><b>{html.escape(recovery.name)}</b></td></tr>"
            f"<tr><td>File:&nbsp;</td><td>{where}</td></tr>"
            f"<tr><td>Saved:&nbsp;</td><td>{recovery.saved_text()}</td></tr></table>"
        )
        self.details.setObjectName("recoveryDetails")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        layout.addWidget(self.details)
        note = QLabel(
            "Restore opens it with its changes unsaved; your own file is not "
            "touched until you save. Discard deletes the copy."
        )
        note.setObjectName("recoveryNote")
        note.setWordWrap(True)
        layout.addWidget(note)
        self.buttons = QDialogButtonBox()
        self.restore_button = QPushButton("&Restore")
        self.restore_button.setDefault(True)
        self.discard_button = QPushButton("&Discard")
        self.buttons.addButton(
            self.restore_button, QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.addButton(
            self.discard_button, QDialogButtonBox.ButtonRole.DestructiveRole
        )
        self.restore_button.clicked.connect(self.accept)
        self.discard_button.clicked.connect(self._discard)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)

    @Slot()
    def _discard(self) -> None:
        self.done(self.DISCARDED)
