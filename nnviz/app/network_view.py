"""The network diagram: neurons with live heatmaps, signed links, biases, inline editing.

`NetworkView` draws a `Snapshot` and never computes the model.  Graphics items
are built once per architecture (layer sizes, input features, problem) and laid out
for the view's shape; each snapshot only swaps the pens of links whose quantised pen
changed (one `LinkLayer` paints all links, grouped by pen), the brushes of biases, and
one small image per layer that all its neurons paint a tile of.  Neuron heatmap levels
come from `palette.layer_levels` (the big heatmap uses the same rule).  Tooltips, hover
and clicks are resolved from the item, or the nearest link, under the pointer, so
nothing per item has to be refreshed on every frame.  The pieces live in
`diagram_items`.
"""

from __future__ import annotations

import math
import time

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QPainter,
    QPen,
    QTransform,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsLineItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QToolTip,
)

from . import palette
from .diagram_items import (
    LABEL_GAP,
    OUTLINE,
    LinkLayer,
    NeuronItem,
    ParamEditor,
    feature_label,
    format_value,
    neuron_name,
    param_name,
    set_label_text,
    square_around,
    text_width,
)

WEIGHT_SCALE = 2.0  # |w| at which a link reaches full colour and its widest pen
COLUMN_GAP = 150.0  # scene units between layer columns
COLUMN_HEIGHT = 420.0  # scene units the widest layer may span
MAX_PITCH = 70.0  # neuron spacing cap for narrow layers
MAX_SCALE = 2.0  # never blow a tiny network up beyond this zoom
RELAYOUT_CHANGE = 0.15  # a change of column height that is worth a new layout
RELAYOUT_MS = 150  # after the last resize
HIT_SLOP = 3  # pixels of tolerance when pointing at a thin link
BIAS_GAP = 0.12  # space between a bias square and its neuron, as a fraction of the radius
ROLE = 0  # QGraphicsItem.data key holding (kind, layer, i, j)
FLAT = 1  # QGraphicsItem.data key holding a link's index among all links
FOCUS_PEN = QPen(QColor(20, 20, 20), 3.0)
HIGHLIGHT_PEN = QPen(QColor(0, 0, 0, 90), 1.0)
_PREMULTIPLIED = QImage.Format.Format_ARGB32_Premultiplied  # drawn without a conversion


class NetworkView(QGraphicsView):
    """Live diagram of the network in a `Snapshot`; emits edits and hovered neurons."""

    paramEdited = Signal(int, str, int, int, float)  # layer, 'w' or 'b', i, j, value
    neuronHovered = Signal(object)  # (layer, index) or None

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("networkView")
        scene = QGraphicsScene(self)
        # Pens change width every frame; a BSP index would be rebuilt each time.
        scene.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        self.setScene(scene)
        self.setRenderHints(
            QPainter.RenderHint.Antialiasing | QPainter.RenderHint.SmoothPixmapTransform
        )
        # Every frame changes the neuron images anyway: the view repaints whole, and only
        # when told (set_snapshot, hover), since the scene's own change notices would
        # repaint a big diagram a second time one event later.
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.NoViewportUpdate)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setBackgroundBrush(QColor("white"))
        self.viewport().setMouseTracking(True)
        self.setMinimumSize(240, 160)
        self._snap = None
        self._architecture = None
        self._links: list[list[QGraphicsLineItem]] = []  # per params layer, (i, j) row-major
        self._biases: list[list[QGraphicsRectItem]] = []  # per params layer
        self._neurons: list[list[NeuronItem]] = []  # per layer, input features first
        self._labels: list[tuple[QGraphicsSimpleTextItem, str]] = []  # with the side they sit on
        self._captions: list[tuple[QGraphicsSimpleTextItem, str, str]] = []  # long, short text
        self._pen_keys: list[np.ndarray] = []
        self._brush_keys: list[np.ndarray] = []
        self._tile_shapes: list[tuple] = []
        self._layer_pixels: list[np.ndarray | None] = []  # keeps each layer image's memory alive
        self._content = QRectF()
        self._max_width = 1.0
        self._hovered = None
        self._highlighted = None
        self._editing = None
        self._built_height = COLUMN_HEIGHT
        self._relayout = QTimer(self)
        self._relayout.setSingleShot(True)
        self._relayout.setInterval(RELAYOUT_MS)
        self._relayout.timeout.connect(self._lay_out_again)
        self._editor = ParamEditor(self.viewport())
        self._editor.returnPressed.connect(self._accept_edit)
        # What the last update cost, set_snapshot plus the paint it caused: the window
        # draws a big network less often so that it never crowds out the heatmap.
        self.draw_seconds = 0.0
        self._set_seconds = 0.0

    # ------------------------------------------------------------------ public
    def set_snapshot(self, snap) -> None:
        started = time.perf_counter()
        # The problem picks the output labels and colour scales, so it is built in too.
        architecture = (tuple(snap.layer_sizes), tuple(snap.feature_names), snap.problem)
        if architecture != self._architecture:
            self._build(snap)
            self._architecture = architecture
        self._snap = snap
        self._update_links(snap)
        self._update_images(snap)
        self._update_focus(snap.focus)
        self.viewport().update()
        self._set_seconds = time.perf_counter() - started

    def paintEvent(self, event) -> None:
        started = time.perf_counter()
        super().paintEvent(event)
        self.draw_seconds = self._set_seconds + time.perf_counter() - started

    @property
    def links(self) -> list[list[QGraphicsLineItem]]:
        """Link items per params layer, in W's row-major (i, j) order."""
        return self._links

    @property
    def biases(self) -> list[list[QGraphicsRectItem]]:
        """Bias squares per params layer (one per neuron it feeds)."""
        return self._biases

    @property
    def neurons(self) -> list[list[QGraphicsItem]]:
        """Neuron items per layer, input features first."""
        return self._neurons

    @property
    def focus_ring(self) -> QGraphicsItem:
        """The ring marking the neuron the big heatmap shows (hidden when there is none)."""
        return self._focus_ring

    def describe(self, item: QGraphicsItem) -> str:
        """Tooltip text of a link, bias or neuron item, with its current value."""
        kind, layer, i, j = item.data(ROLE)
        snap = self._snap
        if kind == "w":
            value = float(snap.params[layer][0][i, j])
            return (
                f"{param_name(kind, layer, i, j)} = {format_value(value)}\n"
                f"from {neuron_name(snap, layer, i)} to {neuron_name(snap, layer + 1, j)}"
            )
        if kind == "b":
            value = float(snap.params[layer][1][j])
            return (
                f"{param_name(kind, layer, i, j)} = {format_value(value)}\n"
                f"bias of {neuron_name(snap, layer + 1, j)}"
            )
        lines = [neuron_name(snap, layer, j)]
        if layer < len(snap.neuron_grids):
            output = np.asarray(snap.neuron_grids[layer][..., j], float)
            if np.isnan(output).any():
                lines.append("output: NaN (diverged)")
            else:
                low, high = format_value(output.min()), format_value(output.max())
                lines.append(f"output over the plane: {low} … {high}")
        if layer > 0:
            lines.append(f"bias = {format_value(float(snap.params[layer - 1][1][j]))}")
        return "\n".join(lines)

    def edit_param(self, layer: int, kind: str, i: int, j: int) -> None:
        """Open the inline editor ("paramEditor") on W[i, j] ('w') or b[j] ('b') of a layer."""
        if self._snap is None:
            raise ValueError("edit_param: no snapshot shown yet")
        if kind not in ("w", "b"):
            raise ValueError(f"edit_param: kind must be 'w' or 'b', got {kind!r}")
        if not 0 <= layer < len(self._links):
            raise ValueError(f"edit_param: layer {layer} is outside 0..{len(self._links) - 1}")
        weights, bias = self._snap.params[layer]
        i = 0 if kind == "b" else i
        if kind == "w" and not (0 <= i < weights.shape[0] and 0 <= j < weights.shape[1]):
            raise ValueError(f"edit_param: w[{layer}] has no entry {i}→{j}")
        if kind == "b" and not 0 <= j < bias.shape[0]:
            raise ValueError(f"edit_param: b[{layer}] has no entry {j}")
        item = (
            self._links[layer][i * weights.shape[1] + j] if kind == "w" else self._biases[layer][j]
        )
        value = float(weights[i, j] if kind == "w" else bias[j])
        self._editing = (layer, kind, i, j)
        spot = self.mapFromScene(item.sceneBoundingRect().center())
        editor = self._editor
        editor.setStyleSheet("")
        editor.setToolTip(f"new value of {param_name(kind, layer, i, j)}; Enter to apply")
        editor.setText(f"{value:.6g}")
        editor.selectAll()
        width, height = editor.width(), editor.sizeHint().height()
        x = min(max(spot.x() - width // 2, 0), max(self.viewport().width() - width, 0))
        y = min(max(spot.y() - height - 4, 0), max(self.viewport().height() - height, 0))
        editor.move(x, y)
        editor.show()
        editor.raise_()
        editor.setFocus()

    # ------------------------------------------------------------------ building
    def _build(self, snap) -> None:
        sizes = tuple(int(n) for n in snap.layer_sizes)
        if len(sizes) < 2 or len(snap.params) != len(sizes) - 1:
            raise ValueError(f"snapshot: {len(snap.params)} parameter layers for sizes {sizes}")
        if len(snap.feature_names) != sizes[0]:
            raise ValueError("snapshot: feature_names do not match the input layer size")
        self._editor.hide()
        self._hovered = None
        self.scene().clear()
        column_height = self._built_height = self._column_height(len(sizes))
        pitch = min(MAX_PITCH, column_height / max(sizes))
        radius = 0.38 * pitch
        self._max_width = max(palette.MIN_PEN_WIDTH, min(6.0, 0.14 * pitch))
        centres = [
            [QPointF(col * COLUMN_GAP, (row - (n - 1) / 2) * pitch) for row in range(n)]
            for col, n in enumerate(sizes)
        ]
        self._links = [self._build_links(layer, centres, radius) for layer in range(len(sizes) - 1)]
        self._neurons = [
            [self._build_neuron(snap, c, radius, layer, index) for index, c in enumerate(column)]
            for layer, column in enumerate(centres)
        ]
        side = max(3.0, 0.55 * radius)
        self._biases = [
            [self._build_bias(c, radius, side, layer - 1, j) for j, c in enumerate(centres[layer])]
            for layer in range(1, len(sizes))
        ]
        # How far below its neuron's centre a bias square reaches (the same for every neuron).
        drop = self._biases[-1][-1].rect().bottom() - centres[-1][-1].y()
        self._pen_keys = [np.full(len(items), -1) for items in self._links]
        self._brush_keys = [np.full(len(items), -1) for items in self._biases]
        self._tile_shapes = [()] * len(sizes)
        self._layer_pixels = [None] * len(sizes)
        self._build_labels(snap, centres, radius)
        half = (max(sizes) - 1) / 2 * pitch  # from the middle to the outermost centres
        width = (len(sizes) - 1) * COLUMN_GAP + 2 * radius
        height = 2 * half + radius + max(radius, drop)
        self._content = QRectF(-radius, -half - radius, width, height)
        self._every_link = [link for links in self._links for link in links]
        for index, link in enumerate(self._every_link):
            link.setData(FLAT, index)
        self._link_lines = [link.line() for link in self._every_link]
        self._link_ends = np.array(
            [(ln.x1(), ln.y1(), ln.x2(), ln.y2()) for ln in self._link_lines], float
        ).reshape(-1, 4)
        self._link_half_widths = np.zeros(len(self._every_link))
        self._link_layer = LinkLayer(self._content)
        self.scene().addItem(self._link_layer)
        self._highlight = self.scene().addLine(0, 0, 0, 0, HIGHLIGHT_PEN)
        self._highlight.setZValue(1)
        self._highlight.hide()
        self._highlighted = None  # the link line under the highlight, if shown
        self._focus_ring = self.scene().addEllipse(QRectF(), FOCUS_PEN)
        self._focus_ring.setZValue(2.5)
        self._focus_ring.hide()
        self._fit()

    def _add_tagged(self, item: QGraphicsItem, tag: tuple, z: float) -> QGraphicsItem:
        item.setData(ROLE, tag)
        item.setZValue(z)
        self.scene().addItem(item)
        return item

    def _build_links(self, layer: int, centres, radius: float) -> list[QGraphicsLineItem]:
        """The links of a params layer, row-major (i, j); drawn by the `LinkLayer`."""
        links = []
        for i, a in enumerate(centres[layer]):
            for j, b in enumerate(centres[layer + 1]):
                link = QGraphicsLineItem(a.x() + radius, a.y(), b.x() - radius, b.y())
                link.setData(ROLE, ("w", layer, i, j))
                links.append(link)
        return links

    def _build_neuron(self, snap, centre: QPointF, radius, layer, index) -> NeuronItem:
        item = NeuronItem(square_around(centre, radius))
        item.brush = palette.neuron_brush(snap, layer, index)
        return self._add_tagged(item, ("n", layer, 0, index), 2)

    def _build_bias(self, centre: QPointF, radius, side, layer, j) -> QGraphicsRectItem:
        # Under the right half of the neuron, hugging its circle.  Links end on a column's
        # left edge (x = centre - radius) and start on its right edge (x = centre + radius)
        # at the centre's height, so nothing but neurons lies between those edges and a
        # square there hides no link.  The gap between two neurons of a column is about
        # 0.63 radius tall; hugging the curve leaves room there and keeps the square
        # nearer its own neuron than the next one down.
        inset = radius - side  # from the centre to the square's left edge
        top = centre.y() + math.sqrt(radius**2 - inset**2) + BIAS_GAP * radius
        rect = QRectF(centre.x() + inset, top, side, side)
        item = QGraphicsRectItem(rect)
        item.setPen(OUTLINE)
        return self._add_tagged(item, ("b", layer, 0, j), 3)

    def _build_labels(self, snap, centres, radius: float) -> None:
        self._labels = []
        last = len(centres) - 1
        for index, feature in enumerate(snap.feature_names):
            self._add_label(feature_label(feature), centres[0][index] + QPointF(-radius, 0), "left")
        for index, centre in enumerate(centres[last]):
            text = self._output_label(snap, index)
            self._add_label(text, centre + QPointF(radius, 0), "right")
        self._captions = []
        for col, column in enumerate(centres):
            caption = "input" if col == 0 else "output" if col == last else f"hidden {col}"
            item = self._add_label(caption, column[0] + QPointF(0, -radius), "top")
            short = "in" if col == 0 else "out" if col == last else f"h{col}"
            self._captions.append((item, caption, short))

    @staticmethod
    def _output_label(snap, index: int) -> str:
        if snap.problem == "regression":
            return "ŷ"
        if snap.layer_sizes[-1] == 1:
            return "P(class 1)"
        return f"class {index}"

    def _add_label(self, text: str, anchor: QPointF, side: str) -> QGraphicsSimpleTextItem:
        # Labels keep their pixel size at any zoom, so they stay readable.
        item = self.scene().addSimpleText(text, self.font())
        item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        set_label_text(item, text, side)
        item.setPos(anchor)
        item.setZValue(4)
        self._labels.append((item, side))
        return item

    def _fit_captions(self, scale: float) -> None:
        """Short layer captions (in, h1, out) when the full ones would run into each other."""
        widest = max(text_width(item, text) for item, text, _ in self._captions)
        crowded = COLUMN_GAP * scale < widest + 2 * LABEL_GAP
        for item, text, short in self._captions:
            set_label_text(item, short if crowded else text, "top")

    # ------------------------------------------------------------------ per snapshot
    def _update_links(self, snap) -> None:
        changed = False
        for layer, (weights, bias) in enumerate(snap.params):
            keys = palette.weight_pen_keys(weights, WEIGHT_SCALE, self._max_width).ravel()
            items = self._links[layer]
            for k in np.flatnonzero(keys != self._pen_keys[layer]):
                items[k].setPen(palette.pen_for_key(int(keys[k]), self._max_width))
                changed = True
            self._pen_keys[layer] = keys
            shades = palette.signed_color_indices(np.ravel(bias), WEIGHT_SCALE)
            squares = self._biases[layer]
            for k in np.flatnonzero(shades != self._brush_keys[layer]):
                squares[k].setBrush(palette.value_brush(int(shades[k])))
            self._brush_keys[layer] = shades
        if changed:
            self._group_links()

    def _group_links(self) -> None:
        """Hand the link layer its lines grouped by pen, and note each link's half width."""
        keys = np.concatenate(self._pen_keys)
        order = palette.pen_key_order(keys)
        starts = np.flatnonzero(np.diff(keys[order])) + 1
        lines, groups = self._link_lines, []
        for members in np.split(order, starts):
            pen = palette.pen_for_key(int(keys[members[0]]), self._max_width)
            groups.append((pen, [lines[k] for k in members]))
            self._link_half_widths[members] = pen.widthF() / 2
        self._link_layer.groups = groups

    def _update_images(self, snap) -> None:
        for layer, grid in enumerate(snap.neuron_grids[: len(self._neurons)]):
            grid = np.asarray(grid)
            if grid.ndim != 3 or grid.shape[2] != len(self._neurons[layer]):
                continue
            low, high = palette.layer_levels(snap, layer, grid)
            # Tiles stacked top to bottom, each flipped so +y points up on screen, cropped
            # to the neuron's disc by scaling every premultiplied channel by its coverage.
            indices = palette.value_indices(grid, low, high)[::-1].transpose(2, 0, 1)
            words = palette.layer_words(snap, layer)
            if words.ndim == 2:  # one table per neuron: row c colours tile c
                tiles = words[np.arange(len(indices))[:, None, None], indices]
            else:
                tiles = words[indices]
            ny, nx = grid.shape[:2]
            channels = np.ascontiguousarray(tiles).view(np.uint8).reshape(*tiles.shape, 4)
            coverage = palette.disc_coverage(ny, nx)[None, :, :, None]
            pixels = (channels * coverage + 0.5).astype(np.uint8).reshape(-1, nx * 4)
            image = QImage(pixels.data, nx, pixels.shape[0], nx * 4, _PREMULTIPLIED)
            self._layer_pixels[layer] = pixels
            reshape = self._tile_shapes[layer] != (ny, nx)
            for index, neuron in enumerate(self._neurons[layer]):
                neuron.image = image
                if reshape:
                    neuron.source = QRectF(0, index * ny, nx, ny)
            self._tile_shapes[layer] = (ny, nx)

    def _update_focus(self, focus) -> None:
        ring = self._focus_ring
        if focus is None or not 0 <= focus[0] < len(self._neurons):
            ring.hide()
            return
        column = self._neurons[focus[0]]
        if not 0 <= focus[1] < len(column):
            ring.hide()
            return
        ring.setRect(column[focus[1]].boundingRect().adjusted(-1, -1, 1, 1))
        ring.show()

    # ------------------------------------------------------------------ geometry
    def _fit(self) -> None:
        """Scale the diagram into the view, keeping aspect and room for pixel-sized labels."""
        if self._content.isEmpty():
            return
        margins = {"left": 8.0, "right": 8.0, "top": 8.0}
        for item, side in self._labels:
            extent = item.boundingRect().width() if side != "top" else item.boundingRect().height()
            margins[side] = max(margins[side], extent + LABEL_GAP + 4)
        bottom = 8.0
        viewport = self.viewport()
        room_x = viewport.width() - margins["left"] - margins["right"]
        room_y = viewport.height() - margins["top"] - bottom
        scale = min(room_x / self._content.width(), room_y / self._content.height(), MAX_SCALE)
        scale = max(scale, 0.05)
        self._fit_captions(scale)
        self.setTransform(QTransform.fromScale(scale, scale))
        self.setSceneRect(
            self._content.adjusted(
                -margins["left"] / scale,
                -margins["top"] / scale,
                margins["right"] / scale,
                bottom / scale,
            )
        )

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        # Labels are built in the widget's font: rebuild them when it changes (presentation mode).
        if event.type() == QEvent.Type.FontChange:
            self._lay_out_again()

    def _column_height(self, columns: int) -> float:
        """Scene height the widest layer may span: deep networks get taller columns, and
        a tall view (the window's middle pane) taller still, so wide layers get neurons
        big enough to see instead of a thin strip across the middle."""
        viewport = self.viewport()
        aspect = min(max(viewport.height() / max(viewport.width(), 1), 0.5), 2.0)
        span = COLUMN_GAP * (columns - 1)
        return max(COLUMN_HEIGHT, 0.6 * span, 0.9 * aspect * span)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()
        # A new shape of view may call for taller or shorter columns: lay out again once
        # the resizing pauses (a big diagram takes a while to build).
        if self._snap is not None:
            columns = len(self._snap.layer_sizes)
            if abs(self._column_height(columns) / self._built_height - 1) > RELAYOUT_CHANGE:
                self._relayout.start()

    def _lay_out_again(self) -> None:
        if self._snap is not None:
            self._architecture = None
            self.set_snapshot(self._snap)

    # ------------------------------------------------------------------ pointer
    def _item_at(self, pos) -> QGraphicsItem | None:
        """The bias or neuron, else the nearest link, within a few pixels of a viewport
        position."""
        area = QRect(pos.x() - HIT_SLOP, pos.y() - HIT_SLOP, 2 * HIT_SLOP + 1, 2 * HIT_SLOP + 1)
        for item in self.items(area):
            if item.data(ROLE) is not None:
                return item
        if not len(self._link_ends):
            return None
        # Links are not scene items (see LinkLayer): measure the distance to each one.
        point = self.mapToScene(pos)
        x1, y1, x2, y2 = self._link_ends.T
        dx, dy = x2 - x1, y2 - y1
        along = ((point.x() - x1) * dx + (point.y() - y1) * dy) / np.maximum(
            dx * dx + dy * dy, 1e-12
        )
        along = np.clip(along, 0.0, 1.0)
        distance = np.hypot(x1 + along * dx - point.x(), y1 + along * dy - point.y())
        reach = self._link_half_widths + HIT_SLOP / self.transform().m11()
        nearest = int(np.argmin(distance - reach))
        if distance[nearest] > reach[nearest]:
            return None
        return self._every_link[nearest]

    def mousePressEvent(self, event) -> None:
        item = self._item_at(event.position().toPoint()) if self._snap is not None else None
        if event.button() == Qt.MouseButton.LeftButton and item is not None:
            kind, layer, i, j = item.data(ROLE)
            if kind in ("w", "b"):
                self.edit_param(layer, kind, i, j)
                event.accept()
                return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        super().mouseMoveEvent(event)
        if self._snap is None:
            return
        item = self._item_at(event.position().toPoint())
        tag = item.data(ROLE) if item is not None else None
        self._set_hovered((tag[1], tag[3]) if tag and tag[0] == "n" else None)
        highlighted = item.line() if tag and tag[0] == "w" else None
        if highlighted is not None:
            pen = QPen(HIGHLIGHT_PEN)
            pen.setWidthF(2 * self._link_half_widths[item.data(FLAT)] + 4)
            self._highlight.setPen(pen)
            self._highlight.setLine(highlighted)
        if highlighted != self._highlighted:  # a repaint only when the highlight moves
            self._highlighted = highlighted
            self._highlight.setVisible(highlighted is not None)
            self.viewport().update()

    def leaveEvent(self, event) -> None:
        super().leaveEvent(event)
        self._set_hovered(None)
        if self._snap is not None and self._highlighted is not None:
            self._highlighted = None
            self._highlight.hide()
            self.viewport().update()

    def _set_hovered(self, neuron) -> None:
        if neuron != self._hovered:
            self._hovered = neuron
            self.neuronHovered.emit(neuron)

    def viewportEvent(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip and self._snap is not None:
            item = self._item_at(event.pos())
            if item is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self.describe(item), self.viewport())
            return True
        return super().viewportEvent(event)

    def _accept_edit(self) -> None:
        text = self._editor.text().strip().replace(",", ".")
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            self._editor.setStyleSheet("border: 2px solid #c0392b;")
            self._editor.setToolTip(f"{text!r} is not a finite number")
            return
        layer, kind, i, j = self._editing
        self._editor.hide()
        self.paramEdited.emit(layer, kind, i, j, value)
