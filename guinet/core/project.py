"""Projects: the model, data and training settings, and their ``.guinet`` file.

The file is plain JSON (format version 1, see ``design.md``). Loading keeps
unknown keys and their order, so load-then-save gives back the same file.
Paths inside the file are relative to it; saving to another folder rebases
them. Every problem with a file is a :class:`ProjectError` naming the file.
"""

from __future__ import annotations

import copy
import json
import os
import re
import stat
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from psygnal import Signal

from guinet.core.data.spec import DataSpec
from guinet.core.fileio import atomic_write_text, remove_stale_temp_files
from guinet.core.lessons import LessonSpec
from guinet.core.model import ModelSpec
from guinet.core.params import ParamError
from guinet.core.search_space import SearchSpec
from guinet.core.sections import UNSET
from guinet.core.training.config import TrainingSpec

FORMAT_VERSION = 1
#: Sections kept as plain JSON that :meth:`Project.set_value` may edit: ``hints``
#: (``{"dismissed": [hint keys]}``, see guinet.core.hints).
FREE_SECTIONS = ("hints",)
SUFFIX = ".guinet"
#: The largest project file guinet reads. A real one is a few kilobytes (ten
#: thousand layers, the most a model may have, write about 2 MB); parsing a
#: file of tens of megabytes takes seconds and gigabytes before anything
#: could be said about it.
MAX_FILE_BYTES = 10 * 1024 * 1024
#: The deepest nesting of objects and lists a project file may have. guinet's
#: own keys nest four deep; unknown keys are kept, but hundreds of levels
#: only exhaust Python's recursion (on parse, copy and save).
MAX_DEPTH = 64
#: The name of a project that has neither a name of its own nor a file.
UNTITLED = "Untitled"

# Where a project file holds paths (relative to the file).
PATH_FIELDS: tuple[tuple[str, ...], ...] = (
    ("data", "source", "path"),
    ("data", "validation_source", "path"),
    ("data", "test_source", "path"),
    ("training", "checkpoint", "dir"),
)


def default_training() -> dict[str, Any]:
    """The training section a new project writes, from the declarations.

    It names no loss: a new project's loss is *auto* (see
    :func:`guinet.core.training.config.auto_loss`).
    """
    return TrainingSpec.defaults()


class ProjectError(Exception):
    """A project file that cannot be read or written, said in one sentence."""


class Project:
    """A whole guinet project: the live model and the typed data and training
    sections (:class:`DataSpec`, :class:`TrainingSpec`), each parsed once.

    Sections are immutable; an edit replaces one (:meth:`set_value`,
    :meth:`set_data`, :meth:`set_training`) and announces it.
    """

    changed = Signal()  # name, data, training or lesson replaced
    data_changed = Signal()  # data replaced (before ``changed``)
    training_changed = Signal()  # training replaced (before ``changed``)

    def __init__(
        self,
        name: str | None = None,
        model: ModelSpec | None = None,
        data: DataSpec | Mapping[str, Any] | None = None,
        training: TrainingSpec | Mapping[str, Any] | None = None,
        path: Path | None = None,
        raw: dict[str, Any] | None = None,
        lesson: LessonSpec | Mapping[str, Any] | None = None,
        search: SearchSpec | Mapping[str, Any] | None = None,
    ) -> None:
        #: the name the person gave; ``None`` while it follows the file name
        self._name = name
        self.model = model if model is not None else ModelSpec()
        self.data: DataSpec | None = _as_data(data)
        self.training: TrainingSpec = _as_training(
            training if training is not None else default_training()
        )
        #: what a class reads and may touch (``None``: not a lesson)
        self.lesson: LessonSpec | None = _as_lesson(lesson)
        #: what a hyperparameter search may change (``None``: no search yet;
        #: see guinet.core.search_space)
        self.search: SearchSpec | None = _as_search(search)
        self.path = Path(path).resolve() if path is not None else None
        self._raw: dict[str, Any] = raw if raw is not None else {}
        #: Tells unsaved projects apart (their checkpoint folders); not saved.
        self.uid = uuid.uuid4().hex[:8]

    def copy(self) -> Project:
        """An independent copy (a run's snapshot): the same file, the same uid."""
        twin = Project.from_dict(self.to_dict(), self.path)
        twin.uid = self.uid
        return twin

    def untitled_copy(self) -> Project:
        """A copy with no file (an example opened to try, never written back):
        its data paths made absolute, so a CSV shipped beside the example is
        still found; the first save makes them relative to the new file."""
        raw = self.to_dict()
        if self.path is not None:
            for section, *keys, leaf in PATH_FIELDS:
                if section != "data":
                    continue
                node: Any = raw.get(section)
                for key in keys:
                    node = node.get(key) if isinstance(node, dict) else None
                if isinstance(node, dict) and isinstance(node.get(leaf), str):
                    node[leaf] = str(self.resolve(node[leaf]))
        twin = Project.from_dict(raw)
        twin.name = self.name
        return twin

    @classmethod
    def new(cls) -> Project:
        """A project as a person starts one (the window, File ▸ New): with the
        default data (:meth:`DataSpec.new`, two moons), so the Data page loads
        and previews at once what it shows as chosen. ``Project()`` itself
        has no data, as a file without a ``data`` section."""
        return cls(data=DataSpec.new())

    @property
    def base_dir(self) -> Path:
        """The folder that relative paths in the project are relative to."""
        return self.path.parent if self.path is not None else Path.cwd()

    def resolve(self, relative: str | os.PathLike[str]) -> Path:
        return (self.base_dir / relative).resolve()

    @property
    def display_name(self) -> str:
        return self.path.name if self.path is not None else UNTITLED

    @property
    def name(self) -> str:
        """The project's name (the file's ``name``). Until someone gives it
        one, it follows the file: ``my.guinet`` is "my", and no file is
        "Untitled"."""
        if self._name is not None:
            return self._name
        return self.path.stem if self.path is not None else UNTITLED

    @name.setter
    def name(self, name: str) -> None:
        self._name = name

    @property
    def has_own_name(self) -> bool:
        return self._name is not None

    def set_name(self, name: str) -> None:
        self.name = name
        self.changed.emit()

    def set_data(self, data: DataSpec | Mapping[str, Any] | None) -> None:
        self.data = _as_data(data)
        self.data_changed.emit()
        self.changed.emit()

    def set_training(self, training: TrainingSpec | Mapping[str, Any]) -> None:
        self.training = _as_training(training)
        self.training_changed.emit()
        self.changed.emit()

    def set_search(self, search: SearchSpec | Mapping[str, Any] | None) -> None:
        """Give the project a search space (or, with ``None``, none)."""
        self.search = _as_search(search)
        self.changed.emit()

    def set_lesson(self, lesson: LessonSpec | Mapping[str, Any] | None) -> None:
        """Make the project a lesson (or, with ``None``, no longer one)."""
        self.lesson = _as_lesson(lesson)
        self.changed.emit()

    # -- one field at a time ------------------------------------------------------
    def value(self, path: str | tuple[str, ...]) -> Any:
        """The file's value at ``path`` (``"training.early_stopping.patience"``),
        or :data:`~guinet.core.sections.UNSET` where the file has none."""
        keys = tuple(path.split(".")) if isinstance(path, str) else tuple(path)
        node: Any = self.to_dict()
        for key in keys:
            if not isinstance(node, dict) or key not in node:
                return UNSET
            node = node[key]
        return node

    def set_value(self, path: str | tuple[str, ...], value: Any) -> None:
        """Set (or with :data:`UNSET` remove) one key of ``data`` or ``training``
        and parse that section again. A project with no data starts from
        :meth:`DataSpec.new`."""
        keys = tuple(path.split(".")) if isinstance(path, str) else tuple(path)
        section, rest = keys[0], keys[1:]
        if section == "data":
            data = self.data if self.data is not None else DataSpec.new()
            self.set_data(data.with_value(rest, value) if rest else value)
        elif section == "training":
            self.set_training(self.training.with_value(rest, value))
        elif section in FREE_SECTIONS and rest:
            self._set_free(section, rest, value)
        elif section == "search":
            if not rest:  # the whole section (UNSET: no search)
                self.set_search(None if value is UNSET else value)
                return
            search = self.search if self.search is not None else SearchSpec({})
            self.set_search(search.with_value(rest, value))
        elif section == "lesson":
            if not rest:  # the whole section (UNSET: no longer a lesson)
                self.set_lesson(None if value is UNSET else value)
                return
            lesson = self.lesson if self.lesson is not None else LessonSpec({})
            self.set_lesson(lesson.with_value(rest, value))
        else:
            raise KeyError(f"no project section {section!r} to set")

    def _set_free(self, section: str, keys: tuple[str, ...], value: Any) -> None:
        """Set a key of a section the project keeps as plain JSON (``hints``)."""
        from guinet.core.sections import UNSET

        node = self._raw.setdefault(section, {})
        if not isinstance(node, dict):
            node = self._raw[section] = {}
        for key in keys[:-1]:
            child = node.setdefault(key, {})
            if not isinstance(child, dict):
                child = node[key] = {}
            node = child
        if value is UNSET:
            node.pop(keys[-1], None)
        else:
            node[keys[-1]] = copy.deepcopy(value)
        self.changed.emit()

    # -- dict form ------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"guinet": FORMAT_VERSION}
        out.update(copy.deepcopy(self._raw))
        out["guinet"] = FORMAT_VERSION
        out["name"] = self.name
        if self.data is not None:
            out["data"] = self.data.to_dict()
        else:
            out.pop("data", None)
        out["model"] = self.model.to_dict()
        out["training"] = self.training.to_dict()
        if self.lesson is not None:
            out["lesson"] = self.lesson.to_dict()
        else:
            out.pop("lesson", None)
        if self.search is not None:
            out["search"] = self.search.to_dict()
        else:
            out.pop("search", None)
        return out

    @classmethod
    def from_dict(cls, raw: Any, path: Path | None = None) -> Project:
        where = path.name if path is not None else "project"
        if _depth(raw) > MAX_DEPTH:
            raise ProjectError(
                f"{where} is not a valid project file: it nests objects or lists "
                f"more than {MAX_DEPTH} deep"
            )
        if not isinstance(raw, dict) or "guinet" not in raw:
            raise ProjectError(
                f'{where} is not a guinet project (it has no "guinet" format number)'
            )
        version = raw["guinet"]
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise ProjectError(
                f'{where}: "guinet" must be a format number such as 1, not {version!r}'
            )
        if version > FORMAT_VERSION:
            raise ProjectError(
                f"{where} was saved by a newer guinet (project format {version}); this "
                f"guinet reads format {FORMAT_VERSION} — update guinet to open it"
            )
        # bring the file to the current format first: everything below reads
        # the keys of the current format only
        try:
            raw = migrate(copy.deepcopy(raw))
        except ProjectError as exc:
            raise ProjectError(f"{where}: {exc}") from None
        try:
            model = ModelSpec.from_dict(raw.get("model", {"layers": []}))
        except ParamError as exc:
            raise ProjectError(f"{where}: {exc}") from None
        name = raw.get("name")
        if name is not None and not isinstance(name, str):
            raise ProjectError(f'{where}: "name" must be text')
        if name == UNTITLED or (path is not None and name == path.stem):
            name = None  # never named: it goes on following the file name
        data = raw.get("data")
        if data is not None and not isinstance(data, dict):
            raise ProjectError(f'{where}: "data" must be an object')
        training = raw.get("training", default_training())
        if not isinstance(training, dict):
            raise ProjectError(f'{where}: "training" must be an object')
        # a lesson that is not an object is kept as the file has it and
        # reported (``LessonSpec`` says so): a project always opens
        return cls(
            name,
            model,
            raw.get("data"),
            training,
            path=path,
            raw=raw,
            lesson=raw.get("lesson"),
            search=raw.get("search"),
        )

    # -- files ----------------------------------------------------------------
    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Project:
        path = Path(path)
        try:
            text = _read_limited(path).decode("utf-8-sig")
        except FileNotFoundError:
            raise ProjectError(f"{path}: no such file") from None
        except IsADirectoryError:
            raise ProjectError(f"{path} is a folder, not a project file") from None
        except UnicodeDecodeError:
            raise ProjectError(
                f"{path.name} is not a guinet project (it is not text)"
            ) from None
        except OSError as exc:
            raise ProjectError(f"{path}: {exc.strerror or exc}") from None
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ProjectError(
                f"{path.name} is not valid JSON "
                f"(line {exc.lineno}, column {exc.colno}: {exc.msg})"
            ) from None
        except RecursionError:
            raise ProjectError(
                f"{path.name} is not a valid project file: it nests objects or "
                f"lists more than {MAX_DEPTH} deep"
            ) from None
        except ValueError as exc:  # e.g. an integer of thousands of digits
            digits = re.search(r"value has (\d+) digits", str(exc))
            reason = (
                f"it holds a number of {digits[1]} digits"
                if digits
                else str(exc).split(";")[0]
            )
            raise ProjectError(
                f"{path.name} is not a valid project file: {reason}"
            ) from None
        return cls.from_dict(raw, path.resolve())

    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Write the project atomically; with ``path``, rebase relative paths to it."""
        target = Path(path).resolve() if path is not None else self.path
        if target is None:
            raise ProjectError("the project has no file yet; choose where to save it")
        # Rebase a copy first: a failed Save As must leave the project as it was.
        old_dir = self.path.parent if self.path is not None else None
        out = self.to_dict()
        if self._name is None:  # the name follows the file it is saved as
            out["name"] = target.stem
        _rebase(out, old_dir, target.parent)
        # Left-overs of a save that was killed mid-write (our own naming only).
        remove_stale_temp_files(
            target.parent, lambda name: name.endswith(SUFFIX) or name == target.name
        )
        try:
            atomic_write_text(target, dumps(out))
        except OSError as exc:
            raise ProjectError(
                f"could not save {target}: {exc.strerror or exc}"
            ) from None
        sections = {
            "data": self.to_dict().get("data"),
            "training": self.to_dict()["training"],
        }
        _rebase(sections, old_dir, target.parent)
        self.data = _as_data(sections["data"])
        self.training = _as_training(sections["training"])
        self.path = target
        return target


def _read_limited(path: Path) -> bytes:
    """The file's bytes, refused past :data:`MAX_FILE_BYTES` before reading
    them (a regular file's size is known; anything else is no project)."""
    info = path.stat()
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(path)
    if not stat.S_ISREG(info.st_mode):
        raise ProjectError(f"{path} is not a regular file, so not a project file")
    if info.st_size > MAX_FILE_BYTES:
        raise ProjectError(
            f"{path.name} is not a valid project file: it is "
            f"{info.st_size / 2**20:,.1f} MB, and a project file is at most "
            f"{MAX_FILE_BYTES // 2**20} MB"
        )
    with path.open("rb") as handle:
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:  # it grew while being read
        raise ProjectError(
            f"{path.name} is not a valid project file: it is larger than "
            f"{MAX_FILE_BYTES // 2**20} MB"
        )
    return data


def _depth(value: Any, limit: int = MAX_DEPTH) -> int:
    """How deep ``value`` nests dicts and lists, counted without recursion
    (and no further than ``limit + 1``)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, (dict, list)):
            continue
        deepest = max(deepest, depth)
        if depth > limit:
            break
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _rebase(sections: dict[str, Any], old_dir: Path | None, new_dir: Path) -> None:
    """Rewrite the paths in ``sections`` from ``old_dir`` to ``new_dir``.

    A project that had no file (``old_dir`` is None) keeps its relative paths,
    such as the default ``checkpoints``: they mean "beside the file", not
    "beside wherever guinet was started". Its absolute paths become relative.
    """
    if new_dir == old_dir:
        return
    for section, *keys, leaf in PATH_FIELDS:
        node: Any = sections.get(section)
        for key in keys:
            node = node.get(key) if isinstance(node, dict) else None
        if not isinstance(node, dict) or not isinstance(node.get(leaf), str):
            continue
        if old_dir is None and not Path(node[leaf]).is_absolute():
            continue
        if "{project}" in node[leaf]:  # means "beside the file", wherever it is
            continue
        absolute = ((old_dir or new_dir) / node[leaf]).resolve()
        try:
            node[leaf] = Path(os.path.relpath(absolute, new_dir)).as_posix()
        except ValueError:  # another drive on Windows
            node[leaf] = str(absolute)


def dumps(data: dict[str, Any]) -> str:
    """The project file's text: two-space indents, readable non-ASCII, final newline."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _as_data(data: DataSpec | Mapping[str, Any] | None) -> DataSpec | None:
    if data is None or isinstance(data, DataSpec):
        return data
    return DataSpec(data)


def _as_lesson(lesson: LessonSpec | Mapping[str, Any] | None) -> LessonSpec | None:
    if lesson is None or isinstance(lesson, LessonSpec):
        return lesson
    return LessonSpec(lesson)


def _as_search(search: SearchSpec | Mapping[str, Any] | None) -> SearchSpec | None:
    if search is None or isinstance(search, SearchSpec):
        return search
    return SearchSpec(search)


def _as_training(training: TrainingSpec | Mapping[str, Any]) -> TrainingSpec:
    return training if isinstance(training, TrainingSpec) else TrainingSpec(training)


# -- format migrations -----------------------------------------------------------
#: Format number → the function that turns a file of that format into the next
#: one. Format 1 is the current one, so the table is empty; a format 2 adds
#: ``1: _v1_to_v2`` here and bumps :data:`FORMAT_VERSION`.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def migrate(raw: dict[str, Any]) -> dict[str, Any]:
    """``raw`` (a parsed project file) brought to :data:`FORMAT_VERSION`."""
    version = int(raw.get("guinet", FORMAT_VERSION))
    while version < FORMAT_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise ProjectError(f"no migration from project format {version}")
        raw = step(raw)
        version += 1
        raw["guinet"] = version
    return raw
