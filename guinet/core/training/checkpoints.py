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
so a best and a periodic file of the same epoch never share a name. A
template is a file name, never a path, and its fields are plain names with
simple formats (:func:`check_filename_template`); guinet only ever deletes
best files it named, inside the folder (:func:`remove_owned_checkpoint`),
whatever a resumed checkpoint's saved ranking says.

Files are written off the training thread: at an epoch end the callback
copies the state (:func:`~.checkpoint_writer.snapshot`) and a
:class:`~.checkpoint_writer.CheckpointWriter` writes it in the background,
writing only the newest pending ``last.ckpt`` when writes pile up. Every
pending file is written before :meth:`~Trainer.fit` returns (completed,
stopped or failed). ``on_checkpoint_saved`` therefore comes at a later epoch
end or at the end of the run, on the training thread.

When epochs are so short that copying the state costs more than
:data:`CHEAP_SNAPSHOT` of one, ``last.ckpt`` is snapshotted only at epochs
the writer can take at once (it rests between writes, so that writing takes
a few percent of the time), at the last epoch and when the run was asked to
stop at an epoch end (early stopping). A run broken off in the middle of an
epoch (a stop, an error, a crash) then leaves a ``last.ckpt`` that may be a
few epochs older than the last one finished: at most about a second of such
short epochs. Best and periodic files always hold their own epoch.

A folder that cannot be written (permissions, a full disk) never stops
training: the first failure adds a sentence to :attr:`ModelCheckpoint.notes`,
sets :attr:`~ModelCheckpoint.error` and reaches every callback's
``on_checkpoint_failed``; each file written reaches ``on_checkpoint_saved``.

The file format, loading and listing live in :mod:`.checkpoint_files` and
are re-exported here.
"""

from __future__ import annotations

import functools
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
    is_generated_name,
    jsonable,
    list_checkpoints,
    load_checkpoint,
    load_weights,
    read_info,
    remove_checkpoint,
    remove_owned_checkpoint,
    remove_stale_temp_files,
    save_checkpoint,
    write_checkpoint,
)
from guinet.core.training.checkpoint_writer import (
    CheckpointWriter,
    WriteJob,
    snapshot,
)
from guinet.core.training.errors import ConfigError
from guinet.core.training.folders import PROJECT_FOLDER

if TYPE_CHECKING:
    from guinet.core.training.trainer import Trainer

DEFAULT_FILENAME = "{kind}-epoch{epoch:03d}-{monitor}={value:.4f}"
#: A snapshot for ``last.ckpt`` that takes more than this share of an epoch
#: is taken only when the writer can write it at once (or at the last epoch).
CHEAP_SNAPSHOT = 0.02

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
            why = str(exc) if isinstance(exc, ValueError) else type(exc).__name__
            self.add_problem(
                "filename",
                f"filename {self.filename!r} is not a usable template "
                f"({why}); use fields such as {{epoch:03d}} and {{val_loss:.4f}}",
            )

    def replace(self, **changes: Any) -> CheckpointSettings:
        changed: CheckpointSettings = super().replace(**changes)
        changed.check()
        return changed


class _Fields(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> float:
        return math.nan


#: The fields a file-name template may name besides the logged values.
TEMPLATE_FIELDS = ("epoch", "value", "monitor", "kind")
#: A field's format spec: fill/align, sign, width and precision of at most
#: two digits, and a type; nothing nested.
_SIMPLE_SPEC = re.compile(
    r"^(?:[^{}]?[<>=^])?[+\- ]?#?0?[0-9]{0,2},?(?:\.[0-9]{1,2})?[a-zA-Z%]?$"
)
#: Checkpoint file names stay below the usual 255-byte limit.
MAX_NAME = 200


def template_fields() -> set[str]:
    """The field names a file-name template may use."""
    from guinet.core.training.metrics import METRICS

    logged = {"loss", "lr", "time", "samples_per_sec", *METRICS}
    return {*TEMPLATE_FIELDS, *logged, *(f"val_{k}" for k in logged)}


@functools.lru_cache(maxsize=64)
def check_filename_template(template: str) -> None:
    """Raise :class:`ValueError` (one sentence) unless ``template`` is a plain
    file name with simple fields.

    A template may not name a folder (``/``, ``\\``, ``..``, an absolute
    path), and its fields are plain names of :func:`template_fields` with a
    simple format spec of bounded width: attribute access (``{epoch.real}``),
    indexing (``{epoch[0]}``), conversions and huge widths
    (``{epoch:100000000}``) are refused before anything is formatted.
    """
    import string

    if not isinstance(template, str) or not template.strip():
        raise ValueError("the file name template is empty")
    if len(template) > MAX_NAME:
        raise ValueError(f"the file name template is longer than {MAX_NAME} characters")
    if "/" in template or "\\" in template or ".." in template:
        raise ValueError(
            "the file name template names a folder ('/', '\\' or '..'); "
            "checkpoints always go into the checkpoint folder itself"
        )
    known = template_fields()
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(f"the file name template does not parse ({exc})") from None
    for _, field, spec, conversion in parsed:
        if field is None:
            continue
        if field == "" or not field.isidentifier():
            raise ValueError(
                f"the field {{{field}}} is not a plain name: attribute access, "
                "indexing and positional fields are not allowed"
            )
        if field not in known:
            raise ValueError(
                f"unknown field {{{field}}}; use {', '.join(sorted(TEMPLATE_FIELDS))} "
                "or a logged value such as val_loss"
            )
        if conversion:
            raise ValueError(f"the field {{{field}!{conversion}}} has a conversion")
        if spec and not _SIMPLE_SPEC.match(spec):
            raise ValueError(
                f"the format {{{field}:{spec}}} is not a simple one (at most two "
                "digits of width and precision, e.g. {epoch:03d} or {value:.4f})"
            )


def format_filename(
    template: str,
    kind: str,
    epoch: int,
    monitor: str | None,
    value: float | None,
    logs: Mapping[str, Any],
) -> str:
    """The file name (with ``.ckpt``) for a checkpoint; see the module doc.

    ``template`` is checked first (:func:`check_filename_template`); the name
    never holds a folder part.
    """
    check_filename_template(template)
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
    name = re.sub(r"\.{2,}", ".", name)
    if name.endswith(SUFFIX):
        name = name[: -len(SUFFIX)]
    return name[:MAX_NAME] + SUFFIX


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
        self._snapshot_seconds = 0.0
        #: Writes the files on its own thread (see :mod:`.checkpoint_writer`).
        self.writer = CheckpointWriter(self._write_file, self._remove_file)

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
        self._collect(trainer)
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
        if s.save_last and (kinds or self._last_due(trainer, epoch, logs)):
            kinds.append("last")
        if not kinds:
            return
        started = time.perf_counter()
        state = self._snapshot(trainer)
        self._snapshot_seconds = time.perf_counter() - started
        for kind in kinds:
            path = self.folder / self._name(kind, epoch, value, logs)
            payload = checkpoint_payload(
                state, kind=kind, monitor=self.monitor, value=value, run=self.run_id
            )
            payload.update(self.context)  # plain JSON values already
            remove: list[str] = []
            if kind == "best":
                for entry in evicted:  # a file not written yet need not be
                    remove += self.writer.cancel(self.folder / str(entry[2]))
                    remove.append(str(entry[2]))
            self.writer.submit(
                WriteJob(
                    path,
                    payload,
                    key=LAST_NAME if kind == "last" else None,
                    remove=remove,
                    token=(kind, added, evicted),
                )
            )

    def _last_due(self, trainer: Trainer, epoch: int, logs: Logs) -> bool:
        """Whether to snapshot this epoch for ``last.ckpt`` (see the module doc):
        at the run's last epoch, when the writer would write it at once, or
        when a snapshot is cheap next to an epoch."""
        if epoch + 1 >= trainer.epochs or trainer.control.stop_requested:
            return True
        if self.writer.ready_for(LAST_NAME):
            return True
        epoch_seconds = float(logs.get("time") or 0.0)
        return self._snapshot_seconds <= CHEAP_SNAPSHOT * epoch_seconds

    def _snapshot(self, trainer: Trainer) -> dict[str, Any]:
        """The trainer's state now (with the top list updated), its tensors
        copied so training can go on while the writer saves it. The curves
        are plain numbers recorded once and never changed: they are shared,
        not walked, so a snapshot costs the same at epoch 10 and 10,000."""
        state = trainer.state_dict()
        shared = {k: state.pop(k) for k in ("generator", "torch_rng") if k in state}
        callbacks = dict(state["callbacks"])
        history = callbacks.pop(trainer.history.state_key, None)
        state["callbacks"] = callbacks
        state = snapshot(state)
        state.update(shared)  # get_state() made these tensors afresh
        if history is not None:
            state["callbacks"][trainer.history.state_key] = history
        return state

    def on_fit_end(self, trainer: Trainer) -> None:
        """Every pending file is written before the run reports its end."""
        self.writer.close()
        self._collect(trainer)

    def flush(self, trainer: Trainer | None = None) -> None:
        """Wait for the pending writes; with ``trainer``, report them too."""
        self.writer.flush()
        if trainer is not None:
            self._collect(trainer)

    def _collect(self, trainer: Trainer) -> None:
        """Take in what the writer finished (on the training thread)."""
        for result in self.writer.results():
            if result.skipped:
                continue
            kind, added, evicted = result.job.token
            if result.info is None:
                if kind == "best":  # not written: the old best files stay the best
                    back = [
                        e
                        for e in evicted
                        if e not in self.top and (self.folder / e[2]).is_file()
                    ]
                    self.top = [e for e in self.top if e is not added] + back
                self._failed(trainer, result.error)
                continue
            info = result.info
            self.error = None
            self.saved[info.path.name] = info
            for name in result.removed:
                self.saved.pop(name, None)
            for cb in trainer.all_callbacks:
                cb.on_checkpoint_saved(trainer, info)

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

    # -- on the writer thread ---------------------------------------------------------
    def _write_file(self, path: Path, payload: dict[str, Any]) -> CheckpointInfo:
        self.folder.mkdir(parents=True, exist_ok=True)
        return write_checkpoint(path, payload)

    def _remove_file(self, name: str) -> bool:
        return remove_owned_checkpoint(self.folder, name)

    def _failed(self, trainer: Trainer, exc: BaseException | None) -> None:
        first = self.error is None
        if isinstance(exc, OSError):
            self.error = describe_os_error(exc)
        else:
            self.error = f"{type(exc).__name__}: {exc}" if exc else "unknown error"
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
        self.top = [list(e) for e in state.get("top", []) if self._trusted(e)]
        self.run_id = str(state.get("run") or self.run_id)

    def _trusted(self, entry: Any) -> bool:
        """Whether a saved ranking entry names a best file of this folder: the
        ranking comes from a checkpoint file, and its entries are deleted
        when they drop out of the top ``k``."""
        return (
            isinstance(entry, list | tuple)
            and len(entry) == 3
            and isinstance(entry[0], int | float)
            and isinstance(entry[1], int)
            and is_generated_name(entry[2])
            and (self.folder / entry[2]).is_file()
            and not (self.folder / entry[2]).is_symlink()
        )


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
    "check_filename_template",
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
    "remove_owned_checkpoint",
    "remove_stale_temp_files",
    "save_checkpoint",
    "write_checkpoint",
]
