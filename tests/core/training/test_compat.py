"""Loss, last layers and data: every mismatch has its message, auto-fixes train."""

from __future__ import annotations

from typing import Any

import pytest

from guinet.core.model import ModelSpec
from guinet.core.training import (
    CompatibilityError,
    ComponentSpec,
    fit_project,
    plan_loss,
)
from tests.core.training.helpers import make_project, mlp

IRIS = ["setosa", "versicolor", "virginica"]
MOONS = ["upper moon", "lower moon"]


def model(*layers: dict[str, Any], shape: int = 4) -> ModelSpec:
    return ModelSpec.from_dict({"input_shape": [shape], "layers": list(layers)})


def linear(n: int) -> dict[str, Any]:
    return {"type": "Linear", "out_features": n}


def plan(spec: ModelSpec, loss: str, task: str, n: int, **kwargs: Any) -> Any:
    names = IRIS[:n] if task == "multiclass" else MOONS if task == "binary" else []
    return plan_loss(spec, ComponentSpec(loss, kwargs), task, n, names, ["price"])


# -- what can never work -----------------------------------------------------------
@pytest.mark.parametrize(
    ("layers", "loss", "task", "n", "message", "layer"),
    [
        (
            [linear(1)],
            "CrossEntropyLoss",
            "multiclass",
            3,
            "the model ends with one output unit, but CrossEntropyLoss needs one per "
            "class and the data has 3 classes \\(setosa, versicolor, virginica\\): set "
            "the last Linear's out_features to 3",
            0,
        ),
        (
            [linear(4)],
            "CrossEntropyLoss",
            "multiclass",
            3,
            "the model ends with 4 outputs, but the data has 3 classes",
            0,
        ),
        (
            [linear(1)],
            "CrossEntropyLoss",
            "binary",
            1,
            "or keep one output and use BCEWithLogitsLoss",
            0,
        ),
        (
            [linear(1)],
            "BCELoss",
            "binary",
            1,
            "BCELoss needs probabilities between 0 and 1, but the model ends with "
            "Linear: add a Sigmoid layer at the end, or use BCEWithLogitsLoss",
            0,
        ),
        (
            [linear(2), {"type": "Sigmoid"}],
            "BCELoss",
            "binary",
            1,
            "BCELoss needs one output \\(the chance of 'lower moon'\\), but the model "
            "ends with 2: set the last Linear's out_features to 1, or keep 2 outputs "
            "and use CrossEntropyLoss",
            0,
        ),
        (
            [linear(3), {"type": "Sigmoid"}],
            "BCELoss",
            "multiclass",
            3,
            "BCELoss is for two classes, but the data has 3 classes",
            1,
        ),
        (
            [linear(1), {"type": "Softmax"}],
            "BCEWithLogitsLoss",
            "binary",
            1,
            "Softmax over one output is always the same number",
            1,
        ),
        (
            [linear(3)],
            "NLLLoss",
            "multiclass",
            3,
            "NLLLoss needs log-probabilities: add LogSoftmax as the last layer, or "
            "use CrossEntropyLoss",
            0,
        ),
        (
            [linear(3), {"type": "Softmax"}],
            "NLLLoss",
            "multiclass",
            3,
            "replace it with LogSoftmax",
            1,
        ),
        (
            [linear(3), {"type": "Sigmoid"}],
            "CrossEntropyLoss",
            "multiclass",
            3,
            "remove the final Sigmoid",
            1,
        ),
        (
            [linear(3)],
            "MSELoss",
            "multiclass",
            3,
            "MSELoss is a loss for predicting numbers, but the target holds 3 "
            "classes .*: use CrossEntropyLoss on Linear\\(out_features=3\\), or set "
            "the data task to regression",
            0,
        ),
        (
            [linear(1), {"type": "Sigmoid"}],
            "L1Loss",
            "binary",
            1,
            "L1Loss is a loss for predicting numbers, but the target holds two "
            "classes .*: use BCELoss after a final Sigmoid",
            1,
        ),
        (
            [linear(1)],
            "CrossEntropyLoss",
            "regression",
            1,
            "CrossEntropyLoss needs class labels, but the targets are numbers "
            "\\(regression\\): use MSELoss or L1Loss",
            0,
        ),
        (
            [linear(1)],
            "BCEWithLogitsLoss",
            "regression",
            1,
            "needs class labels, but the targets are numbers",
            0,
        ),
        (
            [linear(3)],
            "MSELoss",
            "regression",
            1,
            "the data has 1 target \\(price\\), but the model ends with 3 outputs: "
            "set the last Linear's out_features to 1",
            0,
        ),
        (
            [
                {"type": "Unflatten", "unflattened_size": [1, 2, 2]},
                {"type": "Conv2d", "out_channels": 2, "kernel_size": 1},
            ],
            "CrossEntropyLoss",
            "multiclass",
            3,
            "the model's output is shaped \\(2, 2, 2\\), but CrossEntropyLoss needs "
            "one row of outputs per sample: add Flatten and then "
            "Linear\\(out_features=3\\)",
            1,
        ),
    ],
)
def test_a_mismatch_says_what_to_change(
    layers: list[dict[str, Any]],
    loss: str,
    task: str,
    n: int,
    message: str,
    layer: int,
) -> None:
    with pytest.raises(CompatibilityError, match=message) as caught:
        plan(model(*layers), loss, task, n)
    assert caught.value.layer == layer


def test_an_invalid_model_is_reported_before_the_loss() -> None:
    with pytest.raises(CompatibilityError, match="fix the layer stack first"):
        plan(ModelSpec.from_dict({"layers": [linear(2)]}), "MSELoss", "regression", 2)


# -- what is clear enough to fix -------------------------------------------------
def test_sigmoid_and_bce_train_as_logits() -> None:
    result = plan(model(linear(1), {"type": "Sigmoid"}), "BCELoss", "binary", 1)
    assert result.loss.type == "BCEWithLogitsLoss"
    assert result.drop_final and result.decision == "threshold"
    assert "trained as BCEWithLogitsLoss" in result.notes[0]


@pytest.mark.parametrize("final", ["Softmax", "LogSoftmax"])
def test_softmax_before_cross_entropy_is_left_out(final: str) -> None:
    result = plan(
        model(linear(3), {"type": final}),
        "CrossEntropyLoss",
        "multiclass",
        3,
        label_smoothing=0.1,
    )
    assert result.loss.to_dict() == {
        "type": "CrossEntropyLoss",
        "label_smoothing": 0.1,
    }
    assert result.drop_final and not result.class_indices
    assert f"the final {final} is left out while training" in result.notes[0]


def test_sigmoid_before_bce_with_logits_is_left_out() -> None:
    result = plan(
        model(linear(1), {"type": "Sigmoid"}), "BCEWithLogitsLoss", "binary", 1
    )
    assert result.drop_final and result.notes


def test_plain_pairings_need_no_notes() -> None:
    cases = [
        (model(linear(3)), "CrossEntropyLoss", "multiclass", 3),
        (model(linear(3), {"type": "LogSoftmax"}), "NLLLoss", "multiclass", 3),
        (model(linear(1)), "BCEWithLogitsLoss", "binary", 1),
        (model(linear(1)), "HuberLoss", "regression", 1),
    ]
    for spec, loss, task, n in cases:
        result = plan(spec, loss, task, n)
        assert not result.notes and not result.drop_final, loss


def test_two_outputs_with_cross_entropy_on_two_classes_use_class_indices() -> None:
    result = plan(model(linear(2)), "CrossEntropyLoss", "binary", 1)
    assert result.class_indices and result.decision == "argmax"


@pytest.mark.parametrize(
    ("tail", "outputs", "loss"),
    [
        ([{"type": "Sigmoid"}], 1, "BCELoss"),
        ([{"type": "Softmax"}], 2, "CrossEntropyLoss"),
        ([{"type": "LogSoftmax"}], 2, "NLLLoss"),
    ],
)
def test_the_fixed_pairings_train_and_predict_with_the_final_layer(
    tail: list[dict[str, Any]], outputs: int, loss: str
) -> None:
    project = make_project(mlp(*tail, outputs=outputs), loss, epochs=15)
    result = fit_project(project)
    assert result.stop_reason == "completed"
    assert result.history["val_accuracy"][-1] >= 0.85  # type: ignore[operator]
    assert result.test["accuracy"] >= 0.85
    # The returned model still ends with the final layer the person designed.
    assert type(result.model[-1]).__name__ == tail[0]["type"]
    if loss != "NLLLoss":
        assert result.notes
