"""Where a project's checkpoints go: a folder of its own.

``training.checkpoint.dir`` is a folder relative to the project file (or an
absolute one), and keeps that meaning whenever a file sets it — an old
project's ``"checkpoints"`` still means ``checkpoints/`` beside it. A new
project writes :data:`PROJECT_FOLDER`, ``"{project}-checkpoints"``, where
``{project}`` stands for the project file's name without ``.guinet``, so two
projects in one folder never share (and mix) their checkpoints:
``my.guinet`` → ``my-checkpoints/``.

A project without a file, or a shipped example (its folder is not the
person's to write in), has nothing to be beside: its checkpoints go to a
folder of its own in the user's data folder,
``<data>/checkpoints/<name>-<id>`` (an example's is named after it, so its
runs are found again next time). The data folder is ``$GUINET_DATA_DIR`` when
set, else the platform's (``~/.local/share/guinet`` on Linux); the folder of
those checkpoint folders is ``$GUINET_CHECKPOINTS_DIR`` when set (the GUI's
preference sets it), else ``<data>/checkpoints``.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from guinet.core.project import Project
    from guinet.core.training.checkpoints import CheckpointSettings

#: What stands for the project file's name in ``training.checkpoint.dir``.
PROJECT_FIELD = "{project}"
#: The default ``training.checkpoint.dir``: a folder named after the project.
PROJECT_FOLDER = PROJECT_FIELD + "-checkpoints"
DATA_DIR_VARIABLE = "GUINET_DATA_DIR"
#: The folder (the person's choice) for the checkpoints of projects without one.
CHECKPOINTS_DIR_VARIABLE = "GUINET_CHECKPOINTS_DIR"


def user_data_dir() -> Path:
    """guinet's folder for the person's data (``$GUINET_DATA_DIR`` first)."""
    chosen = os.environ.get(DATA_DIR_VARIABLE)
    if chosen:
        return Path(chosen).expanduser()
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    return base / "guinet"


def checkpoints_root() -> Path:
    """The folder of the checkpoint folders of projects that have none of
    their own: ``$GUINET_CHECKPOINTS_DIR`` first, else ``<data>/checkpoints``."""
    chosen = os.environ.get(CHECKPOINTS_DIR_VARIABLE)
    if chosen:
        return Path(chosen).expanduser()
    return user_data_dir() / "checkpoints"


def is_shipped(path: Path) -> bool:
    """Whether ``path`` is inside guinet's own resources (an example)."""
    from guinet._resources import resources_dir

    try:
        return path.resolve().is_relative_to(resources_dir().resolve())
    except (FileNotFoundError, OSError):
        return False


def _slug(text: str) -> str:
    slug = re.sub(r"[^\w.-]+", "-", text.strip().lower()).strip(".-")
    return slug[:40] or "untitled"


def own_folder(project: Project) -> Path:
    """The project's folder in the user's data folder (no file, or an example)."""
    if project.path is not None:  # a shipped example: by its file name
        key = _slug(project.path.stem)
    else:
        key = f"{_slug(project.name)}-{project.uid}"
    return checkpoints_root() / key


def checkpoint_folder(
    project: Project, settings: CheckpointSettings | None = None
) -> tuple[Path | None, str | None]:
    """Where ``project``'s runs save checkpoints, and a note when it is not
    beside the project file; ``(None, None)`` when they save none."""
    settings = settings if settings is not None else project.training.checkpoint
    if not settings.enabled:
        return None, None
    written = settings.dir.strip()
    if project.path is not None and not is_shipped(project.path):
        named = written.replace(PROJECT_FIELD, project.path.stem)
        return project.resolve(Path(named).expanduser()), None
    folder = Path(written).expanduser()
    if folder.is_absolute() and PROJECT_FIELD not in written:
        return folder, None
    own = own_folder(project)
    why = (
        "a shipped example keeps nothing beside its file"
        if project.path is not None
        else "the project has no file yet"
    )
    return own, (
        f"Checkpoints go to {own} ({why}; save the project to keep them beside it)."
    )
