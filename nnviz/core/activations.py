"""Hidden-layer activations as prepared in-place NumPy operations.

The engine keeps every array feature-major, shape (units, samples).  A layer
takes its pre-activation multiplied by its ``input_scale``: a sigmoid is
computed as 0.5 + 0.5*tanh(z/2) (tanh never overflows), so its input scale is
0.5; every other activation's is 1.  What a hidden layer *stores* for the next
one comes in two kinds:

* scaled (the default): ``scale * f(z)``, the next layer's input scale times the
  output, so the next matrix product directly yields that layer's scaled input;
* raw (``raw_output = (alpha, beta)``, the sigmoid): the bare tanh value R with
  f(z) = alpha * R + beta.  The affine part then lives in the next layer's
  weights (the engine multiplies them by a small matrix once per update), which
  saves two passes over the layer's outputs per forward pass.

Each activation builds two lists of zero-argument callables (``functools.partial``
of NumPy ufuncs with ``out=`` buffers), so a training step is a flat run of
pre-bound calls with no allocation:

* ``forward_ops(s, scale, tmp)``: ``s`` holds input_scale * z and is overwritten
  with what the layer stores (``scale`` is ignored by raw activations).
* ``derivative_ops(d, s, scale, tmp)``: multiplies ``d`` in place by a quantity
  proportional to f'(z), read from the stored ``s``; the missing constant factor
  is ``derivative_factor(scale)`` (the engine folds all such factors into the
  gradient scaling).

Sigmoid and tanh have that quantity in the form c - s^2 (``squared_form``): the
engine then computes it for all hidden layers at once, one square and one
subtraction over their stacked stored outputs, instead of two calls per layer.
"""

from __future__ import annotations

from functools import partial

import numpy as np

LEAKY_SLOPE = 0.01


def const(value: float, like: np.ndarray) -> np.ndarray:
    """``value`` as a 0-d array of ``like``'s dtype: a ufunc converts a Python float
    argument on every call, which costs a quarter of a small call's time."""
    return np.array(value, like.dtype)


class Activation:
    """Base: the identity (``linear``)."""

    name = "linear"
    input_scale = 1.0
    raw_output: tuple[float, float] | None = None  # (alpha, beta) when stored raw

    def forward_ops(self, s, scale, tmp) -> list:
        return _scaled(s, scale)

    def derivative_ops(self, d, s, scale, tmp) -> list:
        c = self.squared_form(scale)
        if c is None:
            return []
        return [
            partial(np.square, s, tmp),
            partial(np.subtract, const(c, s), tmp, tmp),
            partial(np.multiply, d, tmp, d),
        ]

    def squared_form(self, scale: float) -> float | None:
        """c when ``derivative_ops`` multiplies by c - s^2, else None."""
        return None

    def derivative_factor(self, scale: float) -> float:
        return 1.0


class Sigmoid(Activation):
    """0.5 + 0.5 * tanh(z/2), stored raw as T = tanh(z/2)."""

    name = "sigmoid"
    input_scale = 0.5
    raw_output = (0.5, 0.5)

    def forward_ops(self, s, scale, tmp) -> list:
        return [partial(np.tanh, s, s)]  # s held z/2

    def squared_form(self, scale: float) -> float:
        return 1.0  # f' = a(1 - a) = (1 - T^2) / 4

    def derivative_factor(self, scale: float) -> float:
        return 0.25


class Tanh(Activation):
    name = "tanh"

    def forward_ops(self, s, scale, tmp) -> list:
        return [partial(np.tanh, s, s), *_scaled(s, scale)]

    def squared_form(self, scale: float) -> float:
        return scale * scale  # f' = 1 - a^2 = (scale^2 - s^2) / scale^2

    def derivative_factor(self, scale: float) -> float:
        return 1.0 / (scale * scale)


class Relu(Activation):
    name = "relu"

    def forward_ops(self, s, scale, tmp) -> list:
        return [partial(np.maximum, s, const(0.0, s), out=s), *_scaled(s, scale)]

    def derivative_ops(self, d, s, scale, tmp) -> list:
        # s >= 0, so sign(s) is exactly the 0/1 slope (0 at z = 0).
        return [partial(np.sign, s, tmp), partial(np.multiply, d, tmp, d)]


class LeakyRelu(Activation):
    name = "leaky_relu"

    def forward_ops(self, s, scale, tmp) -> list:
        return [
            partial(np.multiply, s, const(LEAKY_SLOPE, s), tmp),
            partial(np.maximum, s, tmp, out=s),
            *_scaled(s, scale),
        ]

    def derivative_ops(self, d, s, scale, tmp) -> list:
        # sign(s) in {-1, 0, 1} -> slope {0.01, 0.01, 1} (0.01 at z = 0).
        return [
            partial(np.sign, s, tmp),
            partial(np.maximum, tmp, const(LEAKY_SLOPE, s), out=tmp),
            partial(np.multiply, d, tmp, d),
        ]


def _scaled(s, scale: float) -> list:
    return [] if scale == 1.0 else [partial(np.multiply, s, const(scale, s), s)]


ACTIVATIONS = {cls.name: cls() for cls in (Activation, Sigmoid, Tanh, Relu, LeakyRelu)}


def activation(name: str) -> Activation:
    """The activation called ``name``; ValueError naming the choices otherwise."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"activation: {name!r} is not one of {', '.join(ACTIVATIONS)}") from None
