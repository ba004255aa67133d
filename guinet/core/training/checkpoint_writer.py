"""Writing checkpoints off the training thread.

Serialising a checkpoint and fsyncing it costs as much as many epochs of a
small model, so :class:`~.checkpoints.ModelCheckpoint` only takes a snapshot
on the training thread (:func:`snapshot`: every tensor copied to the CPU, so
training can go on changing the weights) and hands it to a
:class:`CheckpointWriter`, whose one background thread writes it with the
same atomic, fsynced :func:`~.checkpoint_files.write_checkpoint` as before.

* **Coalescing.** A job with a ``key`` (``last.ckpt``'s) replaces a pending
  job of the same key that has not started: when writes pile up, only the
  newest ``last.ckpt`` is written. Other jobs (best and periodic files) are
  all written, in order, unless :meth:`CheckpointWriter.cancel` drops one
  whose file would be deleted right after (its own deletions pass on to the
  job that evicts it).
* **Deleting** the files a job evicts (best files pushed out of the top
  ``k``) happens on the writer thread after the job's own file is written, so
  a failed write never costs the previous best file.
* **Results** come back through :meth:`CheckpointWriter.results`; the
  callback reads them on the training thread, so ``on_checkpoint_saved`` and
  ``on_checkpoint_failed`` still run there.
* :meth:`CheckpointWriter.flush` waits until every pending job is written;
  the callback calls it at the end of every run (completed, stopped, failed),
  so a run reports finished only once its files are complete.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from guinet.core.training.checkpoint_files import CheckpointInfo

#: Writes one job's payload to its path; returns the file's listing facts.
WriteFn = Callable[[Path, dict[str, Any]], "CheckpointInfo"]
#: Deletes one evicted file by its name in the folder; says whether it did
#: (it may refuse: see ``checkpoint_files.remove_owned_checkpoint``).
RemoveFn = Callable[[str], bool]


@dataclass
class WriteJob:
    """One file to write, and the files to delete once it is written."""

    path: Path
    payload: dict[str, Any]
    key: str | None = None
    #: File names (in the job's folder) to delete once ``path`` is written.
    remove: Sequence[str] = ()
    #: The caller's own data, handed back with the result.
    token: Any = None


@dataclass
class WriteResult:
    """What became of a job: ``info`` when written, ``error`` when not;
    ``skipped`` when a newer job replaced it or it was cancelled."""

    job: WriteJob
    info: CheckpointInfo | None = None
    error: BaseException | None = None
    skipped: bool = False
    removed: list[str] = field(default_factory=list)


_PLAIN = frozenset({int, float, str, bool, type(None)})


def snapshot(value: Any, memo: dict[int, Any] | None = None) -> Any:
    """``value`` with every tensor copied to the CPU (dicts, lists, tuples walked).

    Taken on the training thread, so the writer never sees weights that the
    next batch is changing. Containers are copied too (plain ones in one
    step); a tensor met twice (the best weights early stopping shares with
    the trainer) is copied once, so the file stays as small as before.
    """
    import torch

    if type(value) in _PLAIN:
        return value
    memo = {} if memo is None else memo
    if isinstance(value, torch.Tensor):
        copied = memo.get(id(value))
        if copied is None:
            copied = memo[id(value)] = value.detach().to("cpu", copy=True)
        return copied
    if isinstance(value, dict):
        if all(type(v) in _PLAIN for v in value.values()):
            return dict(value)
        return {k: snapshot(v, memo) for k, v in value.items()}
    if isinstance(value, list | tuple):
        if all(type(v) in _PLAIN for v in value):
            return list(value) if isinstance(value, list) else value
        items = [snapshot(v, memo) for v in value]
        return items if isinstance(value, list) else tuple(items)
    return value


class CheckpointWriter:
    """One background thread that writes :class:`WriteJob` s in order.

    ``duty``: the share of the wall time the thread may spend writing. After
    a write that took *d* seconds it rests ``d * (1 - duty) / duty`` seconds
    before the next one (meanwhile a newer ``last.ckpt`` replaces a pending
    one, and an evicted best file is cancelled), so even a model whose epochs
    take less time than a write trains at nearly full speed. It does not rest
    while :meth:`flush` waits, nor when ``max_pending`` jobs are queued; then
    :meth:`submit` waits for room, so snapshots never pile up in memory.
    """

    def __init__(
        self,
        write: WriteFn,
        remove: RemoveFn | None = None,
        *,
        duty: float = 0.05,
        max_pending: int = 4,
    ) -> None:
        self._write = write
        self._remove = remove
        self._rest_factor = (1.0 - duty) / duty if 0.0 < duty < 1.0 else 0.0
        self._max_pending = max(1, max_pending)
        self._cond = threading.Condition()
        self._pending: deque[WriteJob] = deque()
        self._results: list[WriteResult] = []
        self._busy = False
        self._flushing = 0
        self._rest_until = 0.0
        self._closing = False
        self._idle = False  # waiting for a job, not resting
        self._thread: threading.Thread | None = None

    # -- the training thread's side ---------------------------------------------------
    def submit(self, job: WriteJob) -> None:
        """Queue ``job``; a pending job with the same ``key`` is dropped for it.

        Waits while ``max_pending`` other jobs are queued.
        """
        with self._cond:
            if job.key is not None:
                for old in [j for j in self._pending if j.key == job.key]:
                    self._pending.remove(old)
                    self._results.append(WriteResult(old, skipped=True))
            self._start()
            while len(self._pending) >= self._max_pending:
                self._cond.wait()
            self._pending.append(job)
            self._wake()

    def ready_for(self, key: str) -> bool:
        """Whether a job with ``key`` submitted now would be written at once:
        none is pending, and the thread is neither writing nor resting. The
        caller may skip taking a snapshot that would only be replaced."""
        with self._cond:
            return (
                not self._busy
                and time.monotonic() >= self._rest_until
                and not any(j.key == key for j in self._pending)
            )

    def cancel(self, path: Path) -> list[str]:
        """Drop the pending (not started) jobs that write ``path``.

        Returns the names those jobs would have deleted: the caller's next job
        must delete them instead.
        """
        with self._cond:
            dropped = [j for j in self._pending if j.path == path]
            for job in dropped:
                self._pending.remove(job)
                self._results.append(WriteResult(job, skipped=True))
            if dropped:
                self._cond.notify_all()  # a submit may wait for room
            return [name for job in dropped for name in job.remove]

    def pending(self) -> int:
        """Jobs queued or being written."""
        with self._cond:
            return len(self._pending) + (1 if self._busy else 0)

    def results(self) -> list[WriteResult]:
        """The results gathered since the last call, in the order they came."""
        with self._cond:
            out, self._results = self._results, []
        return out

    def flush(self) -> None:
        """Write every job submitted so far (no resting) and wait for them."""
        with self._cond:
            self._flushing += 1
            self._cond.notify_all()
            try:
                while self._pending or self._busy:
                    self._cond.wait()
            finally:
                self._flushing -= 1

    def close(self) -> None:
        """:meth:`flush`, then end the thread (a later :meth:`submit` starts one)."""
        self.flush()
        with self._cond:
            self._closing = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join()
        with self._cond:
            self._thread = None
            self._closing = False

    # -- the writer thread ------------------------------------------------------------
    def _wake(self) -> None:
        """Wake the thread only when it has something to do now: waking it
        while it rests would only hand the GIL back and forth each epoch."""
        full = len(self._pending) >= self._max_pending
        if self._idle or full or self._flushing:
            self._cond.notify_all()

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._closing = False
            self._thread = threading.Thread(
                target=self._run, name="guinet-checkpoint-writer", daemon=True
            )
            self._thread.start()

    def _next_job(self) -> WriteJob | None:
        """The next job once it is due; ``None`` when closing with nothing left."""
        with self._cond:
            while True:
                if not self._pending:
                    if self._closing:
                        return None
                    self._idle = True
                    try:
                        self._cond.wait()
                    finally:
                        self._idle = False
                    continue
                hurry = (
                    self._flushing
                    or self._closing
                    or len(self._pending) >= self._max_pending
                )
                delay = self._rest_until - time.monotonic()
                if hurry or delay <= 0:
                    self._busy = True
                    return self._pending.popleft()
                self._cond.wait(delay)

    def _run(self) -> None:
        while True:
            job = self._next_job()
            if job is None:
                return
            started = time.monotonic()
            result = self._do(job)
            with self._cond:
                ended = time.monotonic()
                self._rest_until = ended + (ended - started) * self._rest_factor
                self._busy = False
                self._results.append(result)
                self._cond.notify_all()

    def _do(self, job: WriteJob) -> WriteResult:
        try:
            info = self._write(job.path, job.payload)
        except BaseException as exc:  # reported on the training thread
            return WriteResult(job, error=exc)
        removed = []
        for name in job.remove:
            if self._remove is None:
                continue
            try:
                if self._remove(name):
                    removed.append(name)
            except OSError:
                continue
        return WriteResult(job, info=info, removed=removed)
