"""Hidden-layer activations as prepared in-place NumPy operations.

The engine keeps every array feature-major, shape (units, samples), and stores a
hidden layer's output *pre-multiplied by the input scale of the layer after it*.
A sigmoid layer is computed as 0.5 + 0.5*tanh(z/2) (tanh never overflows), so
its input scale is 0.5: the layer before it stores half its output, and the
matrix product then yields z/2 directly with no extra multiply.  Every other
activation has input scale 1.

Each activation builds two lists of zero-argument callables (``functools.partial``
of NumPy ufuncs with ``out=`` buffers), so a training step is a flat run of
pre-bound calls with no allocation:

* ``forward_ops(s, scale, tmp)``: ``s`` holds input_scale * z and is overwritten
  with ``scale * f(z)``.
* ``derivative_ops(d, s, scale, tmp)``: multiplies ``d`` in place by a quantity
  proportional to f'(z), read from the stored ``s = scale * f(z)``; the missing
  constant factor is ``derivative_factor(scale)`` (the engine folds all such
  factors into one per-parameter gradient scale).
"""

from __future__ import annotations

from functools import partial

import numpy as np

LEAKY_SLOPE = 0.01


class Activation:
    """Base: the identity (``linear``)."""

    name = "linear"
    input_scale = 1.0

    def forward_ops(self, s, scale, tmp) -> list:
        return _scaled(s, scale)

    def derivative_ops(self, d, s, scale, tmp) -> list:
        return []

    def derivative_factor(self, scale: float) -> float:
        return 1.0


class Sigmoid(Activation):
    name = "sigmoid"
    input_scale = 0.5

    def forward_ops(self, s, scale, tmp) -> list:
        # scale * (0.5 + 0.5 * tanh(z/2)); s already holds z/2.
        half = 0.5 * scale
        return [
            partial(np.tanh, s, s),
            partial(np.multiply, s, half, s),
            partial(np.add, s, half, s),
        ]

    def derivative_ops(self, d, s, scale, tmp) -> list:
        # f' = a(1 - a) = s(scale - s) / scale^2 with s = scale * a.
        return [
            partial(np.subtract, scale, s, tmp),
            partial(np.multiply, d, s, d),
            partial(np.multiply, d, tmp, d),
        ]

    def derivative_factor(self, scale: float) -> float:
        return 1.0 / (scale * scale)


class Tanh(Activation):
    name = "tanh"

    def forward_ops(self, s, scale, tmp) -> list:
        return [partial(np.tanh, s, s), *_scaled(s, scale)]

    def derivative_ops(self, d, s, scale, tmp) -> list:
        # f' = 1 - a^2 = (scale^2 - s^2) / scale^2.
        return [
            partial(np.multiply, s, s, tmp),
            partial(np.subtract, scale * scale, tmp, tmp),
            partial(np.multiply, d, tmp, d),
        ]

    def derivative_factor(self, scale: float) -> float:
        return 1.0 / (scale * scale)


class Relu(Activation):
    name = "relu"

    def forward_ops(self, s, scale, tmp) -> list:
        return [partial(np.maximum, s, 0.0, out=s), *_scaled(s, scale)]

    def derivative_ops(self, d, s, scale, tmp) -> list:
        # s >= 0, so sign(s) is exactly the 0/1 slope (0 at z = 0).
        return [partial(np.sign, s, tmp), partial(np.multiply, d, tmp, d)]


class LeakyRelu(Activation):
    name = "leaky_relu"

    def forward_ops(self, s, scale, tmp) -> list:
        return [
            partial(np.multiply, s, LEAKY_SLOPE, tmp),
            partial(np.maximum, s, tmp, out=s),
            *_scaled(s, scale),
        ]

    def derivative_ops(self, d, s, scale, tmp) -> list:
        # sign(s) in {-1, 0, 1} -> slope {0.01, 0.01, 1} (0.01 at z = 0).
        return [
            partial(np.sign, s, tmp),
            partial(np.maximum, tmp, LEAKY_SLOPE, out=tmp),
            partial(np.multiply, d, tmp, d),
        ]


def _scaled(s, scale: float) -> list:
    return [] if scale == 1.0 else [partial(np.multiply, s, scale, s)]


ACTIVATIONS = {cls.name: cls() for cls in (Activation, Sigmoid, Tanh, Relu, LeakyRelu)}


def activation(name: str) -> Activation:
    """The activation called ``name``; ValueError naming the choices otherwise."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"activation: {name!r} is not one of {', '.join(ACTIVATIONS)}") from None
