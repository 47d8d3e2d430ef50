"""Initial weights and biases of a fully-connected network, one scheme per name.

Every scheme draws from the given ``np.random.Generator`` layer by layer, input
side first, so a seed fully determines the start of a run.

* ``notebook``   every weight and bias uniform in [0, 1) (the course notebook)
* ``playground`` weights uniform in [-0.5, 0.5), biases 0.1 (TensorFlow Playground)
* ``glorot``     weights uniform in +-sqrt(6 / (n_in + n_out)), biases 0
* ``he``         weights normal with std sqrt(2 / n_in), biases 0
"""

from __future__ import annotations

import math

import numpy as np

INITS = ("notebook", "playground", "glorot", "he")


def initial_layer(init: str, n_in: int, n_out: int, rng: np.random.Generator):
    """(W (n_in, n_out), b (n_out,)) for one layer."""
    shape = (n_in, n_out)
    if init == "notebook":
        return rng.random(shape), rng.random(n_out)
    if init == "playground":
        return rng.random(shape) - 0.5, np.full(n_out, 0.1)
    if init == "glorot":
        limit = math.sqrt(6.0 / (n_in + n_out))
        return rng.uniform(-limit, limit, shape), np.zeros(n_out)
    if init == "he":
        return rng.normal(0.0, math.sqrt(2.0 / n_in), shape), np.zeros(n_out)
    raise ValueError(f"init: {init!r} is not one of {', '.join(INITS)}")
