"""Formats that carry the trained model itself: weights, TorchScript, ONNX.

Each writes its model file and, beside it, the preprocessing JSON
(:mod:`.preprocessing`), so a prediction made elsewhere starts from the
same scaled, encoded inputs as the app's. Files are written atomically:
an interrupted export leaves any earlier file of that name as it was.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

from guinet.core.export.base import ExportError, ExportRequest, exporter
from guinet.core.export.preprocessing import preprocessing, write_preprocessing
from guinet.core.fileio import atomic_write
from guinet.core.params import Param

if TYPE_CHECKING:
    import torch

    from guinet.core.trained import TrainedModel

#: Rows of the example input a model is traced or exported with; any batch
#: size works afterwards (a dynamic batch dimension).
SAMPLE_BATCH = 2


def _trained(request: ExportRequest) -> TrainedModel:
    if request.trained is None:  # the registry promises it; a plugin may not
        raise ExportError("this format needs the trained model")
    return request.trained


def _with_preprocessing(request: ExportRequest) -> Path:
    trained = _trained(request)
    info = preprocessing(trained)
    return write_preprocessing(request.output, info)


def _sample(trained: TrainedModel) -> torch.Tensor:
    import torch

    return torch.zeros((SAMPLE_BATCH, *trained.prepared.input_shape))


@contextlib.contextmanager
def _quiet_deprecation() -> Iterator[None]:
    """TorchScript (and the ONNX exporter built on it) are deprecated in
    torch 2.9+ but still the formats other tools load; say nothing of it."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", category=FutureWarning)
        yield


def _write_bytes(path: Path, data: bytes) -> None:
    def write(handle: IO[bytes]) -> None:
        handle.write(data)

    atomic_write(path, write)


# -- weights ---------------------------------------------------------------------
def _write_weights(request: ExportRequest) -> list[Path]:
    """A safetensors file where the package is installed (or the output ends
    in ``.safetensors``), else a ``.pt`` state dict of tensors only."""
    import torch

    trained = _trained(request)
    state = {
        name: tensor.detach().cpu().contiguous()
        for name, tensor in trained.model.state_dict().items()
    }
    suffix = request.output.suffix.lower()
    use_safetensors = suffix == ".safetensors" or (
        suffix not in (".pt", ".pth")
        and importlib.util.find_spec("safetensors") is not None
    )
    if use_safetensors:
        try:
            from safetensors.torch import save
        except ImportError:
            raise ExportError(
                "writing .safetensors needs the safetensors package: "
                'pip install "guinet[safetensors]" (or name the file .pt)'
            ) from None
        data = save(state, metadata={"format": "pt"})
    else:
        buffer = io.BytesIO()
        torch.save(state, buffer)
        data = buffer.getvalue()
    _write_bytes(request.output, data)
    return [request.output, _with_preprocessing(request)]


exporter(
    key="weights",
    label="Weights (safetensors or .pt)",
    suffix=".safetensors",
    help="The trained weights as a state dict (safetensors, else a torch .pt of "
    "tensors only) for the same nn.Sequential, plus a JSON of the preprocessing.",
    write=_write_weights,
)


# -- TorchScript -----------------------------------------------------------------
def _write_torchscript(request: ExportRequest) -> list[Path]:
    import torch

    trained = _trained(request)
    with _quiet_deprecation(), torch.no_grad():
        try:
            traced = torch.jit.trace(trained.model, (_sample(trained),))
        except Exception as exc:  # torch names the layer it cannot trace
            raise ExportError(f"TorchScript cannot trace this model: {exc}") from exc
        buffer = io.BytesIO()
        torch.jit.save(traced, buffer)
    _write_bytes(request.output, buffer.getvalue())
    return [request.output, _with_preprocessing(request)]


exporter(
    key="torchscript",
    label="TorchScript",
    suffix=".pt",
    help="The model with its trained weights for torch.jit.load (Python or "
    "C++ LibTorch, no guinet needed), plus a JSON of the preprocessing.",
    write=_write_torchscript,
)


# -- ONNX --------------------------------------------------------------------------
#: The ONNX opset written unless the request says otherwise.
ONNX_OPSET = 17


def _write_onnx(request: ExportRequest) -> list[Path]:
    import torch

    trained = _trained(request)
    opset = int(request.options.get("opset", ONNX_OPSET))
    # torch writes ONNX to a path: a private scratch folder, then the bytes
    # go to the output atomically like every other format's
    with (
        tempfile.TemporaryDirectory(prefix="guinet-onnx-") as scratch,
        _quiet_deprecation(),
        torch.no_grad(),
    ):
        file = Path(scratch) / "model.onnx"
        try:
            # the TorchScript-based exporter: it needs no onnxscript and
            # handles guinet's nn.Sequential models in well under a second
            torch.onnx.export(
                trained.model,
                (_sample(trained),),
                file,
                input_names=["input"],
                output_names=["output"],
                dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
                opset_version=opset,
                dynamo=False,
            )
        except Exception as exc:
            raise ExportError(f"ONNX export failed: {exc}") from exc
        data = file.read_bytes()
    _write_bytes(request.output, data)
    return [request.output, _with_preprocessing(request)]


exporter(
    key="onnx",
    label="ONNX",
    suffix=".onnx",
    help="The model with its trained weights and a dynamic batch size, for "
    "ONNX Runtime and other inference engines, plus a JSON of the preprocessing.",
    params=(
        Param("opset", "int", ONNX_OPSET, "ONNX opset version to write.", minimum=7),
    ),
    modules=("onnx",),
    extra="onnx",
    write=_write_onnx,
)
