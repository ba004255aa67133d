"""Small widgets shared by the pages."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QResizeEvent, QTextDocument
from PySide6.QtGui import Qt as QtGuiQt
from PySide6.QtWidgets import (
    QLabel,
    QLayout,
    QLayoutItem,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyleOptionButton,
    QStylePainter,
    QVBoxLayout,
    QWidget,
)


def titled(title: str, widget: QWidget) -> QWidget:
    """``widget`` under a small bold panel title."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(4, 0, 4, 0)
    layout.setSpacing(4)
    label = QLabel(title)
    label.setObjectName("panelTitle")
    layout.addWidget(label)
    layout.addWidget(widget, 1)
    return box


class ElidedLabel(QLabel):
    """One line of plain text that shrinks with its room, ending in "…"
    (the whole text is the tooltip): a long file name never widens a bar
    past the window."""

    def __init__(
        self,
        text: str = "",
        parent: QWidget | None = None,
        mode: Qt.TextElideMode = Qt.TextElideMode.ElideMiddle,
    ) -> None:
        super().__init__(text, parent)
        self.mode = mode
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(40, super().minimumSizeHint().height())

    def shown_text(self) -> str:
        """The text as drawn at the current width."""
        room = self.contentsRect().width()
        return self.fontMetrics().elidedText(self.text(), self.mode, room)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setPen(self.palette().windowText().color())
        painter.drawText(
            self.contentsRect(),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            self.shown_text(),
        )
        painter.end()


class FixButton(QPushButton):
    """A fix's button, "Fix: <what it does>" (one undoable step). Where the
    row is narrow a long label ends in "…", its whole text in the tooltip, so
    a fix never widens a page past its window; ``text()`` stays whole."""

    #: what pressing it does, beyond the label
    HELP = "Make this change (Ctrl+Z undoes it)"
    #: the fewest characters shown before the "…"
    SHORTEST = 12

    def __init__(self, label: str, parent: QWidget | None = None) -> None:
        super().__init__(f"Fix: {label}")
        self.setObjectName("fixButton")
        self.setToolTip(self.HELP)
        # narrower than its whole label when the row has no more room
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setParent(parent)

    def event(self, event: QEvent) -> bool:
        row = self.parentWidget()
        if row is not None and event.type() == QEvent.Type.ParentAboutToChange:
            row.removeEventFilter(self)
        elif row is not None and event.type() == QEvent.Type.ParentChange:
            row.installEventFilter(self)
        return super().event(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        row = self.parentWidget()
        if event.type() == QEvent.Type.Resize and watched is row and row is not None:
            # at most half the row: the problem's words keep the other half
            self.setMaximumWidth(max(row.width() // 2, self.minimumSizeHint().width()))
        return False

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        full = self.sizeHint()
        text = self.fontMetrics().horizontalAdvance(self.text())
        shortest = self.fontMetrics().horizontalAdvance(
            self.text()[: self.SHORTEST] + "…"
        )
        return QSize(min(full.width(), full.width() - text + shortest), full.height())

    def shown_text(self) -> str:
        """The label as drawn at the current width."""
        if self.width() >= self.sizeHint().width():
            return self.text()
        metrics = self.fontMetrics()
        # the style's margins and padding: what the size hint adds to the text
        padding = self.sizeHint().width() - metrics.horizontalAdvance(self.text())
        room = max(self.width() - padding, 0)
        return metrics.elidedText(self.text(), Qt.TextElideMode.ElideRight, room)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        cut = self.shown_text() != self.text()
        self.setToolTip(f"{self.text()}\n{self.HELP}" if cut else self.HELP)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        option = QStyleOptionButton()
        self.initStyleOption(option)
        option.text = self.shown_text()
        painter = QStylePainter(self)
        painter.drawControl(QStyle.ControlElement.CE_PushButton, option)


class FittedText(QWidget):
    """A caption of at most ``lines`` word-wrapped lines, the last ending in
    "…" when the text is longer (the whole text is the tooltip): under a plot
    in a narrow pane the plot keeps the height. ``text()`` is the whole text;
    rich text is drawn plain (its markup stays in the tooltip)."""

    def __init__(self, text: str = "", lines: int = 2, parent: QWidget | None = None):
        super().__init__(parent)
        self.lines = lines
        self._text = ""
        policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setText(text)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:  # noqa: N802 - as QLabel's
        self._text = text
        if "<" in text and QtGuiQt.mightBeRichText(text):
            doc = QTextDocument()
            doc.setHtml(text)
            self._plain = doc.toPlainText().replace("\u2029", " ").replace("\n", " ")
        else:
            self._plain = text
        self.setToolTip(text)
        self.updateGeometry()
        self.update()

    def shown_lines(self, width: int | None = None) -> list[str]:
        """The lines drawn at ``width`` (the widget's own by default)."""
        room = self.contentsRect().width() if width is None else width
        if not self._plain or room <= 0:
            return []
        metrics = self.fontMetrics()
        words = self._plain.split()
        lines: list[str] = []
        line = ""
        for k, word in enumerate(words):
            candidate = f"{line} {word}" if line else word
            if metrics.horizontalAdvance(candidate) <= room or not line:
                line = candidate
                continue
            lines.append(line)
            line = word
            if len(lines) == self.lines - 1:  # the last line takes the rest
                line = " ".join(words[k:])
                break
        lines.append(line)
        last = lines[-1]
        if metrics.horizontalAdvance(last) > room:
            lines[-1] = metrics.elidedText(last, Qt.TextElideMode.ElideRight, room)
        return lines[: self.lines]

    def is_cut(self) -> bool:
        """Whether some of the text is only in the tooltip."""
        return " ".join(self.shown_lines()) != " ".join(self._plain.split())

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        margins = self.contentsMargins()
        room = width - margins.left() - margins.right()
        count = len(self.shown_lines(room))
        if not count:
            return 0
        return (
            count * self.fontMetrics().lineSpacing() + margins.top() + margins.bottom()
        )

    def sizeHint(self) -> QSize:  # noqa: N802
        width = max(self.width(), 100)
        return QSize(
            min(self.fontMetrics().horizontalAdvance(self._plain), 400),
            self.heightForWidth(width),
        )

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(20, self.heightForWidth(max(self.width(), 100)))

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setPen(self.palette().windowText().color())
        rect = self.contentsRect()
        step = self.fontMetrics().lineSpacing()
        for k, line in enumerate(self.shown_lines()):
            painter.drawText(
                QRect(rect.left(), rect.top() + k * step, rect.width(), step),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                line,
            )
        painter.end()


class FlowLayout(QLayout):
    """Widgets in a row that wraps onto more rows when the room is too narrow,
    each at least as wide as its size hint (a button never cuts its text).
    The first widget is elastic (a status line that elides): it takes what
    its row leaves and shrinks to the row's width when alone on it."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 6) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self.setContentsMargins(0, 0, 0, 0)
        self.setSpacing(spacing)

    def addItem(self, item: QLayoutItem) -> None:  # noqa: N802
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # noqa: N802
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # noqa: N802
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return self._arrange(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802
        super().setGeometry(rect)
        self._arrange(rect, apply=True)

    def sizeHint(self) -> QSize:  # noqa: N802
        shown = [i for i in self._items if not i.isEmpty()]
        width = sum(self._want(i) for i in shown)
        width += self.spacing() * max(len(shown) - 1, 0)
        height = max((i.sizeHint().height() for i in shown), default=0)
        return QSize(width, height)

    def minimumSize(self) -> QSize:  # noqa: N802
        shown = [i for i in self._items if not i.isEmpty()]
        widths = [self._want(i) for i in shown[1:]]
        if shown:
            widths.append(shown[0].minimumSize().width())
        margins = self.contentsMargins()
        return QSize(
            max(widths, default=0) + margins.left() + margins.right(),
            self.heightForWidth(max(widths, default=0)),
        )

    @staticmethod
    def _want(item: QLayoutItem) -> int:
        """The width ``item`` asks for (its widget's size hint: a layout item
        reports 0 for a widget whose width policy is Ignored)."""
        widget = item.widget()
        return (widget.sizeHint() if widget else item.sizeHint()).width()

    def rows(self, width: int) -> list[list[QLayoutItem]]:
        """The shown items, row by row, at ``width``."""
        rows: list[list[QLayoutItem]] = []
        used = 0
        for k, item in enumerate(i for i in self._items if not i.isEmpty()):
            want = self._want(item)
            if k == 0 and item is self._items[0]:
                want = min(want, width)
            if rows and used + self.spacing() + want <= width:
                rows[-1].append(item)
                used += self.spacing() + want
            else:
                rows.append([item])
                used = want
        return rows

    def _arrange(self, rect: QRect, apply: bool) -> int:
        margins = self.contentsMargins()
        room = rect.adjusted(
            margins.left(), margins.top(), -margins.right(), -margins.bottom()
        )
        y = room.top()
        first = self._items[0] if self._items else None
        for row in self.rows(room.width()):
            height = max(i.sizeHint().height() for i in row)
            widths = [self._want(i) for i in row]
            if row[0] is first:  # the elastic one takes what is left
                rest = sum(widths[1:]) + self.spacing() * (len(row) - 1)
                widths[0] = max(room.width() - rest, 0)
            x = room.left()
            for item, width in zip(row, widths, strict=True):
                if apply:
                    h = min(item.sizeHint().height(), height)
                    item.setGeometry(
                        QRect(QPoint(x, y + (height - h) // 2), QSize(width, h))
                    )
                x += width + self.spacing()
            y += height + self.spacing()
        return max(y - self.spacing() - rect.top() + margins.bottom(), 0)
