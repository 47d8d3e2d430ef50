"""The big decision-boundary heatmap with the data points, a colour bar and a class legend.

`BoundaryView` draws `Snapshot.boundary` on fixed levels (never auto-levelled):
binary output as P(class 1) on 0..1 with the neutral colour on the 0.5
threshold, regression on -1..1, a focused neuron on its layer's levels
(`palette.layer_levels`), and several classes as an RGB image whose hue is the
likeliest class, paler where the network is less sure.  Scalar grids become
lookup-table indices, so NaN gets its own marked colour.  Pixel centres sit on
the grid points; the image item uses row-major axis order.  The view spans the
data's bounds exactly (no locked aspect), so the heatmap fills the plot; points
and pixels are both in data coordinates and stay aligned.

Training points are filled circles; test points are hollow squares, a ring in
the class colour between two thin dark lines, which reads on either heatmap colour.
"""

from __future__ import annotations

from functools import cache, lru_cache

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QImage, QPainterPath
from PySide6.QtWidgets import QGraphicsItem, QGraphicsView

from . import palette
from .diagram_items import neuron_name
from .legend_plot import LegendPlot

TRAIN_SIZE = 9
TEST_SIZE = 11
TEST_HOLE = 0.44  # side of a test marker's hole, as a fraction of the marker
EDGE = pg.mkPen(40, 40, 40, width=1.2)
TEST_EDGE = pg.mkPen(40, 40, 40, width=0.9)
MARKER_GREY = (150, 150, 150)


class WordImageItem(pg.ImageItem):
    """An ImageItem for (rows, cols) uint32 ARGB words (`palette.argb_words`), shown as
    they are: no levels, no lookup table, no conversion.  Qt scales premultiplied ARGB32
    to the plot's size about six times faster than the 8-bit indexed image pyqtgraph
    makes from a lookup table, and the heatmap is scaled up every frame."""

    def set_words(self, words: np.ndarray) -> None:
        self.setImage(np.ascontiguousarray(words, dtype=np.uint32), autoLevels=False)

    def render(self) -> None:
        # The QImage borrows the array's memory; both are replaced together.
        words = self.image
        rows, cols = words.shape
        self.qimage = QImage(words.data, cols, rows, cols * 4, _ARGB)
        self._renderRequired = False
        self._unrenderable = False


_ARGB = QImage.Format.Format_ARGB32_Premultiplied


class BoundaryView(LegendPlot):
    """The input plane: model output as a heatmap, training and test points on top."""

    def __init__(self, parent=None):
        super().__init__(parent, background="w")
        self.setObjectName("boundaryPlot")
        # pyqtgraph repaints the whole viewport on any change; the heatmap changes ~30
        # times a second but axes, colour bar and legend do not, so repaint only what changed.
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.MinimalViewportUpdate)
        self._snap = None
        self._dataset = None
        self._show_test = True
        self._discretize = False
        self._shown_values: np.ndarray | None = None  # what value_at reports, rows follow y
        # The colour-scale index of every drawn cell (None for several classes): public so
        # tests and tools can check exactly which colours are drawn.
        self.shown_indices: np.ndarray | None = None
        self.levels = (0.0, 1.0)
        plot = self.getPlotItem()
        plot.hideButtons()
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(x=False, y=False)
        plot.disableAutoRange()
        plot.setLabel("bottom", "x₁")
        plot.setLabel("left", "x₂")
        plot.setContentsMargins(4, 10, 4, 4)  # room for the colour bar's end labels
        # Public so tests and the window can inspect what is drawn.
        self.image_item = WordImageItem(axisOrder="row-major")
        self.image_item.setZValue(-10)
        plot.addItem(self.image_item)
        self.train_points = pg.ScatterPlotItem(size=TRAIN_SIZE, pen=EDGE)
        self.test_points = pg.ScatterPlotItem(size=TEST_SIZE, pen=TEST_EDGE, symbol=hollow_square())
        for points in (self.train_points, self.test_points):
            # The points rarely change while the heatmap under them redraws ~30 times a
            # second: a device-pixel cache turns their Python paint into a blit.
            points.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            plot.addItem(points)
        self.caption = pg.TextItem(color=palette.TEXT_RGB, fill=pg.mkBrush(255, 255, 255, 200))
        self.caption.setParentItem(plot.vb)
        self.caption.setPos(6, 4)
        self.nan_note = pg.TextItem(
            html=f"<span style='color:{palette.NAN_NAME}'>■</span> NaN (diverged)",
            color=palette.TEXT_RGB,
            fill=pg.mkBrush(255, 255, 255, 220),
            anchor=(1, 0),
        )
        self.nan_note.setParentItem(plot.vb)
        self.nan_note.hide()
        plot.vb.sigResized.connect(self._place_nan_note)
        self.legend = palette.legend_above(plot, columns=7)
        self._colorbar = self._make_colorbar()
        self._scale = None  # (levels, label, colour map) the colour bar shows
        self._apply_font()

    def _apply_font(self) -> None:
        font = self.font()
        plot = self.getPlotItem()
        for axis in (plot.getAxis("bottom"), plot.getAxis("left"), self._colorbar.axis):
            palette.style_axis(axis, font)
        palette.style_axis(self._colorbar.getAxis("left"), font)
        palette.style_legend(self.legend, font)
        self._fit_legend()
        for item in (self.caption, self.nan_note):
            item.setFont(font)

    def _legend_columns(self) -> int:
        return len(self.legend.items) or 1

    def _make_colorbar(self) -> pg.ColorBarItem:
        bar = pg.ColorBarItem(values=(0, 1), interactive=False, width=14, colorMapMenu=False)
        # Placed by hand: ColorBarItem.setImageItem would take over the image's levels and LUT.
        plot = self.getPlotItem()
        plot.layout.addItem(bar, 2, 5)
        plot.layout.setColumnFixedWidth(4, 5)
        return bar

    def _show_scale(self, levels: tuple, label: str, cmap: pg.ColorMap) -> None:
        """Point the colour bar at a fixed scale; untouched while the scale stays the same."""
        if self._scale == (levels, label, id(cmap)):
            return
        self._scale = (levels, label, id(cmap))
        self._colorbar.setColorMap(cmap)
        self._colorbar.setLevels(values=levels)
        self._colorbar.getAxis("left").setLabel(label)

    # ------------------------------------------------------------------ public
    def set_data(self, dataset) -> None:
        """Show a dataset's points and fix the view to its bounds."""
        self._dataset = dataset
        xmin, xmax, ymin, ymax = (float(v) for v in dataset.bounds)
        self.getPlotItem().vb.setRange(xRange=(xmin, xmax), yRange=(ymin, ymax), padding=0)
        self.train_points.setData(
            pos=np.asarray(dataset.x_train, float), brush=self._brushes(dataset.y_train)
        )
        self.test_points.setData(
            pos=np.asarray(dataset.x_test, float), brush=self._brushes(dataset.y_test)
        )
        self.test_points.setVisible(self._show_test)
        self._build_legend()

    def _build_legend(self) -> None:
        """Class colours, then the point styles shown (no "test" while test points hide)."""
        dataset = self._dataset
        self.legend.clear()
        if dataset.problem != "regression":
            for label, colour in enumerate(palette.class_colors(int(dataset.n_classes))):
                self._add_legend_entry(f"class {label}", brush=colour)
        self._add_legend_entry("train", brush=MARKER_GREY)
        if self._show_test:
            self._add_legend_entry("test", MARKER_GREY, TEST_EDGE, hollow_square(), TEST_SIZE)
        self._fit_legend()

    def _add_legend_entry(self, name: str, brush, pen=EDGE, symbol="o", size=TRAIN_SIZE) -> None:
        sample = pg.ScatterPlotItem(size=size, pen=pen, brush=brush, symbol=symbol)
        self.legend.addItem(sample, name)

    def _brushes(self, targets) -> list:
        """One brush per point: class colours, or the diverging scale for regression values."""
        targets = np.asarray(targets).ravel()
        if self._dataset.problem == "regression":
            shades = palette.value_indices(targets, -1.0, 1.0)
            return [palette.value_brush(int(s)) for s in shades]
        table = [pg.mkBrush(c) for c in palette.class_colors(int(self._dataset.n_classes))]
        return [table[int(label)] for label in targets]

    def set_snapshot(self, snap) -> None:
        self._snap = snap
        self._redraw()

    def set_show_test(self, on: bool) -> None:
        self._show_test = bool(on)
        self.test_points.setVisible(self._show_test)
        if self._dataset is not None:
            self._build_legend()

    def set_discretize(self, on: bool) -> None:
        self._discretize = bool(on)
        self._redraw()

    def value_at(self, x: float, y: float) -> float:
        """Heatmap value of the cell under plot point (x, y): the scalar drawn, or for several
        classes the index of the likeliest class; NaN outside the image."""
        if self._shown_values is None:
            return float("nan")
        pixel = self.image_item.mapFromView(QPointF(float(x), float(y)))
        col, row = int(np.floor(pixel.x())), int(np.floor(pixel.y()))
        rows, cols = self._shown_values.shape
        if not (0 <= row < rows and 0 <= col < cols):
            return float("nan")
        return float(self._shown_values[row, col])

    # ------------------------------------------------------------------ drawing
    def _redraw(self) -> None:
        snap = self._snap
        if snap is None:
            return
        grid = snap.boundary
        values = np.asarray(grid.values, float)
        if values.ndim == 3:
            self._draw_classes(values)
            self._caption_text("")
        else:
            self._draw_scalar(snap, values)
        self._place_image(np.asarray(grid.xs, float), np.asarray(grid.ys, float))
        if self._dataset is None:  # no data to frame the view yet: frame the grid
            xmin, xmax, ymin, ymax = grid.bounds
            self.getPlotItem().vb.setRange(xRange=(xmin, xmax), yRange=(ymin, ymax), padding=0)
        self.nan_note.setVisible(bool(np.isnan(values).any()))

    def _draw_scalar(self, snap, values: np.ndarray) -> None:
        words, cmap = palette.heatmap_words(), _diverging_map()
        if snap.focus is not None:
            layer, index = snap.focus
            low, high = palette.layer_levels(snap, layer, values[..., None])
            low, high = float(np.ravel(low)[0]), float(np.ravel(high)[0])
            label = "neuron output"
            self._caption_text(f"showing {neuron_name(snap, layer, index)}")
            scales = palette.layer_words(snap, layer)
            if scales.ndim == 2:  # an output of several classes: its diagram colours
                words, cmap = scales[index], _class_map(len(scales), index)
                label = f"P(class {index})"
        else:
            low, high = palette.layer_levels(snap, len(snap.layer_sizes) - 1)
            label = "prediction ŷ" if snap.problem == "regression" else "P(class 1)"
            self._caption_text("")
        indices = palette.value_indices(values, low, high, discrete=self._discretize)
        self.image_item.set_words(words[indices])
        self.shown_indices = indices
        self._shown_values = values
        self.levels = (low, high)
        self._show_scale(self.levels, label, cmap)

    def _draw_classes(self, probabilities: np.ndarray) -> None:
        k = probabilities.shape[2]
        with np.errstate(invalid="ignore"):
            likeliest = np.argmax(np.nan_to_num(probabilities, nan=-1.0), axis=2)
            confidence = np.max(probabilities, axis=2)
        strength = palette.HEAT_STRENGTH * (1.0 if self._discretize else confidence[..., None])
        rgb = palette.toward_white(palette.class_rgb(k)[likeliest], strength)
        broken = np.isnan(probabilities).any(axis=2)
        rgb[broken] = palette.NAN_RGB
        self.image_item.set_words(palette.argb_words(np.rint(rgb)))
        self.shown_indices = None
        self._shown_values = np.where(broken, np.nan, likeliest)
        self.levels = (0.0, 1.0)
        self._show_scale(self.levels, "confidence: max P (paler = less sure)", _confidence_map())

    def _place_image(self, xs: np.ndarray, ys: np.ndarray) -> None:
        # Pixel centres on the grid points: the image reaches half a cell past each end.
        dx = (xs[-1] - xs[0]) / max(len(xs) - 1, 1)
        dy = (ys[-1] - ys[0]) / max(len(ys) - 1, 1)
        self.image_item.setRect(
            xs[0] - dx / 2, ys[0] - dy / 2, xs[-1] - xs[0] + dx, ys[-1] - ys[0] + dy
        )

    def _caption_text(self, text: str) -> None:
        if text != self.caption.toPlainText():
            self.caption.setText(text)
        self.caption.setVisible(bool(text))

    def _place_nan_note(self) -> None:
        self.nan_note.setPos(self.getPlotItem().vb.width() - 6, 4)


@cache
def _diverging_map() -> pg.ColorMap:
    colours = palette.heatmap_lut()[: palette.SCALE_STEPS]
    return pg.ColorMap(np.linspace(0, 1, len(colours)), colours)


@lru_cache(maxsize=16)
def _class_map(k: int, index: int) -> pg.ColorMap:
    """The colour bar of output ``index`` of ``k`` classes (`palette.class_scale_rgb`)."""
    colours = palette.class_scale_rgb(k)[index].astype(np.uint8)
    return pg.ColorMap(np.linspace(0, 1, len(colours)), colours)


@cache
def _confidence_map() -> pg.ColorMap:
    """How pale a class colour gets: white (no confidence) to the heatmap's full strength."""
    grey = palette.toward_white((90, 90, 90), palette.HEAT_STRENGTH)
    return pg.ColorMap([0.0, 1.0], [(255, 255, 255), tuple(int(c) for c in grey)])


@cache
def hollow_square() -> QPainterPath:
    """A unit square with a square hole (odd-even fill keeps the middle empty), centred on 0."""
    path = QPainterPath()
    path.addRect(QRectF(-0.5, -0.5, 1.0, 1.0))
    path.addRect(QRectF(-TEST_HOLE / 2, -TEST_HOLE / 2, TEST_HOLE, TEST_HOLE))
    return path
