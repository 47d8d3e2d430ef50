"""What a view needs to draw one frame: an immutable copy of the trainer's state.

The training loop builds a `Snapshot` in the training process (all maths, including the
decision-boundary grid, is done there by the core) and hands it to the window,
which only draws.  Nothing in a snapshot is shared with the live trainer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

# A loss this many times its epoch-0 value means weights a lower learning rate will not
# bring back: after a divergence the window then advises Reset rather than a retry.
FAR_GONE_FACTOR = 1e3


@dataclass(frozen=True)
class Grid:
    """Values of some output over a regular grid of the input plane.

    ``values[i, j]`` is the value at ``(xs[j], ys[i])``: rows follow y, columns x.
    Pixel centres sit on the grid points.  For several classes ``values`` is
    (ny, nx, k) probabilities; otherwise (ny, nx).
    """

    xs: np.ndarray
    ys: np.ndarray
    values: np.ndarray

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return float(self.xs[0]), float(self.xs[-1]), float(self.ys[0]), float(self.ys[-1])


@dataclass(frozen=True)
class History:
    """Per-epoch metrics, possibly downsampled; every array has the same length."""

    epochs: np.ndarray
    train_loss: np.ndarray
    test_loss: np.ndarray
    train_score: np.ndarray  # accuracy for classification, R² for regression
    test_score: np.ndarray

    @classmethod
    def empty(cls) -> History:
        e = np.zeros(0)
        return cls(e.astype(np.int64), e, e, e, e)


@dataclass(frozen=True)
class Snapshot:
    """One frame of a run, as drawn by the window."""

    epoch: int
    metrics: dict  # the trainer's latest metrics dict (empty at epoch 0 before evaluation)
    params: list  # [(W, b), ...] copies, input side first; W is (n_in, n_out)
    layer_sizes: tuple  # (n_features, *hidden, n_outputs)
    feature_names: tuple  # the active input features, in network order
    problem: str  # 'binary', 'multiclass' or 'regression'
    boundary: Grid  # network output over the plane (or the focused neuron's output)
    neuron_grids: list = field(
        default_factory=list
    )  # per layer (input features first): (ny, nx, width) small grids
    history: History = field(default_factory=History.empty)
    diverged: int | None = None
    focus: tuple | None = None  # (layer, index) the boundary shows instead of the output, if any
    activation: str = "tanh"  # the hidden layers' activation (views pick colour levels from it)

    def far_gone(self) -> bool:
        """Has the training loss grown `FAR_GONE_FACTOR` times past its epoch-0 value?"""
        start = self.history.train_loss[:1]
        loss = self.metrics.get("train_loss", math.nan)
        return bool(len(start)) and loss > FAR_GONE_FACTOR * max(float(start[0]), 1e-12)
