"""The numerical engine: one fully-connected network on fixed, feature-expanded arrays.

Speed is the point of this module.  A tiny network's epoch is a few dozen NumPy
calls of well under a microsecond each, so the engine

* keeps every parameter in one flat vector whose per-layer blocks ``[W^T | b]``
  (n_out, n_in + 1) multiply inputs augmented with a constant row: each layer's
  forward is one matrix product, and so is its whole weight-and-bias gradient;
* stores arrays feature-major, (units, samples), in buffers allocated once;
* prepares every step as a flat list of ``functools.partial`` calls writing into
  those buffers (activations.py and losses.py explain the scaled storage that
  saves a multiply per sigmoid layer);
* in full-batch training runs ONE forward pass over train and test stacked after
  each update: it yields both sets' metrics (one product with a train/test
  indicator matrix sums them) and the activations the next backward pass needs;
  the backward pass runs over all those columns, with the output delta of the
  test columns held at zero, so every product is over contiguous arrays.

Public methods run with NumPy's floating-point warnings off: overflow only
happens while diverging, which `Engine.epoch` detects and undoes.
"""

from __future__ import annotations

import functools
import math
from functools import partial

import numpy as np

from .activations import activation
from .initializers import initial_layer
from .losses import make_head
from .optimizers import STATE_VECTORS, Settings, folds_rate, penalty, penalty_ops, update_ops

# Up to this many stacked samples the backward pass spans all of them (contiguous
# calls); above it, only the training columns (less arithmetic wasted on test data).
_ALL_COLUMNS_LIMIT = 2048
# Up to this many parameters the gradient scaling is one product with
# [diag(scale) | scale], which also sums the step for the divergence check.
_DENSE_SCALE_LIMIT = 256
# A step whose entries sum beyond this is checked parameter by parameter.
_HUGE = 1e150

try:  # NumPy 2 keeps the error state in a context variable; setting it directly
    # costs a quarter of entering np.errstate, which matters once per epoch.
    from numpy._core._ufunc_config import _extobj_contextvar as _error_state

    with np.errstate(all="ignore"):
        _IGNORE = _error_state.get()
except (ImportError, AttributeError):  # pragma: no cover - other NumPy versions
    _error_state = None


def _quiet(method):
    """Run ``method`` with every NumPy floating-point warning off."""
    if _error_state is None:  # pragma: no cover
        return np.errstate(all="ignore")(method)

    @functools.wraps(method)
    def quiet(*args, **kwargs):
        token = _error_state.set(_IGNORE)
        try:
            return method(*args, **kwargs)
        finally:
            _error_state.reset(token)

    return quiet


class Engine:
    """Numerics of one fully-connected network on fixed, feature-expanded arrays.

    ``sizes`` = (n_inputs, *hidden_widths, n_outputs); ``activation`` is the hidden
    layers' (sigmoid, tanh, relu, leaky_relu, linear); ``output`` is 'sigmoid'
    (two classes, labels 0/1), 'softmax' (k classes, labels 0..k-1) or 'linear'
    (regression, float targets); ``loss`` is 'sse', 'mse', 'bce' or 'ce' (see
    losses.py); ``init`` is 'notebook', 'playground', 'glorot' or 'he'.  ``seed``
    draws the weights and, through a child stream, the mini-batch order.
    """

    def __init__(
        self,
        sizes: tuple[int, ...],
        activation: str,
        output: str,
        loss: str,
        init: str,
        seed: int,
        x_train: np.ndarray,
        y_train: np.ndarray,
        x_test: np.ndarray,
        y_test: np.ndarray,
    ):
        self.sizes = _check_sizes(sizes)
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed: expected a whole number >= 0, got {seed!r}")
        net = self._net = _Network(self.sizes, activation, output, loss)

        # One vector holds the parameters, Adam's step count and the optimizer's
        # vectors, so saving / restoring all of it around an epoch is one copy.
        p = net.n_params
        self._state = np.zeros(1 + 3 * p)
        self._saved = np.zeros_like(self._state)
        self.flat = self._state[:p]
        self._blocks = net.blocks(self.flat)
        self.params = [(block[:, :-1].T, block[:, -1]) for block in self._blocks]
        self._grad = np.zeros(p)
        self._grad_blocks = net.blocks(self._grad)
        self._tmp = np.zeros(p)
        self._weight_mask = net.per_layer([(1.0, 0.0)] * net.n_layers)
        self._checksum = np.zeros(1)  # sum of the last full-batch step (see _scale_ops)

        rng = np.random.default_rng(seed)
        for (w, b), (n_in, n_out) in zip(self.params, net.layer_shapes(), strict=True):
            w[...], b[...] = initial_layer(init, n_in, n_out, rng)
        self._shuffle_rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])

        self._set_data(x_train, y_train, x_test, y_test)
        self._settings: Settings | None = None
        self._epoch_ops: list = []
        self._batched = False
        self._cache_valid = False
        self._trusted = True  # the parameters are known to be finite
        self._metrics = (math.nan,) * 4

    # ------------------------------------------------------------------ data
    def _set_data(self, x_train, y_train, x_test, y_test) -> None:
        net, head = self._net, self._net.head
        x_train = _check_inputs("x_train", x_train, self.sizes[0])
        x_test = _check_inputs("x_test", x_test, self.sizes[0])
        targets = []
        for name, x, y in (("y_train", x_train, y_train), ("y_test", x_test, y_test)):
            rows = head.targets(y)
            if rows.shape[1] != len(x):
                raise ValueError(f"{name}: {rows.shape[1]} labels for {len(x)} samples")
            targets.append(rows)
        n_train, n_test = len(x_train), len(x_test)
        if n_train == 0:
            raise ValueError("x_train: at least one training sample is needed")
        self.n_train, self.n_test = n_train, n_test
        self._train_samples = (np.array(x_train, np.float64), np.array(y_train))

        n_all = n_train + n_test
        self._x_all = net.input_rows(np.concatenate([x_train, x_test]))
        self._y_all = np.ascontiguousarray(np.concatenate(targets, axis=1))
        self._x_train = np.ascontiguousarray(self._x_all[:, :n_train])
        self._y_train = np.ascontiguousarray(self._y_all[:, :n_train])

        # Multipliers turning per-set sums into losses and scores (NaN: no test set).
        no_test = math.nan
        self._loss_factors = (
            head.loss_factor(n_train),
            head.loss_factor(n_test) if n_test else no_test,
        )
        self._set_sizes = (n_train, n_test or no_test)
        if head.score == "r2":
            self._total_squares = tuple(
                float(np.sum((rows[0] - rows[0].mean()) ** 2)) if rows.size else no_test
                for rows in targets
            )

        self._eval = _Pass(net, n_all, n_train)
        indicator = np.zeros((n_all, 2))
        indicator[:n_train, 0] = 1.0
        indicator[n_train:, 1] = 1.0
        self._sums = np.zeros((head.metric_rows, 2))
        self._eval_ops = self._eval.forward_ops(self._x_all, self._y_all, self._blocks, True)
        self._eval_ops.append(partial(np.dot, self._eval.head.m, indicator, self._sums))

    # ------------------------------------------------------------------ training setup
    def set_training(
        self,
        optimizer: str,
        lr: float,
        momentum: float = 0.9,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        batch_size: int | None = None,
        l1: float = 0.0,
        l2: float = 0.0,
    ) -> None:
        """Choose how `epoch` trains; the weights are kept.  A new optimizer *kind*
        starts from fresh state (zero moments, step count 0); new rates keep it.

        Penalties act on weights only (never biases) and are added to every
        (mini-)batch objective: penalty = l1 * sum|W| + l2/2 * sum W^2.
        ``batch_size`` None (or >= the training set) trains full-batch; otherwise an
        epoch is ceil(n / batch_size) mini-batches in a fresh random order."""
        settings = Settings(optimizer, lr, momentum, beta1, beta2, eps, batch_size, l1, l2)
        p = self.flat.size
        if self._settings is None or self._settings.optimizer != optimizer:
            self._state[p:] = 0.0
        self._settings = settings
        used = p + 1 + STATE_VECTORS[optimizer] * p
        self._state_used, self._saved_used = self._state[:used], self._saved[:used]
        opt_state = [self._state[p : p + 1]]
        opt_state += [self._state[p + 1 + i * p : p + 1 + (i + 1) * p] for i in range(2)]

        def update(n: int, checked: bool) -> list:
            factor = -settings.lr if folds_rate(settings) else 1.0
            scale = factor * self._net.grad_scale(n)
            ops, grad, checksum = _scale_ops(self._grad, scale, checked)
            if checked:
                self._checksum = checksum
            mask, tmp = self._weight_mask, self._tmp
            return ops + update_ops(settings, self.flat, grad, opt_state, mask, tmp)

        n = self.n_train
        self._batched = batch_size is not None and batch_size < n
        if self._batched:
            train = self._batch_ops(batch_size, update)
        else:
            train = self._eval.backward_ops(
                self._x_all, self._y_all, self._blocks, self._grad_blocks
            )
            train += update(n, checked=True)
        save = partial(np.copyto, self._saved_used, self._state_used)
        self._epoch_ops = [save, *train, *self._eval_ops]

    def _batch_ops(self, size: int, update) -> list:
        """Forward, backward and update of every mini-batch of one epoch, in order,
        reading consecutive column ranges of the per-epoch shuffled copies."""
        n = self.n_train
        self._x_shuffled = np.zeros_like(self._x_train)
        self._y_shuffled = np.zeros_like(self._y_train)
        work = {}  # buffers and update per batch width (all full but maybe the last)
        ops = []
        for start in range(0, n, size):
            width = min(size, n - start)
            if width not in work:
                work[width] = (_Pass(self._net, width, width), update(width, checked=False))
            batch, update_batch = work[width]
            x = self._x_shuffled[:, start : start + width]
            y = self._y_shuffled[:, start : start + width]
            ops += batch.forward_ops(x, y, self._blocks, False)
            ops += batch.backward_ops(x, y, self._blocks, self._grad_blocks)
            ops += update_batch
        return ops

    # ------------------------------------------------------------------ training
    @_quiet
    def epoch(self) -> tuple[float, float, float, float]:
        """One epoch of training, then `evaluate` of the updated parameters.

        If a returned loss or any parameter is non-finite, the parameters and
        optimizer state are restored to before this epoch and metrics with
        non-finite losses are returned: the caller records the divergence."""
        if not self._epoch_ops:
            raise RuntimeError("Engine.epoch: call set_training(...) first")
        if self._batched:
            self._shuffle()
        elif not self._cache_valid:
            self._refresh()
        for op in self._epoch_ops:
            op()
        metrics = self._read_metrics()
        loss = metrics[0] + metrics[1] if self.n_test else metrics[0]
        if loss - loss == 0.0 and self._step_was_sane():
            self._cache_valid = self._trusted = True
            self._metrics = metrics
            return metrics
        return self._undo_divergent_epoch(metrics)

    def _step_was_sane(self) -> bool:
        """Are the parameters finite?  After one step from trusted parameters the
        step's checksum tells; otherwise look at the parameters themselves."""
        if self._trusted and not self._batched:
            total = self._checksum[0]
            if -_HUGE < total < _HUGE:
                return True
        elif math.isfinite(np.dot(self.flat, self.flat)):
            return True
        return bool(np.isfinite(self.flat).all())

    def _shuffle(self) -> None:
        """A fresh mini-batch order: shuffled copies of the training columns."""
        order = self._shuffle_rng.permutation(self.n_train)
        np.take(self._x_train, order, axis=1, out=self._x_shuffled, mode="wrap")
        np.take(self._y_train, order, axis=1, out=self._y_shuffled, mode="wrap")

    def _refresh(self) -> None:
        """Forward pass and metrics of the current parameters (fills the cache)."""
        for op in self._eval_ops:
            op()
        self._metrics = self._read_metrics()
        self._cache_valid = True

    def _undo_divergent_epoch(self, metrics):
        finite_params = bool(np.isfinite(self.flat).all())
        losses = metrics[: 2 if self.n_test else 1]
        if finite_params and all(math.isfinite(loss) for loss in losses):
            self._cache_valid = self._trusted = True  # huge but finite: not diverged
            self._metrics = metrics
            return metrics
        np.copyto(self._state_used, self._saved_used)
        self._cache_valid = False
        if all(math.isfinite(loss) for loss in losses):
            # Non-finite parameters behind saturated outputs: report the divergence.
            return (math.nan, math.nan, *metrics[2:])
        return metrics

    @_quiet
    def evaluate(self) -> tuple[float, float, float, float]:
        """(train_loss, test_loss, train_score, test_score) of the current parameters.

        Losses exclude the penalty and are comparable between the sets; the score
        is accuracy, or R^2 for regression.  Without test samples the test
        entries are NaN."""
        if not self._cache_valid:
            self._refresh()
        return self._metrics

    def _read_metrics(self) -> tuple[float, float, float, float]:
        (loss_train, loss_test), *counts = self._sums.tolist()
        f_train, f_test = self._loss_factors
        if counts:
            (right_train, right_test), (n_train, n_test) = counts[0], self._set_sizes
            return (
                loss_train * f_train,
                loss_test * f_test,
                right_train / n_train,
                right_test / n_test,
            )
        total_train, total_test = self._total_squares
        return (
            loss_train * f_train,
            loss_test * f_test,
            _r2(loss_train, total_train),
            _r2(loss_test, total_test),
        )

    def invalidate(self) -> None:
        """The caller changed ``params`` / ``flat`` in place: drop cached activations."""
        self._cache_valid = self._trusted = False

    # ------------------------------------------------------------------ inference
    @_quiet
    def forward(self, X: np.ndarray, dtype=np.float64) -> np.ndarray:
        """(n, n_outputs) output activations (probabilities or values) at the rows of X."""
        return self._infer(X, dtype)[-1]

    @_quiet
    def layer_outputs(self, X: np.ndarray, dtype=np.float32) -> list[np.ndarray]:
        """[X, A1, ..., output]: every layer's post-activation values, (n, units) each."""
        return self._infer(X, dtype)

    def _infer(self, X, dtype) -> list[np.ndarray]:
        net, dtype = self._net, np.dtype(dtype)
        X = _check_inputs("X", X, self.sizes[0], finite=False)
        n = len(X)
        if n == 0:
            return [np.zeros((0, width), dtype) for width in self.sizes]
        work = _Pass(net, n, n, dtype)
        blocks = [block.astype(dtype) for block in self._blocks]
        out = np.zeros((self.sizes[-1], n), dtype)
        ops = work.layer_ops(net.input_rows(X, dtype), blocks)
        ops += net.head.output_ops(work.z, out, work.head)
        for op in ops:
            op()
        hidden = [
            work.s[layer][:-1].T / net.in_scale[layer + 1] for layer in range(1, net.n_layers)
        ]
        return [np.ascontiguousarray(a) for a in (X.astype(dtype), *hidden, out.T)]

    # ------------------------------------------------------------------ checking
    @_quiet
    def objective_and_grad(self, X, y) -> tuple[float, np.ndarray]:
        """Data loss + penalty on (X, y), and its gradient with respect to ``flat``."""
        objective, grad = self._objective(X, y, with_grad=True)
        return objective(), grad.copy()

    @_quiet
    def gradient_check(self, eps: float = 1e-6) -> float:
        """Relative error ||analytic - numeric|| / (||analytic|| + ||numeric||) of the
        training-set objective's gradient, numeric by central differences of step eps."""
        objective, grad = self._objective(*self._train_samples, with_grad=True)
        objective()
        analytic = grad.copy()
        loss_only, _ = self._objective(*self._train_samples, with_grad=False)
        numeric = np.zeros_like(analytic)
        flat = self.flat
        for i, original in enumerate(flat.tolist()):
            flat[i] = original + eps
            upper = loss_only()
            flat[i] = original - eps
            lower = loss_only()
            flat[i] = original
            numeric[i] = (upper - lower) / (2.0 * eps)
        size = np.linalg.norm(analytic) + np.linalg.norm(numeric)
        return float(np.linalg.norm(analytic - numeric) / size) if size > 0 else 0.0

    def _objective(self, X, y, with_grad: bool):
        """A callable returning data loss + penalty on (X, y) for the current
        ``flat``; with_grad it also leaves that objective's gradient in ``grad``."""
        net = self._net
        X = _check_inputs("X", X, self.sizes[0])
        rows = net.head.targets(y)
        n = len(X)
        if n == 0 or rows.shape[1] != n:
            raise ValueError(f"y: {rows.shape[1]} labels for {n} samples (need >= 1)")
        x = net.input_rows(X)
        work = _Pass(net, n, n)
        settings = self._settings or Settings()
        l1, l2, mask = settings.l1, settings.l2, self._weight_mask
        grad = np.zeros_like(self.flat)
        ops = work.forward_ops(x, rows, self._blocks, True)
        if with_grad:
            ops += work.backward_ops(x, rows, self._blocks, net.blocks(grad))
            ops.append(partial(np.multiply, grad, net.grad_scale(n), grad))
            ops += penalty_ops(grad, self.flat, mask, l1, l2, np.zeros_like(grad))
        losses, factor = work.head.m[0], net.head.loss_factor(n)

        def objective() -> float:
            for op in ops:
                op()
            return float(np.sum(losses)) * factor + penalty(self.flat, mask, l1, l2)

        return objective, grad


class _Network:
    """Shape, activations and head of the network, and how its flat vector is laid out."""

    def __init__(self, sizes, activation_name: str, output: str, loss: str):
        self.sizes = sizes
        self.n_layers = len(sizes) - 1
        self.hidden = activation(activation_name)
        self.head = make_head(output, loss, sizes[-1])
        # in_scale[l]: the factor layer l's stored input carries (activations.py);
        # index 0 is unused, the output layer's comes from the head.
        self.in_scale = [1.0] + [self.hidden.input_scale] * (self.n_layers - 1)
        self.in_scale.append(self.head.input_scale)
        self.n_params = sum(n_out * (n_in + 1) for n_in, n_out in self.layer_shapes())

    def layer_shapes(self) -> list[tuple[int, int]]:
        """(n_in, n_out) of each layer, input side first."""
        return list(zip(self.sizes[:-1], self.sizes[1:], strict=True))

    def blocks(self, flat: np.ndarray) -> list[np.ndarray]:
        """Per-layer (n_out, n_in + 1) views [W^T | b] into ``flat``."""
        views, start = [], 0
        for n_in, n_out in self.layer_shapes():
            size = n_out * (n_in + 1)
            views.append(flat[start : start + size].reshape(n_out, n_in + 1))
            start += size
        return views

    def per_layer(self, values) -> np.ndarray:
        """A flat vector holding values[l] = (weight value, bias value) for layer l."""
        flat = np.zeros(self.n_params)
        for block, (weight, bias) in zip(self.blocks(flat), values, strict=True):
            block[:, :-1] = weight
            block[:, -1] = bias
        return flat

    def input_rows(self, X: np.ndarray, dtype=np.float64) -> np.ndarray:
        """Samples (n, d) as the first layer's stored input: (d + 1, n), augmented, scaled."""
        rows = np.empty((X.shape[1] + 1, len(X)), dtype)
        rows[:-1] = X.T
        rows[-1] = 1.0
        rows *= self.in_scale[1]
        return rows

    def grad_scale(self, n: int) -> np.ndarray:
        """Per-parameter factors turning a batch of n's raw gradient into the true one."""
        factor = self.head.delta_factor(n)
        per_layer = [0.0] * self.n_layers
        for layer in range(self.n_layers, 0, -1):
            per_layer[layer - 1] = factor / self.in_scale[layer]
            factor *= self.hidden.derivative_factor(self.in_scale[layer])
        return self.per_layer([(f, f) for f in per_layer])


class _Pass:
    """Work buffers of the network over ``n`` sample columns, the first ``n_train``
    of which are trained on, and the prepared operations that use them."""

    def __init__(self, net: _Network, n: int, n_train: int, dtype=np.float64):
        self.net, self.n, self.n_train = net, n, n_train
        # Columns the deltas propagate over (see _ALL_COLUMNS_LIMIT).
        self.span = n if n <= _ALL_COLUMNS_LIMIT else n_train
        widths = net.sizes[1:-1]
        # s[l]: hidden layer l's output times in_scale[l + 1], plus the constant row.
        self.s = [None]
        for layer, width in enumerate(widths, start=1):
            stored = np.zeros((width + 1, n), dtype)
            stored[-1] = net.in_scale[layer + 1]
            self.s.append(stored)
        self.z = np.zeros((net.sizes[-1], n), dtype)
        self.head = net.head.buffers(n, dtype)
        self.d = [None] + [np.zeros((w, self.span), dtype) for w in widths] + [self.head.d]
        self.tmp = [None] + [np.zeros((w, n), dtype) for w in widths]

    def layer_ops(self, x, blocks) -> list:
        """Through every layer up to the output's scaled pre-activation ``self.z``."""
        net, ops, inputs = self.net, [], x
        for layer in range(1, net.n_layers):
            out = self.s[layer][:-1]
            ops.append(_product(blocks[layer - 1], inputs, out))
            ops += net.hidden.forward_ops(out, net.in_scale[layer + 1], self.tmp[layer])
            inputs = self.s[layer]
        ops.append(_product(blocks[-1], inputs, self.z))
        return ops

    def forward_ops(self, x, y, blocks, metrics: bool) -> list:
        head, b = self.net.head, self.head
        ops = self.layer_ops(x, blocks) + head.core_ops(self.z, y, b)
        return ops + head.metric_ops(self.z, y, b) if metrics else ops

    def backward_ops(self, x, y, blocks, grad_blocks) -> list:
        """Output delta on the training columns, then every layer's raw gradient.

        The output delta of other columns stays zero (nothing writes it), so the
        deltas below are zero there too and the products may span them."""
        net, train, span = self.net, self.n_train, self.span
        head_view = _columns(self.head, train)
        ops = net.head.delta_ops(self.z[:, :train], y[:, :train], head_view)
        for layer in range(net.n_layers, 0, -1):
            delta = self.d[layer][:, :span]
            inputs = x if layer == 1 else self.s[layer - 1]
            ops.append(_product(delta, inputs[:, :span].T, grad_blocks[layer - 1]))
            if layer > 1:
                below = self.d[layer - 1]
                ops.append(_product(blocks[layer - 1][:, :-1].T, delta, below))
                stored = self.s[layer - 1][:-1, :span]
                scale, tmp = net.in_scale[layer], self.tmp[layer - 1][:, :span]
                ops += net.hidden.derivative_ops(below, stored, scale, tmp)
        return ops


def _columns(buffers, cols: int):
    """The same namespace of buffers restricted to their first ``cols`` columns."""
    view = type(buffers)()
    for name, array in vars(buffers).items():
        setattr(view, name, array[..., :cols])
    return view


def _product(a, b, out):
    """A prepared ``out = a @ b``: np.dot is quicker on contiguous operands, np.matmul
    on strided ones (np.dot would copy them first)."""
    blas_ready = all(m.flags.c_contiguous or m.flags.f_contiguous for m in (a, b))
    return partial(np.dot if blas_ready else np.matmul, a, b, out)


def _scale_ops(grad, scale, checked: bool):
    """(ops, scaled, checksum): ops leaving ``grad * scale`` in ``scaled``; when
    ``checked``, ``checksum`` (1,) receives the sum of the scaled entries, which is
    non-finite or huge when the step is."""
    size = grad.size
    if not checked:
        return [partial(np.multiply, grad, scale, grad)], grad, None
    if size <= _DENSE_SCALE_LIMIT:
        matrix = np.zeros((size, size + 1))
        matrix[np.arange(size), np.arange(size)] = scale
        matrix[:, -1] = scale
        result = np.zeros(size + 1)
        return [partial(np.dot, grad, matrix, result)], result[:-1], result[-1:]
    checksum = np.zeros(1)
    ops = [
        partial(np.multiply, grad, scale, grad),
        partial(np.dot, grad, np.ones((size, 1)), checksum),
    ]
    return ops, grad, checksum


def _r2(residual: float, total: float) -> float:
    # As scikit-learn: a constant target scores 1 when fitted exactly, else 0.
    if total > 0.0:
        return 1.0 - residual / total
    if math.isnan(total) or math.isnan(residual):
        return math.nan
    return 1.0 if residual == 0.0 else 0.0


def _check_sizes(sizes) -> tuple[int, ...]:
    try:
        sizes = tuple(sizes)
    except TypeError:
        raise ValueError(f"sizes: expected a sequence of layer widths, got {sizes!r}") from None
    if len(sizes) < 2:
        raise ValueError(f"sizes: need at least inputs and outputs, got {sizes!r}")
    for width in sizes:
        if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or width < 1:
            raise ValueError(f"sizes: every width must be a whole number >= 1, got {sizes!r}")
    return tuple(int(w) for w in sizes)


def _check_inputs(name: str, X, n_features: int, finite: bool = True) -> np.ndarray:
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != n_features:
        raise ValueError(f"{name}: expected shape (samples, {n_features}), got {X.shape}")
    if not (np.issubdtype(X.dtype, np.number) or X.dtype == bool):
        raise ValueError(f"{name}: expected numbers, got dtype {X.dtype}")
    if finite and not np.all(np.isfinite(X)):
        raise ValueError(f"{name}: contains NaN or infinite values")
    return X
