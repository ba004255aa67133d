"""The SQLite side of the run history: the schema, write transactions, values
as SQLite and JSON keep them, and whether a recording process still lives.

Kept apart from :mod:`guinet.core.history` (the API) so that one reads as
what a run history promises; this module is how the file keeps it.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import sys
import threading
from pathlib import Path
from typing import Any

#: The layout this guinet writes (the ``schema_version`` table holds a file's).
SCHEMA_VERSION = 1
#: Format → the statements that bring a file of the format before it up to
#: it (``ALTER TABLE runs ADD COLUMN ...``); a table new in that format is
#: made by :data:`SCHEMA`'s ``CREATE TABLE IF NOT EXISTS``. A file of a newer
#: format than :data:`SCHEMA_VERSION` is refused, never changed.
MIGRATIONS: dict[int, tuple[str, ...]] = {}

SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uid TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL DEFAULT '',
    project_name TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT 'gui',
    started REAL NOT NULL,
    ended REAL,
    duration REAL,
    status TEXT NOT NULL DEFAULT 'running',
    device TEXT NOT NULL DEFAULT '',
    versions TEXT NOT NULL DEFAULT '{}',
    settings TEXT NOT NULL DEFAULT '{}',
    epochs_run INTEGER NOT NULL DEFAULT 0,
    monitor TEXT,
    best_epoch INTEGER,
    best REAL,
    final TEXT NOT NULL DEFAULT '{}',
    test TEXT NOT NULL DEFAULT '{}',
    checkpoint_dir TEXT,
    note TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '[]',
    study TEXT,
    trial INTEGER,
    params TEXT NOT NULL DEFAULT '{}',
    pid INTEGER,
    hostname TEXT,
    token TEXT,
    process_start TEXT,
    heartbeat REAL
);
CREATE INDEX IF NOT EXISTS runs_status ON runs (status);
CREATE TABLE IF NOT EXISTS epochs (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    epoch INTEGER NOT NULL,
    key TEXT NOT NULL,
    value REAL,
    PRIMARY KEY (run_id, epoch, key)
);
CREATE TABLE IF NOT EXISTS checkpoints (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    epoch INTEGER NOT NULL,
    path TEXT NOT NULL,
    kind TEXT NOT NULL,
    monitor TEXT,
    value REAL,
    time REAL,
    PRIMARY KEY (run_id, path)
);
"""


def real(value: Any) -> float | None:
    """A float SQLite keeps (it turns NaN into NULL itself; say so plainly)."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def dumps(value: Any) -> str:
    """JSON where NaN and infinities are ``null`` (strict JSON readers)."""

    def clean(v: Any) -> Any:
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, dict):
            return {str(k): clean(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        return v

    return json.dumps(clean(value), default=str)


class Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` under the object's lock: a writer
    takes the file's write lock at once, so two processes never deadlock
    upgrading read locks (the busy timeout makes the second one wait)."""

    def __init__(self, db: sqlite3.Connection, lock: threading.RLock) -> None:
        self._db = db
        self._lock = lock

    def __enter__(self) -> sqlite3.Cursor:
        self._lock.acquire()
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._lock.release()
            raise
        return self._db.cursor()

    def __exit__(self, kind: object, *rest: object) -> None:
        try:
            self._db.execute("ROLLBACK" if kind is not None else "COMMIT")
        finally:
            self._lock.release()


# -- processes -------------------------------------------------------------------
#: Tokens of the runs this process is recording now.
LIVE_TOKENS: set[str] = set()


def process_start(pid: int) -> str | None:
    """When ``pid`` started (Linux: ``/proc``), to tell a reused pid apart."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    try:
        return text.rsplit(")", 1)[1].split()[19]
    except IndexError:
        return None


def process_alive(pid: int, started: str | None) -> bool:
    if sys.platform == "win32":  # os.kill(pid, 0) would end it there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return True
    if started is not None:
        now = process_start(pid)
        if now is not None and now != started:
            return False  # the pid was reused by another process
    return True
