"""Hyperparameter search: the ``search`` section, its checks, and Optuna
studies trained in-process (guinet.core.search_space, guinet.core.search)."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import optuna
import pytest

from guinet.core.history import RunHistory
from guinet.core.project import Project
from guinet.core.search import Search, SearchCallback, apply_params
from guinet.core.search_space import SearchError, SearchSpec, resolve_space

LR = "training.optimizer.lr"
UNITS = "model.layers.0.out_features"


def tiny(
    tmp_path: Path, search: dict[str, Any] | None = None, **training: Any
) -> Project:
    """A saved two-moons MLP that trains in a blink (history beside it)."""
    raw: dict[str, Any] = {
        "guinet": 1,
        "name": "tiny",
        "data": {
            "source": {"kind": "builtin", "name": "moons", "samples": 200, "seed": 0},
            "target": -1,
            "task": "multiclass",
            "split": {"validation": 0.25, "test": 0.25, "seed": 0},
        },
        "model": {
            "layers": [
                {"type": "Linear", "out_features": 8},
                {"type": "ReLU"},
                {"type": "Linear", "out_features": 2},
            ]
        },
        "training": {
            "loss": {"type": "CrossEntropyLoss"},
            "optimizer": {"type": "Adam", "lr": 0.01},
            "batch_size": 32,
            "epochs": 4,
            "seed": 0,
            "device": "cpu",
            "early_stopping": {"enabled": False},
            "checkpoint": {"enabled": False},
            **training,
        },
    }
    if search is not None:
        raw["search"] = search
    path = tmp_path / "tiny.guinet"
    path.write_text(json.dumps(raw), encoding="utf-8")
    return Project.load(path)


def two_by_two(sampler: str, **more: Any) -> dict[str, Any]:
    return {
        "sampler": sampler,
        "seed": 1,
        "pruner": False,
        "space": [
            {"param": LR, "values": [0.003, 0.03]},
            {"param": UNITS, "values": [4, 16]},
        ],
        **more,
    }


# -- the section ----------------------------------------------------------------------
def test_the_project_file_round_trips_the_search_section(tmp_path: Path) -> None:
    search = {
        "metric": "val_accuracy",
        "sampler": "random",
        "trials": 7,
        "space": [
            {"param": LR, "log": [0.0001, 0.1]},
            {"repeat": [0, 1], "range": [1, 3]},
        ],
        "a key of a newer guinet": {"kept": True},
    }
    project = tiny(tmp_path, search)
    assert project.search is not None and project.search.ok
    assert project.search.trials == 7 and project.search.sampler == "random"
    assert project.search.direction_for("val_accuracy") == "maximize"
    first = (tmp_path / "tiny.guinet").read_text(encoding="utf-8")
    project.save()
    again = Project.load(tmp_path / "tiny.guinet")
    assert again.to_dict()["search"] == search  # unknown keys and order kept
    assert (
        json.loads(first)["search"]
        == json.loads((tmp_path / "tiny.guinet").read_text(encoding="utf-8"))["search"]
    )


def test_a_project_without_a_search_saves_without_one(tmp_path: Path) -> None:
    project = tiny(tmp_path)
    assert project.search is None
    project.save()
    assert "search" not in json.loads((tmp_path / "tiny.guinet").read_text("utf-8"))
    project.set_value("search.trials", 3)
    assert project.to_dict()["search"] == {"trials": 3}


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        (
            {"param": LR, "range": [0.1, 0.1]},
            "search.space[0] (training.optimizer.lr): the range [0.1, 0.1] is empty",
        ),
        ({"param": LR, "range": [0.5, 0.1]}, "low must be below high"),
        ({"param": LR, "log": [0, 0.1]}, "a log range must be above zero, not from 0"),
        ({"param": LR, "log": [-1, 0.1]}, "a log range must be above zero"),
        ({"param": LR, "values": []}, '"values" must be a non-empty list'),
        ({"param": "training.nope", "values": [1]}, "training has no setting 'nope'"),
        ({"param": "data.scaling", "values": ["none"]}, "not 'data'"),
        ({"param": "model.layers.7.p", "values": [0.1]}, "there is no layer 7"),
        (
            {"param": "model.layers.1.out_features", "values": [3]},
            "layer 1 is ReLU, which has no argument 'out_features'",
        ),
        (
            {"param": "model.layers.0.kernel_size", "values": [3]},
            "layer 0 is Linear, which has no argument 'kernel_size'",
        ),
        ({"param": UNITS, "range": [0, 8]}, "out_features must be"),
        ({"param": UNITS, "range": [2.5, 8]}, "needs whole numbers"),
        ({"param": "training.optimizer.momentum", "values": [0.9]}, "Adam has no"),
        ({"param": "training.optimizer.type", "values": ["Adamm"]}, "Adamm"),
        ({"repeat": [1, 5], "values": [1, 2]}, "there is no layer 5"),
        ({"repeat": [0, 1], "values": [0, 2]}, "repeat must be"),
        ({"param": LR}, 'needs exactly one of "values"'),
    ],
)
def test_a_bad_space_is_a_clear_error_naming_the_entry(
    tmp_path: Path, entry: dict[str, Any], words: str
) -> None:
    project = tiny(tmp_path, {"space": [entry]})
    with pytest.raises(SearchError) as raised:
        resolve_space(project)
    assert words in str(raised.value)
    assert "search.space[0]" in str(raised.value)
    with pytest.raises(SearchError):
        Search(project, history=False)


def test_grid_search_refuses_a_continuous_range_without_step(tmp_path: Path) -> None:
    spec = SearchSpec({"sampler": "grid", "space": [{"param": LR, "range": [0.1, 1]}]})
    assert "a grid search needs a step" in spec.problems[0].message
    spec = SearchSpec({"sampler": "grid", "space": [{"param": LR, "log": [0.1, 1]}]})
    assert "not a log range" in spec.problems[0].message
    stepped = SearchSpec(
        {"sampler": "grid", "space": [{"param": LR, "range": [0.1, 0.3, 0.1]}]}
    )
    assert stepped.ok and stepped.dimensions[0].grid_values() == [0.1, 0.2, 0.3]
    project = tiny(tmp_path, {"space": [{"param": LR, "range": [0.1, 1]}]})
    with pytest.raises(SearchError, match="a grid search needs a step"):
        Search(project, sampler="grid", history=False)


def test_an_empty_or_missing_space_says_what_to_add(tmp_path: Path) -> None:
    with pytest.raises(SearchError, match='no "search" section'):
        resolve_space(tiny(tmp_path))
    with pytest.raises(SearchError, match="search.space is empty"):
        resolve_space(tiny(tmp_path, {"trials": 3}))


def test_apply_params_sets_layers_training_optimizer_and_repeats(
    tmp_path: Path,
) -> None:
    project = tiny(tmp_path)
    twin = apply_params(
        project,
        {
            UNITS: 12,
            "repeat.0-1": 3,
            "training.optimizer.type": "SGD",
            LR: 0.2,
            "training.batch_size": 16,
        },
    )
    layers = twin.to_dict()["model"]["layers"]
    assert [layer["type"] for layer in layers] == ["Linear", "ReLU"] * 3 + ["Linear"]
    assert [layer.get("out_features") for layer in layers[::2]] == [12, 12, 12, 2]
    assert twin.training.optimizer.type == "SGD"
    assert twin.training.optimizer.params["lr"] == 0.2
    assert twin.training.batch_size == 16
    assert twin.path == project.path
    # the project itself is untouched
    assert len(project.model.layers) == 3 and project.training.optimizer.type == "Adam"
    with pytest.raises(SearchError, match="not a setting the search can change"):
        apply_params(project, {"data.scaling": "none"})


# -- running studies ------------------------------------------------------------------
@pytest.mark.parametrize("sampler", ["grid", "random", "tpe"])
def test_each_sampler_finishes_a_tiny_space(tmp_path: Path, sampler: str) -> None:
    project = tiny(tmp_path, two_by_two(sampler))
    search = Search(project, history=False)
    trials = search.run(n_trials=4 if sampler != "grid" else 10)
    assert len(trials) == 4  # a grid stops after its 4 points
    assert all(t.state == "complete" and t.epochs_run == 4 for t in trials)
    assert all(t.value is not None and 0 < t.value < 1 for t in trials)
    if sampler == "grid":
        combos = {(t.params[LR], t.params[UNITS]) for t in trials}
        assert combos == {(0.003, 4), (0.003, 16), (0.03, 4), (0.03, 16)}
    best = search.best
    assert best is not None
    assert best.value == min(t.value for t in trials if t.value is not None)
    opened = search.best_project()
    assert opened.training.optimizer.params["lr"] == best.params[LR]
    assert opened.model.layers[0].params["out_features"] == best.params[UNITS]


def test_the_same_seed_draws_and_scores_the_same_trials(tmp_path: Path) -> None:
    space = two_by_two("random", space=[{"param": LR, "log": [0.001, 0.1]}])
    first = Search(tiny(tmp_path, space), history=False).run(3)
    second = Search(tiny(tmp_path, space), history=False).run(3)
    assert [t.params for t in first] == [t.params for t in second]
    assert [t.value for t in first] == [t.value for t in second]


def test_pruning_stops_a_bad_trial_early(tmp_path: Path) -> None:
    project = tiny(
        tmp_path,
        {
            "sampler": "random",
            "pruner": True,
            "startup_trials": 1,
            "warmup_epochs": 1,
            "space": [{"param": LR, "values": [0.05, 1e-7]}],
        },
        epochs=20,
    )
    search = Search(project)
    search.study.enqueue_trial({LR: 0.05})  # a good trial sets the median
    search.study.enqueue_trial({LR: 1e-7})  # then one that cannot learn
    good, bad = search.run(2)
    assert good.state == "complete" and good.epochs_run == 20
    assert bad.state == "pruned"
    assert bad.epochs_run < 20
    assert "Pruned after epoch" in bad.reason
    history = RunHistory.for_project(project)
    try:
        record = history.run(bad.run_id)
        assert record.epochs_run == bad.epochs_run and "pruned" in record.tags
        assert len(history.curves(bad.run_id)["epoch"]) == bad.epochs_run
    finally:
        history.close()


def test_every_trial_is_a_run_in_the_history(tmp_path: Path) -> None:
    project = tiny(tmp_path, two_by_two("grid"))
    search = Search(project, study="lr-units")
    trials = search.run(10)
    history = RunHistory.for_project(project)
    try:
        runs = {r.trial: r for r in history.runs()}
        assert history.path == tmp_path / "tiny.runs.sqlite"
    finally:
        history.close()
    assert sorted(runs) == [t.number for t in trials]
    for trial in trials:
        record = runs[trial.number]
        assert record.source == "tune" and record.study == "lr-units"
        assert record.params == trial.params
        assert record.status == "completed" and record.epochs_run == 4
        assert record.id == trial.run_id
        layers = record.settings["model"]["layers"]
        assert layers[0]["out_features"] == trial.params[UNITS]
        assert record.settings["training"]["optimizer"]["lr"] == trial.params[LR]


def test_a_combination_that_cannot_train_is_a_failed_trial(tmp_path: Path) -> None:
    # one output for two classes with CrossEntropyLoss: the preflight refuses
    project = tiny(
        tmp_path,
        {
            "sampler": "grid",
            "space": [{"param": "model.layers.2.out_features", "values": [1, 2]}],
        },
    )
    trials = Search(project, history=False).run(10)
    by_units = {t.params["model.layers.2.out_features"]: t for t in trials}
    assert by_units[2].state == "complete"
    assert by_units[1].state == "fail"
    assert by_units[1].reason  # the preflight's own sentence
    assert by_units[1].epochs_run == 0


class Recorder(SearchCallback):
    def __init__(self) -> None:
        self.events: list[tuple[str, int, Any]] = []
        self.lock = threading.Lock()

    def on_trial_start(self, number: int, params: dict[str, Any]) -> None:
        with self.lock:
            self.events.append(("start", number, params))

    def on_epoch_end(self, number: int, epoch: int, logs: Any) -> None:
        with self.lock:
            self.events.append(("epoch", number, epoch))

    def on_trial_end(self, result: Any) -> None:
        with self.lock:
            self.events.append(("end", result.number, result.state))


def test_callbacks_hear_each_trial_start_epoch_and_end(tmp_path: Path) -> None:
    heard = Recorder()
    project = tiny(tmp_path, two_by_two("grid"), epochs=2)
    Search(project, callbacks=[heard], history=False).run(1)
    assert [(kind, n) for kind, n, _ in heard.events] == [
        ("start", 0),
        ("epoch", 0),
        ("epoch", 0),
        ("end", 0),
    ]
    assert heard.events[1][2] == 1 and heard.events[-1][2] == "complete"


def test_stop_from_another_thread_ends_the_search(tmp_path: Path) -> None:
    project = tiny(tmp_path, two_by_two("random"), epochs=1000)
    started = threading.Event()

    class StartSignal(SearchCallback):
        def on_epoch_end(self, number: int, epoch: int, logs: Any) -> None:
            started.set()

    search = Search(project, callbacks=[StartSignal()], history=False)
    done: list[Any] = []
    worker = threading.Thread(target=lambda: done.append(search.run(50)))
    worker.start()
    assert started.wait(60)
    search.stop()
    worker.join(60)
    assert not worker.is_alive()
    (only,) = done[0]
    assert only.state == "fail" and only.reason == "stopped"
    assert 0 < only.epochs_run < 1000


def test_jobs_run_trials_in_threads_with_the_same_results(tmp_path: Path) -> None:
    sequential = Search(tiny(tmp_path, two_by_two("grid")), history=False).run(10)
    threaded = Search(tiny(tmp_path, two_by_two("grid")), history=False).run(10, jobs=2)
    values = {(t.params[LR], t.params[UNITS]): t.value for t in sequential}
    assert len(threaded) == 4
    for trial in threaded:
        assert trial.value == pytest.approx(
            values[(trial.params[LR], trial.params[UNITS])]
        )


def test_a_study_in_sqlite_is_continued(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'study.db'}"
    project = tiny(tmp_path, two_by_two("random"))
    Search(project, storage=url, study="s", history=False).run(2)
    again = Search(project, storage=url, study="s", history=False)
    again.run(1)
    assert [t.number for t in again.trials] == [0, 1, 2]
    loaded = optuna.load_study(study_name="s", storage=url)
    assert len(loaded.trials) == 3


def test_a_bad_storage_url_is_a_clear_error(tmp_path: Path) -> None:
    project = tiny(tmp_path, two_by_two("random"))
    with pytest.raises(SearchError, match="cannot open the storage nosuch://x"):
        Search(project, storage="nosuch://x", history=False)


def test_a_study_that_optimises_the_other_way_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'study.db'}"
    Search(tiny(tmp_path, two_by_two("random")), storage=url, study="s", history=False)
    maximise = two_by_two("random", metric="val_accuracy")
    with pytest.raises(SearchError, match="already exists and minimizes"):
        Search(tiny(tmp_path, maximise), storage=url, study="s", history=False)


@pytest.mark.parametrize(
    "search", ["text", [1, 2], {"space": "x"}, {"space": [{"param": 3}]}]
)
def test_a_broken_search_section_still_opens_and_says_why(search: Any) -> None:
    project = Project.from_dict({"guinet": 1, "search": search})
    assert project.search is not None and not project.search.ok
    assert project.to_dict()["search"] == search  # kept as the file has it
    with pytest.raises(SearchError):
        resolve_space(project)


def test_an_unforeseen_error_fails_the_trial_not_the_search(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from guinet.core.training.fit import TrainingRun

    def broken(self: TrainingRun, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(TrainingRun, "fit", broken)
    trials = Search(tiny(tmp_path, two_by_two("grid")), history=False).run(2)
    assert [t.state for t in trials] == ["fail", "fail"]
    assert trials[0].reason == "unexpected error (RuntimeError): boom"


def test_no_trial_starts_after_the_timeout(tmp_path: Path) -> None:
    search = Search(tiny(tmp_path, two_by_two("random")), history=False)
    assert search.run(50, timeout=1e-9) == []
    assert search.trials == []
