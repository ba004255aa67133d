"""The Session: one preflight with fixes, the auto loss, the data cache."""

from __future__ import annotations

from typing import Any

import pytest

from guinet.core.data import DataError
from guinet.core.model import LayerSpec
from guinet.core.project import Project
from guinet.core.sections import UNSET
from guinet.core.session import Session
from guinet.core.training import CompatibilityError, ConfigError

MOONS = {
    "source": {"kind": "builtin", "name": "moons", "samples": 120, "noise": 0.1},
    "split": {"validation": 0.25, "test": 0.25, "seed": 0},
}
IRIS = {"source": {"kind": "builtin", "name": "iris"}}


def mlp(outputs: int, final: str | None = None) -> list[dict[str, Any]]:
    layers: list[dict[str, Any]] = [
        {"type": "Linear", "out_features": 8},
        {"type": "ReLU"},
        {"type": "Linear", "out_features": outputs},
    ]
    if final:
        layers.append({"type": final})
    return layers


def session_for(
    data: dict[str, Any] | None,
    layers: list[dict[str, Any]],
    **training: Any,
) -> Session:
    raw: dict[str, Any] = {
        "guinet": 1,
        "model": {"layers": layers},
        "training": {"epochs": 2, "device": "cpu", "checkpoint": None, **training},
    }
    if data is not None:
        raw["data"] = data
    return Session(Project.from_dict(raw))


def errors(session: Session) -> list[str]:
    return [f.message for f in session.preflight().errors]


def test_a_new_project_needs_data_and_the_fix_gives_it_some() -> None:
    session = Session()
    first = session.preflight().errors[0]
    assert first.area == "data" and "No data yet" in first.message
    assert first.fix is not None
    session.apply(first.fix)
    assert session.project.data is not None
    assert session.project.data.source == {
        "kind": "builtin",
        "name": "moons",
        "samples": 500,
        "noise": 0.2,
        "seed": 0,
    }
    assert not [f for f in session.preflight().errors if f.area == "data"]


@pytest.mark.parametrize(
    ("layers", "picked"),
    [
        (mlp(1), "BCEWithLogitsLoss"),
        (mlp(1, "Sigmoid"), "BCEWithLogitsLoss"),
        (mlp(2), "CrossEntropyLoss"),
        (mlp(2, "LogSoftmax"), "NLLLoss"),
    ],
)
def test_auto_loss_follows_the_data_and_the_model(
    layers: list[dict[str, Any]], picked: str
) -> None:
    session = session_for(MOONS, layers)
    assert session.project.training.loss is None
    session.prepare_data()
    assert session.loss() is not None and session.loss().type == picked  # type: ignore[union-attr]
    assert session.loss_label() == f"auto — {picked}"
    assert errors(session) == []
    result = session.prepare_run().fit()
    assert result.epochs_run == 2
    assert "loss" not in session.project.to_dict()["training"]  # nothing written


def test_auto_loss_for_regression_and_multiclass() -> None:
    regression = session_for(
        {"source": {"kind": "builtin", "name": "sine", "samples": 60}}, mlp(1)
    )
    regression.prepare_data()
    assert regression.loss_label() == "auto — MSELoss"
    multiclass = session_for(IRIS, mlp(3))
    multiclass.prepare_data()
    assert multiclass.loss_label() == "auto — CrossEntropyLoss"
    assert errors(multiclass) == []


def test_the_model_page_and_the_train_page_agree_on_binary_outputs() -> None:
    """The bug behind one preflight: the Model page asked for 1 output, the
    Train page then refused CrossEntropyLoss; with 2 outputs the Model page
    kept warning. Now one answer, with one fix, for both."""
    session = session_for(MOONS, mlp(1), loss={"type": "CrossEntropyLoss"})
    session.prepare_data()
    found = session.preflight().errors
    assert len(found) == 1
    finding = found[0]
    assert finding.area == "model" and finding.layer == 2
    assert finding.error is CompatibilityError
    assert finding.fix is not None
    assert "out_features to 2" in finding.fix.label
    with pytest.raises(CompatibilityError, match="one per class"):
        session.prepare_run()
    session.apply(finding.fix)
    assert session.project.model.layers[2].params["out_features"] == 2
    assert errors(session) == []


def test_a_loss_for_another_task_is_fixed_by_going_back_to_auto() -> None:
    session = session_for(MOONS, mlp(1), loss={"type": "MSELoss"})
    session.prepare_data()
    (finding,) = session.preflight().errors
    assert "predicting numbers" in finding.message
    assert finding.fix is not None and "auto" in finding.fix.label
    session.apply(finding.fix)
    assert session.project.training.loss is None
    assert errors(session) == []


def test_a_model_without_the_right_output_layer_gets_one_added() -> None:
    session = session_for(
        IRIS, [{"type": "Linear", "out_features": 8}, {"type": "ReLU"}]
    )
    session.project.training = session.project.training.with_value(
        "loss", {"type": "CrossEntropyLoss"}
    )
    session.prepare_data()
    (finding,) = session.preflight().errors
    assert finding.fix is not None
    session.apply(finding.fix)
    layers = session.project.model.layers
    assert layers[len(layers) - 1].to_dict() == {"type": "Linear", "out_features": 3}
    assert errors(session) == []


def test_a_bad_value_in_the_file_opens_and_preflight_offers_a_reset() -> None:
    session = session_for(MOONS, mlp(1), batch_size="many")
    training = session.project.training
    assert training.batch_size == 32  # the default stands in
    assert session.project.to_dict()["training"]["batch_size"] == "many"  # kept
    (finding,) = [f for f in session.preflight().errors if f.area == "training"]
    assert finding.key == "training.batch_size"
    assert "batch_size must be a whole number" in finding.message
    with pytest.raises(ConfigError, match="batch_size must be a whole number"):
        session.prepare_run()
    assert finding.fix is not None
    session.apply(finding.fix)
    assert "batch_size" not in session.project.to_dict()["training"]
    assert not [f for f in session.preflight().errors if f.area == "training"]


def test_every_problem_is_reported_at_once() -> None:
    session = session_for(
        MOONS,
        mlp(3),
        loss={"type": "CrossEntropyLoss"},
        epochs=0,
        early_stopping={"monitor": "val_f1"},
    )
    session.prepare_data()
    areas = sorted(f.key or f.area for f in session.preflight().errors)
    assert "training.epochs" in areas
    assert "training.loss" in areas  # 3 outputs for two classes


def test_a_monitor_the_run_does_not_log_is_an_error_with_a_fix() -> None:
    session = session_for(MOONS, mlp(1), early_stopping={"monitor": "val_f1"})
    session.prepare_data()
    (finding,) = session.preflight().errors
    assert finding.key == "training.early_stopping.monitor"
    assert finding.fix is not None
    session.apply(finding.fix)
    assert session.project.training.early_stopping.monitor == "val_loss"


def test_notes_are_not_errors() -> None:
    session = session_for(MOONS, mlp(1, "Sigmoid"), loss={"type": "BCELoss"})
    session.prepare_data()
    found = session.preflight()
    assert found.ok
    assert any("BCEWithLogitsLoss" in f.message for f in found if f.severity == "note")


# -- the data cache ----------------------------------------------------------------
def test_prepared_data_is_cached_by_section_and_dropped_when_it_changes() -> None:
    session = session_for(MOONS, mlp(1))
    seen: list[int] = []
    session.data_changed.connect(lambda: seen.append(1))
    first = session.prepare_data()
    assert session.prepare_data() is first  # cached
    assert session.prepared is first
    session.project.set_value("data.split.test", 0.3)
    assert session.prepared is None  # stale at once
    second = session.prepare_data()
    assert second is not first and len(second.x_test) == 36
    assert len(seen) >= 3


def test_a_result_for_a_section_that_changed_meanwhile_is_dropped() -> None:
    session = session_for(MOONS, mlp(1))

    def change_while_preparing(fraction: float, message: str) -> None:
        if session.project.data is not None and session.project.data.split.seed == 0:
            session.project.set_value("data.split.seed", 1)

    session.prepare_data(progress=change_while_preparing)
    assert session.prepared is None  # prepared for seed 0, the section says 1


def test_a_data_error_is_kept_for_the_section_and_reported() -> None:
    session = session_for({"source": {"kind": "csv", "path": "missing.csv"}}, mlp(1))
    with pytest.raises(DataError, match="Cannot find"):
        session.prepare_data()
    assert session.data_error is not None
    assert any("Cannot find" in message for message in errors(session))
    session.project.set_data(MOONS)
    assert session.data_error is None


def test_the_data_shape_wins_in_one_place() -> None:
    session = session_for(MOONS, mlp(1))
    session.project.model.set_input_shape((5,))
    assert session.model_for_data().input_shape == (5,)  # no data yet
    session.prepare_data()
    assert session.model_for_data().input_shape == (2,)
    assert session.project.model.input_shape == (5,)  # a copy is trained
    assert session.follow_data_shape() is True
    assert session.project.model.input_shape == (2,)


def test_cli_overrides_do_not_change_the_project() -> None:
    session = session_for(MOONS, mlp(1))
    run = session.prepare_run(epochs=1)
    assert run.trainer.epochs == 1
    assert session.project.training.epochs == 2


# -- events ---------------------------------------------------------------------------
def test_a_slot_that_raises_never_leaves_the_analysis_stale() -> None:
    project = Project.from_dict({"guinet": 1, "model": {"layers": mlp(1)}})
    model = project.model
    model.set_input_shape((2,))
    assert model.analyze().output_shape == (1,)

    def broken(*_args: object) -> None:
        raise RuntimeError("a view broke")

    model.layers.inserted.connect(broken)
    with pytest.raises(Exception, match="a view broke"):
        model.layers.insert(3, LayerSpec("Linear", {"out_features": 4}))
    assert model.analyze().output_shape == (4,)
    model.layers.inserted.disconnect(broken)


def test_set_value_with_unset_removes_the_key() -> None:
    project = Project()
    project.set_value("training.loss", {"type": "MSELoss"})
    assert project.training.loss is not None
    project.set_value("training.loss", UNSET)
    assert project.training.loss is None
    assert project.value("training.loss") is UNSET


def test_data_prepared_elsewhere_is_kept_only_for_its_own_section() -> None:
    from guinet.core.data import prepare

    session = session_for(MOONS, mlp(1))
    key = session.data_key()
    assert session.project.data is not None
    prepared = prepare(session.project.data.to_dict())
    session.project.set_value("data.split.seed", 3)  # changed meanwhile
    assert session.use_prepared(prepared, None, key) is False
    assert session.prepared is None
    assert session.use_prepared(prepared, None, session.data_key()) is True
    assert session.prepared is prepared


@pytest.mark.parametrize(("data", "outputs"), [(MOONS, 2), (IRIS, 3)])
def test_an_empty_model_is_offered_a_starter_network_that_trains(
    data: dict[str, Any], outputs: int
) -> None:
    session = session_for(data, [])
    assert session.preflight().errors[0].fix is None  # nothing to fit it to yet
    session.prepare_data()
    finding = session.preflight().errors[0]
    assert "no layers yet" in finding.message and finding.fix is not None
    session.apply(finding.fix)
    layers = session.project.model.layers
    assert [layer.type for layer in layers][-1] == "Linear"
    assert layers[-1].params["out_features"] == outputs
    assert errors(session) == []
    assert session.prepare_run().fit().epochs_run == 2


def test_bce_after_raw_scores_is_offered_the_sigmoid_it_needs() -> None:
    session = session_for(MOONS, mlp(1), loss={"type": "BCELoss"})
    session.prepare_data()
    finding = session.preflight().errors[0]
    assert "probabilities" in finding.message
    assert finding.fix is not None and finding.fix.label == "Add a Sigmoid at the end"
    session.apply(finding.fix)
    assert session.project.model.layers[-1].type == "Sigmoid"
    assert errors(session) == []
