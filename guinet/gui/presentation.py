"""Presentation mode (View ▸ Presentation Mode, F11): the window for a class.

Entering it remembers the window exactly (geometry, state, every splitter's
sizes), goes full screen, hides the side panels the pages marked with
:func:`mark_side_panel` (the palette, the inspector, the training settings,
the run log) so the plots and the network get the room, and asks the
:class:`~guinet.gui.appearance.Appearance` for large text, thick plot lines
and high contrast. The hidden panels come back while "Show Panels" is on.
Leaving puts everything back as it was.

A view added later takes part by marking its own side panels; nothing here
names a page.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QByteArray, QEvent, QObject, QRect, Qt, QTimer, Signal
from PySide6.QtWidgets import QMainWindow, QSplitter, QWidget

from guinet.gui.appearance import appearance

#: The dynamic property a page sets on a widget presentation mode may hide.
SIDE_PANEL = "guinetSidePanel"


def mark_side_panel(widget: QWidget) -> QWidget:
    """Let presentation mode hide ``widget`` until the panels are asked for."""
    widget.setProperty(SIDE_PANEL, True)
    return widget


class PresentationMode(QObject):
    """Enter and leave presentation mode for one main window."""

    toggled = Signal(bool)

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.active = False
        self.panels_shown = False
        self._geometry = QRect()
        self._state = Qt.WindowState.WindowNoState
        self._splitters: list[tuple[QSplitter, QByteArray]] = []
        self._hidden: list[QWidget] = []
        #: splitters of pages not shown when leaving, restored when they are
        self._pending: dict[QObject, QByteArray] = {}

    def side_panels(self) -> list[QWidget]:
        """The marked widgets in the window (shown ones, when entering)."""
        return [
            widget
            for widget in self.window.findChildren(QWidget)
            if widget.property(SIDE_PANEL)
        ]

    def set_active(self, on: bool) -> None:
        if on and not self.active:
            self.enter()
        elif not on and self.active:
            self.leave()

    def enter(self) -> None:
        window = self.window
        self._geometry = window.geometry()
        self._state = window.windowState()
        for splitter in self._pending:
            splitter.removeEventFilter(self)
        self._pending = {}
        self._splitters = [(s, s.saveState()) for s in window.findChildren(QSplitter)]
        self._hidden = [w for w in self.side_panels() if not w.isHidden()]
        self.active = True
        self.panels_shown = False
        for widget in self._hidden:
            widget.hide()
        look = appearance()
        look.set_look(replace(look.look, presenting=True))
        window.showFullScreen()
        self.toggled.emit(True)

    def leave(self) -> None:
        window = self.window
        self.active = False
        for widget in self._hidden:
            widget.show()
        self._hidden = []
        self.panels_shown = False
        look = appearance()
        look.set_look(replace(look.look, presenting=False))
        window.setWindowState(self._state)
        self._restore_layout()
        # the smaller text's minimum sizes and a window manager's resize come
        # after this returns: once more then
        QTimer.singleShot(0, self._restore_layout)
        self.toggled.emit(False)

    def show_panels(self, on: bool) -> None:
        """In presentation mode, show (or hide again) the side panels."""
        if not self.active:
            return
        self.panels_shown = on
        for widget in self._hidden:
            widget.setVisible(on)

    def _restore_layout(self) -> None:
        if self.active:
            return
        window = self.window
        if not window.windowState() & (
            Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen
        ):
            # setGeometry, not restoreGeometry: that one shrinks a window to
            # the screen it thinks it is on, and this is the same screen
            window.setGeometry(self._geometry)
        for splitter, state in self._splitters:
            if splitter.isVisible():
                splitter.restoreState(state)
            elif splitter not in self._pending:
                # a page not shown now lays out when it is: restore it then
                self._pending[splitter] = state
                splitter.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Show and watched in self._pending:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, lambda s=watched: self._restore_pending(s))
        return False

    def _restore_pending(self, splitter: QObject) -> None:
        state = self._pending.pop(splitter, None)  # type: ignore[call-overload]
        if state is not None and not self.active:
            splitter.restoreState(state)  # type: ignore[attr-defined]
