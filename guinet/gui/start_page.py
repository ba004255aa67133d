"""The start page: a gallery of the bundled examples, the recent projects and
"Start empty", shown on launch and from File ▸ New from example….

The page only says what the person chose (its signals); the main window opens
it. Cards reflow into as many columns as the width allows, so nothing is
clipped on a 1280×720 projector.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent, QMouseEvent, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from guinet.core.lessons import examples
from guinet.gui.thumbnails import SIZE, ThumbnailLoader

CARD_WIDTH = SIZE[0] + 20
CARD_SPACING = 14
RECENT_SHOWN = 8
#: QSettings key of the "Show the start page at launch" preference.
SHOW_AT_LAUNCH_KEY = "start_page/show_at_launch"


@dataclass(frozen=True)
class GalleryEntry:
    """One example as its card shows it."""

    path: Path
    title: str
    teaches: str
    details: str = ""


def _made_of(path: Path) -> str:
    """A line on what an example without a lesson summary is made of."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    if not isinstance(raw, dict):
        return ""
    layers = raw.get("model", {}).get("layers", [])
    source = raw.get("data", {}).get("source", {})
    data = source.get("name") or Path(str(source.get("path", "data"))).stem
    kinds = {layer.get("type") for layer in layers if isinstance(layer, dict)}
    network = "a small CNN" if "Conv2d" in kinds else "an MLP"
    return f"{network[0].upper()}{network[1:]} learns the {data} data."


def gallery_entries() -> list[GalleryEntry]:
    """Every bundled example, in the lessons' order (:func:`examples`)."""
    entries = []
    for info in examples():
        details = "\n\n".join(
            part
            for part in (info.text, f"Result: {info.result}" * bool(info.result))
            if part
        )
        entries.append(
            GalleryEntry(
                info.path,
                info.title,
                info.summary or _made_of(info.path),
                details,
            )
        )
    return entries


class ExampleCard(QFrame):
    """A clickable card: the data's picture, the title, what it teaches."""

    clicked = Signal()

    def __init__(self, entry: GalleryEntry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entry = entry
        self.setObjectName("exampleCard")
        self.setFixedWidth(CARD_WIDTH)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Maximum)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        tip = f"Open “{entry.title}” as an unsaved copy"
        self.setToolTip(f"{tip}\n\n{entry.details}" if entry.details else tip)
        self.setAccessibleName(entry.title)
        self.box = layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.setSpacing(6)
        self.picture = QLabel()
        self.picture.setObjectName("cardPicture")
        self.picture.setFixedSize(QSize(*SIZE))
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setText("…")
        self.title = QLabel(entry.title)
        self.title.setObjectName("cardTitle")
        self.title.setWordWrap(True)
        self.teaches = QLabel(entry.teaches)
        self.teaches.setObjectName("cardText")
        self.teaches.setWordWrap(True)
        self.teaches.setAlignment(
            Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft
        )
        for label in (self.picture, self.title, self.teaches):
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        layout.addWidget(self.picture)
        layout.addWidget(self.title)
        layout.addWidget(self.teaches)

    @property
    def has_picture(self) -> bool:
        pixmap = self.picture.pixmap()
        return pixmap is not None and not pixmap.isNull()

    def set_picture(self, path: str) -> None:
        """Show the picture at ``path`` ("" or a bad file: say there is none)."""
        pixmap = QPixmap(path) if path else QPixmap()
        if pixmap.isNull():
            self.picture.setText("no picture")
        else:
            self.picture.setPixmap(pixmap)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(
            event.position().toPoint()
        ):
            self.clicked.emit()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.clicked.emit()
            return
        super().keyPressEvent(event)


class CardGrid(QWidget):
    """Cards in as many columns as fit the width; re-laid out on resize."""

    def __init__(self, cards: list[ExampleCard], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cardGrid")
        self.cards = cards
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(CARD_SPACING)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.columns = 0
        self._reflow(3)
        # one height for every card (the tallest title and line), so rows line up
        tallest = max(
            (card.box.totalHeightForWidth(CARD_WIDTH) for card in cards), default=0
        )
        for card in cards:
            card.setMinimumHeight(tallest)

    def columns_for(self, width: int) -> int:
        return max(1, (width + CARD_SPACING) // (CARD_WIDTH + CARD_SPACING))

    def _reflow(self, columns: int) -> None:
        if columns == self.columns:
            return
        self.columns = columns
        for card in self.cards:
            self.grid.removeWidget(card)
        for i, card in enumerate(self.cards):
            self.grid.addWidget(
                card, i // columns, i % columns, Qt.AlignmentFlag.AlignTop
            )
        for row in range(self.grid.rowCount()):
            self.grid.setRowStretch(row, 0)
        # the rows keep their cards' heights; what is left stays below them
        self.grid.setRowStretch(-(-len(self.cards) // columns), 1)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._reflow(self.columns_for(event.size().width()))

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(CARD_WIDTH, super().minimumSizeHint().height())


class StartPage(QWidget):
    """What to start with. The window connects the signals and opens the
    chosen thing; ``show_at_launch`` is the preference's checkbox."""

    example_chosen = Signal(Path)
    recent_chosen = Signal(str)
    empty_chosen = Signal()
    getting_started_requested = Signal()
    show_at_launch_changed = Signal(bool)
    back_requested = Signal()

    def __init__(self, show_at_launch: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("startPage")
        self.entries = gallery_entries()
        self.cards = [ExampleCard(entry) for entry in self.entries]
        for card in self.cards:
            card.clicked.connect(self._on_card_clicked)
        self._by_path = {str(card.entry.path): card for card in self.cards}

        heading = QLabel("Start with an example")
        heading.setObjectName("startHeading")
        intro = QLabel(
            "Each example opens as an unsaved copy with its data, its network "
            "and its training settings ready: press Train (F5) to watch it learn."
        )
        intro.setObjectName("muted")
        intro.setWordWrap(True)
        self.grid = CardGrid(self.cards)
        scroll = QScrollArea()
        scroll.setObjectName("gallery")
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.grid)
        self.gallery = scroll
        column = QVBoxLayout()
        column.addWidget(heading)
        column.addWidget(intro)
        column.addSpacing(4)
        column.addWidget(scroll, 1)

        self.empty_button = QPushButton("Start empty")
        self.empty_button.setObjectName("startEmpty")
        self.empty_button.setToolTip("A new project: no layers yet, the two-moons data")
        self.empty_button.clicked.connect(self.empty_chosen)
        self.back_button = QPushButton("Back to the project")
        self.back_button.setToolTip("Leave the start page (Esc)")
        self.back_button.clicked.connect(self.back_requested)
        self.back_button.hide()
        self.getting_started_button = QPushButton("Getting started…")
        self.getting_started_button.setToolTip("A short guided first run")
        self.getting_started_button.clicked.connect(self.getting_started_requested)
        recent_title = QLabel("Recent projects")
        recent_title.setObjectName("panelTitle")
        self.recent_box = QVBoxLayout()
        self.recent_box.setSpacing(2)
        self.recent_buttons: list[QPushButton] = []
        self.show_at_launch = QCheckBox("Show the start page at launch")
        self.show_at_launch.setChecked(show_at_launch)
        self.show_at_launch.toggled.connect(self.show_at_launch_changed)

        side = QVBoxLayout()
        side.setSpacing(8)
        side.addWidget(self.back_button)
        side.addWidget(self.empty_button)
        side.addWidget(self.getting_started_button)
        side.addSpacing(12)
        side.addWidget(recent_title)
        side.addLayout(self.recent_box)
        side.addStretch(1)
        side.addWidget(self.show_at_launch)
        side_widget = QWidget()
        side_widget.setObjectName("startSide")
        side_widget.setLayout(side)
        side_widget.setFixedWidth(230)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 12)
        layout.setSpacing(18)
        layout.addLayout(column, 1)
        layout.addWidget(side_widget)

        self.thumbnails = ThumbnailLoader(self)
        self.thumbnails.thumbnail_ready.connect(self._on_thumbnail)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Escape and self.back_button.isVisible():
            self.back_requested.emit()
            return
        super().keyPressEvent(event)

    def card(self, path: Path) -> ExampleCard | None:
        return self._by_path.get(str(path))

    def load_pictures(self) -> None:
        """Ask for the cards' pictures (cached ones arrive at once)."""
        missing = [c.entry.path for c in self.cards if not c.has_picture]
        if missing:
            self.thumbnails.request(missing)

    def stop(self) -> None:
        self.thumbnails.stop()

    def set_recent(self, files: list[str]) -> None:
        """Show ``files`` (newest first) as buttons; a missing one is greyed."""
        for button in self.recent_buttons:
            self.recent_box.removeWidget(button)
            button.hide()
            button.deleteLater()
        self.recent_buttons = []
        for name in files[:RECENT_SHOWN]:
            path = Path(name)
            exists = path.is_file()
            button = QPushButton(path.name if exists else f"{path.name} (missing)")
            button.setObjectName("recentProject")
            button.setFlat(True)
            button.setToolTip(name)
            button.setEnabled(exists)
            button.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            button.setProperty("path", name)
            button.clicked.connect(self._on_recent_clicked)
            self.recent_box.addWidget(button)
            self.recent_buttons.append(button)
        if not files:
            none = QPushButton("No recent projects yet")
            none.setObjectName("recentProject")
            none.setFlat(True)
            none.setEnabled(False)
            self.recent_box.addWidget(none)
            self.recent_buttons.append(none)

    @Slot()
    def _on_card_clicked(self) -> None:
        card = self.sender()
        if isinstance(card, ExampleCard):
            self.example_chosen.emit(card.entry.path)

    @Slot()
    def _on_recent_clicked(self) -> None:
        button = self.sender()
        if isinstance(button, QPushButton):
            self.recent_chosen.emit(str(button.property("path")))

    @Slot(str, str)
    def _on_thumbnail(self, example: str, picture: str) -> None:
        card = self._by_path.get(example)
        if card is not None:
            card.set_picture(picture)
