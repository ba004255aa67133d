"""Hostile project files (issue 9, item 22): each is a clear error from load,
``guinet summary`` and the session's preflight — never a traceback, a hang, or
gigabytes allocated before anything is said."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest

from guinet.cli import main
from guinet.core import memory
from guinet.core.memory import MachineMemory, machine_memory, training_need
from guinet.core.model import MAX_LAYERS, LayerSpec, ModelError, ModelSpec
from guinet.core.project import MAX_DEPTH, MAX_FILE_BYTES, Project, ProjectError
from guinet.core.session import Session
from guinet.core.summary import human_bytes, summary_table
from guinet.core.training.errors import ConfigError

MOONS: dict[str, Any] = {
    "guinet": 1,
    "name": "moons",
    "data": {
        "source": {"kind": "builtin", "name": "moons", "samples": 200, "seed": 0},
        "target": -1,
        "task": "multiclass",
    },
    "model": {
        "input_shape": [2],
        "layers": [
            {"type": "Linear", "out_features": 16},
            {"type": "ReLU"},
            {"type": "Linear", "out_features": 2},
        ],
    },
    "training": {
        "loss": {"type": "CrossEntropyLoss"},
        "epochs": 1,
        "checkpoint": {"enabled": False},
    },
}


def moons(**changes: Any) -> dict[str, Any]:
    raw = copy.deepcopy(MOONS)
    for path, value in changes.items():
        node = raw
        *keys, leaf = path.split("__")
        for key in keys:
            node = node[key]
        node[leaf] = value
    return raw


def write(path: Path, raw: Any) -> Path:
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


def summary(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["summary", str(path)])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err.strip()


@pytest.fixture
def no_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything starts building (allocating) the model."""

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("the model was built")

    monkeypatch.setattr(ModelSpec, "build", refuse)


# -- the file itself -------------------------------------------------------------------
@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_000, 100_000])
def test_deeply_nested_files_are_not_projects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], depth: int
) -> None:
    path = tmp_path / "deep.guinet"
    path.write_text('{"guinet": 1, "notes": ' + "[" * depth + "]" * depth + "}")
    with pytest.raises(ProjectError, match=f"nests .* more than {MAX_DEPTH} deep"):
        Project.load(path)
    code, err = summary(path, capsys)
    assert code == 2
    assert err == (
        "guinet: deep.guinet is not a valid project file: it nests objects or "
        f"lists more than {MAX_DEPTH} deep"
    )


def test_nesting_as_deep_as_allowed_still_opens(tmp_path: Path) -> None:
    deep = MAX_DEPTH - 2  # inside the project object and its "notes" key
    path = tmp_path / "notes.guinet"
    path.write_text('{"guinet": 1, "notes": ' + "[" * deep + "]" * deep + "}")
    project = Project.load(path)
    project.save()  # and saves back (no recursion limit on the way out)
    assert Project.load(path).to_dict()["notes"] == project.to_dict()["notes"]


def test_an_integer_of_thousands_of_digits_is_not_a_project(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "digits.guinet"
    path.write_text('{"guinet": 1, "model": {"layers": [], "n": ' + "9" * 5000 + "}}")
    with pytest.raises(ProjectError, match="not a valid project file: .*5000 digits"):
        Project.load(path)
    code, err = summary(path, capsys)
    assert code == 2
    assert err == (
        "guinet: digits.guinet is not a valid project file: it holds a number "
        "of 5000 digits"
    )


def test_a_file_over_the_size_cap_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.guinet"
    with path.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing is written
    read = []
    monkeypatch.setattr(Path, "read_bytes", lambda self: read.append(self) or b"")
    with pytest.raises(ProjectError, match="at most 10 MB"):
        Project.load(path)
    assert not read


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    path = tmp_path / "pipe.guinet"
    os.mkfifo(path)
    with pytest.raises(ProjectError, match="not a regular file"):
        Project.load(path)


def test_more_layers_than_the_cap_are_refused_before_building_any(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    raw = moons(model__layers=[{"type": "ReLU"}] * (MAX_LAYERS + 1))
    path = write(tmp_path / "many.guinet", raw)
    built = []
    original = LayerSpec.from_dict
    monkeypatch.setattr(
        LayerSpec, "from_dict", lambda data: built.append(1) or original(data)
    )
    with pytest.raises(ProjectError, match="10,001 layers; guinet opens models of at"):
        Project.load(path)
    assert not built
    code, err = summary(path, capsys)
    assert code == 2 and "at most 10,000" in err


# -- values out of range ---------------------------------------------------------------
def test_a_huge_seed_is_a_finding_not_an_overflow(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "seed.guinet", moons(training__seed=10**30))
    session = Session(Project.load(path))
    [finding] = [f for f in session.preflight().errors if f.key == "training.seed"]
    assert finding.message == (
        f"training: seed must be in [0, 2147483647], not {10**30}"
    )
    assert finding.fix is not None and finding.fix.label == "Reset seed to 0"
    with pytest.raises(ConfigError, match="seed must be in"):
        session.prepare_run()
    assert main(["train", str(path)]) == 2
    assert "seed must be in [0, 2147483647]" in capsys.readouterr().err
    session.apply(finding.fix)
    assert session.project.training.seed == 0


def test_an_input_shape_past_int64_is_a_model_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = moons(model__input_shape=[2**63])
    del raw["data"]
    path = write(tmp_path / "shape.guinet", raw)
    project = Project.load(path)
    analysis = project.model.analyze()
    assert analysis.error is not None and "too large for PyTorch" in analysis.error
    assert "too large for PyTorch" in summary_table(project.model)
    [finding] = [f for f in Session(project).preflight().errors if f.area == "model"]
    assert finding.error is ModelError and "too large" in finding.message
    code, err = summary(path, capsys)
    assert code == 1 and "(9223372036854775808,) is too large for PyTorch" in err


# -- models too big for the machine ----------------------------------------------------
HUGE = [{"type": "Linear", "out_features": 10**6}] * 4000
EMBEDDING = [{"type": "Embedding", "num_embeddings": 10**7, "embedding_dim": 65536}]


@pytest.mark.parametrize("layers", [HUGE, EMBEDDING], ids=["linear", "embedding"])
def test_a_model_bigger_than_the_machine_is_refused_before_building(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    no_build: None,
    layers: list[dict[str, Any]],
) -> None:
    raw = moons(model__layers=layers)
    if layers is EMBEDDING:
        del raw["data"]
        raw["model"]["input_shape"] = [4]
    path = write(tmp_path / "huge.guinet", raw)
    session = Session(Project.load(path))
    [finding] = [f for f in session.preflight().errors if f.area == "model"]
    machine = machine_memory()
    assert machine is not None
    assert finding.error is ModelError
    assert "for its parameters and training state (weights, gradients, " in (
        finding.message
    )
    assert f"more than this machine's {human_bytes(machine.total)}" in finding.message
    code, err = summary(path, capsys)
    assert code == 1 and "GB for its parameters" in err
    if "data" in raw:
        with pytest.raises(ModelError, match="GB for its parameters"):
            session.prepare_run()
        assert main(["train", str(path)]) == 2
        assert "for its parameters and training state" in capsys.readouterr().err


def test_the_memory_finding_states_the_need_and_the_machine(
    monkeypatch: pytest.MonkeyPatch, no_build: None
) -> None:
    """1,000,000,000 weights trained with Adam: weights, gradients and two
    running averages, 16 bytes each; on a 7.8 GB machine that is refused."""
    gib = 2**30
    monkeypatch.setattr(
        memory, "machine_memory", lambda: MachineMemory(int(7.8 * gib), 6 * gib)
    )
    layers = [
        {"type": "Linear", "out_features": 1000},
        {"type": "Linear", "out_features": 999_999},
    ]
    raw = moons(model__layers=layers, model__input_shape=[1])
    del raw["data"]
    raw["training"]["optimizer"] = {"type": "Adam"}
    session = Session(Project.from_dict(raw))
    analysis = session.project.model.analyze()
    assert analysis.total_params == 2000 + 1000 * 999_999 + 999_999
    need = training_need(analysis, 32, 2)
    assert need.state == 16 * analysis.total_params
    [finding] = [f for f in session.preflight().errors if f.area == "model"]
    assert finding.message == (
        f"the model needs {human_bytes(need.state)} for its parameters and "
        "training state (weights, gradients, optimizer state), more than this "
        "machine's 7.80 GB: make its layers smaller or use fewer of them"
    )
    # on a bigger machine it fits, but not in what is free now: said so
    monkeypatch.setattr(
        memory, "machine_memory", lambda: MachineMemory(64 * gib, 6 * gib)
    )
    [finding] = [f for f in session.preflight().errors if f.area == "model"]
    assert "than the 6.00 GB this machine has free now (of 64.00 GB" in (
        finding.message
    )
    monkeypatch.setattr(
        memory, "machine_memory", lambda: MachineMemory(64 * gib, 32 * gib)
    )
    assert not [f for f in session.preflight().errors if f.area == "model"]


def test_activations_of_a_big_batch_count_too(monkeypatch: pytest.MonkeyPatch) -> None:
    gib = 2**30
    monkeypatch.setattr(memory, "machine_memory", lambda: MachineMemory(gib, gib))
    raw = moons(
        model__layers=[{"type": "Linear", "out_features": 1_000_000}],
        model__input_shape=[2],
    )
    del raw["data"]
    raw["training"]["batch_size"] = 1000
    session = Session(Project.from_dict(raw))
    [finding] = [f for f in session.preflight().errors if f.area == "model"]
    assert "for the activations of a batch of 1000" in finding.message
    assert finding.message.endswith("or lower the batch size")


def test_the_need_of_a_small_model_is_counted_exactly() -> None:
    spec = ModelSpec(
        [
            LayerSpec("Linear", {"out_features": 16}),
            LayerSpec("BatchNorm1d"),
            LayerSpec("Linear", {"out_features": 2}),
        ],
        (2,),
    )
    analysis = spec.analyze()
    params = 2 * 16 + 16 + 2 * 16 + 16 * 2 + 2  # Linear, BatchNorm, Linear
    assert analysis.trainable_params == params
    need = training_need(analysis, 10, optimizer_state=2)
    assert need.gradients == 4 * params
    assert need.optimizer == 8 * params
    assert need.weights == analysis.size_bytes  # running statistics included
    assert need.activations == 2 * 4 * 10 * (2 + 16 + 16 + 2)


def test_the_machine_memory_is_read_and_capped_by_a_container(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    free = machine_memory()
    if free is None:
        pytest.skip("this system does not say how much memory it has")
    assert 0 < free.available <= free.total
    monkeypatch.setattr(memory, "_cgroup", lambda: (2**30, 2**29))
    capped = machine_memory()
    assert capped is not None
    assert capped.total == min(free.total, 2**30)
    assert capped.available <= 2**29


def test_building_refuses_what_cannot_fit_and_words_an_allocation_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = ModelSpec([LayerSpec("Linear", {"out_features": 1_000_000})], (1000,))
    monkeypatch.setattr(memory, "machine_memory", lambda: MachineMemory(2**30, 2**29))
    with pytest.raises(ModelError, match=r"weights need 3\.73 GB, more than the 512"):
        spec.build("cpu")

    import guinet.core.model as model_module

    def no_memory(*_args: Any) -> None:
        raise RuntimeError(
            "[enforce fail at alloc_cpu.cpp:117] DefaultCPUAllocator: can't "
            "allocate memory: you tried to allocate 4000004000 bytes"
        )

    monkeypatch.setattr(memory, "machine_memory", lambda: None)
    monkeypatch.setattr(model_module, "_make_module", no_memory)
    with pytest.raises(ModelError, match="not enough memory to build the model"):
        spec.build("cpu")


def test_analysis_of_thousands_of_repeated_huge_layers_stays_on_meta() -> None:
    """The 4000 x Linear(10**6) file: analysed in one probe per distinct layer,
    on the meta device (the process does not grow by gigabytes)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    project = Project.from_dict(moons(model__layers=HUGE))
    analysis = project.model.analyze()
    assert analysis.ok
    assert analysis.total_params == 2 * 10**6 + 10**6 + 3999 * (10**12 + 10**6)
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kb < 200_000


def test_on_a_gpu_the_gpu_memory_is_what_counts(
    monkeypatch: pytest.MonkeyPatch, no_build: None
) -> None:
    """Training on CUDA, the model must fit the GPU's memory (read without
    starting a CUDA context), not the machine's."""
    import types

    import torch

    from guinet.core.training import devices

    monkeypatch.setattr(devices, "resolve_device", lambda name: torch.device("cuda", 1))
    asked = []

    def properties(index: int) -> types.SimpleNamespace:
        asked.append(index)
        return types.SimpleNamespace(total_memory=80 * 2**30)

    monkeypatch.setattr(torch.cuda, "get_device_properties", properties)
    monkeypatch.setattr(memory, "machine_memory", lambda: MachineMemory(2**50, 2**50))
    raw = moons(model__layers=HUGE[:3], training__device="cuda:1")
    del raw["data"]
    session = Session(Project.from_dict(raw))
    [finding] = [f for f in session.preflight().errors if f.area == "model"]
    assert "more than this GPU's 80.00 GB" in finding.message
    assert asked and set(asked) == {1}


def test_validation_batches_are_sized_by_the_widest_layer() -> None:
    """Two inputs into Linear(10000): validation in chunks of EVAL_VALUES
    hidden values (at least a training batch), not all rows at once (a moons
    project of a million samples reached gigabytes evaluating its 200,000
    validation rows in one go)."""
    from guinet.core.training.trainer import EVAL_VALUES

    raw = moons(
        model__layers=[
            {"type": "Linear", "out_features": 10_000},
            {"type": "ReLU"},
            {"type": "Linear", "out_features": 2},
        ]
    )
    run = Session(Project.from_dict(raw)).prepare_run()
    batch = run.config.batch_size
    assert run.trainer.eval_batch_size == max(batch, EVAL_VALUES // 10_000)
    assert run.trainer.eval_batch_size < len(run.trainer.data.x_val)
    narrow = Session(Project.from_dict(moons())).prepare_run()
    assert narrow.trainer.eval_batch_size == max(batch, EVAL_VALUES // 16)
    logs = run.trainer.evaluate(run.trainer.data.x_val, run.trainer.data.y_val)
    assert set(logs) == {"loss", "accuracy"}
