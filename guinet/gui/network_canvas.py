"""The drawings of the network view: a dense network, and a CNN's conv layers.

:class:`DenseCanvas` paints units as circles in columns and weights as lines
whose colour is the sign (blue positive, orange negative, as in TensorFlow
Playground) and whose width is the size, thick enough for a projector; for
2-D data each unit holds its activation map. In step mode a line's width is
its weight's gradient and its colour the way the step moved it, and each
unit shows its value. Hovering a unit or a line
shows its numbers. :class:`ConvCanvas` paints each conv layer's filters and
the feature maps of one input. Both only draw what they are given: the
numbers and the map images are computed off the GUI thread
(:mod:`guinet.gui.network_view`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QToolTip, QWidget

if TYPE_CHECKING:
    from guinet.core.network import ConvView, NetworkDiagram
    from guinet.core.network_step import StepResult

POSITIVE = QColor("#1f6fb4")
NEGATIVE = QColor("#e8710a")
MAX_LINE = 7.0  # px: the largest weight's line, readable from the back of a room
MIN_LINE = 1.0


def diverging(values: np.ndarray, scale: float) -> np.ndarray:
    """RGBA bytes for ``values``: orange below 0, white at 0, blue above,
    full colour at ``±scale`` (the Playground's colouring)."""
    t = np.clip(values / (scale or 1.0), -1.0, 1.0)[..., None]
    white = np.array([255.0, 255.0, 255.0])
    pos = np.array([POSITIVE.red(), POSITIVE.green(), POSITIVE.blue()], float)
    neg = np.array([NEGATIVE.red(), NEGATIVE.green(), NEGATIVE.blue()], float)
    rgb = np.where(t >= 0, white + (pos - white) * t, white + (neg - white) * -t)
    alpha = np.full(values.shape + (1,), 255.0)
    return np.concatenate([rgb, alpha], axis=-1).astype(np.uint8)


def round_image(rgba: np.ndarray) -> np.ndarray:
    """``rgba`` with the corners outside its inscribed circle transparent, so
    a unit's map is drawn round without a (slow) clip path."""
    h, w = rgba.shape[:2]
    yy, xx = np.mgrid[:h, :w]
    outside = ((yy + 0.5 - h / 2) / (h / 2)) ** 2 + (
        (xx + 0.5 - w / 2) / (w / 2)
    ) ** 2 > 1
    out = rgba.copy()
    out[outside, 3] = 0
    return out


def greys(values: np.ndarray) -> np.ndarray:
    """RGBA bytes for a feature map: black at its lowest, white at its highest."""
    lo, hi = float(values.min()), float(values.max())
    t = (values - lo) / (hi - lo) if hi > lo else np.zeros_like(values)
    grey = (t * 255).astype(np.uint8)
    return np.stack([grey, grey, grey, np.full_like(grey, 255)], axis=-1)


def to_image(rgba: np.ndarray) -> QImage:
    """A QImage owning a copy of ``rgba`` (height × width × 4 bytes)."""
    data = np.ascontiguousarray(rgba)
    h, w = data.shape[:2]
    return QImage(data.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()


@dataclass
class DensePicture:
    """What one frame of the dense drawing shows (built off the GUI thread,
    except the QImages, made from ``maps`` on the GUI thread when drawn)."""

    diagram: NetworkDiagram
    maps: list[list[np.ndarray]] = field(default_factory=list)  # RGBA per unit
    step: StepResult | None = None


class DenseCanvas(QWidget):
    """Units and weights of a small dense network (see the module doc)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setMinimumSize(60, 80)  # a narrow pane: the picture shrinks
        self.picture: DensePicture | None = None
        self.message = ""
        self.hover_text = ""
        self._images: list[list[QImage]] = []
        self._centres: list[list[QPointF]] = []
        self._radius = 12.0
        #: The column titles drawn: (where, text, the full title).
        self.titles: list[tuple[QRectF, str, str]] = []

    def show_picture(self, picture: DensePicture | None, message: str = "") -> None:
        self.picture = picture
        self.message = message
        self._images = (
            [[to_image(m) for m in layer] for layer in picture.maps] if picture else []
        )
        self._place()
        self.update()

    # -- geometry ------------------------------------------------------------------
    def _place(self) -> None:
        self._centres = []
        self.titles = []
        if self.picture is None:
            return
        layers = self.picture.diagram.layers
        w, h = self.width(), self.height()
        metrics = QFontMetricsF(self._title_font())
        line = metrics.height()
        top = line + 8  # the layer titles
        bottom = line + 4 if any(layer.more for layer in layers) else 6.0
        most = max(len(layer.shown) for layer in layers)
        step_y = (h - top - bottom) / max(most, 1)
        columns = len(layers)
        # room at the sides for the input names and (in step mode) the output
        # values, no more: in a narrow pane the columns keep the width
        labels = QFontMetricsF(self.font())
        n_in = len(layers[0].shown)
        names = self._input_labels(
            min((h - top - bottom) / max(n_in, 1), max(step_y, line * 1.1))
        )
        step = self.picture.step
        if step is not None:  # the inputs' values stand where their names do
            names = [f"{float(step.values[0][i]):.2f}" for i in layers[0].shown]
        left = max((labels.horizontalAdvance(n) for n in names), default=0.0)
        right = 0.0
        if step is not None:  # the outputs' values right of their units
            outputs = [f"{float(step.values[-1][i]):.2f}" for i in layers[-1].shown]
            right = max(labels.horizontalAdvance(t) for t in outputs) + 4
        radius = max(7.0, min(26.0, step_y * 0.42))
        margin_l = min(left + radius + 10, w * 0.3)
        margin_r = min(right + radius + 8, w * 0.3)
        step_x = (w - margin_l - margin_r) / max(columns - 1, 1)
        self._radius = max(7.0, min(26.0, step_y * 0.42, step_x * 0.18))
        for c, layer in enumerate(layers):
            n = len(layer.shown)
            x = margin_l + c * step_x if columns > 1 else w / 2
            # a short column spreads its units apart enough for a label each
            apart = min((h - top - bottom) / max(n, 1), max(step_y, line * 1.1))
            start = top + (h - top - bottom - n * apart) / 2 + apart / 2
            self._centres.append([QPointF(x, start + i * apart) for i in range(n)])
        self._place_titles(step_x)

    def _title_font(self) -> QFont:
        font = QFont(self.font())
        font.setBold(True)
        return font

    def _input_labels(self, step_y: float) -> list[str]:
        """The input units' names, when their rows are tall enough to keep
        them apart (otherwise only in the units' tooltips)."""
        assert self.picture is not None
        first = self.picture.diagram.layers[0]
        if step_y < QFontMetricsF(self.font()).height() * 0.95:
            return []
        return list(first.names[: len(first.shown)])

    def _place_titles(self, step_x: float) -> None:
        """Each column's title, as long as fits between its neighbours: the
        full one ("Linear 1 · Tanh"), a short one ("L1 tanh"), the number
        ("L1"), or none; all columns at the same length, never overlapping
        (the full title is in each unit's tooltip and the title's own)."""
        assert self.picture is not None
        layers = self.picture.diagram.layers
        metrics = QFontMetricsF(self._title_font())
        gap = metrics.horizontalAdvance(" ")
        w = float(self.width())
        xs = [c[0].x() if c else w / 2 for c in self._centres]
        # each column's room: up to half way to its neighbours, inside the canvas
        rooms = []
        for c, x in enumerate(xs):
            half = step_x / 2 - gap / 2 if len(xs) > 1 else w / 2
            lo = max(x - half, 1.0) if c else 1.0
            hi = min(x + half, w - 1.0) if c < len(xs) - 1 else w - 1.0
            rooms.append((lo, hi))
        for level in range(len(_title_levels(layers[0]))):
            texts = [_title_levels(layer)[level] for layer in layers]
            rects = []
            for text, x, (lo, hi) in zip(texts, xs, rooms, strict=True):
                width = metrics.horizontalAdvance(text) + 2
                left = min(max(x - width / 2, lo), hi - width)
                rects.append(QRectF(left, 2, width, metrics.height() + 4))
            if all(
                r.left() >= lo - 0.5 and r.right() <= hi + 0.5
                for r, (lo, hi) in zip(rects, rooms, strict=True)
            ):
                self.titles = [
                    (rect, text, _title_levels(layer)[0])
                    for rect, text, layer in zip(rects, texts, layers, strict=True)
                    if text
                ]
                return

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        self._place()
        super().resizeEvent(event)

    # -- painting ------------------------------------------------------------------
    def edge_values(self, i: int) -> np.ndarray:
        """What the lines between unit layers ``i`` and ``i + 1`` show: the
        weights; in step mode each weight's gradient, its size as the width
        and, as the colour, the way the step moved the weight (the sign of
        the update — for SGD the opposite of the gradient's)."""
        assert self.picture is not None
        step = self.picture.step
        weights = self.picture.diagram.weights[i]
        if step is None:
            return weights
        layer = self.picture.diagram.layers[i + 1]
        before = self.picture.diagram.layers[i]
        cells = np.ix_(list(layer.shown), list(before.shown))
        grad = step.gradients[f"{layer.linear}.weight"][cells]
        update = step.updates[f"{layer.linear}.weight"][cells]
        return np.abs(grad) * np.where(update < 0, -1.0, 1.0)

    def line_widths(self) -> list[np.ndarray]:
        """Each line's width in pixels, per pair of unit layers: the size of
        what it shows against the largest shown (all lines share one scale)."""
        if self.picture is None:
            return []
        blocks = [self.edge_values(i) for i in range(len(self.picture.diagram.weights))]
        largest = max((float(np.abs(b).max()) for b in blocks if b.size), default=0.0)
        if largest <= 0:
            return [np.full(b.shape, MIN_LINE) for b in blocks]
        return [MIN_LINE + (MAX_LINE - MIN_LINE) * np.abs(b) / largest for b in blocks]

    def unit_centre(self, layer: int, unit: int) -> QPointF:
        """Where the ``unit``-th drawn unit of unit layer ``layer`` is drawn."""
        return self._centres[layer][unit]

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("white"))
        if self.picture is None:
            painter.setPen(QColor("#555"))
            painter.drawText(
                QRectF(self.rect()).adjusted(8, 8, -8, -8),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self.message,
            )
            return
        diagram = self.picture.diagram
        # lines grouped by colour and width: a few pens and one drawLines call
        # each, thin first so the heavy weights lie on top
        groups: dict[tuple[bool, int], list[QLineF]] = {}
        for i, widths in enumerate(self.line_widths()):
            block = self.edge_values(i)
            for row, end in enumerate(self._centres[i + 1]):
                for col, start in enumerate(self._centres[i]):
                    key = (bool(block[row, col] >= 0), round(2 * widths[row, col]))
                    groups.setdefault(key, []).append(QLineF(start, end))
        for (positive, width), lines in sorted(groups.items(), key=lambda g: g[0][1]):
            pen = QPen(POSITIVE if positive else NEGATIVE)
            pen.setWidthF(width / 2)
            painter.setPen(pen)
            painter.drawLines(lines)
        r = self._radius
        for c, layer in enumerate(diagram.layers):
            centres = self._centres[c]
            for u, centre in enumerate(centres):
                circle = QRectF(centre.x() - r, centre.y() - r, 2 * r, 2 * r)
                images = self._images[c] if c < len(self._images) else []
                if u < len(images):  # round already: see round_image
                    painter.drawImage(circle, images[u])
                    painter.setBrush(Qt.BrushStyle.NoBrush)
                else:
                    painter.setBrush(QColor("#f4f4f4"))
                painter.setPen(QPen(QColor("#333"), 2))
                painter.drawEllipse(circle)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                self._unit_label(painter, c, u, centre)
            if layer.more and centres:
                x = centres[0].x()
                bottom = centres[-1].y() + r + 2
                half = self._column_half_width()
                more = f"+{layer.more} more"
                if painter.fontMetrics().horizontalAdvance(more) > 2 * half:
                    more = f"+{layer.more}"
                painter.setPen(QColor("#222"))
                painter.drawText(
                    QRectF(x - half, bottom, 2 * half, painter.fontMetrics().height()),
                    Qt.AlignmentFlag.AlignCenter,
                    more,
                )
        painter.setFont(self._title_font())
        painter.setPen(QColor("#222"))
        for rect, text, _full in self.titles:
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        painter.end()

    def _unit_label(self, painter: QPainter, c: int, u: int, centre: QPointF) -> None:
        assert self.picture is not None
        r = self._radius
        step = self.picture.step
        layer = self.picture.diagram.layers[c]
        text = ""
        if step is not None:
            text = f"{float(step.values[c][layer.shown[u]]):.2f}"
        elif c == 0 and self._input_labels(self._row_step(0)):
            text = layer.names[u]
        if not text:
            return
        painter.setPen(QColor("#111"))
        tall = painter.fontMetrics().height()
        if c == 0:
            box = QRectF(0, centre.y() - tall / 2, max(centre.x() - r - 4, 0), tall)
            painter.drawText(
                box, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text
            )
        else:
            wide = painter.fontMetrics().horizontalAdvance(text) + 2
            box = QRectF(centre.x() + r + 2, centre.y() - r - tall / 2, wide, tall)
            painter.drawText(
                box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text
            )

    def _row_step(self, column: int) -> float:
        """The distance between the units of ``column``."""
        rows = self._centres[column] if column < len(self._centres) else []
        if len(rows) < 2:
            return float(self.height())
        return rows[1].y() - rows[0].y()

    def _column_half_width(self) -> float:
        xs = [c[0].x() for c in self._centres if c]
        if len(xs) < 2:
            return self.width() / 2
        return (xs[1] - xs[0]) / 2 - 2

    # -- hover ---------------------------------------------------------------------
    def text_at(self, pos: QPointF) -> str:
        """The numbers of the unit or the weight under ``pos`` ("" for none)."""
        if self.picture is None:
            return ""
        for rect, _text, full in self.titles:
            if rect.contains(pos):
                return full
        for c, centres in enumerate(self._centres):
            for u, centre in enumerate(centres):
                if (
                    math.dist((pos.x(), pos.y()), (centre.x(), centre.y()))
                    <= self._radius
                ):
                    return self._unit_text(c, u)
        best, best_d = "", 5.0
        for i in range(len(self.picture.diagram.weights)):
            for row, end in enumerate(self._centres[i + 1]):
                for col, start in enumerate(self._centres[i]):
                    d = _distance(pos, start, end)
                    if d < best_d:
                        best, best_d = self._edge_text(i, row, col), d
        return best

    def _unit_text(self, c: int, u: int) -> str:
        assert self.picture is not None
        diagram = self.picture.diagram
        layer = diagram.layers[c]
        unit = layer.shown[u]
        lines = [f"{layer.title}, {layer.names[u]}"]
        if c and diagram.biases[c - 1] is not None:
            lines.append(f"bias {float(diagram.biases[c - 1][u]):+.4f}")  # type: ignore[index]
        step = self.picture.step
        if step is not None:
            if c:
                lines.append(f"weighted sum z = {float(step.sums[c][unit]):+.4f}")
            lines.append(f"value a = {float(step.values[c][unit]):+.4f}")
            if c:
                key = f"{layer.linear}.bias"
                if key in step.gradients:
                    lines.append(
                        f"bias gradient {float(step.gradients[key][unit]):+.4g}"
                    )
                    lines.append(f"bias update {float(step.updates[key][unit]):+.4g}")
        return "\n".join(lines)

    def _edge_text(self, i: int, row: int, col: int) -> str:
        assert self.picture is not None
        diagram = self.picture.diagram
        before, layer = diagram.layers[i], diagram.layers[i + 1]
        weight = float(diagram.weights[i][row, col])
        lines = [
            f"weight {before.names[col]} → {layer.title} {layer.names[row]}",
            f"w = {weight:+.4f}",
        ]
        step = self.picture.step
        if step is not None:
            key = f"{layer.linear}.weight"
            out, inp = layer.shown[row], before.shown[col]
            grad = float(step.gradients[key][out, inp])
            update = float(step.updates[key][out, inp])
            lines += [
                f"gradient ∂loss/∂w = {grad:+.4g}",
                f"update (new − old) = {update:+.4g}",
                f"new w = {weight + update:+.4f}",
            ]
        return "\n".join(lines)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        text = self.text_at(event.position())
        self.hover_text = text
        if text:
            QToolTip.showText(event.globalPosition().toPoint(), text, self)
        else:
            QToolTip.hideText()
        super().mouseMoveEvent(event)


#: Short names of activations for narrow columns (others: their first letters).
_SHORT = {"Tanh": "tanh", "Sigmoid": "σ", "Softmax": "smax", "LeakyReLU": "LReLU"}


def _short_activation(name: str) -> str:
    parts = [p.strip() for p in name.split("→")]
    return "·".join(_SHORT.get(p, p if len(p) <= 5 else p[:4]) for p in parts)


def _title_levels(layer: object) -> list[str]:
    """A column's titles, longest first: full, short, numbered, none."""
    title = str(getattr(layer, "title", ""))
    activation = getattr(layer, "activation", None)
    full = title + (f" · {activation}" if activation else "")
    words = title.split()
    number = words[-1] if len(words) > 1 and words[-1].isdigit() else ""
    tag = f"{title[0]}{number}" if number else title[:2]
    short = tag + (f" {_short_activation(activation)}" if activation else "")
    return [full, short, tag, number or tag[:1], ""]


def _distance(p: QPointF, a: QPointF, b: QPointF) -> float:
    ax, ay, bx, by = a.x(), a.y(), b.x(), b.y()
    dx, dy = bx - ax, by - ay
    length = dx * dx + dy * dy
    t = (
        0.0
        if length == 0
        else max(0.0, min(1.0, ((p.x() - ax) * dx + (p.y() - ay) * dy) / length))
    )
    return math.dist((p.x(), p.y()), (ax + t * dx, ay + t * dy))


@dataclass
class ConvPicture:
    """Each conv layer's filter and map images (RGBA), built off the GUI thread."""

    views: list[ConvView]
    filters: list[list[np.ndarray]]
    maps: list[list[np.ndarray]]


class ConvCanvas(QWidget):
    """Per conv layer: a row of filters and a row of feature maps."""

    TILE = 40

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.picture: ConvPicture | None = None
        self.hover_text = ""
        self._tiles: list[tuple[QRectF, str]] = []
        self._images: list[tuple[list[QImage], list[QImage]]] = []

    def show_picture(self, picture: ConvPicture | None) -> None:
        self.picture = picture
        self._images = []
        if picture is not None:
            for filters, maps in zip(picture.filters, picture.maps, strict=True):
                self._images.append(
                    ([to_image(f) for f in filters], [to_image(m) for m in maps])
                )
        rows = 2 * len(self._images)
        self.setMinimumHeight(20 + rows * (self.TILE + 30))
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("white"))
        self._tiles = []
        if self.picture is None:
            painter.end()
            return
        tile = self.TILE
        y = 8.0
        for view, (filters, maps) in zip(self.picture.views, self._images, strict=True):
            for label, images, kind in (
                ("filters", filters, "filter"),
                ("feature maps", maps, "map"),
            ):
                more = f" (first {len(images)} of {view.channels})" if view.more else ""
                act = (
                    f" after {view.activation}"
                    if view.activation and kind == "map"
                    else ""
                )
                painter.setPen(QColor("#222"))
                painter.drawText(
                    QRectF(8, y, 600, 20),
                    Qt.AlignmentFlag.AlignLeft,
                    f"{view.title} {label}{act}{more}",
                )
                y += 22
                for k, image in enumerate(images):
                    rect = QRectF(8 + k * (tile + 6), y, tile, tile)
                    painter.drawImage(rect, image)
                    painter.setPen(QPen(QColor("#666"), 1))
                    painter.drawRect(rect)
                    self._tiles.append((rect, self._tile_text(view, kind, k)))
                y += tile + 8
        painter.end()

    def _tile_text(self, view: ConvView, kind: str, k: int) -> str:
        if kind == "filter":
            values = view.filters[k]
            return (
                f"{view.title}, filter {k + 1}: {values.shape[-2]}×{values.shape[-1]} "
                f"over {values.shape[0]} channel(s), weights {values.min():+.3f} … "
                f"{values.max():+.3f}"
            )
        values = view.maps[k]
        return (
            f"{view.title}, feature map {k + 1}: {values.shape[0]}×{values.shape[1]}, "
            f"values {values.min():+.3f} … {values.max():+.3f}"
        )

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        pos = event.position()
        self.hover_text = next((t for r, t in self._tiles if r.contains(pos)), "")
        if self.hover_text:
            QToolTip.showText(event.globalPosition().toPoint(), self.hover_text, self)
        super().mouseMoveEvent(event)
