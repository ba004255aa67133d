"""docs/project-file.md is generated from the declarations and kept current."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from guinet.core import docs
from guinet.core.data.spec import DataSpec, SplitSpec
from guinet.core.lessons import LessonSpec
from guinet.core.sections import Section
from guinet.core.training.checkpoints import CheckpointSettings
from guinet.core.training.config import TrainingSpec
from guinet.core.training.early_stopping import EarlyStoppingSettings

ROOT = Path(__file__).resolve().parents[2]
SECTIONS: tuple[type[Section], ...] = (
    DataSpec,
    SplitSpec,
    TrainingSpec,
    EarlyStoppingSettings,
    CheckpointSettings,
    LessonSpec,
)


@pytest.fixture(scope="module")
def text() -> str:
    return docs.project_file_markdown()


def test_the_checked_in_page_is_current(text: str) -> None:
    page = (ROOT / docs.DOC_PATH).read_text(encoding="utf-8")
    assert page == text, (
        f"{docs.DOC_PATH} is stale: regenerate it with `{docs.REGENERATE}`"
    )


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.where)
def test_every_declared_key_is_documented(text: str, section: type[Section]) -> None:
    assert f"`{section.where}`" in text
    part = text.split(f"`{section.where}`\n", 1)[1]
    for param in section.params:
        marker = " (advanced)" if param.advanced else ""
        assert f"| `{param.name}`{marker} | {docs.default_text(param)} |" in part, (
            f"{section.where}.{param.name} is missing from the generated page"
        )
    for slot in section.components:
        assert f"| `{slot.name}` |" in part


def test_the_catalogues_are_listed(text: str) -> None:
    from guinet.core.data.builtin import BUILTIN_DATASETS
    from guinet.core.layers import LAYERS
    from guinet.core.training.losses import LOSSES
    from guinet.core.training.optimizers import OPTIMIZERS
    from guinet.core.training.schedulers import SCHEDULERS

    for registry in (LOSSES, OPTIMIZERS, SCHEDULERS, BUILTIN_DATASETS, LAYERS):
        for key, entry in registry.items():
            assert f"**`{key}`**" in text
            for param in entry.params:
                assert f"`{param.name}` = {docs.default_text(param)}" in text


def test_auto_loss_and_the_file_facts_are_explained(text: str) -> None:
    assert "**auto**" in text
    assert "weights_only=True" in text
    assert "MIGRATIONS" in text
    assert "relative to the project file" in text


def test_the_generator_imports_neither_torch_nor_qt() -> None:
    import subprocess

    code = (
        "import sys, guinet.core.docs as d; d.project_file_markdown(); "
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('torch', 'PySide6', 'pyqtgraph')]; print(bad); sys.exit(bool(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_write_option(tmp_path: Path, text: str) -> None:
    target = tmp_path / "page.md"
    assert docs.main(["--write", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == text
