"""The shape shared by the loss, optimizer and scheduler catalogues.

The declaration types live in :mod:`guinet.core.components` (sections parse
them too); this module gives the training engine its flavour of them: errors
are :class:`~guinet.core.training.errors.ConfigError`.
"""

from __future__ import annotations

from typing import Any, TypeVar

from guinet.core.components import ComponentSpec, ComponentType
from guinet.core.components import parse_component as _parse_component
from guinet.core.params import Registry
from guinet.core.training.errors import ConfigError

C = TypeVar("C", bound=ComponentType)

__all__ = ["ComponentSpec", "ComponentType", "parse_component"]


def parse_component(registry: Registry[C], value: Any, where: str) -> ComponentSpec:
    """:func:`guinet.core.components.parse_component` raising :class:`ConfigError`."""
    return _parse_component(registry, value, where, ConfigError)
