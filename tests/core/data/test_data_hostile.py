"""Hostile files: old-Mac line ends, unreadable files, pipes and devices.

Each is a clear :class:`DataError` (or, for CR-only text, a correct read),
from :func:`prepare`, the preview, the session and both commands: never a
traceback and never a hang.
"""

from __future__ import annotations

import builtins
import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest

from guinet.cli import main
from guinet.core.data import DataError, prepare, preview, tables
from guinet.core.project import Project
from guinet.core.session import Session

NO_SPLIT = {"validation": 0.0, "test": 0.0}
ROWS = [(1, 2.5, 0), (3, 4.5, 1), (5, 6.5, 0), (7, 8.5, 1), (9, 10.5, 0)]


def section(path: Path | str, **data) -> dict:
    return {
        "source": {"kind": "csv", "path": str(path)},
        "target": "y",
        "split": NO_SPLIT,
        "scaling": "none",
        **data,
    }


def cr_file(tmp_path: Path, header: bool = True) -> Path:
    lines = (["a,b,y"] if header else []) + [f"{a},{b},{y}" for a, b, y in ROWS]
    path = tmp_path / "mac.csv"
    path.write_bytes("\r".join(lines).encode() + b"\r")
    return path


# -- 20: CR-only line ends ------------------------------------------------------------
def test_cr_only_line_ends_are_read_row_by_row(tmp_path: Path) -> None:
    data = prepare(section(cr_file(tmp_path)), tmp_path)
    assert data.feature_names == ["a", "b"]
    np.testing.assert_allclose(data.x_train, [[a, b] for a, b, _ in ROWS])
    assert data.y_train.reshape(-1).tolist() == [y for *_, y in ROWS]
    assert any("CR" in note for note in data.report.notes)


def test_cr_only_without_a_header_and_in_chunks(tmp_path: Path, monkeypatch) -> None:
    path = cr_file(tmp_path, header=False)
    monkeypatch.setattr(tables, "DIRECT_READ_BYTES", 0)
    monkeypatch.setattr(tables, "CHUNK_BYTES", 8)
    data = prepare(section(path, target=-1), tmp_path)
    np.testing.assert_allclose(data.x_train, [[a, b] for a, b, _ in ROWS])


def test_cr_only_preview(tmp_path: Path) -> None:
    shown = preview({"kind": "csv", "path": str(cr_file(tmp_path))})
    assert list(shown.frame.columns) == ["a", "b", "y"]
    assert len(shown.frame) == len(ROWS)


def test_a_long_cr_only_file_is_sniffed_from_a_sample(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    body = "\r".join(f"{i},{i * 0.5},{i % 2}" for i in range(20_000))
    path.write_bytes(f"a,b,y\r{body}\r".encode())
    data = prepare(section(path), tmp_path)
    assert len(data.x_train) == 20_000
    assert data.x_train[-1].tolist() == [19_999, 9_999.5]


# -- 21: files that cannot be read --------------------------------------------------
@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    path = tmp_path / "pipe.csv"
    os.mkfifo(path)
    return path


@pytest.fixture
def denied(tmp_path: Path, monkeypatch) -> Path:
    """A file every open() of refuses, as chmod 000 does for a non-root user."""
    path = tmp_path / "locked.csv"
    path.write_text("a,b,y\n1,2,0\n3,4,1\n")
    real_open, real_os_open = builtins.open, os.open

    def refuse(file, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and Path(file) == path:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    def refuse_os(file, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and Path(file) == path:
            raise PermissionError(13, "Permission denied", str(file))
        return real_os_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", refuse)
    monkeypatch.setattr(os, "open", refuse_os)
    return path


def test_a_named_pipe_is_refused_without_opening_it(fifo: Path) -> None:
    with pytest.raises(DataError, match="named pipe"):
        prepare(section(fifo), fifo.parent)
    with pytest.raises(DataError, match="named pipe"):
        preview({"kind": "csv", "path": str(fifo)})


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_device_is_refused() -> None:
    with pytest.raises(DataError, match="a device, not a data file"):
        prepare(section("/dev/zero"))


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="no /proc")
def test_a_file_that_cannot_be_read_is_a_message() -> None:
    with pytest.raises(DataError, match=r"Cannot read /proc/self/mem: .*error"):
        prepare(section("/proc/self/mem"))


def test_permission_denied_is_a_message(denied: Path) -> None:
    with pytest.raises(DataError, match="permission denied") as info:
        prepare(section(denied), denied.parent)
    assert str(denied) in str(info.value)
    with pytest.raises(DataError, match="permission denied"):
        preview({"kind": "csv", "path": str(denied)})


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() == 0,
    reason="chmod 000 does not stop root (see the monkeypatched test)",
)
def test_chmod_000_is_a_message(tmp_path: Path) -> None:
    path = tmp_path / "locked.csv"
    path.write_text("a,b,y\n1,2,0\n3,4,1\n")
    path.chmod(0)
    try:
        with pytest.raises(DataError, match="permission denied"):
            prepare(section(path), tmp_path)
    finally:
        path.chmod(0o644)


def test_an_unreadable_image_folder_is_a_message(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "images"
    (folder / "cat").mkdir(parents=True)
    real = os.scandir

    def refuse(path=".", *args):
        if Path(path) == folder:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, *args)

    monkeypatch.setattr(os, "scandir", refuse)
    with pytest.raises(DataError, match="permission denied"):
        prepare({"source": {"kind": "images", "path": str(folder)}, "split": NO_SPLIT})


def test_the_session_keeps_the_message(fifo: Path) -> None:
    project = Project.from_dict({"guinet": 1, "data": section(fifo)})
    session = Session(project)
    with pytest.raises(DataError):
        session.prepare_data()
    assert "named pipe" in (session.data_error or "")


def project_file(tmp_path: Path, data_path: Path) -> Path:
    project = {
        "guinet": 1,
        "name": "hostile",
        "data": section(data_path),
        "model": {"layers": [{"type": "Linear", "out_features": 1}]},
        "training": {"epochs": 1, "checkpoint": {"enabled": False}},
    }
    path = tmp_path / "hostile.guinet"
    path.write_text(json.dumps(project))
    return path


@pytest.mark.parametrize("command", ["train", "summary"])
def test_the_commands_say_it_in_one_line(
    command: str, fifo: Path, tmp_path: Path, capsys
) -> None:
    code = main([command, str(project_file(tmp_path, fifo))])
    err = capsys.readouterr().err
    assert code == 2
    assert "named pipe" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("command", ["train", "summary"])
def test_the_commands_say_permission_denied(
    command: str, denied: Path, tmp_path: Path, capsys
) -> None:
    code = main([command, str(project_file(tmp_path, denied))])
    err = capsys.readouterr().err
    assert code == 2
    assert "permission denied" in err and "Traceback" not in err


# -- 26: values that overflow float32 while scaling -----------------------------------
def numbers_file(tmp_path: Path, name: str, column: list[float]) -> Path:
    lines = ["a,b,y"] + [f"{v!r},{i * 0.5},{i % 2}" for i, v in enumerate(column)]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("scaling", ["standard", "minmax"])
def test_huge_finite_values_are_scaled_in_float64(tmp_path: Path, scaling) -> None:
    rng = np.random.default_rng(0)
    raw = rng.normal(size=60) * 1e20
    path = numbers_file(tmp_path, "huge.csv", raw.tolist())
    data = prepare(section(path, scaling=scaling), tmp_path)
    a = data.x_train[:, 0].astype(np.float64)
    assert np.isfinite(data.x_train).all()
    if scaling == "standard":
        expected = (raw - raw.mean()) / raw.std()
        assert abs(a.mean()) < 1e-5 and abs(a.std() - 1) < 1e-5
    else:
        expected = (raw - raw.min()) / (raw.max() - raw.min())
        assert a.min() == 0 and abs(a.max() - 1) < 1e-6
    np.testing.assert_allclose(a, expected, rtol=1e-5, atol=1e-6)
    assert data.scaler.scale[0] > 1e19 and np.isfinite(data.scaler.scale).all()


def test_a_range_wider_than_float32_is_refused_by_name(tmp_path: Path) -> None:
    path = numbers_file(tmp_path, "wide.csv", [-3e38, 3e38] * 10)
    with pytest.raises(DataError, match=r"Column 'a' cannot be scaled") as info:
        prepare(section(path, scaling="minmax"), tmp_path)
    assert "-3e+38" in str(info.value) and "3e+38" in str(info.value)
    # the same values are fine with standard scaling: they fit once centred
    data = prepare(section(path, scaling="standard"), tmp_path)
    np.testing.assert_allclose(np.abs(data.x_train[:, 0]), 1.0, rtol=1e-5)


def test_values_too_close_together_are_refused_by_name(tmp_path: Path) -> None:
    path = numbers_file(tmp_path, "tiny.csv", [0.0, 1e-42] * 10)
    with pytest.raises(DataError, match="Column 'a' cannot be scaled"):
        prepare(section(path, scaling="standard"), tmp_path)


def test_a_validation_value_that_overflows_once_scaled(tmp_path: Path) -> None:
    train = numbers_file(tmp_path, "train.csv", [0.0, 1e-30] * 10)
    numbers_file(tmp_path, "val.csv", [0.0, 1e10])
    spec = section(train, scaling="standard")
    spec["validation_source"] = {"kind": "csv", "path": "val.csv"}
    with pytest.raises(DataError, match="Column 'a' in the validation file val.csv"):
        prepare(spec, tmp_path)
