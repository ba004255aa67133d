"""Find the shipped ``resources/`` folder from a source checkout or a wheel.

In a checkout it sits beside the package; in a wheel it is packed inside it
as ``guinet/resources`` (see ``pyproject.toml``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def resources_dir() -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here / "resources", here.parent / "resources"):
        if (candidate / "style.qss").is_file():
            return candidate
    raise FileNotFoundError(
        f"guinet's resources folder is missing (looked beside {here})"
    )


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def example_projects() -> list[Path]:
    return sorted(resource("examples").glob("*.guinet"))


def example_title(path: Path) -> str:
    """The example's own name (the project file's ``name``), or its file stem
    spelled with spaces when the file has none or cannot be read."""
    import json

    try:
        name = json.loads(path.read_text(encoding="utf-8")).get("name")
    except (OSError, ValueError, AttributeError):
        name = None
    if isinstance(name, str) and name.strip():
        return name.strip()
    return path.stem.replace("_", " ")


def find_example(name: str) -> Path | None:
    """The bundled example called ``name`` (its file stem, with or without
    the ``.guinet`` suffix), or ``None``."""
    stem = name[: -len(".guinet")] if name.endswith(".guinet") else name
    for path in example_projects():
        if path.stem == stem:
            return path
    return None
