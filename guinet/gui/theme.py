"""Colours and the stylesheet shared by the views, in a light and a dark theme.

``resources/style.qss`` is a template: ``@name`` stands for a colour of the
theme's palette (:data:`PALETTES`), and its ``pt``/``px`` sizes are scaled by
the zoom (:func:`render_stylesheet`). The ``QColor`` constants below are the
colours the hand-painted views use (layer cards, bars, the confusion matrix);
:func:`use_palette` recolours them *in place*, so a view that imported them
paints in the new theme on its next repaint without knowing themes exist.
"""

from __future__ import annotations

import re

from PySide6.QtGui import QColor

from guinet._resources import resource

_CATEGORY_COLORS = {
    "Core": "#3b82f6",
    "Convolution": "#8b5cf6",
    "Pooling": "#06b6d4",
    "Normalization": "#10b981",
    "Regularization": "#f59e0b",
    "Activation": "#ef7a4a",
    "Reshape": "#64748b",
    "Embedding": "#ec4899",
}

#: The named colours of each theme: every ``@name`` in style.qss is here.
PALETTES: dict[str, dict[str, str]] = {
    "light": {
        "window": "#f6f7f9",
        "surface": "#ffffff",
        "panel": "#eef0f3",
        "border": "#d9dde3",
        "input-border": "#cbd5e1",
        "card-border": "#d1d5db",
        "text": "#1f2937",
        "text-strong": "#111827",
        "text-soft": "#374151",
        "text-muted": "#6b7280",
        "tab-text": "#4b5563",
        "accent": "#2563eb",
        "accent-hover": "#1d4ed8",
        "accent-disabled": "#bfdbfe",
        "accent-text": "#1e3a8a",
        "accent-soft": "#eff6ff",
        "on-accent": "#ffffff",
        "selection": "#dbeafe",
        "hover": "#f1f5f9",
        "progress": "#93c5fd",
        "info-bg": "#eef2ff",
        "info-border": "#c7d2fe",
        "error": "#dc2626",
        "error-bg": "#fef2f2",
        "error-border": "#fecaca",
        "error-text": "#991b1b",
        "error-strong": "#b91c1c",
        "warn-text": "#b45309",
        "ok-bg": "#ecfdf5",
        "ok-border": "#a7f3d0",
        "ok-text": "#065f46",
        "ok-strong": "#047857",
        "disabled-border": "#e5e7eb",
        "disabled-text": "#9ca3af",
        "disabled-item": "#7b8494",
    },
    "dark": {
        "window": "#0f172a",
        "surface": "#1e293b",
        "panel": "#162033",
        "border": "#334155",
        "input-border": "#475569",
        "card-border": "#475569",
        "text": "#e5e7eb",
        "text-strong": "#f9fafb",
        "text-soft": "#cbd5e1",
        "text-muted": "#94a3b8",
        "tab-text": "#cbd5e1",
        "accent": "#3b82f6",
        "accent-hover": "#2563eb",
        "accent-disabled": "#1e3a8a",
        "accent-text": "#bfdbfe",
        "accent-soft": "#1e3a5f",
        "on-accent": "#ffffff",
        "selection": "#1e40af",
        "hover": "#334155",
        "progress": "#1d4ed8",
        "info-bg": "#1e2a4a",
        "info-border": "#3730a3",
        "error": "#f87171",
        "error-bg": "#3f1d1d",
        "error-border": "#7f1d1d",
        "error-text": "#fecaca",
        "error-strong": "#f87171",
        "warn-text": "#fbbf24",
        "ok-bg": "#052e22",
        "ok-border": "#065f46",
        "ok-text": "#a7f3d0",
        "ok-strong": "#34d399",
        "disabled-border": "#334155",
        "disabled-text": "#64748b",
        "disabled-item": "#64748b",
    },
}

#: High contrast for a projector: what changes in each theme's palette
#: (secondary text as dark as body text, firmer borders).
CONTRAST: dict[str, dict[str, str]] = {
    "light": {
        "text": "#000000",
        "text-strong": "#000000",
        "text-soft": "#111827",
        "text-muted": "#1f2937",
        "tab-text": "#111827",
        "border": "#9ca3af",
        "card-border": "#6b7280",
        "input-border": "#6b7280",
    },
    "dark": {
        "text": "#ffffff",
        "text-strong": "#ffffff",
        "text-soft": "#f1f5f9",
        "text-muted": "#e2e8f0",
        "tab-text": "#f1f5f9",
        "border": "#64748b",
        "card-border": "#94a3b8",
        "input-border": "#94a3b8",
        "window": "#000000",
    },
}

THEMES = tuple(PALETTES)

ERROR = QColor("#dc2626")
ERROR_BG = QColor("#fef2f2")
TEXT = QColor("#1f2937")
MUTED = QColor("#6b7280")
ACCENT = QColor("#2563eb")
BLOCK_BG = QColor("#ffffff")
BLOCK_BORDER = QColor("#d1d5db")
SELECTED_BG = QColor("#eff6ff")

#: Which palette colour each constant takes.
_CONSTANTS = {
    "error": ERROR,
    "error-bg": ERROR_BG,
    "text": TEXT,
    "text-muted": MUTED,
    "accent": ACCENT,
    "surface": BLOCK_BG,
    "card-border": BLOCK_BORDER,
    "accent-soft": SELECTED_BG,
}

_TOKEN = re.compile(r"@([a-z][a-z0-9-]*)")
_SIZE = re.compile(r"(\d+(?:\.\d+)?)(pt|px)\b")
_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)

#: The colours in use now (:func:`use_palette` changes them).
current: dict[str, str] = dict(PALETTES["light"])


def palette(theme: str, contrast: bool = False) -> dict[str, str]:
    """The named colours of ``theme`` (an unknown name is the light theme),
    with the high-contrast changes when ``contrast``."""
    colors = dict(PALETTES.get(theme, PALETTES["light"]))
    if contrast:
        colors.update(CONTRAST.get(theme, CONTRAST["light"]))
    return colors


def use_palette(colors: dict[str, str]) -> None:
    """Make ``colors`` the current ones and recolour the constants in place."""
    current.clear()
    current.update(colors)
    for name, color in _CONSTANTS.items():
        color.setRgba(QColor(colors[name]).rgba())


def category_color(category: str) -> QColor:
    return QColor(_CATEGORY_COLORS.get(category, "#94a3b8"))


def render_stylesheet(template: str, colors: dict[str, str], scale: float = 1.0) -> str:
    """``template`` with each ``@name`` replaced by its colour and each size
    in pt or px multiplied by ``scale`` (px rounded; a 1-px border stays at
    least 1 px); comments dropped. An unknown name raises ``KeyError``: a
    typo fails loudly."""

    def size(match: re.Match[str]) -> str:
        value, unit = float(match.group(1)), match.group(2)
        if unit == "pt":
            return f"{value * scale:.4g}pt"
        if value < 1:
            return match.group(0)
        return f"{max(1, round(value * scale))}px"

    sheet = _TOKEN.sub(lambda m: colors[m.group(1)], _COMMENT.sub("", template))
    return sheet if scale == 1.0 else _SIZE.sub(size, sheet)


def template() -> str:
    return resource("style.qss").read_text(encoding="utf-8")


def stylesheet(theme: str = "light", scale: float = 1.0, contrast: bool = False) -> str:
    return render_stylesheet(template(), palette(theme, contrast), scale)
