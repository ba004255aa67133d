"""The benchmarks keep running: a tiny ``--quick`` pass, so they never rot.

The figures themselves come from running the scripts (see their docstrings);
these tests only check that every case trains and every table prints.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"bench_{name}", ROOT / "benchmarks" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def test_engine_throughput_quick_prints_every_case_and_both_sweeps(capsys) -> None:
    threads = torch.get_num_threads()
    bench = load("engine_throughput")
    assert bench.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert torch.get_num_threads() == threads  # left as it found them
    for case in ("8-12-8-1", "64-256-256-10", "digits-cnn", "cnn-28x28"):
        row = next(line for line in out.splitlines() if line.startswith(case))
        ratio = float(row.split()[6])  # engine / hand
        assert ratio > 0
    sweeps = [line.split()[0] for line in out.splitlines()]
    assert sweeps.count("rows") == 2 and sweeps.count("width") == 2
    assert re.search(r"time per epoch, batch \d+", out)


def test_engine_throughput_on_cuda_without_a_gpu_says_so(capsys, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    bench = load("engine_throughput")
    assert bench.main(["--device", "cuda"]) == 0
    assert "no CUDA GPU here; nothing measured" in capsys.readouterr().out


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_engine_throughput_quick_on_cuda(capsys) -> None:
    bench = load("engine_throughput")
    assert bench.main(["--quick", "--device", "cuda"]) == 0
    out = capsys.readouterr().out
    assert "on cuda" in out and "cnn-28x28" in out
