"""Feature expansion: values, order, dtype, the out buffer, bad input."""

import numpy as np
import pytest

from nnviz.core.config import FEATURES
from nnviz.core.features import FEATURE_FUNCS, expand_features

POINTS = np.array([[1.0, 2.0], [-0.5, 3.0], [np.pi / 2, 0.0]])


def test_every_config_feature_has_one_function():
    assert tuple(FEATURE_FUNCS) == FEATURES


def test_values_of_every_feature():
    out = expand_features(POINTS, FEATURES)
    x1, x2 = POINTS[:, 0], POINTS[:, 1]
    expected = np.column_stack([x1, x2, x1**2, x2**2, x1 * x2, np.sin(x1), np.sin(x2)])
    np.testing.assert_allclose(out, expected, rtol=1e-15)
    np.testing.assert_allclose(out[2], [np.pi / 2, 0, np.pi**2 / 4, 0, 0, 1, 0], atol=1e-15)


def test_columns_follow_the_given_order():
    out = expand_features(POINTS, ["sinx2", "x1x2", "x1"])
    np.testing.assert_allclose(
        out, np.column_stack([np.sin(POINTS[:, 1]), [2, -1.5, 0], POINTS[:, 0]])
    )


def test_float32_stays_float32():
    grid = POINTS.astype(np.float32)
    out = expand_features(grid, FEATURES)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, expand_features(POINTS, FEATURES), rtol=1e-6)


def test_integer_points_become_float64():
    out = expand_features(np.array([[2, 3]]), ["x1sq", "sinx1"])
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, [[4.0, np.sin(2.0)]])


def test_fills_and_returns_the_given_buffer():
    buffer = np.full((3, 2), np.nan, dtype=np.float32)
    result = expand_features(POINTS.astype(np.float32), ["x2sq", "x1"], out=buffer)
    assert result is buffer
    np.testing.assert_allclose(buffer, [[4, 1], [9, -0.5], [0, np.pi / 2]], rtol=1e-6)


def test_input_points_are_left_unchanged():
    points = POINTS.copy()
    expand_features(points, FEATURES)
    np.testing.assert_array_equal(points, POINTS)


@pytest.mark.parametrize(
    ("points", "names", "out", "message"),
    [
        (np.zeros((3, 3)), ["x1"], None, r"\(n, 2\)"),
        (np.zeros(4), ["x1"], None, r"\(n, 2\)"),
        (POINTS, ["x3"], None, "'x3' is not one of"),
        (POINTS, ["x1"], np.zeros((3, 2)), "out must be"),
        (POINTS, ["x1"], np.zeros((3, 1), dtype=np.float32), "out must be"),
    ],
)
def test_bad_input_is_refused(points, names, out, message):
    with pytest.raises(ValueError, match=message):
        expand_features(points, names, out=out)
