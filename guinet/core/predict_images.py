"""A new image — a file, or a picture such as a drawing — made into a model input
exactly as the training images were.

:func:`image_input` says how a project's images were made (:class:`ImageInput`);
:func:`prepare_image` makes a new picture the same way and returns both the
model input and the picture as the model sees it (for a person to look at):

* an image folder: converted to the folder's colour mode and resized to its
  size with the same filter (:func:`guinet.core.data.images.read_image_folder`),
  pixels 0..255;
* the built-in 8×8 digits: the digits were written on a 32×32 grid, their
  ink's box scaled to fill it, and each 4×4 block counted into a pixel of
  0..16. A picture is made the same way: its ink (light on dark; a picture
  of dark ink on light paper is inverted) is cropped to its box, centred on
  a square, and averaged down to 8×8 values of 0..16;

then the run's own scaler is applied. Pillow is imported when an image is made.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from guinet.core.data.errors import DataError

if TYPE_CHECKING:
    from guinet.core.data import PreparedData
    from guinet.core.trained import TrainedModel

#: Built-in datasets of digit images: key → whether their inputs are flat rows.
DIGITS = {"digits": False, "digits_flat": True}
#: Share of the brightest value above which a pixel is ink (for the ink's box).
INK = 0.1


@dataclass(frozen=True)
class ImageInput:
    """How a project's training images were made.

    ``pixel_max`` is the value of a full pixel in training units (255 for
    image files, 16 for the digits); ``fit_ink`` scales a picture's ink to
    fill the grid (the digits' own preparation); ``flat`` feeds the pixels
    as one row of ``height × width`` numbers (the 64-number digits).
    """

    height: int
    width: int
    channels: int
    pixel_max: float
    fit_ink: bool = False
    flat: bool = False

    @property
    def description(self) -> str:
        color = "grayscale" if self.channels == 1 else "colour"
        return f"{self.height}×{self.width} {color}, pixel values 0–{self.pixel_max:g}"


@dataclass(frozen=True)
class PreparedImage:
    """A picture made into one model input.

    ``x`` is the model input (shape ``(1, *input_shape)``, float32, scaled as
    the training inputs); ``seen`` is the picture as the model sees it,
    before scaling, in 0..1: ``(height, width)`` or ``(height, width, 3)``.
    """

    x: np.ndarray
    seen: np.ndarray


def image_input(
    source: Mapping[str, Any] | None,
    prepared: PreparedData,
    base_dir: str | os.PathLike[str] | None = None,
) -> ImageInput | None:
    """How the images of ``source`` (the data section's source, its paths
    relative to ``base_dir``) were made, or ``None`` when the project does
    not learn from images."""
    from guinet.core.data.sources import source_kind

    if not isinstance(source, Mapping):
        return None
    try:
        folder = Path(base_dir) if base_dir is not None else None
        kind = source_kind(source, folder)  # a folder without "kind" too
    except DataError:
        return None
    shape = tuple(int(s) for s in prepared.input_shape)
    if kind == "builtin" and source.get("name") in DIGITS:
        flat = DIGITS[str(source.get("name"))]
        if shape != ((64,) if flat else (1, 8, 8)):
            return None
        return ImageInput(8, 8, 1, 16.0, fit_ink=True, flat=flat)
    if kind == "images":
        from guinet.core.data.images import image_options

        (height, width), color = image_options(source)
        channels = 1 if color == "grayscale" else 3
        if shape != (channels, height, width):
            return None
        return ImageInput(height, width, channels, 255.0)
    return None


def trained_image_input(trained: TrainedModel) -> ImageInput | None:
    """:func:`image_input` for a trained model's project."""
    session = trained.session
    if session is None:
        return None
    data = session.project.data
    source = data.source if data is not None else None
    return image_input(source, trained.prepared, session.project.base_dir)


def read_picture(path: str | os.PathLike[str]) -> Any:
    """An image file as a Pillow image (loaded); anything else a
    :class:`DataError` naming the file."""
    from PIL import Image

    from guinet.core.data.sources import check_readable, unreadable_as_data_error

    file = Path(path)
    if not file.exists():
        raise DataError(f"Cannot find the image {file}.")
    if file.is_dir():
        raise DataError(f"{file} is a folder; choose an image file.")
    with unreadable_as_data_error(file):
        check_readable(file)
    try:
        with Image.open(file) as image:
            image.load()
            return image.copy()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise DataError(
            f"{file.name} is not an image guinet can read (PNG, JPEG, BMP, GIF, "
            "TIFF, WebP …)."
        ) from None


def picture_from_array(array: np.ndarray) -> Any:
    """A grayscale ``(h, w)`` or RGB(A) ``(h, w, 3|4)`` array as a Pillow image:
    integers are 0..255, floats 0..1."""
    from PIL import Image

    values = np.asarray(array)
    if values.ndim == 3 and values.shape[2] in (3, 4):
        values = values[:, :, :3]
    elif values.ndim != 2:
        raise DataError(
            f"A picture must be (height, width) or (height, width, 3), not "
            f"{values.shape}."
        )
    if values.size == 0:
        raise DataError("The picture is empty.")
    if values.dtype.kind == "f":
        values = np.clip(np.nan_to_num(values), 0.0, 1.0) * 255.0
        values = np.rint(values)
    elif values.dtype.kind == "b":
        values = values * 255
    values = np.ascontiguousarray(np.clip(values, 0, 255).astype(np.uint8))
    return Image.fromarray(values, "L" if values.ndim == 2 else "RGB")


def _gray(picture: str | os.PathLike[str] | np.ndarray) -> np.ndarray:
    """A picture as grayscale intensities in 0..1 (float32); an array's own
    values are kept unrounded (integers 0..255, floats 0..1)."""
    if not isinstance(picture, np.ndarray):
        image = read_picture(picture)
        return np.asarray(image.convert("L"), dtype=np.float32) / 255.0
    picture_from_array(picture)  # the same checks of its shape
    values = np.asarray(picture)
    if values.ndim == 3:
        weights = np.array([0.299, 0.587, 0.114])  # Pillow's "L" conversion
        values = values[:, :, :3] @ weights
    if np.asarray(picture).dtype.kind == "f":
        gray = np.clip(np.nan_to_num(values.astype(np.float64)), 0.0, 1.0)
    else:
        gray = np.clip(values.astype(np.float64), 0, 255) / 255.0
    return gray.astype(np.float32)


def _ink_fitted(gray: np.ndarray, height: int, width: int) -> np.ndarray:
    """``gray`` (0..1) with its ink's box centred on a square and averaged
    down to ``height × width`` (each output pixel: the share of its block
    covered in ink), as the digits were made."""
    from PIL import Image

    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    if border.mean() > 0.5:  # dark ink on light paper: ink is what is dark
        gray = 1.0 - gray
    peak = float(gray.max())
    if peak <= 0.0:
        return np.zeros((height, width), np.float32)
    rows = np.flatnonzero((gray > INK * peak).any(axis=1))
    cols = np.flatnonzero((gray > INK * peak).any(axis=0))
    ink = gray[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    side = max(ink.shape)
    square = np.zeros((side, side), np.float32)
    top, left = (side - ink.shape[0]) // 2, (side - ink.shape[1]) // 2
    square[top : top + ink.shape[0], left : left + ink.shape[1]] = ink
    small = Image.fromarray(square, "F").resize((width, height), Image.Resampling.BOX)
    return np.clip(np.asarray(small, dtype=np.float32), 0.0, 1.0)


def prepare_image(
    spec: ImageInput,
    prepared: PreparedData,
    picture: str | os.PathLike[str] | np.ndarray,
) -> PreparedImage:
    """``picture`` (an image file, or a grayscale/RGB array such as a
    drawing) as a model input made like the training images of ``spec``,
    scaled with ``prepared``'s scaler. Raises :class:`DataError` for a file
    that is not an image or an array that is not a picture."""
    from PIL import Image

    from guinet.core.data.scaling import check_scaled

    if spec.fit_ink:
        seen = _ink_fitted(_gray(picture), spec.height, spec.width)
        raw = (seen * spec.pixel_max)[None]
    else:
        image = (
            picture_from_array(picture)
            if isinstance(picture, np.ndarray)
            else read_picture(picture)
        )
        mode = "L" if spec.channels == 1 else "RGB"
        resized = image.convert(mode).resize(
            (spec.width, spec.height), Image.Resampling.BILINEAR
        )
        pixels = np.asarray(resized, dtype=np.uint8)
        channels_first = (
            pixels[None] if spec.channels == 1 else pixels.transpose(2, 0, 1)
        )
        raw = channels_first.astype(np.float32)
        seen = pixels.astype(np.float32) / spec.pixel_max
    x = raw.astype(np.float32)[None]
    if spec.flat:
        x = x.reshape(1, -1)
    x = prepared.scaler.apply(np.ascontiguousarray(x))
    check_scaled(x, (), "the picture")
    return PreparedImage(x, seen)
