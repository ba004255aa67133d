"""NumPy files and image folders."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from guinet.core.data import DataError, prepare

NO_SPLIT = {"validation": 0.0, "test": 0.0}


def arrays(tmp_path: Path, name: str = "d.npz", **data):
    section = {
        "source": {"kind": "npz", "path": name, **data.pop("source", {})},
        "split": data.pop("split", NO_SPLIT),
        **data,
    }
    return prepare(section, tmp_path)


def test_npz_with_default_names(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3))
    y = np.arange(40) % 4
    np.savez(tmp_path / "d.npz", x=x, y=y)
    data = arrays(tmp_path, scaling="none")
    assert data.task == "multiclass" and data.n_outputs == 4
    np.testing.assert_allclose(data.x_train, x.astype(np.float32))
    np.testing.assert_array_equal(data.y_train, y)


def test_npz_named_arrays_images_and_class_names(tmp_path: Path) -> None:
    images = np.random.default_rng(1).integers(0, 255, (30, 1, 6, 5)).astype(np.uint8)
    labels = np.arange(30) % 3
    np.savez(
        tmp_path / "img.npz",
        inputs=images,
        labels=labels,
        class_names=np.array(["cat", "dog", "owl"]),
    )
    data = arrays(tmp_path, "img.npz", source={"x": "inputs", "y": "labels"})
    assert data.input_shape == (1, 6, 5)
    assert data.class_names == ["cat", "dog", "owl"]


def test_npz_one_hot_targets_become_classes(tmp_path: Path) -> None:
    y = np.eye(3)[np.arange(30) % 3]
    np.savez(tmp_path / "d.npz", x=np.arange(30.0).reshape(30, 1), y=y)
    data = arrays(tmp_path)
    np.testing.assert_array_equal(data.y_train, np.arange(30) % 3)
    assert "one-hot targets read as class indices" in data.report.notes


def test_npz_regression_with_two_targets(tmp_path: Path) -> None:
    x = np.random.default_rng(2).normal(size=(50, 2))
    np.savez(tmp_path / "d.npz", x=x, y=x @ [[1.0, 2.0], [3.0, 4.0]] + 0.5)
    data = arrays(tmp_path)
    assert data.task == "regression" and data.n_outputs == 2
    assert data.y_train.shape == (50, 2) and data.y_train.dtype == np.float32


def test_npz_text_labels(tmp_path: Path) -> None:
    np.savez(tmp_path / "d.npz", x=np.arange(6.0), y=np.array(list("ababab")))
    data = arrays(tmp_path)
    assert data.task == "binary" and data.class_names == ["a", "b"]
    assert data.input_shape == (1,)


def test_npy_matrix_target_by_index(tmp_path: Path) -> None:
    matrix = np.column_stack([np.arange(20.0), np.arange(20.0) * 2, np.arange(20) % 2])
    np.save(tmp_path / "m.npy", matrix)
    data = prepare(
        {
            "source": {"kind": "npy", "path": "m.npy"},
            "target": -1,
            "split": NO_SPLIT,
            "scaling": "none",
        },
        tmp_path,
    )
    assert data.task == "binary" and data.feature_names == ["column 0", "column 1"]
    np.testing.assert_allclose(data.x_train, matrix[:, :2])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"x": np.zeros((3, 2))}, "has no array named 'y' .*holds: x"),
        ({"x": np.zeros((3, 2)), "y": np.zeros(4)}, "3 inputs but 4 targets"),
        ({"x": np.array(["a", "b"]), "y": np.zeros(2)}, "must be numbers"),
    ],
)
def test_bad_npz(tmp_path: Path, content: dict, message: str) -> None:
    np.savez(tmp_path / "d.npz", **content)
    with pytest.raises(DataError, match=message):
        arrays(tmp_path)


def test_npz_that_is_not_npz(tmp_path: Path) -> None:
    (tmp_path / "d.npz").write_bytes(b"hello, I am text")
    with pytest.raises(DataError, match="d.npz: it is not a NumPy"):
        arrays(tmp_path)


def test_npz_with_pickled_objects_is_refused(tmp_path: Path) -> None:
    np.savez(tmp_path / "d.npz", x=np.array([{"a": 1}], dtype=object), y=np.zeros(1))
    with pytest.raises(DataError, match="holds Python objects"):
        arrays(tmp_path)


def test_npz_missing_values_are_counted_and_filled(tmp_path: Path) -> None:
    x = np.arange(40.0).reshape(20, 2)
    x[3, 1] = np.nan
    np.savez(tmp_path / "d.npz", x=x, y=np.arange(20) % 2)
    with pytest.raises(DataError, match=r"missing values in x1 \(1\)"):
        arrays(tmp_path, missing="error")
    data = arrays(tmp_path, scaling="none")  # filled by default
    assert data.report.missing.found == {"x1": 1}
    assert data.report.missing.filled == {"inputs": 1}
    assert not np.isnan(data.x_train).any()
    expected = np.nanmean(np.delete(x[:, 1], 3))
    np.testing.assert_allclose(data.x_train[3, 1], expected, rtol=1e-6)


# -- image folders -----------------------------------------------------------
def make_images(root: Path, per_class: dict[str, int], size=(12, 10)) -> None:
    from PIL import Image

    rng = np.random.default_rng(0)
    for name, count in per_class.items():
        (root / name).mkdir(parents=True)
        for i in range(count):
            pixels = rng.integers(0, 255, (*size, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / name / f"{i}.png")


def images(root: Path, **source) -> dict:
    return {
        "source": {"kind": "images", "path": root.name, **source},
        "split": {"validation": 0.25, "test": 0.25, "seed": 0},
    }


def test_image_folder_rgb(tmp_path: Path) -> None:
    make_images(tmp_path / "pets", {"cat": 8, "dog": 8})
    data = prepare(images(tmp_path / "pets", size=[16, 20]), tmp_path)
    assert data.input_shape == (3, 16, 20)
    assert data.class_names == ["cat", "dog"] and data.task == "binary"
    assert data.report.rows == {"train": 8, "validation": 4, "test": 4}
    # standard scaling per channel, fitted on the training images
    np.testing.assert_allclose(data.x_train.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    assert data.scaler.offset.shape == (3, 1, 1)


def test_image_folder_grayscale_minmax_is_unit_range(tmp_path: Path) -> None:
    make_images(tmp_path / "pets", {"a": 4, "b": 4, "c": 4})
    data = prepare(
        {**images(tmp_path / "pets", color="grayscale"), "scaling": "minmax"}, tmp_path
    )
    assert data.input_shape == (1, 32, 32) and data.n_outputs == 3
    assert data.x_train.min() >= 0.0 and data.x_train.max() <= 1.0


def test_unreadable_images_are_skipped_and_counted(tmp_path: Path) -> None:
    make_images(tmp_path / "pets", {"cat": 6, "dog": 6})
    (tmp_path / "pets" / "cat" / "broken.png").write_bytes(b"\x89PNG not really")
    (tmp_path / "pets" / "dog" / "notes.txt").write_text("hello")
    data = prepare(images(tmp_path / "pets"), tmp_path)
    assert data.report.skipped_count == 2
    assert sorted(data.report.skipped_files) == ["cat/broken.png", "dog/notes.txt"]
    assert sum(data.report.rows.values()) == 12
    assert any("skipped 2 unreadable" in line for line in data.report.lines())


def test_folder_without_images_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "empty" / "cat").mkdir(parents=True)
    with pytest.raises(DataError, match="class folders in .* hold no images"):
        prepare(images(tmp_path / "empty"), tmp_path)
    (tmp_path / "flat").mkdir()
    with pytest.raises(DataError, match="has no sub-folders"):
        prepare(images(tmp_path / "flat"), tmp_path)


def test_folder_with_only_unreadable_files_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "bad" / "cat").mkdir(parents=True)
    (tmp_path / "bad" / "cat" / "a.jpg").write_bytes(b"nope")
    with pytest.raises(DataError, match="None of the 1 files .* Pillow can read"):
        prepare(images(tmp_path / "bad"), tmp_path)


def test_bad_image_options(tmp_path: Path) -> None:
    make_images(tmp_path / "pets", {"cat": 2, "dog": 2})
    with pytest.raises(DataError, match="image size must be"):
        prepare(images(tmp_path / "pets", size=[0, 5]), tmp_path)
    with pytest.raises(DataError, match="color must be"):
        prepare(images(tmp_path / "pets", color="sepia"), tmp_path)
