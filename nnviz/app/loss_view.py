"""Loss and score curves against epoch.

`LossView` shows train and test loss on the left axis (optionally logarithmic)
and accuracy, or R² for regression, on the right axis in a linked ViewBox.
Accuracy keeps a fixed 0..1 range.  R² is at most 1 but negative early in
training (worse than predicting the mean), so its axis reaches down to the
lowest finite R² drawn, no further than `R2_FLOOR`; lower values are drawn on
the floor and the axis label says so.  It draws the already-downsampled
`History` it is given and keeps no copy of its own; non-finite values (a
diverged run) are masked so the finite points still draw.  The epoch axis always
spans 0..the last epoch drawn, with ticks on whole epochs only, and the loss axis
follows the data, so a reset or a new run never inherits old ranges.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetricsF

from . import palette
from .legend_plot import LegendPlot

TRAIN_COLOUR = (0, 114, 178)  # Okabe-Ito blue
TEST_COLOUR = (213, 94, 0)  # Okabe-Ito vermillion
EPOCH_PADDING = 0.02  # fraction of the epoch range left blank at each end
SCORE_PADDING = 0.02  # fraction of the score range left blank at each end
R2_FLOOR = -1.0  # the R² axis reaches no lower; lower R² is drawn at the floor
R2_STEP = 0.1  # the R² axis's lower end is a multiple of this
R2_TOOLTIP = (
    "R² compares the squared error with that of always predicting the mean: 1 is a "
    "perfect fit, 0 is no better than the mean, below 0 is worse.  The axis reaches "
    "down to {floor} at most; lower values are drawn at {floor}."
)
LABEL_ROOM = 1.6  # log axis: labels need this many text heights between them
# Leading digits labelled on a log axis, densest first; the decades are always labelled.
LOG_LABEL_DIGITS = ((1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 2, 3, 5), (1, 2, 5), (1, 3), (1,))


class EpochAxis(pg.AxisItem):
    """The epoch axis: epochs are whole numbers, so it never ticks between two of them.

    pyqtgraph spaces ticks by 1, 2 or 5 times a power of ten; over a few epochs that is
    0.5 or 0.1.  The levels finer than one epoch are dropped, and when none is left (a
    range of a few epochs) every epoch gets a tick."""

    def tickSpacing(self, minVal, maxVal, size):
        levels = super().tickSpacing(minVal, maxVal, size)
        whole = [(spacing, offset) for spacing, offset in levels if spacing >= 1 - 1e-9]
        if whole or abs(maxVal - minVal) == 0:
            return whole
        return [(1.0, 0.0)]


class LossAxis(pg.AxisItem):
    """The loss axis.  In log mode pyqtgraph labels every tick 1..9 of each decade, so
    0.7, 0.8, 0.9 overlap; this one labels the densest of `LOG_LABEL_DIGITS` that leaves
    room between the labels (the decades, at least)."""

    def logTickValues(self, minVal, maxVal, size, stdTicks):
        levels = super().logTickValues(minVal, maxVal, size, stdTicks)
        # pyqtgraph's minor level (spacing None) repeats the decades of the levels above it.
        if len(levels) > 1 and levels[-1][0] is None:
            above = np.concatenate([np.asarray(values, float) for _, values in levels[:-1]])
            minor = [v for v in levels[-1][1] if not np.isclose(above, v, atol=1e-9).any()]
            levels[-1] = (None, minor)
        return levels

    def logTickStrings(self, values, scale, spacing):
        strings = super().logTickStrings(values, scale, spacing)
        if spacing is not None:  # whole decades, spaced by pyqtgraph for the axis length
            return strings
        digits = self._label_digits(values)
        return [
            text if _leading_digit(value) in digits else ""
            for value, text in zip(values, strings, strict=True)
        ]

    def _label_digits(self, values) -> tuple:
        """The densest digit set whose labels, with the decades, stay apart on screen."""
        low, high = sorted(self.range)
        font = self.style["tickFont"] or self.font()
        room = LABEL_ROOM * QFontMetricsF(font).height()  # pixels
        pixels_per_decade = self.size().height() / max(high - low, 1e-12)
        decades = {float(d) for d in range(math.ceil(low), math.floor(high) + 1)}
        for digits in LOG_LABEL_DIGITS:
            chosen = {round(float(v), 9) for v in values if _leading_digit(v) in digits}
            labelled = sorted(decades | chosen)
            if len(labelled) < 2 or np.diff(labelled).min() * pixels_per_decade >= room:
                return digits
        return LOG_LABEL_DIGITS[-1]


def _leading_digit(log_value: float) -> int:
    """The leading digit of 10**log_value for a tick value (1 for a decade)."""
    log_value = round(float(log_value), 9)
    return round(10 ** (log_value - math.floor(log_value)))


class LossView(LegendPlot):
    """Train/test loss and score per epoch."""

    def __init__(self, parent=None):
        axes = {"left": LossAxis("left"), "bottom": EpochAxis("bottom")}
        super().__init__(parent, background="w", axisItems=axes)
        self.setObjectName("lossPlot")
        # PlotWidget copies PlotItem.clear onto the instance; our clear() must win.
        del self.clear
        plot = self.getPlotItem()
        plot.setMenuEnabled(False)
        plot.hideButtons()
        # No grid: pyqtgraph's translucent grid costs ~20 ms of GUI time a frame.
        plot.setLabel("bottom", "epoch")
        plot.setLabel("left", "loss")
        plot.showAxis("right")
        self._scores = pg.ViewBox(enableMenu=False)
        self._scores.setMouseEnabled(x=False, y=False)
        # Its x follows the loss view; auto-ranging on its own it would pull the link back.
        self._scores.disableAutoRange()
        plot.scene().addItem(self._scores)
        plot.getAxis("right").linkToView(self._scores)
        self._scores.setXLink(plot.vb)
        # When the R² axis reaches below 0, a faint line marks "as good as the mean".
        self._score_zero = pg.InfiniteLine(0.0, angle=0, pen=_pen(palette.AXIS_RGB, 0.8))
        self._score_zero.setOpacity(0.35)
        self._scores.addItem(self._score_zero, ignoreBounds=True)
        plot.vb.sigResized.connect(self._match_geometry)
        plot.getAxis("left").enableAutoSIPrefix(False)
        # The four curves are public so the window and tests can inspect them.
        self.train_loss = plot.plot(pen=_pen(TRAIN_COLOUR, 2.2))
        self.test_loss = plot.plot(pen=_pen(TEST_COLOUR, 2.2))
        self.train_score = _score_curve(TRAIN_COLOUR)
        self.test_score = _score_curve(TEST_COLOUR)
        for curve in (self.train_score, self.test_score):
            self._scores.addItem(curve)
        for curve in self._curves():
            # A few thousand history rows on a few hundred pixels: thick and dashed pens
            # cost per vertex, so draw one min/max pair per pixel column ("peak" keeps
            # every spike; pyqtgraph's default factor would keep five samples a pixel).
            curve.setDownsampling(auto=True, method="peak")
            curve.opts["autoDownsampleFactor"] = 1.0
        # The legend sits in a strip above the plot, where it never hides a curve.
        self.legend = palette.legend_above(plot, columns=4)
        self._problem = None
        self._lone = False  # curves drawn as dots (see _mark_lone_points)
        self._score_low = None  # the score axis's lower end and label: _set_score_range
        self._score_label = None
        self._set_score_names("binary")
        self._apply_font()

    def _apply_font(self) -> None:
        font = self.font()
        plot = self.getPlotItem()
        for side in ("bottom", "left", "right"):
            palette.style_axis(plot.getAxis(side), font)
        palette.style_legend(self.legend, font)
        self._fit_legend()

    def _legend_columns(self) -> int:
        return 4

    # ------------------------------------------------------------------ public
    def set_history(self, history, problem: str) -> None:
        """Draw a (downsampled) `History`; ``problem`` picks accuracy or R² for the right axis."""
        self._set_score_names(problem)
        epochs = np.asarray(history.epochs, float)
        scores = [_finite_or_nan(history.train_score), _finite_or_nan(history.test_score)]
        low, clipped = 0.0, False
        if problem == "regression":  # accuracy is always within 0..1
            low = _r2_axis_low(scores)
            clipped = any(np.any(values < R2_FLOOR) for values in scores)  # NaN: False
            scores = [np.maximum(values, R2_FLOOR) for values in scores]  # NaN stays NaN
        series = (_finite_or_nan(history.train_loss), _finite_or_nan(history.test_loss), *scores)
        self._mark_lone_points(len(epochs) == 1)
        for curve, values in zip(self._curves(), series, strict=True):
            curve.setData(epochs, values, connect="finite")
        self._set_score_range(low, clipped)
        self._follow_data(float(epochs[-1]) if len(epochs) else 0.0)

    def _mark_lone_points(self, lone: bool) -> None:
        """Dots while the history is one point (epoch 0): a line needs two."""
        if lone == self._lone:
            return
        self._lone = lone
        for curve in self._curves():
            colour = curve.opts["pen"].color()
            curve.setSymbol("o" if lone else None)
            curve.setSymbolSize(7)
            curve.setSymbolBrush(colour)
            curve.setSymbolPen(colour)

    def set_log_scale(self, on: bool) -> None:
        plot = self.getPlotItem()
        plot.setLogMode(y=bool(on))
        plot.getAxis("right").setLogMode(False, False)  # the score axis stays linear
        plot.setLabel("left", "loss (log scale)" if on else "loss")

    def clear(self) -> None:
        """Empty every curve (a reset run has no history)."""
        for curve in self._curves():
            curve.clear()
        self._set_score_range(0.0)
        self._follow_data(0.0)

    def point_count(self) -> int:
        """Epochs currently drawn on the loss curve."""
        xs, _ = self.train_loss.getOriginalDataset()
        return 0 if xs is None else len(xs)

    # ------------------------------------------------------------------ internals
    def _curves(self) -> tuple:
        return self.train_loss, self.test_loss, self.train_score, self.test_score

    def _set_score_names(self, problem: str) -> None:
        if problem == self._problem:
            return
        self._problem = problem
        score = "R²" if problem == "regression" else "accuracy"
        self._set_score_range(0.0 if self._score_low is None else self._score_low)
        self.getPlotItem().getAxis("right").setToolTip(
            R2_TOOLTIP.format(floor=_minus(R2_FLOOR)) if problem == "regression" else ""
        )
        self.legend.clear()
        names = ("train loss", "test loss", f"train {score}", f"test {score}")
        for curve, name in zip(self._curves(), names, strict=True):
            self.legend.addItem(curve, name)
        self._fit_legend()

    def _set_score_range(self, low: float, clipped: bool = False) -> None:
        """The score axis over low..1; its label names the score, and says when R² below
        `R2_FLOOR` is ``clipped`` (drawn at the floor)."""
        if low != self._score_low:
            self._score_low = low
            self._scores.setYRange(low, 1.0, padding=SCORE_PADDING)
            self._score_zero.setVisible(low < 0)
        label = "R²" if self._problem == "regression" else "accuracy"
        if clipped:
            label += f" (below {_minus(R2_FLOOR)} drawn at {_minus(R2_FLOOR)})"
        if label != self._score_label:  # setLabel lays the axis out again
            self._score_label = label
            self.getPlotItem().setLabel("right", label)

    def _follow_data(self, last_epoch: float) -> None:
        """Epochs 0..last_epoch across the width; the loss axis auto-ranges on the data."""
        plot = self.getPlotItem()
        plot.setXRange(0.0, max(last_epoch, 1.0), padding=EPOCH_PADDING)
        plot.enableAutoRange(y=True)
        # Fit the ranges now: done during the paint, they would change the curves and need a
        # second paint.
        for box in (plot.vb, self._scores):
            box.prepareForPaint()

    def _match_geometry(self) -> None:
        self._scores.setGeometry(self.getPlotItem().vb.sceneBoundingRect())


def _pen(colour, width: float, style=Qt.PenStyle.SolidLine):
    return pg.mkPen(colour, width=width, style=style)


def _score_curve(colour) -> pg.PlotDataItem:
    return pg.PlotDataItem(pen=_pen(colour, 1.4, Qt.PenStyle.DashLine))


def _r2_axis_low(scores) -> float:
    """The R² axis's lower end: 0, or below the lowest finite R² (a multiple of `R2_STEP`),
    but no lower than `R2_FLOOR`."""
    lowest = min((float(np.nanmin(v)) for v in scores if np.isfinite(v).any()), default=0.0)
    if lowest >= 0:
        return 0.0
    return max(R2_FLOOR, round(math.floor(lowest / R2_STEP) * R2_STEP, 9))


def _minus(value: float) -> str:
    """``value`` as an axis shows it, with a true minus sign."""
    return f"{value:g}".replace("-", "−")


def _finite_or_nan(values) -> np.ndarray:
    """Non-finite values become NaN, which connect='finite' leaves as gaps."""
    values = np.asarray(values, float)
    return np.where(np.isfinite(values), values, np.nan)
