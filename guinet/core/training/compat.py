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

Nothing here knows a loss or a layer by name: the check reads the
declarations. A loss (:data:`~.losses.LOSSES`) says which ``tasks`` it fits,
what it ``expects`` from the model and which ``targets`` it takes; a final
layer (:data:`~guinet.core.layers.LAYERS`) says what it ``produces``; the
rewrites above follow from ``logits_equivalent`` and ``train_on_logits``
(BCELoss → BCEWithLogitsLoss; NLLLoss → CrossEntropyLoss, which therefore
applies softmax itself). The run's metric is the task's default in
:data:`~.metrics.METRICS`. Loss names in messages are advice only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from guinet.core.layers import LAYERS, Produces
from guinet.core.model import ModelSpec, format_shape
from guinet.core.training.catalog import ComponentSpec
from guinet.core.training.errors import CompatibilityError
from guinet.core.training.losses import EXPECTS, LOSSES, probability_form
from guinet.core.training.metrics import default_metric

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
        #: What the final layer turns raw scores into; ``None``: raw scores.
        self.produces: Produces | None = model.layers[-1].layer_type.produces
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
        key = self.loss.type
        if len(self.out) != 1:
            raise CompatibilityError(
                f"the model's output is shaped {format_shape(self.out)}, but {key} "
                "needs one row of outputs per sample: add Flatten and then "
                f"Linear(out_features={self._wanted()}) at the end",
                self.last,
            )
        self._check_task()
        targets = self.declared.targets
        if targets == "binary":
            return self._binary()
        if targets == "class_indices":
            return self._classes()
        return self._values()

    def _check_task(self) -> None:
        key, task, tasks = self.loss.type, self.task, self.declared.tasks
        if task in tasks:
            return
        if task == "regression":
            raise CompatibilityError(
                f"{key} needs class labels, but the targets are numbers "
                "(regression): use MSELoss or L1Loss, or set the data task to "
                "binary or multiclass if the target holds categories",
                self.last,
            )
        if "regression" in tasks:
            raise CompatibilityError(
                f"{key} is a loss for predicting numbers, but the target holds "
                f"{self._classes_text()}: {self._class_loss_fix()}, or set the "
                "data task to regression if the target really is a number",
                self.last,
            )
        if task == "multiclass":
            raise CompatibilityError(
                f"{key} is for two classes, but the data has {self._classes_text()}: "
                f"use CrossEntropyLoss with Linear(out_features={self.n}) at the end",
                self.last,
            )
        raise CompatibilityError(
            f"{key} is for more than two classes, but the data has "
            f"{self._classes_text()}: {self._class_loss_fix()}",
            self.last,
        )

    def _binary(self) -> LossPlan:
        """One output, the chance of class 1 (BCELoss, BCEWithLogitsLoss)."""
        key, declared, final, produces = (
            self.loss.type,
            self.declared,
            self.final,
            self.produces,
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
        applies = probability_form(key) is not None
        if produces is not None and produces.over_outputs:
            if declared.expects != "logits":
                fix = f"replace the final {final} with {self._activation()}"
            elif applies:
                fix = f"remove the final {final} (the loss applies the sigmoid)"
            else:
                fix = f"remove the final {final}"
            raise CompatibilityError(
                f"{final} over one output is always the same number: {fix}",
                self.last,
            )
        if declared.expects != "logits":
            if not self._final_gives_what_the_loss_expects():
                other = declared.logits_equivalent
                raise CompatibilityError(
                    f"{key} needs {EXPECTS[declared.expects]}, but the model "
                    f"ends with {final}: add a {self._activation()} layer at the "
                    "end" + (f", or use {other}" if other else ""),
                    self.last,
                )
            return self._planned(self._logits_rewrite())
        if produces is None:
            return self._planned()
        if not applies:
            raise CompatibilityError(
                f"{key} takes a raw score, but the model ends with {final}: "
                f"remove the final {final}",
                self.last,
            )
        return self._planned(
            drop_final=True,
            note=(
                f"{key} applies the sigmoid itself, so the final {final} "
                "is left out while training; predictions still apply it."
            ),
        )

    def _classes(self) -> LossPlan:
        """One output per class, class-index targets (CrossEntropyLoss, NLLLoss)."""
        key, declared, final, produces = (
            self.loss.type,
            self.declared,
            self.final,
            self.produces,
        )
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
        if declared.expects != "logits":
            if self._final_gives_what_the_loss_expects():
                return self._planned(self._logits_rewrite())
            wanted, other = self._activation(), declared.logits_equivalent
            needs = EXPECTS[declared.expects]
            if produces is not None and produces.over_outputs:
                raise CompatibilityError(
                    f"{key} needs {needs}, but the model ends with {final}: "
                    f"replace it with {wanted}"
                    + (f", or remove it and use {other}" if other else ""),
                    self.last,
                )
            raise CompatibilityError(
                f"{key} needs {needs}: add {wanted} as the last layer"
                + (f", or use {other} ({wanted} and {key} in one)" if other else ""),
                self.last,
            )
        if produces is None:
            return self._planned()
        if not (produces.over_outputs and probability_form(key) is not None):
            raise CompatibilityError(
                f"{key} takes one raw score per class, but the model ends "
                f"with {final}: remove the final {final}",
                self.last,
            )
        return self._planned(
            drop_final=True,
            note=(
                f"{key} applies softmax itself, so the final {final} "
                "is left out while training (applying it twice slows learning); "
                "predictions still apply it. You can remove it."
            ),
        )

    def _values(self) -> LossPlan:
        """Numbers, one per output (MSELoss, L1Loss, …)."""
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
        if units == 1 and self.produces is not None and self.produces.over_outputs:
            raise CompatibilityError(
                f"{self.final} over one output is always the same number: remove "
                f"the final {self.final}",
                self.last,
            )
        return self._planned()

    # -- declarations read -------------------------------------------------------
    def _final_gives_what_the_loss_expects(self) -> bool:
        return self.produces == Produces(self.declared.expects, self.declared.targets)

    def _activation(self) -> str:
        """The final layer that gives what the loss expects (Sigmoid for BCELoss)."""
        wanted = Produces(self.declared.expects, self.declared.targets)
        for key, declared in LAYERS.items():
            if declared.produces == wanted:
                return key
        raise AssertionError(f"no layer produces what {self.loss.type} expects")

    def _logits_rewrite(self) -> tuple[ComponentSpec, str] | None:
        """The loss to train instead, and why, when the loss asks for it."""
        declared = self.declared
        if not declared.train_on_logits:
            return None
        other = LOSSES[declared.logits_equivalent]
        names = {p.name for p in other.params}
        params = {k: v for k, v in self.loss.params.items() if k in names}
        note = (
            f"{self.final} + {self.loss.type} is trained as {other.key} on the raw "
            "scores (the same loss, without rounding trouble near 0 and 1); "
            f"predictions still apply the {self.final}."
        )
        return ComponentSpec(other.key, params), note

    def _planned(
        self,
        rewrite: tuple[ComponentSpec, str] | None = None,
        *,
        drop_final: bool = False,
        note: str = "",
    ) -> LossPlan:
        """The plan: the declared decision, the task's metric, the notes."""
        loss = self.loss
        if rewrite is not None:
            loss, note = rewrite
            drop_final = True
        return LossPlan(
            loss,
            drop_final,
            self.declared.targets == "class_indices" and self.task == "binary",
            default_metric(self.task),
            self.declared.decision,
            (note,) if note else (),
        )

    # -- wording -----------------------------------------------------------------
    def _wanted(self) -> int:
        """How many outputs the data needs (two for two classes as indices)."""
        if self.task == "binary" and self.declared.targets == "class_indices":
            return 2
        return self.n

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
