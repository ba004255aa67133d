"""A project's lesson in the window: the pane with its text, the controls it
hides or locks, and the page it opens on.

:class:`LessonPane` is a dock beside the pages that shows the lesson's title,
its paragraph and the result it reaches; it appears when the bound project is
a lesson and can be closed (File ▸ Show Lesson brings it back).
:class:`LessonRestrictions` maps the lesson's control ids
(:data:`guinet.core.lessons.CONTROLS`) to the window's real widgets, hides
the hidden ones and greys out the locked ones (tooltip "locked by the
lesson"), and puts back exactly what it changed before applying a new lesson.
It re-applies after every project change, since forms rebuild some editors
(an optimizer's learning rate) when a setting changes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDockWidget,
    QFormLayout,
    QLabel,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from guinet.core.lessons import PAGES, LessonSpec

if TYPE_CHECKING:
    from guinet.gui.main_window import MainWindow

#: The tooltip of every control a lesson locks.
LOCKED_TIP = "locked by the lesson"


class LessonPane(QDockWidget):
    """The lesson's title, text and result, beside the pages."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Lesson", parent)
        self.setObjectName("lessonPane")
        self.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
        )
        self.title = QLabel()
        self.title.setObjectName("lessonTitle")
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self.title.setFont(font)
        self.text = QLabel()
        self.text.setObjectName("lessonText")
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.result = QLabel()
        self.result.setObjectName("lessonResult")
        self.result.setWordWrap(True)
        self.notes = QLabel()
        self.notes.setObjectName("help")
        self.notes.setWordWrap(True)
        body = QWidget()
        column = QVBoxLayout(body)
        column.addWidget(self.title)
        column.addWidget(self.text)
        column.addWidget(self.result)
        column.addWidget(self.notes)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(scroll)
        self.setMinimumWidth(240)

    def show_lesson(
        self,
        lesson: LessonSpec | None,
        name: str,
        notes: list[str],
        reveal: bool = True,
    ) -> None:
        """Show ``lesson`` (the project called ``name``); hidden without one.

        ``reveal=False`` only updates the text: a pane the person closed (or
        presentation mode hid) stays closed while they edit the project."""
        if lesson is None or lesson.is_empty:
            self.hide()
            return
        self.title.setText(lesson.title.strip() or name)
        self.text.setText(lesson.text.strip())
        result = lesson.result.strip()
        self.result.setText(f"<i>Reaches: {result}</i>" if result else "")
        self.result.setVisible(bool(result))
        self.notes.setText("\n".join(notes))
        self.notes.setVisible(bool(notes))
        if reveal:
            self.show()


class LessonRestrictions:
    """Hides and locks the controls a lesson names, on the window's widgets."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        #: what puts back each change made, newest last
        self._undo: list[Callable[[], None]] = []
        self.hidden: list[str] = []
        self.locked: list[str] = []

    # -- the vocabulary, on this window ---------------------------------------------
    def _pages(self) -> dict[str, QWidget]:
        w = self.window
        return {
            "data": w.data_panel,
            "model": w.designer,
            "train": w.training_panel,
            "evaluate": w.evaluate_panel,
            "predict": w.predict_panel,
        }

    def page(self, name: str) -> QWidget:
        return self._pages()[name]

    def _apply_one(self, control: str, hide: bool) -> None:
        w = self.window
        designer = w.designer
        form = w.training_panel.form
        area, _, name = control.partition(".")
        if area == "page":
            self._page(w.tabs, self.page(name), hide)
        elif control == "data.source":
            self._widget(w.data_panel.source, hide)
        elif control == "data.preparation":
            self._widget(w.data_panel.preparation, hide)
        elif control == "data.split":
            self._widget(w.data_panel.split, hide)
        elif control == "model.palette":
            self._widget(designer.layer_palette, hide)
        elif control == "model.layers":
            self._widget(designer.view, hide)
            if not hide:  # nothing added, moved or removed either
                self._widget(designer.layer_palette, False)
                for action in (
                    w.delete_action,
                    w.duplicate_action,
                    w.move_up_action,
                    w.move_down_action,
                ):
                    self._action(action)
        elif control == "model.inspector":
            self._page(designer.side_tabs, designer.inspector, hide)
        elif control == "model.code":
            self._page(designer.side_tabs, designer.code_view, hide)
        elif control in ("training.loss", "training.optimizer", "training.scheduler"):
            self._widget(form.boxes[name], hide)
        elif control == "training.lr":
            editor = form.optimizer.editors.get("lr")
            if editor is not None:
                self._row(form.optimizer.args.form, editor, hide)
        elif control == "training.device":
            self._row(form.run.form, form.device, hide)
        elif name in form.sections:
            self._widget(form.sections[name], hide)
        elif name in form.run.rows:
            self._row(form.run.form, form.run.rows[name], hide)

    # -- the changes, each with its way back ---------------------------------------
    def _page(self, tabs: QTabWidget, page: QWidget, hide: bool) -> None:
        index = tabs.indexOf(page)
        if index < 0:
            return
        if hide:
            visible = tabs.isTabVisible(index)
            tabs.setTabVisible(index, False)
            self._undo.append(lambda: tabs.setTabVisible(tabs.indexOf(page), visible))
        else:
            self._lock(page)

    def _widget(self, widget: QWidget, hide: bool) -> None:
        if hide:
            hidden = widget.isHidden()
            widget.setVisible(False)
            self._undo.append(lambda: widget.setVisible(not hidden))
        else:
            self._lock(widget)

    def _row(self, form: QFormLayout, field: QWidget, hide: bool) -> None:
        label = form.labelForField(field)
        if hide:
            visible = form.isRowVisible(field)
            form.setRowVisible(field, False)
            self._undo.append(lambda: form.setRowVisible(field, visible))
            return
        self._lock(field)
        if label is not None:
            self._lock(label)

    def _lock(self, widget: QWidget) -> None:
        enabled, tip = widget.isEnabled(), widget.toolTip()
        widget.setEnabled(False)
        widget.setToolTip(f"{tip}\n\n{LOCKED_TIP}" if tip else LOCKED_TIP)

        def unlock() -> None:
            widget.setEnabled(enabled)
            widget.setToolTip(tip)

        self._undo.append(unlock)

    def _action(self, action: QAction) -> None:
        enabled = action.isEnabled()
        action.setEnabled(False)
        self._undo.append(lambda: action.setEnabled(enabled))

    # -- applying -------------------------------------------------------------------
    def clear(self) -> None:
        """Put back everything the last lesson changed."""
        while self._undo:
            undo = self._undo.pop()
            with contextlib.suppress(RuntimeError):  # a widget rebuilt meanwhile
                undo()
        self.hidden, self.locked = [], []

    def apply(self, lesson: LessonSpec | None) -> None:
        """Clear, then hide and lock what ``lesson`` names (hidden wins when a
        control is both)."""
        self.clear()
        if lesson is None:
            return
        self.hidden = lesson.known_hidden
        self.locked = [c for c in lesson.known_locked if c not in self.hidden]
        for control in self.hidden:
            self._apply_one(control, hide=True)
        for control in self.locked:
            self._apply_one(control, hide=False)
        tabs = self.window.tabs
        if not tabs.isTabVisible(tabs.currentIndex()):
            self.show_page(None)

    def show_page(self, name: str | None) -> None:
        """Make ``name`` the current page (the first visible one when it is
        hidden or ``None``)."""
        tabs = self.window.tabs
        if name in PAGES:
            index = tabs.indexOf(self.page(name))
            if index >= 0 and tabs.isTabVisible(index):
                tabs.setCurrentIndex(index)
                return
        for index in range(tabs.count()):
            if tabs.isTabVisible(index):
                tabs.setCurrentIndex(index)
                return
