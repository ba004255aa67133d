"""Try a model of images: draw on a canvas or open an image file.

The picture is made into a model input exactly as the training images were
(:func:`guinet.core.predict_images.prepare_image`), shown as the model sees
it (enlarged, square pixels) and predicted. While drawing, the mouse moves
of one turn of the event loop are coalesced into one prediction (a zero-ms
timer), and a release predicts at once: preparing and predicting a drawing
for the small digits CNN costs about a millisecond
(``benchmarks/predict_update.py``), so the bars follow the pen.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer, Slot
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from guinet.gui.drawing_canvas import DrawingCanvas, PixelView
from guinet.gui.prediction_bars import ProbabilityBars

if TYPE_CHECKING:
    import numpy as np

    from guinet.core.predict_images import ImageInput
    from guinet.core.trained import TrainedModel

IMAGE_FILTER = (
    "Images (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff *.webp *.pgm *.ppm);;"
    "All files (*)"
)


class ImagePredictor(QWidget):
    """A drawing canvas and "Open image…", the picture as the model sees it,
    and the class probabilities."""

    def __init__(
        self,
        trained: TrainedModel,
        spec: ImageInput,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("imagePredictor")
        self.trained = trained
        self.spec = spec
        #: The model input of the last prediction, and its picture.
        self.last_input: np.ndarray | None = None
        self.source = "drawing"
        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.setInterval(0)
        self._pending.timeout.connect(self.predict_drawing)
        self._folder = ""
        self._build()

    def _build(self) -> None:
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(18)

        left = QVBoxLayout()
        left.setSpacing(6)
        title = QLabel(
            "Draw a digit with the mouse"
            if self.spec.fit_ink
            else "Draw with the mouse"
        )
        title.setObjectName("panelTitle")
        left.addWidget(title)
        self.canvas = DrawingCanvas()
        self.canvas.drawn.connect(self._pending.start)
        self.canvas.stroke_finished.connect(self.predict_drawing)
        left.addWidget(self.canvas)
        buttons = QHBoxLayout()
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Wipe the canvas and draw again")
        self.clear_button.clicked.connect(self.clear)
        self.open_button = QPushButton("Open image…")
        self.open_button.setToolTip("Predict an image file instead of a drawing")
        self.open_button.clicked.connect(self.open_dialog)
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        left.addLayout(buttons)
        left.addStretch(1)
        layout.addLayout(left)

        middle = QVBoxLayout()
        middle.setSpacing(6)
        seen_title = QLabel("As the model sees it")
        seen_title.setObjectName("panelTitle")
        middle.addWidget(seen_title)
        self.seen = PixelView(200)
        middle.addWidget(self.seen)
        about = QLabel(self.spec.description)
        about.setObjectName("help")
        about.setWordWrap(True)
        about.setMaximumWidth(210)
        middle.addWidget(about)
        self.source_label = QLabel("Source: the drawing")
        self.source_label.setObjectName("muted")
        self.source_label.setWordWrap(True)
        self.source_label.setMaximumWidth(210)
        middle.addWidget(self.source_label)
        middle.addStretch(1)
        layout.addLayout(middle)

        right = QVBoxLayout()
        right.setSpacing(6)
        bars_title = QLabel("Prediction")
        bars_title.setObjectName("panelTitle")
        right.addWidget(bars_title)
        self.bars = ProbabilityBars()
        right.addWidget(self.bars)
        self.value_label = QLabel("Draw something, or open an image.")
        self.value_label.setObjectName("predictedValue")
        right.addWidget(self.value_label)
        self.message = QLabel()
        self.message.setObjectName("dataMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        right.addWidget(self.message)
        right.addStretch(1)
        layout.addLayout(right, 1)

    # -- actions -------------------------------------------------------------------
    @Slot()
    def clear(self) -> None:
        self._pending.stop()
        self.canvas.clear()
        self.source = "drawing"
        self.source_label.setText("Source: the drawing")
        self.seen.set_picture(None)
        self.bars.clear()
        self.last_input = None
        self.message.hide()
        self.value_label.setText("Draw something, or open an image.")

    @Slot()
    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open an image to predict", self._folder, IMAGE_FILTER
        )
        if path:
            self.open_image(path)

    def open_image(self, path: str | Path) -> bool:
        """Predict an image file; a file that is not an image is a message."""
        self._folder = str(Path(path).parent)
        if self.predict_picture(Path(path)):
            self.source = str(path)
            self.source_label.setText(f"Source: {Path(path).name}")
            return True
        return False

    @Slot()
    def predict_drawing(self) -> None:
        self._pending.stop()
        if self.source != "drawing":
            self.source = "drawing"
            self.source_label.setText("Source: the drawing")
        self.predict_picture(self.canvas.picture())

    def predict_picture(self, picture: Any) -> bool:
        from guinet.core.data import DataError
        from guinet.core.predict import one_thread, predict_array
        from guinet.core.predict_images import prepare_image

        try:
            made = prepare_image(self.spec, self.trained.prepared, picture)
            with one_thread():
                result = predict_array(self.trained, made.x)
        except DataError as exc:
            self.message.setText(str(exc))
            self.message.show()
            return False
        self.message.hide()
        self.last_input = made.x
        self.seen.set_picture(made.seen)
        if result.probabilities is not None:
            self.bars.set_probabilities(result.class_names, result.probabilities[0])
            share = float(result.probabilities[0].max())
            self.value_label.setText(
                f"Predicted: <b>{result.labels[0]}</b> ({100 * share:.1f} %)"
            )
        else:
            assert result.values is not None
            shown = ", ".join(f"{v:.4g}" for v in result.values[0])
            self.value_label.setText(f"Predicted: <b>{shown}</b>")
        return True
