"""Live training curves for the Train page.

:class:`TrainingCurves` is the one public name; callers import it from here.
"""

from __future__ import annotations

from guinet.gui.curves.widget import TrainingCurves

__all__ = ["TrainingCurves"]
