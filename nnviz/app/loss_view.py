"""Loss and score curves against epoch.

`LossView` shows train and test loss on the left axis (optionally logarithmic)
and accuracy, or R² for regression, on a fixed 0..1 right axis in a linked
ViewBox.  It draws the already-downsampled `History` it is given and keeps no
copy of its own; non-finite values (a diverged run) are masked so the finite
points still draw.  The epoch axis always spans 0..the last epoch drawn and the
loss axis follows the data, so a reset or a new run never inherits old ranges.
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
LABEL_ROOM = 1.6  # log axis: labels need this many text heights between them
# Leading digits labelled on a log axis, densest first; the decades are always labelled.
LOG_LABEL_DIGITS = ((1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 2, 3, 5), (1, 2, 5), (1, 3), (1,))


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
        super().__init__(parent, background="w", axisItems={"left": LossAxis("left")})
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
        self._scores.setYRange(0.0, 1.0, padding=0.02)
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
        series = (history.train_loss, history.test_loss, history.train_score, history.test_score)
        for curve, values in zip(self._curves(), series, strict=True):
            curve.setData(epochs, _finite_or_nan(values), connect="finite")
        self._follow_data(float(epochs[-1]) if len(epochs) else 0.0)

    def set_log_scale(self, on: bool) -> None:
        plot = self.getPlotItem()
        plot.setLogMode(y=bool(on))
        plot.getAxis("right").setLogMode(False, False)  # the score axis stays linear
        plot.setLabel("left", "loss (log scale)" if on else "loss")

    def clear(self) -> None:
        """Empty every curve (a reset run has no history)."""
        for curve in self._curves():
            curve.clear()
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
        self.getPlotItem().setLabel("right", score)
        self.legend.clear()
        names = ("train loss", "test loss", f"train {score}", f"test {score}")
        for curve, name in zip(self._curves(), names, strict=True):
            self.legend.addItem(curve, name)
        self._fit_legend()

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


def _finite_or_nan(values) -> np.ndarray:
    """Non-finite values become NaN, which connect='finite' leaves as gaps."""
    values = np.asarray(values, float)
    return np.where(np.isfinite(values), values, np.nan)
