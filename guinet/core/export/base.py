"""The export-format declaration and the table of formats.

Kept apart from the formats themselves so that each format's module can
register itself without importing the package it belongs to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guinet.core.params import Param, Registry

if TYPE_CHECKING:
    from guinet.core.session import Session
    from guinet.core.trained import TrainedModel


class ExportError(ValueError):
    """An export that cannot be made; the message says why and what to do."""


@dataclass(frozen=True)
class ExportRequest:
    """What a format's writer gets: the session, the file to write and, for
    formats that need weights, the trained model (on the CPU, in eval mode)."""

    session: Session
    output: Path
    trained: TrainedModel | None
    options: dict[str, Any]


#: A format's writer: writes ``request.output`` (and files beside it) and
#: returns every path it wrote, the model file first.
Writer = Callable[[ExportRequest], list[Path]]


@dataclass(frozen=True, kw_only=True)
class ExportFormat:
    """One export format: ``key`` as ``--format`` names it, ``label`` and
    ``help`` for people, the ``suffix`` of the file it writes (``".onnx"``)
    and its options.

    ``needs_weights``: the format carries trained weights, so a project
    without a checkpoint cannot be exported to it. ``modules`` are the
    packages it imports beyond guinet's own dependencies, and ``extra`` the
    ``pip install "guinet[extra]"`` that brings them. ``write`` makes the
    files (see :class:`ExportRequest`); it imports torch itself, so the table
    can be listed before torch loads.
    """

    key: str
    label: str
    suffix: str
    help: str
    params: tuple[Param, ...] = ()
    needs_weights: bool = True
    modules: tuple[str, ...] = ()
    extra: str = ""
    write: Writer | None = None


EXPORTERS: Registry[ExportFormat] = Registry("export format")
"""Every export format, in the order ``--help`` and the dialog list them;
a second declaration of the same key raises."""


def exporter(**kwargs: Any) -> ExportFormat:
    """Declare a format and register it (as :func:`~guinet.core.layers.layer`)."""
    declared = ExportFormat(**kwargs)
    return EXPORTERS.register(declared.key, declared)
