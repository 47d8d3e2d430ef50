"""A thumbnail of a dataset's points for the dataset picker."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

from . import palette

MAX_POINTS = 400  # an icon cannot show more; an even subsample keeps the shape


def preview_icon(dataset, size: int = 48) -> QIcon:
    """A ``size`` x ``size`` picture of all points, coloured by class (or value for regression)."""
    if size < 8:
        raise ValueError(f"preview_icon: size must be at least 8 pixels, got {size}")
    points = np.concatenate([dataset.x_train, dataset.x_test])
    targets = np.concatenate([np.ravel(dataset.y_train), np.ravel(dataset.y_test)])
    keep = np.linspace(0, len(points) - 1, min(len(points), MAX_POINTS)).astype(int)
    points, targets = points[keep], targets[keep]
    xmin, xmax, ymin, ymax = dataset.bounds
    margin = 2.0
    scale_x = (size - 2 * margin) / max(xmax - xmin, 1e-12)
    scale_y = (size - 2 * margin) / max(ymax - ymin, 1e-12)
    xs = margin + (points[:, 0] - xmin) * scale_x
    ys = size - margin - (points[:, 1] - ymin) * scale_y  # +y up
    if dataset.problem == "regression":
        shades = palette.value_indices(targets, -1.0, 1.0)
        colours = [palette.value_brush(int(s)).color() for s in shades]
    else:
        table = palette.class_colors(int(dataset.n_classes))
        colours = [table[int(label)] for label in targets]
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(250, 250, 250))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    radius = max(1.2, size / 32)
    for x, y, colour in zip(xs, ys, colours, strict=True):
        painter.setBrush(colour)
        painter.drawEllipse(QPointF(x, y), radius, radius)
    painter.setPen(QColor(170, 170, 170))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(0, 0, size - 1, size - 1)
    painter.end()
    return QIcon(pixmap)
