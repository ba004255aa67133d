"""PyTorch source code for a project: the model, and the data preparation.

The python exporter, the lightning exporter and the designer's "Code" view
all show the same code, so it is written here once, Qt-free:

* :func:`model_source` — the layer stack as one ``nn.Sequential(...)``, one
  line per layer, with the sizes guinet infers (``in_features``, …) filled
  in and a comment with each layer's output shape. An invalid stack gives
  the code up to the problem and a comment that says what is wrong; it
  never raises.
* :func:`data_source` — a ``load_data()`` function that reads (or makes)
  the project's data and prepares it exactly as guinet does (see
  :mod:`.data_source`).

Arguments are written by name, as in guinet's project file; an argument is
left out when it has torch's own default value, so a line reads like code a
person would write (``nn.Dropout(p=0.2)``, not every keyword there is).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from guinet.core.export.data_source import DataCode, data_source
from guinet.core.model import format_shape

if TYPE_CHECKING:
    from guinet.core.model import LayerSpec, ModelSpec

__all__ = [
    "DataCode",
    "data_source",
    "layer_call",
    "model_source",
    "py_value",
    "statement_lines",
]

#: Longest line the code is written with (ruff's default, and guinet's).
LINE_LENGTH = 88
INDENT = "    "


def py_value(value: Any) -> str:
    """``value`` as Python source: lists become tuples (torch's own form),
    floats keep every digit they need (``repr``), and non-finite floats are
    written through ``float(...)``."""
    if isinstance(value, (list, tuple)):
        items = [py_value(v) for v in value]
        if len(items) == 1:
            return f"({items[0]},)"
        return "(" + ", ".join(items) + ")"
    if isinstance(value, float):
        if math.isnan(value):
            return 'float("nan")'
        if math.isinf(value):
            return 'float("inf")' if value > 0 else '-float("inf")'
        return repr(value)
    if isinstance(value, str):
        return _quote(value)
    return repr(value)


def _quote(text: str) -> str:
    """A string in double quotes, as ruff format writes it."""
    body = repr(text)[1:-1]
    if repr(text).startswith("'"):
        body = body.replace('"', '\\"').replace("\\'", "'")
    return f'"{body}"'


@lru_cache(maxsize=256)
def _torch_defaults(key: str) -> dict[str, Any]:
    """The keyword defaults of ``torch.nn.<key>``'s constructor, or ``{}``
    when torch cannot say (then every argument is written)."""
    try:
        import torch.nn

        cls = getattr(torch.nn, key)
        signature = inspect.signature(cls.__init__)
    except (AttributeError, TypeError, ValueError, ImportError):
        return {}
    return {
        name: p.default
        for name, p in signature.parameters.items()
        if p.default is not inspect.Parameter.empty
    }


def _same(a: Any, b: Any) -> bool:
    """Whether a declared value equals torch's default (so it can go unsaid)."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and a == b


def layer_arguments(spec: LayerSpec, inferred: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments a layer's line shows: the inferred sizes, then
    every declared argument whose value differs from torch's default."""
    defaults = _torch_defaults(spec.type)
    shown = dict(inferred)
    for name, value in spec.arguments().items():
        if name in defaults and _same(value, defaults[name]):
            continue
        shown[name] = value
    return shown


def layer_call(spec: LayerSpec, inferred: dict[str, Any] | None = None) -> str:
    """``nn.Linear(in_features=2, out_features=16)`` for one layer."""
    arguments = layer_arguments(spec, inferred or {})
    text = ", ".join(f"{k}={py_value(v)}" for k, v in arguments.items())
    return f"nn.{spec.type}({text})"


def _layer_lines(call: str, comment: str, indent: str, outer: int = 0) -> list[str]:
    """One layer as ``indent + call + ","`` with its comment, split the way
    ruff format keeps a line that is too long: one argument per line, with
    the comment after the closing bracket."""
    line = f"{indent}{call},"
    with_comment = f"{line}  # {comment}" if comment else line
    if outer + len(with_comment) <= LINE_LENGTH or "(" not in call:
        return [with_comment]
    head, _, rest = call.partition("(")
    arguments = _split_arguments(rest[:-1])
    return [
        f"{indent}{head}(",
        *(f"{indent}{INDENT}{a}," for a in arguments),
        f"{indent})," + (f"  # {comment}" if comment else ""),
    ]


def statement_lines(indent: str, head: str, call: str, tail: str = "") -> list[str]:
    """``indent + head + call + tail`` (e.g. ``x = f(a, b)``) as lines that
    ruff format keeps as they are: one line when it fits, else one argument
    per line with a trailing comma."""
    line = f"{indent}{head}{call}{tail}"
    if len(line) <= LINE_LENGTH or "(" not in call:
        return [line]
    name, _, rest = call.partition("(")
    arguments = _split_arguments(rest[:-1])
    return [
        f"{indent}{head}{name}(",
        *(f"{indent}{INDENT}{a}," for a in arguments),
        f"{indent}){tail}",
    ]


def _split_arguments(text: str) -> list[str]:
    """Top-level comma-separated parts of ``text`` (ignoring commas inside
    brackets and strings)."""
    parts: list[str] = []
    depth = 0
    quote = ""
    start = 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote and text[i - 1] != "\\":
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    tail = text[start:].strip()
    if tail:
        parts.append(tail)
    return parts


def _comment_lines(text: str, indent: str, outer: int = 0) -> list[str]:
    """``text`` as ``#`` comment lines that fit the line length."""
    import textwrap

    width = LINE_LENGTH - outer - len(indent) - 2
    return [
        f"{indent}# {line}".rstrip()
        for line in textwrap.wrap(text, width, break_long_words=True) or [""]
    ]


def model_source(spec: ModelSpec, name: str = "model", indent: str = "") -> str:
    """The layer stack as ``name = nn.Sequential(...)`` Python source.

    Each layer is one line with its arguments (the inferred input sizes filled
    in) and a comment with its output shape; every line starts with
    ``indent`` (the code inside a function), and lines are split to fit 88
    columns with it. Where the stack is invalid (or
    the input shape is not known yet) the code stops at the first problem
    with a comment saying what is wrong, and later layers are listed as
    comments. Never raises: the designer calls it on every edit.
    """
    lines: list[str] = []
    try:
        analysis = spec.analyze()
    except Exception as exc:  # torch missing or broken: still show the stack
        analysis = None
        problem: tuple[int | None, str] | None = (None, f"cannot analyse: {exc}")
    else:
        problem = spec.problem()
    layers: Sequence[LayerSpec] = list(spec.layers)
    shape = spec.input_shape
    lines.append(
        f"# input: {format_shape(shape)} per sample; after each layer, its output"
        if shape
        else ""
    )
    if not lines[-1]:
        lines[-1] = "# input shape not known yet: load data to fill in the sizes"
    lines.append(f"{name} = nn.Sequential(")
    stop = len(layers)
    if problem is not None:
        stop = problem[0] if problem[0] is not None else 0
        if problem[0] is None and shape is None and analysis is not None:
            stop = 0
    for index, layer in enumerate(layers[:stop]):
        info = analysis.layers[index] if analysis is not None else None
        inferred = info.inferred if info is not None else {}
        out = info.output_shape if info is not None else None
        comment = format_shape(out) if out is not None else ""
        lines.extend(
            _layer_lines(layer_call(layer, inferred), comment, INDENT, len(indent))
        )
    if problem is not None and layers:
        lines.extend(_comment_lines(f"PROBLEM: {problem[1]}", INDENT, len(indent)))
        for layer in layers[stop:]:
            lines.extend(_comment_lines(layer_call(layer), INDENT, len(indent)))
    elif problem is not None:
        lines.extend(_comment_lines(f"PROBLEM: {problem[1]}", INDENT, len(indent)))
    if lines[-1].endswith("("):
        lines[-1] += ")"
    else:
        lines.append(")")
    return "\n".join(indent + line for line in lines) + "\n"
