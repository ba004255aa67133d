"""Exporters: a project and its trained weights as files other tools read.

Each ``guinet export --format`` choice is declared once as an
:class:`ExportFormat` in :data:`EXPORTERS`: its key (the ``--format`` value),
a label and help line for the GUI's export dialog, the file suffix it writes
and its options as :class:`~guinet.core.params.Param` declarations, so the
command line, the dialog and the project's saved export settings read the
same table. A duplicate key raises.

The table is empty for now. The formats design.md names come next, each in
its own module that registers itself here: ``python`` (a plain
``torch.nn.Module`` source file), ``lightning`` (a ``LightningModule``),
``torchscript``, ``onnx`` and ``weights`` (a state dict of tensors).

torch is not imported here, so the GUI can list the formats before it loads.
"""

from __future__ import annotations

from dataclasses import dataclass

from guinet.core.params import Param, Registry

__all__ = ["EXPORTERS", "ExportFormat"]


@dataclass(frozen=True, kw_only=True)
class ExportFormat:
    """One export format: ``key`` as ``--format`` names it, ``label`` and
    ``help`` for people, the ``suffix`` of the file it writes (``".onnx"``)
    and its options."""

    key: str
    label: str
    suffix: str
    help: str
    params: tuple[Param, ...] = ()


EXPORTERS: Registry[ExportFormat] = Registry("export format")
