"""The user guide and the other pages under docs/ stay true to the tree.

Every picture they show exists, every local link points at a file that is
there, and every screenshot group they name is one that docs/screenshots.py
renders (so `python docs/screenshots.py GROUP` remakes that page's pictures).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md")) + [
    ROOT / "README.md",
    ROOT / "packaging" / "README.md",
]

IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)|<img [^>]*src=\"([^\"]+)\"")
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
#: "Screenshot group: `start`." / "Screenshot groups: `train`, `boundary`."
GROUP_LINE = re.compile(r"Screenshot groups?: (.+)")
GROUP_COMMAND = re.compile(r"docs/screenshots\.py\s+([a-z][a-z-]*)")
#: shoot_all's tests of its group: `if only in ("", "train", "boundary"):`
SHOT_GROUPS = re.compile(r"only in \(([^)]*)\)")


def screenshot_groups() -> set[str]:
    source = (DOCS / "screenshots.py").read_text(encoding="utf-8")
    groups = set()
    for names in SHOT_GROUPS.findall(source):
        groups.update(re.findall(r'"([^"]*)"', names))
    return groups - {""}


def named_groups(text: str) -> set[str]:
    names = set(GROUP_COMMAND.findall(text))
    for line in GROUP_LINE.findall(text):
        names.update(re.findall(r"`([^`]+)`", line))
    return names


def test_the_user_guide_and_troubleshooting_pages_exist() -> None:
    guide = (DOCS / "user-guide.md").read_text(encoding="utf-8")
    for section in (
        "Designing a model",
        "Data",
        "Training",
        "Early stopping and checkpoints",
        "Evaluation and export",
        "Experiments",
        "Teaching with guinet",
        "The command line",
        "The project file",
    ):
        assert f"\n## {section}\n" in guide, section
    assert "(project-file.md)" in guide
    trouble = (DOCS / "troubleshooting.md").read_text(encoding="utf-8")
    for topic in ("xcb", "Wayland", "offscreen", "CUDA", "system-libs.sh"):
        assert topic in trouble, topic


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_picture_and_local_link_exists(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    images = [a or b for a, b in IMAGE.findall(text)]
    missing = [src for src in images if not (page.parent / src).is_file()]
    assert not missing, f"{page.name} shows pictures that do not exist: {missing}"
    broken = []
    for target in LINK.findall(text):
        path = target.split("#", 1)[0]
        if not path or re.match(r"[a-z]+:", path):  # an anchor or a URL
            continue
        if not (page.parent / path).exists():
            broken.append(target)
    assert not broken, f"{page.name} links to files that do not exist: {broken}"


def test_every_screenshot_group_the_docs_name_is_rendered() -> None:
    groups = screenshot_groups()
    assert {"designer", "train", "start"} <= groups  # the parser still works
    for page in PAGES:
        unknown = named_groups(page.read_text(encoding="utf-8")) - groups
        assert not unknown, f"{page.name} names screenshot groups {unknown}"
    guide = (DOCS / "user-guide.md").read_text(encoding="utf-8")
    assert len(named_groups(guide)) >= 8  # each section says which it is


def test_guide_pictures_come_from_the_screenshot_script() -> None:
    """A picture the guide shows is one the script writes (not a hand-made
    one that goes stale): its file name appears in docs/screenshots.py."""
    source = (DOCS / "screenshots.py").read_text(encoding="utf-8")
    guide = (DOCS / "user-guide.md").read_text(encoding="utf-8")
    for a, b in IMAGE.findall(guide):
        name = Path(a or b).name
        stem = name.removesuffix(".png")
        looks = stem.removeprefix("present-").removeprefix("dark-")
        assert name in source or looks in source or stem in source, name
