"""Palette: the diverging scale, weight pens for any float, class colours and scales, indices."""

import math
from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtCore import Qt

from nnviz.app import palette

MAX_WIDTH = 6.0


@pytest.fixture(autouse=True)
def _qt(qapp):
    """QPen and QColor need a running application."""


def _hue_side(colour) -> str:
    """'blue' when blue dominates red, 'orange' when red dominates blue."""
    return "blue" if colour.blue() > colour.red() else "orange"


@pytest.mark.parametrize("w", [0.0, 1e-9, -1e-9, 1.0, -1.0, 1e6, -1e6, math.inf, -math.inf])
def test_weight_pen_is_valid_for_any_finite_or_infinite_weight(w):
    pen = palette.weight_pen(w, 2.0, MAX_WIDTH)
    assert pen.color().isValid()
    assert palette.MIN_PEN_WIDTH <= pen.widthF() <= MAX_WIDTH
    assert pen.style() == Qt.PenStyle.SolidLine
    if w > 0:
        assert _hue_side(pen.color()) == "blue"
    elif w < 0:
        assert _hue_side(pen.color()) == "orange"
    else:
        assert pen.color().getRgb()[:3] == palette.NEUTRAL


def test_weight_pen_width_grows_with_magnitude_and_clamps():
    widths = [palette.weight_pen(w, 2.0, MAX_WIDTH).widthF() for w in (0.0, 0.5, 1.0, 2.0, 1e6)]
    assert widths == sorted(widths)
    assert widths[0] == palette.MIN_PEN_WIDTH
    assert widths[-2] == widths[-1] == MAX_WIDTH


def test_huge_weights_get_the_full_diverging_end_colours():
    assert palette.weight_pen(1e6, 2.0, MAX_WIDTH).color().getRgb()[:3] == palette.POSITIVE
    assert palette.weight_pen(-math.inf, 2.0, MAX_WIDTH).color().getRgb()[:3] == palette.NEGATIVE


def test_nan_weight_gives_a_thin_dashed_grey_pen():
    pen = palette.weight_pen(math.nan, 2.0, MAX_WIDTH)
    assert pen.style() == Qt.PenStyle.DashLine
    assert pen.widthF() == palette.MIN_PEN_WIDTH
    red, green, blue, _ = pen.color().getRgb()
    assert red == green == blue


def test_weight_pen_rejects_a_meaningless_scale():
    with pytest.raises(ValueError, match="max_abs"):
        palette.weight_pen(1.0, 0.0, MAX_WIDTH)


def test_pens_are_cached():
    assert palette.weight_pen(0.7, 2.0, MAX_WIDTH) is palette.weight_pen(0.7, 2.0, MAX_WIDTH)


def test_diverging_lut_runs_orange_to_neutral_to_blue():
    lut = palette.diverging_lut(257)
    assert lut.shape == (257, 4) and lut.dtype == np.uint8
    assert tuple(lut[0, :3]) == palette.NEGATIVE
    assert tuple(lut[128, :3]) == palette.NEUTRAL
    assert tuple(lut[-1, :3]) == palette.POSITIVE
    assert np.all(lut[:, 3] == 255)


def test_heatmap_lut_has_the_nan_colour_last_and_neutral_in_the_middle():
    lut = palette.heatmap_lut()
    assert lut.shape == (256, 4)
    assert tuple(lut[palette.NAN_INDEX, :3]) == palette.NAN_RGB
    paled_neutral = np.rint(palette.toward_white(palette.NEUTRAL, palette.HEAT_STRENGTH))
    assert lut[palette.NEUTRAL_INDEX, :3].tolist() == paled_neutral.tolist()
    assert lut[0, 2] < lut[0, 0] and lut[254, 2] > lut[254, 0]  # orange low, blue high


def test_value_indices_use_fixed_levels_clip_and_mark_nan():
    values = np.array([0.0, 0.5, 1.0, -3.0, 7.0, np.nan, np.inf, -np.inf])
    indices = palette.value_indices(values, 0.0, 1.0)
    top = palette.SCALE_STEPS - 1
    assert indices.tolist() == [0, palette.NEUTRAL_INDEX, top, 0, top, palette.NAN_INDEX, top, 0]


def test_discrete_value_indices_keep_only_the_side_of_the_middle():
    indices = palette.value_indices([0.1, 0.49, 0.51, 0.9, np.nan], 0.0, 1.0, discrete=True)
    top = palette.SCALE_STEPS - 1
    assert indices.tolist() == [0, 0, top, top, palette.NAN_INDEX]


def test_class_colors_are_distinct_and_match_the_binary_scale_ends():
    colours = palette.class_colors(5)
    assert len({c.name() for c in colours}) == 5
    assert colours[0].getRgb()[:3] == palette.NEGATIVE
    assert colours[1].getRgb()[:3] == palette.POSITIVE
    with pytest.raises(ValueError, match="k must be"):
        palette.class_colors(6)


def _snap(problem="binary", activation=None):
    return SimpleNamespace(layer_sizes=(2, 3, 1), problem=problem, activation=activation)


def test_layer_levels_per_layer_kind():
    assert palette.layer_levels(_snap(), 2) == (0.0, 1.0)  # P(class 1): 0.5 neutral
    assert palette.layer_levels(_snap("regression"), 2) == (-1.0, 1.0)
    assert palette.layer_levels(_snap(activation="sigmoid"), 1) == (0.0, 1.0)
    assert palette.layer_levels(_snap(activation="tanh"), 1) == (-1.0, 1.0)
    assert palette.layer_levels(_snap(activation="relu"), 1) == (-1.0, 1.0)
    features = np.stack([np.linspace(-3, 2, 10), np.linspace(0, 9, 10)], axis=-1)[None]
    low, high = palette.layer_levels(_snap(), 0, features)
    assert low.tolist() == [-3.0, -9.0] and high.tolist() == [3.0, 9.0]


def _rgb(words) -> np.ndarray:
    words = np.asarray(words, np.uint32)
    return np.stack([(words >> 16) & 255, (words >> 8) & 255, words & 255], axis=-1)


def test_class_heatmap_words_run_from_white_to_each_class_colour():
    words = palette.class_heatmap_words(5)
    assert words.shape == (5, 256) and words.dtype == np.uint32
    assert np.all(words >> 24 == 255)  # opaque
    sure = np.rint(palette.toward_white(palette.class_rgb(5), palette.HEAT_STRENGTH))
    assert np.array_equal(_rgb(words[:, 0]), np.full((5, 3), 255))  # P = 0: white
    assert np.array_equal(_rgb(words[:, palette.SCALE_STEPS - 1]), sure)  # P = 1: the class
    assert np.all(_rgb(words[:, palette.NAN_INDEX]) == palette.NAN_RGB)
    assert palette.class_heatmap_words(5) is words  # built once


def test_layer_words_give_outputs_of_several_classes_their_own_scales():
    several = _snap("multiclass")
    several.layer_sizes = (2, 3, 4)
    assert palette.layer_words(several, 2) is palette.class_heatmap_words(4)
    assert palette.layer_words(several, 1) is palette.heatmap_words()
    assert palette.layer_words(_snap(), 2) is palette.heatmap_words()
    assert palette.layer_words(_snap("regression"), 2) is palette.heatmap_words()
    # Without a picture yet, an output neuron is filled with its class colour, others neutral.
    orange, blue = (palette.neuron_brush(several, 2, c).color() for c in (0, 1))
    assert orange.red() > orange.blue() and blue.blue() > blue.red()
    assert palette.neuron_brush(several, 1, 0).color().getRgb()[:3] == palette.NEUTRAL
