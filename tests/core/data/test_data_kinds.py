"""Source kinds are declared once: a new kind is one declaration plus its reader."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from guinet.core.data import DataError, prepare, preview
from guinet.core.data.kinds import SOURCE_KINDS, file_kinds, source_kind
from guinet.core.data.sources import ArraySet
from guinet.core.params import Param


def read_lines(path: Path | None, source: Any, progress: Any) -> ArraySet:
    """Rows of ``x1 x2 label``, split on the source's ``separator``."""
    assert path is not None
    sep = source.get("separator", " ")
    rows = [line.split(sep) for line in path.read_text().splitlines() if line]
    values = np.array(rows, dtype=np.float32)
    return ArraySet(
        x=values[:, :-1],
        y=values[:, -1].astype(np.int64),
        name=path.name,
        feature_names=["x1", "x2"],
        target_names=["label"],
    )


@pytest.fixture
def lines_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    # the registry is restored after the test
    monkeypatch.setattr(SOURCE_KINDS, "_items", dict(SOURCE_KINDS._items))
    source_kind(
        key="lines",
        label="Text lines",
        reader=read_lines,
        extensions=(".lines",),
        params=(Param("separator", "str", " ", "Between values.", label="Sep"),),
    )


def write_lines(path: Path) -> Path:
    path.write_text("".join(f"{i} {i % 5} {i % 2}\n" for i in range(40)))
    return path


def test_a_new_kind_is_one_declaration(tmp_path: Path, lines_kind: None) -> None:
    write_lines(tmp_path / "d.lines")
    # guessed from the extension, and named explicitly
    for source in ({"path": "d.lines"}, {"kind": "lines", "path": "d.lines"}):
        data = prepare({"source": source, "scaling": "none"}, tmp_path)
        assert data.task == "binary"
        assert data.input_shape == (2,)
        assert sum(data.report.rows.values()) == 40
    shown = preview({"kind": "lines", "path": "d.lines"}, tmp_path)
    assert len(shown.frame) == 40
    assert "lines" in [k.key for k in file_kinds()]


def test_the_kind_is_gone_after_the_test(tmp_path: Path) -> None:
    write_lines(tmp_path / "d.lines")
    assert "lines" not in SOURCE_KINDS
    with pytest.raises(DataError, match="Cannot tell what kind of file d.lines is"):
        prepare({"source": {"path": "d.lines"}}, tmp_path)


def test_a_duplicate_kind_raises() -> None:
    with pytest.raises(KeyError, match="already registered"):
        source_kind(key="csv", label="again", reader=read_lines)


def test_every_file_kind_has_extensions_and_every_kind_a_reader() -> None:
    for kind in SOURCE_KINDS.values():
        assert callable(kind.reader)
        if kind.has_path and not kind.folder:
            assert kind.extensions and all(e.startswith(".") for e in kind.extensions)
