"""The export-format table exists (the exporters register there next) and
refuses a second declaration of the same format."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from guinet.core.export import EXPORTERS, ExportFormat
from guinet.core.params import Param, Registry


@pytest.fixture
def coreml() -> Iterator[ExportFormat]:
    declared = EXPORTERS.register(
        "coreml",
        ExportFormat(
            key="coreml",
            label="Core ML",
            suffix=".mlpackage",
            help="For Apple devices.",
            params=(Param("spec", "int", 6, "Core ML spec version.", minimum=4),),
        ),
    )
    yield declared
    EXPORTERS.unregister("coreml")


def test_the_registry_exists() -> None:
    assert isinstance(EXPORTERS, Registry)
    assert EXPORTERS.what == "export format"


def test_a_format_is_declared_once(coreml: ExportFormat) -> None:
    assert EXPORTERS["coreml"] is coreml and coreml.suffix == ".mlpackage"
    with pytest.raises(KeyError, match="export format 'coreml' is already registered"):
        EXPORTERS.register("coreml", coreml)


def test_unregister_removes_a_format(coreml: ExportFormat) -> None:
    assert EXPORTERS.unregister("coreml") is coreml
    assert "coreml" not in EXPORTERS
    with pytest.raises(KeyError, match="unknown export format 'coreml'"):
        EXPORTERS.unregister("coreml")
    EXPORTERS.register("coreml", coreml)  # for the fixture to remove
