"""Build the stand-alone guinet app: one folder, made by PyInstaller.

    python packaging/build.py                 # build/bundle/dist/guinet/
    python packaging/build.py --force         # rebuild even if it is fresh
    python packaging/build.py --out DIR       # DIR/dist/guinet/, DIR/work/

Run it with the Python environment whose packages should ship: guinet's
dependencies and the torch build you want inside (the CPU build keeps the
folder near 1 GB; pip installs PyInstaller there if it is missing). The spec is
packaging/guinet.spec. The bundle is stamped with a digest of the files it is
built from (guinet/, resources/, the spec): a fresh bundle is reused, so
tests/test_bundle.py and a person can both call this cheaply. It prints the
folder's size and how long the build took. Then check it end to end:

    QT_QPA_PLATFORM=offscreen build/bundle/dist/guinet/guinet --self-test
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "guinet.spec"
DEFAULT_OUT = ROOT / "build" / "bundle"
#: Written into the bundle folder: the digest of the sources it was built from.
STAMP = "guinet-build-digest.txt"


def source_digest() -> str:
    """A digest of every file the bundle is built from, and of the Python
    that builds it: any change makes a stored bundle stale."""
    digest = hashlib.sha256(f"{sys.executable}\n{sys.version}\n".encode())
    files = [SPEC, Path(__file__).resolve()]
    for folder in ("guinet", "resources"):
        files += [p for p in (ROOT / folder).rglob("*") if p.is_file()]
    for path in sorted(files):
        if "__pycache__" in path.parts or path.suffix == ".pyc":
            continue
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def app_dir(out: Path = DEFAULT_OUT) -> Path:
    return out / "dist" / "guinet"


def executable(out: Path = DEFAULT_OUT) -> Path:
    name = "guinet.exe" if sys.platform == "win32" else "guinet"
    return app_dir(out) / name


def is_fresh(out: Path = DEFAULT_OUT) -> bool:
    stamp = app_dir(out) / STAMP
    return (
        executable(out).is_file()
        and stamp.is_file()
        and stamp.read_text(encoding="utf-8").strip() == source_digest()
    )


def folder_size(folder: Path) -> int:
    """Bytes in the folder's files; a link (PyInstaller links some libraries
    into place) is not counted a second time."""
    return sum(
        p.stat().st_size
        for p in folder.rglob("*")
        if p.is_file() and not p.is_symlink()
    )


def ensure_pyinstaller() -> None:
    if importlib.util.find_spec("PyInstaller") is None:
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "pyinstaller>=6.10"], check=True
        )


def build(out: Path = DEFAULT_OUT, force: bool = False) -> Path:
    """Build (or reuse) the bundle under ``out``; returns its executable."""
    if not force and is_fresh(out):
        print(f"build: {app_dir(out)} is up to date")
        return executable(out)
    ensure_pyinstaller()
    digest = source_digest()  # before the build: a change during it is stale
    started = time.perf_counter()
    shutil.rmtree(app_dir(out), ignore_errors=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--clean",
            "--log-level=WARN",
            "--distpath",
            str(out / "dist"),
            "--workpath",
            str(out / "work"),
            str(SPEC),
        ],
        check=True,
        cwd=ROOT,
    )
    (app_dir(out) / STAMP).write_text(digest + "\n", encoding="utf-8")
    seconds = time.perf_counter() - started
    size = folder_size(app_dir(out)) / 2**20
    print(f"build: {app_dir(out)}: {size:,.0f} MiB, built in {seconds:.0f} s")
    return executable(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--force", action="store_true", help="rebuild even if fresh")
    args = parser.parse_args()
    build(args.out.resolve(), force=args.force)


if __name__ == "__main__":
    main()
