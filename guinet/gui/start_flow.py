"""The main window's start page, its follow-up line and Help ▸ Getting
started: how the window shows the gallery and opens what is picked there.

A mixin of :class:`~guinet.gui.main_window.MainWindow` (kept apart so that
module stays readable); the widgets are in :mod:`guinet.gui.start_page` and
:mod:`guinet.gui.getting_started`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton

if TYPE_CHECKING:
    from guinet.gui.getting_started import GettingStartedDialog
    from guinet.gui.main_window import MainWindow
    from guinet.gui.start_page import StartPage

#: QSettings key of the start page's "Show the start page at launch".
SHOW_START_PAGE_KEY = "start_page/show_at_launch"
#: The pages by the names :meth:`StartPageMixin.show_page` takes.
PAGE_NAMES = ("data", "model", "train", "evaluate", "predict")


def start_page_at_launch() -> bool:
    """The preference "Show the start page at launch" (on until unticked)."""
    from guinet.gui.main_window import settings

    return bool(settings().value(SHOW_START_PAGE_KEY, True, type=bool))


class StartPageMixin:
    """The start page in front of the tabs, and what its choices do.

    Mixed into :class:`~guinet.gui.main_window.MainWindow`, whose pages,
    files and menus it uses.
    """

    start_page: StartPage | None
    getting_started: GettingStartedDialog | None

    if TYPE_CHECKING:  # the window's own attributes, for the type checker

        def __getattr__(self, name: str) -> Any: ...

    def _follow_up_bar(self) -> QFrame:
        """The line shown above the pages after an example opens from the
        start page: the second click, Train it, is right there."""
        bar = QFrame()
        bar.setObjectName("followUp")
        layout = QHBoxLayout(bar)
        layout.setContentsMargins(12, 6, 8, 6)
        self.follow_up_text = QLabel()
        self.follow_up_text.setObjectName("followUpText")
        self.follow_up_text.setWordWrap(True)
        self.train_it_button = QPushButton("Train it (F5)")
        self.train_it_button.setObjectName("trainItButton")
        self.train_it_button.setToolTip("Start training this example now")
        self.train_it_button.clicked.connect(self.train_it)
        close = QToolButton()
        close.setObjectName("followUpClose")
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Hide this line")
        close.clicked.connect(bar.hide)
        layout.addWidget(self.follow_up_text, 1)
        layout.addWidget(self.train_it_button)
        layout.addWidget(close)
        bar.hide()
        return bar

    @property
    def start_page_shown(self) -> bool:
        page = self.start_page
        return page is not None and self.central.currentWidget() is page

    def new_from_example(self) -> None:
        """File ▸ New from Example…: the start page, with a way back."""
        self.show_start_page(back=True)

    def show_start_page(self, back: bool = False) -> None:
        """Put the start page in front of the tabs; with ``back``, it offers
        a way back to the open project (Esc)."""
        from guinet.gui.start_page import StartPage

        page = self.start_page
        if page is None:
            page = StartPage(start_page_at_launch())
            page.example_chosen.connect(self._on_start_example)
            page.recent_chosen.connect(self._on_start_recent)
            page.empty_chosen.connect(self._on_start_empty)
            page.getting_started_requested.connect(self.show_getting_started)
            page.show_at_launch_changed.connect(self._on_show_at_launch_changed)
            page.back_requested.connect(self.hide_start_page)
            self.central.addWidget(page)
            self.start_page = page
        page.set_recent(self.recent_files())
        page.back_button.setVisible(back and self.built)
        self.central.setCurrentWidget(page)
        if self.built:  # the open lesson's text is not what the gallery is about
            self.lesson_pane.hide()
        page.load_pictures()

    def hide_start_page(self) -> None:
        was_shown = self.start_page_shown
        self.central.setCurrentIndex(0)
        if was_shown and self.built:
            # the lesson pane again, where there is a lesson
            self._show_lesson(reveal=not self.view_controls.presentation.active)

    def show_page(self, name: str) -> None:
        """Bring a page to the front by name (``data``, ``model``, ``train``,
        ``evaluate``, ``predict``), leaving the start page."""
        self.build()
        self.hide_start_page()
        pages = (
            self.data_panel,
            self.designer,
            self.training_panel,
            self.evaluate_panel,
            self.predict_panel,
        )
        self.tabs.setCurrentWidget(dict(zip(PAGE_NAMES, pages, strict=True))[name])

    def _on_start_example(self, path: Path) -> None:
        self.build()
        if not self.open_example(path):
            return
        # the page is its lesson's start page (see _on_lesson_project_bound)
        self.hide_start_page()
        self.follow_up_text.setText(
            f"<b>{self.project.name}</b> is open as an unsaved copy. Look at "
            "its data and its network, then train it."
        )
        self.follow_up.show()

    def _on_start_recent(self, path: str) -> None:
        self.build()
        if self.open_path(path):
            self.follow_up.hide()
            self.hide_start_page()

    def _on_start_empty(self) -> None:
        self.build()
        if self.new_project():
            self.follow_up.hide()
            self.show_page("model")

    def _on_show_at_launch_changed(self, shown: bool) -> None:
        from guinet.gui.main_window import settings

        settings().setValue(SHOW_START_PAGE_KEY, shown)

    def train_it(self) -> None:
        """The follow-up's Train it: the Train page, and training starts."""
        self.follow_up.hide()
        self.show_page("train")
        if not self.training_panel.is_training:
            self.training_panel.start_training()

    def show_getting_started(self) -> None:
        """Help ▸ Getting started: the guided first run, beside the window."""
        from guinet.gui.getting_started import GettingStartedDialog

        self.build()
        if self.getting_started is None:
            self.getting_started = GettingStartedDialog(cast("MainWindow", self))
        self.getting_started.show()
        self.getting_started.raise_()
