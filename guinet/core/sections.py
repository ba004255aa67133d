"""Typed project sections, built from their :class:`~guinet.core.params.Param`
declarations and parsed once.

A :class:`Section` holds two things: the section exactly as the file has it
(:meth:`Section.to_dict`, unknown keys and their order kept, so load-then-save
gives the same file) and the values parsed from it, read as attributes
(``training.batch_size``, ``training.early_stopping.patience``). Defaults,
titles, help, "advanced" flags and choices live in the declarations only.

Parsing never raises: a value that cannot be used is replaced by its default
and reported in :attr:`Section.problems` (with where it is), so a project with
one bad value still opens, and the Session's preflight says what to fix.
:meth:`Section.check` raises the first problem for callers that must refuse.

Sections are immutable. An edit is :meth:`Section.with_value`, which returns a
new section parsed from the changed file form — the one way a field changes.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from guinet.core.params import Param, ParamError, Registry


#: Passed to :meth:`Section.with_value` to remove a key (back to its default).
class _Unset:
    """The "no value" marker: falsy, and the same object after any copy."""

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False

    def __copy__(self) -> _Unset:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> _Unset:
        return self


UNSET: Any = _Unset()

Path = tuple[str, ...]


class SettingsError(ValueError):
    """A section value that cannot be used, said in one sentence."""


@dataclass(frozen=True)
class Problem:
    """One value that cannot be used: ``where`` (a dotted path) and why."""

    where: str
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class ComponentSlot:
    """A key that names a catalogue entry, such as ``loss`` or ``optimizer``.

    ``default`` is the type used when the key is missing (``None``: nothing,
    or "auto" where ``auto_label`` says what that means).
    """

    name: str
    title: str
    registry: Registry[Any]
    default: str | None = None
    optional: bool = False
    none_label: str = "none"
    auto_label: str = ""
    help: str = ""


class Section:
    """Base of every typed section; subclasses declare, this class parses.

    Subclasses set :attr:`params` (plain values), :attr:`sections` (nested
    sections by key), :attr:`components` (catalogue picks) and :attr:`where`
    (the dotted name used in messages), and may override :meth:`_validate`
    for checks across fields.
    """

    params: ClassVar[tuple[Param, ...]] = ()
    sections: ClassVar[dict[str, type[Section]]] = {}
    components: ClassVar[tuple[ComponentSlot, ...]] = ()
    where: ClassVar[str] = ""
    error: ClassVar[type[ValueError]] = SettingsError
    #: Keys this section knows but keeps as the file has them (e.g. ``source``).
    opaque: ClassVar[tuple[str, ...]] = ()
    #: What a ``null`` section means, as values (e.g. ``{"enabled": False}``).
    null_values: ClassVar[dict[str, Any]] = {}

    def __init__(self, raw: Any = UNSET) -> None:
        """Parse ``raw`` (the file's object; ``None`` for ``null``; nothing
        for every default)."""
        self._null = raw is None
        self._values: dict[str, Any] = {}
        self._problems: list[Problem] = []
        if raw is not UNSET and raw is not None and not isinstance(raw, Mapping):
            self.add_problem("", f'"{self.where or "the section"}" must be an object')
            raw = UNSET
        source: dict[str, Any] = copy.deepcopy(dict(raw)) if raw else {}
        self._raw = source
        for param in self.params:
            self._values[param.name] = self._parse_param(param)
        if self._null:
            self._values.update(self.null_values)
        for key, section_type in self.sections.items():
            value = source.get(key, UNSET)
            if value not in (None, UNSET) and not isinstance(value, Mapping):
                self.add_problem(key, f"{key} must be an object or null")
                value = UNSET
            nested = section_type(value)
            self._values[key] = nested
            self._problems.extend(nested.problems)
        for slot in self.components:
            self._values[slot.name] = self._parse_component(slot)
        self._validate()

    @classmethod
    def from_dict(cls, data: Any) -> Any:
        """Parse ``data`` and raise :attr:`error` with its first problem (for
        callers that must refuse rather than report)."""
        return cls(data).check()

    # -- parsing ------------------------------------------------------------------
    def _parse_param(self, param: Param) -> Any:
        if param.name not in self._raw:
            return param.default
        try:
            value = param.coerce(self._raw[param.name])
        except ParamError as exc:
            self.add_problem(param.name, str(exc))
            return param.default
        problem = param.problem(value)
        if problem is not None:
            self.add_problem(param.name, problem)
            return param.default
        return value

    def _parse_component(self, slot: ComponentSlot) -> Any:
        from guinet.core.components import parse_component

        value = self._raw.get(slot.name, UNSET)
        if value is UNSET or (value is None and slot.optional):
            if slot.default is None:
                return None
            return parse_component(slot.registry, slot.default, self._at(slot.name))
        try:
            return parse_component(slot.registry, value, self._at(slot.name))
        except ValueError as exc:
            self._problems.append(Problem(self._at(slot.name), str(exc)))
            if slot.default is None:
                return None
            return parse_component(slot.registry, slot.default, self._at(slot.name))

    def _validate(self) -> None:
        """Checks across fields; call :meth:`add_problem` for each."""

    def add_problem(self, key: str, message: str) -> None:
        """Record that ``key`` cannot be used (``message`` without the place)."""
        where = self._at(key) if key else self.where
        text = f"{self.where}: {message}" if self.where and key else message
        self._problems.append(Problem(where, text))

    def _at(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    # -- reading ------------------------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        values = self.__dict__.get("_values")
        if values is not None and name in values:
            return values[name]
        raise AttributeError(f"{type(self).__name__} has no setting {name!r}")

    def value(self, path: str | Path) -> Any:
        """The parsed value at ``path`` (``"early_stopping.patience"``)."""
        node: Any = self
        for key in _path(path):
            node = getattr(node, key)
        return node

    def given(self, key: str) -> bool:
        """Whether the file sets ``key`` (rather than leaving the default)."""
        return key in self._raw

    @property
    def is_null(self) -> bool:
        """The file has ``null`` for this section."""
        return self._null

    @property
    def problems(self) -> tuple[Problem, ...]:
        return tuple(self._problems)

    @property
    def ok(self) -> bool:
        return not self._problems

    def check(self) -> Section:
        """``self``, or raise :attr:`error` with the first problem."""
        if self._problems:
            raise self.error(self._problems[0].message)
        return self

    @property
    def extra(self) -> dict[str, Any]:
        """The keys this guinet does not know, kept for the file."""
        return {
            k: copy.deepcopy(v) for k, v in self._raw.items() if not _known(self, k)
        }

    @classmethod
    def declared(cls, name: str) -> Param:
        for param in cls.params:
            if param.name == name:
                return param
        raise KeyError(f"{cls.where or cls.__name__} has no setting {name!r}")

    @classmethod
    def slot(cls, name: str) -> ComponentSlot:
        for slot in cls.components:
            if slot.name == name:
                return slot
        raise KeyError(f"{cls.where or cls.__name__} has no component {name!r}")

    # -- the file form ----------------------------------------------------------
    def to_dict(self) -> Any:
        """The section as the file has it (``None`` for a ``null`` section)."""
        if self._null:
            return None
        return copy.deepcopy(self._raw)

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        """What a new project writes: every common (not advanced) key."""
        out: dict[str, Any] = {}
        for slot in cls.components:
            if slot.default is not None:
                out[slot.name] = _component_defaults(slot.registry, slot.default)
            elif slot.optional and not slot.auto_label:
                out[slot.name] = None
        for param in cls.params:
            if not param.advanced:
                out[param.name] = copy.deepcopy(param.default)
        for key, section_type in cls.sections.items():
            out[key] = section_type.defaults()
        return out

    def with_value(self, path: str | Path, value: Any) -> Any:
        """A new section with the file's ``path`` set to ``value`` (or removed
        with :data:`UNSET`), parsed again."""
        keys = _path(path)
        raw = self.to_dict()
        raw = {} if raw is None else raw
        _set(type(self), raw, keys, copy.deepcopy(value))
        return type(self)(raw)

    def replace(self, **changes: Any) -> Any:
        """A new section with top-level ``changes`` (see :meth:`with_value`)."""
        section: Section = self
        for key, value in changes.items():
            section = section.with_value(key, value)
        return section

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Section) or type(other) is not type(self):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.to_dict()!r})"

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)


def _known(section: Section, key: str) -> bool:
    return (
        any(p.name == key for p in section.params)
        or key in section.sections
        or key in section.opaque
        or any(slot.name == key for slot in section.components)
    )


def _path(path: str | Path) -> Path:
    return tuple(path.split(".")) if isinstance(path, str) else tuple(path)


def _set(
    section_type: type[Section], raw: dict[str, Any], keys: Path, value: Any
) -> None:
    head, rest = keys[0], keys[1:]
    if not rest:
        if value is UNSET:
            raw.pop(head, None)
        else:
            raw[head] = value
        return
    nested_type = section_type.sections.get(head)
    node = raw.get(head)
    if not isinstance(node, dict):
        # a null (or missing) section being edited: start from what null meant
        node = dict(nested_type.null_values) if nested_type and node is None else {}
        if head not in raw and nested_type is not None:
            node = {}
        raw[head] = node
    if nested_type is not None:
        _set(nested_type, node, rest, value)
    else:  # inside a component ({"type": "Adam", "lr": …}) or an unknown object
        _set(Section, node, rest, value)


def _component_defaults(registry: Registry[Any], key: str) -> dict[str, Any]:
    declared = registry[key]
    out: dict[str, Any] = {"type": key}
    out.update(
        {p.name: p.default for p in declared.params if p.key and p.default is not None}
    )
    return out
