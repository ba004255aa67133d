"""The run log: one line per epoch and per event, appended in batches.

While a run trains, :meth:`RunLog.add` only stores the line and the page's
refresh timer calls :meth:`RunLog.flush`, so a fast run appends to the
document a few times a second rather than once a line.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QApplication, QPlainTextEdit, QWidget

LOG_LINES = 10_000


class RunLog(QPlainTextEdit):
    """A read-only, size-capped log of the current run."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("runLog")
        self.setReadOnly(True)
        self.setMaximumBlockCount(LOG_LINES)
        self._use_fixed_font()
        self.setPlaceholderText("Each epoch adds a line here.")
        self._buffer: list[str] = []
        #: While set, lines wait for :meth:`flush` (a run's refresh timer).
        self.buffering = False

    def _use_fixed_font(self) -> None:
        """Monospace, a point below the application font (which the zoom sets)."""
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        size = QApplication.font().pointSizeF()
        font.setPointSizeF(max(8.0, size - 1))
        self.setFont(font)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.ApplicationFontChange:
            self._use_fixed_font()
        super().changeEvent(event)

    def add(self, line: str) -> None:
        self._buffer.append(line)
        if not self.buffering:
            self.flush()

    def flush(self) -> None:
        if self._buffer:
            lines, self._buffer = self._buffer, []
            self.appendPlainText("\n".join(lines))
            bar = self.verticalScrollBar()
            bar.setValue(bar.maximum())

    def reset(self) -> None:
        self._buffer = []
        self.clear()

    def lines(self) -> list[str]:
        self.flush()
        return self.toPlainText().splitlines()
