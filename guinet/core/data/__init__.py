"""guinet's data core: a project's ``data`` section in, ready-to-train arrays out.

>>> from guinet.core.data import prepare
>>> data = prepare({"source": {"kind": "builtin", "name": "moons"}})
>>> data.x_train.shape, data.task
((300, 2), 'binary')

Importing this package is cheap: numpy, pandas, scikit-learn, Pillow and
torch load only when data is actually read, so the GUI can list the built-in
datasets and show its window first. Nothing here imports Qt.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from guinet.core.data.builtin import BUILTIN_DATASETS, BuiltinDataset
from guinet.core.data.errors import CancelledFn, DataCancelled, DataError, ProgressFn
from guinet.core.data.result import (
    DataReport,
    DataTensors,
    MissingReport,
    PreparedData,
    Scaler,
)

if TYPE_CHECKING:
    from pathlib import Path

    from guinet.core.data.previews import Preview
    from guinet.core.data.spec import DataSpec


def prepare(
    data: DataSpec | Mapping[str, Any],
    base_dir: str | Path | None = None,
    *,
    progress: ProgressFn | None = None,
    cancelled: CancelledFn | None = None,
    test_source: Mapping[str, Any] | None = None,
) -> PreparedData:
    """Read and prepare a project's ``data`` section; see :mod:`.pipeline`."""
    from guinet.core.data.pipeline import prepare as run

    return run(
        data,
        base_dir,
        progress=progress,
        cancelled=cancelled,
        test_source=test_source,
    )


def preview(
    source: Mapping[str, Any], base_dir: str | Path | None = None, rows: int = 100
) -> Preview:
    """The first ``rows`` rows of a source with per-column facts.

    See :mod:`guinet.core.data.previews`.
    """
    from guinet.core.data.previews import preview as run

    return run(source, base_dir, rows)


__all__ = [
    "BUILTIN_DATASETS",
    "BuiltinDataset",
    "DataCancelled",
    "DataError",
    "DataReport",
    "DataTensors",
    "MissingReport",
    "PreparedData",
    "Scaler",
    "prepare",
    "preview",
]
