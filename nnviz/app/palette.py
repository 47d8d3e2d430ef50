"""Colours, colour scales and plot text styling shared by every view.

One diverging scale in the spirit of TensorFlow Playground, built from the
Okabe-Ito orange (negative / class 0) and blue (positive / class 1), which stay
distinguishable under the common colour-vision deficiencies, with a light grey
in the middle.  Heatmaps use a paler copy of it so the full-strength data points
stay visible on top.  A value that is not a number (a diverged network) gets its
own dark magenta, chosen because it is far in lightness from every other colour
here; the views name it in a legend.

Colour scales map values to indices of a 256-entry lookup table (`heatmap_lut`):
0..254 span the levels with the neutral colour exactly at index 127, and index
255 is the NaN colour.  Qt colour objects are built once and cached.

Which value range a neuron's colour scale spans (`layer_levels`) lives here too,
so the network diagram and the big heatmap always agree.  The outputs of several
classes get one scale each (`layer_words`), white to their class colour, so each
output neuron shows the colour its class has in the big heatmap and the legend.
"""

from __future__ import annotations

from functools import cache, lru_cache

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPen
from PySide6.QtWidgets import QGraphicsItem

NEGATIVE = (230, 159, 0)  # Okabe-Ito orange
NEUTRAL = (232, 234, 235)  # light grey (Playground's middle)
POSITIVE = (0, 114, 178)  # Okabe-Ito blue
NAN_RGB = (122, 31, 110)  # dark magenta: no other colour here is this dark and this hue
NAN_NAME = "#" + "".join(f"{c:02x}" for c in NAN_RGB)  # for rich-text legends
# Okabe-Ito colours for up to five classes; classes 0 and 1 match the diverging ends.
CLASS_RGB = (NEGATIVE, POSITIVE, (0, 158, 115), (204, 121, 167), (240, 228, 66))
TEXT_RGB = (30, 30, 30)  # plot labels and ticks
AXIS_RGB = (90, 90, 90)  # plot axis lines
HEAT_STRENGTH = 0.72  # heatmaps reach this fraction of full colour; the rest is white

SCALE_STEPS = 255  # colours spanning the levels; odd so one sits exactly on the middle
NAN_INDEX = SCALE_STEPS  # the last lookup-table entry
NEUTRAL_INDEX = SCALE_STEPS // 2
_WIDTH_STEPS = 16  # link widths are quantised so pens can be cached and compared
MIN_PEN_WIDTH = 0.5


def diverging_lut(n: int = 256) -> np.ndarray:
    """(n, 4) uint8 RGBA: orange (negative) through light grey to blue (positive)."""
    if n < 2:
        raise ValueError(f"diverging_lut: n must be at least 2, got {n}")
    t = np.linspace(-1.0, 1.0, n)[:, None]
    neutral = np.array(NEUTRAL, float)
    toward = np.where(t < 0, np.array(NEGATIVE, float), np.array(POSITIVE, float))
    rgb = neutral + np.abs(t) * (toward - neutral)
    return np.column_stack([np.rint(rgb), np.full(n, 255)]).astype(np.uint8)


def toward_white(rgb: np.ndarray, strength) -> np.ndarray:
    """Blend colours toward white: strength 1 keeps them, 0 gives white."""
    strength = np.asarray(strength, float)
    return 255.0 - strength * (255.0 - np.asarray(rgb, float))


@lru_cache(maxsize=1)
def heatmap_lut() -> np.ndarray:
    """(256, 4) uint8: the paler diverging scale (indices 0..254) plus the NaN colour (255)."""
    scale = diverging_lut(SCALE_STEPS)
    scale[:, :3] = np.rint(toward_white(scale[:, :3], HEAT_STRENGTH))
    lut = np.vstack([scale, [*NAN_RGB, 255]]).astype(np.uint8)
    lut.flags.writeable = False
    return lut


def argb_words(rgb) -> np.ndarray:
    """Opaque colours (..., 3) as 32-bit ARGB words: indexed or stacked into an image they are
    the pixels of QImage.Format_ARGB32_Premultiplied, which Qt draws without converting."""
    rgb = np.asarray(rgb, np.uint32)
    return np.uint32(0xFF000000) | (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]


@cache
def heatmap_words() -> np.ndarray:
    """`heatmap_lut` as ARGB words (see `argb_words`)."""
    words = argb_words(heatmap_lut()[:, :3])
    words.flags.writeable = False
    return words


@lru_cache(maxsize=len(CLASS_RGB))
def class_scale_rgb(k: int) -> np.ndarray:
    """(k, SCALE_STEPS, 3): row c is the scale of P(class c), white at 0 to class c's heatmap
    colour at 1 (the big heatmap's colour for a sure class c).  The diverging scale would
    make every output of several classes look alike."""
    t = np.linspace(0.0, 1.0, SCALE_STEPS)[None, :, None]
    rgb = np.rint(toward_white(class_rgb(k)[:, None, :], HEAT_STRENGTH * t))
    rgb.flags.writeable = False
    return rgb


@lru_cache(maxsize=len(CLASS_RGB))
def class_heatmap_words(k: int) -> np.ndarray:
    """(k, 256) ARGB words: `class_scale_rgb`, then the NaN colour."""
    nan = np.broadcast_to(np.array(NAN_RGB, float), (k, 1, 3))
    words = argb_words(np.concatenate([class_scale_rgb(k), nan], axis=1))
    words.flags.writeable = False
    return words


def layer_words(snap, layer: int) -> np.ndarray:
    """Word table of a layer's neuron pictures: `heatmap_words` shared by every neuron, or for
    the outputs of several classes one `class_heatmap_words` row per neuron."""
    if snap.problem == "multiclass" and layer == len(snap.layer_sizes) - 1:
        return class_heatmap_words(int(snap.layer_sizes[-1]))
    return heatmap_words()


def neuron_brush(snap, layer: int, index: int) -> QBrush:
    """Fill of a neuron without a picture yet: the middle of its own scale (`layer_words`),
    so an output of several classes already shows which class it stands for."""
    words = layer_words(snap, layer)
    if words.ndim == 1:
        return value_brush(NEUTRAL_INDEX)
    return _word_brush(int(words[index, NEUTRAL_INDEX]))


@cache
def _word_brush(word: int) -> QBrush:
    return QBrush(QColor.fromRgba(word))


@lru_cache(maxsize=8)
def disc_coverage(ny: int, nx: int) -> np.ndarray:
    """(ny, nx) float32: how much of each pixel the inscribed ellipse covers, soft over one
    pixel at the rim.  Multiplying premultiplied pixels by it crops an image to a disc
    without a clip path, which costs far more to paint."""
    ys = (np.arange(ny) + 0.5) / ny * 2 - 1
    xs = (np.arange(nx) + 0.5) / nx * 2 - 1
    radius = np.hypot(xs[None, :], ys[:, None])  # 1 on the rim
    pixel = 2.0 / min(nx, ny)
    coverage = np.clip((1.0 - radius) / pixel + 0.5, 0.0, 1.0).astype(np.float32)
    coverage.flags.writeable = False
    return coverage


def value_indices(values, low, high, discrete: bool = False) -> np.ndarray:
    """Lookup-table indices (uint8) for ``values`` on the fixed scale ``low..high``.

    Values outside the levels clip to the ends; NaN maps to ``NAN_INDEX``.
    ``discrete`` keeps only which side of the middle a value lies on.
    ``low``/``high`` may be arrays that broadcast against ``values``.
    """
    values = np.asarray(values, float)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        t = (values - low) / (np.asarray(high, float) - low)
        if discrete:
            t = np.sign(t - 0.5) * 0.5 + 0.5
        position = np.clip(np.rint(t * (SCALE_STEPS - 1)), 0, SCALE_STEPS - 1)
    return np.where(np.isnan(position), NAN_INDEX, position).astype(np.uint8)


@cache
def _lut_color(index: int) -> QColor:
    return QColor(*(int(c) for c in _pen_lut()[index]))


@lru_cache(maxsize=1)
def _pen_lut() -> np.ndarray:
    return diverging_lut(SCALE_STEPS)


@cache
def value_brush(index: int) -> QBrush:
    """A cached full-strength brush for a lookup-table index (NaN_INDEX: the NaN colour)."""
    return QBrush(nan_color() if index == NAN_INDEX else _lut_color(index))


def nan_color() -> QColor:
    return QColor(*NAN_RGB)


def signed_color_indices(values, max_abs: float) -> np.ndarray:
    """Full-strength scale indices (int64) for signed values; NaN gives ``NAN_INDEX``.

    Even a tiny non-zero value gets a faint tint so its sign stays readable.
    """
    t = _unit_magnitude(values, max_abs)
    with np.errstate(invalid="ignore"):
        tinted = np.sign(t) * (0.15 + 0.85 * np.abs(t))
        index = np.rint((tinted + 1.0) * 0.5 * (SCALE_STEPS - 1))
    return np.where(np.isnan(t), NAN_INDEX, index).astype(np.int64)


def weight_pen_keys(weights, max_abs: float, max_width: float) -> np.ndarray:
    """Integer keys (any array shape) that `pen_for_key` turns into the pen of each weight.

    Equal keys mean identical pens, so a view can skip pens that did not change.
    """
    t = _unit_magnitude(weights, max_abs)
    with np.errstate(invalid="ignore"):
        width = np.where(np.isnan(t), 0, np.rint(np.abs(t) * (_WIDTH_STEPS - 1)))
    return signed_color_indices(weights, max_abs) * _WIDTH_STEPS + width.astype(np.int64)


def _unit_magnitude(values, max_abs: float) -> np.ndarray:
    """values / max_abs clipped to [-1, 1]; infinities clip to the ends, NaN stays NaN."""
    if not (np.isfinite(max_abs) and max_abs > 0):
        raise ValueError(f"max_abs: must be a positive finite number, got {max_abs!r}")
    with np.errstate(invalid="ignore", over="ignore"):
        return np.clip(np.asarray(values, float) / max_abs, -1.0, 1.0)


def pen_key_order(keys) -> np.ndarray:
    """Indices that sort `weight_pen_keys` keys thinnest pen first, equal keys together:
    drawn in that order, the strongest weights lie on top."""
    keys = np.asarray(keys)
    return np.lexsort((keys, keys % _WIDTH_STEPS))


@lru_cache(maxsize=4096)
def pen_for_key(key: int, max_width: float) -> QPen:
    """The cached pen for a `weight_pen_keys` key.  Do not modify the returned pen."""
    colour_index, width_step = divmod(int(key), _WIDTH_STEPS)
    top = max(MIN_PEN_WIDTH, float(max_width))
    width = MIN_PEN_WIDTH + (top - MIN_PEN_WIDTH) * width_step / (_WIDTH_STEPS - 1)
    if colour_index == NAN_INDEX:
        pen = QPen(QColor(140, 140, 140), MIN_PEN_WIDTH, Qt.PenStyle.DashLine)
    else:
        pen = QPen(_lut_color(colour_index), width)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    return pen


def weight_pen(w: float, max_abs: float, max_width: float) -> QPen:
    """Pen for one weight: hue by sign, width by |w| up to ``max_width``; NaN: dashed grey."""
    return pen_for_key(int(weight_pen_keys(w, max_abs, max_width)), max_width)


@lru_cache(maxsize=8)
def class_colors(k: int) -> list[QColor]:
    """Bright, colour-blind-aware colours for ``k`` classes (1..5), class 0 first."""
    if not 1 <= k <= len(CLASS_RGB):
        raise ValueError(f"class_colors: k must be 1..{len(CLASS_RGB)}, got {k}")
    return [QColor(*rgb) for rgb in CLASS_RGB[:k]]


def class_rgb(k: int) -> np.ndarray:
    """(k, 3) float array of the class colours, for vectorised image building."""
    class_colors(k)  # validates k
    return np.array(CLASS_RGB[:k], float)


def layer_levels(snap, layer: int, values=None) -> tuple:
    """(low, high) of the colour scale for a neuron's output in ``layer`` (0 = input features).

    Output layer: probabilities 0..1 (neutral = the 0.5 threshold) for
    classification, -1..1 for regression.  Hidden layers: 0..1 for sigmoid,
    otherwise -1..1 with 0 neutral (tanh exactly; relu/linear clip beyond 1, as in
    Playground).  Input features: symmetric around 0 out to each feature's largest
    magnitude over the plane (``values`` (..., width) gives it; fixed per dataset).
    """
    last = len(snap.layer_sizes) - 1
    if layer == 0 and values is not None:
        values = np.asarray(values, float)
        with np.errstate(invalid="ignore"):
            reach = np.nanmax(np.abs(values.reshape(-1, values.shape[-1])), axis=0)
        reach = np.where(np.isfinite(reach) & (reach > 0), reach, 1.0)
        return -reach, reach
    if layer == last:
        return (-1.0, 1.0) if snap.problem == "regression" else (0.0, 1.0)
    if snap.activation == "sigmoid":
        return 0.0, 1.0
    return -1.0, 1.0


def style_axis(axis, font: QFont) -> None:
    """Dark, readable plot axis with ticks and label in ``font`` (it follows presentation mode)."""
    # Axes change rarely but sit beside plots redrawn ~30 times a second: a device-pixel
    # cache turns their Python paint into a blit.
    axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    axis.setPen(QColor(*AXIS_RGB))
    axis.setTextPen(QColor(*TEXT_RGB))
    axis.setTickFont(font)
    axis.label.setFont(font)
    if axis.labelText:
        axis.setLabel(axis.labelText)  # lays the label out again in the new font


def style_legend(legend, font: QFont) -> None:
    """Legend entries in ``font``'s size, now and for entries added later."""
    legend.setLabelTextSize(f"{font.pointSizeF():g}pt")
    for _, label in legend.items:
        label.setText(label.text)  # setLabelTextSize alone does not re-render existing text
    legend.updateSize()


def legend_above(plot_item, columns: int):
    """A legend in a strip above ``plot_item``'s view, where it never hides data."""
    import pyqtgraph as pg  # local: the rest of this module needs only QtGui

    legend = pg.LegendItem(labelTextColor=TEXT_RGB, colCount=columns, horSpacing=14)
    legend.setParentItem(plot_item)
    legend.anchor(itemPos=(0.5, 0), parentPos=(0.5, 0), offset=(0, 0))
    return legend


def fit_legend_above(plot_widget, legend, columns: int) -> None:
    """Legend entries in one row when they fit the widget's width, else in two."""
    legend.setColumnCount(columns)
    if legend.width() > plot_widget.width() - 10:
        legend.setColumnCount(max(1, (columns + 1) // 2))
    plot_widget.getPlotItem().layout.setRowFixedHeight(0, legend.height() + 4)
