"""The loss check reads declarations: a loss it has never heard of is checked
by its ``tasks``, ``expects`` and ``targets``, and a final layer by what it
``produces``; the catalogues' declarations agree with each other."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import torch

from guinet.core.layers import LAYERS, Produces
from guinet.core.model import ModelSpec
from guinet.core.training import (
    LOSSES,
    CompatibilityError,
    ComponentSpec,
    LossType,
    fit_project,
    plan_loss,
)
from guinet.core.training.losses import EXPECTS, TARGETS, probability_form
from tests.core.training.helpers import make_project, mlp

IRIS = ["setosa", "versicolor", "virginica"]


class SquaredHingeLoss(torch.nn.MultiMarginLoss):
    """A classification loss no catalogue knows: one raw score per class."""

    def __init__(self) -> None:
        super().__init__(p=2)


class LogCoshLoss(torch.nn.Module):
    """A regression loss no catalogue knows: log(cosh(error)), averaged."""

    def forward(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return torch.log(torch.cosh(out - y)).mean()


def _declared(key: str, **kwargs: Any) -> LossType:
    return LossType(
        key=key,
        label=f"{key} — declared by a test",
        explanation="Only for these tests.",
        module=__name__,
        **kwargs,
    )


@pytest.fixture
def squared_hinge() -> Iterator[LossType]:
    declared = LOSSES.register(
        "SquaredHingeLoss",
        _declared(
            "SquaredHingeLoss",
            tasks=("binary", "multiclass"),
            expects="logits",
            targets="class_indices",
        ),
    )
    yield declared
    LOSSES.unregister(declared.key)


@pytest.fixture
def log_cosh() -> Iterator[LossType]:
    declared = LOSSES.register(
        "LogCoshLoss",
        _declared(
            "LogCoshLoss", tasks=("regression",), expects="values", targets="values"
        ),
    )
    yield declared
    LOSSES.unregister(declared.key)


def model(*layers: dict[str, Any], shape: int = 4) -> ModelSpec:
    return ModelSpec.from_dict({"input_shape": [shape], "layers": list(layers)})


def linear(n: int) -> dict[str, Any]:
    return {"type": "Linear", "out_features": n}


def plan(spec: ModelSpec, loss: str, task: str, n: int) -> Any:
    names = IRIS[:n] if task == "multiclass" else []
    return plan_loss(spec, ComponentSpec(loss), task, n, names, ["price"])


# -- a new classification loss is checked as one ----------------------------------
def test_a_new_classification_loss_is_refused_on_regression_data(
    squared_hinge: LossType,
) -> None:
    with pytest.raises(
        CompatibilityError,
        match="SquaredHingeLoss needs class labels, but the targets are numbers",
    ):
        plan(model(linear(1)), "SquaredHingeLoss", "regression", 1)


def test_a_new_classification_loss_wants_one_output_per_class(
    squared_hinge: LossType,
) -> None:
    with pytest.raises(CompatibilityError) as caught:
        plan(model(linear(1)), "SquaredHingeLoss", "multiclass", 3)
    assert str(caught.value) == (
        "the model ends with one output unit, but SquaredHingeLoss needs one per "
        "class and the data has 3 classes (setosa, versicolor, virginica): set the "
        "last Linear's out_features to 3"
    )
    assert caught.value.layer == 0


def test_a_new_classification_loss_plans_accuracy_by_argmax(
    squared_hinge: LossType,
) -> None:
    result = plan(model(linear(3)), "SquaredHingeLoss", "multiclass", 3)
    assert result.loss.type == "SquaredHingeLoss"
    assert (result.metric, result.decision) == ("accuracy", "argmax")
    assert not result.drop_final and not result.class_indices and not result.notes
    two = plan(model(linear(2)), "SquaredHingeLoss", "binary", 1)
    assert two.class_indices  # 0/1 targets become class indices


@pytest.mark.parametrize("final", ["Softmax", "Sigmoid"])
def test_a_probability_layer_before_a_loss_that_does_not_apply_it_is_refused(
    squared_hinge: LossType, final: str
) -> None:
    # Only a loss declared as some loss's logits_equivalent applies the
    # activation itself; this one would train on probabilities.
    with pytest.raises(
        CompatibilityError,
        match=f"SquaredHingeLoss takes one raw score per class, but the model ends "
        f"with {final}: remove the final {final}",
    ):
        plan(model(linear(3), {"type": final}), "SquaredHingeLoss", "multiclass", 3)


def test_a_new_classification_loss_trains(squared_hinge: LossType) -> None:
    result = fit_project(make_project(mlp(outputs=2), "SquaredHingeLoss", epochs=15))
    assert result.stop_reason == "completed"
    assert result.test["accuracy"] >= 0.85
    assert "val_accuracy" in result.history


# -- a new regression loss is checked as one -------------------------------------
def test_a_new_regression_loss_is_checked_as_regression(log_cosh: LossType) -> None:
    with pytest.raises(
        CompatibilityError, match="LogCoshLoss is a loss for predicting numbers"
    ):
        plan(model(linear(3)), "LogCoshLoss", "multiclass", 3)
    with pytest.raises(CompatibilityError, match="the data has 1 target \\(price\\)"):
        plan(model(linear(2)), "LogCoshLoss", "regression", 1)
    with pytest.raises(CompatibilityError, match="always the same number"):
        plan(model(linear(1), {"type": "Softmax"}), "LogCoshLoss", "regression", 1)
    result = plan(model(linear(1)), "LogCoshLoss", "regression", 1)
    assert (result.metric, result.decision) == ("mae", "none")
    assert not result.drop_final and not result.notes


# -- MultiMarginLoss, from the real catalogue -------------------------------------
def test_multi_margin_loss_is_a_classification_loss() -> None:
    with pytest.raises(CompatibilityError, match="one per class"):
        plan(model(linear(1)), "MultiMarginLoss", "multiclass", 3)
    with pytest.raises(CompatibilityError, match="remove the final Softmax"):
        plan(model(linear(3), {"type": "Softmax"}), "MultiMarginLoss", "multiclass", 3)
    result = plan(model(linear(3)), "MultiMarginLoss", "multiclass", 3)
    assert (result.metric, result.decision) == ("accuracy", "argmax")
    built = result.build_loss()
    assert isinstance(built, torch.nn.MultiMarginLoss)
    assert (built.p, built.margin) == (1, 1.0)


# -- what the declarations promise each other -------------------------------------
def test_every_loss_that_wants_an_activation_has_a_layer_giving_it() -> None:
    for declared in LOSSES.values():
        if declared.expects in ("probabilities", "log_probabilities"):
            wanted = Produces(declared.expects, declared.targets)
            assert any(t.produces == wanted for t in LAYERS.values()), declared.key


def test_a_logits_equivalent_is_a_logits_loss_for_the_same_targets() -> None:
    for declared in LOSSES.values():
        if not declared.logits_equivalent:
            continue
        other = LOSSES[declared.logits_equivalent]
        assert other.expects == "logits", declared.key
        assert other.targets == declared.targets, declared.key
        assert set(declared.tasks) <= set(other.tasks), declared.key
        assert probability_form(other.key) is declared


def test_one_output_probability_losses_train_on_raw_scores() -> None:
    # The threshold decision reads raw scores (> 0), so a binary loss on
    # probabilities must be trained as its logits form.
    for declared in LOSSES.values():
        if declared.targets == "binary" and declared.expects != "logits":
            assert declared.train_on_logits, declared.key


def test_final_layers_use_the_losses_words() -> None:
    producing = {key: t.produces for key, t in LAYERS.items() if t.produces}
    assert producing == {
        "Sigmoid": Produces("probabilities", "binary"),
        "Softmax": Produces("probabilities", "class_indices"),
        "LogSoftmax": Produces("log_probabilities", "class_indices"),
    }
    for produces in producing.values():
        assert produces.kind in EXPECTS and produces.targets in TARGETS


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"tasks": ("classification",)}, "unknown tasks"),
        ({"expects": "scores"}, "unknown expects"),
        ({"targets": "labels"}, "unknown targets"),
        ({"targets": "values"}, "numbers"),
        ({"train_on_logits": True}, "train_on_logits needs an equivalent"),
    ],
)
def test_a_bad_declaration_is_refused_when_made(
    changes: dict[str, Any], message: str
) -> None:
    fields: dict[str, Any] = {
        "tasks": ("binary",),
        "expects": "logits",
        "targets": "binary",
        **changes,
    }
    with pytest.raises(ValueError, match=message):
        _declared("BadLoss", **fields)
