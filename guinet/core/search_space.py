"""The project's ``search`` section: what a hyperparameter search may change.

A project file may carry a ``search`` section (an additive key of format 1;
files without one load and save as before)::

    "search": {
      "metric": null,            // null: the early-stopping (else checkpoint) monitor
      "direction": "auto",       // auto | minimize | maximize
      "sampler": "tpe",          // grid | random | tpe
      "pruner": true,            // stop poor trials after their first epochs
      "trials": 20,
      "timeout": null,           // seconds; null: no limit
      "seed": 0,
      "space": [
        {"param": "training.optimizer.lr", "log": [0.0001, 0.1]},
        {"param": "model.layers.0.out_features", "range": [4, 64, 4]},
        {"param": "model.layers.2.p", "range": [0.0, 0.5]},
        {"param": "training.batch_size", "values": [16, 32, 64]},
        {"param": "training.optimizer.type", "values": ["Adam", "SGD"]},
        {"repeat": [2, 3], "range": [1, 3]}
      ]
    }

Each ``space`` entry names what it changes and its domain, exactly one of:

- ``values``: a non-empty list of the values to try (text, numbers, true/false);
- ``range``: ``[low, high]`` or ``[low, high, step]``, both ends included,
  whole numbers for a whole-number setting;
- ``log``: ``[low, high]`` drawn evenly on a log scale (both above zero).

What it changes:

- ``"param": "model.layers.<i>.<name>"`` — an argument of layer ``i``
  (0-based, as ``model.layers`` lists them) that its type declares
  (``out_features``, ``p``, ``kernel_size``, …);
- ``"param": "training.<name>"`` — a training setting (``batch_size``,
  ``epochs``, ``early_stopping.patience``, …);
  ``training.optimizer.type`` — the optimizer (``values`` only; the new one
  keeps the learning rate and weight decay); ``training.optimizer.<argument>``
  (``lr``, ``weight_decay``, ``momentum``, …) — taken by the optimizer that a
  trial uses, skipped by one that has no such argument;
- ``"repeat": [first, last]`` — layers ``first`` to ``last`` (0-based, both
  included) as a block that appears *count* times in a row, the count drawn
  from the domain (at least 1; 1 is the stack as it is). Layer arguments in
  the space name the layers as the file lists them; a repeated block copies
  them. Blocks must not overlap.

A trial's parameters are named by these paths (``"repeat.2-3"`` for a block),
which :func:`guinet.core.search.apply_params` reads back.

:class:`SearchSpec` parses the section (never raising; problems listed, as
every section); :func:`resolve_space` checks the space against a project —
layer indices, the arguments each layer type declares, the values each
argument allows — and raises :class:`SearchError` naming the entry.
Neither imports torch or Optuna.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from guinet.core.params import Param, ParamError
from guinet.core.sections import UNSET, Problem, Section

if TYPE_CHECKING:
    from guinet.core.project import Project

SAMPLERS = ("grid", "random", "tpe")
DIRECTIONS = ("auto", "minimize", "maximize")
#: What ``metric`` may name: the values every run logs per epoch.
METRICS = ("val_loss", "loss", "val_accuracy", "accuracy", "val_mae", "mae")
DOMAINS = ("values", "range", "log")
#: The most grid points a grid search may have (a typo in a step would ask
#: for millions of trials).
MAX_GRID = 100_000


class SearchError(ValueError):
    """A search space or study setting that cannot be used, in one sentence."""


class SearchSpec(Section):
    """The ``search`` section, parsed from its declarations (see the module)."""

    where = "search"
    error = SearchError
    params = (
        Param(
            "metric",
            "choice",
            None,
            "What the search optimises: each trial's best value of it. Empty "
            "means the early-stopping monitor (else the checkpoint's, else "
            "val_loss).",
            choices=METRICS,
            optional=True,
            none_label="the early-stopping monitor",
        ),
        Param(
            "direction",
            "choice",
            "auto",
            "Whether a lower or a higher metric is better; auto: lower for a "
            "loss or an error, higher for accuracy.",
            choices=DIRECTIONS,
        ),
        Param(
            "sampler",
            "choice",
            "tpe",
            "How trials are drawn: grid (every combination of the values), "
            "random, or tpe (Optuna's Bayesian sampler, learns from past trials).",
            choices=SAMPLERS,
        ),
        Param(
            "pruner",
            "bool",
            True,
            "Stop a trial early when its metric after an epoch is worse than "
            "the median of earlier trials at that epoch.",
        ),
        Param(
            "trials",
            "int",
            20,
            "How many trials to run (a grid stops when every point is tried).",
            minimum=1,
            maximum=1_000_000,
        ),
        Param(
            "timeout",
            "float",
            None,
            "Start no trial after this many seconds; empty: no limit.",
            minimum=0,
            exclusive_min=True,
            optional=True,
            none_label="no limit",
        ),
        Param(
            "seed",
            "int",
            0,
            "Seed of the sampler: the same seed draws the same trials. Empty "
            "means different trials each time.",
            minimum=0,
            maximum=2**31 - 1,
            optional=True,
            none_label="random",
        ),
        Param(
            "startup_trials",
            "int",
            5,
            "Trials that always run to the end before the pruner judges others.",
            minimum=0,
            maximum=1_000_000,
            advanced=True,
        ),
        Param(
            "warmup_epochs",
            "int",
            5,
            "Epochs of each trial the pruner always lets run.",
            minimum=0,
            maximum=1_000_000,
            advanced=True,
        ),
    )
    opaque = ("space",)

    metric: str | None
    direction: str
    sampler: str
    pruner: bool
    trials: int
    timeout: float | None
    seed: int | None
    startup_trials: int
    warmup_epochs: int

    def __init__(self, raw: Any = UNSET) -> None:
        # a section that is no object is kept as the file has it (and reported)
        self._kept = None if raw is UNSET or isinstance(raw, Mapping) else raw
        super().__init__(raw)

    def to_dict(self) -> Any:
        if self._kept is not None:
            return copy.deepcopy(self._kept)
        return super().to_dict()

    def _validate(self) -> None:
        self._values["dimensions"] = ()
        raw = self._raw.get("space", [])
        if not isinstance(raw, list):
            self.add_problem("space", '"space" must be a list of entries')
            return
        dims: list[Dimension] = []
        for index, entry in enumerate(raw):
            try:
                dims.append(parse_entry(entry, index))
            except SearchError as exc:
                self._problems.append(Problem(f"search.space.{index}", str(exc)))
        names = [d.name for d in dims]
        for name in sorted({n for n in names if names.count(n) > 1}):
            self._space_problem(f"search.space: {name} appears twice")
        blocks = sorted(d.block for d in dims if d.block is not None)
        for (a0, a1), (b0, b1) in zip(blocks, blocks[1:], strict=False):
            if b0 <= a1:
                self._space_problem(
                    f"search.space: repeat blocks {a0}-{a1} and {b0}-{b1} overlap; "
                    "a layer can be in one block only",
                )
        if self._values["sampler"] == "grid":
            for dim in dims:
                problem = dim.grid_problem()
                if problem:
                    self._space_problem(problem)
        self._values["dimensions"] = tuple(dims)

    def _space_problem(self, message: str) -> None:
        self._problems.append(Problem("search.space", message))

    @property
    def dimensions(self) -> tuple[Dimension, ...]:
        """The space's entries as parsed (not yet checked against a project)."""
        return tuple(self._values["dimensions"])

    def direction_for(self, metric: str) -> str:
        """``minimize`` or ``maximize`` (``auto`` decided by the metric)."""
        if self.direction != "auto":
            return self.direction
        from guinet.core.training.metrics import metric_mode

        return "minimize" if metric_mode(metric) == "min" else "maximize"


@dataclass(frozen=True)
class Dimension:
    """One entry of the space: its ``name`` (the path, or ``repeat.F-L``),
    the domain (``kind`` ``values``/``range``/``log``), and after
    :func:`resolve_space` whether it draws whole numbers."""

    name: str
    kind: str
    values: tuple[Any, ...] = ()
    low: float = 0.0
    high: float = 0.0
    step: float | None = None
    block: tuple[int, int] | None = None
    integer: bool = False
    where: str = ""

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(self.name.split("."))

    def grid_values(self) -> list[Any]:
        """Every value a grid tries (values, or a range with a step)."""
        if self.kind == "values":
            return list(self.values)
        step = self.step if self.step is not None else 1
        count = round((self.high - self.low) / step) + 1
        if self.integer:
            return [int(self.low + i * step) for i in range(count)]
        return [_tidy(self.low + i * step) for i in range(count)]

    def grid_problem(self) -> str | None:
        if self.kind == "log":
            return (
                f"{self.where}: a grid search takes a values list or a range "
                "with a step, not a log range"
            )
        if (
            self.kind == "range"
            and self.step is None
            and not _whole(self.low, self.high)
        ):
            return (
                f"{self.where}: a grid search needs a step for a range of "
                "fractional numbers ([low, high, step]) or a values list"
            )
        if self.kind == "range":
            step = self.step if self.step is not None else 1
            if (self.high - self.low) / step + 1 > MAX_GRID:
                return f"{self.where}: the range has more than {MAX_GRID:,} steps"
        return None

    def describe(self) -> str:
        if self.kind == "values":
            return ", ".join(repr(v) for v in self.values)
        text = f"{self.low:g} to {self.high:g}"
        if self.step is not None:
            text += f" by {self.step:g}"
        return text + (" (log)" if self.kind == "log" else "")


def _tidy(value: float) -> float:
    """A range step's value without float noise (0.30000000000000004 → 0.3)."""
    return float(f"{value:.12g}")


def _whole(*numbers: float) -> bool:
    return all(float(n).is_integer() for n in numbers)


def _number(value: Any) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def parse_entry(entry: Any, index: int) -> Dimension:
    """One ``space`` entry as a :class:`Dimension`, or :class:`SearchError`
    naming it (``search.space[2] (model.layers.1.p)``)."""
    where = f"search.space[{index}]"
    if not isinstance(entry, dict):
        raise SearchError(
            f'{where} must be an object such as {{"param": "training.optimizer.lr", '
            '"log": [0.0001, 0.1]}'
        )
    block = None
    if "param" in entry and "repeat" in entry:
        raise SearchError(f'{where} names both a "param" and a "repeat"; one only')
    if "repeat" in entry:
        first_last = entry["repeat"]
        if (
            not isinstance(first_last, list)
            or len(first_last) != 2
            or not all(
                isinstance(v, int) and not isinstance(v, bool) for v in first_last
            )
        ):
            raise SearchError(
                f'{where}: "repeat" must be [first, last], the 0-based indices of '
                "the block's first and last layers"
            )
        first, last = first_last
        if first < 0 or last < first:
            raise SearchError(
                f'{where}: "repeat" [{first}, {last}] must have 0 <= first <= last'
            )
        block = (first, last)
        name = f"repeat.{first}-{last}"
    elif "param" in entry:
        name = entry["param"]
        if not isinstance(name, str) or not name.strip():
            raise SearchError(
                f'{where}: "param" must be a path such as "training.batch_size"'
            )
        head = name.split(".")[0]
        if head not in ("model", "training"):
            raise SearchError(
                f"{where} ({name}): the search can change model.layers.<i>.<argument> "
                "and training.<setting>, not " + repr(head)
            )
    else:
        raise SearchError(
            f'{where} needs a "param" (a setting\'s path) or a "repeat" ([first, '
            "last] layers)"
        )
    where = f"{where} ({name})"
    domains = [key for key in DOMAINS if key in entry]
    if len(domains) != 1:
        raise SearchError(
            f'{where} needs exactly one of "values" (a list), "range" ([low, high] '
            'or [low, high, step]) or "log" ([low, high])'
        )
    kind = domains[0]
    raw = entry[kind]
    if kind == "values":
        if not isinstance(raw, list) or not raw:
            raise SearchError(f'{where}: "values" must be a non-empty list')
        for value in raw:
            if value is not None and not isinstance(value, (str, int, float, bool)):
                raise SearchError(
                    f"{where}: values must be text, numbers or true/false, "
                    f"not {value!r}"
                )
            if isinstance(value, float) and not math.isfinite(value):
                raise SearchError(f"{where}: values must be finite numbers")
        if len({repr(v) for v in raw}) != len(raw):
            raise SearchError(f"{where}: a value is listed twice")
        return Dimension(name, kind, values=tuple(raw), block=block, where=where)
    size = (2, 3) if kind == "range" else (2,)
    if not isinstance(raw, list) or len(raw) not in size or not all(map(_number, raw)):
        shape = "[low, high] or [low, high, step]" if kind == "range" else "[low, high]"
        raise SearchError(f'{where}: "{kind}" must be {shape} of finite numbers')
    low, high = float(raw[0]), float(raw[1])
    step = float(raw[2]) if len(raw) == 3 else None
    if low >= high:
        raise SearchError(
            f"{where}: the {kind} [{raw[0]}, {raw[1]}] is empty; low must be below "
            "high (use values for a single value)"
        )
    if kind == "log" and low <= 0:
        raise SearchError(
            f"{where}: a log range must be above zero, not from {raw[0]} "
            "(use a range to include zero)"
        )
    if step is not None:
        if step <= 0:
            raise SearchError(f"{where}: the step must be above zero, not {raw[2]}")
        count = (high - low) / step
        if abs(count - round(count)) > 1e-9 * max(1.0, count):
            raise SearchError(
                f"{where}: the range {raw[1]} - {raw[0]} is not a whole number of "
                f"steps of {raw[2]}"
            )
    return Dimension(
        name, kind, low=low, high=high, step=step, block=block, where=where
    )


def default_metric(project: Project) -> str:
    """The monitor of early stopping (if on), else of checkpoints (if on),
    else ``val_loss``."""
    training = project.training
    if training.early_stopping.enabled:
        return str(training.early_stopping.monitor)
    if training.checkpoint.enabled:
        return str(training.checkpoint.monitor)
    return "val_loss"


def resolve_space(project: Project, spec: SearchSpec | None = None) -> list[Dimension]:
    """``spec``'s (default: the project's) space checked against ``project``:
    each dimension marked whole-number or not. Raises :class:`SearchError`
    with the first problem, naming the entry."""
    spec = spec if spec is not None else project.search
    if spec is None:
        raise SearchError(
            'the project has no "search" section: add one with a "space" (see '
            "docs/project-file.md)"
        )
    spec.check()
    if not spec.dimensions:
        raise SearchError(
            "search.space is empty: list at least one setting to search, e.g. "
            '{"param": "training.optimizer.lr", "log": [0.0001, 0.1]}'
        )
    resolved = [_resolve(project, dim, spec.dimensions) for dim in spec.dimensions]
    layers = len(project.model.layers)
    for dim in resolved:
        if dim.block is not None and dim.block[1] >= layers:
            raise SearchError(
                f"{dim.where}: the model has {layers} layers (0 to {layers - 1}), "
                f"so there is no layer {dim.block[1]}"
            )
    return resolved


def _resolve(project: Project, dim: Dimension, every: Sequence[Dimension]) -> Dimension:
    if dim.block is not None:
        param = Param("repeat", "int", 1, minimum=1, maximum=100)
        return _checked(dim, param)
    path = dim.path
    if path[0] == "model":
        return _checked(dim, _layer_param(project, dim))
    return _checked(dim, _training_param(project, dim, every))


def _layer_param(project: Project, dim: Dimension) -> Param:
    path = dim.path
    layers = project.model.layers
    if len(path) != 4 or path[1] != "layers":
        raise SearchError(
            f"{dim.where}: a model setting is model.layers.<index>.<argument>, "
            "e.g. model.layers.0.out_features"
        )
    index_text, name = path[2], path[3]
    if not index_text.isdigit():
        raise SearchError(f"{dim.where}: {index_text!r} is not a layer index (0, 1, …)")
    index = int(index_text)
    if index >= len(layers):
        raise SearchError(
            f"{dim.where}: the model has {len(layers)} layers "
            f"(0 to {len(layers) - 1}), so there is no layer {index}"
        )
    layer_type = layers[index].layer_type
    names = [p.name for p in layer_type.params]
    if name not in names:
        takes = ", ".join(names) if names else "no arguments"
        raise SearchError(
            f"{dim.where}: layer {index} is {layer_type.key}, which has no argument "
            f"{name!r} (it takes {takes})"
        )
    return layer_type.param(name)


def _training_param(
    project: Project, dim: Dimension, every: Sequence[Dimension]
) -> Param:
    from guinet.core.training.config import TrainingSpec
    from guinet.core.training.optimizers import OPTIMIZERS

    path = dim.path[1:]
    if path[:1] == ("optimizer",):
        if len(path) != 2:
            raise SearchError(
                f"{dim.where}: an optimizer setting is training.optimizer.<argument> "
                "or training.optimizer.type"
            )
        if path[1] == "type":
            return Param("type", "choice", None, choices=tuple(OPTIMIZERS))
        types = _optimizer_types(project, every)
        takers = [
            t for t in types if any(p.name == path[1] for p in OPTIMIZERS[t].params)
        ]
        if not takers:
            raise SearchError(
                f"{dim.where}: {' and '.join(types)} "
                f"{'has' if len(types) == 1 else 'have'} no argument {path[1]!r}"
            )
        return OPTIMIZERS[takers[0]].param(path[1])
    if path and path[0] in ("loss", "scheduler"):
        raise SearchError(
            f"{dim.where}: the search cannot change training.{path[0]} yet"
        )
    section: type[Section] = TrainingSpec
    for key in path[:-1]:
        nested = section.sections.get(key)
        if nested is None:
            raise SearchError(
                f"{dim.where}: training has no setting {'.'.join(path)!r}"
            )
        section = nested
    try:
        param = section.declared(path[-1])
    except KeyError:
        known = ", ".join(
            [p.name for p in TrainingSpec.params if p.kind in ("int", "float")]
            + ["optimizer.lr", "optimizer.type", "optimizer.weight_decay"]
        )
        raise SearchError(
            f"{dim.where}: training has no setting {'.'.join(path)!r} "
            f"(searchable: {known}, …)"
        ) from None
    if param.kind not in ("int", "float", "bool", "choice"):
        raise SearchError(f"{dim.where}: {param.name} is not a setting to search")
    return param


def _optimizer_types(project: Project, every: Sequence[Dimension]) -> list[str]:
    for dim in every:
        if dim.name == "training.optimizer.type" and dim.kind == "values":
            return [str(v) for v in dim.values]
    return [project.training.optimizer.type]


def _checked(dim: Dimension, param: Param) -> Dimension:
    """``dim`` with each of its candidate values checked against ``param``."""
    integer = param.kind in ("int", "ints")
    if dim.kind == "values":
        for value in dim.values:
            _check_value(dim, param, value)
        return _replace(dim, integer=integer)
    if param.kind not in ("int", "float", "ints"):
        raise SearchError(
            f"{dim.where}: {param.name} takes {_kind_words(param)}; give a values list"
        )
    if integer and not _whole(dim.low, dim.high, dim.step or 1):
        raise SearchError(
            f"{dim.where}: {param.name} is a whole number, so its {dim.kind} needs "
            "whole numbers"
        )
    for value in (dim.low, dim.high):
        _check_value(dim, param, int(value) if integer else value)
    return _replace(dim, integer=integer)


def _check_value(dim: Dimension, param: Param, value: Any) -> None:
    try:
        coerced = param.coerce(value)
    except ParamError as exc:
        raise SearchError(f"{dim.where}: {exc}") from None
    problem = param.problem(coerced)
    if problem is not None:
        raise SearchError(f"{dim.where}: {problem}")


def _kind_words(param: Param) -> str:
    if param.kind == "choice":
        return "one of " + ", ".join(repr(c) for c in param.choices)
    return {"bool": "true or false", "str": "text"}.get(param.kind, param.kind)


def _replace(dim: Dimension, **changes: Any) -> Dimension:
    from dataclasses import replace

    return replace(dim, **changes)


# -- what a search may change, as a list to pick from ----------------------------------
@dataclass(frozen=True)
class Candidate:
    """A setting of ``project`` a search can change: its ``name`` (the
    entry's path, or ``repeat.F-L``), a ``label`` for a list, and the
    ``entry`` a new space entry starts from (its domain around the value the
    project has now)."""

    name: str
    label: str
    entry: dict[str, Any]


#: Arguments that size a layer's output.
_OUTPUT_SIZES = ("out_features", "out_channels", "hidden_size", "num_classes")
#: Optimizer arguments searched on a log scale.
_LOG_ARGS = ("lr", "weight_decay", "eps")


def candidates(project: Project) -> list[Candidate]:
    """Every setting a search over ``project`` can change, in the order a
    person reads them: each layer's numeric arguments, blocks of one or two
    layers repeated, then the learning rate, batch size, optimizer, weight
    decay and epochs. Each starts from a domain around its value now."""
    from guinet.core.training.optimizers import OPTIMIZERS

    found: list[Candidate] = []
    layers = list(project.model.layers)
    # the last layer with a size gives the model's output: not searched
    sized = [
        i
        for i, layer in enumerate(layers)
        if any(p.name in _OUTPUT_SIZES for p in layer.layer_type.params)
    ]
    output = sized[-1] if sized else None
    for index, layer in enumerate(layers):
        for param in layer.layer_type.params:
            if param.kind not in ("int", "float"):
                continue
            if index == output and param.name in _OUTPUT_SIZES:
                continue
            value = layer.value(param.name)
            if not _number(value):
                continue
            name = f"model.layers.{index}.{param.name}"
            label = f"Layer {index + 1} {layer.type}: {param.name}"
            found.append(Candidate(name, label, _around(name, param, value)))
    for size in (1, 2):
        for first in range(len(layers) - size + 1):
            last = first + size - 1
            if output is not None and last >= output:
                break  # a repeated output layer would not fit
            types = ", ".join(layer.type for layer in layers[first : last + 1])
            where = (
                f"layer {first + 1}" if size == 1 else f"layers {first + 1}-{last + 1}"
            )
            found.append(
                Candidate(
                    f"repeat.{first}-{last}",
                    f"Repeat {where} ({types})",
                    {"repeat": [first, last], "range": [1, 3]},
                )
            )
    training = project.training
    optimizer = training.optimizer
    kind = OPTIMIZERS.get(str(optimizer.type))
    takes = {p.name: p for p in kind.params} if kind is not None else {}
    lr = takes.get("lr")
    if lr is not None:
        value = optimizer.params.get("lr", lr.default)
        name = "training.optimizer.lr"
        found.append(Candidate(name, "Learning rate", _around(name, lr, value)))
    batch = int(training.batch_size)
    sizes = sorted({max(1, batch // 2), batch, batch * 2})
    found.append(
        Candidate(
            "training.batch_size",
            "Batch size",
            {
                "param": "training.batch_size",
                "values": sizes,
            },
        )
    )
    others = [t for t in ("Adam", "SGD", "AdamW") if t in OPTIMIZERS]
    choices = [str(optimizer.type)] + [t for t in others if t != optimizer.type][:1]
    found.append(
        Candidate(
            "training.optimizer.type",
            "Optimizer",
            {
                "param": "training.optimizer.type",
                "values": choices,
            },
        )
    )
    if "weight_decay" in takes:
        found.append(
            Candidate(
                "training.optimizer.weight_decay",
                "Weight decay",
                {"param": "training.optimizer.weight_decay", "log": [1e-5, 1e-2]},
            )
        )
    epochs = int(training.epochs)
    found.append(
        Candidate(
            "training.epochs",
            "Epochs",
            {
                "param": "training.epochs",
                "range": [max(1, epochs // 2), max(epochs * 2, 2)],
            },
        )
    )
    return found


def _around(name: str, param: Param, value: Any) -> dict[str, Any]:
    """A domain around ``value`` that ``param`` allows."""
    low_bound = param.minimum
    if param.kind == "int":
        value = int(value)
        floor = int(low_bound) if low_bound is not None else 0
        low = max(floor, value // 2, 1 if floor <= 1 else floor)
        high = max(value * 2, low + 1)
        if param.maximum is not None:
            high = min(high, int(param.maximum))
        return {"param": name, "range": [low, max(high, low + 1)]}
    value = float(value)
    if param.name in _LOG_ARGS and value > 0:
        return {"param": name, "log": [_tidy(value / 10), _tidy(value * 10)]}
    if param.name == "p" or (param.maximum is not None and param.maximum <= 1):
        return {"param": name, "range": [0.0, 0.5]}
    if value > 0:
        return {"param": name, "range": [_tidy(value / 2), _tidy(value * 2)]}
    return {"param": name, "range": [0.0, 1.0]}
