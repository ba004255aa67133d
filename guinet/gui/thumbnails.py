"""Small pictures of each example's data for the start page's cards.

Drawn at run time from the example's own data (the same ``prepare`` the Data
page runs), off the GUI thread, and cached as PNG files in the user data
folder keyed by the example's data section: an example added or changed gets
its picture without a step anyone has to remember, nothing binary is kept in
the source tree, and the second launch only reads a few small files.

What is drawn follows the data's shape: two inputs are a scatter coloured by
class, one input against a number is the points with their running mean (the
noisy sine), images are a few samples as tiles, and a wider table is its two
principal components coloured by class (or the most telling column against
the target, for a regression).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal, Slot
from PySide6.QtGui import QColor, QImage, QPainter, QPen

from guinet.gui.workers import Worker, WorkerController

if TYPE_CHECKING:
    import numpy as np

#: The picture's size in pixels (the card is a little wider).
SIZE = (180, 108)
#: Bumped when the drawing changes, so cached pictures are drawn again.
RENDER_VERSION = 1
#: Class colours (colour-blind friendly, readable on a projector).
CLASS_COLOURS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
BACKGROUND = "#f6f7f9"
MAX_POINTS = 400


def cache_dir() -> Path:
    from guinet.core.training.folders import user_data_dir

    return user_data_dir() / "thumbnails"


def cache_path(example: Path) -> Path:
    """Where ``example``'s picture is kept: named by what it shows."""
    try:
        data = json.loads(example.read_text(encoding="utf-8")).get("data")
    except (OSError, ValueError, AttributeError):
        data = None
    key = json.dumps([RENDER_VERSION, data], sort_keys=True, default=str)
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]
    return cache_dir() / f"{example.stem}-{digest}.png"


# -- drawing (any thread: QImage and QPainter on an image are thread-safe) -------
def draw(x: np.ndarray, y: np.ndarray, task: str) -> QImage:
    """The picture of inputs ``x`` (``(n, *shape)``) and targets ``y``."""
    image = QImage(*SIZE, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor(BACKGROUND))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    try:
        if x.ndim == 4:
            _draw_images(painter, x, y, task)
        else:
            flat = x.reshape(len(x), -1)
            if task == "regression":
                _draw_regression(painter, flat, y)
            else:
                _draw_classes(painter, flat, _class_indices(y))
    finally:
        painter.end()
    return image


def _class_indices(y: np.ndarray) -> np.ndarray:
    import numpy as np

    if y.ndim == 2 and y.shape[1] == 1:  # binary: 0/1 floats
        return (y[:, 0] > 0.5).astype(np.int64)
    if y.ndim == 2:  # one-hot
        return np.asarray(y.argmax(axis=1))
    return y.astype(np.int64)


def _subsample(n: int, limit: int = MAX_POINTS) -> np.ndarray:
    import numpy as np

    if n <= limit:
        return np.arange(n)
    return np.random.default_rng(0).choice(n, limit, replace=False)


def _two_columns(flat: np.ndarray) -> np.ndarray:
    """Two inputs as they are; more, as their two principal components."""
    import numpy as np

    if flat.shape[1] == 1:
        return np.column_stack([flat[:, 0], np.zeros(len(flat))])
    if flat.shape[1] == 2:
        return flat
    centred = flat - flat.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    return centred @ vt[:2].T


def _to_pixels(points: np.ndarray, margin: float = 8.0) -> np.ndarray:
    import numpy as np

    low, high = points.min(axis=0), points.max(axis=0)
    span = np.where(high - low > 0, high - low, 1.0)
    unit = (points - low) / span
    width, height = SIZE[0] - 2 * margin, SIZE[1] - 2 * margin
    return np.column_stack(
        [margin + unit[:, 0] * width, margin + (1 - unit[:, 1]) * height]
    )


def _draw_classes(painter: QPainter, flat: np.ndarray, classes: np.ndarray) -> None:
    chosen = _subsample(len(flat))
    pixels = _to_pixels(_two_columns(flat[chosen]))
    painter.setPen(QPen(QColor(255, 255, 255, 160), 0.6))
    for (px, py), label in zip(pixels, classes[chosen], strict=True):
        painter.setBrush(QColor(CLASS_COLOURS[int(label) % len(CLASS_COLOURS)]))
        painter.drawEllipse(QPointF(px, py), 3.0, 3.0)


def _draw_regression(painter: QPainter, flat: np.ndarray, y: np.ndarray) -> None:
    import numpy as np

    target = y.reshape(len(y), -1)[:, 0]
    if flat.shape[1] == 1:
        column = flat[:, 0]
    else:  # the input that tells most about the target
        scores = [
            abs(np.corrcoef(flat[:, i], target)[0, 1]) for i in range(flat.shape[1])
        ]
        column = flat[:, int(np.nanargmax(scores))]
    chosen = _subsample(len(column))
    points = np.column_stack([column, target])
    pixels = _to_pixels(points)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(CLASS_COLOURS[0]).lighter(150))
    for px, py in pixels[chosen]:
        painter.drawEllipse(QPointF(px, py), 2.2, 2.2)
    # the running mean along the input: the curve a network should find
    order = np.argsort(column)
    bins = np.array_split(order, min(30, max(2, len(order) // 8)))
    line = np.array([pixels[b].mean(axis=0) for b in bins if len(b)])
    painter.setPen(QPen(QColor(CLASS_COLOURS[3]), 2.2))
    for (x0, y0), (x1, y1) in zip(line, line[1:], strict=False):
        painter.drawLine(QPointF(x0, y0), QPointF(x1, y1))


def _draw_images(painter: QPainter, x: np.ndarray, y: np.ndarray, task: str) -> None:
    """Ten samples, of different classes where there are classes, as tiles."""
    import numpy as np

    picks: list[int] = []
    if task != "regression":
        classes = _class_indices(y)
        for label in np.unique(classes)[:10]:
            picks.append(int(np.flatnonzero(classes == label)[0]))
    picks += [i for i in range(len(x)) if i not in picks][: 10 - len(picks)]
    columns, rows, gap = 5, 2, 4
    tile = min(
        (SIZE[0] - 8 - gap * (columns - 1)) // columns,
        (SIZE[1] - 8 - gap * (rows - 1)) // rows,
    )
    left = (SIZE[0] - columns * tile - gap * (columns - 1)) // 2
    top = (SIZE[1] - rows * tile - gap * (rows - 1)) // 2
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
    for n, index in enumerate(picks[: columns * rows]):
        sample = x[index]
        pixels = sample[0] if sample.shape[0] == 1 else sample[:3].mean(axis=0)
        low, high = float(pixels.min()), float(pixels.max())
        grey = (255 * (pixels - low) / ((high - low) or 1.0)).astype(np.uint8)
        grey = np.ascontiguousarray(255 - grey)  # dark ink on paper
        height, width = grey.shape
        image = QImage(grey.data, width, height, width, QImage.Format.Format_Grayscale8)
        row, column = divmod(n, columns)
        target = QRectF(
            left + column * (tile + gap), top + row * (tile + gap), tile, tile
        )
        painter.drawImage(target, image.copy())


def render(example: Path, out: Path) -> Path:
    """Prepare ``example``'s data, draw it, write the PNG atomically to ``out``."""
    from guinet.core.data import prepare

    project: dict[str, Any] = json.loads(example.read_text(encoding="utf-8"))
    prepared = prepare(project.get("data") or {}, example.parent)
    image = draw(prepared.x_train, prepared.y_train, prepared.task)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f"{out.stem}.part.png")  # the suffix says PNG
    if not image.save(str(partial)):
        raise OSError(f"could not write {partial}")
    os.replace(partial, out)
    return out


# -- off the GUI thread -----------------------------------------------------------
class ThumbnailWorker(Worker):
    """Draws the pictures not cached yet, one example after another."""

    drawn = Signal(int, str, str)  # run id, example path, picture path

    def __init__(self, run_id: int, jobs: list[tuple[Path, Path]]) -> None:
        super().__init__(run_id)
        self.jobs = jobs

    def work(self) -> object:
        # a first failure is tried once more at the end: at launch the Data
        # page prepares its data in another thread, and a library both load
        # at once can fail the first time (seen with scikit-learn's sets)
        failed: list[tuple[Path, Path]] = []
        for attempt, jobs in enumerate((self.jobs, failed)):
            for example, out in list(jobs):
                if self.cancelled():
                    return None
                try:
                    render(example, out)
                except Exception:  # noqa: BLE001 — the card says it has no picture
                    if attempt == 0:
                        failed.append((example, out))
                    else:
                        self.drawn.emit(self.run_id, str(example), "")
                    continue
                self.drawn.emit(self.run_id, str(example), str(out))
        return None


class ThumbnailLoader(WorkerController):
    """Hands each example's picture to whoever asked: at once when cached,
    after drawing it in a thread otherwise."""

    thumbnail_ready = Signal(str, str)  # example path, picture path

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__("thumbnails", parent)

    def request(self, examples: list[Path]) -> None:
        """Pictures for ``examples``: cached ones now, the others drawn."""
        jobs = []
        for example in examples:
            out = cache_path(example)
            if out.is_file():
                self.thumbnail_ready.emit(str(example), str(out))
            else:
                jobs.append((example, out))
        if not jobs or self.running:
            return
        worker = ThumbnailWorker(self._next_run_id(), jobs)
        worker.drawn.connect(self._on_drawn)
        self._launch(worker)

    @Slot(int, str, str)
    def _on_drawn(self, run_id: int, example: str, picture: str) -> None:
        if self.is_current(run_id):
            self.thumbnail_ready.emit(example, picture)
