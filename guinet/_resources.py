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
