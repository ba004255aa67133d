"""Start the GUI: the window paints first, torch loads after."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from guinet._resources import resource
from guinet.gui import gc_guard
from guinet.gui.main_window import MainWindow, start_page_at_launch
from guinet.gui.theme import stylesheet


def create_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("guinet")
    app.setOrganizationName("guinet")
    app.setApplicationDisplayName("guinet")
    app.setDesktopFileName("io.github.guinet")
    app.setWindowIcon(QIcon(str(resource("icons", "guinet.svg"))))
    app.setStyle("Fusion")
    if not app.property("guinet_styled"):  # restyling every widget is not free
        app.setStyleSheet(stylesheet())
        app.setProperty("guinet_styled", True)
    gc_guard.install(app)
    return app


def show_main_window(
    project: str | Path | None = None, example: bool = False
) -> MainWindow:
    """Show the window's frame now; after it paints, build the pages, open
        ``project`` (a bad file is then a message in the open window; with
        ``example``, as an untitled copy of a bundled example) and start loading
        torch in the background, and offer what a crash left unsaved (the restore
    prompt). Without a project, the start page shows first
        (unless the person unticked "Show the start page at launch")."""
    window = MainWindow(
        deferred=True, start_page=project is None and start_page_at_launch()
    )
    window.show()

    def finish() -> None:
        window.build()
        if project is not None and example:
            window.open_example(Path(project))
        elif project is not None:
            window.open_path(project, ask=False)
        window.start_loading_torch()
        window.offer_recovery()  # what a crash left unsaved, if anything

    window.call_after_first_paint(finish)
    return window


def run(project: str | Path | None = None, example: bool = False) -> int:
    app = create_application()
    window = show_main_window(project, example)  # noqa: F841 (kept alive until exec returns)
    return app.exec()
