"""What would stop a run, shown above the plots: the session's preflight.

Every error is listed at once, each with a Fix button when preflight knows
one (pressing it is one undoable step, :func:`~guinet.gui.commands.apply_fix`);
notes are shown as notes. A problem preflight cannot see — why the last start
failed, a checkpoint that would not load — is shown with them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from guinet.core.model import ModelError
from guinet.gui.training_progress import sentence
from guinet.gui.training_worker import model_problem
from guinet.gui.widgets import FixButton

if TYPE_CHECKING:
    from guinet.core.session import Finding, Fix


def finding_text(finding: Finding) -> str:
    """A finding as the Train page says it (a layer's problem points to the
    Model page, as a run that fails to build says it)."""
    if finding.error is ModelError and finding.layer is not None:
        return model_problem(finding.message)
    return sentence(finding.message)


class FindingRow(QWidget):
    """One problem: ``⚠ text`` and, if it has one, its Fix button."""

    def __init__(
        self, text: str, fix: Fix | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.text = text
        self.fix = fix
        self.label = QLabel(f"⚠ {text}")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        self.fix_button: FixButton | None = None
        if fix is not None:
            self.fix_button = FixButton(fix.label)
            layout.addWidget(self.fix_button, 0, Qt.AlignmentFlag.AlignTop)


class ProblemList(QWidget):
    """The errors that would stop a run, one row each (hidden when none)."""

    fix_requested = Signal(object)  # the Fix

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainMessage")
        self.rows: list[FindingRow] = []
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        self.hide()

    def show_problems(self, problems: Sequence[tuple[str, Fix | None]]) -> None:
        """Show ``(text, fix)`` pairs, replacing what was shown."""
        if [(r.text, r.fix) for r in self.rows] == list(problems):
            return
        for row in self.rows:
            row.hide()
            row.deleteLater()
        self.rows = []
        for text, fix in problems:
            row = FindingRow(text, fix, self)
            if row.fix_button is not None:
                row.fix_button.clicked.connect(self._fixer(fix))
            self._layout.addWidget(row)
            self.rows.append(row)
        self.setVisible(bool(self.rows))

    def _fixer(self, fix: Fix | None) -> object:
        def request() -> None:
            self.fix_requested.emit(fix)

        return request

    def text(self) -> str:
        """Every problem shown, one a line."""
        return "\n".join(f"⚠ {row.text}" for row in self.rows)

    def fix_buttons(self) -> list[QPushButton]:
        return [row.fix_button for row in self.rows if row.fix_button is not None]


class NoteList(QLabel):
    """Notes worth reading before or during a run (hidden when none), one
    line each, cut to the page's width: the whole text is the tooltip (a
    three-line checkpoint folder must not take the plots' height)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainNotes")
        self.notes: list[str] = []
        # the cut lines follow the width given, never widen the page
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.hide()

    def full_text(self) -> str:
        """Every note, whole."""
        return "\n".join(f"ℹ {note}" for note in self.notes)

    def show_notes(self, notes: Sequence[str]) -> None:
        self.notes = list(notes)
        self.setToolTip(self.full_text())
        self._cut()
        self.setVisible(bool(notes))

    def _cut(self) -> None:
        metrics = self.fontMetrics()
        width = max(40, self.contentsRect().width())
        self.setText(
            "\n".join(
                metrics.elidedText(line, Qt.TextElideMode.ElideRight, width)
                for line in self.full_text().splitlines()
            )
        )

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._cut()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # zoom, presentation mode
            self._cut()
