"""Crash recovery: an edited project's autosave, kept apart from its own file.

A window with unsaved changes writes its project (every minute and at every
run start) to a *recovery file* in the user's data folder,
``<data>/recovery/<key>.guinet-recovery`` — one per window, never the
person's own ``.guinet`` file. A clean exit, a save, or discarding the
changes removes it; after a crash it is still there, and the next start
offers it back (:func:`list_recoveries`).

The file is JSON: the project as :meth:`Project.to_dict` writes it, plus what
the prompt shows — the project's name, the file it belongs to (``None`` for
a project never saved), when it was written and by which process (a file
whose writer is still running belongs to another open window, not a crash).
It is written atomically (:func:`guinet.core.fileio.atomic_write_text`).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guinet.core.fileio import (
    atomic_write_text,
    process_alive,
    remove_stale_temp_files,
)

if TYPE_CHECKING:
    from guinet.core.project import Project

#: A recovery file's name ends so.
SUFFIX = ".guinet-recovery"
#: The format number of a recovery file.
FORMAT = 1
#: Recovery files are small; anything larger is not ours.
MAX_BYTES = 64 * 1024 * 1024


class RecoveryError(Exception):
    """A recovery file that cannot be read back as a project."""


def recovery_dir(data_dir: Path | None = None) -> Path:
    """The folder of recovery files (in the user's data folder by default)."""
    if data_dir is None:
        from guinet.core.training.folders import user_data_dir

        data_dir = user_data_dir()
    return data_dir / "recovery"


def new_key() -> str:
    """A key for one window's recovery file (unique across processes)."""
    return f"{os.getpid()}-{uuid.uuid4().hex[:8]}"


def _safe_key(key: str) -> str:
    safe = re.sub(r"[^\w.-]+", "-", key).strip(".-")
    if not safe:
        raise ValueError(f"not a usable recovery key: {key!r}")
    return safe[:80]


@dataclass(frozen=True)
class Recovery:
    """One recovery file: what the restore prompt shows, and how to load it."""

    #: the recovery file itself
    file: Path
    #: the project's name when it was written
    name: str
    #: the project's own file (``None``: it was never saved)
    original: Path | None
    #: when it was written (seconds since the epoch)
    saved_at: float
    #: the process that wrote it
    pid: int

    def saved_text(self) -> str:
        """When it was saved, as a person reads it (local time)."""
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.saved_at))

    def load(self) -> Project:
        """The project as it was, attached to its own file (if it had one)."""
        from guinet.core.project import Project, ProjectError

        raw = _read(self.file)
        try:
            project = Project.from_dict(raw.get("project"), self.original)
        except ProjectError as exc:
            raise RecoveryError(f"{self.file.name}: {exc}") from None
        uid = raw.get("uid")
        if isinstance(uid, str) and re.fullmatch(r"[0-9a-f]{1,32}", uid):
            project.uid = uid  # an unsaved project finds its checkpoints again
        return project

    def remove(self) -> None:
        remove_recovery(self.file)


def recovery_path(key: str, folder: Path | None = None) -> Path:
    """The recovery file of the window with ``key``."""
    return (folder or recovery_dir()) / f"{_safe_key(key)}{SUFFIX}"


def write_recovery(
    project: Project, key: str, folder: Path | None = None, now: float | None = None
) -> Path:
    """Write ``project`` to the recovery file of ``key``; returns its path.

    Never touches the project's own file. Raises ``OSError`` when the folder
    cannot be written (the caller says so and goes on).
    """
    target = recovery_path(key, folder)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_files(target.parent, lambda name: name.endswith(SUFFIX))
    record = {
        "guinet_recovery": FORMAT,
        "name": project.name,
        "original": str(project.path) if project.path is not None else None,
        "saved_at": time.time() if now is None else now,
        "pid": os.getpid(),
        "uid": project.uid,
        "project": project.to_dict(),
    }
    atomic_write_text(target, json.dumps(record, indent=1))
    return target


def remove_recovery(file: Path) -> None:
    """Delete a recovery file (gone already is fine); only our own kind."""
    if not file.name.endswith(SUFFIX):
        raise ValueError(f"not a recovery file: {file}")
    with contextlib.suppress(FileNotFoundError):
        file.unlink()


def _read(file: Path) -> dict[str, Any]:
    try:
        if file.stat().st_size > MAX_BYTES:
            raise RecoveryError(f"{file.name} is too large to be a recovery file")
        raw = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise RecoveryError(f"{file.name} cannot be read: {exc}") from None
    if not isinstance(raw, dict) or raw.get("guinet_recovery") != FORMAT:
        raise RecoveryError(f"{file.name} is not a guinet recovery file")
    return raw


def read_recovery(file: Path) -> Recovery:
    """The metadata of one recovery file; :class:`RecoveryError` if unreadable."""
    raw = _read(file)
    name, original = raw.get("name"), raw.get("original")
    saved_at, pid = raw.get("saved_at"), raw.get("pid")
    if (
        not isinstance(name, str)
        or not (original is None or isinstance(original, str))
        or not isinstance(saved_at, (int, float))
        or isinstance(saved_at, bool)
        or not isinstance(pid, int)
        or not isinstance(raw.get("project"), dict)
    ):
        raise RecoveryError(f"{file.name} is not a guinet recovery file")
    return Recovery(
        file,
        name,
        Path(original) if original else None,
        float(saved_at),
        pid,
    )


def list_recoveries(folder: Path | None = None) -> list[Recovery]:
    """Recovery files left by a crash, newest first.

    Files whose writer is still running (another open window, or this
    process) are not left-overs and are skipped; so are unreadable ones
    (they stay on disk, untouched).
    """
    folder = folder or recovery_dir()
    try:
        files = sorted(folder.glob(f"*{SUFFIX}"))
    except OSError:
        return []
    found = []
    for file in files:
        try:
            recovery = read_recovery(file)
        except RecoveryError:
            continue
        if recovery.pid == os.getpid() or process_alive(recovery.pid):
            continue
        found.append(recovery)
    return sorted(found, key=lambda r: r.saved_at, reverse=True)
