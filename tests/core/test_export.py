"""Export: the trained model as weights, TorchScript and ONNX files, each with
the preprocessing as JSON beside it, predicting what the app predicts."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from guinet._resources import find_example
from guinet.core.export import EXPORTERS, ExportError, export_project, exporter
from guinet.core.model import LayerSpec
from guinet.core.predict import predict_array
from guinet.core.project import Project
from guinet.core.session import Session
from guinet.core.trained import load_trained
from tests.titanic import write_titanic

#: The general checks are exercised through the onnx format; like the onnx
#: tests, they need its extra (`pip install "guinet[onnx]"`, which CI installs).
needs_onnx = pytest.mark.skipif(
    importlib.util.find_spec("onnx") is None, reason='needs pip install "guinet[onnx]"'
)

FEATURES = ["Pclass", "Sex", "Age", "Fare", "Embarked"]


def train(project: Project) -> Session:
    session = Session(project)
    session.prepare_run().trainer.fit()
    return session


def moons_project(folder: Path, epochs: int = 3) -> Project:
    example = find_example("moons_mlp")
    assert example is not None
    project = Project.load(example)
    project.set_value("training.epochs", epochs)
    project.set_value("training.early_stopping.enabled", False)
    project.save(folder / "moons.guinet")
    return project


def titanic_project(folder: Path) -> Project:
    """A binary table with gaps and text columns, ending in a Sigmoid."""
    write_titanic(folder / "titanic.csv", n=300)
    raw = {
        "guinet": 1,
        "name": "titanic",
        "data": {
            "source": {"kind": "csv", "path": "titanic.csv"},
            "target": "Survived",
            "features": FEATURES,
        },
        "model": {
            "layers": [
                {"type": "Linear", "out_features": 8},
                {"type": "ReLU"},
                {"type": "Linear", "out_features": 1},
                {"type": "Sigmoid"},
            ]
        },
        "training": {
            "loss": {"type": "BCELoss"},
            "optimizer": {"type": "Adam", "lr": 0.01},
            "epochs": 3,
            "batch_size": 32,
            "device": "cpu",
            "early_stopping": {"enabled": False},
        },
    }
    path = folder / "titanic.guinet"
    path.write_text(json.dumps(raw), encoding="utf-8")
    return Project.load(path)


@pytest.fixture(scope="module")
def moons(tmp_path_factory: pytest.TempPathFactory) -> Session:
    return train(moons_project(tmp_path_factory.mktemp("moons")))


@pytest.fixture(scope="module")
def titanic(tmp_path_factory: pytest.TempPathFactory) -> Session:
    return train(titanic_project(tmp_path_factory.mktemp("titanic")))


def in_app(session: Session, x: np.ndarray) -> np.ndarray:
    trained = load_trained(session)
    with torch.no_grad():
        return trained.model(torch.from_numpy(x)).numpy()


def raw_rows(session: Session) -> pd.DataFrame:
    """The table's own rows, as a person would give them to the model."""
    folder = session.project.path
    assert folder is not None
    return pd.read_csv(folder.parent / "titanic.csv")


def preprocess(info: dict, frame: pd.DataFrame) -> np.ndarray:
    """What a program elsewhere does with the JSON alone: no guinet here."""
    features = []
    for column in info["columns"]:
        values = frame[column["name"]]
        if column["kind"] == "category":
            texts = values.astype(object).where(values.isna(), values.astype(str))
            texts = texts.fillna(column.get("fill"))
            features += [
                (texts == c).to_numpy(np.float32) for c in column["categories"]
            ]
        else:
            numbers = values.to_numpy(np.float64)
            if "fill" in column:
                numbers = np.where(np.isnan(numbers), column["fill"], numbers)
            features.append(numbers.astype(np.float32))
    x = np.stack(features, axis=1)
    scaling = info["scaling"]
    offset = np.asarray(scaling["offset"], np.float32).reshape(scaling["shape"])
    scale = np.asarray(scaling["scale"], np.float32).reshape(scaling["shape"])
    return ((x - offset) / scale).astype(np.float32)


# -- the table of formats ------------------------------------------------------------
def test_each_format_is_declared_once_with_what_it_needs() -> None:
    assert {"weights", "torchscript", "onnx"} <= set(EXPORTERS)
    for key in ("weights", "torchscript", "onnx"):
        declared = EXPORTERS[key]
        assert declared.needs_weights and declared.write is not None
        assert declared.label and declared.help and declared.suffix.startswith(".")
    assert EXPORTERS["onnx"].extra == "onnx" and EXPORTERS["onnx"].modules == ("onnx",)
    assert EXPORTERS["onnx"].params[0].name == "opset"


# -- the preprocessing JSON ----------------------------------------------------------
def test_the_json_says_every_step_between_a_raw_row_and_the_model(
    titanic: Session, tmp_path: Path
) -> None:
    written = export_project(titanic, "weights", tmp_path / "titanic.pt")
    assert written == [tmp_path / "titanic.pt", tmp_path / "titanic.preprocessing.json"]
    info = json.loads(written[1].read_text(encoding="utf-8"))
    prepared = titanic.prepare_data()
    assert info["task"] == "binary"
    assert info["input"]["shape"] == ["batch", len(prepared.feature_names)]
    assert info["input"]["feature_names"] == prepared.feature_names
    by_name = {c["name"]: c for c in info["columns"]}
    assert list(by_name) == FEATURES
    assert by_name["Sex"] == {
        "name": "Sex",
        "kind": "category",
        "categories": ["female", "male"],
        "fill": "male",
    }
    assert by_name["Embarked"]["categories"] == ["C", "Q", "S"]
    assert isinstance(by_name["Age"]["fill"], float)  # the training rows' mean
    assert info["encodings"]["Sex"] == ["female", "male"]
    assert info["class_names"] == prepared.class_names
    assert info["output"]["kind"] == "probabilities"
    assert info["output"]["threshold"] == 0.5
    assert info["scaling"]["kind"] == "standard"

    # the JSON alone turns raw rows into exactly the app's model inputs
    frame = raw_rows(titanic)
    np.testing.assert_allclose(
        preprocess(info, frame), prepared.transform(frame), rtol=0, atol=1e-6
    )


def test_a_multiclass_model_without_a_final_activation_outputs_raw_scores(
    moons: Session, tmp_path: Path
) -> None:
    export_project(moons, "weights", tmp_path / "moons.pt")
    info = json.loads((tmp_path / "moons.preprocessing.json").read_text("utf-8"))
    assert info["output"] | {"text": ""} == {
        "shape": ["batch", 2],
        "kind": "logits",
        "decision": "argmax",
        "text": "",
    }
    assert info["class_names"] == ["upper moon", "lower moon"]
    assert "columns" not in info  # not read from a table
    assert info["checkpoint"]["kind"] == "best"


def test_a_regression_model_outputs_values_in_the_targets_units(
    tmp_path: Path,
) -> None:
    raw = {
        "guinet": 1,
        "name": "sine",
        "data": {
            "source": {"kind": "builtin", "name": "sine", "samples": 200},
            "target": -1,
            "task": "regression",
        },
        "model": {
            "layers": [
                {"type": "Linear", "out_features": 8},
                {"type": "Tanh"},
                {"type": "Linear", "out_features": 1},
            ]
        },
        "training": {"loss": {"type": "MSELoss"}, "epochs": 2, "device": "cpu"},
    }
    (tmp_path / "sine.guinet").write_text(json.dumps(raw), encoding="utf-8")
    session = train(Project.load(tmp_path / "sine.guinet"))
    export_project(session, "torchscript", tmp_path / "sine.pt")
    info = json.loads((tmp_path / "sine.preprocessing.json").read_text("utf-8"))
    assert info["task"] == "regression" and info["class_names"] == []
    assert info["output"]["kind"] == "values" and "decision" not in info["output"]
    assert info["output"]["shape"] == ["batch", 1]


# -- weights -----------------------------------------------------------------------
def test_weights_as_a_pt_state_dict_load_with_weights_only(
    titanic: Session, tmp_path: Path
) -> None:
    export_project(titanic, "weights", tmp_path / "w.pt")
    state = torch.load(tmp_path / "w.pt", weights_only=True)
    model = titanic.model_for_data().build("cpu").eval()
    model.load_state_dict(state)
    x = titanic.prepare_data().x_test
    with torch.no_grad():
        out = model(torch.from_numpy(x)).numpy()
    np.testing.assert_array_equal(out, in_app(titanic, x))


def test_weights_as_safetensors(moons: Session, tmp_path: Path) -> None:
    safetensors = pytest.importorskip("safetensors.torch")
    # with safetensors installed, a name without .pt is a safetensors file
    export_project(moons, "weights", tmp_path / "w.safetensors")
    export_project(moons, "weights", tmp_path / "w")
    for path in (tmp_path / "w.safetensors", tmp_path / "w"):
        state = safetensors.load_file(path)
        model = moons.model_for_data().build("cpu").eval()
        model.load_state_dict(state)
        x = moons.prepare_data().x_test
        with torch.no_grad():
            out = model(torch.from_numpy(x)).numpy()
        np.testing.assert_array_equal(out, in_app(moons, x))


def test_without_safetensors_weights_are_a_pt_file_and_safetensors_is_refused(
    moons: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "safetensors", None)  # an import fails
    monkeypatch.setitem(sys.modules, "safetensors.torch", None)
    export_project(moons, "weights", tmp_path / "w")
    state = torch.load(tmp_path / "w", weights_only=True)
    assert state.keys() == load_trained(moons).model.state_dict().keys()
    with pytest.raises(ExportError, match=r"needs the safetensors package.*\.pt"):
        export_project(moons, "weights", tmp_path / "w.safetensors")
    assert not (tmp_path / "w.safetensors").exists()


# -- TorchScript -------------------------------------------------------------------
LOAD_WITHOUT_GUINET = textwrap.dedent(
    """
    import sys
    import numpy as np
    import torch
    model = torch.jit.load(sys.argv[1])
    out = model(torch.from_numpy(np.load(sys.argv[2])))
    np.save(sys.argv[3], out.detach().numpy())
    assert not [m for m in sys.modules if m.split(".")[0] == "guinet"], "guinet"
    """
)


@pytest.mark.parametrize("name", ["moons", "titanic"])
def test_torchscript_loads_and_predicts_in_a_process_without_guinet(
    name: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    session: Session = request.getfixturevalue(name)
    export_project(session, "torchscript", tmp_path / "model.pt")
    x = session.prepare_data().x_test[:7]  # not the traced batch size
    np.save(tmp_path / "x.npy", x)
    script = tmp_path / "load.py"
    script.write_text(LOAD_WITHOUT_GUINET, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script), "model.pt", "x.npy", "out.npy"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = np.load(tmp_path / "out.npy")
    assert out.shape == (7, session.prepare_data().n_outputs)
    np.testing.assert_allclose(out, in_app(session, x), rtol=0, atol=1e-6)


# -- ONNX --------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["moons", "titanic"])
def test_onnx_matches_pytorch_under_onnxruntime_at_any_batch_size(
    name: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    ort = pytest.importorskip("onnxruntime")
    session: Session = request.getfixturevalue(name)
    export_project(session, "onnx", tmp_path / "model.onnx")
    runtime = ort.InferenceSession(
        str(tmp_path / "model.onnx"), providers=["CPUExecutionProvider"]
    )
    assert [i.name for i in runtime.get_inputs()] == ["input"]
    x = session.prepare_data().x_test
    assert len(x) not in (1, 2)  # not the batch the model was exported with
    (out,) = runtime.run(None, {"input": x})
    np.testing.assert_allclose(out, in_app(session, x), rtol=0, atol=1e-5)
    (one,) = runtime.run(None, {"input": x[:1]})
    np.testing.assert_allclose(one, out[:1], rtol=0, atol=1e-5)


def test_onnx_from_raw_rows_and_the_json_predicts_what_the_app_does(
    titanic: Session, tmp_path: Path
) -> None:
    ort = pytest.importorskip("onnxruntime")
    export_project(titanic, "onnx", tmp_path / "titanic.onnx")
    info = json.loads((tmp_path / "titanic.preprocessing.json").read_text("utf-8"))
    frame = raw_rows(titanic).iloc[:50]
    runtime = ort.InferenceSession(str(tmp_path / "titanic.onnx"))
    (out,) = runtime.run(None, {"input": preprocess(info, frame)})
    app = in_app(titanic, titanic.prepare_data().transform(frame))
    np.testing.assert_allclose(out, app, rtol=0, atol=1e-5)
    # the classes read from the JSON's threshold are the app's predictions
    decided = (out[:, 0] > info["output"]["threshold"]).astype(int)
    assert info["output"]["decision"] == "threshold"
    predicted = [info["class_names"][i] for i in decided]
    trained = load_trained(titanic)
    app_labels = predict_array(trained, titanic.prepare_data().transform(frame)).labels
    assert predicted == app_labels and len(set(predicted)) == 2


# -- what stops an export ------------------------------------------------------------
@pytest.mark.parametrize(
    "key", ["weights", "torchscript", pytest.param("onnx", marks=needs_onnx)]
)
def test_no_trained_weights_is_a_clear_error_and_writes_nothing(
    key: str, tmp_path: Path
) -> None:
    session = Session(moons_project(tmp_path))
    with pytest.raises(ExportError, match="no trained weights for this project"):
        export_project(session, key, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "out.preprocessing.json").exists()


@needs_onnx
def test_an_invalid_model_is_a_clear_error(tmp_path: Path) -> None:
    project = moons_project(tmp_path)
    conv = {"type": "Conv2d", "out_channels": 4, "kernel_size": 3}
    project.model.layers.insert(0, LayerSpec.from_dict(conv))  # needs images
    with pytest.raises(ExportError, match="moons.guinet: .*Conv2d"):
        export_project(Session(project), "onnx", tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


def test_a_checkpoint_that_does_not_fit_is_a_clear_error(
    moons: Session, tmp_path: Path
) -> None:
    foreign = tmp_path / "foreign.ckpt"
    torch.save({"0.weight": torch.zeros(3, 3)}, foreign)
    with pytest.raises(ExportError, match="moons.guinet: "):
        export_project(moons, "weights", tmp_path / "w.pt", checkpoint=foreign)
    assert not (tmp_path / "w.pt").exists()


def test_a_named_checkpoint_is_the_one_exported(moons: Session, tmp_path: Path) -> None:
    trained = load_trained(moons)
    last = trained.checkpoint.path.parent / "last.ckpt"
    export_project(moons, "weights", tmp_path / "w.pt", checkpoint=last)
    info = json.loads((tmp_path / "w.preprocessing.json").read_text("utf-8"))
    assert info["checkpoint"] == {"file": "last.ckpt", "kind": "last", "epoch": 3}
    state = torch.load(tmp_path / "w.pt", weights_only=True)
    expected = load_trained(moons, last).model.state_dict()
    assert all(torch.equal(state[k], expected[k]) for k in expected)


@needs_onnx
def test_the_output_must_be_a_file_in_a_folder_that_exists(
    moons: Session, tmp_path: Path
) -> None:
    with pytest.raises(ExportError, match="is a folder; give the file to write"):
        export_project(moons, "onnx", tmp_path)
    with pytest.raises(ExportError, match="the folder .*missing does not exist"):
        export_project(moons, "onnx", tmp_path / "missing" / "m.onnx")
    assert not (tmp_path / "missing").exists()


@needs_onnx
def test_the_project_and_the_checkpoint_are_never_overwritten(
    moons: Session, tmp_path: Path
) -> None:
    project = moons.project.path
    assert project is not None
    before = project.read_bytes()
    with pytest.raises(ExportError, match=r"moons.guinet is the project file"):
        export_project(moons, "onnx", project)
    checkpoint = load_trained(moons).checkpoint.path
    with pytest.raises(ExportError, match=r"\.ckpt is the checkpoint file"):
        export_project(moons, "weights", checkpoint, checkpoint=checkpoint)
    assert project.read_bytes() == before
    assert load_trained(moons, checkpoint).checkpoint.path == checkpoint


@needs_onnx
def test_a_failed_write_is_an_export_error_not_a_traceback(
    moons: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from guinet.core.export import artefacts

    old = tmp_path / "m.onnx"
    old.write_bytes(b"the previous export")

    def full_disk(path: object, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(artefacts, "_write_bytes", full_disk)
    with pytest.raises(ExportError, match="cannot write .*m.onnx: No space left"):
        export_project(moons, "onnx", old)
    assert old.read_bytes() == b"the previous export"  # and no JSON written
    assert not (tmp_path / "m.preprocessing.json").exists()


def test_an_unknown_format_or_a_missing_package_is_said_plainly(
    moons: Session, tmp_path: Path
) -> None:
    with pytest.raises(ExportError, match="unknown export format 'tflite'; known: "):
        export_project(moons, "tflite", tmp_path / "m")
    exporter(
        key="needs-a-package",
        label="Test",
        suffix=".x",
        help="A format whose package is not installed.",
        modules=("no_such_package_for_guinet",),
        extra="nothing",
        write=lambda request: [],
    )
    try:
        with pytest.raises(
            ExportError,
            match=r'needs no_such_package_for_guinet: .*"guinet\[nothing\]"',
        ):
            export_project(moons, "needs-a-package", tmp_path / "m.x")
    finally:
        EXPORTERS.unregister("needs-a-package")


def test_the_onnx_opset_is_an_option(moons: Session, tmp_path: Path) -> None:
    onnx = pytest.importorskip("onnx")
    export_project(moons, "onnx", tmp_path / "a.onnx")
    export_project(moons, "onnx", tmp_path / "b.onnx", options={"opset": 13})
    versions = [
        {o.domain: o.version for o in onnx.load(tmp_path / name).opset_import}[""]
        for name in ("a.onnx", "b.onnx")
    ]
    assert versions == [17, 13]


@needs_onnx
def test_a_bad_option_is_refused(moons: Session, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="onnx has no parameter 'opsett'"):
        export_project(moons, "onnx", tmp_path / "m.onnx", options={"opsett": 13})
