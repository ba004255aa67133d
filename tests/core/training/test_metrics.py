"""The metric catalogue: each metric declared once, computed on the device, and
a new one is logged, printed and monitored without touching the engine."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch

from guinet.core.data import DataTensors
from guinet.core.training import Trainer
from guinet.core.training.build import Metric
from guinet.core.training.early_stopping import resolve_mode
from guinet.core.training.metrics import (
    METRICS,
    MetricType,
    default_metric,
    metric_mode,
)
from guinet.core.training.reporting import format_epoch


def test_the_catalogue_declares_accuracy_and_mae() -> None:
    assert list(METRICS) == ["accuracy", "mae"]
    accuracy, mae = METRICS["accuracy"], METRICS["mae"]
    assert (accuracy.mode, accuracy.per, set(accuracy.tasks)) == (
        "max",
        "sample",
        {"binary", "multiclass"},
    )
    assert (mae.mode, mae.per, mae.tasks) == ("min", "value", ("regression",))
    for declared in METRICS.values():
        assert declared.label and declared.help.endswith(".")


def test_each_task_has_a_default_metric() -> None:
    assert default_metric("binary") == "accuracy"
    assert default_metric("multiclass") == "accuracy"
    assert default_metric("regression") == "mae"
    with pytest.raises(KeyError, match="no metric"):
        default_metric("ranking")


@pytest.mark.parametrize(
    "name",
    ["val_accuracy", "accuracy", "val_loss", "loss", "val_mae", "mae", "lr", "x"],
)
def test_metric_mode_agrees_with_early_stoppings_auto_mode(name: str) -> None:
    assert metric_mode(name) == resolve_mode("auto", name)


def test_a_duplicate_metric_raises() -> None:
    with pytest.raises(KeyError, match="already registered"):
        METRICS.register("mae", METRICS["mae"])


@pytest.mark.parametrize(
    ("changes", "message"),
    [({"mode": "up"}, "mode"), ({"per": "row"}, "per"), ({"tasks": ()}, "tasks")],
)
def test_a_bad_metric_declaration_is_refused(
    changes: dict[str, object], message: str
) -> None:
    fields: dict[str, object] = {
        "key": "bad",
        "label": "Bad",
        "help": "Bad.",
        "tasks": ("regression",),
        "mode": "min",
        "total": lambda out, y, decision: out.sum(),
        **changes,
    }
    with pytest.raises(ValueError, match=message):
        MetricType(**fields)  # type: ignore[arg-type]


def test_an_unknown_metric_name_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown metric 'r2'; known: accuracy"):
        Metric("r2")


# -- computed on the device, as sums --------------------------------------------
def test_accuracy_by_threshold_and_by_argmax() -> None:
    scores = torch.tensor([[2.0], [-1.0], [0.5], [-3.0]])
    labels = torch.tensor([[1.0], [0.0], [0.0], [1.0]])
    metric = Metric("accuracy", "threshold")
    total = metric.total(scores, labels)
    assert isinstance(total, torch.Tensor) and total.item() == 2
    assert metric.count(labels) == 4
    logits = torch.tensor([[0.1, 2.0, 0.3], [5.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    indices = torch.tensor([1, 0, 0])
    assert Metric("accuracy", "argmax").total(logits, indices).item() == 2
    assert Metric("accuracy").count(indices) == 3


def test_mae_is_summed_over_every_target_value() -> None:
    out = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    y = torch.tensor([[1.5, 2.0], [2.0, 4.0]])
    metric = Metric("mae", "none")
    assert metric.total(out, y).item() == pytest.approx(1.5)
    assert metric.count(y) == 4


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_a_metric_stays_on_the_gpu() -> None:
    out = torch.randn(8, 3, device="cuda")
    y = torch.randint(0, 3, (8,), device="cuda")
    assert Metric("accuracy").total(out, y).device.type == "cuda"


# -- a new metric needs no change anywhere else -----------------------------------
def _squared_error(out: torch.Tensor, y: torch.Tensor, decision: str) -> torch.Tensor:
    return (out - y).square().sum()


@pytest.fixture
def mse() -> Iterator[MetricType]:
    declared = METRICS.register(
        "mse",
        MetricType(
            key="mse",
            label="Mean squared error",
            help="Average squared distance between prediction and target.",
            tasks=("regression",),
            mode="min",
            total=_squared_error,
            per="value",
            digits=5,
        ),
    )
    yield declared
    METRICS.unregister("mse")


def _regression_trainer(metric: Metric) -> Trainer:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(40, 3, generator=g)
    y = torch.cat([x.sum(dim=1, keepdim=True), x[:, :1]], dim=1)
    data = DataTensors(x[:24], y[:24], x[24:32], y[24:32], x[32:], y[32:])
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    return Trainer(
        model,
        torch.nn.MSELoss(),
        torch.optim.SGD(model.parameters(), lr=0.05),
        data,
        batch_size=8,
        epochs=2,
        metric=metric,
    )


def test_a_new_metric_is_logged_printed_and_monitored(mse: MetricType) -> None:
    trainer = _regression_trainer(Metric("mse", "none"))
    history = trainer.fit()
    assert len(history["mse"]) == len(history["val_mse"]) == 2
    # Averaged over every target value, so it equals the MSE loss itself.
    assert history["val_mse"][-1] == pytest.approx(history["val_loss"][-1], rel=1e-5)
    logs = trainer.evaluate(trainer.data.x_test, trainer.data.y_test)
    assert logs["mse"] == pytest.approx(logs["loss"], rel=1e-5)
    line = format_epoch({"epoch": 1, "loss": 0.5, "mse": 0.25, "val_mse": 0.125}, 2)
    assert "mse 0.25000  val_mse 0.12500" in line
    assert metric_mode("val_mse") == "min"
