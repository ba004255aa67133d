"""The shape shared by the loss, optimizer and scheduler catalogues.

The declaration types live in :mod:`guinet.core.components` (sections parse
them too); this module gives the training engine its flavour of them: errors
are :class:`~guinet.core.training.errors.ConfigError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from guinet.core.components import ComponentSpec, ComponentType
from guinet.core.components import parse_component as _parse_component
from guinet.core.params import Param, ParamError, Registry
from guinet.core.training.errors import ConfigError

C = TypeVar("C", bound=ComponentType)

__all__ = ["ComponentSpec", "ComponentType", "parse_component", "parse_section"]


def parse_component(registry: Registry[C], value: Any, where: str) -> ComponentSpec:
    """:func:`guinet.core.components.parse_component` raising :class:`ConfigError`."""
    return _parse_component(registry, value, where, ConfigError)


def parse_section(
    params: tuple[Param, ...], data: Mapping[str, Any], where: str
) -> dict[str, Any]:
    """``data``'s values for ``params`` (defaults for missing keys), checked.

    Unknown keys are ignored here (the project keeps them). A bad value
    raises :class:`ConfigError` naming ``where`` and the key.
    """
    out: dict[str, Any] = {}
    for param in params:
        value = data.get(param.name, param.default)
        try:
            value = param.coerce(value)
        except ParamError as exc:
            raise ConfigError(f"{where}: {exc}") from None
        problem = param.problem(value)
        if problem is not None:
            raise ConfigError(f"{where}: {problem}")
        out[param.name] = value
    return out
