"""File ▸ Save as Lesson…: the dialog where a teacher writes a lesson.

It edits the project's ``lesson`` section (see :mod:`guinet.core.lessons`):
the title, the one-line summary, the explanation shown beside the project,
the result it reaches, the page it opens on, and a checklist of every control
with "hide" and "lock" boxes. :meth:`LessonDialog.lesson_dict` is the section
as the file will hold it; keys the dialog does not edit (``expected``, ids a
newer guinet knows) are kept.
"""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from guinet.core.lessons import CONTROLS, PAGE_TITLES, PAGES, LessonSpec


class LessonDialog(QDialog):
    """Writes ``lesson`` (or a new one) for the project named ``name``."""

    def __init__(
        self, lesson: LessonSpec | None, name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Save as Lesson")
        self.setObjectName("lessonDialog")
        self._base: dict[str, Any] = (
            (lesson.to_dict() or {}) if lesson is not None else {}
        )
        given = lesson if lesson is not None else LessonSpec({})
        self.title = QLineEdit(given.title)
        self.title.setPlaceholderText(name)
        self.summary = QLineEdit(given.summary)
        self.summary.setPlaceholderText("One line on what the lesson teaches")
        self.text = QPlainTextEdit(given.text)
        self.text.setPlaceholderText(
            "The explanation shown beside the project: what to look at, what to try"
        )
        self.result = QLineEdit(given.result)
        self.result.setPlaceholderText("e.g. reaches ~97% test accuracy in 20 epochs")
        self.start_page = QComboBox()
        self.start_page.addItem("As usual (the Model page)", None)
        for page in PAGES:
            self.start_page.addItem(PAGE_TITLES[page], page)
        self.start_page.setCurrentIndex(
            max(0, self.start_page.findData(given.start_page))
        )

        fields = QFormLayout()
        fields.addRow("Title", self.title)
        fields.addRow("In one line", self.summary)
        fields.addRow("Explanation", self.text)
        fields.addRow("Result", self.result)
        fields.addRow("Opens on", self.start_page)

        self.hide_boxes: dict[str, QCheckBox] = {}
        self.lock_boxes: dict[str, QCheckBox] = {}
        grid = QGridLayout()
        grid.addWidget(QLabel("<b>Control</b>"), 0, 0)
        grid.addWidget(QLabel("<b>Hidden</b>"), 0, 1)
        grid.addWidget(QLabel("<b>Locked</b>"), 0, 2)
        for row, (control, words) in enumerate(CONTROLS.items(), start=1):
            label = QLabel(words)
            label.setToolTip(control)
            grid.addWidget(label, row, 0)
            for column, (boxes, chosen, word) in enumerate(
                (
                    (self.hide_boxes, given.hidden, "hide"),
                    (self.lock_boxes, given.locked, "lock"),
                ),
                start=1,
            ):
                box = QCheckBox(word)
                box.setObjectName(f"{word}:{control}")
                box.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
                box.setChecked(control in chosen)
                boxes[control] = box
                grid.addWidget(box, row, column)
        checklist = QWidget()
        checklist.setLayout(grid)
        scroll = QScrollArea()
        scroll.setWidget(checklist)
        scroll.setWidgetResizable(True)
        scroll.setMinimumHeight(180)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save
            | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(fields)
        layout.addWidget(
            QLabel("What the class sees: hide a control, or lock it (shown, greyed)")
        )
        layout.addWidget(scroll, 1)
        layout.addWidget(self.buttons)
        self.resize(640, 620)

    def lesson_dict(self) -> dict[str, Any]:
        """The ``lesson`` section as the dialog has it now."""
        out = copy.deepcopy(self._base)
        texts = {
            "title": self.title.text().strip(),
            "summary": self.summary.text().strip(),
            "text": self.text.toPlainText().strip(),
            "result": self.result.text().strip(),
        }
        for key, value in texts.items():
            if value:
                out[key] = value
            else:
                out.pop(key, None)
        page = self.start_page.currentData()
        if page:
            out["start_page"] = page
        else:
            out.pop("start_page", None)
        for key, boxes in (("hidden", self.hide_boxes), ("locked", self.lock_boxes)):
            # ids this guinet does not know stay as they were
            before = self._base.get(key)
            before = before if isinstance(before, list) else []
            unknown = [c for c in before if c not in CONTROLS]
            out[key] = [c for c, box in boxes.items() if box.isChecked()] + unknown
        return out
