"""Copy each split's rows out of the source, fit the scaler, scale: in blocks.

For a million-row table this is most of the work after parsing, and all of
it is memory traffic. So the rows are handled in blocks of 16,384 that stay
in cache: a training block is gathered, summarised (:class:`Moments`) while
it is hot, and later scaled in place; validation and test blocks are
gathered and scaled in one go. Blocks are independent, so a thread pool
runs them in parallel (NumPy releases the GIL for each step).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from guinet.core.data.result import Scaler
from guinet.core.data.scaling import (
    BLOCK_ROWS,
    Moments,
    check_kind,
    check_scaled,
    scaler_from,
    stats_shape,
)

Source = Sequence[np.ndarray] | np.ndarray
MAX_WORKERS = 8


def assemble(
    source: Source,
    rows: dict[str, np.ndarray],
    kind: str,
    *,
    keep: np.ndarray | None = None,
    pixel_max: float | None = None,
    fill: np.ndarray | None = None,
    names: Sequence[str] = (),
) -> tuple[dict[str, np.ndarray], Scaler]:
    """float32 arrays of ``source``'s ``rows`` per split, scaled, and the scaler.

    ``source`` is either a list of equally long 1-D columns (one per feature)
    or one array with the samples along axis 0. ``fill`` replaces NaN inputs
    (one value per feature, broadcast against a sample). A scaled value that
    is not finite is a :class:`DataError` naming its column (``names``).
    """
    check_kind(kind)
    sample = source.shape[1:] if isinstance(source, np.ndarray) else (len(source),)
    outputs = {
        name: np.empty((len(index), *sample), np.float32)
        for name, index in rows.items()
    }

    def gather(name: str, start: int) -> np.ndarray:
        index = rows[name][start : start + BLOCK_ROWS]
        block = outputs[name][start : start + len(index)]
        if isinstance(source, np.ndarray):
            block[...] = source[index]
        else:
            for j, column in enumerate(source):
                block[:, j] = column[index]
        if fill is not None:
            np.copyto(block, np.broadcast_to(fill, block.shape), where=np.isnan(block))
        return block

    def blocks(name: str) -> range:
        return range(0, len(rows[name]), BLOCK_ROWS)

    with ThreadPoolExecutor(max_workers=_workers(len(rows["train"]))) as pool:

        def first(start: int) -> Moments | None:
            block = gather("train", start)
            return Moments.of(block, kind) if kind != "none" and len(block) else None

        moments = None
        for part in pool.map(first, blocks("train")):
            if part is not None:
                moments = part if moments is None else moments.merge(part)
        shape = stats_shape((1, *sample))
        scaler = scaler_from(
            moments, kind, shape, keep=keep, pixel_max=pixel_max, names=names
        )
        offset, inverse = scaler.offset, (1.0 / scaler.scale).astype(np.float32)

        def scale(block: np.ndarray) -> None:
            with np.errstate(over="ignore", invalid="ignore"):
                block -= offset
                block *= inverse
            check_scaled(block, names)

        def finish(job: tuple[str, int]) -> None:
            name, start = job
            if name == "train":  # gathered above: scale in place
                scale(outputs[name][start : start + BLOCK_ROWS])
            else:
                scale(gather(name, start))

        jobs = [(name, start) for name in rows for start in blocks(name)]
        for _ in pool.map(finish, jobs):
            pass
    return outputs, scaler


def _workers(rows: int) -> int:
    if rows < 4 * BLOCK_ROWS:
        return 1
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        available = os.cpu_count() or 1
    return max(1, min(available, MAX_WORKERS))
