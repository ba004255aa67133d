"""Parameter declarations shared by every catalogue (layers, losses, optimizers,
schedulers, datasets).

A :class:`Param` says once what a constructor argument is: its kind, default,
allowed range and a help line. The inspector builds its editors from it, the
project loader checks file values with it, and the validator reports range
errors with it — so the rules live in one place.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

KINDS = (
    "int",
    "float",
    "bool",
    "choice",
    "ints",
    "shape",
    "str",
    "texts",
    "column",
    "columns",
)


class ParamError(ValueError):
    """A value that can never be right for a parameter (wrong type, unknown name)."""


@dataclass(frozen=True)
class Param:
    """One constructor argument.

    ``kind``:
      * ``int`` / ``float`` / ``bool`` / ``str`` — a plain value;
      * ``texts`` — a list of strings (typed as comma-separated text);
      * ``choice`` — one of ``choices``;
      * ``ints`` — an int, or a list of ints (``kernel_size=3`` or ``[3, 5]``);
        strings listed in ``choices`` are allowed too (``padding="same"``);
      * ``shape`` — a list of positive ints (``unflattened_size=[1, 28, 28]``);
      * ``column`` — a table column by name, or by 0-based index (negative
        from the end); ``columns`` — a list of those.

    ``choice_labels`` are the words forms show for ``choices``, in order.

    ``minimum``/``maximum`` bound numbers (and every int of ``ints``/``shape``);
    ``exclusive_max`` makes the upper bound open, as in ``Dropout p in [0, 1)``.
    ``optional`` allows ``None`` (shown as ``none_label``). ``key`` marks the
    parameters worth showing on a layer's block in the stack; ``advanced``
    ones are rarer settings that forms show behind "More options" and a new
    project's file leaves out. ``label`` is the title forms show.
    """

    name: str
    kind: str
    default: Any = None
    help: str = ""
    minimum: float | None = None
    maximum: float | None = None
    exclusive_min: bool = False
    exclusive_max: bool = False
    choices: tuple[Any, ...] = ()
    optional: bool = False
    none_label: str = "none"
    key: bool = False
    label: str = ""
    step: float | None = None
    log_scale: bool = False
    advanced: bool = False
    choice_labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown parameter kind {self.kind!r} for {self.name!r}")
        if self.kind == "choice" and not self.choices:
            raise ValueError(f"choice parameter {self.name!r} declares no choices")
        if self.choice_labels and len(self.choice_labels) != len(self.choices):
            raise ValueError(f"{self.name!r}: one label per choice")

    def choice_label(self, value: Any) -> str:
        """The words a form shows for the choice ``value``."""
        if value in self.choices and self.choice_labels:
            return self.choice_labels[self.choices.index(value)]
        return str(value)

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    # -- checking -----------------------------------------------------------
    def coerce(self, value: Any) -> Any:
        """Return ``value`` in canonical form, or raise :class:`ParamError`.

        Only the *type* is checked here; a value of the right type but out of
        range is kept (so a project with ``p=1.5`` still opens) and reported by
        :meth:`problem`.
        """
        if value is None:
            if self.optional:
                return None
            raise ParamError(f"{self.name} must not be empty")
        kind = self.kind
        if kind == "bool":
            if isinstance(value, bool):
                return value
            raise ParamError(f"{self.name} must be true or false, not {value!r}")
        if kind == "int":
            if isinstance(value, bool) or not _is_integral(value):
                raise ParamError(f"{self.name} must be a whole number, not {value!r}")
            return int(value)
        if kind == "float":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ParamError(f"{self.name} must be a number, not {value!r}")
            return float(value)
        if kind == "str":
            if not isinstance(value, str):
                raise ParamError(f"{self.name} must be text, not {value!r}")
            return value
        if kind == "texts":
            if isinstance(value, (list, tuple)) and all(
                isinstance(v, str) for v in value
            ):
                return list(value)
            raise ParamError(f"{self.name} must be a list of texts, not {value!r}")
        if kind == "choice":
            if value not in self.choices:
                allowed = ", ".join(repr(c) for c in self.choices)
                raise ParamError(f"{self.name} must be one of {allowed}, not {value!r}")
            return value
        if kind == "column":
            if isinstance(value, str) or (
                isinstance(value, int) and not isinstance(value, bool)
            ):
                return value
            raise ParamError(
                f"{self.name} must name a column or give its number, not {value!r}"
            )
        if kind == "columns":
            if isinstance(value, list) and all(
                isinstance(v, str) or (isinstance(v, int) and not isinstance(v, bool))
                for v in value
            ):
                return list(value)
            raise ParamError(
                f"{self.name} must be a list of column names or numbers, not {value!r}"
            )
        if kind == "ints":
            if isinstance(value, str):
                if value in self.choices:
                    return value
                raise ParamError(
                    f"{self.name} must be a number or a list of numbers, not {value!r}"
                )
            if _is_integral(value) and not isinstance(value, bool):
                return int(value)
            if (
                isinstance(value, (list, tuple))
                and value
                and all(_is_integral(v) and not isinstance(v, bool) for v in value)
            ):
                return [int(v) for v in value]
            raise ParamError(
                f"{self.name} must be a number or a list of numbers, not {value!r}"
            )
        # shape
        if (
            isinstance(value, (list, tuple))
            and value
            and all(_is_integral(v) and not isinstance(v, bool) for v in value)
        ):
            return [int(v) for v in value]
        raise ParamError(f"{self.name} must be a list of whole numbers, not {value!r}")

    def problem(self, value: Any) -> str | None:
        """A sentence saying why ``value`` is out of range, or ``None``."""
        plain = ("bool", "str", "texts", "choice", "column", "columns")
        if value is None or self.kind in plain:
            return None
        numbers: list[float]
        if self.kind in ("int", "float"):
            numbers = [value]
            if isinstance(value, float) and not math.isfinite(value):
                return f"{self.name} must be a finite number"
        elif isinstance(value, str):
            return None
        elif isinstance(value, list):
            numbers = list(value)
        else:
            numbers = [value]
        for number in numbers:
            low_bad = self.minimum is not None and (
                number <= self.minimum if self.exclusive_min else number < self.minimum
            )
            high_bad = self.maximum is not None and (
                number >= self.maximum if self.exclusive_max else number > self.maximum
            )
            if low_bad or high_bad:
                return f"{self.name} must be {self.range_text()}, not {_fmt(value)}"
        return None

    def range_text(self) -> str:
        lo, hi = self.minimum, self.maximum
        if lo is not None and hi is not None:
            left = "(" if self.exclusive_min else "["
            right = ")" if self.exclusive_max else "]"
            return f"in {left}{_fmt(lo)}, {_fmt(hi)}{right}"
        if lo is not None:
            return f"{'>' if self.exclusive_min else '≥'} {_fmt(lo)}"
        if hi is not None:
            return f"{'<' if self.exclusive_max else '≤'} {_fmt(hi)}"
        return "any value"

    # -- text (inspector line edits, summaries) ----------------------------
    def format(self, value: Any) -> str:
        if value is None:
            return self.none_label
        if isinstance(value, (list, tuple)):
            return ", ".join(str(v) for v in value)
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, float):
            return _fmt(value)
        return str(value)

    def parse(self, text: str) -> Any:
        """Parse what a person typed into a line edit; raise :class:`ParamError`."""
        text = text.strip()
        if self.kind == "texts":  # empty text: an empty list
            return [part.strip() for part in text.split(",") if part.strip()]
        if not text or text.lower() == self.none_label.lower():
            if self.optional:
                return None
            raise ParamError(f"{self.name} must not be empty")
        if self.kind in ("ints", "shape"):
            if text in self.choices:
                return text
            parts = re.split(r"\s*[,×xX]\s*|\s+", text.strip("()[] "))
            try:
                numbers = [int(p) for p in parts]
            except ValueError:
                raise ParamError(
                    f"{self.name}: {text!r} is not a list of whole numbers"
                ) from None
            if self.kind == "ints" and len(numbers) == 1:
                return numbers[0]
            return self.coerce(numbers)
        if self.kind == "int":
            try:
                return int(text)
            except ValueError:
                raise ParamError(
                    f"{self.name}: {text!r} is not a whole number"
                ) from None
        if self.kind == "float":
            try:
                return float(text)
            except ValueError:
                raise ParamError(f"{self.name}: {text!r} is not a number") from None
        if self.kind == "bool":
            if text.lower() in ("true", "yes", "1", "on"):
                return True
            if text.lower() in ("false", "no", "0", "off"):
                return False
            raise ParamError(f"{self.name}: {text!r} is not yes or no")
        return self.coerce(text)


def _is_integral(value: Any) -> bool:
    if isinstance(value, int):
        return True
    return isinstance(value, float) and value.is_integer()


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


T = TypeVar("T")


@dataclass
class Registry(Generic[T]):
    """An ordered name → declaration table. Registering a name twice raises."""

    what: str
    _items: dict[str, T] = field(default_factory=dict)

    def register(self, key: str, item: T) -> T:
        if key in self._items:
            raise KeyError(f"{self.what} {key!r} is already registered")
        self._items[key] = item
        return item

    def unregister(self, key: str) -> T:
        """Remove ``key`` and return its declaration (a test's temporary entry,
        a plugin unloaded); an unknown key raises :class:`KeyError`."""
        item = self[key]
        del self._items[key]
        return item

    def __getitem__(self, key: str) -> T:
        try:
            return self._items[key]
        except KeyError:
            known = ", ".join(self._items)
            raise KeyError(f"unknown {self.what} {key!r}; known: {known}") from None

    def get(self, key: str) -> T | None:
        return self._items.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def values(self) -> list[T]:
        return list(self._items.values())

    def items(self) -> list[tuple[str, T]]:
        return list(self._items.items())


def check_args(
    params: tuple[Param, ...], values: Mapping[str, Any], owner: str
) -> dict[str, Any]:
    """Coerce ``values`` against ``params``; unknown names raise :class:`ParamError`."""
    by_name = {p.name: p for p in params}
    out: dict[str, Any] = {}
    for name, value in values.items():
        param = by_name.get(name)
        if param is None:
            known = ", ".join(by_name) or "none"
            raise ParamError(f"{owner} has no parameter {name!r} (it takes: {known})")
        out[name] = param.coerce(value)
    return out
