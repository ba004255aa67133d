"""Atomic file writes: a crash mid-write leaves the previous file intact.

The temporary file of a write is named ``.<target>.<pid>-<random>.tmp``
beside its target, so the left-overs of a killed writer can be told apart
from a live writer's: :func:`remove_stale_temp_files` deletes only files of
that naming whose process is gone (or that are old), never anything else.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

#: A temporary file whose writer may still be alive is left-over only once it
#: is older than this (seconds); one whose process is gone is at once.
STALE_TEMP_SECONDS = 600
_TEMP_NAME = re.compile(r"^\.(?P<target>.+)\.(?P<pid>[0-9]+)-[a-z0-9_]+\.tmp$")
#: The naming before the process id was part of it.
_OLD_TEMP_NAME = re.compile(r"^\.(?P<target>.+)\.[a-z0-9_]+\.tmp$")


def atomic_write(
    path: str | os.PathLike[str], write: Callable[[IO[bytes]], object]
) -> None:
    """Call ``write`` on a temporary file beside ``path``, then move it into place.

    The temporary file lives in the same folder so ``os.replace`` is atomic;
    it is flushed and fsynced first, so after a crash ``path`` holds either the
    old or the new content, never a torn one. The folder is fsynced after the
    move (where the system allows it) so the new name survives a power cut.
    """
    target = Path(path)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{target.name}.{os.getpid()}-", suffix=".tmp", dir=target.parent
    )
    try:
        # mkstemp makes the file private (0600); give it the mode a plain
        # open() would, or keep the mode of the file being replaced.
        os.chmod(tmp, _mode_for(target))
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(target.parent)


def _current_umask() -> int:
    umask = os.umask(0)  # the only way to read it: set and restore, once, at import
    os.umask(umask)
    return umask


_UMASK = _current_umask()


def _mode_for(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        return 0o666 & ~_UMASK


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    data = text.encode("utf-8")
    atomic_write(path, lambda handle: handle.write(data))


def temp_file_target(name: str) -> tuple[str, int | None] | None:
    """``(target name, writer's pid or None)`` if ``name`` is one of
    :func:`atomic_write`'s temporary files, else ``None``."""
    found = _TEMP_NAME.match(name)
    if found is not None:
        return found.group("target"), int(found.group("pid"))
    found = _OLD_TEMP_NAME.match(name)
    if found is not None:
        return found.group("target"), None
    return None


def remove_stale_temp_files(
    folder: str | os.PathLike[str],
    targets: Callable[[str], bool],
    older_than: float = STALE_TEMP_SECONDS,
) -> int:
    """Delete :func:`atomic_write`'s left-overs in ``folder``; return how many.

    Only temporary files of our own naming whose target name passes
    ``targets`` are considered, and of those only the ones whose writing
    process is gone, or that are older than ``older_than`` seconds (a live
    process, this one included, may still be writing a newer one).
    """
    removed = 0
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        parsed = temp_file_target(entry.name)
        if parsed is None or not targets(parsed[0]):
            continue
        with contextlib.suppress(OSError):
            if not entry.is_file(follow_symlinks=False):
                continue
            pid = parsed[1]
            old = now - entry.stat(follow_symlinks=False).st_mtime > older_than
            gone = pid is not None and pid != os.getpid() and not _alive(pid)
            if old or gone:
                os.unlink(entry.path)
                removed += 1
    return removed


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists (unknown counts as alive)."""
    if os.name != "posix" or pid <= 0:
        return True  # os.kill would end the process on Windows
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else; or cannot tell
        return True
    return True


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` may still be running (unknown counts as alive)."""
    return _alive(pid)
