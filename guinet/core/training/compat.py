"""Do the loss, the model's last layers and the data fit together?

:func:`plan_loss` answers before any training starts. A combination that can
never work raises :class:`CompatibilityError` with the fix. A combination
whose meaning is clear but numerically poor is trained the sound way and
explained in :attr:`LossPlan.notes`:

* ``Sigmoid`` + ``BCELoss`` trains the raw scores with ``BCEWithLogitsLoss``;
* ``Softmax`` (or ``LogSoftmax``) + ``CrossEntropyLoss`` trains without the
  final layer, since the loss applies softmax itself;
* ``Sigmoid`` + ``BCEWithLogitsLoss`` trains without the Sigmoid.

In each case the final layer is only left out of the *trained* graph; the
model still applies it when it predicts. torch is not imported here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from guinet.core.model import ModelSpec, format_shape
from guinet.core.training.catalog import ComponentSpec
from guinet.core.training.errors import CompatibilityError
from guinet.core.training.losses import LOSSES

if TYPE_CHECKING:
    import torch

    from guinet.core.data import PreparedData


@dataclass(frozen=True)
class LossPlan:
    """How to train: the loss actually used and what to do around it.

    ``drop_final``: train without the model's last layer (an activation the
    loss applies itself). ``class_indices``: turn 0/1 float targets into int64
    class indices (two-class data with a two-output CrossEntropyLoss).
    ``metric`` is ``accuracy`` or ``mae``; ``decision`` says how a trained
    output becomes a class: ``threshold`` (raw score > 0), ``argmax`` or
    ``none`` (regression).
    """

    loss: ComponentSpec
    drop_final: bool = False
    class_indices: bool = False
    metric: str = "accuracy"
    decision: str = "argmax"
    notes: tuple[str, ...] = field(default_factory=tuple)

    def build_loss(self) -> torch.nn.Module:
        declared = LOSSES[self.loss.type]
        return declared.torch_class()(**declared.arguments(self.loss.params))


def plan_for_data(
    model: ModelSpec, loss: ComponentSpec, data: PreparedData
) -> LossPlan:
    """:func:`plan_loss` with the facts of prepared data."""
    return plan_loss(
        model, loss, data.task, data.n_outputs, data.class_names, data.target_names
    )


def plan_loss(
    model: ModelSpec,
    loss: ComponentSpec,
    task: str,
    n_outputs: int,
    class_names: Sequence[str] = (),
    target_names: Sequence[str] = (),
) -> LossPlan:
    """Check ``loss`` against ``model``'s output and the data's ``task``.

    ``n_outputs`` is what the data needs: the number of classes for
    multiclass, 1 for binary, the number of target columns for regression.
    The model must be valid (see :meth:`ModelSpec.analyze`).
    """
    return _Checker(model, loss, task, n_outputs, class_names, target_names).plan()


class _Checker:
    def __init__(
        self,
        model: ModelSpec,
        loss: ComponentSpec,
        task: str,
        n_outputs: int,
        class_names: Sequence[str],
        target_names: Sequence[str],
    ) -> None:
        analysis = model.analyze()
        out = analysis.output_shape if analysis.ok else None
        if out is None or not len(model.layers):
            raise CompatibilityError(
                "the model is not complete yet; fix the layer stack first"
            )
        self.out: tuple[int, ...] = out
        self.types = [spec.type for spec in model.layers]
        self.final = self.types[-1]
        self.last = len(self.types) - 1
        linears = [i for i, t in enumerate(self.types) if t == "Linear"]
        self.last_linear = linears[-1] if linears else None
        self.loss = loss
        self.declared = LOSSES[loss.type]
        self.task = task
        self.n = n_outputs
        self.class_names = list(class_names)
        self.target_names = list(target_names)

    # -- the checks, in the order a person would fix them -------------------------
    def plan(self) -> LossPlan:
        key, task = self.loss.type, self.task
        if len(self.out) != 1:
            raise CompatibilityError(
                f"the model's output is shaped {format_shape(self.out)}, but {key} "
                "needs one row of outputs per sample: add Flatten and then "
                f"Linear(out_features={self._wanted()}) at the end",
                self.last,
            )
        classes = task in ("binary", "multiclass")
        if self.declared.regression and classes:
            raise CompatibilityError(
                f"{key} is a loss for predicting numbers, but the target holds "
                f"{self._classes_text()}: {self._class_loss_fix()}, or set the "
                "data task to regression if the target really is a number",
                self.last,
            )
        if not self.declared.regression and not classes:
            raise CompatibilityError(
                f"{key} needs class labels, but the targets are numbers "
                "(regression): use MSELoss or L1Loss, or set the data task to "
                "binary or multiclass if the target holds categories",
                self.last,
            )
        if key in ("BCELoss", "BCEWithLogitsLoss"):
            return self._binary()
        if key in ("CrossEntropyLoss", "NLLLoss"):
            return self._classes()
        return self._regression()

    def _binary(self) -> LossPlan:
        key = self.loss.type
        if self.task == "multiclass":
            raise CompatibilityError(
                f"{key} is for two classes, but the data has {self._classes_text()}: "
                f"use CrossEntropyLoss with Linear(out_features={self.n}) at the end",
                self.last,
            )
        units = self.out[0]
        if units != 1:
            raise CompatibilityError(
                f"{key} needs one output (the chance of "
                f"{self._positive()!r}), but the model ends with {units}: set the "
                "last Linear's out_features to 1"
                + (
                    ", or keep 2 outputs and use CrossEntropyLoss" if units == 2 else ""
                ),
                self.last_linear,
            )
        notes: list[str] = []
        if self.final in ("Softmax", "LogSoftmax"):
            fix = (
                f"replace the final {self.final} with Sigmoid"
                if key == "BCELoss"
                else f"remove the final {self.final} (the loss applies the sigmoid)"
            )
            raise CompatibilityError(
                f"{self.final} over one output is always the same number: {fix}",
                self.last,
            )
        if key == "BCELoss":
            if self.final != "Sigmoid":
                raise CompatibilityError(
                    "BCELoss needs probabilities between 0 and 1, but the model "
                    f"ends with {self.final}: add a Sigmoid layer at the end, or "
                    "use BCEWithLogitsLoss",
                    self.last,
                )
            notes.append(
                "Sigmoid + BCELoss is trained as BCEWithLogitsLoss on the raw "
                "scores (the same loss, without rounding trouble near 0 and 1); "
                "predictions still apply the Sigmoid."
            )
            loss = ComponentSpec("BCEWithLogitsLoss", {})
            return LossPlan(loss, True, False, "accuracy", "threshold", tuple(notes))
        drop = self.final == "Sigmoid"
        if drop:
            notes.append(
                "BCEWithLogitsLoss applies the sigmoid itself, so the final Sigmoid "
                "is left out while training; predictions still apply it."
            )
        return LossPlan(self.loss, drop, False, "accuracy", "threshold", tuple(notes))

    def _classes(self) -> LossPlan:
        key = self.loss.type
        n_classes = 2 if self.task == "binary" else self.n
        units = self.out[0]
        if units != n_classes:
            names = self._names_text()
            if units == 1:
                fix = f"set the last Linear's out_features to {n_classes}"
                if n_classes == 2:
                    fix += ", or keep one output and use BCEWithLogitsLoss"
                raise CompatibilityError(
                    f"the model ends with one output unit, but {key} needs one per "
                    f"class and the data has {n_classes} classes{names}: {fix}",
                    self.last_linear,
                )
            raise CompatibilityError(
                f"the model ends with {units} outputs, but the data has "
                f"{n_classes} classes{names}: set the last Linear's out_features "
                f"to {n_classes}",
                self.last_linear,
            )
        binary = self.task == "binary"
        if key == "NLLLoss":
            if self.final == "LogSoftmax":
                return LossPlan(self.loss, False, binary, "accuracy", "argmax")
            if self.final == "Softmax":
                raise CompatibilityError(
                    "NLLLoss needs log-probabilities, but the model ends with "
                    "Softmax: replace it with LogSoftmax, or remove it and use "
                    "CrossEntropyLoss",
                    self.last,
                )
            raise CompatibilityError(
                "NLLLoss needs log-probabilities: add LogSoftmax as the last layer, "
                "or use CrossEntropyLoss (LogSoftmax and NLLLoss in one)",
                self.last,
            )
        if self.final == "Sigmoid":
            raise CompatibilityError(
                "CrossEntropyLoss takes one raw score per class, but the model ends "
                "with Sigmoid: remove the final Sigmoid",
                self.last,
            )
        notes: tuple[str, ...] = ()
        drop = self.final in ("Softmax", "LogSoftmax")
        if drop:
            notes = (
                f"CrossEntropyLoss applies softmax itself, so the final {self.final} "
                "is left out while training (applying it twice slows learning); "
                "predictions still apply it. You can remove it.",
            )
        return LossPlan(self.loss, drop, binary, "accuracy", "argmax", notes)

    def _regression(self) -> LossPlan:
        units = self.out[0]
        if units != self.n:
            targets = f" ({', '.join(self.target_names)})" if self.target_names else ""
            plural = "s" if self.n != 1 else ""
            raise CompatibilityError(
                f"the data has {self.n} target{plural}{targets}, but the model ends "
                f"with {units} output{'s' if units != 1 else ''}: set the last "
                f"Linear's out_features to {self.n}",
                self.last_linear,
            )
        if units == 1 and self.final in ("Softmax", "LogSoftmax"):
            raise CompatibilityError(
                f"{self.final} over one output is always the same number: remove "
                f"the final {self.final}",
                self.last,
            )
        return LossPlan(self.loss, False, False, "mae", "none")

    # -- wording -----------------------------------------------------------------
    def _wanted(self) -> int:
        return 1 if self.task == "binary" and "BCE" in self.loss.type else self.n

    def _classes_text(self) -> str:
        if self.task == "binary":
            return "two classes" + self._names_text()
        return f"{self.n} classes" + self._names_text()

    def _names_text(self) -> str:
        names = self.class_names
        if not names:
            return ""
        shown = ", ".join(names[:5]) + (", …" if len(names) > 5 else "")
        return f" ({shown})"

    def _class_loss_fix(self) -> str:
        if self.task == "binary":
            return (
                "use BCELoss after a final Sigmoid (or BCEWithLogitsLoss without it) "
                "on one output"
            )
        return f"use CrossEntropyLoss on Linear(out_features={self.n})"

    def _positive(self) -> Any:
        return self.class_names[1] if len(self.class_names) > 1 else "class 1"
