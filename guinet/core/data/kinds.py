"""The data source kinds, declared once: :data:`SOURCE_KINDS`.

A :class:`SourceKind` says what a learner sees (label), how a file is
recognised (its extensions, or being a folder), the options a project's
``source`` may carry (as :class:`~guinet.core.params.Param`, for the Data
page's form) and the reader that turns it into a
:class:`~guinet.core.data.sources.Table` or an
:class:`~guinet.core.data.sources.ArraySet`. :mod:`guinet.core.data.sources`
guesses kinds and dispatches through this registry only, so adding a source
kind is one declaration plus its reader. Readers import their heavy
dependencies (pandas, Pillow) when called, never here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guinet.core.params import Param, Registry

if TYPE_CHECKING:
    from guinet.core.data.errors import Progress
    from guinet.core.data.sources import ArraySet, Table

#: ``reader(path, source, progress)``; ``path`` is ``None`` for kinds without one.
Reader = Callable[[Path | None, Mapping[str, Any], "Progress"], "Table | ArraySet"]


@dataclass(frozen=True)
class SourceKind:
    """One kind of data source.

    ``extensions`` (lower case, with the dot) are how a file of this kind is
    recognised when a source gives only a path; ``folder`` kinds read a
    folder; kinds with ``has_path`` off (built-in datasets) read no file.
    ``params`` are the source's own options beside ``kind`` and ``path``.
    """

    key: str
    label: str
    reader: Reader
    extensions: tuple[str, ...] = ()
    folder: bool = False
    has_path: bool = True
    params: tuple[Param, ...] = ()

    def read(
        self, path: Path | None, source: Mapping[str, Any], progress: Progress
    ) -> Table | ArraySet:
        return self.reader(path, source, progress)


SOURCE_KINDS: Registry[SourceKind] = Registry("data source kind")


def source_kind(**kwargs: Any) -> SourceKind:
    """Declare and register a source kind."""
    kind = SourceKind(**kwargs)
    return SOURCE_KINDS.register(kind.key, kind)


def kind_for_extension(suffix: str) -> SourceKind | None:
    """The file kind whose extensions include ``suffix`` (``".csv"``)."""
    suffix = suffix.lower()
    for kind in SOURCE_KINDS.values():
        if suffix in kind.extensions:
            return kind
    return None


def file_kinds() -> list[SourceKind]:
    """The kinds a person picks a single file for."""
    return [k for k in SOURCE_KINDS.values() if k.has_path and not k.folder]


# -- the readers: thin, lazy wrappers over the modules that do the work ----------
def _table_reader(kind: str) -> Reader:
    def read(
        path: Path | None, source: Mapping[str, Any], progress: Progress
    ) -> Table | ArraySet:
        from guinet.core.data.tables import read_table

        assert path is not None
        return read_table(path, kind, source, progress)

    return read


def _read_arrays(
    path: Path | None, source: Mapping[str, Any], progress: Progress
) -> Table | ArraySet:
    from guinet.core.data.arrays import read_arrays

    assert path is not None
    return read_arrays(path, source, progress)


def _read_images(
    path: Path | None, source: Mapping[str, Any], progress: Progress
) -> Table | ArraySet:
    from guinet.core.data.images import read_image_folder

    assert path is not None
    return read_image_folder(path, source, progress)


def _read_builtin(
    _path: Path | None, source: Mapping[str, Any], progress: Progress
) -> Table | ArraySet:
    from guinet.core.data.builtin import BUILTIN_DATASETS
    from guinet.core.data.errors import DataError

    name = source.get("name")
    spec = BUILTIN_DATASETS.get(str(name))
    if spec is None:
        known = ", ".join(BUILTIN_DATASETS)
        raise DataError(
            f"There is no built-in dataset {name!r}; choose one of {known}."
        )
    values = {k: v for k, v in source.items() if k not in ("kind", "name")}
    result = spec.generate(values)
    progress.update(1.0, f"Generated {spec.label}")
    return result


# -- the declarations -----------------------------------------------------------
HEADER = Param(
    "header",
    "choice",
    "auto",
    "Whether the first row names the columns.",
    choices=("auto", True, False),
    choice_labels=("Detect", "First row is the header", "No header row"),
    label="Header row",
)
TEXT_OPTIONS = (
    HEADER,
    Param(
        "delimiter",
        "str",
        None,
        "The character between values; empty: detected.",
        optional=True,
        none_label="",
        label="Delimiter",
        advanced=True,
    ),
    Param(
        "encoding",
        "str",
        None,
        "The text encoding (utf-8, latin-1…); empty: detected.",
        optional=True,
        none_label="",
        label="Encoding",
        advanced=True,
    ),
)

source_kind(
    key="csv",
    label="CSV",
    reader=_table_reader("csv"),
    extensions=(".csv", ".txt", ".data", ".dat"),
    params=TEXT_OPTIONS,
)
source_kind(
    key="tsv",
    label="TSV",
    reader=_table_reader("tsv"),
    extensions=(".tsv", ".tab"),
    params=TEXT_OPTIONS,
)
source_kind(
    key="parquet",
    label="Parquet",
    reader=_table_reader("parquet"),
    extensions=(".parquet", ".pq"),
)
source_kind(
    key="xlsx",
    label="Excel",
    reader=_table_reader("xlsx"),
    extensions=(".xlsx", ".xlsm", ".xls"),
    params=(HEADER,),
)
source_kind(
    key="npz",
    label="NumPy arrays",
    reader=_read_arrays,
    extensions=(".npz",),
    params=(
        Param("x", "str", "x", "The name of the inputs array.", label="Inputs array"),
        Param("y", "str", "y", "The name of the targets array.", label="Targets array"),
    ),
)
source_kind(
    key="npy",
    label="NumPy matrix",
    reader=_read_arrays,
    extensions=(".npy",),
)
source_kind(
    key="images",
    label="Image folder",
    reader=_read_images,
    folder=True,
    params=(
        Param(
            "size",
            "shape",
            [32, 32],
            "Every image is resized to [height, width] pixels.",
            minimum=1,
            maximum=4096,
            label="Image size",
        ),
        Param(
            "color",
            "choice",
            "rgb",
            "Read the images in colour or as grey levels.",
            choices=("grayscale", "rgb"),
            choice_labels=("Grayscale", "Colour (RGB)"),
            label="Colour",
        ),
    ),
)
source_kind(
    key="builtin",
    label="Built-in dataset",
    reader=_read_builtin,
    has_path=False,
)
