"""Tests that need a GPU carry the ``cuda`` mark (so ``pytest -m cuda`` runs
them all) and skip with a reason where there is none."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _needs_gpu(decorator: ast.expr) -> bool:
    """``@pytest.mark.skipif(not torch.cuda.is_available(), reason=...)``."""
    if not isinstance(decorator, ast.Call) or not decorator.args:
        return False
    condition = decorator.args[0]
    return (
        ast.unparse(decorator.func) == "pytest.mark.skipif"
        and isinstance(condition, ast.UnaryOp)
        and isinstance(condition.op, ast.Not)
        and ast.unparse(condition.operand) == "torch.cuda.is_available()"
        and any(k.arg == "reason" for k in decorator.keywords)
    )


def test_every_gpu_test_is_marked_cuda_and_skips_with_a_reason() -> None:
    gpu_tests, unmarked = [], []
    for path in sorted(TESTS.rglob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            names = [ast.unparse(d) for d in node.decorator_list]
            marked = "pytest.mark.cuda" in names
            skips = any(_needs_gpu(d) for d in node.decorator_list)
            where = f"{path.relative_to(TESTS)}::{node.name}"
            if marked or skips:
                gpu_tests.append(where)
            if marked != skips:
                unmarked.append(where)
    assert not unmarked, f"mark.cuda and the skipif go together: {unmarked}"
    assert len(gpu_tests) >= 4  # the check itself found them
