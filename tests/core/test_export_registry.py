"""The export-format table exists (the exporters register there next) and
refuses a second declaration of the same format."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from guinet.core.export import EXPORTERS, ExportFormat
from guinet.core.params import Param, Registry


@pytest.fixture
def onnx() -> Iterator[ExportFormat]:
    declared = EXPORTERS.register(
        "onnx",
        ExportFormat(
            key="onnx",
            label="ONNX",
            suffix=".onnx",
            help="For ONNX Runtime, TensorRT and other inference engines.",
            params=(Param("opset", "int", 17, "ONNX opset version.", minimum=7),),
        ),
    )
    yield declared
    EXPORTERS.unregister("onnx")


def test_the_registry_exists() -> None:
    assert isinstance(EXPORTERS, Registry)
    assert EXPORTERS.what == "export format"


def test_a_format_is_declared_once(onnx: ExportFormat) -> None:
    assert EXPORTERS["onnx"] is onnx and onnx.suffix == ".onnx"
    with pytest.raises(KeyError, match="export format 'onnx' is already registered"):
        EXPORTERS.register("onnx", onnx)


def test_unregister_removes_a_format(onnx: ExportFormat) -> None:
    assert EXPORTERS.unregister("onnx") is onnx
    assert "onnx" not in EXPORTERS
    with pytest.raises(KeyError, match="unknown export format 'onnx'"):
        EXPORTERS.unregister("onnx")
    EXPORTERS.register("onnx", onnx)  # for the fixture to remove
