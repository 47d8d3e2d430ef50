"""The numerical engine: one fully-connected network on fixed, feature-expanded arrays.

Speed is the point of this module.  A tiny network's epoch is a couple of dozen
NumPy calls costing about half a microsecond each whatever their size, so the
engine makes as few calls as it can:

* every parameter lives in one flat vector whose per-layer blocks ``[W^T | b]``
  (n_out, n_in + 1) multiply inputs carrying a constant row, so a layer's
  forward pass is one matrix product;
* arrays are feature-major, (units, samples), in buffers allocated once, and
  every step is a prepared list of ``functools.partial`` calls writing into them
  (activations.py and losses.py explain the scaled and raw storage of layer
  outputs that spares the separate multiplies a sigmoid would need);
* all deltas are rows of one buffer and all layer inputs rows of another (see
  `_Pass`), so ONE product yields every layer's gradient, and one more gathers
  and scales them into the step (also summing the step, to spot divergence);
* full-batch training runs ONE forward pass over train and test stacked after
  each update: it gives both sets' metrics (summed by the same product, through
  train/test indicator rows) and everything the next step needs.  The output
  delta of test columns is held at zero, so they add nothing to the gradient.

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
# calls); above it only the training columns, not to waste arithmetic on test data.
_ALL_COLUMNS_LIMIT = 2048
# Largest selection matrix (entries) for the one-product gradient gathering;
# bigger networks take one product per layer instead.
_FUSED_LIMIT = 200_000

try:  # NumPy 2 keeps the error state in a context variable; setting it directly
    # costs a quarter of entering np.errstate, which matters once per epoch.
    from numpy._core._ufunc_config import _extobj_contextvar as _error_state

    with np.errstate(all="ignore"):
        _quiet_on = partial(_error_state.set, _error_state.get())
    _quiet_off = _error_state.reset
except (ImportError, AttributeError):  # pragma: no cover - other NumPy versions

    def _quiet_on():
        state = np.errstate(all="ignore")
        state.__enter__()
        return state

    def _quiet_off(state):
        state.__exit__(None, None, None)


def _quiet(method):
    """Run ``method`` with every NumPy floating-point warning off."""

    @functools.wraps(method)
    def quiet(*args, **kwargs):
        token = _quiet_on()
        try:
            return method(*args, **kwargs)
        finally:
            _quiet_off(token)

    return quiet


class Engine:
    """Numerics of one fully-connected network on fixed, feature-expanded arrays.

    ``sizes`` = (n_inputs, *hidden_widths, n_outputs); ``activation`` is the hidden
    layers' (sigmoid, tanh, relu, leaky_relu, linear); ``output`` is 'sigmoid'
    (two classes, labels 0/1), 'softmax' (k classes, labels 0..k-1) or 'linear'
    (regression, float targets); ``loss`` is 'sse', 'mse', 'bce' or 'ce' (see
    losses.py); ``init`` is 'notebook', 'playground', 'glorot' or 'he'.  ``seed``
    draws the weights and, through a child stream
    ``np.random.SeedSequence(seed).spawn(1)[0]``, the mini-batch order.
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
        p = net.n_params
        self._set_data(x_train, y_train, x_test, y_test)

        # One vector holds the parameters, Adam's step count and the optimizer's
        # vectors, so saving / restoring all of it around an epoch is one copy.  The
        # full-batch gradient product sits right before it: the product that turns
        # the product into the step also reads the parameters (see `_Pass.gradient_ops`).
        front = self._eval.product_size() if self._self_checking else 0
        memory = np.zeros(front + 1 + 3 * p)
        self._product_and_params = memory[: front + p]
        self._state = memory[front:]
        self._saved = np.zeros_like(self._state)
        self.flat = self._state[:p]
        self._blocks = net.blocks(self.flat)
        self.params = [(block[:, :-1].T, block[:, -1]) for block in self._blocks]
        self._weight_mask = net.per_layer([(1.0, 0.0)] * net.n_layers)
        self._tmp = np.zeros(p)

        rng = np.random.default_rng(seed)
        for (w, b), (n_in, n_out) in zip(self.params, net.layer_shapes(), strict=True):
            w[...], b[...] = initial_layer(init, n_in, n_out, rng)
        self._shuffle_rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])

        self._eval_forward = self._eval.forward_ops(self._eval.x, self._y_all, self._blocks, True)
        self._metric_ops = [*self._eval_forward, *self._eval.sums_ops(self._readout)]
        self._settings: Settings | None = None
        self._epoch_ops: list = []
        self._state_used = self._state[:p]
        self._refresh_ops = self._metric_ops
        self._batched = False
        self._fast = False  # may epoch() take the self-checking full-batch path?
        self._cache_valid = False
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

        x_all = net.input_rows(np.concatenate([x_train, x_test]))
        self._y_all = np.ascontiguousarray(np.concatenate(targets, axis=1))
        self._x_train = np.ascontiguousarray(x_all[:, :n_train])
        self._y_train = np.ascontiguousarray(self._y_all[:, :n_train])

        # Multipliers turning per-set sums into losses (NaN: no test set).
        no_test = math.nan
        self._loss_factors = (
            head.loss_factor(n_train),
            head.loss_factor(n_test) if n_test else no_test,
        )
        self._set_sizes = (n_train, n_test or no_test)
        # Right answers in a set = its score offset + the weighted score sum.
        self._score_offsets = tuple(float(head.score_terms(rows)[1].sum()) for rows in targets)
        if head.score == "r2":
            self._total_squares = tuple(
                float(np.sum((rows[0] - rows[0].mean()) ** 2)) if rows.size else no_test
                for rows in targets
            )

        # Train and test stacked: the forward pass up to per-sample metric rows, then
        # (when only evaluating) their per-set sums.
        self._eval = _Pass(net, n_train + n_test, n_train, data=x_all, targets=self._y_all)
        # The readout: [step (p) | next weights of raw-input layers | check | per-set
        # metric sums (rows x {train, test})]; see `_Pass.gradient_ops`.
        p, n_next = net.n_params, net.raw_weight_size()
        self._readout = np.zeros(p + n_next + 1 + 2 * head.metric_rows)
        self._step = self._readout[:p]
        self._read_tail = self._readout[p + n_next :].tolist
        self._eval.use_weight_buffers(self._readout[p : p + n_next])
        # Full-batch training checks itself when the gradient is one fused product.
        self._self_checking = self._eval.fused(self._readout.size, external=False)

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
        factor = -settings.lr if folds_rate(settings) else 1.0

        def update(step) -> list:
            mask, tmp = self._weight_mask, self._tmp
            return update_ops(settings, self.flat, step, opt_state, mask, tmp)

        save = partial(np.copyto, self._saved_used, self._state_used)
        n = self.n_train
        self._batched = batch_size is not None and batch_size < n
        if self._batched:
            self._refresh_ops = self._metric_ops
            batches = self._batch_ops(batch_size, factor, update)
            self._epoch_ops = [save, *batches, *self._metric_ops]
        else:
            # The step an epoch applies was prepared, with the metric sums, at the
            # end of the previous one (or by _refresh).  Plain SGD adds exactly that
            # step, so the same product also yields the next weights of raw-input
            # layers, sparing the epoch their weight products (see gradient_ops).
            ahead = self._self_checking and settings.optimizer == "sgd" and folds_rate(settings)
            maps = self._net.gradient_maps(n, factor)
            vector = self._product_and_params if self._self_checking else None
            eval_pass, y, blocks = self._eval, self._y_all, self._blocks
            backward = [
                *eval_pass.backward_ops(y, blocks),
                *eval_pass.gradient_ops(eval_pass.x, maps, self._readout, vector, ahead),
            ]
            self._refresh_ops = [*self._eval_forward, *backward]
            forward = eval_pass.forward_ops(eval_pass.x, y, blocks, True, raw_weights=not ahead)
            self._epoch_ops = [save, *update(self._step), *forward, *backward]
        self._fast = self._self_checking and not self._batched
        self._cache_valid = False  # the prepared step depends on the settings

    def _batch_ops(self, size: int, factor: float, update) -> list:
        """Forward, backward and update of every mini-batch of one epoch, in order,
        reading consecutive column ranges of the per-epoch shuffled copies."""
        n, p = self.n_train, self.flat.size
        self._x_shuffled = np.zeros_like(self._x_train)
        self._y_shuffled = np.zeros_like(self._y_train)
        readout = np.zeros(p + 1)
        update_batch = update(readout[:p])
        work = {}  # one work pass per batch width: all full but maybe the last
        ops = []
        for start in range(0, n, size):
            width = min(size, n - start)
            if width not in work:
                work[width] = _Pass(self._net, width, width)
            batch = work[width]
            x = self._x_shuffled[:, start : start + width]
            y = self._y_shuffled[:, start : start + width]
            ops += batch.forward_ops(x, y, self._blocks, False)
            ops += batch.backward_ops(y, self._blocks)
            ops += batch.gradient_ops(x, self._net.gradient_maps(width, factor), readout)
            ops += update_batch
        return ops

    # ------------------------------------------------------------------ training
    def epoch(self) -> tuple[float, float, float, float]:
        """One epoch of training, then `evaluate` of the updated parameters.

        If a returned loss or any parameter is non-finite, the parameters and
        optimizer state are restored to before this epoch and metrics with
        non-finite losses are returned: the caller records the divergence."""
        # The hot path is written out flat: at a few microseconds per epoch every
        # call counts.  Full-batch training with one fused gradient product reads
        # its own check, the sum of the new parameters and both loss sums: it is
        # finite exactly when all of them are (an infinity or NaN among the terms
        # makes the sum inf or NaN; a finite sum overflowing only sends a healthy
        # epoch to the exact checks below).
        quiet = _quiet_on()
        try:
            if self._fast and self._cache_valid:
                for op in self._epoch_ops:
                    op()
                tail = self._read_tail()
                check = tail[0]
                metrics = self._metrics_of(tail)
                if check - check == 0.0:
                    self._metrics = metrics
                    return metrics
                return self._settle(metrics)
            return self._general_epoch()
        finally:
            _quiet_off(quiet)

    def _general_epoch(self) -> tuple[float, float, float, float]:
        """`epoch` for mini-batches, big networks and a stale cache."""
        if not self._epoch_ops:
            raise RuntimeError("Engine.epoch: call set_training(...) first")
        if not self._cache_valid:
            self._refresh()
        if self._batched:
            self._shuffle()
        for op in self._epoch_ops:
            op()
        return self._settle(self._metrics_of(self._read_tail()))

    def _shuffle(self) -> None:
        """A fresh mini-batch order: shuffled copies of the training columns."""
        order = self._shuffle_rng.permutation(self.n_train)
        np.take(self._x_train, order, axis=1, out=self._x_shuffled, mode="wrap")
        np.take(self._y_train, order, axis=1, out=self._y_shuffled, mode="wrap")

    def _refresh(self) -> None:
        """Forward pass, metrics (and in full-batch training the next step) of the
        current parameters: fills the cache."""
        for op in self._refresh_ops:
            op()
        self._metrics = self._metrics_of(self._read_tail())
        self._cache_valid = True

    def _settle(self, metrics):
        """Keep an epoch whose losses and parameters are finite; otherwise restore
        the state from before it and report the divergence."""
        finite_params = self._params_finite()
        losses = metrics[: 2 if self.n_test else 1]
        if finite_params and all(math.isfinite(loss) for loss in losses):
            self._metrics = metrics
            self._cache_valid = True
            return metrics
        np.copyto(self._state_used, self._saved_used)
        self._cache_valid = False
        if all(math.isfinite(loss) for loss in losses):
            # Non-finite parameters behind saturated outputs: report the divergence.
            return (math.nan, math.nan, *metrics[2:])
        return metrics

    def _params_finite(self) -> bool:
        return math.isfinite(np.dot(self.flat, self.flat)) or bool(np.isfinite(self.flat).all())

    @_quiet
    def evaluate(self) -> tuple[float, float, float, float]:
        """(train_loss, test_loss, train_score, test_score) of the current parameters.

        Losses exclude the penalty and are comparable between the sets; the score
        is accuracy, or R^2 for regression.  Without test samples the test
        entries are NaN."""
        if not self._cache_valid:
            self._refresh()
        return self._metrics

    def _metrics_of(self, tail) -> tuple[float, float, float, float]:
        """Metrics from the readout's tail [check, loss_train, loss_test(, right_train,
        right_test)]: the per-set sums."""
        f_train, f_test = self._loss_factors
        if len(tail) == 5:
            n_train, n_test = self._set_sizes
            right_train, right_test = self._score_offsets
            return (
                tail[1] * f_train,
                tail[2] * f_test,
                (right_train + tail[3]) / n_train,
                (right_test + tail[4]) / n_test,
            )
        total_train, total_test = self._total_squares
        return (
            tail[1] * f_train,
            tail[2] * f_test,
            _r2(tail[1], total_train),
            _r2(tail[2], total_test),
        )

    def invalidate(self) -> None:
        """The caller changed ``params`` / ``flat`` in place: drop cached activations."""
        self._cache_valid = False

    @property
    def optimizer_state(self) -> np.ndarray:
        """A view of the optimizer's state, to save and restore a run exactly: a step
        count (Adam's), then momentum's velocity or Adam's two moment vectors (empty
        before `set_training`).  After writing into it, call `invalidate`."""
        return self._state[self.flat.size : len(self._state_used)]

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
        work = _Pass(net, n, n, dtype, backward=False)
        blocks = [block.astype(dtype) for block in self._blocks]
        out = np.zeros((self.sizes[-1], n), dtype)
        ops = work.layer_ops(net.input_rows(X, dtype), blocks)
        ops += net.head.output_ops(work.z, out, work.head)
        for op in ops:
            op()
        hidden = []
        for layer in range(1, net.n_layers):
            stored = work.s[layer][:-1].T
            if net.raw_input(layer + 1):
                alpha, beta = net.hidden.raw_output
                hidden.append(alpha * stored + beta)
            else:
                hidden.append(stored / net.in_scale[layer + 1])
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
        """(objective, grad): objective() returns data loss + penalty on (X, y) for the
        current ``flat``; with_grad it also leaves that objective's gradient in grad."""
        net = self._net
        X = _check_inputs("X", X, self.sizes[0])
        rows = net.head.targets(y)
        n = len(X)
        if n == 0 or rows.shape[1] != n:
            raise ValueError(f"y: {rows.shape[1]} labels for {n} samples (need >= 1)")
        work = _Pass(net, n, n, data=net.input_rows(X), targets=rows)
        settings = self._settings or Settings()
        l1, l2, mask = settings.l1, settings.l2, self._weight_mask
        p = self.flat.size
        readout = np.zeros(p + 1 + 2 * net.head.metric_rows)
        grad = readout[:p]
        ops = work.forward_ops(work.x, rows, self._blocks, True)
        if with_grad:
            ops += work.backward_ops(rows, self._blocks)
            ops += work.gradient_ops(work.x, net.gradient_maps(n), readout)
            ops += penalty_ops(grad, self.flat, mask, l1, l2, np.zeros(p))
        else:
            ops += work.sums_ops(readout)
        factor = net.head.loss_factor(n)

        def objective() -> float:
            for op in ops:
                op()
            return float(readout[p + 1]) * factor + penalty(self.flat, mask, l1, l2)

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

    def offsets(self) -> list[int]:
        """Where each layer's block starts in the flat vector."""
        sizes = [n_out * (n_in + 1) for n_in, n_out in self.layer_shapes()]
        return [0, *np.cumsum(sizes)[:-1].tolist()]

    def blocks(self, flat: np.ndarray) -> list[np.ndarray]:
        """Per-layer (n_out, n_in + 1) views [W^T | b] into ``flat``."""
        return [
            flat[start : start + n_out * (n_in + 1)].reshape(n_out, n_in + 1)
            for start, (n_in, n_out) in zip(self.offsets(), self.layer_shapes(), strict=True)
        ]

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

    def raw_weight_size(self) -> int:
        """Entries of all the weights computed for raw-input layers (see compute_map)."""
        layers = enumerate(self.layer_shapes(), start=1)
        return sum(n_out * (n_in + 1) for layer, (n_in, n_out) in layers if self.raw_input(layer))

    def raw_input(self, layer: int) -> bool:
        """Does ``layer`` read a hidden output stored raw (see activations.py)?"""
        return layer > 1 and self.hidden.raw_output is not None

    def input_map(self, layer: int) -> np.ndarray:
        """P, with [a; 1] = P @ (the stored input of ``layer``, constant row last)."""
        size = self.sizes[layer - 1] + 1
        if not self.raw_input(layer):
            return np.eye(size) / self.in_scale[layer]
        alpha, beta = self.hidden.raw_output
        affine = alpha * np.eye(size)
        affine[:-1, -1] = beta
        affine[-1, -1] = 1.0
        return affine

    def compute_map(self, layer: int) -> np.ndarray:
        """Q: ``layer``'s forward product uses B @ Q, which yields its scaled input
        from the raw stored one (only for raw inputs)."""
        return self.in_scale[layer] * self.input_map(layer)

    def gradient_maps(self, n: int, factor: float = 1.0) -> list[np.ndarray]:
        """Per layer l, M_l: the gradient of a batch of n's loss with respect to block
        l is (raw delta_l @ stored input_l^T) @ M_l^T, times ``factor``."""
        phi = factor * self.head.delta_factor(n)
        maps = [None] * self.n_layers
        for layer in range(self.n_layers, 0, -1):
            maps[layer - 1] = phi * self.input_map(layer)
            phi *= self.hidden.derivative_factor(self.in_scale[layer])
        return maps


class _Pass:
    """Work buffers of the network over ``n`` sample columns, the first ``n_train``
    of which are trained on, and the prepared operations that use them.

    Two stacked buffers make the gradient one product: ``right`` holds, as row
    blocks, the input (when it is fixed ``data``), each hidden layer's stored
    output with its constant row and, with ``metrics``, train/test indicator
    rows; ``left`` holds every layer's delta, output layer first, and the head's
    per-sample metric rows.  Each block of ``left @ right.T`` pairing a layer's
    delta with that layer's input is the layer's gradient; metric rows against
    indicator rows are the per-set sums."""

    def __init__(self, net, n, n_train, dtype=np.float64, data=None, targets=None, backward=True):
        self.net, self.n, self.n_train = net, n, n_train
        self.span = n if n <= _ALL_COLUMNS_LIMIT else n_train  # columns deltas cover
        widths, k = list(net.sizes[1:-1]), net.sizes[-1]
        metrics, rows = targets is not None, net.head.metric_rows

        right = [data.shape[0]] if data is not None else []
        right += [w + 1 for w in widths] + ([2 * rows] if metrics else [])
        self.right, views = _stacked(right, n, dtype)
        self.x = views.pop(0) if data is not None else None
        if self.x is not None:
            self.x[...] = data
        # s[l]: hidden layer l's stored output (activations.py) and constant row.
        self.s = [None]
        for layer in range(1, net.n_layers):
            self.s.append(views.pop(0))
            self.s[layer][-1] = 1.0 if net.raw_input(layer + 1) else net.in_scale[layer + 1]
        # c[l]: the weights of a layer reading a raw input (see compute_map).
        self.c = {
            layer: np.zeros((n_out, n_in + 1), dtype)
            for layer, (n_in, n_out) in enumerate(net.layer_shapes(), start=1)
            if net.raw_input(layer)
        }
        # indicator rows 2r, 2r + 1: the weights of metric row r on train / test
        # columns (the loss row's are 1, the score row's see losses.py).
        self.indicator = views.pop(0) if metrics else None
        if metrics:
            weights = [np.ones(n), net.head.score_terms(targets)[0]][:rows]
            for r, weight in enumerate(weights):
                self.indicator[2 * r, :n_train] = weight[:n_train]
                self.indicator[2 * r + 1, n_train:] = weight[n_train:]

        # d[l]: layer l's delta; left stacks them output first, then metric rows.
        deltas = [k, *widths[::-1]] if backward else [k]
        metric_rows = [rows] if metrics else []
        self.left, views = _stacked(deltas + metric_rows, n, dtype)
        self.d = [None] * (net.n_layers + 1)
        for layer in range(net.n_layers, 0, -1) if backward else [net.n_layers]:
            self.d[layer] = views.pop(0)
        self.head = net.head.buffers(n, dtype, self.d[-1], views.pop(0) if metrics else None)
        self.z = np.zeros((k, n), dtype)
        self.tmp = [None] + [np.zeros((w, n), dtype) for w in widths]

    def use_weight_buffers(self, buffer: np.ndarray) -> None:
        """Keep the raw-input layers' computed weights in consecutive blocks of
        ``buffer`` (where a fused gradient product may write the next ones)."""
        start = 0
        for layer, weights in self.c.items():
            self.c[layer] = buffer[start : start + weights.size].reshape(weights.shape)
            start += weights.size

    def layer_ops(self, x, blocks, raw_weights: bool = True) -> list:
        """Through every layer up to the output's scaled pre-activation ``self.z``;
        ``raw_weights`` False: the raw-input layers' weights ``self.c`` are ready."""
        net, ops, inputs = self.net, [], x
        for layer in range(1, net.n_layers + 1):
            weights = blocks[layer - 1]
            if layer in self.c:
                if raw_weights:
                    compute = net.compute_map(layer).astype(weights.dtype)
                    ops.append(partial(np.dot, weights, compute, self.c[layer]))
                weights = self.c[layer]
            if layer == net.n_layers:
                ops.append(_product(weights, inputs, self.z))
                return ops
            out = self.s[layer][:-1]
            ops.append(_product(weights, inputs, out))
            ops += net.hidden.forward_ops(out, net.in_scale[layer + 1], self.tmp[layer])
            inputs = self.s[layer]
        return ops

    def forward_ops(self, x, y, blocks, metrics: bool, raw_weights: bool = True) -> list:
        head, b = self.net.head, self.head
        ops = self.layer_ops(x, blocks, raw_weights) + head.core_ops(self.z, y, b)
        return ops + head.metric_ops(self.z, y, b) if metrics else ops

    def sums_ops(self, readout) -> list:
        """The per-set (weighted) metric sums into readout[-2 * metric rows:]: the
        diagonal blocks of ``m @ indicator.T``."""
        rows = self.head.m.shape[0]
        sums = np.zeros((rows, 2 * rows))
        diagonal = [r * 2 * rows + 2 * r + s for r in range(rows) for s in range(2)]
        return [
            _product(self.head.m, self.indicator.T, sums),
            partial(np.take, sums.reshape(-1), diagonal, out=readout[-2 * rows :]),
        ]

    def backward_ops(self, y, blocks) -> list:
        """The output delta on the training columns, propagated down to layer 1.

        The output delta of other columns stays zero (nothing writes it), so the
        deltas below are zero there too and products may span those columns."""
        net, train, span = self.net, self.n_train, self.span
        head_view = _columns(self.head, train)
        ops = net.head.delta_ops(self.z[:, :train], y[:, :train], head_view)
        for layer in range(net.n_layers, 1, -1):
            below = self.d[layer - 1][:, :span]
            ops.append(_product(blocks[layer - 1][:, :-1].T, self.d[layer][:, :span], below))
            stored = self.s[layer - 1][:-1, :span]
            scale, tmp = net.in_scale[layer], self.tmp[layer - 1][:, :span]
            ops += net.hidden.derivative_ops(below, stored, scale, tmp)
        return ops

    def product_size(self, external: bool = False) -> int:
        """Entries of the fused gradient product: ``left @ right.T`` and, when the
        input is ``external`` (not a block of ``right``), layer 1's gradient block."""
        net = self.net
        first = net.sizes[1] * (net.sizes[0] + 1) if external else 0
        return self.left.shape[0] * self.right.shape[0] + first

    def fused(self, width: int, external: bool) -> bool:
        """Does the gradient of a readout of ``width`` entries take the fused path?"""
        return self.span == self.n and self.product_size(external) * width <= _FUSED_LIMIT

    def gradient_ops(self, x, maps, readout, vector=None, ahead: bool = False) -> list:
        """Operations filling the readout [step (p) | next weights | check | metric
        sums]: the gradient (``maps``: see _Network.gradient_maps) as the step and,
        with metric rows, the per-set metric sums.

        On the fused path one more product gathers everything from the raw product;
        ``vector`` may then be a buffer holding room for that product followed by the
        parameters themselves, so the same product also sums the parameters into the
        check (with the loss sums) and, with ``ahead``, writes the next weights of the
        raw-input layers, ``(parameters + step) @ Q``, ready for the next epoch."""
        net, p = self.net, self.net.n_params
        external = x is not self.x  # the input is not a block of self.right
        if self.fused(readout.size, external):
            size = self.product_size(external)
            vector = np.zeros(size) if vector is None else vector
            main, rows = self.left.size // self.n, self.left.shape[0]
            main *= self.right.shape[0]
            ops = [_product(self.left, self.right.T, vector[:main].reshape(rows, -1))]
            if external:  # layer 1's gradient block goes after the main product
                block = vector[main:size].reshape(net.sizes[1], -1)
                ops.append(_product(self.d[1], x.T, block))
            selection = self._selection(maps, readout.size, external, vector.size - size, ahead)
            # Matrix @ vector is a little quicker than vector @ matrix.
            return [*ops, partial(np.dot, np.ascontiguousarray(selection.T), vector, readout)]
        # One product per layer into a gradient vector (a raw input's block mapped
        # through its M^T), then the diagonal scaling and the sums.
        grad, span, ops = np.zeros(p), self.span, []
        scale = np.ones(p)
        for layer, (block, factors) in enumerate(zip(net.blocks(grad), maps, strict=True), 1):
            inputs = x if layer == 1 else self.s[layer - 1]
            if net.raw_input(layer):
                raw = np.zeros_like(block)
                ops.append(_product(self.d[layer][:, :span], inputs[:, :span].T, raw))
                ops.append(partial(np.dot, raw, factors.T.copy(), block))
            else:
                ops.append(_product(self.d[layer][:, :span], inputs[:, :span].T, block))
                net.blocks(scale)[layer - 1][...] = np.diag(factors)
        ops.append(partial(np.multiply, grad, scale, readout[:p]))
        return ops + self.sums_ops(readout) if self.indicator is not None else ops

    def _selection(self, maps, width: int, external: bool, n_params: int, ahead: bool):
        """The matrix taking [flattened product | n_params parameters] to the readout:
        step parameter (o, i) of layer l collects M_l[i, j] times raw entry (o, j)."""
        net, p = self.net, self.net.n_params
        n_right = self.right.shape[0]
        main = self.left.shape[0] * n_right
        size = self.product_size(external)
        metric_sums = 2 * self.head.m.shape[0] if self.indicator is not None else 0
        check = width - metric_sums - 1
        delta_row = _row_offsets(self.d, self.left)
        input_row = _row_offsets([self.x, *self.s[1:]], self.right)
        selection = np.zeros((size + n_params, width))
        selection[size:, check] = 1.0  # the parameters' sum
        layers = zip(net.offsets(), net.layer_shapes(), maps, strict=True)
        ahead_at = p  # where the next raw-input weights go
        for layer, (start, (n_in, n_out), factors) in enumerate(layers, start=1):
            unit, entry, raw = np.meshgrid(
                np.arange(n_out), np.arange(n_in + 1), np.arange(n_in + 1), indexing="ij"
            )
            params = start + unit * (n_in + 1) + entry
            if layer == 1 and external:  # its block follows the main product
                sources = main + unit * (n_in + 1) + raw
            else:
                sources = (delta_row[layer] + unit) * n_right + input_row[layer - 1] + raw
            weights = factors[entry, raw]
            np.add.at(selection, (sources.ravel(), params.ravel()), weights.ravel())
            if ahead and net.raw_input(layer):
                # Next weights (parameters + step) @ Q, each block row o in turn.
                q = net.compute_map(layer)
                for o in range(n_out):
                    block_row = slice(start + o * (n_in + 1), start + (o + 1) * (n_in + 1))
                    target = slice(ahead_at, ahead_at + n_in + 1)
                    selection[:size, target] = selection[:size, block_row] @ q
                    selection[size + block_row.start : size + block_row.stop, target] = q
                    ahead_at += n_in + 1
        if self.indicator is not None:
            metric_row = _row_offsets([self.head.m], self.left)[0]
            indicator_row = _row_offsets([self.indicator], self.right)[0]
            for row in range(self.head.m.shape[0]):
                for column in range(2):
                    source = (metric_row + row) * n_right + indicator_row + column
                    source += 2 * row
                    selection[source, check + 1 + 2 * row + column] = 1.0
                    if row == 0:
                        selection[source, check] = 1.0  # the loss sums
        return selection


def _stacked(heights, n, dtype):
    """A zeroed (sum(heights), n) array and its consecutive row blocks as views."""
    array = np.zeros((sum(heights), n), dtype)
    bounds = np.cumsum([0, *heights]).tolist()
    return array, [array[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def _row_offsets(views, base) -> list:
    """The first row of each view inside the stacked ``base`` array (None stays None)."""
    row_bytes = base.strides[0]
    start = base.__array_interface__["data"][0]
    return [
        None if v is None else (v.__array_interface__["data"][0] - start) // row_bytes
        for v in views
    ]


def _columns(buffers, cols: int):
    """The same namespace of buffers restricted to their first ``cols`` columns."""
    view = type(buffers)()
    for name, array in vars(buffers).items():
        setattr(view, name, array[..., :cols])
    return view


def _product(a, b, out):
    """A prepared ``out = a @ b``: np.dot is quicker on contiguous arrays, np.matmul
    takes strided ones (np.dot would copy operands, and refuses such an ``out``)."""
    blas_ready = all(m.flags.c_contiguous or m.flags.f_contiguous for m in (a, b))
    return partial(np.dot if blas_ready and out.flags.c_contiguous else np.matmul, a, b, out)


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
