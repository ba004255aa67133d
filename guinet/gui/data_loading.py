"""Loading the project's data off the GUI thread, for the Data page.

:class:`DataLoader` reads a preview of the source (for the column pickers)
and prepares the data section in a
:class:`~guinet.gui.tasks.BackgroundTask`. The result belongs to the
session: it arrives with :meth:`Session.use_prepared` in the GUI thread (so
every page hears ``session.data_changed`` there), and only while the data
section is still the one it was prepared from. The loader keeps only the
preview, which no other page needs. :class:`LoadProgress` is the progress bar
with its Cancel button.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QWidget

from guinet.core.data import DataCancelled, prepare, preview
from guinet.gui.tasks import BackgroundTask

if TYPE_CHECKING:
    from guinet.core.data.previews import Preview
    from guinet.core.session import Session

#: How long edits settle before the data is read again (typing, spinning).
RELOAD_DELAY_MS = 150
CANCELLED = "Loading cancelled. Change a setting or press Reload to try again."


def error_message(error: BaseException) -> str:
    """One sentence for a failed load: our own errors as they are."""
    if isinstance(error, ValueError | OSError):
        return str(error)
    return f"Could not load the data: {type(error).__name__}: {error}"


class DataLoader(QObject):
    """Preview and prepare the session's data section in the background."""

    preview_changed = Signal()
    notice_changed = Signal(str)  # what the page says beside the data's error

    def __init__(self, session: Session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.task = BackgroundTask("guinet-data", self)
        self.task.succeeded.connect(self._on_loaded)
        self.task.failed.connect(self._on_failed)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(RELOAD_DELAY_MS)
        self.timer.timeout.connect(self.reload)
        self._preview: Preview | None = None
        self._preview_source: dict[str, Any] | None = None
        self._key: str | None = None

    @property
    def busy(self) -> bool:
        """A load is pending or running: the session's data may be about to change."""
        return self.task.running or self.timer.isActive()

    def current_preview(self) -> Preview | None:
        """The preview, while it is of the project's current source."""
        data = self.session.project.data
        source = data.source if data is not None else None
        return self._preview if source and source == self._preview_source else None

    @Slot()
    def schedule(self) -> None:
        """Load again shortly (edits in a row load once)."""
        self.notice_changed.emit("")
        self.timer.start()

    @Slot()
    def reload(self) -> None:
        """Preview and prepare the current data section now."""
        self.timer.stop()
        self.notice_changed.emit("")
        session = self.session
        data = session.project.data
        source = data.source if data is not None else None
        if data is None or not source:
            self.task.stop()
            self._preview, self._preview_source = None, None
            self.preview_changed.emit()
            return
        want_preview = self.current_preview() is None
        cached = session.prepared
        if cached is not None and not want_preview:
            return
        base_dir = session.project.base_dir
        self._key = session.data_key()

        def work(progress: Any, cancelled: Any) -> tuple[Any, Any, Any]:
            shown = preview(source, base_dir) if want_preview else None
            if cached is not None:
                return source, shown, cached
            try:
                result = prepare(data, base_dir, progress=progress, cancelled=cancelled)
            except Exception as exc:  # the preview is still worth showing
                return source, shown, exc
            return source, shown, result

        self.task.start(work)

    @Slot()
    def cancel(self) -> None:
        self.timer.stop()
        self.task.cancel()
        self.notice_changed.emit(CANCELLED)

    def stop(self) -> None:
        """Cancel loading and wait for its thread (closing the window)."""
        self.timer.stop()
        self.task.stop()

    @Slot(object)
    def _on_loaded(self, result: tuple[Any, Any, Any]) -> None:
        source, shown, outcome = result
        if shown is not None:
            self._preview, self._preview_source = shown, source
            self.preview_changed.emit()
        if isinstance(outcome, BaseException):
            self._on_failed(outcome)
        else:  # the session drops it if the section changed meanwhile
            self.session.use_prepared(outcome, None, self._key)

    @Slot(object)
    def _on_failed(self, error: BaseException) -> None:
        if not isinstance(error, DataCancelled):
            self.session.use_prepared(None, error_message(error), self._key)


class LoadProgress(QWidget):
    """The loader's progress with a Cancel button; shown only for slow loads."""

    SHOW_AFTER_MS = 300

    def __init__(self, loader: DataLoader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loader = loader
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(loader.cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.cancel_button)
        loader.task.progressed.connect(self._on_progress)
        loader.task.running_changed.connect(self._on_running)
        loader.notice_changed.connect(self._on_notice)
        self.hide()

    @Slot(float, str)
    def _on_progress(self, fraction: float, message: str) -> None:
        self.bar.setValue(int(fraction * 1000))
        self.bar.setFormat(f"{message} — %p%" if message else "%p%")

    @Slot(bool)
    def _on_running(self, running: bool) -> None:
        if running:
            self.bar.setValue(0)
            QTimer.singleShot(self.SHOW_AFTER_MS, self._show_if_running)
        else:
            self.hide()

    @Slot(str)
    def _on_notice(self, notice: str) -> None:
        if notice:
            self.hide()

    def _show_if_running(self) -> None:
        self.setVisible(self.loader.task.running)
