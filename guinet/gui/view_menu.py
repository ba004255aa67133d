"""The View and Run menus and their keys, and Help ▸ Keyboard Shortcuts.

Kept out of the main window so it stays about files and undo. Everything a
teacher does often has a key, shown in the menus:

======================  ===============================================
F5 / F6 / Shift+F5      Train, Pause or Resume, Stop (the Train page's
                        buttons: the same checks, the same state)
Ctrl+1 … Ctrl+7         the pages, in tab order
F11 (Esc to leave)      presentation mode; F9 shows the hidden panels
Ctrl+= / Ctrl+- / 0     zoom the whole window in, out, back to 100 %
======================  ===============================================

The theme and the zoom are remembered (QSettings); presentation mode is not:
the next launch opens as a normal window.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar, QPushButton, QToolButton

from guinet.gui.appearance import (
    SYSTEM_THEME,
    THEME_KEY,
    ZOOM_KEY,
    appearance,
    resolve_theme,
    saved_look,
    saved_theme_choice,
    style_plots,
)
from guinet.gui.presentation import PresentationMode

if TYPE_CHECKING:
    from guinet.gui.main_window import MainWindow

PRESENT_KEY = "F11"
#: In presentation mode Esc leaves it too (what people press first).
LEAVE_KEY = "Esc"
PANELS_KEY = "F9"
TRAIN_KEY, PAUSE_KEY, STOP_KEY = "F5", "F6", "Shift+F5"
ZOOM_IN_KEYS = ("Ctrl+=", "Ctrl++")
ZOOM_OUT_KEY, ZOOM_RESET_KEY = "Ctrl+-", "Ctrl+0"
THEME_NAMES = {"light": "&Light", "dark": "&Dark", SYSTEM_THEME: "&System"}


class ViewControls(QObject):
    """The actions of the View and Run menus for one main window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.presentation = PresentationMode(window)
        self.presentation.toggled.connect(self._on_presentation_toggled)
        make = window._action

        self.train_action = make(
            "&Train", self.train, TRAIN_KEY, "Train the model (the Train page's button)"
        )
        self.pause_action = make(
            "&Pause / Resume", self.pause, PAUSE_KEY, "Hold the run, or go on"
        )
        self.stop_action = make(
            "&Stop", self.stop, STOP_KEY, "Stop after the current batch"
        )
        self.page_actions: list[QAction] = []
        tabs = window.tabs
        for index in range(min(tabs.count(), 9)):
            name = tabs.tabText(index).replace("&", "")
            action = make(
                f"&{index + 1} {name}",
                lambda _=False, i=index: tabs.setCurrentIndex(i),
                f"Ctrl+{index + 1}",
                f"Show the {name} page",
            )
            self.page_actions.append(action)

        self.present_action = make(
            "&Presentation Mode",
            self.presentation.set_active,
            PRESENT_KEY,
            "Full screen, large text and thick lines, side panels hidden",
        )
        self.present_action.setCheckable(True)
        # triggered(bool) carries the new checked state to set_active
        self.panels_action = make(
            "Show Side &Panels",
            self.presentation.show_panels,
            PANELS_KEY,
            "In presentation mode: show the palette, inspector and settings",
        )
        self.panels_action.setCheckable(True)
        self.panels_action.setEnabled(False)

        self.zoom_in_action = make("Zoom &In", self.zoom_in, tip="Larger text")
        self.zoom_in_action.setShortcuts([QKeySequence(k) for k in ZOOM_IN_KEYS])
        self.zoom_out_action = make(
            "Zoom &Out", self.zoom_out, ZOOM_OUT_KEY, "Smaller text"
        )
        self.zoom_reset_action = make(
            "&Actual Size", self.zoom_reset, ZOOM_RESET_KEY, "Text at 100 %"
        )
        self.theme_group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for name, text in THEME_NAMES.items():
            tip = (
                "Follow the system's light or dark colours"
                if name == SYSTEM_THEME
                else f"{name} colours"
            )
            action = make(text, lambda _=False, n=name: self.set_theme(n), tip=tip)
            action.setCheckable(True)
            self.theme_group.addAction(action)
            self.theme_actions[name] = action
        self.shortcuts_action = make(
            "Keyboard &Shortcuts…",
            self.show_shortcuts,
            tip="Every key of every menu command",
        )

        self.panels_button = QToolButton()
        self.panels_button.setObjectName("panelsButton")
        self.panels_button.setDefaultAction(self.panels_action)
        self.panels_button.setText("Panels")
        self.panels_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.panels_button.hide()
        tabs.setCornerWidget(self.panels_button, Qt.Corner.TopRightCorner)
        appearance().changed.connect(self._restyle)
        QGuiApplication.styleHints().colorSchemeChanged.connect(
            self._on_color_scheme_changed
        )

    # -- menus ------------------------------------------------------------------
    def add_menus(self, bar: QMenuBar) -> None:
        view = bar.addMenu("&View")
        view.addAction(self.present_action)
        view.addAction(self.panels_action)
        view.addSeparator()
        view.addAction(self.zoom_in_action)
        view.addAction(self.zoom_out_action)
        view.addAction(self.zoom_reset_action)
        themes = view.addMenu("&Theme")
        for action in self.theme_actions.values():
            themes.addAction(action)
        view.addSeparator()
        for action in self.page_actions:
            view.addAction(action)
        self.run_menu = run = bar.addMenu("&Run")
        run.addAction(self.train_action)
        run.addAction(self.pause_action)
        run.addAction(self.stop_action)
        run.aboutToShow.connect(self._sync_run_actions)
        run.aboutToHide.connect(self._enable_run_actions)

    def add_help(self, menu: QMenu) -> None:
        menu.addAction(self.shortcuts_action)

    # -- the look, remembered -----------------------------------------------------
    def apply_saved_look(self) -> None:
        from guinet.gui.main_window import settings

        store = settings()
        look = saved_look(store)
        appearance().set_look(look)
        self.theme_actions[saved_theme_choice(store)].setChecked(True)
        self._restyle()

    def _change_look(self, **changes: object) -> None:
        from guinet.gui.main_window import settings

        current = appearance()
        look = replace(current.look, **changes)  # type: ignore[arg-type]
        current.set_look(look)
        settings().setValue(ZOOM_KEY, look.zoom)

    @Slot()
    def zoom_in(self) -> None:
        self._zoom(1)

    @Slot()
    def zoom_out(self) -> None:
        self._zoom(-1)

    @Slot()
    def zoom_reset(self) -> None:
        self._zoom(0)

    def _zoom(self, steps: int) -> None:
        zoom = appearance().look.zoomed(steps).zoom
        self._change_look(zoom=zoom)
        self.window.statusBar().showMessage(f"Zoom {zoom:.0%}", 3000)

    def set_zoom(self, zoom: float) -> None:
        """Set the zoom (the Preferences' UI scale), remembered."""
        self._change_look(zoom=zoom)

    def set_theme(self, name: str, zoom: float | None = None) -> None:
        """``light``, ``dark`` or ``system`` (the platform's scheme, followed);
        with ``zoom``, the zoom too, in the same restyle."""
        from guinet.gui.main_window import settings

        changes: dict[str, object] = {"theme": resolve_theme(name)}
        if zoom is not None:
            changes["zoom"] = zoom
        self._change_look(**changes)
        settings().setValue(THEME_KEY, name)
        self.theme_actions[name].setChecked(True)

    def _on_color_scheme_changed(self, *_scheme: object) -> None:
        from guinet.gui.main_window import settings

        if saved_theme_choice(settings()) == SYSTEM_THEME:
            self._change_look(theme=resolve_theme(SYSTEM_THEME))

    @Slot()
    def _restyle(self) -> None:
        style_plots(self.window)

    # -- presentation -------------------------------------------------------------
    @Slot(bool)
    def _on_presentation_toggled(self, on: bool) -> None:
        self.present_action.setChecked(on)
        keys = [PRESENT_KEY, LEAVE_KEY] if on else [PRESENT_KEY]
        self.present_action.setShortcuts([QKeySequence(k) for k in keys])
        self.panels_action.setEnabled(on)
        self.panels_action.setChecked(False)
        self.panels_button.setVisible(on)

    # -- a run, by the Train page's buttons -------------------------------------
    def _run_button(self, which: str) -> QPushButton:
        return getattr(self.window.training_panel, f"{which}_button")  # type: ignore[no-any-return]

    @Slot()
    def train(self) -> None:
        """Show the Train page and press Train (a problem shows there)."""
        self.window.tabs.setCurrentWidget(self.window.training_panel)
        self._press("train")

    @Slot()
    def pause(self) -> None:
        self._press("pause")

    @Slot()
    def stop(self) -> None:
        self._press("stop")

    def _press(self, which: str) -> None:
        button = self._run_button(which)
        if button.isEnabled():
            button.click()

    @Slot()
    def _sync_run_actions(self) -> None:
        """The open Run menu shows what the buttons allow now."""
        for which, action in (
            ("train", self.train_action),
            ("pause", self.pause_action),
            ("stop", self.stop_action),
        ):
            action.setEnabled(self._run_button(which).isEnabled())

    @Slot()
    def _enable_run_actions(self) -> None:
        """Closed, the keys work whenever the buttons do (checked on press)."""
        for action in (self.train_action, self.pause_action, self.stop_action):
            action.setEnabled(True)

    # -- help ---------------------------------------------------------------------
    @Slot()
    def show_shortcuts(self) -> None:
        from guinet.gui.shortcuts_dialog import ShortcutsDialog

        dialog = ShortcutsDialog(self.window.menuBar(), self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.shortcuts_dialog = dialog
        dialog.open()
