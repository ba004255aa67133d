"""The words and paths of the Export dialog, apart from its widgets.

Plain functions (no Qt), so what the dialog says and which file it offers
are tested without a window: the hint for a format whose package is
missing, a path a label can wrap, a project name as a file name, the
suffix a file takes when another format is chosen, and a core message as
the sentence the dialog shows.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from guinet.gui.training_progress import sentence

if TYPE_CHECKING:
    from guinet.core.export import ExportFormat

NO_WEIGHTS = (
    "There are no trained weights for this project yet. Train it first (Train "
    "page), or load a checkpoint's weights there (Load weights into the "
    "model), or choose a checkpoint file here."
)
#: Lets a long path wrap at its separators in a label (never in what is copied).
_BREAK = "\u200b"


def install_hint(declared: ExportFormat, missing: list[str]) -> str:
    """Why ``declared`` cannot be used here, and the command that fixes it."""
    extra = declared.extra or "all"
    return f'needs {", ".join(missing)}:\npip install "guinet[{extra}]"'


#: The longest run of a path's characters a label keeps on one line.
_CHUNK = 24


def breakable(path: Path | str) -> str:
    """``path`` with a break opportunity after each separator and inside
    long names, so a label wraps it instead of widening the dialog past the
    screen (a label wraps only where a line may break)."""
    parts = re.split(r"([/\\])", str(path))
    out = []
    for part in parts:
        chunks = [part[i : i + _CHUNK] for i in range(0, len(part), _CHUNK)]
        out.append(_BREAK.join(chunks))
        if part in ("/", "\\"):
            out.append(_BREAK)
    return "".join(out)


def file_name_for(text: str) -> str:
    """A project name as a file name: what a file system takes everywhere."""
    cleaned = re.sub(r"[^\w.-]+", "_", text.strip()).strip("._")
    return cleaned or "model"


def with_suffix(path: Path, old: str | None, new: str) -> Path:
    """``path`` named for a format that writes ``new`` files, replacing the
    previous format's ``old`` suffix (``model.tar.gz``-like ones too) or the
    one the name has."""
    if old and path.name.endswith(old):
        return path.with_name(path.name[: -len(old)] + new)
    if not path.suffix:
        return path.with_name(path.name + new)
    return path.with_suffix(new)


def as_sentence(text: str, project: str = "") -> str:
    """A core message as a sentence in the dialog; the project's name it
    starts with (the command line's context) goes: the window shows it."""
    text = text.strip()
    if project and text.startswith(f"{project}: "):
        text = text[len(project) + 2 :]
    text = sentence(text)
    return text if text.endswith((".", "!", "?")) else f"{text}."
