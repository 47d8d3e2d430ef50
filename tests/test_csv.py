"""CSV points: reading good files, rejecting bad ones with the line and the reason, writing."""

import os

import numpy as np
import pytest

from nnviz.core.csvdata import load_points, save_points

DATA = os.path.join(os.path.dirname(__file__), "data")


def write(tmp_path, text, name="points.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_the_shipped_example_with_header():
    x, y = load_points(os.path.join(DATA, "points.csv"))
    assert x.shape == (8, 2) and x.dtype == np.float64 and y.dtype == np.int64
    np.testing.assert_array_equal(x[0], [0.5, -1.25])
    np.testing.assert_array_equal(y, [0, 1, 0, 1, 2, 2, 0, 1])


def test_header_is_optional_and_blank_lines_are_skipped(tmp_path):
    x, y = load_points(write(tmp_path, "\n1,2,0\n\n  \n3.5, -4e-1 ,1\n"))
    np.testing.assert_array_equal(x, [[1, 2], [3.5, -0.4]])
    np.testing.assert_array_equal(y, [0, 1])


def test_quoted_header_windows_line_ends_and_bom(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes('\ufeff"x","y","class"\r\n1,2,5\r\n3,4,-1\r\n'.encode())
    x, y = load_points(path)
    np.testing.assert_array_equal(x, [[1, 2], [3, 4]])
    np.testing.assert_array_equal(y, [5, -1])  # raw labels; make_dataset remaps them


def test_whole_number_labels_may_be_written_as_floats(tmp_path):
    _, y = load_points(write(tmp_path, "0,0,1.0\n1,1,0.0\n"))
    np.testing.assert_array_equal(y, [1, 0])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x1,x2,label\n1,2,0\n3,4\n", "line 3: expected 3 columns, got 2"),
        ("1,2,0\n1,2,1,7\n", "line 2: expected 3 columns, got 4"),
        ("x1,x2,label\n1,2,0\n\n3,4,1\nabc,1,0\n", "line 5: 'abc' is not a number"),
        ("1,2,0\n1,,1\n", "line 2: '' is not a number"),
        ("1,2,0\n1,2,1\n\n\n\n\n5,nan,1\n", "line 7: NaN or infinity"),
        ("1,2,0\n1,-inf,1\n", "line 2: NaN or infinity"),
        ("1,2,0\n1,2,0.5\n", "line 2: label '0.5' is not a whole number"),
        ("1,2,0\n1,2,one\n", "line 2: 'one' is not a number"),
        ("", "empty"),
        ("\n  \n", "empty"),
        ("x1,x2,label\n", "empty"),
        ("1,2,1\n3,4,1\n", "only one class"),
    ],
)
def test_malformed_files_are_rejected_with_line_and_reason(tmp_path, text, message):
    with pytest.raises(ValueError, match=message) as info:
        load_points(write(tmp_path, text))
    assert str(info.value).startswith("points.csv: ")


def test_missing_file_is_named(tmp_path):
    missing = tmp_path / "nowhere.csv"
    with pytest.raises(ValueError, match="nowhere.csv: no such CSV file"):
        load_points(missing)


def test_folder_and_binary_files_are_refused(tmp_path):
    with pytest.raises(ValueError, match="folder"):
        load_points(tmp_path)
    binary = tmp_path / "image.csv"
    binary.write_bytes(b"\x89PNG\xff\xfe\x00\x01")
    with pytest.raises(ValueError, match="not a text"):
        load_points(binary)


def test_save_then_load_gives_the_same_points(tmp_path):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(50, 2)) * 1e3
    y = rng.integers(0, 4, size=50)
    path = tmp_path / "out.csv"
    save_points(path, x, y)
    assert path.read_text().splitlines()[0] == "x1,x2,label"
    x_back, y_back = load_points(path)
    np.testing.assert_array_equal(x_back, x)
    np.testing.assert_array_equal(y_back, y)


def test_save_writes_float_targets_as_floats(tmp_path):
    path = tmp_path / "reg.csv"
    save_points(path, [[0.0, 1.0]], np.array([0.25]))
    assert path.read_text().splitlines()[1] == "0.0,1.0,0.25"


@pytest.mark.parametrize(
    ("x", "y", "message"), [([[1, 2, 3]], [0], r"\(n, 2\)"), ([[1, 2]], [0, 1], "1 labels")]
)
def test_save_rejects_mismatched_arrays(tmp_path, x, y, message):
    with pytest.raises(ValueError, match=message):
        save_points(tmp_path / "bad.csv", x, y)
    assert not os.listdir(tmp_path)
