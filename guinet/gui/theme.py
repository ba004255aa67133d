"""Colours and the stylesheet shared by the views."""

from __future__ import annotations

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

ERROR = QColor("#dc2626")
ERROR_BG = QColor("#fef2f2")
TEXT = QColor("#1f2937")
MUTED = QColor("#6b7280")
ACCENT = QColor("#2563eb")
BLOCK_BG = QColor("#ffffff")
BLOCK_BORDER = QColor("#d1d5db")
SELECTED_BG = QColor("#eff6ff")


def category_color(category: str) -> QColor:
    return QColor(_CATEGORY_COLORS.get(category, "#94a3b8"))


def stylesheet() -> str:
    return resource("style.qss").read_text(encoding="utf-8")
