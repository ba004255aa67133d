"""Checkpoints while training: :class:`ModelCheckpoint` and its settings.

Configured from the project's ``training.checkpoint`` section
(:data:`CHECKPOINT_PARAMS` declares every key once)::

    "checkpoint": {"enabled": true, "dir": "checkpoints", "monitor": "val_loss",
                   "save_best": true, "save_last": true, "every_n_epochs": 0,
                   "mode": "auto", "save_top_k": 1, "every_n_minutes": 0,
                   "filename": "{kind}-epoch{epoch:03d}-{monitor}={value:.4f}"}

At each epoch end it may write:

* ``last.ckpt`` (``save_last``): the newest epoch, to resume from;
* *best* files (``save_best``): the ``save_top_k`` epochs with the best
  monitored value (``-1`` keeps every epoch's, ``0`` none); a file that
  drops out of the top ``k`` is deleted;
* *periodic* files every ``every_n_epochs`` epochs and/or every
  ``every_n_minutes`` minutes; these are never deleted.

Best and periodic files are named by ``filename``, a ``str.format`` template
with ``{epoch}`` (epochs done), ``{value}`` (the monitored value),
``{monitor}``, ``{kind}`` and any logged value (``{val_loss:.4f}``; one not
logged reads ``nan``). A template without ``{kind}`` gets ``kind-`` in front,
so a best and a periodic file of the same epoch never share a name.

A folder that cannot be written (permissions, a full disk) never stops
training: the first failure adds a sentence to :attr:`ModelCheckpoint.notes`,
sets :attr:`~ModelCheckpoint.error` and reaches every callback's
``on_checkpoint_failed``; each file written reaches ``on_checkpoint_saved``.

The file format, loading and listing live in :mod:`.checkpoint_files` and
are re-exported here.
"""

from __future__ import annotations

import math
import re
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from guinet.core.params import Param
from guinet.core.sections import Section
from guinet.core.training.callbacks import Logs, MonitorCallback
from guinet.core.training.checkpoint_files import (
    FORMAT,
    FORMAT_VERSION,
    INDEX_NAME,
    KINDS,
    LAST_NAME,
    SUFFIX,
    Checkpoint,
    CheckpointError,
    CheckpointInfo,
    check_weights_fit,
    checkpoint_payload,
    describe_os_error,
    jsonable,
    list_checkpoints,
    load_checkpoint,
    load_weights,
    read_info,
    remove_checkpoint,
    remove_stale_temp_files,
    save_checkpoint,
    write_checkpoint,
)
from guinet.core.training.errors import ConfigError
from guinet.core.training.folders import PROJECT_FOLDER

if TYPE_CHECKING:
    from guinet.core.training.trainer import Trainer

DEFAULT_FILENAME = "{kind}-epoch{epoch:03d}-{monitor}={value:.4f}"

#: The keys of ``training.checkpoint``, declared once.
CHECKPOINT_PARAMS: tuple[Param, ...] = (
    Param(
        "enabled",
        "bool",
        True,
        "Save checkpoints while training.",
        label="On",
    ),
    Param(
        "dir",
        "str",
        PROJECT_FOLDER,
        "The folder for checkpoints, relative to the project file; {project} "
        "is the file's name (my.guinet: my-checkpoints).",
        label="Folder",
    ),
    Param(
        "monitor",
        "str",
        "val_loss",
        "The logged value that ranks the best checkpoints.",
    ),
    Param(
        "mode",
        "choice",
        "auto",
        "min: lower is better; max: higher is better; auto: max for accuracies.",
        choices=("auto", "min", "max"),
        advanced=True,
    ),
    Param("save_best", "bool", True, "Keep the checkpoints of the best epochs."),
    Param(
        "save_top_k",
        "int",
        1,
        "How many of the best checkpoints to keep: 0 none, -1 every epoch's.",
        minimum=-1,
        maximum=1_000_000,
        label="Keep best k",
        advanced=True,
    ),
    Param(
        "save_last",
        "bool",
        True,
        "Keep the newest epoch in last.ckpt, to resume from.",
    ),
    Param(
        "every_n_epochs",
        "int",
        0,
        "Also keep a checkpoint every N epochs (0: off).",
        minimum=0,
        maximum=1_000_000,
        label="Every N epochs",
    ),
    Param(
        "every_n_minutes",
        "float",
        0.0,
        "Also keep a checkpoint every N minutes of training (0: off).",
        minimum=0.0,
        label="Every N minutes",
        advanced=True,
    ),
    Param(
        "filename",
        "str",
        DEFAULT_FILENAME,
        "File names: {epoch}, {value}, {monitor}, {kind} and logged values "
        "such as {val_loss:.4f}.",
        label="File name",
        advanced=True,
    ),
)


class CheckpointSettings(Section):
    """The checked ``training.checkpoint`` section (see the module doc).

    Built from :data:`CHECKPOINT_PARAMS`, so every default lives there;
    ``null`` means switched off.
    """

    params = CHECKPOINT_PARAMS
    where = "training.checkpoint"
    error = ConfigError
    null_values: ClassVar[dict[str, Any]] = {"enabled": False}

    enabled: bool
    dir: str
    monitor: str
    mode: str
    save_best: bool
    save_top_k: int
    save_last: bool
    every_n_epochs: int
    every_n_minutes: float
    filename: str

    def _validate(self) -> None:
        if not self.dir.strip():
            self.add_problem("dir", "dir must name a folder")
        try:
            format_filename(self.filename, "best", 1, self.monitor, 0.5, {"loss": 0.5})
        except Exception as exc:
            self.add_problem(
                "filename",
                f"filename {self.filename!r} is not a usable template "
                f"({type(exc).__name__}: {exc}); use fields such as {{epoch:03d}} "
                "and {val_loss:.4f}",
            )

    def replace(self, **changes: Any) -> CheckpointSettings:
        changed: CheckpointSettings = super().replace(**changes)
        changed.check()
        return changed


class _Fields(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> float:
        return math.nan


def format_filename(
    template: str,
    kind: str,
    epoch: int,
    monitor: str | None,
    value: float | None,
    logs: Mapping[str, Any],
) -> str:
    """The file name (with ``.ckpt``) for a checkpoint; see the module doc."""
    fields = _Fields(logs)
    fields.update(
        kind=kind,
        epoch=epoch,
        monitor=monitor or "value",
        value=math.nan if value is None else value,
    )
    name = template.format_map(fields)
    if "{kind" not in template:
        name = f"{kind}-{name}"
    name = re.sub(r"[^\w.=+-]", "_", name).strip(".") or kind
    return name if name.endswith(SUFFIX) else name + SUFFIX


def new_run_id() -> str:
    """A run's name in the index: when it started, and a random tail."""
    return time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6]


class ModelCheckpoint(MonitorCallback):
    """Writes checkpoints into ``folder`` at epoch ends; see the module doc.

    ``context`` (the project, its path, the data's metadata) is stored in
    every file. Put it after early stopping in the callback list, so the
    files hold early stopping's state of the same epoch.
    """

    def __init__(
        self,
        folder: str | Path,
        settings: CheckpointSettings | None = None,
        *,
        context: Mapping[str, Any] | None = None,
        **overrides: Any,
    ) -> None:
        settings = settings if settings is not None else CheckpointSettings()
        if overrides:
            settings = settings.replace(**overrides)
        super().__init__(settings.monitor, settings.mode)
        self.folder = Path(folder)
        self.settings = settings
        self.context = jsonable(dict(context or {}))
        self.run_id = new_run_id()
        #: The best files kept now: ``[value, epoch, file name]``.
        self.top: list[list[Any]] = []
        #: Every file this run wrote, by name (the latest write of each).
        self.saved: dict[str, CheckpointInfo] = {}
        self.error: str | None = None
        self.notes: list[str] = []
        self._last_periodic = time.monotonic()

    @property
    def files(self) -> list[Path]:
        """The files this run wrote that are still there, oldest first."""
        infos = sorted(self.saved.values(), key=lambda i: (i.time, i.epoch))
        return [i.path for i in infos if i.path.is_file()]

    @property
    def last(self) -> Path | None:
        """``last.ckpt`` if this run wrote it."""
        info = self.saved.get(LAST_NAME)
        return info.path if info is not None else None

    @property
    def best_path(self) -> Path | None:
        """The best file kept now, if any."""
        if not self.top:
            return None
        best = (min if self.mode == "min" else max)(self.top, key=lambda e: e[0])
        return self.folder / best[2]

    def on_fit_start(self, trainer: Trainer) -> None:
        self._last_periodic = time.monotonic()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self._failed(trainer, exc)
            return
        remove_stale_temp_files(self.folder)

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: Logs) -> None:
        s = self.settings
        if not s.enabled:
            return
        value = self.current(logs)
        self.update_best(epoch, logs)
        kinds: list[str] = []
        evicted: list[list[Any]] = []
        added: list[Any] | None = None
        if (
            s.save_best
            and s.save_top_k != 0
            and value is not None
            and math.isfinite(value)
        ):
            keep, evicted = self._rank(value)
            if keep:
                kinds.append("best")
                name = self._name("best", epoch, value, logs)
                evicted = [e for e in evicted if e[2] != name]
                self.top = [e for e in self.top if e[2] != name and e not in evicted]
                added = [value, epoch, name]
                self.top.append(added)
        now = time.monotonic()
        if (s.every_n_epochs > 0 and (epoch + 1) % s.every_n_epochs == 0) or (
            s.every_n_minutes > 0
            and now - self._last_periodic >= s.every_n_minutes * 60
        ):
            kinds.append("periodic")
            self._last_periodic = now
        if s.save_last:
            kinds.append("last")
        if not kinds:
            return
        state = trainer.state_dict()  # once, with the top list updated
        for kind in kinds:
            path = self.folder / self._name(kind, epoch, value, logs)
            info = self._write(trainer, path, kind, value, state)
            if kind != "best":
                continue
            if info is None:  # not written: the old best files stay the best
                self.top = [e for e in self.top if e is not added] + evicted
                continue
            for entry in evicted:
                remove_checkpoint(self.folder / entry[2])
                self.saved.pop(entry[2], None)

    def _rank(self, value: float) -> tuple[bool, list[list[Any]]]:
        """Whether ``value`` enters the top k, and which entry it pushes out."""
        k = self.settings.save_top_k
        if k < 0 or len(self.top) < k:
            return True, []
        if self.mode == "min":
            worst = max(self.top, key=lambda e: e[0])
            better = value < worst[0]
        else:
            worst = min(self.top, key=lambda e: e[0])
            better = value > worst[0]
        return (True, [worst]) if better else (False, [])

    def _name(self, kind: str, epoch: int, value: float | None, logs: Logs) -> str:
        if kind == "last":
            return LAST_NAME
        return format_filename(
            self.settings.filename, kind, epoch + 1, self.monitor, value, logs
        )

    def _write(
        self,
        trainer: Trainer,
        path: Path,
        kind: str,
        value: float | None,
        state: dict[str, Any],
    ) -> CheckpointInfo | None:
        payload = checkpoint_payload(
            state,
            kind=kind,
            monitor=self.monitor,
            value=value,
            run=self.run_id,
            context=self.context,
        )
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            info = write_checkpoint(path, payload)
        except OSError as exc:
            self._failed(trainer, exc)
            return None
        self.error = None
        self.saved[path.name] = info
        for cb in trainer.all_callbacks:
            cb.on_checkpoint_saved(trainer, info)
        return info

    def _failed(self, trainer: Trainer, exc: OSError) -> None:
        first = self.error is None
        self.error = describe_os_error(exc)
        if not first:
            return
        note = (
            f"Checkpoints are not being saved: {self.folder} cannot be written "
            f"({self.error}). Training goes on."
        )
        self.notes.append(note)
        for cb in trainer.all_callbacks:
            cb.on_checkpoint_failed(trainer, note)

    # -- resume -----------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {
            **super().state_dict(),
            "top": [list(e) for e in self.top],
            "run": self.run_id,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.top = [
            list(e) for e in state.get("top", []) if (self.folder / e[2]).is_file()
        ]
        self.run_id = str(state.get("run") or self.run_id)


__all__ = [
    "CHECKPOINT_PARAMS",
    "DEFAULT_FILENAME",
    "FORMAT",
    "FORMAT_VERSION",
    "INDEX_NAME",
    "KINDS",
    "LAST_NAME",
    "SUFFIX",
    "Checkpoint",
    "CheckpointError",
    "CheckpointInfo",
    "CheckpointSettings",
    "ModelCheckpoint",
    "check_weights_fit",
    "checkpoint_payload",
    "describe_os_error",
    "format_filename",
    "list_checkpoints",
    "load_checkpoint",
    "load_weights",
    "new_run_id",
    "read_info",
    "remove_checkpoint",
    "remove_stale_temp_files",
    "save_checkpoint",
    "write_checkpoint",
]
