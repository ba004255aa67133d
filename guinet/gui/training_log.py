"""The run log: one line per epoch and per event, appended in batches.

While a run trains, :meth:`RunLog.add` only stores the line and the page's
refresh timer calls :meth:`RunLog.flush`, so a fast run appends to the
document a few times a second rather than once a line.
"""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QPlainTextEdit, QWidget

LOG_LINES = 10_000


class RunLog(QPlainTextEdit):
    """A read-only, size-capped log of the current run."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("runLog")
        self.setReadOnly(True)
        self.setMaximumBlockCount(LOG_LINES)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(max(8.0, font.pointSizeF() - 1))
        self.setFont(font)
        self.setPlaceholderText("Each epoch adds a line here.")
        self._buffer: list[str] = []
        #: While set, lines wait for :meth:`flush` (a run's refresh timer).
        self.buffering = False

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
