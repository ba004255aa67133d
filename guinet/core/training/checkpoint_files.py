"""Checkpoint files: safe to open, written atomically, listed for the GUI.

The callback that writes them during training is
:class:`~guinet.core.training.checkpoints.ModelCheckpoint`, which also
re-exports everything public here.

A checkpoint (``*.ckpt``) is a ``torch.save`` zip of tensors and plain JSON
values only, so it loads with ``torch.load(path, weights_only=True)`` and
opening one never runs code from it. It holds everything a run needs to go
on exactly (:meth:`Trainer.state_dict`: the weights, the optimizer, the
scheduler, the batch-order generator and torch's RNG, every callback's
state — the curves, early stopping's patience count), plus the project it
was trained from, the data's metadata and facts for listing::

    {"format": "guinet-checkpoint", "version": 1, "guinet": "0.1.0",
     "kind": "best" | "last" | "periodic" | "manual", "epoch": 12,
     "monitor": "val_loss", "value": 0.213, "time": 1718000000.0, "run": "…",
     "trainer": {...}, "project": {...}, "project_path": "/…/x.guinet",
     "data": {...}}

``epoch`` counts the epochs done, so a resumed run starts there. Each file is
written to a temporary file in the same folder, flushed, fsynced and
``os.replace``d into place (:func:`guinet.core.fileio.atomic_write`). A small
index, ``checkpoints.json``, lists the folder's checkpoints; it is written the
same way, and :func:`list_checkpoints` trusts an entry only while the file's
size and time still match it (else it reads the file's own facts), so a crash
between the two writes never shows wrong facts. Temporary files (``.*.tmp``)
are never listed, and the ones a killed write left behind are deleted when
the folder is next listed or trained into (:func:`remove_stale_temp_files`).

Before a file is read its zip entries are checked (:func:`check_archive`): an
archive declaring far more than its size on disk (a zip bomb), or tensors far
bigger than the model it is loaded into, is refused without being read.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import io
import json
import math
import os
import re
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guinet.core import fileio
from guinet.core.fileio import STALE_TEMP_SECONDS, atomic_write, atomic_write_text
from guinet.core.training.errors import TrainingError

if TYPE_CHECKING:
    import torch

    from guinet.core.project import Project
    from guinet.core.training.callbacks import Logs

FORMAT = "guinet-checkpoint"
FORMAT_VERSION = 1
SUFFIX = ".ckpt"
LAST_NAME = "last.ckpt"
INDEX_NAME = "checkpoints.json"
KINDS = ("best", "last", "periodic", "manual")
#: The names guinet gives checkpoint files (see ``format_filename``): only
#: such a file, directly in its folder, is ever deleted by guinet.
GENERATED_NAME = re.compile(r"^[\w=+-][\w.=+-]{0,200}\.ckpt$")


class CheckpointError(TrainingError):
    """A checkpoint that cannot be written, read or used; one sentence."""


@dataclass(frozen=True)
class CheckpointInfo:
    """One checkpoint file as the GUI lists it; ``epoch`` counts epochs done."""

    path: Path
    kind: str
    epoch: int
    monitor: str | None
    value: float | None
    time: float
    run: str | None = None
    size: int = 0

    @classmethod
    def from_record(
        cls, path: Path, record: Mapping[str, Any], size: int
    ) -> CheckpointInfo:
        """From a checkpoint's payload or its index entry (same key names)."""
        return cls(
            path,
            str(record.get("kind", "manual")),
            int(record.get("epoch", 0)),
            record.get("monitor"),
            record.get("value"),
            float(record.get("time", 0.0)),
            record.get("run"),
            size,
        )

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["path"] = str(self.path)
        out["value"] = _finite(self.value)
        return out


@dataclass
class Checkpoint:
    """A loaded checkpoint (all tensors on the CPU); see the module doc."""

    path: Path
    kind: str
    epoch: int
    monitor: str | None
    value: float | None
    time: float
    run: str | None
    trainer_state: dict[str, Any]
    project: dict[str, Any] | None = None
    project_path: str | None = None
    data: dict[str, Any] | None = None
    guinet_version: str | None = None

    @property
    def weights(self) -> dict[str, torch.Tensor]:
        """The trained graph's ``state_dict`` at the end of epoch :attr:`epoch`."""
        return dict(self.trainer_state["model"])

    @property
    def history(self) -> list[Logs]:
        """The logs of every epoch up to :attr:`epoch` (the curves)."""
        saved = self.trainer_state.get("callbacks", {}).get("History", {})
        return [dict(logs) for logs in saved.get("epochs", [])]

    @property
    def info(self) -> CheckpointInfo:
        size = self.path.stat().st_size if self.path.exists() else 0
        return CheckpointInfo(
            self.path,
            self.kind,
            self.epoch,
            self.monitor,
            self.value,
            self.time,
            self.run,
            size,
        )

    def load_project(self) -> Project:
        """The project the checkpoint was trained from, placed where it was
        (so its relative data paths still resolve)."""
        from guinet.core.project import Project, ProjectError

        if self.project is None:
            raise CheckpointError(
                f"{self.path.name} does not hold its project; give the project too"
            )
        path = Path(self.project_path) if self.project_path else None
        try:
            return Project.from_dict(self.project, path)
        except ProjectError as exc:
            raise CheckpointError(f"{self.path.name}: {exc}") from None


# -- writing ------------------------------------------------------------------------
def checkpoint_payload(
    trainer_state: dict[str, Any],
    *,
    kind: str,
    monitor: str | None = None,
    value: float | None = None,
    run: str | None = None,
    context: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The dict a checkpoint file holds; ``context``: project, project_path, data."""
    from guinet import __version__

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    payload: dict[str, Any] = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "guinet": __version__,
        "kind": kind,
        "epoch": int(trainer_state.get("epoch", 0)),
        "monitor": monitor,
        "value": None if value is None else float(value),
        "time": time.time(),
        "run": run,
        "trainer": trainer_state,
        "project": None,
        "project_path": None,
        "data": None,
    }
    payload.update(jsonable(dict(context or {})))
    return payload


def write_checkpoint(
    path: str | os.PathLike[str], payload: dict[str, Any]
) -> CheckpointInfo:
    """Write ``payload`` atomically to ``path`` and add it to the folder's index.

    Serialising happens in memory first, so a payload that cannot be saved
    raises before any file is touched; a file-system problem raises
    :class:`OSError` and leaves the previous file as it was.
    """
    import torch

    path = Path(path)
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    data = buffer.getbuffer()
    atomic_write(path, lambda handle: handle.write(data))
    stat = path.stat()
    info = CheckpointInfo.from_record(path, payload, stat.st_size)
    with contextlib.suppress(OSError):  # the index only saves reading files
        _update_index(path.parent, add=(info, stat.st_mtime_ns))
    return info


def save_checkpoint(
    path: str | os.PathLike[str],
    trainer_state: dict[str, Any],
    *,
    kind: str = "manual",
    monitor: str | None = None,
    value: float | None = None,
    run: str | None = None,
    context: Mapping[str, Any] | None = None,
) -> CheckpointInfo:
    """Save ``trainer_state`` (:meth:`Trainer.state_dict`) as a checkpoint file.

    Raises :class:`CheckpointError` with one sentence when it cannot be written.
    """
    path = Path(path)
    payload = checkpoint_payload(
        trainer_state, kind=kind, monitor=monitor, value=value, run=run, context=context
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return write_checkpoint(path, payload)
    except OSError as exc:
        raise CheckpointError(
            f"could not save {path}: {describe_os_error(exc)}"
        ) from None


def remove_checkpoint(path: str | os.PathLike[str]) -> None:
    """Delete a checkpoint file and its index entry (a missing file is fine)."""
    path = Path(path)
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    with contextlib.suppress(OSError):
        _update_index(path.parent, remove=(path.name,))


def is_generated_name(name: object) -> bool:
    """Whether ``name`` is a plain checkpoint file name guinet could have made:
    no folder part, no ``..``, nothing outside ``[\\w.=+-]``."""
    return (
        isinstance(name, str)
        and GENERATED_NAME.match(name) is not None
        and ".." not in name
    )


def remove_owned_checkpoint(folder: str | os.PathLike[str], name: str) -> bool:
    """Delete the checkpoint ``name`` in ``folder`` if guinet wrote it; say if it did.

    ``name`` comes from a saved ranking that a checkpoint file carries, so it
    is not trusted: it must be a generated name (:func:`is_generated_name`),
    resolve to a regular file directly inside ``folder`` (not a symbolic
    link), and be a guinet checkpoint. Anything else is left alone.
    """
    if not is_generated_name(name):
        return False
    base = Path(folder).resolve()
    path = base / name
    try:
        if path.is_symlink() or not path.is_file():
            return False
        if path.resolve().parent != base:
            return False
        read_info(path)  # refuses files that are not guinet checkpoints
    except (OSError, CheckpointError):
        return False
    remove_checkpoint(path)
    return True


def remove_stale_temp_files(
    folder: str | os.PathLike[str], older_than: float = STALE_TEMP_SECONDS
) -> int:
    """Delete the temporary files a killed write left in ``folder`` (of
    checkpoints and the index only); return how many. See
    :func:`guinet.core.fileio.remove_stale_temp_files`."""
    return fileio.remove_stale_temp_files(folder, _ours, older_than)


def _ours(target: str) -> bool:
    return target.endswith(SUFFIX) or target == INDEX_NAME


def describe_os_error(exc: OSError) -> str:
    """Why a write failed, in words a person can act on."""
    where = f" ({exc.filename})" if exc.filename else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"the disk is full{where}"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"permission denied{where}"
    if exc.errno == errno.EROFS:
        return f"the disk is read-only{where}"
    return f"{exc.strerror or exc}{where}"


# -- reading --------------------------------------------------------------------------
def load_checkpoint(
    path: str | os.PathLike[str],
    model: torch.nn.Module | None = None,
    *,
    expected_bytes: int | None = None,
) -> Checkpoint:
    """Open a checkpoint safely, or raise :class:`CheckpointError`.

    Missing, damaged, foreign or unsafe files (a pickle that would run code,
    an archive that would expand far beyond its size on disk) each get one
    sentence; nothing from the file is ever executed. With ``model`` (or
    ``expected_bytes``, the size of its weights, e.g. the meta-device
    analysis's ``size_bytes``), a file whose stored tensors are far bigger
    than a checkpoint of that model is refused before anything is read
    (:func:`check_archive`).
    """
    path = Path(path)
    expected = _model_bytes(model) if model is not None else expected_bytes
    return _as_checkpoint(path, _safe_load(path, expected=expected))


def _as_checkpoint(path: Path, raw: Any) -> Checkpoint:
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise CheckpointError(f"{path.name} is not a guinet checkpoint")
    version = raw.get("version")
    if not isinstance(version, int):
        raise CheckpointError(f"{path.name} is damaged: it has no format version")
    if version > FORMAT_VERSION:
        raise CheckpointError(
            f"{path.name} was saved by a newer guinet (checkpoint format {version}); "
            "update guinet to open it"
        )
    state = raw.get("trainer")
    if not isinstance(state, dict) or not isinstance(state.get("model"), dict):
        raise CheckpointError(f"{path.name} is damaged: it holds no model weights")
    return Checkpoint(
        path=path.resolve(),
        kind=str(raw.get("kind", "manual")),
        epoch=int(raw.get("epoch") or state.get("epoch") or 0),
        monitor=raw.get("monitor"),
        value=raw.get("value"),
        time=float(raw.get("time", 0.0)),
        run=raw.get("run"),
        trainer_state=state,
        project=raw.get("project"),
        project_path=raw.get("project_path"),
        data=raw.get("data"),
        guinet_version=raw.get("guinet"),
    )


def load_weights(
    source: str | os.PathLike[str] | Checkpoint,
    model: torch.nn.Module | None = None,
) -> dict[str, torch.Tensor]:
    """A checkpoint's model weights; with ``model``, also loaded into it.

    ``source`` may also be a plain ``torch.save(model.state_dict())`` file.
    Weights that do not fit ``model`` raise :class:`CheckpointError` naming
    the first mismatch; ``model`` is then left unchanged.
    """
    import torch

    if isinstance(source, Checkpoint):
        weights = source.weights
        name = source.path.name
    else:
        path = Path(source)
        name = path.name
        raw = _safe_load(path, expected=_model_bytes(model))
        if isinstance(raw, dict) and raw.get("format") == FORMAT:
            weights = _as_checkpoint(path, raw).weights
        elif (
            isinstance(raw, dict)
            and raw
            and all(
                isinstance(k, str) and isinstance(v, torch.Tensor)
                for k, v in raw.items()
            )
        ):
            weights = dict(raw)
        else:
            raise CheckpointError(f"{name} holds no model weights")
    if model is not None:
        check_weights_fit(weights, model, name)
        model.load_state_dict(weights)
    return weights


def check_weights_fit(
    weights: Mapping[str, torch.Tensor], model: torch.nn.Module, name: str
) -> None:
    """Raise :class:`CheckpointError` unless ``weights`` fit ``model`` exactly."""
    own = model.state_dict()
    missing = [k for k in own if k not in weights]
    extra = [k for k in weights if k not in own]
    if missing or extra:
        raise CheckpointError(
            f"{name} does not fit this model: "
            + (
                f"it has no weights for {missing[0]}"
                if missing
                else f"it has weights for {extra[0]}, which this model lacks"
            )
        )
    for key, tensor in own.items():
        theirs = weights[key]
        if tuple(theirs.shape) != tuple(tensor.shape):
            raise CheckpointError(
                f"{name} does not fit this model: {key} is "
                f"{list(theirs.shape)} there and {list(tensor.shape)} here"
            )


def read_info(path: str | os.PathLike[str]) -> CheckpointInfo:
    """A checkpoint's listing facts, read without loading its tensors."""
    path = Path(path)
    raw = _safe_load(path, mmap=True)
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise CheckpointError(f"{path.name} is not a guinet checkpoint")
    return CheckpointInfo.from_record(path, raw, path.stat().st_size)


def list_checkpoints(folder: str | os.PathLike[str]) -> list[CheckpointInfo]:
    """The checkpoints in ``folder``, oldest first; damaged and temporary files
    are left out (and a killed write's temporary files deleted). A missing
    folder has none."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    remove_stale_temp_files(folder)
    index = _read_index(folder)
    found = []
    for path in folder.glob(f"*{SUFFIX}"):
        if path.name.startswith(".") or not path.is_file():
            continue
        try:
            stat = path.stat()
        except OSError:
            continue
        entry = index.get(path.name)
        info = _entry_info(path, entry, stat) if entry is not None else None
        if info is None:
            try:
                info = read_info(path)
            except CheckpointError:
                continue
        found.append(info)
    found.sort(key=lambda i: (i.time, i.epoch, i.path.name))
    return found


#: A checkpoint of a model holds its weights a few times over (the weights,
#: the best weights, early stopping's copy, the optimizer's moments): a file
#: whose tensors exceed this many times the model's weights is not one of it.
MODEL_COPIES = 8
#: Room for the RNG states, the curves and the project beside the tensors.
SLACK_BYTES = 1 << 20


def check_archive(path: str | os.PathLike[str], expected: int | None = None) -> None:
    """Refuse a checkpoint whose stored sizes are implausible, before reading it.

    A ``.ckpt`` is a ``torch.save`` zip whose entries guinet never compresses,
    so what they declare (their uncompressed sizes) is about the size of the
    file. An archive declaring far more than its size on disk (a zip bomb: a
    small file that expands to gigabytes) is refused, and with ``expected``
    (the bytes of the model's weights) so is one whose tensors take more than
    :data:`MODEL_COPIES` times that.
    """
    import zipfile

    path = Path(path)
    try:
        with open(path, "rb") as handle:
            on_disk = os.fstat(handle.fileno()).st_size
            if not zipfile.is_zipfile(handle):
                return  # not a zip: torch.load says what it is
            handle.seek(0)
            with zipfile.ZipFile(handle) as archive:
                entries = archive.infolist()
    except PermissionError as exc:
        raise CheckpointError(f"{path}: {describe_os_error(exc)}") from None
    except (OSError, zipfile.BadZipFile, ValueError):
        raise CheckpointError(_damaged(path)) from None
    declared = sum(e.file_size for e in entries)
    if declared > 2 * on_disk + SLACK_BYTES:
        raise CheckpointError(
            f"refused to open {path.name}: it is {format_bytes(on_disk)} on disk but "
            f"declares {format_bytes(declared)} of contents (a compressed archive "
            "that would expand in memory); guinet's checkpoints are not compressed"
        )
    if expected is None:
        return
    tensors = sum(e.file_size for e in entries if "/data/" in e.filename)
    limit = MODEL_COPIES * expected + SLACK_BYTES
    if tensors > limit:
        raise CheckpointError(
            f"refused to open {path.name}: it stores {format_bytes(tensors)} of "
            f"tensors, but this model's weights take {format_bytes(expected)} (a "
            f"checkpoint of it holds at most about {format_bytes(limit)}); it is "
            "not a checkpoint of this model"
        )


def format_bytes(size: int) -> str:
    """``size`` in bytes as a person reads it (``1.5 MB``)."""
    if size < 1000:
        return f"{size} bytes"
    value, unit = size / 1000, "KB"
    for bigger in ("MB", "GB"):
        if value < 1000:
            break
        value, unit = value / 1000, bigger
    return f"{value:.1f} {unit}"


def _model_bytes(model: torch.nn.Module | None) -> int | None:
    if model is None:
        return None
    return sum(t.numel() * t.element_size() for t in model.state_dict().values())


def _safe_load(path: Path, mmap: bool = False, expected: int | None = None) -> Any:
    import pickle

    import torch

    if not path.exists():
        raise CheckpointError(f"{path}: no such file")
    if path.is_dir():
        raise CheckpointError(f"{path} is a folder, not a checkpoint file")
    check_archive(path, expected)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return torch.load(path, map_location="cpu", weights_only=True, mmap=mmap)
    except pickle.UnpicklingError as exc:
        text = str(exc)
        if "Weights only load failed" in text:
            found = re.search(r"GLOBAL ([\w.]+)", text)
            asks = f" (it asks for {found.group(1)})" if found else ""
            raise CheckpointError(
                f"refused to open {path.name}: it holds Python objects that opening "
                f"it would have to run code for{asks}; guinet only opens "
                "checkpoints made of tensors and plain values"
            ) from None
        raise CheckpointError(_damaged(path)) from None
    except PermissionError as exc:
        raise CheckpointError(f"{path}: {describe_os_error(exc)}") from None
    except Exception:  # zip, pickle, seek and format errors all mean the same
        raise CheckpointError(_damaged(path)) from None


def _damaged(path: Path) -> str:
    return f"{path.name} is damaged or not a checkpoint (it could not be read as one)"


# -- the index ------------------------------------------------------------------------
def _read_index(folder: Path) -> dict[str, dict[str, Any]]:
    try:
        raw = json.loads((folder / INDEX_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = raw.get("files") if isinstance(raw, dict) else None
    if not isinstance(files, dict):
        return {}
    return {
        k: v for k, v in files.items() if isinstance(v, dict) and is_generated_name(k)
    }


def _entry_info(
    path: Path, entry: Mapping[str, Any], stat: os.stat_result
) -> CheckpointInfo | None:
    if entry.get("size") != stat.st_size or entry.get("mtime_ns") != stat.st_mtime_ns:
        return None
    if not {"kind", "epoch", "time"} <= entry.keys():
        return None  # an incomplete entry: read the file instead
    try:
        return CheckpointInfo.from_record(path, entry, stat.st_size)
    except (KeyError, TypeError, ValueError):
        return None


def _update_index(
    folder: Path,
    add: tuple[CheckpointInfo, int] | None = None,
    remove: tuple[str, ...] = (),
) -> None:
    files = _read_index(folder)
    for name in remove:
        files.pop(name, None)
    if add is not None:
        info, mtime_ns = add
        entry = info.to_dict()
        entry.pop("path")
        entry["mtime_ns"] = mtime_ns
        files[info.path.name] = entry
    files = {k: v for k, v in files.items() if (folder / k).is_file()}
    text = json.dumps({"guinet_checkpoints": 1, "files": files}, indent=1)
    atomic_write_text(folder / INDEX_NAME, text + "\n")


# -- helpers --------------------------------------------------------------------------
def jsonable(value: Any) -> Any:
    """``value`` as plain JSON types (numpy numbers become Python numbers)."""

    def convert(obj: Any) -> Any:
        for method in ("tolist", "item"):
            if hasattr(obj, method):
                return getattr(obj, method)()
        if isinstance(obj, os.PathLike):
            return os.fspath(obj)
        raise TypeError(f"{type(obj).__name__} is not JSON")

    return json.loads(json.dumps(value, default=convert))


def _finite(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return value
