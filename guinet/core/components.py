"""Catalogue entries a project names by type: ``{"type": "Adam", "lr": 0.001}``.

A :class:`ComponentType` is declared once per PyTorch class (a loss, an
optimizer, a scheduler): its key (the class name), a friendly label, a
one-line explanation for learners and its constructor arguments as
:class:`~guinet.core.params.Param`. :func:`parse_component` checks a project's
value against the declaration and says what is wrong in one sentence.

torch is not imported here, so the GUI can list the catalogues before it loads.
"""

from __future__ import annotations

import copy
import difflib
import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from guinet.core.params import Param, ParamError, Registry, check_args
from guinet.core.sections import SettingsError


@dataclass(frozen=True, kw_only=True)
class ComponentType:
    """One ``torch.nn`` loss, ``torch.optim`` optimizer or LR scheduler class."""

    key: str
    label: str
    explanation: str
    params: tuple[Param, ...] = ()
    module: str = "torch.nn"

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(f"{self.key} has no parameter {name!r}")

    def arguments(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Every declared argument: the set values over the declared defaults."""
        return {p.name: values.get(p.name, p.default) for p in self.params}

    def torch_class(self) -> Any:
        return getattr(importlib.import_module(self.module), self.key)


@dataclass
class ComponentSpec:
    """A component as a project names it: its type and the arguments set."""

    type: str
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, **copy.deepcopy(self.params)}


C = TypeVar("C", bound=ComponentType)


def parse_component(
    registry: Registry[C],
    value: Any,
    where: str,
    error: type[ValueError] = SettingsError,
) -> ComponentSpec:
    """Check ``value`` (``{"type": …, args}`` or just the type name) against
    ``registry``; raise ``error`` naming ``where`` and the fix."""
    if isinstance(value, str):
        value = {"type": value}
    if not isinstance(value, Mapping) or not isinstance(value.get("type"), str):
        example = next(iter(registry), "?")
        raise error(
            f'{where} must be an object with a "type", e.g. {{"type": "{example}"}}'
        )
    key = value["type"]
    declared = registry.get(key)
    if declared is None:
        raise error(f"{where}: unknown {registry.what} {key!r}{_hint(registry, key)}")
    given = {k: v for k, v in value.items() if k != "type"}
    try:
        params = check_args(declared.params, given, key)
    except ParamError as exc:
        raise error(f"{where}: {exc}") from None
    for param in declared.params:
        problem = param.problem(params.get(param.name, param.default))
        if problem is not None:
            raise error(f"{where}: {key} {problem}")
    return ComponentSpec(key, params)


def _hint(registry: Registry[Any], key: str) -> str:
    by_lower = {name.lower(): name for name in registry}
    close = [by_lower[key.lower()]] if key.lower() in by_lower else []
    close = close or difflib.get_close_matches(key, list(registry), n=1, cutoff=0.5)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; known: {', '.join(registry)}"
