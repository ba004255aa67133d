"""Teaching hints: each fires on its case, with numbers and a fix, and is
silent on a clean model and a clean run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from guinet.core import hints, weight_hints
from guinet.core.project import Project
from guinet.core.session import Session
from guinet.core.training.snapshots import WeightSnapshots

MOONS = {
    "source": {"kind": "builtin", "name": "moons", "samples": 200, "noise": 0.1},
    "split": {"validation": 0.25, "test": 0.25, "seed": 0},
}
CLEAN = [
    {"type": "Linear", "out_features": 8},
    {"type": "ReLU"},
    {"type": "Linear", "out_features": 1},
]


def session_for(
    layers: list[dict[str, Any]], data: dict[str, Any] | None = None, **training: Any
) -> Session:
    raw = {
        "guinet": 1,
        "data": data or MOONS,
        "model": {"layers": layers},
        "training": {"epochs": 3, "device": "cpu", "checkpoint": None, **training},
    }
    session = Session(Project.from_dict(raw))
    session.prepare_data()
    return session


def keys(found: list[hints.Hint]) -> list[str]:
    return [h.key for h in found]


# -- before a run ----------
def test_a_clean_model_on_scaled_data_has_no_hints() -> None:
    assert hints.model_hints(session_for(CLEAN)) == []


def test_two_linear_layers_in_a_row_collapse_and_the_fix_inserts_a_relu() -> None:
    session = session_for(
        [
            {"type": "Linear", "out_features": 8},
            {"type": "Dropout", "p": 0.1},
            {"type": "Linear", "out_features": 4},
            {"type": "ReLU"},
            {"type": "Linear", "out_features": 1},
        ]
    )
    (found,) = hints.model_hints(session)
    assert found.key == "hint.linear_collapse.0" and found.concept == "activation"
    assert "Layers 1 and 3 (Linear 8 then Linear 4)" in found.message
    assert found.fix is not None
    session.apply(found.fix)
    types = [layer.type for layer in session.project.model.layers]
    assert types[:3] == ["Linear", "ReLU", "Dropout"]
    assert hints.model_hints(session) == []


def test_unscaled_features_of_very_different_ranges(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    rows = ["income,age,label"] + [
        f"{rng.uniform(20_000, 90_000):.0f},{rng.uniform(0.2, 0.9):.3f},{i % 2}"
        for i in range(80)
    ]
    (tmp_path / "people.csv").write_text("\n".join(rows))
    data = {
        "source": {"kind": "csv", "path": str(tmp_path / "people.csv")},
        "target": "label",
        "scaling": "none",
    }
    session = session_for(CLEAN, data)
    (found,) = hints.model_hints(session)
    assert found.key == "hint.scaling"
    assert "'income' spans" in found.message and "'age' only" in found.message
    ratio = float(found.message.split("differ ")[1].split("×")[0].replace(",", ""))
    assert ratio > 10_000
    assert found.fix is not None
    session.apply(found.fix)
    assert session.project.data is not None
    assert session.project.data.scaling == "standard"
    session.prepare_data()
    assert hints.model_hints(session) == []


def test_a_model_far_larger_than_its_data() -> None:
    big = [
        {"type": "Linear", "out_features": 256},
        {"type": "ReLU"},
        {"type": "Linear", "out_features": 256},
        {"type": "ReLU"},
        {"type": "Linear", "out_features": 1},
    ]
    session = session_for(big, early_stopping={"enabled": False})
    (found,) = hints.model_hints(session)
    assert found.key == "hint.model_size"
    assert "66,817 weights for 100 training rows" in found.message
    assert found.fix is not None and found.fix.label == "Turn on early stopping"
    assert hints.size_hints(5_000, 1_000, True) == []


# -- dismissing ----------
def test_a_dismissed_hint_stays_dismissed_after_saving_and_reopening(
    tmp_path: Path,
) -> None:
    session = session_for([{"type": "Linear", "out_features": 4}, *CLEAN])
    (found,) = hints.shown(session.project, hints.model_hints(session))
    session.apply(hints.dismiss_fix(session.project, found))
    assert hints.shown(session.project, hints.model_hints(session)) == []
    path = session.project.save(tmp_path / "lesson.guinet")
    reopened = Project.load(path)
    assert reopened.to_dict()["hints"] == {"dismissed": ["hint.linear_collapse.0"]}
    again = Session(reopened)
    again.prepare_data()
    assert hints.shown(reopened, hints.model_hints(again)) == []
    assert Project.from_dict({"guinet": 1}).value("hints") is not None  # UNSET


# -- the curves ----------
def watch(
    losses: list[float], vals: list[float] | None = None, **training: Any
) -> list[str]:
    watcher = hints.CurveWatch(session_for(CLEAN, **training).project)
    fired: list[str] = []
    for i, loss in enumerate(losses):
        logs = {"epoch": i + 1, "loss": loss}
        if vals is not None:
            logs["val_loss"] = vals[i]
        fired += keys(watcher.update(logs))
    return fired


def test_a_healthy_curve_gives_no_hint() -> None:
    losses = [0.7 * 0.85**i + 0.05 for i in range(30)]
    assert watch(losses, [v * 1.05 for v in losses]) == []


def test_a_noisy_validation_loss_below_the_training_loss_is_not_overfitting() -> None:
    losses = [0.64, 0.59, 0.48, 0.41, 0.34, 0.33, 0.31, 0.3]
    vals = [0.09, 0.046, 0.099, 0.156, 0.151, 0.073, 0.058, 0.06]
    assert watch(losses, vals, early_stopping={"enabled": False}) == []
    # 16 validation rows: it wobbles around the training loss, no trend yet
    losses = [0.59, 0.4, 0.4, 0.34, 0.31, 0.31, 0.29, 0.26, 0.24, 0.22]
    vals = [0.27, 0.42, 0.17, 0.16, 0.28, 0.37, 0.29, 0.22, 0.23, 0.29]
    assert watch(losses, vals, early_stopping={"enabled": False}) == []


def test_a_loss_that_grows_in_the_first_epochs_means_a_learning_rate_too_high() -> None:
    watcher = hints.CurveWatch(
        session_for(CLEAN, optimizer={"type": "SGD", "lr": 5.0}).project
    )
    assert watcher.update({"loss": 0.7}) == []
    (found,) = watcher.update({"loss": 4.0})
    assert found.key == "hint.lr_high"
    assert "0.7 after epoch 1, 4 after epoch 2" in found.message
    assert found.fix is not None and found.fix.label == "Lower the learning rate to 0.5"
    assert watcher.update({"loss": 9.0}) == []  # once a run


def test_a_loss_that_does_not_move_means_a_learning_rate_too_low() -> None:
    fired = watch([0.6931, 0.6930, 0.6930, 0.6929, 0.6929, 0.6928, 0.6928])
    assert fired == ["hint.lr_low"]


def test_validation_loss_rising_while_training_loss_falls_is_overfitting() -> None:
    losses = [0.6 * 0.8**i for i in range(16)]
    vals = [0.6, 0.5, 0.42, 0.4, 0.41, 0.43, 0.45, 0.48, 0.5, 0.55] + [0.6] * 6
    watcher = hints.CurveWatch(
        session_for(CLEAN, early_stopping={"enabled": False}).project
    )
    found = []
    for loss, val in zip(losses, vals, strict=True):
        found += watcher.update({"loss": loss, "val_loss": val})
    assert keys(found) == ["hint.overfitting"]
    assert "lowest at epoch 4 (0.4)" in found[0].message
    assert found[0].fix is not None and "early stopping" in found[0].fix.label


def test_overfitting_with_early_stopping_on_offers_dropout() -> None:
    session = session_for(CLEAN)
    watcher = hints.CurveWatch(session.project)
    losses = [0.6 * 0.8**i for i in range(12)]
    vals = [0.6, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.7, 0.7, 0.7, 0.7]
    found = [
        h
        for lv in zip(losses, vals, strict=True)
        for h in watcher.update({"loss": lv[0], "val_loss": lv[1]})
    ]
    assert found[0].fix is not None
    session.apply(found[0].fix)
    assert [layer.type for layer in session.project.model.layers] == [
        "Linear",
        "ReLU",
        "Dropout",
        "Linear",
    ]


def test_a_plateau_suggests_a_scheduler() -> None:
    losses = [0.7, 0.5, 0.4, 0.35, 0.33, 0.32] + [0.32] * 14
    assert watch(losses) == []  # 14 epochs, not yet 10 past the first 10
    losses += [0.3199]
    assert watch(losses) == ["hint.plateau"]
    assert watch(losses, scheduler={"type": "StepLR"}) == []


# -- from the weights ----------
def test_a_dead_relu_layer_is_found_from_the_weights() -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1)
    )
    x = torch.randn(64, 2)
    assert weight_hints.dead_relu_hints(model, x) == []
    with torch.no_grad():
        model[0].bias[:6] = -100.0
    (found,) = weight_hints.dead_relu_hints(model, x)
    assert found.key == "hint.dead_relu.1"
    assert "6 of 8 units (75%) output 0 for all 64" in found.message


def test_a_diverged_run_is_explained_from_its_last_good_weights() -> None:
    session = session_for(
        [
            {"type": "Linear", "out_features": 16},
            {"type": "ReLU"},
            {"type": "Linear", "out_features": 1},
        ],
        optimizer={"type": "SGD", "lr": 300.0},
        epochs=10,
        seed=0,
        early_stopping={"enabled": False},
    )
    run = session.prepare_run()
    copies: list[Any] = []
    snapshots = WeightSnapshots(copies.append, 0)
    result = run.fit([snapshots])
    assert result.stop_reason == "non_finite"
    good = max(snapshots.epochs)
    hint = weight_hints.divergence_hint(
        run, snapshots.epochs[good], message=result.message or "", good_epoch=good
    )
    assert hint.key == "hint.diverged"
    assert hint.message.startswith("The loss became NaN or infinite in epoch 3")
    assert "From the weights of epoch 2 (loss " in hint.message
    assert "at learning rate 300 would move layer 3's weights by" in hint.message
    step = float(hint.message.split("by ")[-1].split("%")[0].replace(",", ""))
    assert step > 1_000  # percent of the weights' size, in one step
    assert hint.fix is not None and hint.fix.label == "Lower the learning rate to 30"
    session.apply(hint.fix)
    assert session.project.training.lr == pytest.approx(30.0)


def test_a_learning_rate_too_high_kills_relu_units_and_a_clean_run_has_none() -> None:
    deep = [
        {"type": "Linear", "out_features": 16},
        {"type": "ReLU"},
        {"type": "Linear", "out_features": 16},
        {"type": "ReLU"},
        {"type": "Linear", "out_features": 1},
    ]
    found = {}
    for lr in (0.01, 1.0):
        session = session_for(
            deep,
            optimizer={"type": "Adam", "lr": lr},
            epochs=5,
            seed=0,
            early_stopping={"enabled": False},
        )
        run = session.prepare_run()
        result = run.fit()
        found[lr] = weight_hints.dead_relu_hints(result.model, run.tensors.x_train)
    assert found[0.01] == []
    assert [h.key for h in found[1.0]] == ["hint.dead_relu.1", "hint.dead_relu.3"]
    assert "output 0 for all 100 training samples" in found[1.0][0].message


def test_a_clean_seeded_run_gives_no_curve_hint() -> None:
    from guinet.core.training.callbacks import Callback

    session = session_for(CLEAN, optimizer={"type": "Adam", "lr": 0.01}, epochs=40)
    watcher = hints.CurveWatch(session.project)
    fired: list[hints.Hint] = []

    class Watch(Callback):
        def on_epoch_end(self, trainer: Any, epoch: int, logs: Any) -> None:
            fired.extend(watcher.update(dict(logs)))

    result = session.prepare_run().fit([Watch()])
    assert result.epochs_run >= 20
    assert fired == []
