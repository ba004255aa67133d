"""A canvas to draw on with the mouse, and a view of a tiny picture enlarged.

:class:`DrawingCanvas` is a square of chalk-white ink on black, the way the
8×8 digits hold their strokes (ink is the high value), drawn with a thick
soft pen.
Its pen is a few antialiased strokes, each narrower and brighter than the
last (lightening only, so crossing a stroke never darkens it). It says
:attr:`~DrawingCanvas.drawn` on every mouse move that inks (the
page coalesces those into one prediction per turn of the event loop) and
:attr:`~DrawingCanvas.stroke_finished` on release. :class:`PixelView` shows
a picture as the model sees it, each pixel a square (nearest neighbour).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from guinet.gui.theme import BLOCK_BORDER, MUTED

#: Side of the canvas's picture, in pixels (also its size on screen).
CANVAS_SIDE = 260
#: The soft pen: (width, gray level) from its faint edge to its full core.
PEN_LAYERS = ((28.0, 70), (24.0, 140), (20.0, 210), (16.0, 255))
PEN_SOFT = PEN_LAYERS[0][0]


class DrawingCanvas(QWidget):
    """Draw with the left mouse button; :meth:`picture` is what was drawn."""

    drawn = Signal()  # ink was added (mouse press or move)
    stroke_finished = Signal()  # the mouse button was released
    cleared = Signal()

    def __init__(self, side: int = CANVAS_SIDE, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("drawingCanvas")
        self._image = QImage(side, side, QImage.Format.Format_Grayscale8)
        self._image.fill(0)
        self._last: QPointF | None = None
        self.setFixedSize(side + 2, side + 2)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Draw with the mouse; Clear starts again")

    # -- the picture ---------------------------------------------------------------
    def picture(self) -> np.ndarray:
        """What was drawn: ``(side, side)`` uint8, ink high (a copy)."""
        image = self._image
        width, height = image.width(), image.height()
        row = image.bytesPerLine()
        data = np.frombuffer(image.constBits(), np.uint8, row * height)
        return data.reshape(height, row)[:, :width].copy()

    def is_blank(self) -> bool:
        return not self.picture().any()

    def clear(self) -> None:
        self._image.fill(0)
        self._last = None
        self.update()
        self.cleared.emit()

    # -- drawing -------------------------------------------------------------------
    def _to_image(self, event: QMouseEvent) -> QPointF:
        point = event.position()
        return QPointF(point.x() - 1, point.y() - 1)  # inside the 1-px frame

    def _stroke(self, start: QPointF, end: QPointF) -> None:
        painter = QPainter(self._image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for width, level in PEN_LAYERS:
            pen = QPen(QColor(level, level, level), width)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            painter.setPen(pen)
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Lighten)
            painter.drawLine(start, end)
        painter.end()
        margin = int(PEN_SOFT) + 2
        dirty = QRect(start.toPoint(), end.toPoint()).normalized()
        self.update(dirty.adjusted(-margin, -margin, margin + 2, margin + 2))
        self.drawn.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        self._last = self._to_image(event)
        self._stroke(self._last, self._last)
        event.accept()
        return None

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._last is None or not event.buttons() & Qt.MouseButton.LeftButton:
            return super().mouseMoveEvent(event)
        point = self._to_image(event)
        self._stroke(self._last, point)
        self._last = point
        event.accept()
        return None

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton or self._last is None:
            return super().mouseReleaseEvent(event)
        self._last = None
        self.stroke_finished.emit()
        event.accept()
        return None

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.drawImage(1, 1, self._image)
        painter.setPen(BLOCK_BORDER)
        painter.drawRect(0, 0, self.width() - 1, self.height() - 1)
        painter.end()


class PixelView(QWidget):
    """A small picture (values 0..1, gray or RGB) enlarged with square pixels."""

    def __init__(self, side: int = 150, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pixelView")
        self._image: QImage | None = None
        self._array: np.ndarray | None = None
        self.setMinimumSize(QSize(side, side))
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._side = side

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(self._side, self._side)

    def picture(self) -> np.ndarray | None:
        """The picture shown (as given), or ``None``."""
        return None if self._array is None else self._array.copy()

    def set_picture(self, seen: np.ndarray | None) -> None:
        self._array = None if seen is None else np.asarray(seen, np.float32)
        if self._array is None:
            self._image = None
        else:
            pixels = np.ascontiguousarray(
                np.rint(np.clip(self._array, 0.0, 1.0) * 255).astype(np.uint8)
            )
            height, width = pixels.shape[:2]
            if pixels.ndim == 2:
                fmt, row = QImage.Format.Format_Grayscale8, width
            else:
                fmt, row = QImage.Format.Format_RGB888, 3 * width
            self._image = QImage(pixels.data, width, height, row, fmt).copy()
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        side = min(self.width(), self.height()) - 2
        target = QRect(1, 1, side, side)
        if self._image is None:
            painter.setPen(MUTED)
            painter.drawText(target, Qt.AlignmentFlag.AlignCenter, "—")
        else:
            image = self._image
            scale = side / max(image.width(), image.height())
            target = QRect(
                1, 1, int(image.width() * scale), int(image.height() * scale)
            )
            painter.drawImage(target, image)  # no smoothing: square pixels
        painter.setPen(BLOCK_BORDER)
        painter.drawRect(target.adjusted(-1, -1, 0, 0))
        painter.end()
