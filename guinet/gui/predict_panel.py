"""The Predict page: try the trained model on your own input.

It shows which weights are used (:meth:`Session.weights_path`: the run that
just ended, the checkpoint loaded with "Load weights…", else the project's
newest best) and, once they are loaded, one of two tools:

* :class:`~guinet.gui.row_predictor.RowPredictor` for data of one value per
  feature (a table, iris, the two moons …);
* :class:`~guinet.gui.image_predictor.ImagePredictor` for images (an image
  folder, the 8×8 digits): a canvas to draw on and "Open image…".

Loading the model (building it, reading the checkpoint) runs off the GUI
thread in a :class:`~guinet.gui.tasks.BackgroundTask`, on a detached copy of
the session holding the prepared data, so nothing it does emits the live
session's signals from another thread. The page reloads when the weights,
the data or the project change — at once while it is shown, else when it is
next shown. With nothing to use, a placeholder says what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from guinet.gui.tasks import BackgroundTask

if TYPE_CHECKING:
    from guinet.core.predict_fields import FeatureField
    from guinet.core.predict_images import ImageInput
    from guinet.core.session import Session
    from guinet.core.trained import TrainedModel

NOTHING_TRAINED = (
    "<b>Nothing trained yet.</b><br><br>Train the model on the <b>Train</b> page "
    "(or load a checkpoint there with <b>Load weights…</b>); its weights appear "
    "here, ready to try on your own input: type values, pick a test row, or "
    "draw a digit."
)


@dataclass
class Predictor:
    """What the page needs to predict, loaded off the GUI thread."""

    trained: TrainedModel
    fields: list[FeatureField] | None
    image: ImageInput | None


def load_predictor(session: Session, weights: Path) -> Predictor:
    """The model with ``weights`` and the way to feed it (runs in a worker)."""
    from guinet.core.data import DataError
    from guinet.core.predict_fields import feature_fields
    from guinet.core.predict_images import trained_image_input
    from guinet.core.trained import load_trained

    trained = load_trained(session, weights, "cpu")
    image = trained_image_input(trained)
    if image is not None:
        return Predictor(trained, None, image)
    try:
        fields = feature_fields(trained.prepared)
    except DataError:
        raise DataError(
            "This model takes arrays that are neither one value per feature nor "
            "images guinet knows how to make; predict them with `guinet predict` "
            "or from Python."
        ) from None
    return Predictor(trained, fields, None)


class PredictPanel(QWidget):
    """Try the trained model: fields and bars, or a canvas and bars."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("predictPanel")
        self.session = session
        self.predictor: Predictor | None = None
        self.tool: QWidget | None = None
        self._stale = True
        self._loaded_key: Any = None
        self.loader = BackgroundTask("predict-loader", self)
        self.loader.succeeded.connect(self._on_loaded)
        self.loader.failed.connect(self._on_failed)
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(0)
        self._reload_timer.timeout.connect(self.reload)
        self._build()
        session.weights_changed.connect(self._invalidate)
        session.data_changed.connect(self._invalidate)
        session.project_changed.connect(self._invalidate)
        session.changed.connect(self._invalidate)

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(8)
        header = QHBoxLayout()
        caption = QLabel("Weights:")
        caption.setObjectName("barTitle")
        header.addWidget(caption)
        self.weights_label = QLabel()
        self.weights_label.setObjectName("weightsLabel")
        # a deep checkpoint folder is elided, never widening the window
        self.weights_label.setSizePolicy(
            QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred
        )
        self._weights_text = ""
        self.weights_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        header.addWidget(self.weights_label, 1)
        layout.addLayout(header)
        self.stack = QStackedWidget()
        self.placeholder = QLabel(NOTHING_TRAINED)
        self.placeholder.setObjectName("predictPlaceholder")
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setMargin(40)
        self.stack.addWidget(self.placeholder)
        layout.addWidget(self.stack, 1)

    # -- what to show --------------------------------------------------------------
    def _show_weights(self) -> None:
        path = self.session.weights_path()
        if path is None:
            self._weights_text = "none yet"
            self.weights_label.setToolTip("")
        else:
            self._weights_text = f"{path.name}  —  {path.parent}"
            self.weights_label.setToolTip(str(path))
        self._elide_weights()

    def weights_text(self) -> str:
        """The weights line in full (the label may show it elided)."""
        return self._weights_text

    def _elide_weights(self) -> None:
        metrics = self.weights_label.fontMetrics()
        width = max(40, self.weights_label.width())
        self.weights_label.setText(
            metrics.elidedText(self._weights_text, Qt.TextElideMode.ElideMiddle, width)
        )

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._elide_weights()

    def show_message(self, text: str) -> None:
        self.placeholder.setText(text)
        self.stack.setCurrentWidget(self.placeholder)

    @property
    def busy(self) -> bool:
        return self.loader.running

    # -- reloading -----------------------------------------------------------------
    def _invalidate(self) -> None:
        """Cheap (every edit of the project calls it): the work waits until
        the page is shown."""
        self._stale = True
        if self.isVisible():
            self._reload_timer.start()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if self._stale:
            self._reload_timer.start()

    def _key(self) -> Any:
        """What a loaded model depends on: weights (and their time), data, model."""
        path = self.session.weights_path()
        stamp = path.stat().st_mtime_ns if path is not None and path.exists() else 0
        layers = self.session.project.model.to_dict()
        return (path, stamp, self.session.data_key(), repr(layers))

    @Slot()
    def reload(self) -> None:
        """Load the model with the session's weights (off the GUI thread)."""
        from guinet.core.session import Session

        self._stale = False
        self._show_weights()
        path = self.session.weights_path()
        if path is None:
            self._drop_tool()
            self.show_message(NOTHING_TRAINED)
            return
        prepared = self.session.prepared
        if prepared is None:
            self._drop_tool()
            error = self.session.data_error
            self.show_message(
                f"<b>The data could not be prepared:</b><br>{error}"
                if error
                else "Waiting for the data (the Data page prepares it)…"
            )
            return
        key = self._key()
        if key == self._loaded_key and (self.tool is not None or self.busy):
            return  # loaded, or loading, already
        self._loaded_key = key
        detached = Session(self.session.project.copy(), prepared=prepared)
        self.show_message(f"Loading {path.name}…")
        self.loader.start(lambda _progress, _cancelled: load_predictor(detached, path))

    @Slot(object)
    def _on_loaded(self, predictor: object) -> None:
        from guinet.gui.image_predictor import ImagePredictor
        from guinet.gui.row_predictor import RowPredictor

        assert isinstance(predictor, Predictor)
        self._drop_tool()
        self.predictor = predictor
        tool: QWidget
        if predictor.image is not None:
            tool = ImagePredictor(predictor.trained, predictor.image)
        else:
            assert predictor.fields is not None
            tool = RowPredictor(predictor.trained, predictor.fields)
        self.tool = tool
        self.stack.addWidget(tool)
        self.stack.setCurrentWidget(tool)

    @Slot(object)
    def _on_failed(self, error: object) -> None:
        self._drop_tool()
        self._loaded_key = None
        self.show_message(
            f"<b>These weights cannot be used with the project as it is now:</b>"
            f"<br>{error}<br><br>Train again, or load another checkpoint on the "
            "Train page."
        )

    def _drop_tool(self) -> None:
        if self.tool is not None:
            self.stack.removeWidget(self.tool)
            self.tool.deleteLater()
            self.tool = None
        self.predictor = None

    def stop(self) -> None:
        """End a load in progress (closing the window)."""
        self.loader.stop()
