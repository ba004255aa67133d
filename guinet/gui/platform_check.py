"""Before Qt starts: can its platform plugin load, and is there a display?

Qt answers a missing library or a missing display by aborting the process
(exit 134) with a message that names the wrong library ("libxcb-cursor0 is
needed" when libxcb-icccm4 is what is missing). This module asks first, with
the standard library only (no Qt import), and words the answer as one line:
the missing libraries and the ``apt-get`` command that installs them, or what
to do without a display. The libraries come from the one list in
``resources/system-packages.txt``, which ``.ci/run`` and the README use too.

Only Linux is checked; elsewhere Qt's plugins ship everything they need.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import NamedTuple

from guinet._resources import resource

PACKAGE_LIST = "system-packages.txt"
#: Platforms that need no display: only the common libraries.
HEADLESS = ("offscreen", "minimal")

#: ``load(soname)`` returns ``None`` when the library loads, else why not.
Loader = Callable[[str], str | None]
#: ``connect(display)`` returns ``None`` when an X display answers, else why not.
Connector = Callable[[str], str | None]


class SystemLibrary(NamedTuple):
    group: str  # "offscreen" (every platform) or "display" (xcb)
    package: str  # the Debian/Ubuntu package
    soname: str  # the library file it provides


def system_libraries(path: Path | None = None) -> list[SystemLibrary]:
    """The entries of ``resources/system-packages.txt``, in file order."""
    path = path if path is not None else resource(PACKAGE_LIST)
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) == 3:
            entries.append(SystemLibrary(*fields))
    return entries


def apt_command(libraries: list[SystemLibrary]) -> str:
    packages = dict.fromkeys(library.package for library in libraries)
    return "sudo apt-get install " + " ".join(packages)


def load_library(soname: str) -> str | None:
    """Ask the dynamic loader for ``soname`` (cheap: already-loaded or small
    libraries, the same ones Qt loads a moment later)."""
    try:
        ctypes.CDLL(soname)
    except OSError as exc:
        return str(exc)
    return None


def connect_x11(display: str) -> str | None:
    """Open and close one X connection to ``display`` with libxcb, as Qt's
    xcb platform is about to."""
    try:
        xcb = ctypes.CDLL("libxcb.so.1")
    except OSError as exc:
        return str(exc)
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    connection = xcb.xcb_connect(display.encode(), None)
    if not connection:
        return "no connection"
    try:
        error = xcb.xcb_connection_has_error(connection)
    finally:
        xcb.xcb_disconnect(connection)
    return f"error {error}" if error else None


def _xcb_support_library() -> Path | None:
    """PySide6's ``libQt6XcbQpa``: loading it finds a missing library that is
    not on the list, too."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        candidate = Path(folder, "Qt", "lib", "libQt6XcbQpa.so.6")
        if candidate.is_file():
            return candidate
    return None


def requested_platforms(env: Mapping[str, str]) -> list[str]:
    """The platforms Qt will try, in order (``QT_QPA_PLATFORM`` may list
    several, ``;``-separated, each with ``:options``)."""
    value = env.get("QT_QPA_PLATFORM", "").strip()
    if value:
        names = [part.split(":", 1)[0].strip() for part in value.split(";")]
        return [name for name in names if name]
    if env.get("XDG_SESSION_TYPE") == "wayland":
        return ["wayland", "xcb"]
    return ["xcb"]


def _has_wayland(env: Mapping[str, str]) -> bool:
    if env.get("WAYLAND_DISPLAY"):
        return True
    runtime = env.get("XDG_RUNTIME_DIR")
    if not runtime:
        return False
    return Path(runtime, "wayland-0").exists()


def platform_problem(
    env: Mapping[str, str] | None = None,
    *,
    libraries: list[SystemLibrary] | None = None,
    load: Loader = load_library,
    connect: Connector = connect_x11,
    system: str = sys.platform,
) -> str | None:
    """``None`` when Qt can start one of the platforms it will try; else one
    line that says what is missing and how to get it."""
    if not system.startswith("linux"):
        return None
    env = os.environ if env is None else env
    if libraries is None:
        try:
            libraries = system_libraries()
        except OSError:  # an install without its list: Qt's own check remains
            libraries = []
    problems: list[str] = []
    for platform in requested_platforms(env):
        problem = _problem_with(platform, env, libraries, load, connect)
        if problem is None:
            return None
        problems.append(problem)
    return problems[0] if problems else None


def _missing(
    libraries: list[SystemLibrary], groups: tuple[str, ...], load: Loader
) -> list[SystemLibrary]:
    return [lib for lib in libraries if lib.group in groups and load(lib.soname)]


def _libraries_problem(platform: str, missing: list[SystemLibrary]) -> str:
    names = ", ".join(lib.soname for lib in missing)
    return (
        f"Qt's {platform} platform cannot start: {names} "
        f"{'is' if len(missing) == 1 else 'are'} missing; install "
        f"{'it' if len(missing) == 1 else 'them'} with: {apt_command(missing)}"
    )


NO_DISPLAY = (
    "no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is "
    "set): start guinet in a desktop session; without one, the command line "
    "works (guinet --help), and QT_QPA_PLATFORM=offscreen runs guinet without "
    "a screen"
)


def _problem_with(
    platform: str,
    env: Mapping[str, str],
    libraries: list[SystemLibrary],
    load: Loader,
    connect: Connector,
) -> str | None:
    if platform == "xcb":
        display = env.get("DISPLAY", "")
        if not display:
            return NO_DISPLAY
        # One dlopen of PySide6's xcb support library loads everything the
        # plugin needs (Qt loads it a moment later anyway); only when that
        # fails is each listed library tried, to name every missing one.
        support = _xcb_support_library()
        error = load(str(support)) if support is not None else "not found"
        if error is not None:
            missing = _missing(libraries, ("offscreen", "display"), load)
            if missing:
                return _libraries_problem(platform, missing)
            if support is not None:
                return (
                    f"Qt's xcb platform cannot start ({error}); the system "
                    f"packages it needs are listed in {resource(PACKAGE_LIST)}"
                )
        error = connect(display)
        if error is not None:
            return (
                f"cannot connect to the X display {display!r} (DISPLAY): is it "
                "running, and may this user open windows on it? Without a "
                "display, QT_QPA_PLATFORM=offscreen runs guinet without a screen"
            )
        return None
    if platform == "wayland":
        if not _has_wayland(env):
            return NO_DISPLAY
        missing = _missing(libraries, ("offscreen",), load)
        return _libraries_problem(platform, missing) if missing else None
    if platform in HEADLESS:
        missing = _missing(libraries, ("offscreen",), load)
        return _libraries_problem(platform, missing) if missing else None
    return None  # eglfs, linuxfb, vnc, …: Qt knows best
