"""How the whole application looks: theme, zoom and presentation mode.

A :class:`Look` says what is wanted (a theme, a zoom factor, whether a class
is watching); :class:`Appearance` applies it to the application once — the
application font, the Qt palette, the style sheet rendered from its template
at that scale, pyqtgraph's defaults for plots made later — and to every plot
in the windows it is asked to restyle (:func:`style_plots`): background,
axis colours and fonts, titles, and line widths. Views that paint themselves
read the recoloured :mod:`guinet.gui.theme` constants and the application
font, so they follow without code of their own; a view that needs more
connects to :attr:`Appearance.changed`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pyqtgraph as pg
from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from guinet.gui import theme

#: The zoom factors Ctrl+= and Ctrl+- step through.
ZOOM_STEPS = (0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0)
#: Presentation mode multiplies the zoom by this (text readable from the back).
PRESENTATION_SCALE = 1.5
#: Plot line widths in presentation mode (1 px otherwise: cheap to repaint).
PRESENTATION_PEN = 3.0
#: Where the choices are remembered.
ZOOM_KEY, THEME_KEY = "view/zoom", "view/theme"
#: What the person may choose: a theme, or the platform's colour scheme.
SYSTEM_THEME = "system"


@dataclass(frozen=True)
class Look:
    theme: str = "light"
    zoom: float = 1.0
    presenting: bool = False

    @property
    def scale(self) -> float:
        """How much larger than normal text and sizes are."""
        return self.zoom * (PRESENTATION_SCALE if self.presenting else 1.0)

    @property
    def pen_width(self) -> float:
        """Plot line width in px."""
        return PRESENTATION_PEN if self.presenting else 1.0

    def colors(self) -> dict[str, str]:
        return theme.palette(self.theme, contrast=self.presenting)

    def zoomed(self, steps: int) -> Look:
        """The next zoom step in (``steps`` > 0) or out, or 100 % for 0."""
        if steps == 0:
            return replace(self, zoom=1.0)
        nearest = min(
            range(len(ZOOM_STEPS)), key=lambda i: abs(ZOOM_STEPS[i] - self.zoom)
        )
        index = max(0, min(len(ZOOM_STEPS) - 1, nearest + steps))
        return replace(self, zoom=ZOOM_STEPS[index])


def system_theme() -> str:
    """The platform's colour scheme as a theme: ``dark`` where Qt reports a
    dark scheme, else ``light`` (also where it reports none)."""
    from PySide6.QtCore import Qt

    app = QGuiApplication.instance()
    if not isinstance(app, QGuiApplication):
        return "light"
    scheme = QGuiApplication.styleHints().colorScheme()
    return "dark" if scheme == Qt.ColorScheme.Dark else "light"


def resolve_theme(choice: str) -> str:
    """The theme to show for a choice (``system``: the platform's)."""
    if choice == SYSTEM_THEME:
        return system_theme()
    return choice if choice in theme.THEMES else "light"


def saved_theme_choice(store: QSettings) -> str:
    """The theme the person chose: a theme's name, or ``system``."""
    name = str(store.value(THEME_KEY, "light"))
    return name if name in theme.THEMES or name == SYSTEM_THEME else "light"


def saved_look(store: QSettings) -> Look:
    """The theme and zoom remembered from the last session (bad values: defaults)."""
    name = resolve_theme(saved_theme_choice(store))
    try:
        zoom = float(store.value(ZOOM_KEY, 1.0))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        zoom = 1.0
    zoom = min(ZOOM_STEPS[-1], max(ZOOM_STEPS[0], zoom))
    return Look(theme=name, zoom=zoom)


def save_look(store: QSettings, look: Look) -> None:
    store.setValue(THEME_KEY, look.theme)
    store.setValue(ZOOM_KEY, look.zoom)


class Appearance(QObject):
    """The application's look; one per application (:func:`appearance`)."""

    changed = Signal()

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.app = app
        #: the font size the platform gave the application: 100 %
        self.base_point_size = app.font().pointSizeF()
        self.look = Look()
        self._template = theme.template()

    def point_size(self, factor: float = 1.0) -> float:
        """The application font's size now, times ``factor``."""
        return self.base_point_size * self.look.scale * factor

    def set_look(self, look: Look) -> None:
        """Apply ``look`` to the application (nothing when it is the same)."""
        if look == self.look and self.app.property("guinet_look_applied"):
            return
        self.look = look
        colors = look.colors()
        theme.use_palette(colors)
        font = QFont(self.app.font())
        font.setPointSizeF(self.point_size())
        self.app.setFont(font)
        self.app.setPalette(qt_palette(self.app, look.theme, colors))
        sheet = theme.render_stylesheet(self._template, colors, look.scale)
        if self.app.styleSheet() != sheet:  # restyling every widget is not free
            self.app.setStyleSheet(sheet)
        pg.setConfigOptions(
            background=colors["surface"], foreground=colors["text-soft"]
        )
        self.app.setProperty("guinet_look_applied", True)
        self.changed.emit()


def qt_palette(app: QApplication, name: str, colors: dict[str, str]) -> QPalette:
    """The Qt palette the style sheet does not cover (plain labels, spin
    boxes, menus): the style's own for the light theme, the theme's colours
    for the dark one."""
    standard = app.style().standardPalette()
    if name == "light":
        return standard
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    result = QPalette(standard)
    pairs = {
        role.Window: "window",
        role.WindowText: "text",
        role.Base: "surface",
        role.AlternateBase: "panel",
        role.Text: "text",
        role.Button: "panel",
        role.ButtonText: "text",
        role.ToolTipBase: "surface",
        role.ToolTipText: "text",
        role.Highlight: "accent",
        role.HighlightedText: "on-accent",
        role.PlaceholderText: "text-muted",
        role.BrightText: "text-strong",
        role.Link: "accent-text",
        role.Light: "border",
        role.Midlight: "border",
        role.Mid: "input-border",
        role.Dark: "window",
        role.Shadow: "window",
    }
    for which, key in pairs.items():
        result.setColor(which, QColor(colors[key]))
    for which in (role.Text, role.WindowText, role.ButtonText):
        result.setColor(group.Disabled, which, QColor(colors["disabled-text"]))
    return result


_appearance: Appearance | None = None


def appearance() -> Appearance:
    """The running application's :class:`Appearance` (made on first use)."""
    global _appearance
    app = QApplication.instance()
    assert isinstance(app, QApplication), "create the QApplication first"
    if _appearance is None or _appearance.app is not app:
        _appearance = Appearance(app)
    return _appearance


def style_plots(root: QWidget, look: Look | None = None) -> None:
    """Restyle every pyqtgraph view under ``root`` for ``look`` (the current
    one by default): background, axes, titles, fonts and line widths."""
    current = appearance()
    look = look or current.look
    colors = look.colors()
    for view in root.findChildren(pg.GraphicsView):
        view.setBackground(colors["surface"])
        for item in _plot_items(view):
            style_plot_item(item, look, current.point_size(0.9))


def _plot_items(view: pg.GraphicsView) -> list[pg.PlotItem]:
    if isinstance(view, pg.PlotWidget):
        return [view.getPlotItem()]
    layout = getattr(view, "ci", None)
    if layout is None:
        return []
    return [item for item in layout.items if isinstance(item, pg.PlotItem)]


def style_plot_item(plot: pg.PlotItem, look: Look, point_size: float) -> None:
    colors = look.colors()
    foreground = colors["text-soft"]
    font = QFont(QApplication.font())
    font.setPointSizeF(point_size)
    for side in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(side)
        axis.setPen(foreground)
        axis.setTextPen(foreground)
        axis.setTickFont(font)
        if axis.labelText or axis.labelUnits:
            axis.labelStyle = {"color": foreground, "font-size": f"{point_size:.3g}pt"}
            axis._updateLabel()
    title = plot.titleLabel.text
    if title and plot.titleLabel.isVisible():
        plot.setTitle(title, size=f"{point_size:.3g}pt", color=foreground)
    for item in plot.listDataItems():
        _scale_pen(item, look.pen_width)
    # the labels on marker lines (best epoch, early stop) sit on the page's
    # surface, not on white: readable in the dark theme too
    label_fill = QColor(colors["surface"])
    label_fill.setAlpha(210)
    for item in plot.items:
        label = getattr(item, "label", None)
        if isinstance(item, pg.InfiniteLine) and isinstance(label, pg.TextItem):
            label.fill = pg.mkBrush(label_fill)
            label.update()
    legend = plot.legend
    if legend is not None:
        fill = QColor(colors["surface"])
        fill.setAlpha(210)
        legend.setBrush(fill)
        legend.setLabelTextColor(foreground)
        legend.setLabelTextSize(f"{point_size:.3g}pt")
        for _sample, label in legend.items:
            label.setText(label.text)  # the two setters above only store


def _scale_pen(item: pg.PlotDataItem, width: float) -> None:
    """Lines drawn 1 px wide (or as made) get ``width`` times their own width."""
    pen = item.opts.get("pen")
    if pen is None:
        return
    pen = pg.mkPen(pen)
    if pen.style() == pg.QtCore.Qt.PenStyle.NoPen:
        return
    base = getattr(item, "_guinet_base_width", None)
    if base is None:
        base = max(1.0, pen.widthF())
        item._guinet_base_width = base
    pen.setWidthF(base * width)
    pen.setCosmetic(True)
    item.setPen(pen)
