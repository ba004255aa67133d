"""How the Runs page lists a recorded run, Qt-free.

The run history (:mod:`guinet.core.history`) keeps the facts of every run;
this module turns them into the words and numbers a table shows (local start
time, duration, the monitored best, test scores), decides which runs a filter
keeps, finds the checkpoint files a run may delete — only files the history
lists for that run, directly inside its checkpoint folder, and only ones
guinet wrote — and reads a run's settings snapshot back as the sections a
project can take (:func:`restorable_sections`).
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from guinet.core.history import RunRecord
    from guinet.core.project import Project

#: A status as the table says it (the history's own word in the tooltip).
STATUS_WORDS = {
    "running": "running",
    "completed": "completed",
    "stopped": "stopped",
    "early_stopping": "stopped early",
    "non_finite": "loss not finite",
    "failed": "failed",
    "interrupted": "interrupted",
}
#: The sections of a project a run's settings restore (the rest stays).
RESTORED_SECTIONS = ("model", "data", "training")
MISSING = "—"


def status_text(status: str) -> str:
    return STATUS_WORDS.get(status, status.replace("_", " "))


def started_text(started: float | None, now: float | None = None) -> str:
    """A unix time as the person's local date and time, short: ``28 Nov
    14:35`` this year, ``2025-11-28 14:35`` before."""
    if started is None or not math.isfinite(started):
        return MISSING
    when = time.localtime(started)
    this_year = time.localtime(time.time() if now is None else now).tm_year
    if when.tm_year == this_year:
        return time.strftime("%d %b %H:%M", when).lstrip("0")
    return time.strftime("%Y-%m-%d %H:%M", when)


def started_full(started: float | None) -> str:
    if started is None or not math.isfinite(started):
        return MISSING
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started))


def duration_text(seconds: float | None) -> str:
    """``8.4 s``, ``3 min 05 s``, ``2 h 07 min``; ``—`` when unknown."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return MISSING
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


def number_text(value: Any) -> str:
    """A metric with four significant digits; ``—`` for none or not a number."""
    if value is None or isinstance(value, bool):
        return MISSING
    try:
        number = float(value)
    except (TypeError, ValueError):
        return MISSING
    if math.isnan(number):
        return MISSING
    return f"{number:.4g}"


def best_text(record: RunRecord, with_monitor: bool = True) -> str:
    """``0.2131 val_loss @ 12``: the monitored best and the epoch it came at
    (without the monitor's name when the column's title says it)."""
    if record.best is None:
        return MISSING
    text = number_text(record.best)
    if record.monitor and with_monitor:
        text += f" {record.monitor}"
    if record.best_epoch is not None:
        text += f" @ {record.best_epoch}"
    return text


def shared_monitor(records: list[RunRecord]) -> str | None:
    """The monitor every run with a best has, when they share one."""
    monitors = {r.monitor for r in records if r.best is not None and r.monitor}
    return monitors.pop() if len(monitors) == 1 else None


def test_value(record: RunRecord, key: str) -> float | None:
    """A test score (``loss``, ``accuracy``) of the run, when it has one."""
    value = record.test.get(key) if isinstance(record.test, dict) else None
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def accuracy_text(value: float | None) -> str:
    return MISSING if value is None or math.isnan(value) else f"{value:.1%}"


def tags_text(tags: list[str]) -> str:
    return ", ".join(tags)


def parse_tags(text: str) -> list[str]:
    """Tags typed as ``"baseline, lr sweep, baseline"`` → ``["baseline",
    "lr sweep"]``: split at commas, trimmed, empty ones and repeats dropped."""
    tags: list[str] = []
    for part in text.split(","):
        tag = " ".join(part.split())
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def search_text(record: RunRecord) -> str:
    """What a filter looks in: label, status (word and key), tags, note."""
    parts = [
        record.label,
        status_text(record.status),
        record.status,
        *record.tags,
        record.note,
    ]
    return "\n".join(parts).casefold()


def matches(record: RunRecord, text: str = "", status: str | None = None) -> bool:
    """Whether the filter keeps ``record``: every word of ``text`` appears in
    its label, status, tags or note (any case), and its status is ``status``
    when one is given."""
    if status and record.status != status:
        return False
    haystack = search_text(record)
    return all(word in haystack for word in text.casefold().split())


def value_text(value: Any) -> str:
    """A setting's value in a cell: JSON for lists and objects, ``—`` for
    a setting the run did not have."""
    if value is None:
        return "none"
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    try:
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    except (TypeError, ValueError):
        return repr(value)


# -- checkpoint files ------------------------------------------------------------
def owned_checkpoint_files(record: RunRecord) -> list[Path]:
    """The checkpoint files of ``record`` that are still its own: those the
    history lists for it that lie directly inside its checkpoint folder
    (never a file elsewhere, whatever the history says) and still hold what
    this run wrote — a later run that wrote a file of the same name
    (``last.ckpt``) made it that run's, and it is left alone."""
    from guinet.core.training.checkpoint_files import CheckpointError, read_info

    if not record.checkpoint_dir:
        return []
    try:
        folder = Path(record.checkpoint_dir).resolve()
    except (OSError, RuntimeError):
        return []
    found: list[Path] = []
    for entry in record.checkpoints:
        raw = entry.get("path") if isinstance(entry, dict) else None
        written = entry.get("time") if isinstance(entry, dict) else None
        if not isinstance(raw, str) or not raw or not isinstance(written, int | float):
            continue
        path = Path(raw)
        if not path.is_absolute():
            path = folder / path
        try:
            if path.is_symlink() or not path.is_file():
                continue
            if path.resolve().parent != folder:
                continue
            if abs(read_info(path).time - float(written)) > 1e-3:
                continue  # written again since, by another run
        except (OSError, CheckpointError, RuntimeError, ValueError):
            continue
        if path not in found:
            found.append(path)
    return found


def delete_checkpoint_files(record: RunRecord) -> list[Path]:
    """Delete :func:`owned_checkpoint_files` (only guinet checkpoints); return
    the ones deleted."""
    from guinet.core.training.checkpoint_files import remove_owned_checkpoint

    deleted = []
    for path in owned_checkpoint_files(record):
        if remove_owned_checkpoint(path.parent, path.name):
            deleted.append(path)
    return deleted


# -- restoring settings --------------------------------------------------------------
def restorable_sections(settings: Any, project: Project) -> dict[str, Any]:
    """The ``model``, ``data`` and ``training`` sections of a run's settings
    snapshot, read as a project file is (an older format brought up to
    date), ready for ``project``. Raises :class:`ValueError` with one
    sentence when the snapshot cannot be used."""
    from guinet.core.project import FORMAT_VERSION, Project, ProjectError

    if not isinstance(settings, dict) or not settings:
        raise ValueError("the run kept no settings to restore")
    raw = dict(settings)
    raw.setdefault("guinet", FORMAT_VERSION)
    try:
        snapshot = Project.from_dict(raw, project.path)
    except ProjectError as exc:
        raise ValueError(f"its settings cannot be read: {exc}") from None
    return {
        "model": snapshot.model.to_dict(),
        "data": snapshot.data.to_dict() if snapshot.data is not None else None,
        "training": snapshot.training.to_dict(),
    }
