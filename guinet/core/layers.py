"""The layer catalogue: one declaration per layer type.

Each :class:`LayerType` is named by its ``torch.nn`` class and lists the
constructor arguments a person may set. Sizes that follow from the input
(``in_features``, ``in_channels``, ``num_features``, ``normalized_shape``) are
never declared here: :attr:`LayerType.infer` computes them from the shape that
reaches the layer. The palette, the inspector, the validator, the builder, the
project file and the exporters all read this table; adding a layer type
touches only this module.

torch is not imported here, so the GUI can list layers before torch loads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from guinet.core.params import Param, Registry

Shape = tuple[int, ...]

CATEGORIES = (
    "Core",
    "Convolution",
    "Pooling",
    "Normalization",
    "Regularization",
    "Activation",
    "Reshape",
    "Embedding",
)


@dataclass(frozen=True)
class Produces:
    """What a last-layer activation makes of the raw scores, for the loss check.

    ``kind`` is one of the losses' ``expects`` words (``probabilities`` or
    ``log_probabilities``). ``targets`` names, in the losses' words, the
    targets it is made for: ``binary`` — each output on its own is the chance
    of class 1 (one-vs-rest, like Sigmoid); ``class_indices`` — the outputs
    together are one distribution over the classes (like Softmax), so over a
    single output it is always the same number.
    """

    kind: str
    targets: str

    @property
    def over_outputs(self) -> bool:
        """Whether the outputs are normalised together rather than one by one."""
        return self.targets == "class_indices"


@dataclass(frozen=True)
class LayerType:
    """What guinet knows about one ``torch.nn`` layer class.

    ``ranks`` lists the input ranks (without the batch dimension) the layer
    accepts; ``None`` means any rank of at least one. ``infer`` maps the input
    shape to the constructor arguments guinet fills in itself. ``check`` adds
    layer-specific validation with a friendlier sentence than torch's.
    ``initial`` holds the values written when the layer is added from the
    palette (arguments that torch requires, such as ``out_features``).
    ``produces`` says what the layer turns raw scores into when it ends the
    model (Sigmoid: probabilities); the loss check (training ``compat``)
    reads it instead of knowing activation names.
    """

    key: str
    category: str
    label: str
    explanation: str
    params: tuple[Param, ...] = ()
    ranks: tuple[int, ...] | None = None
    rank_names: str = ""
    infer: Callable[[Shape], dict[str, Any]] | None = None
    check: Callable[[Shape, dict[str, Any]], str | None] | None = None
    initial: dict[str, Any] = field(default_factory=dict)
    integer_input: bool = False
    alias: str = ""
    produces: Produces | None = None

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(f"{self.key} has no parameter {name!r}")

    def arguments(self, values: dict[str, Any]) -> dict[str, Any]:
        """Every declared argument: the set values over the declared defaults."""
        return {p.name: values.get(p.name, p.default) for p in self.params}

    def torch_class(self) -> Any:
        import torch.nn

        return getattr(torch.nn, self.key)


LAYERS: Registry[LayerType] = Registry("layer type")


def layer(**kwargs: Any) -> LayerType:
    spec = LayerType(**kwargs)
    return LAYERS.register(spec.key, spec)


# -- helpers for shape rules -----------------------------------------------------
def _tuple(value: Any, n: int) -> tuple[int, ...]:
    if isinstance(value, list):
        return tuple(value)
    return (int(value),) * n


def _dims_text(shape: Shape) -> str:
    return "×".join(str(s) for s in shape)


def _window_check(n: int, pool: bool) -> Callable[[Shape, dict[str, Any]], str | None]:
    """Kernel, stride and padding rules for convolutions and poolings over n dims."""

    def check(shape: Shape, args: dict[str, Any]) -> str | None:
        spatial = shape[1:]
        for name in ("kernel_size", "stride", "padding", "dilation"):
            value = args.get(name)
            if isinstance(value, list) and len(value) != n:
                return (
                    f"{name} needs {n} number{'s' if n > 1 else ''}, not {len(value)}"
                )
        kernel = _tuple(args["kernel_size"], n)
        padding = args.get("padding", 0)
        if padding == "same":
            if _tuple(args.get("stride", 1) or 1, n) != (1,) * n:
                return "padding 'same' needs stride 1"
            return None
        pad = (0,) * n if padding == "valid" else _tuple(padding, n)
        dilation = _tuple(args.get("dilation", 1), n)
        if pool:
            for k, p in zip(kernel, pad, strict=True):
                if p > k // 2:
                    return (
                        f"padding {p} is more than half the kernel {k}; "
                        f"use at most {k // 2}"
                    )
        effective = tuple(
            d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True)
        )
        padded = tuple(s + 2 * p for s, p in zip(spatial, pad, strict=True))
        if any(e > s for e, s in zip(effective, padded, strict=True)):
            k_text = (
                _dims_text(effective) if len(set(effective)) > 1 else str(effective[0])
            )
            extra = " with its padding" if any(pad) else ""
            return (
                f"kernel {k_text} is larger than the {_dims_text(spatial)} "
                f"input{extra}; "
                "use a smaller kernel, add padding, or remove a pooling layer before it"
            )
        return None

    return check


def _flatten_check(shape: Shape, args: dict[str, Any]) -> str | None:
    rank = len(shape) + 1  # with the batch dimension
    start, end = args["start_dim"], args["end_dim"]
    for name, dim in (("start_dim", start), ("end_dim", end)):
        if not -rank <= dim < rank:
            return (
                f"{name} {dim} is outside the input's dimensions "
                f"(0 to {rank - 1}, 0 is the batch)"
            )
    if start % rank == 0:
        return "start_dim 0 would flatten the batch dimension too; use 1"
    if start % rank > end % rank:
        return f"start_dim {start} comes after end_dim {end}"
    return None


def _unflatten_check(shape: Shape, args: dict[str, Any]) -> str | None:
    rank = len(shape) + 1
    dim = args["dim"]
    if not -rank <= dim < rank or dim % rank == 0:
        return (
            f"dim {dim} must name an input dimension from 1 to {rank - 1} "
            "(0 is the batch)"
        )
    size = shape[dim % rank - 1]
    target = args["unflattened_size"]
    product = 1
    for s in target:
        product *= s
    if product != size:
        return (
            f"can't reshape {size} values into "
            f"{_dims_text(tuple(target))} = {product}; "
            f"the sizes must multiply to {size}"
        )
    return None


def _dim_check(shape: Shape, args: dict[str, Any]) -> str | None:
    rank = len(shape) + 1
    dim = args["dim"]
    if not -rank <= dim < rank:
        return f"dim {dim} is outside the input's dimensions (-{rank} to {rank - 1})"
    if dim % rank == 0:
        return "dim 0 is the batch dimension; use -1 (the features)"
    return None


def _embedding_check(shape: Shape, args: dict[str, Any]) -> str | None:
    if args.get("padding_idx") is not None and not (
        -args["num_embeddings"] <= args["padding_idx"] < args["num_embeddings"]
    ):
        return "padding_idx must be a token index below num_embeddings"
    return None


def _first_dim(name: str) -> Callable[[Shape], dict[str, Any]]:
    return lambda shape: {name: shape[0]}


# -- shared parameter declarations ---------------------------------------------------
_BIAS = Param("bias", "bool", True, "Learn an additive offset for each output.")


def _window_params(pool: bool, default_kernel: int) -> tuple[Param, ...]:
    kernel = Param(
        "kernel_size",
        "ints",
        default_kernel,
        "Size of the sliding window (one number, or one per dimension).",
        minimum=1,
        key=True,
    )
    if pool:
        return (
            kernel,
            Param(
                "stride",
                "ints",
                None,
                "Step between windows; empty means the same as the kernel size.",
                minimum=1,
                optional=True,
                none_label="= kernel",
                key=True,
            ),
            Param(
                "padding",
                "ints",
                0,
                "Zeros added on every side before pooling.",
                minimum=0,
            ),
        )
    return (
        kernel,
        Param("stride", "ints", 1, "Step between window positions.", minimum=1),
        Param(
            "padding",
            "ints",
            0,
            "Zeros added on every side; 'same' keeps the size, 'valid' adds none.",
            minimum=0,
            choices=("same", "valid"),
            key=True,
        ),
        Param("dilation", "ints", 1, "Spacing between kernel elements.", minimum=1),
        _BIAS,
    )


def _conv(key: str, n: int, names: str, explanation: str) -> None:
    layer(
        key=key,
        category="Convolution",
        label=f"{key} — {n}-D convolution",
        explanation=explanation,
        params=(
            Param(
                "out_channels",
                "int",
                None,
                "Number of filters, i.e. output channels.",
                minimum=1,
                maximum=65536,
                key=True,
            ),
            *_window_params(pool=False, default_kernel=3),
        ),
        ranks=(n + 1,),
        rank_names=names,
        infer=_first_dim("in_channels"),
        check=_window_check(n, pool=False),
        initial={"out_channels": 16, "kernel_size": 3},
    )


def _pool(key: str, n: int, names: str, kind: str) -> None:
    layer(
        key=key,
        category="Pooling",
        label=f"{key} — {n}-D {kind} pooling",
        explanation=(
            f"Takes the {kind} of each window, shrinking the "
            f"{'length' if n == 1 else 'image'}"
            " and keeping the strongest signals."
            if kind == "max"
            else "Averages each window, shrinking the "
            f"{'length' if n == 1 else 'image'} smoothly."
        ),
        params=_window_params(pool=True, default_kernel=2),
        ranks=(n + 1,),
        rank_names=names,
        check=_window_check(n, pool=True),
        initial={"kernel_size": 2},
    )


def _adaptive(key: str, n: int, names: str) -> None:
    layer(
        key=key,
        category="Pooling",
        label=f"{key} — average to a fixed size",
        explanation=(
            "Averages each channel down to a fixed output size whatever the input "
            "size; "
            "output_size 1 is global average pooling."
        ),
        params=(
            Param(
                "output_size",
                "ints",
                1,
                "Size of the output per channel.",
                minimum=1,
                key=True,
            ),
        ),
        ranks=(n + 1,),
        rank_names=names,
        check=lambda shape, args, n=n: (
            f"output_size needs {n} numbers, not {len(args['output_size'])}"
            if isinstance(args["output_size"], list) and len(args["output_size"]) != n
            else None
        ),
    )


def _activation(
    key: str,
    explanation: str,
    params: tuple[Param, ...] = (),
    check: Callable[[Shape, dict[str, Any]], str | None] | None = None,
    produces: Produces | None = None,
) -> None:
    layer(
        key=key,
        category="Activation",
        label=key,
        explanation=explanation,
        params=params,
        check=check,
        produces=produces,
    )


# -- the catalogue -----------------------------------------------------------------
layer(
    key="Linear",
    category="Core",
    label="Linear — fully connected",
    alias="Dense",
    explanation=(
        "Fully connected: every output is a weighted sum of all inputs plus a bias. "
        "Called Dense in Keras."
    ),
    params=(
        Param(
            "out_features",
            "int",
            None,
            "Number of output units (neurons).",
            minimum=1,
            maximum=1_000_000,
            key=True,
        ),
        _BIAS,
    ),
    infer=lambda shape: {"in_features": shape[-1]},
    initial={"out_features": 16},
)
layer(
    key="Identity",
    category="Core",
    label="Identity — pass through",
    explanation=(
        "Passes its input through unchanged; a placeholder while you experiment."
    ),
)

_conv(
    "Conv1d",
    1,
    "(channels, length)",
    "Slides small learned filters along a sequence or signal to detect local patterns.",
)
_conv(
    "Conv2d",
    2,
    "(channels, height, width)",
    "Slides small learned filters over an image to detect edges, textures and shapes.",
)

_pool("MaxPool1d", 1, "(channels, length)", "max")
_pool("MaxPool2d", 2, "(channels, height, width)", "max")
_pool("AvgPool1d", 1, "(channels, length)", "average")
_pool("AvgPool2d", 2, "(channels, height, width)", "average")
_adaptive("AdaptiveAvgPool1d", 1, "(channels, length)")
_adaptive("AdaptiveAvgPool2d", 2, "(channels, height, width)")

_NORM_PARAMS = (
    Param(
        "eps",
        "float",
        1e-5,
        "Small number added to the variance to avoid dividing by zero.",
        minimum=0.0,
        exclusive_min=True,
        log_scale=True,
    ),
    Param(
        "momentum",
        "float",
        0.1,
        "How fast the running mean and variance follow new batches.",
        minimum=0.0,
        maximum=1.0,
        step=0.05,
    ),
    Param("affine", "bool", True, "Learn a scale and shift after normalizing."),
)
layer(
    key="BatchNorm1d",
    category="Normalization",
    label="BatchNorm1d — normalize features",
    explanation=(
        "Normalizes each feature over the batch to mean 0 and variance 1, "
        "which often lets a network train faster."
    ),
    params=_NORM_PARAMS,
    ranks=(1, 2),
    rank_names="(features,) or (channels, length)",
    infer=_first_dim("num_features"),
)
layer(
    key="BatchNorm2d",
    category="Normalization",
    label="BatchNorm2d — normalize channels",
    explanation=(
        "Normalizes each image channel over the batch; usually placed after a Conv2d."
    ),
    params=_NORM_PARAMS,
    ranks=(3,),
    rank_names="(channels, height, width)",
    infer=_first_dim("num_features"),
)
layer(
    key="LayerNorm",
    category="Normalization",
    label="LayerNorm — normalize each sample",
    explanation=(
        "Normalizes the last dimension of each sample on its own, "
        "independent of the batch."
    ),
    params=(
        _NORM_PARAMS[0],
        Param(
            "elementwise_affine",
            "bool",
            True,
            "Learn a scale and shift after normalizing.",
        ),
        _BIAS,
    ),
    infer=lambda shape: {"normalized_shape": shape[-1]},
)

layer(
    key="Dropout",
    category="Regularization",
    label="Dropout",
    explanation=(
        "While training, zeroes a random fraction p of the values so the network can't "
        "rely on any single one; fights overfitting. Does nothing at prediction time."
    ),
    params=(
        Param(
            "p",
            "float",
            0.5,
            "Fraction of values dropped while training.",
            minimum=0.0,
            maximum=1.0,
            exclusive_max=True,
            key=True,
            step=0.05,
        ),
    ),
)
layer(
    key="Dropout2d",
    category="Regularization",
    label="Dropout2d — drop whole channels",
    explanation=(
        "Drops whole feature maps at random while training; for convolutional layers."
    ),
    params=(
        Param(
            "p",
            "float",
            0.5,
            "Fraction of channels dropped while training.",
            minimum=0.0,
            maximum=1.0,
            exclusive_max=True,
            key=True,
            step=0.05,
        ),
    ),
    ranks=(3,),
    rank_names="(channels, height, width)",
)

_SOFTMAX_DIM = Param(
    "dim",
    "int",
    -1,
    "Dimension the probabilities add up along (-1: the last).",
    minimum=-8,
    maximum=8,
)
_activation("ReLU", "max(0, x): keeps positives, zeroes negatives. The usual default.")
_activation(
    "LeakyReLU",
    "Like ReLU but lets a small slope through for negatives, so units never go silent.",
    (
        Param(
            "negative_slope",
            "float",
            0.01,
            "Slope for negative inputs.",
            minimum=0.0,
            step=0.01,
            key=True,
        ),
    ),
)
_activation(
    "ELU",
    "Smooth ReLU that goes down to -alpha for negatives.",
    (
        Param(
            "alpha",
            "float",
            1.0,
            "Value approached for large negative inputs.",
            minimum=0.0,
            step=0.1,
            key=True,
        ),
    ),
)
_activation(
    "PReLU",
    "LeakyReLU whose negative slope is learned.",
    (Param("init", "float", 0.25, "Starting value of the learned slope.", step=0.05),),
)
_activation("GELU", "Smooth ReLU used in transformers (Gaussian error linear unit).")
_activation("SiLU", "x·sigmoid(x), also called Swish; smooth and non-monotonic.")
_activation("Mish", "x·tanh(softplus(x)); a smooth ReLU alternative.")
_activation("Softplus", "log(1 + eˣ): a smooth ReLU that is always positive.")
_activation("Tanh", "Squashes values into (-1, 1), centred on zero.")
_activation(
    "Sigmoid",
    "Squashes values into (0, 1); the last layer for yes/no (binary) outputs "
    "with BCELoss.",
    produces=Produces("probabilities", "binary"),
)
_activation(
    "Softmax",
    "Turns scores into probabilities that add up to 1. Leave it out before "
    "CrossEntropyLoss, which applies it itself.",
    (_SOFTMAX_DIM,),
    _dim_check,
    produces=Produces("probabilities", "class_indices"),
)
_activation(
    "LogSoftmax",
    "Log of Softmax; pair it with NLLLoss.",
    (_SOFTMAX_DIM,),
    _dim_check,
    produces=Produces("log_probabilities", "class_indices"),
)

layer(
    key="Flatten",
    category="Reshape",
    label="Flatten — to a vector",
    explanation=(
        "Turns each sample's grid of values into one long vector, e.g. before Linear."
    ),
    params=(
        Param(
            "start_dim",
            "int",
            1,
            "First dimension to flatten (0 is the batch).",
            minimum=-8,
            maximum=8,
        ),
        Param(
            "end_dim",
            "int",
            -1,
            "Last dimension to flatten (-1: the last).",
            minimum=-8,
            maximum=8,
        ),
    ),
    check=_flatten_check,
)
layer(
    key="Unflatten",
    category="Reshape",
    label="Unflatten — to a grid",
    explanation=(
        "Reshapes a vector into a grid, e.g. 784 values into (1, 28, 28) for Conv2d."
    ),
    params=(
        Param(
            "dim",
            "int",
            1,
            "Dimension to split (1 is the first after the batch).",
            minimum=-8,
            maximum=8,
        ),
        Param(
            "unflattened_size",
            "shape",
            None,
            "The new shape of that dimension.",
            minimum=1,
            key=True,
        ),
    ),
    check=_unflatten_check,
    initial={"unflattened_size": [1, 28, 28]},
)

layer(
    key="Embedding",
    category="Embedding",
    label="Embedding — token vectors",
    explanation=(
        "Looks up a learned vector for each integer token (a word or category id). "
        "Must be the first layer; its input is a sequence of token indices."
    ),
    params=(
        Param(
            "num_embeddings",
            "int",
            None,
            "How many distinct tokens (the vocabulary size).",
            minimum=1,
            maximum=10_000_000,
            key=True,
        ),
        Param(
            "embedding_dim",
            "int",
            None,
            "Length of each token's vector.",
            minimum=1,
            maximum=65536,
            key=True,
        ),
        Param(
            "padding_idx",
            "int",
            None,
            "A token index whose vector stays zero (optional).",
            optional=True,
        ),
    ),
    ranks=(1,),
    rank_names="(sequence length,) of token indices",
    check=_embedding_check,
    initial={"num_embeddings": 1000, "embedding_dim": 32},
    integer_input=True,
)
