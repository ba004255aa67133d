"""The loss catalogue: one declaration per ``torch.nn`` loss.

Besides its arguments, each :class:`LossType` says which data tasks it fits,
what the model must output for it (``expects``) and what targets it takes, so
the compatibility check (:mod:`.compat`) and the GUI's loss picker read the
same facts. Reductions are not exposed: the engine relies on the batch mean.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from guinet.core.params import Param, Registry
from guinet.core.training.catalog import ComponentType

#: What a loss wants from the model's last layer.
EXPECTS = ("values", "logits", "probabilities", "log_probabilities")


@dataclass(frozen=True, kw_only=True)
class LossType(ComponentType):
    """A loss: ``tasks`` it fits, what it ``expects`` and the ``targets`` it takes."""

    tasks: tuple[str, ...]
    expects: str
    targets: str

    @property
    def regression(self) -> bool:
        return self.tasks == ("regression",)


LOSSES: Registry[LossType] = Registry("loss")


def loss(**kwargs: Any) -> LossType:
    spec = LossType(**kwargs)
    return LOSSES.register(spec.key, spec)


_REGRESSION = ("regression",)
_CLASSES = ("binary", "multiclass")

loss(
    key="MSELoss",
    label="MSELoss — mean squared error",
    explanation=(
        "Average of the squared differences between prediction and target; the "
        "usual loss for predicting numbers. Big mistakes cost a lot."
    ),
    tasks=_REGRESSION,
    expects="values",
    targets="numbers, one per output",
)
loss(
    key="L1Loss",
    label="L1Loss — mean absolute error",
    explanation=(
        "Average of the absolute differences; for predicting numbers when a few "
        "outliers should not dominate."
    ),
    tasks=_REGRESSION,
    expects="values",
    targets="numbers, one per output",
)
loss(
    key="SmoothL1Loss",
    label="SmoothL1Loss — squared near zero, absolute far away",
    explanation=(
        "Squared error for small mistakes and absolute error for large ones: "
        "robust to outliers but smooth near the answer."
    ),
    params=(
        Param(
            "beta",
            "float",
            1.0,
            "Size of the mistake where the loss switches from squared to absolute.",
            minimum=0.0,
            step=0.1,
        ),
    ),
    tasks=_REGRESSION,
    expects="values",
    targets="numbers, one per output",
)
loss(
    key="HuberLoss",
    label="HuberLoss — robust regression",
    explanation=(
        "Like SmoothL1Loss, scaled so large mistakes grow at slope delta; "
        "robust to outliers."
    ),
    params=(
        Param(
            "delta",
            "float",
            1.0,
            "Size of the mistake where the loss switches from squared to linear.",
            minimum=0.0,
            exclusive_min=True,
            step=0.1,
        ),
    ),
    tasks=_REGRESSION,
    expects="values",
    targets="numbers, one per output",
)
loss(
    key="BCELoss",
    label="BCELoss — binary cross-entropy on probabilities",
    explanation=(
        "For yes/no (two-class) targets: compares a probability in (0, 1) with "
        "the 0/1 answer. Needs a Sigmoid as the last layer."
    ),
    tasks=("binary",),
    expects="probabilities",
    targets="0 or 1, one output",
)
loss(
    key="BCEWithLogitsLoss",
    label="BCEWithLogitsLoss — binary cross-entropy on raw scores",
    explanation=(
        "Sigmoid and BCELoss in one step, numerically safer; the last layer "
        "gives a raw score (no Sigmoid)."
    ),
    tasks=("binary",),
    expects="logits",
    targets="0 or 1, one output",
)
loss(
    key="CrossEntropyLoss",
    label="CrossEntropyLoss — classification",
    explanation=(
        "The usual loss for choosing one of several classes: one raw score per "
        "class, no Softmax (it applies softmax itself)."
    ),
    params=(
        Param(
            "label_smoothing",
            "float",
            0.0,
            "Move this much of the target probability to the other classes; "
            "0.1 often helps a little against overconfidence.",
            minimum=0.0,
            maximum=1.0,
            step=0.05,
        ),
    ),
    tasks=_CLASSES,
    expects="logits",
    targets="class indices, one output per class",
)
loss(
    key="NLLLoss",
    label="NLLLoss — negative log-likelihood",
    explanation=(
        "Classification on log-probabilities: needs LogSoftmax as the last layer. "
        "LogSoftmax + NLLLoss is the same as CrossEntropyLoss."
    ),
    tasks=_CLASSES,
    expects="log_probabilities",
    targets="class indices, one output per class",
)
