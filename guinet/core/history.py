"""Every run of a project, kept in an SQLite database beside it.

A :class:`RunHistory` is one SQLite file, ``<project>.runs.sqlite`` beside
the project file (:meth:`RunHistory.for_project`). It is a real database,
readable with any SQLite tool::

    sqlite3 my.runs.sqlite "SELECT id, label, status, best FROM runs"
    sqlite3 my.runs.sqlite "SELECT epoch, value FROM epochs
                            WHERE run_id = 3 AND key = 'val_loss'"

Tables (``schema_version`` says which layout a file has, so it can grow):

- ``runs``: one row per run — label, status, times, device, versions, the
  project's settings as JSON, best/final/test metrics, note, tags, and the
  writing process (``pid``, ``hostname``, ``token``, ``heartbeat``);
- ``epochs``: ``(run_id, epoch, key, value)``, one row per logged value
  (``epoch`` from 1; a NaN is stored as NULL);
- ``checkpoints``: the files a run kept (``run_id, epoch, path, kind, ...``).

Several processes may write one file at once: WAL journal, a busy timeout,
and short ``BEGIN IMMEDIATE`` transactions (one per epoch). A run whose
process died is left ``running``; the next :class:`RunHistory` opened on the
file marks it ``interrupted`` (its epochs stay). A
:class:`~guinet.core.history_recorder.HistoryRecorder` (from
:meth:`RunHistory.recorder`) records a run; writing the history never stops
training.
"""

from __future__ import annotations

import json
import math
import os
import socket
import sqlite3
import sys
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guinet.core import history_sql as sql

if TYPE_CHECKING:
    from guinet.core.history_recorder import HistoryRecorder
    from guinet.core.project import Project

RUN_STATUSES = (
    "running",
    "completed",
    "stopped",
    "early_stopping",
    "non_finite",
    "failed",
    "interrupted",
)
SUFFIX = ".runs.sqlite"
#: The history format this guinet writes (see :mod:`.history_sql`).
SCHEMA_VERSION = sql.SCHEMA_VERSION
#: A running row whose process is on another machine (so its pid cannot be
#: checked) counts as interrupted when it has not beaten for this long.
HEARTBEAT_TIMEOUT = 24 * 3600.0
BUSY_TIMEOUT_MS = 30_000


class HistoryError(Exception):
    """A run history that cannot be opened or read, said in one sentence."""


@dataclass
class RunRecord:
    """One recorded run, as :meth:`RunHistory.run` reads it back."""

    id: int
    uid: str
    label: str
    project_name: str
    source: str
    started: float
    ended: float | None
    duration: float | None
    status: str
    device: str
    versions: dict[str, str]
    settings: dict[str, Any]
    epochs_run: int
    monitor: str | None
    best_epoch: int | None
    best: float | None
    final: dict[str, float]
    test: dict[str, float]
    checkpoint_dir: str | None
    checkpoints: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""
    tags: list[str] = field(default_factory=list)
    study: str | None = None
    trial: int | None = None
    params: dict[str, Any] = field(default_factory=dict)


class RunHistory:
    """The run history in one SQLite file; see the module's docstring.

    One object may be used from several threads (a lock guards its
    connection); several processes may open the same file.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser()
        self._lock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                self.path,
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,  # transactions are ours: BEGIN IMMEDIATE
                check_same_thread=False,
            )
        except (OSError, sqlite3.Error) as exc:
            raise HistoryError(
                f"cannot open the run history {self.path}: {exc}"
            ) from None
        try:
            self._setup()
            self.check_interrupted()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise HistoryError(
                f"{self.path} is not a guinet run history ({exc})"
            ) from None

    # -- opening ---------------------------------------------------------------
    @classmethod
    def for_project(cls, project: Project) -> RunHistory:
        """The history of ``project``; see :func:`history_path`."""
        return cls(history_path(project))

    def _setup(self) -> None:
        db = self._db
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")
        with self._write() as cur:
            for statement in sql.SCHEMA.split(";"):
                if statement.strip():
                    cur.execute(statement)
            row = cur.execute("SELECT MAX(version) FROM schema_version").fetchone()
            version, current = (row[0] if row else None), sql.SCHEMA_VERSION
            if version is None:
                cur.execute(
                    "INSERT INTO schema_version (version) VALUES (?)", (current,)
                )
            elif version > current:
                raise HistoryError(
                    f"{self.path} was written by a newer guinet "
                    f"(history format {version}; this one reads {current})"
                )
            elif version < current:  # an older file grows, in the same transaction
                for step in range(version + 1, current + 1):
                    for statement in sql.MIGRATIONS.get(step, ()):
                        cur.execute(statement)
                cur.execute("UPDATE schema_version SET version = ?", (current,))

    def _write(self) -> sql.Transaction:
        return sql.Transaction(self._db, self._lock)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> RunHistory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- crash safety ------------------------------------------------------------
    def check_interrupted(self) -> list[int]:
        """Mark ``interrupted`` the running runs whose process is gone; their ids."""
        host = socket.gethostname()
        now = time.time()
        with self._lock:
            rows = self._db.execute(
                "SELECT id, pid, hostname, token, process_start, heartbeat, started "
                "FROM runs WHERE status = 'running'"
            ).fetchall()
        dead = []
        for run_id, pid, hostname, token, started_at, heartbeat, started in rows:
            if hostname == host and pid is not None and sys.platform != "win32":
                gone = not sql.process_alive(int(pid), started_at)
                if pid == os.getpid() and token not in sql.LIVE_TOKENS:
                    gone = True
            else:
                beat = heartbeat if heartbeat is not None else started
                gone = now - float(beat) > HEARTBEAT_TIMEOUT
            if gone:
                dead.append(int(run_id))
        if dead:
            with self._write() as cur:
                for run_id in dead:
                    cur.execute(
                        "UPDATE runs SET status = 'interrupted', "
                        "ended = COALESCE(heartbeat, started), "
                        "duration = COALESCE(heartbeat, started) - started "
                        "WHERE id = ? AND status = 'running'",
                        (run_id,),
                    )
        return dead

    # -- reading -------------------------------------------------------------------
    def runs(self) -> list[RunRecord]:
        """Every run, newest first."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM runs ORDER BY started DESC, id DESC"
            ).fetchall()
            files = self._checkpoint_rows(None)
        return [_record(row, files.get(row[0], [])) for row in rows]

    def run(self, run_id: int) -> RunRecord:
        """The run ``run_id``; :class:`KeyError` when there is none."""
        with self._lock:
            row = self._db.execute(
                f"SELECT {_COLUMNS} FROM runs WHERE id = ?", (int(run_id),)
            ).fetchone()
            if row is None:
                raise KeyError(f"no run {run_id} in {self.path}")
            files = self._checkpoint_rows(int(run_id))
        return _record(row, files.get(int(run_id), []))

    def curves(self, run_id: int) -> dict[str, list[float]]:
        """Key → one value per epoch (NaN where an epoch lacks it), and
        ``"epoch"``: the epoch numbers (from 1)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT epoch, key, value FROM epochs WHERE run_id = ? ORDER BY epoch",
                (int(run_id),),
            ).fetchall()
        epochs = sorted({int(row[0]) for row in rows})
        where = {epoch: i for i, epoch in enumerate(epochs)}
        out: dict[str, list[float]] = {"epoch": [float(e) for e in epochs]}
        for epoch, key, value in rows:
            values = out.setdefault(key, [math.nan] * len(epochs))
            values[where[int(epoch)]] = math.nan if value is None else float(value)
        return out

    def _checkpoint_rows(self, run_id: int | None) -> dict[int, list[dict[str, Any]]]:
        sql = "SELECT run_id, epoch, path, kind, monitor, value, time FROM checkpoints"
        args: tuple[Any, ...] = ()
        if run_id is not None:
            sql += " WHERE run_id = ?"
            args = (run_id,)
        out: dict[int, list[dict[str, Any]]] = {}
        for rid, epoch, path, kind, monitor, value, when in self._db.execute(
            sql + " ORDER BY run_id, epoch, kind", args
        ):
            out.setdefault(int(rid), []).append(
                {
                    "epoch": epoch,
                    "path": path,
                    "kind": kind,
                    "monitor": monitor,
                    "value": value,
                    "time": when,
                }
            )
        return out

    # -- editing ---------------------------------------------------------------------
    def set_note(self, run_id: int, text: str) -> None:
        self._update(run_id, note=str(text))

    def set_tags(self, run_id: int, tags: Iterable[str]) -> None:
        clean = list(dict.fromkeys(str(t).strip() for t in tags if str(t).strip()))
        self._update(run_id, tags=json.dumps(clean))

    def delete(self, ids: Iterable[int]) -> None:
        """Forget these runs (their epochs and checkpoint records too; the
        checkpoint files themselves are left where they are)."""
        ids = [int(i) for i in ids]
        with self._write() as cur:
            cur.executemany("DELETE FROM runs WHERE id = ?", [(i,) for i in ids])

    def _update(self, run_id: int, **values: Any) -> None:
        names = ", ".join(f"{name} = ?" for name in values)
        with self._write() as cur:
            cur.execute(
                f"UPDATE runs SET {names} WHERE id = ?", (*values.values(), int(run_id))
            )
            if cur.rowcount == 0:
                raise KeyError(f"no run {run_id} in {self.path}")

    # -- recording (used by HistoryRecorder) -------------------------------------
    def recorder(
        self,
        project: Project,
        *,
        source: str = "gui",
        study: str | None = None,
        trial: int | None = None,
        params: Mapping[str, Any] | None = None,
        tensorboard: str | os.PathLike[str] | None = None,
    ) -> HistoryRecorder:
        """A callback that records a run of ``project`` here; see
        :class:`~guinet.core.history_recorder.HistoryRecorder`."""
        from guinet.core.history_recorder import HistoryRecorder

        return HistoryRecorder(
            self.path,
            project,
            source=source,
            study=study,
            trial=trial,
            params=params,
            tensorboard=tensorboard,
        )

    def start_run(self, values: Mapping[str, Any]) -> tuple[int, str]:
        """Insert a ``running`` row for this process; its id and label."""
        import uuid

        token = uuid.uuid4().hex
        row = {
            **values,
            "uid": values.get("uid") or uuid.uuid4().hex,
            "status": "running",
            "pid": os.getpid(),
            "hostname": socket.gethostname(),
            "token": token,
            "process_start": sql.process_start(os.getpid()),
            "heartbeat": values.get("started", time.time()),
        }
        for key in ("versions", "settings", "final", "test", "tags", "params"):
            if key in row and not isinstance(row[key], str):
                row[key] = sql.dumps(row[key])
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        sql.LIVE_TOKENS.add(token)
        with self._write() as cur:
            cur.execute(
                f"INSERT INTO runs ({names}) VALUES ({marks})", tuple(row.values())
            )
            run_id = int(cur.lastrowid or 0)
            label = f"run {run_id}"
            cur.execute("UPDATE runs SET label = ? WHERE id = ?", (label, run_id))
        return run_id, label

    def record_epoch(
        self, run_id: int, epoch: int, logs: Mapping[str, float], **values: Any
    ) -> None:
        """One epoch's logs (``epoch`` from 1) and the run's progress, at once."""
        values = {**values, "final": sql.dumps(dict(logs)), "heartbeat": time.time()}
        names = ", ".join(f"{name} = ?" for name in values)
        with self._write() as cur:
            cur.executemany(
                "INSERT OR REPLACE INTO epochs (run_id, epoch, key, value) "
                "VALUES (?, ?, ?, ?)",
                [(run_id, epoch, key, sql.real(v)) for key, v in logs.items()],
            )
            cur.execute(
                f"UPDATE runs SET {names} WHERE id = ?", (*values.values(), run_id)
            )

    def record_checkpoint(self, run_id: int, info: Mapping[str, Any]) -> None:
        with self._write() as cur:
            cur.execute(
                "INSERT OR REPLACE INTO checkpoints "
                "(run_id, epoch, path, kind, monitor, value, time) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    int(info.get("epoch", 0)),
                    str(info["path"]),
                    str(info.get("kind", "")),
                    info.get("monitor"),
                    sql.real(info.get("value")),
                    info.get("time"),
                ),
            )

    def replace_checkpoints(
        self, run_id: int, infos: Sequence[Mapping[str, Any]]
    ) -> None:
        """The files the run kept, in place of the ones it saved on the way."""
        with self._write() as cur:
            cur.execute("DELETE FROM checkpoints WHERE run_id = ?", (run_id,))
        for info in infos:
            self.record_checkpoint(run_id, info)

    def end_run(self, run_id: int, token: str | None = None, **values: Any) -> None:
        """Final values of a run (``status``, ``ended``, metrics...)."""
        for key in ("final", "test"):
            if key in values and not isinstance(values[key], str):
                values[key] = sql.dumps(values[key])
        for key in ("best",):
            if key in values:
                values[key] = sql.real(values[key])
        names = ", ".join(f"{name} = ?" for name in values)
        with self._write() as cur:
            cur.execute(
                f"UPDATE runs SET {names} WHERE id = ?", (*values.values(), run_id)
            )
        if token is not None:
            sql.LIVE_TOKENS.discard(token)

    def token(self, run_id: int) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT token FROM runs WHERE id = ?", (run_id,)
            ).fetchone()
        return row[0] if row else None


def history_path(project: Project) -> Path:
    """``<stem>.runs.sqlite`` beside the project file; for a project without
    a file, or a shipped example, ``<data>/runs/<name>.runs.sqlite`` in the
    user's data folder (named as its checkpoint folder there)."""
    from guinet.core.training.folders import is_shipped, own_folder, user_data_dir

    if project.path is not None and not is_shipped(project.path):
        return project.path.with_name(project.path.stem + SUFFIX)
    return user_data_dir() / "runs" / (own_folder(project).name + SUFFIX)


def settings_diff(records: Sequence[RunRecord]) -> list[tuple[str, list[Any]]]:
    """The dotted setting keys whose values differ between ``records``, each
    with its value per run (``None`` where a run lacks the key). Lists of
    objects (the layers) are compared item by item: ``model.layers.2.p``."""
    flat = [_flatten(record.settings) for record in records]
    keys: dict[str, None] = {}
    for one in flat:
        keys.update(dict.fromkeys(one))
    out = []
    for key in keys:
        values = [one.get(key) for one in flat]
        if any(
            v != values[0] or (key in one) != (key in flat[0])
            for v, one in zip(values, flat, strict=True)
        ):
            out.append((key, values))
    return out


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(_flatten(item, f"{prefix}{key}."))
        return out
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        out = {}
        for i, item in enumerate(value):
            out.update(_flatten(item, f"{prefix}{i}."))
        if not value:
            out[prefix[:-1]] = []
        return out
    return {prefix[:-1]: value}


# -- rows ----------------------------------------------------------------------------
_FIELDS = (
    *("id", "uid", "label", "project_name", "source", "started", "ended"),
    *("duration", "status", "device", "versions", "settings", "epochs_run"),
    *("monitor", "best_epoch", "best", "final", "test", "checkpoint_dir"),
    *("note", "tags", "study", "trial", "params"),
)
_COLUMNS = ", ".join(_FIELDS)
_JSON_FIELDS: dict[str, Any] = {
    "versions": {},
    "settings": {},
    "final": {},
    "test": {},
    "tags": [],
    "params": {},
}


def _record(row: Sequence[Any], checkpoints: list[dict[str, Any]]) -> RunRecord:
    values = dict(zip(_FIELDS, row, strict=True))
    for key, empty in _JSON_FIELDS.items():
        try:
            values[key] = json.loads(values[key]) if values[key] else empty
        except (TypeError, ValueError):
            values[key] = empty
    for key in ("final", "test"):
        values[key] = {k: math.nan if v is None else v for k, v in values[key].items()}
    return RunRecord(**values, checkpoints=checkpoints)
