"""What the Export dialog says and which file it offers (no window needed)."""

from __future__ import annotations

from pathlib import Path

from guinet.core.export import EXPORTERS
from guinet.gui.export_text import (
    _BREAK,
    as_sentence,
    breakable,
    file_name_for,
    install_hint,
    with_suffix,
)


def test_a_long_path_may_wrap_but_reads_the_same() -> None:
    path = "/home/teacher/" + "x" * 60 + "/moons.pt"
    shown = breakable(path)
    assert shown.replace(_BREAK, "") == path
    # no run of more than 24 characters without a place to break
    assert max(len(run) for run in shown.split(_BREAK)) <= 25


def test_the_name_follows_the_format() -> None:
    assert with_suffix(Path("a/moons.pt"), ".pt", ".onnx") == Path("a/moons.onnx")
    assert with_suffix(Path("m.tar.gz"), ".tar.gz", ".py") == Path("m.py")
    assert with_suffix(Path("model"), ".pt", ".onnx") == Path("model.onnx")
    assert with_suffix(Path("model.bin"), ".pt", ".onnx") == Path("model.onnx")
    assert file_name_for("Two moons — an MLP") == "Two_moons_an_MLP"
    assert file_name_for("  ..  ") == "model"


def test_messages_read_as_sentences_without_the_command_line_s_prefix() -> None:
    text = as_sentence("moons.guinet: the layers do not fit", "moons.guinet")
    assert text == "The layers do not fit."
    assert as_sentence("best.ckpt does not fit") == "best.ckpt does not fit."
    hint = install_hint(EXPORTERS["onnx"], ["onnx"])
    assert hint.endswith('pip install "guinet[onnx]"') and "onnx" in hint
