"""Render ``resources/icons/guinet.svg`` to PNG with Qt's own SVG renderer.

    python packaging/render_icon.py     # writes resources/icons/guinet.png, 256 px
    python packaging/render_icon.py --size 512 --output /tmp/guinet-512.png
    python packaging/render_icon.py --hicolor   # packaging/icons/hicolor/NxN/apps/

``--hicolor`` renders the freedesktop icon-theme sizes (FREEDESKTOP_SIZES)
as ``packaging/icons/hicolor/<N>x<N>/apps/io.github.guinet.png``, the tree
that packaging/install-desktop.sh copies into ``share/icons/hicolor``.

Run it again whenever the SVG changes; the PNG is committed so that nothing
needs an SVG rasterizer at install time. Needs only PySide6 (QtSvg ships in
PySide6-Essentials) and works without a display.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
HICOLOR = Path(__file__).resolve().parent / "icons" / "hicolor"
APP_ID = "io.github.guinet"
#: The sizes desktops look for in the hicolor theme (plus the scalable SVG).
FREEDESKTOP_SIZES = (16, 24, 32, 48, 64, 128, 256)


def hicolor_png(size: int) -> Path:
    return HICOLOR / f"{size}x{size}" / "apps" / f"{APP_ID}.png"


def render(svg: Path, output: Path, size: int) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"render_icon: {svg} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    if not image.save(str(output), "PNG"):
        raise SystemExit(f"render_icon: could not write {output}")
    print(f"wrote {output} ({size}x{size})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--svg", type=Path, default=ICONS / "guinet.svg")
    parser.add_argument("--output", type=Path, default=ICONS / "guinet.png")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument(
        "--hicolor",
        action="store_true",
        help=f"render every freedesktop size {FREEDESKTOP_SIZES} under {HICOLOR}",
    )
    args = parser.parse_args()
    if args.hicolor:
        for size in FREEDESKTOP_SIZES:
            hicolor_png(size).parent.mkdir(parents=True, exist_ok=True)
            render(args.svg, hicolor_png(size), size)
        return
    render(args.svg, args.output, args.size)


if __name__ == "__main__":
    main()
