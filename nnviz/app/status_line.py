"""The status line above the views: epoch, losses and accuracy (or R²) in large text.

`StatusLine` is a label whose font is as large as asked for (`set_point_size`)
but steps down, never below the window's own text, until a typical full line
fits its width, so a projector-sized font never cuts the last figures off.
The font is fitted on resize and font changes only, never per frame.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import QLabel, QSizePolicy

SEPARATOR = "   ·   "
METRICS = (
    ("train_loss", "train loss", False),
    ("test_loss", "test loss", False),
    ("train_accuracy", "train accuracy", True),
    ("test_accuracy", "test accuracy", True),
    ("train_r2", "train R²", False),
    ("test_r2", "test R²", False),
)


def status_text(snap) -> str:
    """One line for the status label: epoch, losses and accuracy (or R²)."""
    parts = [f"Epoch {snap.epoch:,}"]
    for key, label, percent in METRICS:
        if key in snap.metrics:
            parts.append(f"{label} {_format_metric(snap.metrics[key], percent)}")
    return SEPARATOR.join(parts)


def _format_metric(value: float, percent: bool) -> str:
    if not math.isfinite(value):
        return str(value)
    return f"{100 * value:.1f} %" if percent else f"{value:.4g}"


# The longest line a classifier's ordinary run shows; the font is fitted to it.
TYPICAL_LINE = status_text(
    SimpleNamespace(
        epoch=88_888,
        metrics={
            "train_loss": 0.08888,
            "test_loss": 0.08888,
            "train_accuracy": 0.888,
            "test_accuracy": 0.888,
        },
    )
)


class StatusLine(QLabel):
    """A one-line label whose font shrinks (down to ``floor_point_size``) to fit its width."""

    def __init__(self, text: str = "", parent=None):
        super().__init__(text, parent)
        # Long text (a diverging loss) is cut off rather than widening the window.
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        # Opaque: the text changes every frame while training, and a see-through label
        # would make Qt repaint the whole window behind it each time.
        self.setAutoFillBackground(True)
        self._wanted = self.font().pointSizeF()
        self._floor = self._wanted

    def set_point_size(self, wanted: float, floor: float) -> None:
        """Ask for ``wanted`` points; fitting may go down to ``floor`` points."""
        self._wanted, self._floor = wanted, min(floor, wanted)
        self._fit()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        font = QFont(self.font())
        font.setPointSizeF(self._wanted)
        needed = QFontMetricsF(font).horizontalAdvance(TYPICAL_LINE)
        room = self.contentsRect().width()
        if needed > room > 0:
            font.setPointSizeF(max(self._floor, self._wanted * room / needed))
        if font.pointSizeF() != self.font().pointSizeF():
            self.setFont(font)
