"""`LegendPlot`: a pyqtgraph PlotWidget whose legend sits in a strip above the data and
whose text follows the widget's font (presentation mode)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QEvent

from . import palette


class LegendPlot(pg.PlotWidget):
    """Subclasses create ``self.legend`` (`palette.legend_above`) and implement
    `_legend_columns` and `_apply_font`."""

    legend = None  # a class default: pyqtgraph resizes the widget before __init__ makes it
    _legend_fitted_to = -1

    def _legend_columns(self) -> int:
        raise NotImplementedError

    def _apply_font(self) -> None:
        raise NotImplementedError

    def _fit_legend(self) -> None:
        """Legend entries in one row when they fit the width, else in two."""
        self._legend_fitted_to = self.width()
        palette.fit_legend_above(self, self.legend, columns=self._legend_columns())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.legend is not None and self.width() != self._legend_fitted_to:
            self._fit_legend()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        # close() drops the plot item, then reparents: the font change that follows finds none.
        if event.type() == QEvent.Type.FontChange and self.plotItem is not None:
            self._apply_font()
