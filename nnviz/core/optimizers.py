"""Training settings and the parameter update as prepared in-place NumPy operations.

The engine hands over the gradient of the (mini-)batch data loss, for plain SGD
and momentum already multiplied by -lr (see `folds_rate`); the operations built
here add the penalty's gradient and turn it into a step on the flat parameter
vector.

Penalties act on weights only, never biases, and are added to every (mini-)batch
objective:  penalty = l1 * sum|W| + l2/2 * sum W^2,
so their gradient is l1 * sign(W) + l2 * W.

Update rules, g the gradient of the batch objective:
* sgd       theta -= lr * g
* momentum  v = momentum * v - lr * g;  theta += v
* adam      m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
            theta -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial

import numpy as np

from .config import OPTIMIZERS, check_choice, check_number

# Parameter-sized state vectors each optimizer keeps.
STATE_VECTORS = {"sgd": 0, "momentum": 1, "adam": 2}


@dataclass(frozen=True)
class Settings:
    """How to train; invalid values raise ValueError naming the field."""

    optimizer: str = "sgd"
    lr: float = 0.01
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    batch_size: int | None = None
    l1: float = 0.0
    l2: float = 0.0

    def __post_init__(self) -> None:
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_number("lr", self.lr, 0.0, math.inf, low_open=True)
        for name in ("momentum", "beta1", "beta2"):
            check_number(name, getattr(self, name), 0.0, 1.0, high_open=True)
        check_number("eps", self.eps, 0.0, math.inf, low_open=True)
        check_number("l1", self.l1, 0.0, math.inf)
        check_number("l2", self.l2, 0.0, math.inf)
        size = self.batch_size
        if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 1):
            raise ValueError(f"batch_size: expected None or a whole number >= 1, got {size!r}")

    @property
    def penalised(self) -> bool:
        return self.l1 > 0.0 or self.l2 > 0.0


def penalty(flat: np.ndarray, weight_mask: np.ndarray, l1: float, l2: float) -> float:
    """l1 * sum|W| + l2/2 * sum W^2 over the weights (weight_mask 1) of ``flat``."""
    weights = flat[weight_mask.astype(bool)]
    return float(l1 * np.abs(weights).sum() + 0.5 * l2 * np.dot(weights, weights))


def folds_rate(settings: Settings) -> bool:
    """True when the engine may fold -lr into its gradient scaling: plain SGD and
    momentum without penalty then start from -lr * g and save a multiply."""
    return settings.optimizer != "adam" and not settings.penalised


def penalty_ops(grad, flat, weight_mask, l1: float, l2: float, tmp) -> list:
    """Operations adding the penalty's gradient l1 * sign(W) + l2 * W to ``grad``."""
    ops = []
    if l2 > 0.0:
        ops += [
            partial(np.multiply, flat, l2 * weight_mask, tmp),
            partial(np.add, grad, tmp, grad),
        ]
    if l1 > 0.0:
        ops += [
            partial(np.sign, flat, tmp),
            partial(np.multiply, tmp, l1 * weight_mask, tmp),
            partial(np.add, grad, tmp, grad),
        ]
    return ops


def update_ops(settings: Settings, flat, grad, state, weight_mask, tmp) -> list:
    """Operations applying one step of ``settings.optimizer`` to ``flat``.

    ``grad`` holds the data-loss gradient, already times -lr when `folds_rate`;
    ``state`` is (step_count (1,), *STATE_VECTORS[optimizer] vectors)."""
    s = settings
    ops = []
    if not folds_rate(s):
        ops += penalty_ops(grad, flat, weight_mask, s.l1, s.l2, tmp)
        if s.optimizer != "adam":
            ops.append(partial(np.multiply, grad, np.array(-s.lr), grad))
    if s.optimizer == "sgd":
        return ops + [partial(np.add, flat, grad, flat)]
    if s.optimizer == "momentum":
        velocity = state[1]
        return ops + [
            partial(np.multiply, velocity, np.array(s.momentum), velocity),
            partial(np.add, velocity, grad, velocity),
            partial(np.add, flat, velocity, flat),
        ]
    return ops + [_AdamStep(s, flat, grad, *state, tmp)]


class _AdamStep:
    """One Adam step; its constants are 0-d arrays, which ufuncs take faster than floats."""

    def __init__(self, s: Settings, flat, grad, count, m, v, tmp):
        self.s, self.flat, self.grad, self.tmp = s, flat, grad, tmp
        self.count, self.m, self.v = count, m, v
        self.beta1, self.beta2 = np.array(s.beta1), np.array(s.beta2)
        self.rest1, self.rest2 = np.array(1.0 - s.beta1), np.array(1.0 - s.beta2)

    def __call__(self) -> None:
        s, m, v, g, tmp = self.s, self.m, self.v, self.grad, self.tmp
        self.count[0] += 1.0
        t = self.count[0]
        np.multiply(m, self.beta1, m)
        np.multiply(g, self.rest1, tmp)
        np.add(m, tmp, m)
        np.multiply(v, self.beta2, v)
        np.multiply(g, g, tmp)
        np.multiply(tmp, self.rest2, tmp)
        np.add(v, tmp, v)
        # lr * (m / c1) / (sqrt(v / c2) + eps) == (lr sqrt(c2) / c1) m / (sqrt(v) + eps sqrt(c2))
        root_c2 = math.sqrt(1.0 - s.beta2**t)
        np.sqrt(v, tmp)
        np.add(tmp, s.eps * root_c2, tmp)
        np.divide(m, tmp, tmp)
        np.multiply(tmp, -s.lr * root_c2 / (1.0 - s.beta1**t), tmp)
        np.add(self.flat, tmp, self.flat)
