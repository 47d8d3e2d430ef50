"""The network diagram's pieces: neuron, link-layer and editor items, label placement and
the names and number formats of what the diagram shows (used by the big heatmap too)."""

from __future__ import annotations

import math

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QImage, QPainter, QPainterPath, QPen, QTransform
from PySide6.QtWidgets import QGraphicsItem, QGraphicsSimpleTextItem, QLineEdit

from nnviz.core.config import FEATURE_LABELS

from . import palette

LABEL_GAP = 6  # pixels between a neuron and its label
OUTLINE = QPen(QColor(90, 90, 90), 1.2)


def format_value(value: float) -> str:
    """Four decimals for ordinary magnitudes, scientific notation otherwise."""
    if not math.isfinite(value):
        return str(value)
    if value == 0 or 1e-3 <= abs(value) < 1e5:
        return f"{value:.4f}"
    return f"{value:.3e}"


def param_name(kind: str, layer: int, i: int, j: int) -> str:
    """The course notebook's name of a weight or bias, counted from 1 like the neurons:
    W1[i, j] joins input i to neuron j of hidden layer 1, b1[j] is that neuron's bias.
    ``layer``, ``i`` and ``j`` are the 0-based indices of `Snapshot.params`."""
    if kind == "w":
        return f"W{layer + 1}[{i + 1}, {j + 1}]"
    return f"b{layer + 1}[{j + 1}]"


def neuron_name(snap, layer: int, index: int) -> str:
    """Human name of neuron ``index`` of ``layer`` (0 = input features), counted from 1."""
    if layer == 0:
        return feature_label(snap.feature_names[index])
    if layer == len(snap.layer_sizes) - 1:
        if snap.layer_sizes[-1] == 1:
            return "the output neuron"
        return f"output neuron {index + 1} (class {index})"
    return f"neuron {index + 1} of hidden layer {layer}"


def feature_label(feature: str) -> str:
    return FEATURE_LABELS.get(feature, feature)


class NeuronItem(QGraphicsItem):
    """A circle showing one tile of its layer's heatmap image (cropped to a disc already)."""

    def __init__(self, rect: QRectF):
        super().__init__()
        self._rect = rect
        self._circle = QPainterPath()
        self._circle.addEllipse(rect)
        self._bounds = rect.adjusted(-2, -2, 2, 2)
        self.image: QImage | None = None  # shared by the whole layer
        self.source = QRectF()  # this neuron's tile inside ``image``
        self.brush = palette.value_brush(palette.NEUTRAL_INDEX)  # until there is an image

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        return self._circle

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if self.image is None:
            painter.setBrush(self.brush)
        else:
            painter.drawImage(self._rect, self.image, self.source)
            painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(OUTLINE)
        painter.drawEllipse(self._rect)


class LinkLayer(QGraphicsItem):
    """Every link of the diagram in one item: one drawLines call per pen, thinnest first so
    strong weights lie on top.  That paints thousands of links (8 layers of 32) in less
    than half the time of an item each.  The per-link QGraphicsLineItems stay off the
    scene and keep each link's line, pen and tag for tooltips, editing and tests."""

    def __init__(self, bounds: QRectF):
        super().__init__()
        self._bounds = bounds
        self.groups: list[tuple[QPen, list[QLineF]]] = []

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter: QPainter, option, widget=None) -> None:
        for pen, lines in self.groups:
            painter.setPen(pen)
            painter.drawLines(lines)


class ParamEditor(QLineEdit):
    """Inline, non-blocking number entry: Enter accepts, Escape or leaving cancels."""

    def __init__(self, parent):
        super().__init__(parent)
        self.setObjectName("paramEditor")
        self.setFixedWidth(110)
        self.hide()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.hide()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event) -> None:
        super().focusOutEvent(event)
        self.hide()


def set_label_text(item: QGraphicsSimpleTextItem, text: str, side: str) -> None:
    """Set a label's text and shift it to sit beside its anchor on ``side``."""
    item.setText(text)
    width, height = item.boundingRect().width(), item.boundingRect().height()
    shift = {
        "left": (-width - LABEL_GAP, -height / 2),
        "right": (LABEL_GAP, -height / 2),
        "top": (-width / 2, -height - LABEL_GAP),
    }[side]
    item.setTransform(QTransform.fromTranslate(*shift))


def text_width(item: QGraphicsSimpleTextItem, text: str) -> float:
    return QFontMetricsF(item.font()).horizontalAdvance(text)


def square_around(centre: QPointF, radius: float) -> QRectF:
    return QRectF(centre.x() - radius, centre.y() - radius, 2 * radius, 2 * radius)
