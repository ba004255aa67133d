"""The model spec: an ordered stack of layers plus the input shape.

:class:`ModelSpec` is the one source of truth the designer edits. It
validates, infers every layer's output shape and parameter count by running
the layers on torch's ``meta`` device (no memory, no arithmetic), fills in the
sizes that follow from the input, and builds a real ``torch.nn.Sequential``.
An invalid stack stays editable and saveable; the analysis attaches each
problem to the layer that causes it.
"""

from __future__ import annotations

import copy
import difflib
import functools
import json
import math
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from psygnal import Signal

from guinet.core.layers import LAYERS, LayerType, Shape
from guinet.core.params import ParamError, check_args

if TYPE_CHECKING:
    import torch

_UNSET = object()


class ModelError(ValueError):
    """A model that cannot be built, with the reason a person can act on."""


#: The most layers a model may have. A real network has tens or hundreds; a
#: file with millions (a mutated or hostile one) would take minutes and
#: gigabytes to analyse, so it is refused before one layer is built.
MAX_LAYERS = 10_000


def format_shape(shape: Shape | None) -> str:
    if shape is None:
        return "?"
    return (
        "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
    )


@dataclass
class LayerSpec:
    """One layer: its type and the constructor arguments set explicitly.

    Arguments left out take the catalogue's default, so a file written today
    keeps meaning the same thing and stays short.
    """

    type: str
    params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def new(cls, key: str) -> LayerSpec:
        """A layer as added from the palette: required arguments filled in."""
        return cls(key, {k: _copy(v) for k, v in LAYERS[key].initial.items()})

    @classmethod
    def from_dict(cls, data: Any) -> LayerSpec:
        if not isinstance(data, dict) or "type" not in data:
            raise ParamError(
                'a layer must be an object with a "type", e.g. {"type": "ReLU"}'
            )
        key = data["type"]
        layer_type = LAYERS.get(key) if isinstance(key, str) else None
        if layer_type is None:
            aliases = {t.alias: k for k, t in LAYERS.items() if t.alias}
            close = (
                [aliases[str(key)]]
                if str(key) in aliases
                else (difflib.get_close_matches(str(key), list(LAYERS), n=1))
            )
            hint = (
                f"; did you mean {close[0]!r}?"
                if close
                else f"; known types: {', '.join(LAYERS)}"
            )
            raise ParamError(f"unknown layer type {key!r}{hint}")
        values = {k: v for k, v in data.items() if k != "type"}
        return cls(key, check_args(layer_type.params, values, key))

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, **{k: _copy(v) for k, v in self.params.items()}}

    @property
    def layer_type(self) -> LayerType:
        return LAYERS[self.type]

    def value(self, name: str) -> Any:
        return self.params.get(name, self.layer_type.param(name).default)

    def arguments(self) -> dict[str, Any]:
        return self.layer_type.arguments(self.params)

    def copy(self) -> LayerSpec:
        return LayerSpec(self.type, {k: _copy(v) for k, v in self.params.items()})

    def describe(self) -> str:
        """The key arguments as a short line, e.g. ``out_features=12``."""
        parts = []
        for param in self.layer_type.params:
            if param.key or param.name in self.params:
                value = self.value(param.name)
                if value is not None and (param.key or value != param.default):
                    parts.append(f"{param.name}={param.format(value)}")
        return ", ".join(parts)


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


class LayerStack:
    """An ordered list of :class:`LayerSpec` that announces every change.

    Each change has a before/after pair of signals (``inserting``/``inserted``
    and so on) so a Qt item model can bracket it with ``begin…``/``end…``.
    ``changed`` fires once after any change, even when a slot of the "after"
    signal raised. The owner's ``on_mutated`` runs before any "after" slot, so
    a failing slot can never leave a cache of the owner stale.
    """

    inserting = Signal(int)
    inserted = Signal(int)
    removing = Signal(int)
    removed = Signal(int)
    moving = Signal(int, int)  # source, destination
    moved = Signal(int, int)
    param_changed = Signal(int, str)  # index, name
    changed = Signal()

    def __init__(self, layers: list[LayerSpec] | None = None) -> None:
        self._layers: list[LayerSpec] = list(layers or [])
        #: Called right after every change, before any signal says so.
        self.on_mutated: Callable[[], None] | None = None

    def _announce(self, after: Any, *args: Any) -> None:
        if self.on_mutated is not None:
            self.on_mutated()
        try:
            after.emit(*args)
        finally:
            self.changed.emit()

    def __len__(self) -> int:
        return len(self._layers)

    def __getitem__(self, index: int) -> LayerSpec:
        return self._layers[index]

    def __iter__(self) -> Iterator[LayerSpec]:
        return iter(self._layers)

    def index(self, spec: LayerSpec) -> int:
        for i, layer in enumerate(self._layers):
            if layer is spec:
                return i
        raise ValueError("layer is not in this stack")

    def insert(self, index: int, spec: LayerSpec) -> None:
        index = max(0, min(index, len(self._layers)))
        self.inserting.emit(index)
        self._layers.insert(index, spec)
        self._announce(self.inserted, index)

    def append(self, spec: LayerSpec) -> None:
        self.insert(len(self._layers), spec)

    def pop(self, index: int) -> LayerSpec:
        if not 0 <= index < len(self._layers):
            raise IndexError(f"no layer at {index}")
        self.removing.emit(index)
        spec = self._layers.pop(index)
        self._announce(self.removed, index)
        return spec

    def move(self, source: int, destination: int) -> None:
        """Move the layer at ``source`` so that it ends up at ``destination``."""
        n = len(self._layers)
        if not (0 <= source < n and 0 <= destination < n):
            raise IndexError(
                f"cannot move layer {source} to {destination} in a stack of {n}"
            )
        if source == destination:
            return
        self.moving.emit(source, destination)
        self._layers.insert(destination, self._layers.pop(source))
        self._announce(self.moved, source, destination)

    def set_param(self, index: int, name: str, value: Any = _UNSET) -> None:
        """Set an argument, or reset it to the default when ``value`` is omitted."""
        spec = self._layers[index]
        param = spec.layer_type.param(name)
        if value is _UNSET:
            spec.params.pop(name, None)
        else:
            spec.params[name] = param.coerce(value)
        self._announce(self.param_changed, index, name)

    def to_list(self) -> list[dict[str, Any]]:
        return [spec.to_dict() for spec in self._layers]


@dataclass(frozen=True)
class LayerInfo:
    """What the analysis found for one layer."""

    index: int
    input_shape: Shape | None
    output_shape: Shape | None
    params: int = 0
    trainable: int = 0
    size_bytes: int = 0
    param_bytes: int = 0
    inferred: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True)
class ModelAnalysis:
    """Shapes, parameter counts and problems of a whole stack."""

    input_shape: Shape | None
    layers: tuple[LayerInfo, ...]
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and all(info.error is None for info in self.layers)

    @property
    def output_shape(self) -> Shape | None:
        if not self.layers:
            return self.input_shape
        return self.layers[-1].output_shape

    @property
    def total_params(self) -> int:
        return sum(info.params for info in self.layers)

    @property
    def trainable_params(self) -> int:
        return sum(info.trainable for info in self.layers)

    @property
    def size_bytes(self) -> int:
        """Memory of parameters and buffers (e.g. BatchNorm's running statistics)."""
        return sum(info.size_bytes for info in self.layers)

    @property
    def param_bytes(self) -> int:
        return sum(info.param_bytes for info in self.layers)

    @property
    def widest_values(self) -> int:
        """The most values one sample holds at any point: the input or a
        layer's output (what sizes a batch's memory)."""
        shapes = (self.input_shape, *(info.output_shape for info in self.layers))
        return max((math.prod(shape) for shape in shapes if shape), default=1)

    @property
    def first_error(self) -> tuple[int | None, str] | None:
        """``(layer index or None, message)`` of the first problem."""
        if self.error is not None:
            return None, self.error
        for info in self.layers:
            if info.error is not None:
                return info.index, info.error
        return None


NO_INPUT_SHAPE = (
    "Set the input shape, or load data, to see shapes and parameter counts."
)


class ModelSpec:
    """The layer stack and the input shape; the designer's source of truth."""

    input_shape_changed = Signal()
    changed = Signal()

    def __init__(
        self,
        layers: list[LayerSpec] | None = None,
        input_shape: Shape | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.layers = LayerStack(layers)
        self._input_shape: Shape | None = tuple(input_shape) if input_shape else None
        self.extra: dict[str, Any] = copy.deepcopy(extra or {})
        self._analysis: ModelAnalysis | None = None
        self.layers.on_mutated = self._invalidate
        self.layers.changed.connect(self._on_layers_changed)

    # -- state ----------------------------------------------------------------
    @property
    def input_shape(self) -> Shape | None:
        return self._input_shape

    def set_input_shape(self, shape: Shape | list[int] | None) -> None:
        new = tuple(int(s) for s in shape) if shape else None
        if new is not None and any(s < 1 for s in new):
            raise ModelError(
                f"input shape {format_shape(new)} must hold positive sizes"
            )
        if new == self._input_shape:
            return
        self._input_shape = new
        self._invalidate()
        try:
            self.input_shape_changed.emit()
        finally:
            self.changed.emit()

    def _invalidate(self) -> None:
        self._analysis = None

    def _on_layers_changed(self) -> None:
        self.changed.emit()

    # -- analysis -------------------------------------------------------------
    def analyze(self) -> ModelAnalysis:
        """Validate and infer shapes; cached until the next change. Imports torch."""
        if self._analysis is None:
            self._analysis = analyze(list(self.layers), self._input_shape)
        return self._analysis

    def problem(self) -> tuple[int | None, str] | None:
        """The first problem, worded for people: ``(layer index, "layer 2
        (Conv2d): …")``, or ``None`` when the stack is valid."""
        found = self.analyze().first_error
        if found is None:
            return None
        index, message = found
        if index is None:
            return None, message
        return index, f"layer {index + 1} ({self.layers[index].type}): {message}"

    def build(self, device: str | torch.device | None = None) -> torch.nn.Sequential:
        """A real, freshly initialised module; raises :class:`ModelError` if invalid."""
        analysis = self.analyze()
        problem = self.problem()
        if problem is not None:
            raise ModelError(problem[1])
        import torch

        from guinet.core.memory import machine_memory
        from guinet.core.summary import human_bytes

        # a last guard for every path that builds (training, resuming,
        # exporting): never start allocating what cannot fit
        machine = machine_memory()
        target = torch.device(device) if device is not None else None
        in_ram = target is None or target.type in ("cpu", "mps")
        if in_ram and machine is not None and analysis.size_bytes > machine.available:
            raise ModelError(
                f"the model's weights need {human_bytes(analysis.size_bytes)}, "
                f"more than the {human_bytes(machine.available)} of memory "
                "free on this machine; make its layers smaller"
            )
        try:
            modules = [
                _make_module(spec, info.input_shape or (), device)
                for spec, info in zip(self.layers, analysis.layers, strict=True)
            ]
        except (MemoryError, torch.OutOfMemoryError) as exc:
            raise ModelError(_no_memory(analysis.size_bytes, exc)) from None
        except RuntimeError as exc:
            if "allocat" not in str(exc):
                raise
            raise ModelError(_no_memory(analysis.size_bytes, exc)) from None
        return torch.nn.Sequential(*modules)

    # -- project file ---------------------------------------------------------
    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelSpec:
        if not isinstance(data, dict):
            raise ParamError('"model" must be an object with "layers"')
        raw_layers = data.get("layers", [])
        if not isinstance(raw_layers, list):
            raise ParamError('"model.layers" must be a list')
        if len(raw_layers) > MAX_LAYERS:
            raise ParamError(
                f'"model.layers" holds {len(raw_layers):,} layers; guinet '
                f"opens models of at most {MAX_LAYERS:,}"
            )
        layers = []
        for i, raw in enumerate(raw_layers):
            try:
                layers.append(LayerSpec.from_dict(raw))
            except ParamError as exc:
                kind = raw.get("type") if isinstance(raw, dict) else None
                label = f" ({kind})" if isinstance(kind, str) and kind in LAYERS else ""
                raise ParamError(f"layer {i + 1}{label}: {exc}") from None
        shape = data.get("input_shape")
        if shape is not None and not (
            isinstance(shape, list)
            and shape
            and all(
                isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in shape
            )
        ):
            raise ParamError(
                '"model.input_shape" must be a list of positive whole numbers, '
                f"not {shape!r}"
            )
        return cls(layers, tuple(shape) if shape else None, extra=data)

    def to_dict(self) -> dict[str, Any]:
        out = copy.deepcopy(self.extra)  # unknown keys, never shared with callers
        if self._input_shape is not None:
            out["input_shape"] = list(self._input_shape)
        else:
            out.pop("input_shape", None)
        out["layers"] = self.layers.to_list()
        return out


# -- analysis ------------------------------------------------------------------------
def analyze(layers: list[LayerSpec], input_shape: Shape | None) -> ModelAnalysis:
    """Run ``layers`` on a meta tensor of ``input_shape`` and report on each."""
    param_errors = [_param_error(spec) for spec in layers]
    if input_shape is None:
        infos = tuple(
            LayerInfo(i, None, None, error=err) for i, err in enumerate(param_errors)
        )
        return ModelAnalysis(None, infos, error=NO_INPUT_SHAPE)

    import torch

    shape: Shape = tuple(input_shape)
    integer = bool(layers) and layers[0].layer_type.integer_input
    dtype = "int64" if integer else "float32"
    try:
        torch.empty((2, *shape), device="meta", dtype=getattr(torch, dtype))
    except (RuntimeError, TypeError, OverflowError, ValueError):
        # sizes past 2**63, or a product that overflows torch's index type
        infos = tuple(
            LayerInfo(i, None, None, error=err) for i, err in enumerate(param_errors)
        )
        return ModelAnalysis(
            shape,
            infos,
            error=f"the input shape {format_shape(shape)} is too large for PyTorch; "
            "each sample must hold fewer than 2**62 values",
        )
    infos_list: list[LayerInfo] = []
    failed = False
    for i, spec in enumerate(layers):
        error = param_errors[i]
        if failed:
            infos_list.append(LayerInfo(i, None, None, error=error))
            continue
        if error is None:
            error = _shape_error(spec, shape, i)
        probe = None
        if error is None:
            probe = _probe(
                id(spec.layer_type), spec.type, _params_key(spec), shape, dtype
            )
            error = probe.error
        if error is not None or probe is None or probe.output_shape is None:
            failed = True
            infos_list.append(LayerInfo(i, shape, None, error=error))
            continue
        infos_list.append(
            LayerInfo(
                i,
                shape,
                probe.output_shape,
                probe.params,
                probe.trainable,
                probe.size_bytes,
                probe.param_bytes,
                _inferred(spec, shape),
            )
        )
        shape, dtype = probe.output_shape, probe.dtype
    return ModelAnalysis(tuple(input_shape), tuple(infos_list))


@dataclass(frozen=True)
class _Probe:
    """What running one layer on a meta tensor showed."""

    error: str | None = None
    output_shape: Shape | None = None
    dtype: str = "float32"
    params: int = 0
    trainable: int = 0
    size_bytes: int = 0
    param_bytes: int = 0
    #: The declaration probed: held so that its ``id`` (part of the cache
    #: key) cannot be reused by a new declaration of the same name.
    layer_type: LayerType | None = field(default=None, compare=False, repr=False)


def _params_key(spec: LayerSpec) -> str:
    return json.dumps(spec.params, sort_keys=True)


@functools.lru_cache(maxsize=4096)
def _probe(type_id: int, key: str, params: str, shape: Shape, dtype: str) -> _Probe:
    """Build the layer ``key(**params)`` for ``shape`` on the meta device and
    run it. Cached: a stack is analysed again after every edit, and a layer
    whose declaration (``type_id``), arguments and input have not changed
    answers the same (and a file of thousands of repeated layers costs one
    probe, not thousands)."""
    import torch

    spec = LayerSpec(key, json.loads(params))
    layer_type = spec.layer_type
    try:
        # A probe, not a run: torch's hints (e.g. padding="same" with an
        # even kernel) must not turn into layer errors when warnings are
        # errors, and are shown, if ever, when the real model runs.
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            module = _make_module(spec, shape, "meta")
            module.eval()
            x = torch.empty((2, *shape), device="meta", dtype=getattr(torch, dtype))
            y = module(x)
    except Exception as exc:  # torch's own words, when our checks missed a case
        return _Probe(_torch_message(exc), layer_type=layer_type)
    parameters = list(module.parameters())
    param_bytes = sum(p.numel() * p.element_size() for p in parameters)
    return _Probe(
        output_shape=tuple(y.shape[1:]),
        dtype=str(y.dtype).removeprefix("torch."),
        params=sum(p.numel() for p in parameters),
        trainable=sum(p.numel() for p in parameters if p.requires_grad),
        size_bytes=param_bytes
        + sum(b.numel() * b.element_size() for b in module.buffers()),
        param_bytes=param_bytes,
        layer_type=layer_type,
    )


def _param_error(spec: LayerSpec) -> str | None:
    layer_type = spec.layer_type
    for param in layer_type.params:
        value = spec.value(param.name)
        if value is None and not param.optional:
            help_text = param.help[:1].lower() + param.help[1:]
            return f"{spec.type} needs {param.name}: {help_text}"
        problem = param.problem(value)
        if problem is not None:
            return f"{spec.type} {problem}"
    return None


def _shape_error(spec: LayerSpec, shape: Shape, index: int) -> str | None:
    layer_type = spec.layer_type
    if layer_type.integer_input and index != 0:
        return (
            f"{spec.type} takes integer token indices, so it must be the first layer; "
            "move it to the top of the stack"
        )
    ranks = layer_type.ranks
    if ranks is not None and len(shape) not in ranks:
        if len(shape) < min(ranks):
            fix = "add Unflatten before it"
            if layer_type.category in ("Convolution", "Pooling"):
                fix += " or use Linear"
        else:
            fix = "add Flatten before it"
            sibling = spec.type.replace("1d", "2d")
            if sibling != spec.type and sibling in LAYERS:
                fix += f" or use {sibling}"
        return (
            f"{spec.type} needs input shaped {layer_type.rank_names}; "
            f"it gets {format_shape(shape)} — {fix}"
        )
    if layer_type.check is not None:
        return layer_type.check(shape, spec.arguments())
    return None


def _inferred(spec: LayerSpec, shape: Shape) -> dict[str, Any]:
    infer = spec.layer_type.infer
    return infer(shape) if infer is not None else {}


def _make_module(spec: LayerSpec, shape: Shape, device: Any) -> torch.nn.Module:
    import torch

    kwargs = {**_inferred(spec, shape), **spec.arguments()}
    for key, value in kwargs.items():
        if isinstance(value, list):
            kwargs[key] = tuple(value)
    cls = spec.layer_type.torch_class()
    with torch.device(device or "cpu"):
        return cls(**kwargs)


def _no_memory(size: int, exc: BaseException) -> str:
    from guinet.core.summary import human_bytes

    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else "out of memory"
    return (
        f"there is not enough memory to build the model ({human_bytes(size)} of "
        f"weights): {reason}; make its layers smaller"
    )


def _torch_message(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"PyTorch rejects this layer here: {text}"
