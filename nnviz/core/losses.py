"""Output layer + loss ("heads"): targets, per-sample losses, accuracy and the output delta.

A head works on the output layer's pre-activation ``z`` (shape (k, samples),
already multiplied by the head's ``input_scale``) and prepares in-place NumPy
operations, like the activations do:

* ``core_ops``   what both the metrics and the delta need;
* ``metric_ops`` fill ``b.m``: row 0 the per-sample loss (times ``loss_factor(n)``
  summed over a set gives that set's loss), row 1 (classification) a per-sample
  score s such that offset + weight * s is 1 where the sample is classified
  correctly, else 0 (``score_terms`` gives weight and offset per sample);
* ``delta_ops``  fill ``b.d`` with dLoss/dz up to the constant ``delta_factor(n)``
  for a batch of n samples.  The engine runs them on the training columns only
  and relies on them being the only writer of ``b.d``: its other columns stay 0.
  A head with ``squared_derivative`` may have the engine square its ``b.e``
  into the loss row and hand it ``b.g`` = T^2 - 1 (T = ``b.t``), computed with
  the hidden layers' derivative factors; with ``b.g`` None it does both itself.

Conventions: 'sse' is the notebook's sum over samples of the squared error
(summed over outputs), 'mse' is that divided by the number of samples, 'bce'
and 'ce' are means over samples.  Squared losses on softmax compare against
one-hot targets.  Sigmoid outputs are computed as 0.5 + 0.5*tanh(z/2) and
binary cross-entropy straight from the logit, so no value of z overflows.
A sigmoid sample is class 1 when its output is above 0.5; softmax takes the
first arg-max.
"""

from __future__ import annotations

from functools import partial
from types import SimpleNamespace

import numpy as np

from .activations import const


class Head:
    """Base of the heads: per-sample target rows, buffers and loss conventions."""

    output = ""
    loss = ""
    input_scale = 1.0
    metric_rows = 2
    score = "accuracy"
    squared_derivative = False

    def __init__(self, n_outputs: int, mean: bool):
        self.k = n_outputs
        self.mean = mean

    def _per(self, n: int) -> float:
        return 1.0 / n if self.mean else 1.0

    def loss_factor(self, n: int) -> float:
        return self._per(n)

    def buffers(self, n: int, dtype, d=None, m=None, t=None) -> SimpleNamespace:
        """Work arrays over n samples; ``d`` (k, n), ``m`` (metric_rows, n) and ``t``
        (k, n) may be handed in as views of the caller's stacked buffers."""
        shape = (self.k, n)
        return SimpleNamespace(
            m=np.zeros((self.metric_rows, n), dtype) if m is None else m,
            d=np.zeros(shape, dtype) if d is None else d,
            t=np.zeros(shape, dtype) if t is None else t,
            e=np.zeros(shape, dtype),
            g=None,
        )

    def core_ops(self, z, y, b) -> list:
        return []

    def score_terms(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(weight, offset) per sample of the target ``rows``: score row 1 holds the
        correctness itself."""
        n = rows.shape[1]
        return np.ones(n), np.zeros(n)

    def check_labels(self, y: np.ndarray) -> np.ndarray:
        y = np.asarray(y)
        if y.ndim != 1:
            raise ValueError(f"y: expected one label per sample (1-D), got shape {y.shape}")
        if not np.issubdtype(y.dtype, np.number) or not np.all(np.isfinite(y)):
            raise ValueError("y: labels must be finite numbers")
        labels = y.astype(np.int64)
        if (
            np.any(labels != y)
            or labels.min(initial=0) < 0
            or labels.max(initial=0) >= self.classes
        ):
            raise ValueError(f"y: class labels must be whole numbers 0..{self.classes - 1}")
        return labels

    @property
    def classes(self) -> int:
        return self.k


class SigmoidHead(Head):
    """One sigmoid output for two classes; targets are stored as S = 2y - 1 (+-1).

    Both losses keep T = tanh(z/2) = 2a - 1 in ``b.t``.  The score row is the
    prediction P = [a > 0.5] = [T > 0] = ceil(max(T, 0)), two cheap float
    operations where a comparison would cost a slow cast to float: exact for every
    T in [-1, 1] (an output of exactly 0.5 is class 0) and 0 for NaN.  A sample is
    right when P = y, i.e. (1 - S)/2 + S * P is 1."""

    output = "sigmoid"
    input_scale = 0.5
    classes = 2

    def targets(self, y) -> np.ndarray:
        return (2.0 * self.check_labels(y) - 1.0)[None, :]

    def score_terms(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        sign = rows[0]
        return sign, (1.0 - sign) / 2.0

    def core_ops(self, z, y, b) -> list:
        return [partial(np.tanh, z, b.t)]

    def _prediction_ops(self, b) -> list:
        score = b.m[1:2]
        return [partial(np.fmax, b.t, const(0.0, b.t), score), partial(np.ceil, score, score)]

    def output_ops(self, z, out, b) -> list:
        return [
            partial(np.tanh, z, out),
            partial(np.multiply, out, const(0.5, out), out),
            partial(np.add, out, const(0.5, out), out),
        ]


class SigmoidSquared(SigmoidHead):
    """sse / mse on a sigmoid output.  With E = T - S (``b.e``): a - y = E/2 and
    a(1 - a) = (1 - T^2)/4 = -E(T + S)/4, so the per-sample squared error is E^2/4
    and its z-derivative -(E^2)(T + S)/4 = -(T^2 - 1)E/4 per unit of 2."""

    loss = "sse"
    squared_derivative = True

    def loss_factor(self, n: int) -> float:
        return 0.25 * self._per(n)

    def delta_factor(self, n: int) -> float:
        return -0.25 * self._per(n)

    def core_ops(self, z, y, b) -> list:
        return [
            *super().core_ops(z, y, b),
            partial(np.subtract, b.t, y[0:1], b.e),
            *([partial(np.square, b.e, b.m[0:1])] if b.g is None else []),
        ]

    def metric_ops(self, z, y, b) -> list:
        return self._prediction_ops(b)

    def delta_ops(self, z, y, b) -> list:
        if b.g is not None:
            return [partial(np.multiply, b.g, b.e, b.d)]
        return [
            partial(np.add, b.t, y[0:1], b.d),
            partial(np.multiply, b.d, b.m[0:1], b.d),
        ]


class SigmoidCrossEntropy(SigmoidHead):
    """Binary cross-entropy from the logit: loss = softplus(-S z), stable for any z."""

    loss = "bce"

    def targets(self, y) -> np.ndarray:
        rows = super().targets(y)
        return np.concatenate([rows, -2.0 * rows])  # row 1: -2S turns z/2 into -S z

    def delta_factor(self, n: int) -> float:
        return 0.5 * self._per(n)  # dL/dz = (a - y)/n = E/(2n)

    def metric_ops(self, z, y, b) -> list:
        x, loss, tmp = b.e, b.m[0:1], b.m[1:2]
        # softplus(x) = max(x, 0) + log1p(exp(-|x|)); the score row is free until
        # the prediction is written into it.
        return [
            partial(np.multiply, z, y[1:2], x),
            partial(np.abs, x, tmp),
            partial(np.negative, tmp, tmp),
            partial(np.exp, tmp, tmp),
            partial(np.log1p, tmp, tmp),
            partial(np.maximum, x, const(0.0, x), out=loss),
            partial(np.add, loss, tmp, loss),
            *self._prediction_ops(b),
        ]

    def delta_ops(self, z, y, b) -> list:
        return [partial(np.subtract, b.t, y[0:1], b.d)]


class SoftmaxHead(Head):
    """k >= 2 softmax outputs; targets are the one-hot rows plus a label row."""

    output = "softmax"

    def targets(self, y) -> np.ndarray:
        labels = self.check_labels(y)
        onehot = (labels[None, :] == np.arange(self.k)[:, None]).astype(np.float64)
        return np.concatenate([onehot, labels[None, :].astype(np.float64)])

    def buffers(self, n: int, dtype, d=None, m=None, t=None) -> SimpleNamespace:
        b = super().buffers(n, dtype, d, m, t)
        b.p = np.zeros((self.k, n), dtype)
        b.colmax = np.zeros(n, dtype)
        b.colsum = np.zeros(n, dtype)
        b.colaux = np.zeros(n, dtype)
        b.label = np.zeros(n, np.intp)
        return b

    def output_ops(self, z, out, b) -> list:
        return self._softmax_ops(z, out, b)

    def _softmax_ops(self, z, p, b) -> list:
        # Shift by the column maximum so exp never overflows.
        return [
            partial(np.maximum.reduce, z, axis=0, out=b.colmax),
            partial(np.subtract, z, b.colmax, b.e),
            partial(np.exp, b.e, p),
            partial(np.add.reduce, p, axis=0, out=b.colsum),
            partial(np.divide, p, b.colsum, p),
        ]

    def _accuracy_ops(self, z, y, b) -> list:
        return [
            partial(np.argmax, z, axis=0, out=b.label),
            partial(np.equal, b.label, y[self.k], b.m[1]),
        ]


class SoftmaxCrossEntropy(SoftmaxHead):
    loss = "ce"

    def __init__(self, n_outputs: int, mean: bool = True):
        super().__init__(n_outputs, True)

    def delta_factor(self, n: int) -> float:
        return 1.0 / n

    def core_ops(self, z, y, b) -> list:
        return self._softmax_ops(z, b.p, b)

    def metric_ops(self, z, y, b) -> list:
        # loss = log(sum exp(z - max)) - (z_label - max); b.e holds z - max.
        loss = b.m[0]
        return [
            partial(np.multiply, b.e, y[: self.k], b.t),
            partial(np.add.reduce, b.t, axis=0, out=b.colaux),
            partial(np.log, b.colsum, loss),
            partial(np.subtract, loss, b.colaux, loss),
            *self._accuracy_ops(z, y, b),
        ]

    def delta_ops(self, z, y, b) -> list:
        return [partial(np.subtract, b.p, y[: self.k], b.d)]


class SoftmaxSquared(SoftmaxHead):
    """Squared error between softmax probabilities and one-hot targets; b.t holds P - Y."""

    loss = "sse"

    def delta_factor(self, n: int) -> float:
        return 2.0 * self._per(n)

    def core_ops(self, z, y, b) -> list:
        return [*self._softmax_ops(z, b.p, b), partial(np.subtract, b.p, y[: self.k], b.t)]

    def metric_ops(self, z, y, b) -> list:
        return [
            partial(np.square, b.t, b.e),
            partial(np.add.reduce, b.e, axis=0, out=b.m[0]),
            *self._accuracy_ops(z, y, b),
        ]

    def delta_ops(self, z, y, b) -> list:
        # Through the softmax Jacobian: d_j = p_j (g_j - sum_i g_i p_i), g = P - Y.
        return [
            partial(np.multiply, b.t, b.p, b.e),
            partial(np.add.reduce, b.e, axis=0, out=b.colaux),
            partial(np.subtract, b.t, b.colaux, b.d),
            partial(np.multiply, b.d, b.p, b.d),
        ]


class LinearSquared(Head):
    """Regression: one linear output, sse / mse; the score is R^2."""

    output = "linear"
    loss = "sse"
    metric_rows = 1
    score = "r2"

    def targets(self, y) -> np.ndarray:
        y = np.asarray(y)
        if y.ndim != 1 or not np.issubdtype(y.dtype, np.number):
            raise ValueError(f"y: expected one number per sample (1-D), got shape {y.shape}")
        if not np.all(np.isfinite(y)):
            raise ValueError("y: regression targets must be finite")
        return y.astype(np.float64)[None, :]

    def delta_factor(self, n: int) -> float:
        return 2.0 * self._per(n)

    def core_ops(self, z, y, b) -> list:
        return [partial(np.subtract, z, y, b.e)]  # a - y

    def metric_ops(self, z, y, b) -> list:
        return [partial(np.square, b.e, b.m)]

    def delta_ops(self, z, y, b) -> list:
        return [partial(np.copyto, b.d, b.e)]

    def output_ops(self, z, out, b) -> list:
        return [partial(np.copyto, out, z)]


OUTPUTS = ("sigmoid", "softmax", "linear")
_HEADS = {
    ("sigmoid", "sse"): SigmoidSquared,
    ("sigmoid", "mse"): SigmoidSquared,
    ("sigmoid", "bce"): SigmoidCrossEntropy,
    ("softmax", "sse"): SoftmaxSquared,
    ("softmax", "mse"): SoftmaxSquared,
    ("softmax", "ce"): SoftmaxCrossEntropy,
    ("linear", "sse"): LinearSquared,
    ("linear", "mse"): LinearSquared,
}


def make_head(output: str, loss: str, n_outputs: int) -> Head:
    """The head for an output activation and loss; ValueError for a mismatch."""
    if output not in OUTPUTS:
        raise ValueError(f"output: {output!r} is not one of {', '.join(OUTPUTS)}")
    cls = _HEADS.get((output, loss))
    if cls is None:
        fits = [name for (out, name) in _HEADS if out == output]
        raise ValueError(f"loss: {loss!r} does not fit a {output} output; use one of {fits}")
    if output == "softmax" and n_outputs < 2:
        raise ValueError(f"sizes: a softmax output needs >= 2 units, got {n_outputs}")
    if output != "softmax" and n_outputs != 1:
        raise ValueError(f"sizes: a {output} output has exactly 1 unit, got {n_outputs}")
    head = cls(n_outputs, mean=(loss != "sse"))
    head.loss = loss
    return head
