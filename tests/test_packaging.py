"""The files that ship guinet: resources, icon, desktop integration, PyInstaller spec.

These check that each file parses and that they agree with each other (the
launcher, the MIME type and the AppStream metadata name the same type, icon
and id), so a rename in one place cannot silently break installation.
"""

from __future__ import annotations

import configparser
import importlib.util
import json
import os
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from guinet._resources import example_projects, resource, resources_dir

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
ICONS = ROOT / "resources" / "icons"

APP_ID = "io.github.guinet"
MIME_TYPE = "application/x-guinet-project"
MIME_NS = "{http://www.freedesktop.org/standards/shared-mime-info}"
SVG_NS = "{http://www.w3.org/2000/svg}"


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string((PACKAGING / "guinet.desktop").read_text(encoding="utf-8"))
    assert parser.sections() == ["Desktop Entry"]
    return parser["Desktop Entry"]


def test_resources_dir_finds_the_stylesheet_and_examples() -> None:
    assert (resources_dir() / "style.qss").is_file()
    assert resource("style.qss").read_text(encoding="utf-8").strip()
    examples = example_projects()
    assert examples, "no example projects shipped"
    for path in examples:
        data = json.loads(path.read_text(encoding="utf-8"))
        assert isinstance(data.get("guinet"), int), path.name


def test_icon_svg_is_a_256_square_svg_1_1() -> None:
    root = ET.parse(ICONS / "guinet.svg").getroot()
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("version") == "1.1"
    assert root.get("viewBox") == "0 0 256 256"
    assert root.get("width") == root.get("height") == "256"


def test_icon_png_is_256_by_256_with_alpha() -> None:
    data = (ICONS / "guinet.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height, _depth, color_type = struct.unpack(">IIBB", data[16:26])
    assert (width, height) == (256, 256)
    assert color_type == 6, "expected RGBA, so the rounded corners are transparent"


def test_icon_png_is_rendered_from_the_svg(qapp: object, tmp_path: Path) -> None:
    from PIL import Image, ImageChops

    spec = importlib.util.spec_from_file_location(
        "render_icon", PACKAGING / "render_icon.py"
    )
    assert spec is not None and spec.loader is not None
    render_icon = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(render_icon)
    fresh = tmp_path / "guinet.png"
    render_icon.render(ICONS / "guinet.svg", fresh, 256)

    with Image.open(fresh) as new, Image.open(ICONS / "guinet.png") as committed:
        diff = ImageChops.difference(new.convert("RGBA"), committed.convert("RGBA"))
        histogram = diff.convert("L").histogram()
    mean = sum(i * n for i, n in enumerate(histogram)) / (256 * 256)
    assert mean < 2.0, "guinet.png is stale: run python packaging/render_icon.py"


def test_desktop_entry_launches_guinet_on_project_files() -> None:
    entry = desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Name"] == "guinet"
    assert entry["Exec"].split() == ["guinet", "%f"]
    assert entry["Icon"] == APP_ID
    assert entry["Terminal"] == "false"
    for key in ("MimeType", "Categories", "Keywords"):
        assert entry[key].endswith(";"), f"{key} must end with ';'"
    assert MIME_TYPE in entry["MimeType"].split(";")
    assert {"Education", "Science"} & set(entry["Categories"].split(";"))


def test_mime_type_globs_guinet_files() -> None:
    root = ET.parse(PACKAGING / "guinet-mime.xml").getroot()
    assert root.tag == f"{MIME_NS}mime-info"
    types = root.findall(f"{MIME_NS}mime-type")
    assert [t.get("type") for t in types] == [MIME_TYPE]
    (mime,) = types
    assert [g.get("pattern") for g in mime.findall(f"{MIME_NS}glob")] == ["*.guinet"]
    assert mime.find(f"{MIME_NS}sub-class-of").get("type") == "application/json"  # type: ignore[union-attr]
    assert mime.find(f"{MIME_NS}comment").text  # type: ignore[union-attr]


def test_appstream_metadata_matches_the_launcher_and_mime_type() -> None:
    root = ET.parse(PACKAGING / f"{APP_ID}.metainfo.xml").getroot()
    assert root.tag == "component"
    assert root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.findtext("metadata_license") == "CC0-1.0"
    assert root.findtext("project_license") == "MIT"
    assert root.findtext("name") == desktop_entry()["Name"]
    summary = root.findtext("summary") or ""
    assert summary and not summary.endswith(".")
    assert root.find("description/p") is not None
    assert root.findtext("launchable[@type='desktop-id']") == f"{APP_ID}.desktop"
    assert root.findtext("icon[@type='stock']") == desktop_entry()["Icon"]
    assert root.findtext("provides/mediatype") == MIME_TYPE
    assert "guinet" in [b.text for b in root.findall("provides/binary")]
    categories = {c.text for c in root.findall("categories/category")}
    assert categories <= set(desktop_entry()["Categories"].split(";"))


def test_project_license_matches_pyproject() -> None:
    tomllib = pytest.importorskip("tomllib")
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    project = tomllib.loads(pyproject)["project"]
    root = ET.parse(PACKAGING / f"{APP_ID}.metainfo.xml").getroot()
    assert root.findtext("project_license") == project["license"]
    scripts = {**project["scripts"], **project["gui-scripts"]}
    assert {b.text for b in root.findall("provides/binary")} == set(scripts)


def test_pyinstaller_spec_compiles_and_bundles_the_resources() -> None:
    source = (PACKAGING / "guinet.spec").read_text(encoding="utf-8")
    compile(source, "guinet.spec", "exec")
    assert '"guinet/resources"' in source  # where guinet._resources looks in a bundle
    assert (ROOT / "guinet" / "__main__.py").is_file()


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_ci_script_is_valid_bash() -> None:
    script = ROOT / ".ci" / "run"
    assert os.access(script, os.X_OK), ".ci/run must be executable"
    text = script.read_text(encoding="utf-8")
    assert "set -euo pipefail" in text
    subprocess.run(["bash", "-n", str(script)], check=True)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="freedesktop tools")
@pytest.mark.parametrize(
    ("tool", "args", "path"),
    [
        ("desktop-file-validate", [], "guinet.desktop"),
        ("appstreamcli", ["validate", "--no-net"], f"{APP_ID}.metainfo.xml"),
    ],
)
def test_freedesktop_validators_accept_the_files(
    tool: str, args: list[str], path: str
) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed")
    result = subprocess.run(
        [tool, *args, str(PACKAGING / path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
