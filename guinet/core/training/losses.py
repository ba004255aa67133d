"""The loss catalogue: one declaration per ``torch.nn`` loss.

Besides its arguments, each :class:`LossType` says which data tasks it fits
(``tasks``), what the model must output for it (``expects``) and what
targets it takes (``targets``), so the compatibility check (:mod:`.compat`)
and the GUI's loss picker read the same facts; compat knows no loss by name.
Adding a loss touches only this module. Reductions are not exposed: the
engine relies on the batch mean.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from guinet.core.params import Param, Registry
from guinet.core.training.catalog import ComponentType
from guinet.core.training.metrics import TASKS

#: What a loss wants from the model's last layer, and how messages say it.
#: A final layer's :class:`~guinet.core.layers.Produces` uses the same words.
EXPECTS = {
    "values": "numbers",
    "logits": "raw scores",
    "probabilities": "probabilities between 0 and 1",
    "log_probabilities": "log-probabilities",
}


@dataclass(frozen=True)
class TargetKind:
    """A kind of target: ``text`` for people; ``decision`` says how a trained
    output becomes a class for it (see :mod:`.metrics`)."""

    text: str
    decision: str


#: The targets a loss takes. ``binary``: one output, 0 or 1; ``class_indices``:
#: one output per class, the target is the class's index.
TARGETS = {
    "values": TargetKind("numbers, one per output", "none"),
    "binary": TargetKind("0 or 1, one output", "threshold"),
    "class_indices": TargetKind("class indices, one output per class", "argmax"),
}


@dataclass(frozen=True, kw_only=True)
class LossType(ComponentType):
    """A loss: the ``tasks`` it fits, what it ``expects`` and its ``targets``.

    ``logits_equivalent`` names the loss that computes the same from raw
    scores (BCELoss → BCEWithLogitsLoss): messages offer it, and that loss
    counts as applying this one's final activation itself, so such a final
    layer is left out while training with it. ``train_on_logits`` trains
    this loss *as* its equivalent on the raw scores (numerically better);
    predictions still apply the final layer.
    """

    tasks: tuple[str, ...]
    expects: str
    targets: str
    logits_equivalent: str = ""
    train_on_logits: bool = False

    def __post_init__(self) -> None:
        unknown = set(self.tasks) - set(TASKS)
        if unknown or not self.tasks:
            raise ValueError(f"loss {self.key!r}: unknown tasks {sorted(unknown)}")
        if self.expects not in EXPECTS:
            raise ValueError(f"loss {self.key!r}: unknown expects {self.expects!r}")
        if self.targets not in TARGETS:
            raise ValueError(f"loss {self.key!r}: unknown targets {self.targets!r}")
        if (self.expects == "values") != (self.targets == "values"):
            raise ValueError(
                f"loss {self.key!r}: numbers (values) are expected for number "
                "targets, and only for them"
            )
        if self.train_on_logits and not self.logits_equivalent:
            raise ValueError(f"loss {self.key!r}: train_on_logits needs an equivalent")

    @property
    def regression(self) -> bool:
        return self.tasks == ("regression",)

    @property
    def targets_text(self) -> str:
        return TARGETS[self.targets].text

    @property
    def decision(self) -> str:
        """How a trained output becomes a class with this loss's targets."""
        return TARGETS[self.targets].decision


LOSSES: Registry[LossType] = Registry("loss")


def loss(**kwargs: Any) -> LossType:
    spec = LossType(**kwargs)
    return LOSSES.register(spec.key, spec)


def probability_form(key: str) -> LossType | None:
    """The loss whose :attr:`~LossType.logits_equivalent` is ``key``, if any:
    ``key`` then applies that loss's final activation itself."""
    for declared in LOSSES.values():
        if declared.logits_equivalent == key:
            return declared
    return None


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
    targets="values",
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
    targets="values",
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
    targets="values",
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
    targets="values",
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
    targets="binary",
    logits_equivalent="BCEWithLogitsLoss",
    train_on_logits=True,
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
    targets="binary",
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
    targets="class_indices",
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
    targets="class_indices",
    logits_equivalent="CrossEntropyLoss",
)
loss(
    key="MultiMarginLoss",
    label="MultiMarginLoss — multi-class hinge (SVM) loss",
    explanation=(
        "Classification the support-vector-machine way: one raw score per class "
        "(no Softmax), and the right class's score should beat every other one "
        "by at least the margin. Scores that already do cost nothing."
    ),
    params=(
        Param(
            "p",
            "choice",
            1,
            "1 for the usual hinge, 2 for the squared hinge (punishes big "
            "misses more).",
            choices=(1, 2),
        ),
        Param(
            "margin",
            "float",
            1.0,
            "How far the right class's score should lead the others.",
            minimum=0.0,
            exclusive_min=True,
            step=0.1,
        ),
    ),
    tasks=_CLASSES,
    expects="logits",
    targets="class_indices",
)
