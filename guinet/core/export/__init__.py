"""Exporters: a project and its trained weights as files other tools read.

Each ``guinet export --format`` choice is declared once as an
:class:`ExportFormat` in :data:`EXPORTERS`: its key (the ``--format`` value),
a label and help line for people, the file suffix it writes, whether it
needs trained weights, the optional packages (and ``pip`` extra) it needs,
its options as :class:`~guinet.core.params.Param` declarations and the
function that writes it. The command line and the export dialog read the
same table; a duplicate key raises.

Formats here: ``python`` (:mod:`.script`, a standalone training script
built from the code pieces of :mod:`.source`), ``lightning``
(:mod:`.lightning`, the same as a LightningModule, DataModule and Trainer),
and ``weights``,
``torchscript`` and ``onnx`` (:mod:`.artefacts`), each with the
preprocessing as JSON beside the model (:mod:`.preprocessing`).
:func:`export_project` is the one way to run any of them.

torch is not imported here, so the GUI can list the formats before it loads.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

# the order formats are listed in (--help, the dialog): the readable script,
# its Lightning form, then the artefacts
from guinet.core.export import script as _script  # noqa: F401  (registers)

# isort: split
from guinet.core.export import lightning as _lightning  # noqa: F401  (registers)

# isort: split
from guinet.core.export import artefacts as _artefacts  # noqa: F401  (registers)
from guinet.core.export.base import (
    EXPORTERS,
    ExportError,
    ExportFormat,
    ExportRequest,
    exporter,
)
from guinet.core.export.preprocessing import sidecar_path

if TYPE_CHECKING:
    from guinet.core.session import Session

__all__ = [
    "EXPORTERS",
    "ExportError",
    "ExportFormat",
    "ExportRequest",
    "check_output",
    "export_project",
    "exporter",
    "files_replaced",
    "missing_modules",
    "sidecar_path",
]


def missing_modules(declared: ExportFormat) -> list[str]:
    """The packages ``declared`` needs that are not installed."""
    return [m for m in declared.modules if importlib.util.find_spec(m) is None]


def export_project(
    session: Session,
    key: str,
    output: str | os.PathLike[str],
    checkpoint: str | os.PathLike[str] | None = None,
    options: dict[str, Any] | None = None,
) -> list[Path]:
    """Export ``session``'s project as format ``key`` to ``output``; return
    the files written (the model file first).

    The weights come from ``checkpoint``, else the project's newest best
    (or last) checkpoint. Everything that stops an export — an unknown
    format, a missing package, an output that is a folder or in a folder
    that does not exist, a model that cannot be built, no trained weights,
    a checkpoint that does not fit, an output that would replace the project
    or that checkpoint — raises :class:`ExportError` with one sentence that
    says what to do, before any file is written; so does a failed write.
    """
    from guinet.core.data import DataError
    from guinet.core.model import ModelError
    from guinet.core.params import ParamError, check_args
    from guinet.core.trained import load_trained
    from guinet.core.training import TrainingError

    declared = EXPORTERS.get(key)
    if declared is None or declared.write is None:
        raise ExportError(
            f"unknown export format {key!r}; known: {', '.join(EXPORTERS)}"
        )
    missing = missing_modules(declared)
    if missing:
        raise ExportError(
            f"the {key} format needs {', '.join(missing)}: "
            f'pip install "guinet[{declared.extra}]"'
        )
    try:
        values = check_args(declared.params, options or {}, key)
    except ParamError as exc:
        raise ExportError(str(exc)) from None
    path = _output_path(output)
    trained = None
    if declared.needs_weights:
        try:
            trained = load_trained(session, checkpoint)
        except (DataError, ModelError, TrainingError) as exc:
            raise ExportError(f"{session.project.display_name}: {exc}") from exc
    checkpoint_path = trained.checkpoint.path if trained is not None else None
    _refuse_to_replace(
        path, {"project": session.project.path, "checkpoint": checkpoint_path}
    )
    arguments = {p.name: values.get(p.name, p.default) for p in declared.params}
    request = ExportRequest(session, path, trained, arguments)
    try:
        return declared.write(request)
    except OSError as exc:  # a full disk, a read-only folder
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc


def check_output(
    session: Session,
    output: str | os.PathLike[str],
    checkpoint: str | os.PathLike[str] | None = None,
) -> Path:
    """``output`` as :func:`export_project` will check it before writing: a
    file (not a folder) in a folder that exists and can be written, and
    neither ``session``'s project file nor ``checkpoint`` (or the JSON beside
    it). Raises :class:`ExportError`; lets the dialog say so before it asks
    about replacing anything or starts the export."""
    path = _output_path(output)
    keep = {
        "project": session.project.path,
        "checkpoint": Path(checkpoint) if checkpoint is not None else None,
    }
    _refuse_to_replace(path, keep)
    return path


def files_replaced(key: str, output: str | os.PathLike[str]) -> list[Path]:
    """The files already there that exporting format ``key`` to ``output``
    would replace: the model file, and for formats that carry weights the
    preprocessing JSON beside it. The dialog asks before replacing them; the
    command line, like ``cp``, replaces what its ``--output`` names."""
    path = Path(output).expanduser()
    declared = EXPORTERS.get(key)
    written = [path]
    if declared is not None and declared.needs_weights:
        written.append(sidecar_path(path))
    return [file for file in written if file.is_file()]


def _refuse_to_replace(output: Path, keep: dict[str, Path | None]) -> None:
    """An export never overwrites the project file or the checkpoint it reads."""
    for written in (output, sidecar_path(output)):
        for what, precious in keep.items():
            if precious is None or not written.exists():
                continue
            if written.samefile(precious):
                raise ExportError(
                    f"{written} is the {what} file; choose another name for the export"
                )


def _output_path(output: str | os.PathLike[str]) -> Path:
    """``output`` as the file to write: not a folder, and in a folder that
    exists (nothing is written anywhere the person did not choose) and that
    can be written to."""
    path = Path(output).expanduser()
    if path.is_dir():
        raise ExportError(
            f"{path} is a folder; give the file to write, e.g. {path / 'model.onnx'}"
        )
    if not path.parent.is_dir():
        raise ExportError(
            f"the folder {path.parent} does not exist; create it first or choose "
            "another place"
        )
    if not os.access(path.parent, os.W_OK):
        raise ExportError(
            f"the folder {path.parent} cannot be written to (no permission); "
            "choose another place"
        )
    return path
