"""The main window: pages, menus, files, undo, and the unsaved-changes guard."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QRect, QSettings, Qt, QTimer, Slot
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QIcon,
    QKeySequence,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from guinet._resources import example_projects, example_title, resource
from guinet.gui.start_flow import (  # noqa: F401 (the launch preference lives beside)
    SHOW_START_PAGE_KEY,
    StartPageMixin,
    start_page_at_launch,
)

if TYPE_CHECKING:
    from guinet.core.lessons import LessonSpec
    from guinet.core.project import Project
    from guinet.gui.about_dialog import AboutDialog
    from guinet.gui.concepts_dialog import ConceptsDialog
    from guinet.gui.designer import ModelDesigner
    from guinet.gui.evaluate_panel import EvaluatePanel
    from guinet.gui.export_dialog import ExportDialog
    from guinet.gui.getting_started import GettingStartedDialog
    from guinet.gui.lesson_dialog import LessonDialog
    from guinet.gui.predict_panel import PredictPanel
    from guinet.gui.preferences import PreferencesDialog
    from guinet.gui.recovery import AutoSaver, RecoveryDialog
    from guinet.gui.runs_panel import RunsPanel
    from guinet.gui.search_page import SearchPage
    from guinet.gui.start_page import StartPage
    from guinet.gui.torch_loader import TorchLoader
    from guinet.gui.training_panel import TrainingPanel

SUFFIX = ".guinet"  # guinet.core.project.SUFFIX, repeated to keep start-up light
MAX_RECENT = 10
FILE_FILTER = f"guinet projects (*{SUFFIX});;All files (*)"
#: The size a window opens at on a screen with room for it.
DEFAULT_SIZE = (1180, 760)
#: Room left around a fitted window for its frame (sides) and title bar plus
#: frame (height), which Qt cannot know before the window is shown.
FRAME_ROOM = (16, 48)


def fitted_geometry(
    available: QRect, width: int = DEFAULT_SIZE[0], height: int = DEFAULT_SIZE[1]
) -> QRect:
    """``width`` × ``height``, or smaller on a small screen (a 1280×720
    classroom projector), centred in the screen's ``available`` area."""
    width = min(width, available.width() - FRAME_ROOM[0])
    height = min(height, available.height() - FRAME_ROOM[1])
    rect = QRect(0, 0, width, height)
    rect.moveCenter(available.center())
    # the title bar goes above the client area: keep it on the screen
    title_bar = FRAME_ROOM[1] - FRAME_ROOM[0] // 2
    rect.moveTop(max(rect.top(), available.top() + title_bar))
    return rect


def saved_geometry_fits(saved: QRect) -> bool:
    """Whether a remembered window rectangle lies inside the available area
    of a screen there is now (a projector instead of the office monitor, a
    monitor unplugged: then the window is fitted again)."""
    if saved.isEmpty():
        return False
    screen = QGuiApplication.screenAt(saved.center())
    return screen is not None and screen.availableGeometry().contains(saved)


def settings() -> QSettings:
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, "guinet", "guinet"
    )


def redo_shortcuts(platform: list[QKeySequence]) -> list[QKeySequence]:
    """Ctrl+Shift+Z and Ctrl+Y everywhere (X11's own list has no Ctrl+Y; the
    teacher from Windows presses it), plus the platform's redo keys — each
    once: X11's standard redo *is* Ctrl+Shift+Z, and a key listed twice on
    one action is "ambiguous" to Qt, which then does nothing at all."""
    keys = [QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")]
    for binding in platform:
        if binding not in keys:
            keys.append(binding)
    return keys


class MainWindow(StartPageMixin, QMainWindow):
    """One project at a time. Every edit goes through :attr:`undo_stack`.

    With ``deferred=True`` only the frame (menus, tabs, status bar) is built;
    :meth:`build` adds the pages on the next turn of the event loop, so the
    window paints before the designer's modules are even imported. With
    ``start_page=True`` the start page (the examples' gallery) is shown in
    front of the tabs until the person picks something; ``guinet`` does this
    when launched without a project (see :mod:`guinet.gui.app`).
    """

    def __init__(
        self,
        project: Project | None = None,
        parent: QWidget | None = None,
        deferred: bool = False,
        start_page: bool = False,
    ) -> None:
        self._after_paint: list[Callable[[], None]] = []
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowIcon(QIcon(str(resource("icons", "guinet.svg"))))
        self.undo_stack = QUndoStack(self)
        self.concepts_dialog: ConceptsDialog | None = None
        self.undo_stack.cleanChanged.connect(self._update_title)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        #: the start page (built the first time it is shown) in front of the tabs
        self.start_page: StartPage | None = None
        self.getting_started: GettingStartedDialog | None = None
        self.follow_up = self._follow_up_bar()
        work = QWidget()
        work_layout = QVBoxLayout(work)
        work_layout.setContentsMargins(0, 0, 0, 0)
        work_layout.setSpacing(0)
        work_layout.addWidget(self.follow_up)
        work_layout.addWidget(self.tabs, 1)
        self.central = QStackedWidget()
        self.central.addWidget(work)
        self.setCentralWidget(self.central)
        self.setWindowTitle("guinet")
        self._restore_geometry()
        self.built = False
        self._initial_project = project
        #: the Export dialog last opened (one at a time; it is window-modal)
        self.export_dialog: ExportDialog | None = None
        #: the Save as Lesson dialog last opened (window-modal too)
        self.lesson_dialog: LessonDialog | None = None
        #: Edit ▸ Preferences… and the restore prompt, when open
        self.preferences_dialog: PreferencesDialog | None = None
        self.recovery_dialog: RecoveryDialog | None = None
        self.about_dialog: AboutDialog | None = None
        if start_page and deferred:  # the gallery's lessons are read after paint
            self.call_after_first_paint(self.show_start_page)
        elif start_page:
            self.show_start_page()
        if not deferred:
            self.build()

    # -- window geometry, remembered across launches ------------------------------
    def _restore_geometry(self) -> None:
        """The last session's geometry when it fits a screen there is now;
        otherwise fit the screen the window opens on."""
        store = settings()
        saved = store.value("window/geometry")
        if isinstance(saved, QRect) and saved_geometry_fits(saved):
            self.setGeometry(saved)
            if store.value("window/maximized", False, type=bool):
                self.setWindowState(Qt.WindowState.WindowMaximized)
            return
        self._fit_to_screen(*DEFAULT_SIZE)

    def _fit_to_screen(self, width: int, height: int) -> None:
        """Open at ``width`` × ``height``, or smaller on a small screen (a
        1280×720 classroom projector), leaving room for the window frame."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            self.resize(width, height)
            return
        self.setGeometry(fitted_geometry(screen.availableGeometry(), width, height))

    def splitters(self, shown_only: bool = False) -> dict[str, QSplitter]:
        """Every page's splitters, keyed ``page/n`` in creation order, or
        ``page/name`` for one with an object name (a page that raises parts
        in turn reorders its children); with ``shown_only``, those of the
        pages shown this session."""
        if not self.built:
            return {}
        pages = {
            "data": self.data_panel,
            "model": self.designer,
            "train": self.training_panel,
            "evaluate": self.evaluate_panel,
            "runs": self.runs_panel,
            "search": self.search_page,
        }
        found: dict[str, QSplitter] = {}
        for name, page in pages.items():
            if shown_only and page not in self._pages_shown:
                continue  # never laid out: keep what an earlier session saved
            # a page whose parts show by turns says which were laid out
            laid_out = getattr(page, "laid_out", None)
            for i, splitter in enumerate(page.findChildren(QSplitter)):
                if shown_only and laid_out is not None and not laid_out(splitter):
                    continue
                found[f"{name}/{splitter.objectName() or i}"] = splitter
        return found

    @Slot(int)
    def _note_page_shown(self, index: int) -> None:
        page = self.tabs.widget(index)
        if page is not None:
            self._pages_shown.add(page)

    def _restore_splitters(self) -> None:
        store = settings()
        for key, splitter in self.splitters().items():
            state = store.value(f"splitters/{key}")
            if isinstance(state, QByteArray):
                splitter.restoreState(state)

    def save_window_state(self) -> None:
        """Remember the geometry and the splitter sizes for the next launch."""
        store = settings()
        maximized = self.isMaximized()
        geometry = self.normalGeometry() if maximized else self.geometry()
        store.setValue("window/geometry", geometry)
        store.setValue("window/maximized", maximized)
        if self.built:
            from guinet.gui.preferences import LAST_PAGE_KEY

            page = self.tabs.tabText(self.tabs.currentIndex()).replace("&", "")
            store.setValue(LAST_PAGE_KEY, page)
        for key, splitter in self.splitters(shown_only=True).items():
            store.setValue(f"splitters/{key}", splitter.saveState())

    def call_after_first_paint(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` on the event-loop turn after the window first paints."""
        self._after_paint.append(callback)

    def event(self, event: QEvent) -> bool:
        if self._after_paint and event.type() == QEvent.Type.Paint:
            callbacks, self._after_paint = self._after_paint, []
            for callback in callbacks:
                QTimer.singleShot(0, callback)
        return super().event(event)

    def build(self) -> None:
        """Create the pages and bind the project (idempotent)."""
        if self.built:
            return
        from guinet.core.project import Project
        from guinet.core.session import Session
        from guinet.gui.data_panel import DataPanel
        from guinet.gui.designer import ModelDesigner
        from guinet.gui.evaluate_panel import EvaluatePanel
        from guinet.gui.predict_panel import PredictPanel
        from guinet.gui.runs_panel import RunsPanel
        from guinet.gui.torch_loader import TorchLoader
        from guinet.gui.training_panel import TrainingPanel

        #: The one session every page works through (pages never talk to
        #: each other); a new or opened project is bound to it.
        self.session = Session()
        self.designer: ModelDesigner = ModelDesigner(self.session, self.undo_stack)
        self.data_panel: DataPanel = DataPanel(self.session, self.undo_stack)
        self.training_panel: TrainingPanel = TrainingPanel(
            self.session, self.undo_stack
        )
        self.tabs.addTab(self.data_panel, "Data")
        self.tabs.addTab(self.designer, "Model")
        self.evaluate_panel: EvaluatePanel = EvaluatePanel(self.session)
        self.predict_panel: PredictPanel = PredictPanel(self.session)
        self.tabs.addTab(self.training_panel, "Train")
        self.tabs.addTab(self.evaluate_panel, "Evaluate")
        self.tabs.addTab(self.predict_panel, "Predict")
        #: every recorded run of the project, compared (issue 12)
        self.runs_panel: RunsPanel = RunsPanel(self.session, self.undo_stack)
        self.tabs.addTab(self.runs_panel, "Runs")
        self.runs_panel.watch(self.training_panel.runner)
        self._build_search_page()
        self.tabs.setCurrentWidget(self.designer)
        #: pages shown this session: only their splitters have real sizes
        self._pages_shown: set[QWidget] = {self.designer}
        self.tabs.currentChanged.connect(self._note_page_shown)
        self.designer.status_message.connect(self._show_status)
        self.training_panel.status_message.connect(self._show_status)
        # the invitation to train has done its job once a run starts
        self.training_panel.training_changed.connect(self._on_training_changed)
        self.evaluate_panel.status_message.connect(self._show_status)
        self.runs_panel.status_message.connect(self._show_status)
        self.setAcceptDrops(True)
        self._build_lesson()

        self._create_actions()
        from guinet.gui.view_menu import ViewControls

        #: View and Run menus: presentation mode, zoom, theme, run keys
        self.view_controls = ViewControls(self)
        self._create_menus()
        self.view_controls.apply_saved_look()
        self.statusBar().showMessage("Ready")
        self.torch_loader: TorchLoader = TorchLoader(self)
        self.torch_loader.loaded.connect(self._on_torch_loaded)
        self.built = True
        self._restore_splitters()
        self._restore_last_page()
        from guinet.gui.preferences import Preferences, apply_run_preferences
        from guinet.gui.recovery import AutoSaver

        apply_run_preferences(self, Preferences.load(settings()))
        #: the recovery file of the project's unsaved changes (crash recovery)
        self.autosave: AutoSaver = AutoSaver(self)
        self.training_panel.training_changed.connect(self._autosave_on_run)
        self.session.project_changed.connect(self._on_lesson_project_bound)
        self._bind(self._initial_project or Project.new())
        self._initial_project = None

    def _build_search_page(self) -> None:
        """The Search page (issue 12): a search and a training never run
        together; its trials land on the Runs page."""
        from guinet.gui.search_page import SEARCH_RUNS, SearchPage

        self.search_page: SearchPage = SearchPage(self.session, self.undo_stack)
        self.tabs.addTab(self.search_page, "Search")
        self.search_page.status_message.connect(self._show_status)
        self.search_page.runs_changed.connect(self.runs_panel.schedule_refresh)
        self.search_page.running_changed.connect(
            lambda running: self.training_panel.set_blocked(
                SEARCH_RUNS if running else ""
            )
        )
        self.training_panel.training_changed.connect(
            self.search_page.set_training_running
        )

    def _restore_last_page(self) -> None:
        """The page shown when the window last closed (a lesson's own start
        page still wins: it is applied when the project binds)."""
        from guinet.gui.preferences import LAST_PAGE_KEY

        name = settings().value(LAST_PAGE_KEY)
        for index in range(self.tabs.count()):
            if self.tabs.tabText(index).replace("&", "") == name:
                self.tabs.setCurrentIndex(index)
                return

    @Slot(bool)
    def _autosave_on_run(self, running: bool) -> None:
        if running:
            self.autosave.save_now()

    @Slot(bool)
    def _on_training_changed(self, running: bool) -> None:
        if running:
            self.follow_up.hide()

    # -- start-up ---------------------------------------------------------------
    def start_loading_torch(self) -> None:
        """Called once the window is visible: shapes fill in when torch is ready."""
        self.statusBar().showMessage("Loading PyTorch…")
        self.torch_loader.start()

    @Slot()
    def _on_torch_loaded(self) -> None:
        self.designer.refresh()
        self.training_panel.refresh()
        from guinet.gui import torch_loader

        self.statusBar().showMessage(torch_loader.error() or "Ready", 5000)

    # -- actions and menus ------------------------------------------------------
    def _action(self, text: str, slot, shortcut=None, tip: str = "") -> QAction:  # type: ignore[no-untyped-def]
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    def _create_actions(self) -> None:
        key = QKeySequence.StandardKey
        self.new_action = self._action(
            "&New",
            self.new_project,
            key.New,
            "Start a new project (on the two-moons data)",
        )
        self.open_action = self._action("&Open…", self.open_dialog, key.Open)
        self.save_action = self._action("&Save", self.save, key.Save)
        self.save_as_action = self._action("Save &As…", self.save_as, key.SaveAs)
        self.save_lesson_action = self._action(
            "Save as &Lesson…",
            self.show_lesson_dialog,
            tip="Save the project as a lesson: its explanation, the page it opens "
            "on, and which controls the class sees",
        )
        self.export_action = self._action(
            "&Export…",
            self.show_export_dialog,
            "Ctrl+E",
            "Write the trained model as a file other tools read (TorchScript, "
            "ONNX, weights…)",
        )
        self.quit_action = self._action("&Quit", self.close, key.Quit)
        self.new_from_example_action = self._action(
            "New from E&xample…",
            self.new_from_example,
            "Ctrl+Shift+N",
            "The start page: pick an example to open as an unsaved copy",
        )
        self.getting_started_action = self._action(
            "&Getting Started",
            self.show_getting_started,
            None,
            "A short guided first run: an example, its data, its model, training",
        )
        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcuts([QKeySequence(key.Undo)])
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts(
            redo_shortcuts(QKeySequence.keyBindings(key.Redo))
        )
        designer = self.designer
        self.delete_action = self._action(
            "&Delete Layer", designer.delete_selected, key.Delete
        )
        self.delete_action.setShortcutContext(
            Qt.ShortcutContext.WidgetWithChildrenShortcut
        )
        designer.view.addAction(self.delete_action)
        self.duplicate_action = self._action(
            "D&uplicate Layer",
            designer.duplicate_selected,
            "Ctrl+D",
            "Copy the selected layer below it",
        )
        self.move_up_action = self._action(
            "Move Layer &Up", designer.move_selected_up, "Alt+Up"
        )
        self.move_down_action = self._action(
            "Move Layer Do&wn", designer.move_selected_down, "Alt+Down"
        )
        self.preferences_action = self._action(
            "&Preferences…",
            self.show_preferences,
            "Ctrl+,",
            "Theme, UI scale, default device and folders, the start page",
        )
        self.preferences_action.setMenuRole(QAction.MenuRole.PreferencesRole)

    def _create_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.new_action)
        file_menu.addAction(self.new_from_example_action)
        file_menu.addAction(self.open_action)
        self.recent_menu = QMenu("Open &Recent", self)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addMenu(self.recent_menu)
        self.examples_menu = examples = QMenu("Open &Example", self)
        for path in example_projects():
            # the example's title, as its file names it ("&" is not a mnemonic)
            action = examples.addAction(example_title(path).replace("&", "&&"))
            action.setStatusTip(f"{path.stem}: opens as an untitled copy")
            action.setData(str(path))
            action.triggered.connect(lambda _=False, p=path: self.open_example(p))
        file_menu.addMenu(examples)
        file_menu.addSeparator()
        file_menu.addAction(self.save_action)
        file_menu.addAction(self.save_as_action)
        file_menu.addAction(self.save_lesson_action)
        self.show_lesson_action = self.lesson_pane.toggleViewAction()
        self.show_lesson_action.setText("Show &Lesson")
        file_menu.addAction(self.show_lesson_action)
        file_menu.addSeparator()
        file_menu.addAction(self.export_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        edit_menu = bar.addMenu("&Edit")
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.delete_action)
        edit_menu.addAction(self.duplicate_action)
        edit_menu.addAction(self.move_up_action)
        edit_menu.addAction(self.move_down_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.preferences_action)

        self.view_controls.add_menus(bar)
        help_menu = bar.addMenu("&Help")
        self.view_controls.add_help(help_menu)
        self.concepts_action = self._action(
            "&Concepts",
            self.show_concepts,
            tip="What epoch, batch, learning rate, dropout... mean, in a sentence",
        )
        help_menu.addAction(self.concepts_action)
        help_menu.addAction(self.getting_started_action)
        help_menu.addAction(self._action("&About guinet", self._about))

    # -- project binding ----------------------------------------------------------
    def _bind(self, project: Project) -> None:
        if hasattr(self, "autosave"):  # the last project's changes were dealt with
            self.autosave.discard()
        self.undo_stack.clear()
        self.session.set_project(project)  # every page rebinds from it
        self._update_title()

    @property
    def project(self) -> Project:
        return self.session.project

    @Slot()
    def _update_title(self) -> None:
        if not self.built:
            return
        project = self.project
        title = project.display_name
        if project.path is None and project.name != title:
            title = f"{project.name} (not saved)"  # an example's copy
        self.setWindowTitle(f"{title}[*] — guinet")
        self.setWindowFilePath(str(self.project.path) if self.project.path else "")
        self.setWindowModified(not self.undo_stack.isClean())

    @Slot(str)
    def _show_status(self, message: str) -> None:
        self.statusBar().showMessage(message, 5000)

    @property
    def is_modified(self) -> bool:
        return not self.undo_stack.isClean()

    # -- files ------------------------------------------------------------------
    def maybe_save(self) -> bool:
        """Ask about unsaved changes, then about a running training; ``False``
        means the person cancelled."""
        return (
            self._ask_to_save()
            and self._ask_to_stop_training()
            and self._ask_to_stop_search()
        )

    def _ask_to_stop_search(self) -> bool:
        """While a search runs, ask to stop it; a yes stops it and waits."""
        return self._ask_to_stop(
            self.search_page.is_searching,
            "A search is running",
            "The hyperparameter search is still running. Stop the search?",
            self.search_page.stop,
        )

    def _ask_to_stop_training(self) -> bool:
        """While training, ask to stop it; a yes stops it and waits for its thread."""
        return self._ask_to_stop(
            self.training_panel.is_training,
            "Training is running",
            "The network is still training. Stop training?",
            self.training_panel.stop_training,
        )

    def _ask_to_stop(
        self, running: bool, title: str, question: str, stop: Callable[[], object]
    ) -> bool:
        """``True`` when nothing runs, or the person said yes and it stopped."""
        if not running:
            return True
        answer = QMessageBox.question(
            self,
            title,
            question,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        stop()
        return True

    def _ask_to_save(self) -> bool:
        if not self.is_modified:
            return True
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            f"Save the changes to {self.project.display_name} before closing it?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    @Slot()
    def new_project(self) -> bool:
        if not self.maybe_save():
            return False
        from guinet.core.project import Project

        self._bind(Project.new())
        self.statusBar().showMessage("New project", 3000)
        return True

    @Slot()
    def open_dialog(self) -> None:
        if not self.maybe_save():
            return
        from guinet.gui.preferences import projects_folder

        chosen = projects_folder()
        start = str(chosen) if chosen is not None else self._dialog_dir()
        path, _ = QFileDialog.getOpenFileName(self, "Open project", start, FILE_FILTER)
        if path:
            self.open_path(path, ask=False)

    def open_path(self, path: str | Path, ask: bool = True) -> bool:
        """Open a project file; a bad file gets a message and changes nothing."""
        from guinet.core.project import Project, ProjectError

        if ask and not self.maybe_save():
            return False
        try:
            project = Project.load(path)
        except ProjectError as exc:
            QMessageBox.warning(self, "Could not open the project", str(exc))
            self.statusBar().showMessage(str(exc), 10000)
            return False
        self._bind(project)
        self._add_recent(project.path)
        self.statusBar().showMessage(f"Opened {project.display_name}", 5000)
        return True

    def open_example(self, path: Path) -> bool:
        """Examples open as untitled copies, so saving never writes into the install."""
        from guinet.core.project import Project, ProjectError

        if not self.maybe_save():
            return False
        try:
            example = Project.load(path)
        except ProjectError as exc:
            QMessageBox.warning(self, "Could not open the example", str(exc))
            return False
        self._bind(example.untitled_copy())
        self.statusBar().showMessage(f"Opened the example “{example.name}”", 5000)
        return True

    @Slot()
    def save(self) -> bool:
        if self.project.path is None:
            return self.save_as()
        return self._save_to(self.project.path)

    @Slot()
    def save_as(self) -> bool:
        suggested = str(
            Path(self._dialog_dir())
            / (self.project.display_name if self.project.path else f"untitled{SUFFIX}")
        )
        path, _ = QFileDialog.getSaveFileName(
            self, "Save project as", suggested, FILE_FILTER
        )
        if not path:
            return False
        if not path.endswith(SUFFIX):
            path += SUFFIX
        return self._save_to(Path(path))

    def _save_to(self, path: Path) -> bool:
        from guinet.core.project import ProjectError

        try:
            saved = self.project.save(path)
        except ProjectError as exc:
            QMessageBox.warning(self, "Could not save", str(exc))
            return False
        self.undo_stack.setClean()
        self._update_title()
        self._add_recent(saved)
        self.statusBar().showMessage(f"Saved {saved}", 5000)
        return True

    def _dialog_dir(self) -> str:
        """Beside the project's file; else the preferred projects folder; else
        the last project's folder; else home."""
        from guinet.gui.preferences import projects_folder

        if self.project.path is not None:
            return str(self.project.path.parent)
        chosen = projects_folder()
        if chosen is not None:
            return str(chosen)
        recent = self.recent_files()
        return str(Path(recent[0]).parent) if recent else str(Path.home())

    # -- lessons --------------------------------------------------------------------
    def _build_lesson(self) -> None:
        from guinet.gui.lesson_pane import LessonPane, LessonRestrictions
        from guinet.gui.presentation import mark_side_panel

        # presentation mode hides it with the other side panels (Show Side
        # Panels, or File ▸ Show Lesson, brings it back)
        self.lesson_pane = LessonPane(self)
        mark_side_panel(self.lesson_pane)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.lesson_pane)
        # beside the pages, not over them: a quarter of a projector's width
        self.resizeDocks(
            [self.lesson_pane],
            [max(240, min(320, self.width() // 4))],
            Qt.Orientation.Horizontal,
        )
        self.lesson_pane.hide()
        self.lesson_restrictions = LessonRestrictions(self)
        self._lesson_project: Project | None = None
        self._lesson_shown: LessonSpec | None = None

    def _on_lesson_project_bound(self) -> None:
        """A project was opened: show its lesson and open on its start page."""
        if self._lesson_project is not None:
            self._lesson_project.changed.disconnect(self._show_lesson)
        self._lesson_project = project = self.project
        project.changed.connect(self._show_lesson)
        presenting = self.view_controls.presentation.active
        self._show_lesson(reveal=not presenting)
        lesson = project.lesson
        if lesson is not None and lesson.start_page is not None:
            self.lesson_restrictions.show_page(lesson.start_page)

    def _show_lesson(self, reveal: bool | None = None) -> None:
        """Show the lesson's text and apply its hidden and locked controls
        (again after every change: forms rebuild some editors); ``reveal``:
        open the pane too (a project was opened); a new lesson (Save as
        Lesson, its Undo) opens it as well, other edits leave a closed pane so."""
        project = self.project
        lesson = project.lesson
        if reveal is None:  # an edit: open the pane for a new lesson only
            reveal = lesson is not self._lesson_shown
        self._lesson_shown = lesson
        notes = [p.message for p in lesson.problems] if lesson is not None else []
        self.lesson_pane.show_lesson(lesson, project.name, notes, reveal)
        self.lesson_restrictions.apply(lesson)

    @Slot()
    def show_lesson_dialog(self) -> None:
        """File ▸ Save as Lesson…: write the lesson, then save the file."""
        from guinet.gui.lesson_dialog import LessonDialog

        if self.lesson_dialog is not None:
            self.lesson_dialog.deleteLater()
        dialog = LessonDialog(self.project.lesson, self.project.name, self)
        dialog.accepted.connect(self._on_lesson_written)
        self.lesson_dialog = dialog
        dialog.open()

    @Slot()
    def _on_lesson_written(self) -> None:
        from guinet.gui.commands import set_field

        dialog = self.lesson_dialog
        if dialog is None:
            return
        set_field(
            self.undo_stack,
            self.project,
            "lesson",
            dialog.lesson_dict(),
            "Write the lesson",
        )
        self.save()

    # -- export -------------------------------------------------------------------
    @Slot()
    def show_export_dialog(self) -> None:
        """File ▸ Export…: a window-modal dialog over the current project."""
        from guinet.gui.export_dialog import ExportDialog

        if self.export_dialog is not None:
            self.export_dialog.deleteLater()
        dialog = ExportDialog(self.session, settings(), self)
        dialog.exported.connect(self._on_exported)
        self.export_dialog = dialog
        dialog.open()

    @Slot(list)
    def _on_exported(self, files: list[Path]) -> None:
        if files:
            names = ", ".join(file.name for file in files)
            self.statusBar().showMessage(
                f"Exported {names} to {files[0].parent}", 15000
            )

    # -- recent files -------------------------------------------------------------
    def recent_files(self) -> list[str]:
        value = settings().value("recent_files", [])
        if isinstance(value, str):
            return [value]
        if isinstance(value, (list, tuple)):
            return [str(v) for v in value]
        return []

    def _add_recent(self, path: Path | None) -> None:
        if path is None:
            return
        files = [str(path)] + [f for f in self.recent_files() if f != str(path)]
        settings().setValue("recent_files", files[:MAX_RECENT])

    @Slot()
    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = self.recent_files()
        for i, name in enumerate(files):
            action = self.recent_menu.addAction(
                f"&{i + 1 if i < 9 else 0} {Path(name).name}"
            )
            action.setToolTip(name)
            action.setStatusTip(name)
            action.triggered.connect(lambda _=False, p=name: self.open_path(p))
        if not files:
            self.recent_menu.addAction("No recent projects").setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction(
                "Clear list", lambda: settings().remove("recent_files")
            )

    # -- window ---------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if not self.built:
            if self.start_page is not None:
                self.start_page.stop()
            event.accept()
        elif self.maybe_save():
            # remember the window as it is outside presentation mode
            self.view_controls.presentation.set_active(False)
            self.save_window_state()
            self.autosave.stop()  # a clean exit (or changes let go): no recovery file
            self.training_panel.stop_training()
            self.search_page.stop()
            self.evaluate_panel.stop()
            self.data_panel.stop()
            if self.export_dialog is not None:
                self.export_dialog.task.stop()
            self.predict_panel.stop()
            self.runs_panel.stop()
            if self.start_page is not None:
                self.start_page.stop()
            self.torch_loader.wait(5)
            event.accept()
        else:
            event.ignore()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if self.built and event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        """A dropped project opens; a dropped data file or folder becomes the data."""
        urls = event.mimeData().urls()
        paths = [Path(url.toLocalFile()) for url in urls if url.isLocalFile()]
        if not paths:
            return
        event.acceptProposedAction()
        path = paths[0]
        if path.suffix == SUFFIX:
            self.open_path(path)
        else:
            self.tabs.setCurrentWidget(self.data_panel)
            self.data_panel.open_file(path)

    def show_concepts(self) -> None:
        """Help ▸ Concepts: the glossary every tooltip reads, searchable."""
        from guinet.gui.concepts_dialog import ConceptsDialog

        if self.concepts_dialog is None:
            self.concepts_dialog = ConceptsDialog(self)
        self.concepts_dialog.show()
        self.concepts_dialog.raise_()
        self.concepts_dialog.search.setFocus()

    @Slot()
    def _about(self) -> None:
        """Help ▸ About: the versions, with Copy for a bug report."""
        from guinet.gui.about_dialog import AboutDialog

        device = self.session.default_device if self.built else "auto"
        dialog = AboutDialog(device, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.about_dialog = dialog
        dialog.open()

    # -- preferences and crash recovery ---------------------------------------------
    @Slot()
    def show_preferences(self) -> None:
        """Edit ▸ Preferences…: applied at OK or Apply; Reset asks first."""
        from guinet.gui.preferences import PreferencesDialog

        if self.preferences_dialog is not None:
            self.preferences_dialog.deleteLater()
        self.preferences_dialog = PreferencesDialog(self)
        self.preferences_dialog.open()

    def offer_recovery(self) -> bool:
        """After a crash: offer the newest project it left unsaved (Restore or
        Discard); ``False`` when there is none."""
        from guinet.core.recovery import list_recoveries
        from guinet.gui.recovery import RecoveryDialog

        found = list_recoveries()
        if not found:
            return False
        dialog = RecoveryDialog(found[0], self)
        dialog.finished.connect(self._on_recovery_answered)
        self.recovery_dialog = dialog
        dialog.open()
        return True

    @Slot(int)
    def _on_recovery_answered(self, result: int) -> None:
        from guinet.core.recovery import RecoveryError
        from guinet.gui.recovery import RecoveryDialog

        dialog = self.recovery_dialog
        if dialog is None:
            return
        self.recovery_dialog = None
        dialog.deleteLater()
        recovery = dialog.recovery
        if result == RecoveryDialog.DISCARDED:
            recovery.remove()
            self.offer_recovery()  # the next one a crash left, if any
            return
        if result != QDialog.DialogCode.Accepted:
            return  # closed: asked again at the next start
        self.build()
        if not self.maybe_save():
            return
        try:
            project = recovery.load()
        except RecoveryError as exc:
            QMessageBox.warning(self, "Could not restore the project", str(exc))
            return
        self._bind(project)
        self.undo_stack.resetClean()  # modified: the changes are not in its file
        self._update_title()
        self.hide_start_page()
        self.follow_up.hide()
        if self.autosave.save_now() is not None:  # now this window's to keep
            recovery.remove()
        self.statusBar().showMessage(
            f"Restored {recovery.name} as it was at {recovery.saved_text()}", 10000
        )
