"""The public face of the engine: one run of one network on one dataset.

`Trainer` ties a `Config` to the data it names, the feature expansion, the
numerical `Engine`, a bounded metric history and divergence handling.  It is
what notebooks, the CLI and the GUI worker drive::

    from nnviz.core import Config, Trainer
    trainer = Trainer(Config(dataset="circles"))
    trainer.step(epochs=500)
    print(trainer.metrics["test_accuracy"])
"""

from __future__ import annotations

import numpy as np

from .config import Config
from .snapshot import Grid, Snapshot

METRIC_KEYS = ("epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy")


class Trainer:
    """Trains a network as `config` says.  Not thread-safe: one thread drives it."""

    def __init__(self, config: Config | None = None, data=None):
        """``data`` optionally supplies a `Dataset` instead of generating it from the config."""
        raise NotImplementedError

    # attributes (set in __init__):
    #   config: Config          the current, validated settings
    #   data: Dataset           x_train, y_train, x_test, y_test, problem, n_classes, bounds
    #   epoch: int              epochs trained since the last build or reset
    #   metrics: dict           latest metrics (METRIC_KEYS; 'train_r2'/'test_r2' replace accuracy for regression)
    #   diverged: int | None    epoch at which training diverged, else None
    #   history                 MetricHistory of every epoch's metrics (downsampled when long)

    @property
    def params(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Live (W, b) arrays, input side first; W is (n_in, n_out)."""
        raise NotImplementedError

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        raise NotImplementedError

    def step(self, epochs: int = 1) -> dict:
        """Train ``epochs`` epochs (stops early on divergence); return the metrics dict."""
        raise NotImplementedError

    def predict(self, points) -> np.ndarray:
        """Network output at raw (x1, x2) points: (n,) class-1 probability or value; (n, k) for several classes."""
        raise NotImplementedError

    def configure(self, **changes) -> bool:
        """Apply setting changes; return True when the network and data were rebuilt.

        Raises ValueError (the old state survives) for an invalid value."""
        raise NotImplementedError

    def reset(self) -> None:
        """Back to epoch 0 with the very same initial weights; history cleared."""
        raise NotImplementedError

    def set_param(self, layer: int, kind: str, i: int, j: int, value: float) -> None:
        """Set W[i, j] (kind 'w') or b[j] (kind 'b', i ignored) of params[layer]."""
        raise NotImplementedError

    def gradient_check(self) -> float:
        """Relative error of the analytic gradient against central finite differences."""
        raise NotImplementedError

    def boundary(self, resolution: int = 150, focus: tuple | None = None) -> Grid:
        """Output (or neuron ``focus`` = (layer, index)) over the padded data range."""
        raise NotImplementedError

    def snapshot(self, resolution: int = 150, thumb: int = 32, focus=None) -> Snapshot:
        """An independent copy of everything a view draws."""
        raise NotImplementedError

    def state_dict(self) -> dict:
        """JSON-able state: config, data, initial and current weights, epoch, history, diverged."""
        raise NotImplementedError

    @classmethod
    def from_state_dict(cls, state: dict) -> Trainer:
        """Rebuild a trainer from `state_dict` output; ValueError when it is malformed."""
        raise NotImplementedError
