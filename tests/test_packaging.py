"""The files that ship guinet: resources, icon, desktop integration, PyInstaller spec.

These check that each file parses and that they agree with each other (the
launcher, the MIME type and the AppStream metadata name the same type, icon
and id), so a rename in one place cannot silently break installation.
"""

from __future__ import annotations

import ast
import configparser
import importlib
import importlib.util
import json
import os
import pkgutil
import shutil
import struct
import subprocess
import sys
import types
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace
from typing import Any

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
    categories = entry["Categories"].split(";")
    assert "Education" in categories
    # one main category, or desktops list the app twice (desktop-file-validate)
    assert not {"Science", "Development", "Office"} & set(categories)


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


#: Files the Analysis of a real build finds (what the spec must keep or drop).
BINARIES = {
    "torch/lib/libtorch_cpu.so": True,
    "PySide6/Qt/lib/libQt6Widgets.so.6": True,
    "PySide6/Qt/plugins/platforms/libqoffscreen.so": True,
    "PySide6/Qt/plugins/iconengines/libqsvgicon.so": True,
    "PySide6/Qt/lib/libQt6Quick.so.6": False,
    "PySide6/Qt/lib/libQt6Qml.so.6": False,
    "PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so": False,
}
DATAS = {
    "PySide6/Qt/translations/qtbase_de.qm": False,
    "torch/include/ATen/ATen.h": False,
    "scipy/io/tests/data/x.mat": False,
    "sklearn/datasets/data/iris.csv": True,
    "torch/_C/__init__.pyi": False,
}


class SpecRun:
    """What the PyInstaller spec asked for: the arguments of every build step."""

    def __init__(self) -> None:
        self.calls: dict[str, list[tuple[tuple[Any, ...], dict[str, Any]]]] = {}
        self.made: dict[str, list[SimpleNamespace]] = {}
        self.namespace: dict[str, Any] = {}

    def step(self, kind: str) -> Any:
        def record(*args: Any, **kwargs: Any) -> SimpleNamespace:
            self.calls.setdefault(kind, []).append((args, kwargs))
            made = SimpleNamespace(kind=kind, args=args, kwargs=kwargs)
            if kind == "Analysis":  # what PyInstaller's Analysis offers later steps
                made.pure = ("pure modules",)
                made.binaries = [(name, name, "BINARY") for name in BINARIES]
                made.scripts = tuple(args[0])
                made.datas = [  # a real Analysis lists every file of a folder
                    *(
                        (f"{dest}/style.qss", src, "DATA")
                        for src, dest in kwargs["datas"]
                    ),
                    *((n, n, "DATA") for n in DATAS),
                ]
            self.made.setdefault(kind, []).append(made)
            return made

        return record

    def collect_submodules(self, package: str) -> list[str]:
        """PyInstaller's helper: the package and every module under it."""
        module = importlib.import_module(package)  # a wrong name fails here
        found = [package]
        for info in pkgutil.walk_packages(module.__path__, prefix=f"{package}."):
            found.append(info.name)
        return found

    def collect_data_files(
        self, package: str, include_py_files: bool = False, subdir: str = ""
    ) -> list[tuple[str, str]]:
        """PyInstaller's helper: (file, folder in the bundle) for each file of
        the package under ``subdir``, ``.py`` files only when asked."""
        root = Path(importlib.import_module(package).__path__[0])
        found = []
        for path in sorted((root / subdir).rglob("*")):
            if not path.is_file() or path.suffix == ".pyc":
                continue
            if path.suffix == ".py" and not include_py_files:
                continue
            dest = Path(package, path.parent.relative_to(root))
            found.append((str(path), dest.as_posix()))
        return found

    def one(self, kind: str) -> dict[str, Any]:
        (call,) = self.calls[kind]
        args, kwargs = call
        return {"args": args, **kwargs}


def run_spec(monkeypatch: pytest.MonkeyPatch, platform: str) -> SpecRun:
    """Execute packaging/guinet.spec as PyInstaller would, with recording steps."""
    run = SpecRun()
    hooks = types.ModuleType("PyInstaller.utils.hooks")
    hooks.collect_submodules = run.collect_submodules  # type: ignore[attr-defined]
    hooks.collect_data_files = run.collect_data_files  # type: ignore[attr-defined]
    for name in ("PyInstaller", "PyInstaller.utils"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    monkeypatch.setitem(sys.modules, "PyInstaller.utils.hooks", hooks)
    monkeypatch.setattr(sys, "path", list(sys.path))  # the spec inserts ROOT
    monkeypatch.setattr(sys, "platform", platform)
    namespace = {
        "SPECPATH": str(PACKAGING),
        "__file__": str(PACKAGING / "guinet.spec"),
        **{k: run.step(k) for k in ("Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE")},
    }
    source = (PACKAGING / "guinet.spec").read_text(encoding="utf-8")
    exec(compile(source, "guinet.spec", "exec"), namespace)
    run.namespace = namespace
    return run


def guinet_modules() -> set[str]:
    """Every module of the package, from the files in the source tree."""
    package = ROOT / "guinet"
    names = set()
    for path in package.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        names.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def imported_top_level_modules() -> set[str]:
    """The top-level names guinet's own code imports (absolute imports)."""
    names = set()
    for path in (ROOT / "guinet").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
    return names


def test_pyinstaller_spec_bundles_what_the_app_needs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = run_spec(monkeypatch, "linux")
    analysis = run.one("Analysis")

    (script,) = analysis["args"][0]
    assert Path(script).is_file(), f"entry script {script} does not exist"
    assert Path(script).resolve() == ROOT / "guinet" / "__main__.py"
    assert [Path(p).resolve() for p in analysis["pathex"]] == [ROOT]

    # the resources folder goes where guinet._resources looks in a bundle
    package = Path(importlib.import_module("guinet").__file__).resolve().parent
    bundled = {Path(src).resolve(): dest for src, dest in analysis["datas"]}
    for src in bundled:
        assert src.exists(), f"bundled data {src} does not exist"
    # Optuna's database storage (guinet tune --storage) reads these as files
    assert "optuna/storages/_rdb" in bundled.values()  # alembic.ini
    assert "optuna/storages/_rdb/alembic/versions" in bundled.values()
    assert resources_dir().resolve() in bundled, "the resources folder is missing"
    dest = bundled[resources_dir().resolve()]
    assert dest == f"{package.name}/resources"
    assert (resources_dir() / "style.qss").is_file()  # what _resources looks for

    # every guinet module, each importable: the GUI and torch load lazily
    hidden = set(analysis["hiddenimports"])
    missing = guinet_modules() - hidden
    assert not missing, f"modules the bundle would lack: {sorted(missing)}"
    for name in sorted(hidden):
        assert importlib.util.find_spec(name) is not None, f"{name} not importable"
    # nothing guinet imports is left out, but for optional extras (which
    # guinet checks for before use, as without them in a plain pip install)
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    extras = {
        req.split(">")[0].split("=")[0].split("[")[0].strip()
        for reqs in project["project"]["optional-dependencies"].values()
        for req in reqs
    }
    left_out = run.namespace["LEFT_OUT_EXTRAS"]
    for name in left_out:
        if name.startswith("torch."):  # torch's module for an extra's package
            name = name.rsplit(".", 1)[-1]
        assert name in extras or name in {
            "pytorch_lightning",
            "lightning_fabric",
            "torchmetrics",
        }, name
    used = imported_top_level_modules()
    for excluded in analysis["excludes"]:
        clash = [m for m in used if m == excluded or m.startswith(f"{excluded}.")]
        if excluded not in left_out:
            assert not clash, f"{excluded} is excluded but guinet imports {clash}"
    for needed in ("torch", "PySide6.QtWidgets", "PySide6.QtSvg", "onnx", "sklearn"):
        assert needed not in analysis["excludes"]

    # one program per entry point in pyproject, sharing the one analysis
    consoles = {
        **dict.fromkeys(project["project"]["scripts"], True),
        **dict.fromkeys(project["project"]["gui-scripts"], False),
    }
    (made,) = run.made["Analysis"]
    (pyz,) = run.made["PYZ"]
    assert pyz.args == (made.pure,)
    exes = {kw["name"]: (args, kw) for args, kw in run.calls["EXE"]}
    assert set(exes) == set(consoles)
    for name, (args, kw) in exes.items():
        assert kw["console"] is consoles[name], name
        assert args[0] is pyz and args[1] is made.scripts
        assert kw["icon"] is None  # Linux uses the desktop file's icon
    # both programs and the bundled data end up in the one folder, less what
    # the app never opens (Qt translations and Quick, tests, C headers)
    collect = run.one("COLLECT")
    assert collect["name"] == "guinet"
    for part in run.made["EXE"]:
        assert any(arg is part for arg in collect["args"]), part
    lists = [arg for arg in collect["args"] if isinstance(arg, list)]
    names = {entry[0] for entry in lists for entry in entry}
    for name, kept in {**BINARIES, **DATAS}.items():
        assert (name in names) is kept, name
    for _src, dest in analysis["datas"]:
        assert f"{dest}/style.qss" in names  # guinet's own resources
    assert "BUNDLE" not in run.calls


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_pyinstaller_spec_icon_and_mac_bundle(
    monkeypatch: pytest.MonkeyPatch, platform: str
) -> None:
    run = run_spec(monkeypatch, platform)
    for _args, kw in run.calls["EXE"]:
        (icon,) = kw["icon"]
        assert Path(icon).is_file(), f"icon {icon} does not exist"
        assert Path(icon).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if platform == "darwin":
        bundle = run.one("BUNDLE")
        assert Path(bundle["icon"]).is_file()
        assert bundle["bundle_identifier"] == APP_ID
        assert bundle["version"] == importlib.import_module("guinet").__version__
        (exported,) = bundle["info_plist"]["UTExportedTypeDeclarations"]
        tags = exported["UTTypeTagSpecification"]
        assert tags["public.mime-type"] == [MIME_TYPE]
        assert tags["public.filename-extension"] == ["guinet"]
    else:
        assert "BUNDLE" not in run.calls


def load_render_icon() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(
        "render_icon", PACKAGING / "render_icon.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def png_size(path: Path) -> tuple[int, int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", path
    width, height, _depth, color_type = struct.unpack(">IIBB", data[16:26])
    return width, height, color_type


def test_hicolor_icons_at_every_freedesktop_size_are_fresh(
    qapp: object, tmp_path: Path
) -> None:
    from PIL import Image, ImageChops

    render_icon = load_render_icon()
    assert render_icon.FREEDESKTOP_SIZES == (16, 24, 32, 48, 64, 128, 256)
    for size in render_icon.FREEDESKTOP_SIZES:
        committed = render_icon.hicolor_png(size)
        assert committed.is_file(), f"{committed} is missing"
        assert png_size(committed) == (size, size, 6), committed  # RGBA
        fresh = tmp_path / f"{size}.png"
        render_icon.render(ICONS / "guinet.svg", fresh, size)
        with Image.open(fresh) as new, Image.open(committed) as old:
            diff = ImageChops.difference(new.convert("RGBA"), old.convert("RGBA"))
            histogram = diff.convert("L").histogram()
        mean = sum(i * n for i, n in enumerate(histogram)) / (size * size)
        assert mean < 2.0, "stale: run python packaging/render_icon.py --hicolor"


@pytest.mark.skipif(
    shutil.which("bash") is None or not sys.platform.startswith("linux"),
    reason="the desktop install script is for Linux (bash)",
)
def test_install_script_puts_every_desktop_file_under_one_app_id(
    tmp_path: Path,
) -> None:
    prefix = tmp_path / "prefix"
    env = {**os.environ, "HOME": str(tmp_path / "home")}
    env.pop("XDG_DATA_HOME", None)
    script = PACKAGING / "install-desktop.sh"
    subprocess.run(
        ["bash", str(script), "--prefix", str(prefix)],
        check=True,
        capture_output=True,
        env=env,
    )
    share = prefix / "share"
    entry = desktop_entry()
    meta = ET.parse(PACKAGING / f"{APP_ID}.metainfo.xml").getroot()
    launcher = meta.findtext("launchable[@type='desktop-id']")
    installed = share / "applications" / str(launcher)
    assert installed.read_bytes() == (PACKAGING / "guinet.desktop").read_bytes()
    assert (share / "metainfo" / f"{APP_ID}.metainfo.xml").is_file()
    mime = share / "mime" / "packages" / f"{APP_ID}.xml"
    assert mime.read_bytes() == (PACKAGING / "guinet-mime.xml").read_bytes()
    # the launcher and the metadata name one icon, installed at every size
    icon = entry["Icon"]
    assert icon == meta.findtext("icon[@type='stock']") == APP_ID
    hicolor = share / "icons" / "hicolor"
    svg = hicolor / "scalable" / "apps" / f"{icon}.svg"
    assert svg.read_bytes() == (ICONS / "guinet.svg").read_bytes()
    for size in load_render_icon().FREEDESKTOP_SIZES:
        png = hicolor / f"{size}x{size}" / "apps" / f"{icon}.png"
        assert png_size(png)[:2] == (size, size)
    # with the caches' tools, *.guinet maps to the type and the type to guinet:
    # what makes a double-click on a project open it in guinet
    if shutil.which("update-mime-database"):
        globs = (share / "mime" / "globs2").read_text(encoding="utf-8")
        assert f"{MIME_TYPE}:*.guinet" in globs
    if shutil.which("update-desktop-database"):
        cache = (share / "applications" / "mimeinfo.cache").read_text()
        assert f"{MIME_TYPE}={launcher};" in cache.splitlines()

    subprocess.run(
        ["bash", str(script), "--prefix", str(prefix), "--uninstall"],
        check=True,
        capture_output=True,
        env=env,
    )
    assert not installed.exists() and not svg.exists() and not mime.exists()


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_ci_script_is_valid_bash() -> None:
    script = ROOT / ".ci" / "run"
    assert os.access(script, os.X_OK), ".ci/run must be executable"
    text = script.read_text(encoding="utf-8")
    assert "set -euo pipefail" in text
    subprocess.run(["bash", "-n", str(script)], check=True)


VALIDATOR_PACKAGES = {
    "desktop-file-validate": "desktop-file-utils",
    "appstreamcli": "appstream",
}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="freedesktop tools")
@pytest.mark.parametrize(
    ("tool", "args", "path"),
    [
        ("desktop-file-validate", [], "guinet.desktop"),
        (
            "appstreamcli",
            ["validate", "--no-net", "--strict"],
            f"{APP_ID}.metainfo.xml",
        ),
    ],
)
def test_freedesktop_validators_accept_the_files(
    tool: str, args: list[str], path: str
) -> None:
    if shutil.which(tool) is None:
        pytest.skip(
            f"{tool} is not installed (apt-get install {VALIDATOR_PACKAGES[tool]}; "
            ".ci/run installs it)"
        )
    result = subprocess.run(
        [tool, *args, str(PACKAGING / path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    if tool == "desktop-file-validate":  # hints and warnings too: none allowed
        assert not (result.stdout + result.stderr).strip(), result.stdout
