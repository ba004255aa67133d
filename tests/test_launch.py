"""Before Qt starts: the one list of system packages, and the platform check.

Qt aborts the process (exit 134) when its platform plugin cannot load or
there is no display, naming the wrong library. ``guinet`` asks first and says
what is missing in one line; the list it reads is the one ``.ci/run``
installs from and the README quotes.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from guinet._resources import resource
from guinet.gui import platform_check
from guinet.gui.platform_check import (
    SystemLibrary,
    apt_command,
    platform_problem,
    requested_platforms,
    system_libraries,
)

ROOT = Path(__file__).resolve().parent.parent
LIBS = system_libraries()


def loads_all(soname: str) -> str | None:
    return None


def connects(display: str) -> str | None:
    return None


def missing(*sonames: str):
    """A loader for a machine that lacks ``sonames``: as the real loader,
    it fails on PySide6's xcb support library too, which needs them."""

    def load(soname: str) -> str | None:
        if soname in sonames:
            return f"{soname}: cannot open shared object file"
        if soname.endswith("libQt6XcbQpa.so.6") and sonames:
            return f"{sonames[0]}: cannot open shared object file"
        return None

    return load


# -- the one list ----------------------------------------------------------------------
def test_the_list_has_both_groups_and_the_libraries_qt_aborted_on() -> None:
    groups = {lib.group for lib in LIBS}
    assert groups == {"offscreen", "display"}
    by_package = {lib.package: lib.soname for lib in LIBS}
    # what the README lacked when Qt aborted on a machine it called complete
    assert by_package["libxcb-icccm4"] == "libxcb-icccm.so.4"
    assert by_package["libxcb-keysyms1"] == "libxcb-keysyms.so.1"
    assert by_package["libxcb-cursor0"] == "libxcb-cursor.so.0"
    assert len(by_package) == len(LIBS), "a package listed twice"


def test_the_readme_quotes_the_list() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"^sudo apt-get install (.+)$", readme, re.MULTILINE)
    assert commands, "README.md has no apt-get line"
    assert [f"sudo apt-get install {c}" for c in commands] == [apt_command(LIBS)]
    assert "resources/system-packages.txt" in readme


SYSTEM_LIBS = ROOT / "packaging" / "system-libs.sh"


def test_the_install_script_reads_the_list() -> None:
    """Run the part of packaging/system-libs.sh that reads the list, and
    compare with Python's."""
    script = SYSTEM_LIBS.read_text(encoding="utf-8")
    start = script.index("REQUIRED_LIBS=()")
    end = script.index("\n", script.index("lists no libraries"))
    snippet = (
        'set -euo pipefail\ndie() { echo "$*" >&2; exit 1; }\n'
        "PACKAGE_LIST=resources/system-packages.txt\n"
        + script[start:end]
        + '\nprintf "offscreen %s\\n" "${REQUIRED_LIBS[@]}"'
        + '\nprintf "display %s\\n" "${DISPLAY_LIBS[@]}"\n'
    )
    result = subprocess.run(
        ["bash", "-c", snippet],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    read = [
        tuple(line.replace(":", " ").split()) for line in result.stdout.splitlines()
    ]
    assert read == [(lib.group, lib.package, lib.soname) for lib in LIBS]
    # no second, hand-kept list in the script or in .ci/run
    assert "libxcb-icccm4" not in script
    assert "libxcb-icccm4" not in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_ci_and_the_readme_quick_start_run_the_install_script() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "bash packaging/system-libs.sh" in ci
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick_start = readme[readme.index("## Quick start") :]
    commands = re.findall(r"^(.*python3 -m venv .*)$", quick_start, re.MULTILINE)
    assert len(commands) >= 2
    launch, test = commands[:2]
    assert launch.startswith("bash packaging/system-libs.sh && ")
    assert launch.endswith(".venv/bin/guinet")
    assert test.startswith("bash packaging/system-libs.sh && ")
    assert test.endswith(".venv/bin/python -m pytest -n auto")  # one worker a core


@pytest.mark.skipif(sys.platform != "linux", reason="the script acts on Linux only")
def test_the_install_script_checks_what_is_missing(tmp_path: Path) -> None:
    present = tmp_path / "present.txt"
    present.write_text(
        "# a comment\noffscreen libc6 libc.so.6\ndisplay libc6-dup libc.so.6\n",
        encoding="utf-8",
    )
    absent = tmp_path / "absent.txt"
    absent.write_text(
        "offscreen libc6 libc.so.6\n"
        "display guinet-no-such-package libguinet-no-such.so.9\n",
        encoding="utf-8",
    )

    def check(listing: Path) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PACKAGE_LIST": str(listing), "PYTHON": sys.executable}
        return subprocess.run(
            ["bash", str(SYSTEM_LIBS), "--check"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )

    ok = check(present)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "all present" in ok.stdout
    missing = check(absent)
    assert missing.returncode == 1
    assert "missing: guinet-no-such-package" in missing.stdout


def test_the_list_ships_in_the_package() -> None:
    assert resource("system-packages.txt").is_file()


# -- the check -------------------------------------------------------------------------
def test_missing_xcb_libraries_are_named_with_the_apt_command() -> None:
    problem = platform_problem(
        {"DISPLAY": ":0"},
        load=missing("libxcb-icccm.so.4", "libxcb-keysyms.so.1"),
        connect=connects,
        system="linux",
    )
    assert problem == (
        "Qt's xcb platform cannot start: libxcb-icccm.so.4, libxcb-keysyms.so.1 "
        "are missing; install them with: sudo apt-get install libxcb-icccm4 "
        "libxcb-keysyms1"
    )


def test_a_missing_common_library_stops_the_offscreen_platform_too() -> None:
    problem = platform_problem(
        {"QT_QPA_PLATFORM": "offscreen"},
        load=missing("libEGL.so.1", "libxcb-icccm.so.4"),
        connect=connects,
        system="linux",
    )
    assert problem is not None
    assert "offscreen platform cannot start: libEGL.so.1 is missing" in problem
    assert problem.endswith("sudo apt-get install libegl1")  # xcb's need not apply


def test_all_present_and_a_display_that_answers_is_fine() -> None:
    env = {"DISPLAY": ":0"}
    assert (
        platform_problem(env, load=loads_all, connect=connects, system="linux") is None
    )


@pytest.mark.parametrize(
    "env",
    [{}, {"XDG_SESSION_TYPE": "x11"}, {"QT_QPA_PLATFORM": "xcb"}],
    ids=["nothing", "x11-session", "xcb-asked"],
)
def test_no_display_at_all_says_so_and_names_offscreen(env: dict[str, str]) -> None:
    problem = platform_problem(env, load=loads_all, connect=connects, system="linux")
    assert problem is not None
    assert "no display" in problem
    assert "DISPLAY" in problem and "WAYLAND_DISPLAY" in problem
    assert "QT_QPA_PLATFORM=offscreen" in problem
    assert "\n" not in problem


def test_a_display_that_does_not_answer_is_named() -> None:
    problem = platform_problem(
        {"DISPLAY": ":99"},
        load=loads_all,
        connect=lambda display: "error 1",
        system="linux",
    )
    assert problem is not None
    assert "cannot connect to the X display ':99'" in problem


def test_a_wayland_session_does_not_need_the_xcb_libraries() -> None:
    env = {"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0"}
    assert requested_platforms(env) == ["wayland", "xcb"]
    problem = platform_problem(
        env, load=missing("libxcb-icccm.so.4"), connect=connects, system="linux"
    )
    assert problem is None


def test_qt_qpa_platform_lists_platforms_with_options() -> None:
    env = {"QT_QPA_PLATFORM": "xcb:foo=1;offscreen"}
    assert requested_platforms(env) == ["xcb", "offscreen"]
    # xcb has no display, but offscreen (the fallback) starts
    assert (
        platform_problem(env, load=loads_all, connect=connects, system="linux") is None
    )


def test_other_systems_are_not_checked() -> None:
    assert platform_problem({}, load=missing("x"), system="win32") is None
    assert platform_problem({}, load=missing("x"), system="darwin") is None


@pytest.mark.skipif(
    platform_check._xcb_support_library() is None,
    reason="a PySide6 without its own Qt libraries",
)
def test_a_missing_library_that_is_not_on_the_list_is_still_caught() -> None:
    problem = platform_problem(
        {"DISPLAY": ":0"},
        load=missing("libxcb-something-new.so.3"),
        connect=connects,
        system="linux",
    )
    assert problem is not None
    assert "libxcb-something-new.so.3" in problem
    assert "system-packages.txt" in problem


def test_the_real_loader_names_a_missing_library() -> None:
    assert platform_check.load_library("libc.so.6") is None
    error = platform_check.load_library("libguinet-nothing-such.so.7")
    assert error is not None and "libguinet-nothing-such.so.7" in error


def test_the_list_reader_ignores_comments(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text("# a comment\n\noffscreen  libfoo1  libfoo.so.1  # why\n")
    assert system_libraries(path) == [
        SystemLibrary("offscreen", "libfoo1", "libfoo.so.1")
    ]


# -- a real process ------------------------------------------------------------------
def run_guinet(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "guinet", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=60,
        check=False,
    )


def headless_env() -> dict[str, str]:
    drop = {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "XDG_SESSION_TYPE"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.pop("XDG_RUNTIME_DIR", None)  # no wayland-0 socket to find either
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONIOENCODING"] = "utf-8"
    return env


@pytest.mark.skipif(sys.platform != "linux", reason="Linux platform plugins")
def test_guinet_without_a_display_exits_1_with_one_line_not_qts_abort() -> None:
    result = run_guinet(headless_env())
    assert result.returncode == 1, result.stderr  # Qt's abort was 134 (-6)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("guinet: no display")
    assert "QT_QPA_PLATFORM=offscreen" in lines[0]
    assert result.stdout == ""


@pytest.mark.skipif(sys.platform != "linux", reason="Linux platform plugins")
def test_guinet_with_a_display_that_is_not_there_exits_1() -> None:
    env = {**headless_env(), "DISPLAY": ":4321", "QT_QPA_PLATFORM": "xcb"}
    result = run_guinet(env)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    # with every library present it is the display; otherwise the libraries
    assert "':4321'" in lines[0] or "apt-get install" in lines[0]


def test_the_check_imports_no_qt() -> None:
    code = (
        "import sys; from guinet.gui.platform_check import platform_problem; "
        "platform_problem({'QT_QPA_PLATFORM': 'offscreen'}); "
        "print(sorted(m for m in sys.modules if m.startswith('PySide6')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "[]"
