"""An image folder: one sub-folder per class, each image resized to one size.

Images come out as uint8 arrays shaped ``(channels, height, width)`` (1
channel for ``grayscale``, 3 for ``rgb``) with the class taken from the
sub-folder's name. A file Pillow cannot read is skipped and listed in the
report; only a folder left with no images at all is an error. Pillow is
imported when an image folder is read, not before.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from guinet.core.data.errors import DataError, Progress
from guinet.core.data.sources import ArraySet
from guinet.core.params import ParamError


def image_options(source: Mapping[str, Any]) -> tuple[tuple[int, int], str]:
    """``(height, width)`` and colour mode from the source, checked against
    the image-folder kind's declared options (their defaults and ranges)."""
    from guinet.core.data.kinds import SOURCE_KINDS

    declared = {p.name: p for p in SOURCE_KINDS["images"].params}
    size_param, color_param = declared["size"], declared["color"]
    size = source.get("size", size_param.default)
    if isinstance(size, int) and not isinstance(size, bool):
        size = [size, size]
    try:
        size = size_param.coerce(size)
        bad = len(size) != 2 or size_param.problem(size) is not None
    except ParamError:
        bad = True
    if bad:
        raise DataError(
            f"The image size must be [height, width] in pixels "
            f"({size_param.range_text()}), not {source.get('size')!r}."
        )
    color = source.get("color", color_param.default)
    if color not in color_param.choices:
        raise DataError(f'The image color must be "grayscale" or "rgb", not {color!r}.')
    return (int(size[0]), int(size[1])), str(color)


def class_folders(folder: Path) -> list[Path]:
    return sorted(
        (p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.name,
    )


def image_files(folder: Path) -> list[tuple[Path, int]]:
    """Every candidate file with its class index, in a stable order."""
    files = []
    for index, sub in enumerate(class_folders(folder)):
        for path in sorted(sub.rglob("*")):
            if path.is_file() and not any(
                part.startswith(".") for part in path.relative_to(sub).parts
            ):
                files.append((path, index))
    return files


def read_image_folder(
    folder: Path, source: Mapping[str, Any], progress: Progress
) -> ArraySet:
    (height, width), color = image_options(source)
    classes = class_folders(folder)
    if not classes:
        raise DataError(
            f"{folder} has no sub-folders; put the images in one sub-folder per class "
            "(for example cats/ and dogs/)."
        )
    files = image_files(folder)
    if not files:
        raise DataError(f"The class folders in {folder} hold no images.")
    from PIL import Image, UnidentifiedImageError

    channels = 1 if color == "grayscale" else 3
    mode = "L" if color == "grayscale" else "RGB"
    x = np.empty((len(files), channels, height, width), np.uint8)
    y = np.empty(len(files), np.int64)
    kept = 0
    skipped: list[str] = []
    for i, (path, label) in enumerate(files):
        try:
            with Image.open(path) as image:
                pixels = image.convert(mode).resize(
                    (width, height), Image.Resampling.BILINEAR
                )
                array = np.asarray(pixels, dtype=np.uint8)
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            skipped.append(str(path.relative_to(folder)))
            continue
        x[kept] = array[None] if channels == 1 else array.transpose(2, 0, 1)
        y[kept] = label
        kept += 1
        if i % 32 == 0:
            progress.update(i / len(files), f"Reading images: {i:,} of {len(files):,}")
    if kept == 0:
        raise DataError(
            f"None of the {len(files):,} files in {folder} is an image Pillow can read."
        )
    progress.update(1.0, f"Read {kept:,} images")
    notes = [f"images resized to {height}×{width}, {color}"]
    y = y[:kept]
    names = [p.name for p in classes]
    present = np.unique(y)
    if len(present) < len(names):
        empty = [n for i, n in enumerate(names) if i not in set(present.tolist())]
        notes.append(
            f"left out class folder(s) without readable images: {', '.join(empty)}"
        )
        names = [names[i] for i in present]
        y = np.searchsorted(present, y)
    return ArraySet(
        x=x[:kept],
        y=y,
        name=folder.name,
        class_names=names,
        pixel_max=255.0,
        skipped=skipped,
        notes=notes,
    )
