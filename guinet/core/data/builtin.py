"""The built-in dataset catalogue: one declaration per dataset.

A :class:`BuiltinDataset` says once what a learner sees (label, one-line
description, task) and which generator arguments exist (as
:class:`~guinet.core.params.Param`). The data panel builds its list and its
editors from :data:`BUILTIN_DATASETS`, the loader checks a project's values
against the same declarations, and the makers in
:mod:`guinet.core.data.generators` do the work. Nothing heavy is imported
here: the GUI lists the datasets before numpy or scikit-learn load.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from guinet.core.data.errors import DataError
from guinet.core.params import Param, ParamError, Registry, check_args

if TYPE_CHECKING:
    from guinet.core.data.sources import ArraySet

TASKS = ("binary", "multiclass", "regression")


@dataclass(frozen=True)
class BuiltinDataset:
    """A dataset guinet can produce without any file.

    ``maker`` builds it from the values of ``params``: a function, or the
    name of one in :mod:`guinet.core.data.generators` (so that module, with
    its NumPy and scikit-learn imports, loads only when data is made).
    ``family`` is ``"toy"`` for the generated Playground-style sets and
    ``"real"`` for measured data.
    """

    key: str
    label: str
    description: str
    task: str
    maker: str | Callable[..., ArraySet]
    family: str = "toy"
    params: tuple[Param, ...] = ()
    input_shape: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ValueError(f"dataset {self.key!r} has unknown task {self.task!r}")

    def arguments(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The maker's arguments: ``values`` checked and over the defaults.

        Raises :class:`DataError` for an unknown name, a wrong type or a
        value out of range, in the words of the parameter's declaration.
        """
        try:
            given = check_args(self.params, values, f"the {self.label} dataset")
        except ParamError as exc:
            raise DataError(f"{exc}.") from None
        args = {p.name: given.get(p.name, p.default) for p in self.params}
        for param in self.params:
            problem = param.problem(args[param.name])
            if problem:
                raise DataError(f"{self.label}: {problem}.")
        return args

    def generate(self, values: Mapping[str, Any] | None = None) -> ArraySet:
        args = self.arguments(values or {})
        if callable(self.maker):
            return self.maker(**args)
        makers = importlib.import_module("guinet.core.data.generators")
        return getattr(makers, self.maker)(**args)


BUILTIN_DATASETS: Registry[BuiltinDataset] = Registry("built-in dataset")


def dataset(**kwargs: Any) -> BuiltinDataset:
    spec = BuiltinDataset(**kwargs)
    return BUILTIN_DATASETS.register(spec.key, spec)


# -- shared parameters -----------------------------------------------------------
def _samples(default: int = 500) -> Param:
    return Param(
        "samples",
        "int",
        default,
        "How many points to generate.",
        minimum=10,
        maximum=1_000_000,
        key=True,
    )


def _noise(default: float, maximum: float = 1.0) -> Param:
    return Param(
        "noise",
        "float",
        default,
        "Random jitter added to every point (0 = perfectly clean).",
        minimum=0.0,
        maximum=maximum,
        step=0.05,
        key=True,
    )


_SEED = Param(
    "seed",
    "int",
    0,
    "Same seed, same points: change it for a fresh sample.",
    minimum=0,
    maximum=2**31 - 1,
)

# -- toy sets (TensorFlow Playground style) ----------------------------------
dataset(
    key="moons",
    label="Two moons",
    task="binary",
    maker="moons",
    description="Two interleaving half circles: a straight line cannot separate them.",
    params=(_samples(), _noise(0.2), _SEED),
    input_shape=(2,),
)
dataset(
    key="circles",
    label="Circles",
    task="binary",
    maker="circles",
    description="A ring around a disc: the network must learn a round boundary.",
    params=(
        _samples(),
        _noise(0.1),
        Param(
            "factor",
            "float",
            0.5,
            "Inner radius relative to the outer ring.",
            minimum=0.0,
            maximum=1.0,
            exclusive_min=True,
            exclusive_max=True,
            step=0.05,
        ),
        _SEED,
    ),
    input_shape=(2,),
)
dataset(
    key="xor",
    label="XOR",
    task="binary",
    maker="xor",
    description="Class depends on whether x1 and x2 have the same sign; "
    "needs a hidden layer.",
    params=(_samples(), _noise(0.05), _SEED),
    input_shape=(2,),
)
dataset(
    key="spirals",
    label="Two spirals",
    task="binary",
    maker="spirals",
    description="Two arms winding around each other: the hardest toy problem.",
    params=(
        _samples(),
        _noise(0.03),
        Param(
            "turns",
            "float",
            1.25,
            "How many times each arm winds around.",
            minimum=0.25,
            maximum=5.0,
            step=0.25,
        ),
        _SEED,
    ),
    input_shape=(2,),
)
dataset(
    key="blobs",
    label="Gaussian blobs",
    task="multiclass",
    maker="blobs",
    description="Round clouds of points, one per class, around a circle.",
    params=(
        _samples(),
        Param(
            "classes",
            "int",
            3,
            "How many blobs (classes).",
            minimum=2,
            maximum=10,
            key=True,
        ),
        _noise(0.5, maximum=5.0),
        _SEED,
    ),
    input_shape=(2,),
)
dataset(
    key="sine",
    label="Sine wave (regression)",
    task="regression",
    maker="sine",
    description="Predict y = sin(x) from x through noisy samples: "
    "a curve to fit, not classes.",
    params=(_samples(), _noise(0.1, maximum=2.0), _SEED),
    input_shape=(1,),
)

# -- real measurements bundled with scikit-learn (no downloads) -------------------
dataset(
    key="iris",
    label="Iris flowers",
    task="multiclass",
    maker="iris",
    family="real",
    description="150 flowers, 4 measurements each, 3 species to tell apart.",
    input_shape=(4,),
)
dataset(
    key="wine",
    label="Wine cultivars",
    task="multiclass",
    maker="wine",
    family="real",
    description="178 wines, 13 chemical measurements, 3 grape cultivars.",
    input_shape=(13,),
)
dataset(
    key="breast_cancer",
    label="Breast cancer (Wisconsin)",
    task="binary",
    maker="breast_cancer",
    family="real",
    description="569 tumour biopsies, 30 cell measurements, malignant or benign.",
    input_shape=(30,),
)
dataset(
    key="digits",
    label="Handwritten digits (8×8 images)",
    task="multiclass",
    maker="digits",
    family="real",
    description="1,797 tiny grey images of digits 0–9, for convolutional networks.",
    input_shape=(1, 8, 8),
)
dataset(
    key="digits_flat",
    label="Handwritten digits (64 numbers)",
    task="multiclass",
    maker="digits_flat",
    family="real",
    description="The same 8×8 digits flattened to 64 pixel values, for a plain MLP.",
    input_shape=(64,),
)
dataset(
    key="diabetes",
    label="Diabetes progression (regression)",
    task="regression",
    maker="diabetes",
    family="real",
    description="442 patients, 10 measurements, predict disease progression "
    "a year later.",
    input_shape=(10,),
)
