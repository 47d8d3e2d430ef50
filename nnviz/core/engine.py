"""The numerical engine: one fully-connected network on fixed, feature-expanded arrays.

Speed is the point of this module and of passes.py.  A tiny network's epoch is a
dozen or two NumPy calls of about half a microsecond each whatever their size, plus
the Python around them, so the engine makes as few calls as it can:

* every parameter lives in one flat vector of per-layer blocks [W^T | b], so a
  layer's forward pass is one matrix product, and every step is a prepared list
  of calls writing into buffers allocated once (passes.py);
* full-batch training runs ONE forward pass over train and test stacked after
  each update; one product then yields every layer's gradient and both sets'
  metric sums, and one more gathers them into a readout: the next step, a check
  and the sums.  That second product also reads the parameters and makes their
  sum the check.  The check plus the loss sums is finite exactly when all the
  parameters and losses are, so divergence is spotted without a call of its own
  (an infinity or NaN among the terms makes the sum inf or NaN; a finite sum that
  overflows only sends a healthy epoch to the exact checks of `Engine._settle`);
* plain full-batch SGD, the notebook's, goes further: its readouts hold the next
  parameters themselves, so an epoch needs no update, save or weight product
  (`Engine._set_rotation`).

Public methods run with NumPy's floating-point warnings off: overflow only
happens while diverging, which `Engine.epoch` detects and undoes.
"""

from __future__ import annotations

import functools
import math
from functools import partial

import numpy as np

from .initializers import initial_layer
from .optimizers import STATE_VECTORS, Settings, folds_rate, penalty, penalty_ops, update_ops
from .passes import Network, Pass

try:  # NumPy 2 keeps the error state in a context variable; setting it directly
    # costs a sixth of entering np.errstate, which matters once per epoch.
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


INFERENCE_PLANS = 4  # forward passes kept ready (the window's grids: big, live, thumbnails)


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
        net = self._net = Network(self.sizes, activation, output, loss)
        p = net.n_params
        self._set_data(x_train, y_train, x_test, y_test)

        # One vector holds the parameters, Adam's step count and the optimizer's
        # vectors, so saving / restoring all of it around an epoch is one copy.  The
        # full-batch gradient product sits right before it: the product that turns
        # the raw product into the step also reads the parameters (gradient_ops).
        front = self._product_size
        memory = np.zeros(front + 1 + 3 * p)
        self._product_and_params = memory[: front + p]
        self._state = memory[front:]
        self._saved = np.zeros_like(self._state)
        self._flat = self._state[:p]
        self._pending = None  # a rotation readout's parameters not yet copied to _flat
        self._blocks = net.blocks(self._flat)
        self._plans: dict[tuple, tuple] = {}  # (samples, dtype) -> _inference_plan, LRU order
        self._params = [(block[:, :-1].T, block[:, -1]) for block in self._blocks]
        self._weight_mask = net.per_layer([(1.0, 0.0)] * net.n_layers)
        self._tmp = np.zeros(p)

        rng = np.random.default_rng(seed)
        for (w, b), (n_in, n_out) in zip(self._params, net.layer_shapes(), strict=True):
            w[...], b[...] = initial_layer(init, n_in, n_out, rng)
        self._shuffle_rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])

        self._eval_forward = self._eval.forward_ops(self._eval.x, self._y_all, self._blocks, True)
        self._metric_ops = [*self._eval_forward, *self._eval.sums_ops(self._readout)]
        self._settings: Settings | None = None
        self._state_used = self._state[:p]
        self._batched = False
        self._fast = False  # may epoch() take the self-checking full-batch path?
        tail = self._readout_tail
        self._use([[]], [tail], [self._metric_ops], [tail], [self._flat], restore=None)
        self._metrics = (math.nan,) * 4

    # ------------------------------------------------------------------ parameters
    @property
    def flat(self) -> np.ndarray:
        """Every parameter in one vector: per layer the block [W^T | b], row-major."""
        self._sync()
        return self._flat

    @flat.setter
    def flat(self, values) -> None:  # ``engine.flat -= step`` works in place
        if values is not self.flat:
            self._flat[...] = values

    @property
    def params(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """(W, b) per layer, input side first, W (n_in, n_out): views into ``flat``.
        After editing them (or ``flat``) in place, call `invalidate`."""
        self._sync()
        return self._params

    def _sync(self) -> None:
        """Plain SGD's epochs leave the parameters in a rotation readout (see
        _set_rotation); copy them into ``_flat`` before anything reads it."""
        if self._pending is not None:
            np.copyto(self._flat, self._pending)
            self._pending = None

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

        # Metrics from a readout's tail [check, loss sum train, loss sum test(, score
        # sum train, score sum test)]: a small function per head, its constants bound
        # as defaults since epoch() calls it every time.  NaN: no test set.
        no_test = math.nan
        f_train = head.loss_factor(n_train)
        f_test = head.loss_factor(n_test) if n_test else no_test
        if head.score == "r2":
            total_train, total_test = (
                float(np.sum((rows[0] - rows[0].mean()) ** 2)) if rows.size else no_test
                for rows in targets
            )

            def metrics_of(tail):
                return (
                    tail[1] * f_train,
                    tail[2] * f_test,
                    _r2(tail[1], total_train),
                    _r2(tail[2], total_test),
                )

        else:
            # Right answers in a set = its score offset + its weighted score sum.
            right_train, right_test = (float(head.score_terms(rows)[1].sum()) for rows in targets)

            def metrics_of(
                tail,
                f_train=f_train,
                f_test=f_test,
                right_train=right_train,
                right_test=right_test,
                n_train=n_train,
                n_test=n_test or no_test,
            ):
                return (
                    tail[1] * f_train,
                    tail[2] * f_test,
                    (right_train + tail[3]) / n_train,
                    (right_test + tail[4]) / n_test,
                )

        self._metrics_of = metrics_of

        # Train and test stacked: the forward pass up to per-sample metric rows, then
        # (when only evaluating) their per-set sums.
        self._eval = Pass(net, n_train + n_test, n_train, data=x_all, targets=self._y_all)
        # The readout: [step (p) | weights of raw-input layers | check | per-set metric
        # sums (rows x {train, test})]; see gradient_ops.
        p, n_next = net.n_params, net.raw_weight_size()
        self._readout = np.zeros(p + n_next + 1 + 2 * head.metric_rows)
        self._readout_tail = self._readout[p + n_next :].tolist
        self._eval.use_weight_buffers(self._readout[p : p + n_next])
        # Is the full-batch gradient one fused product, which also reads the parameters?
        self._fused = self._eval.fused(self._readout.size, False, net.n_params)
        self._product_size = self._eval.product_size() if self._fused else 0

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
        flat = self.flat  # synced: the new operations start from it
        p = flat.size
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
            return update_ops(settings, flat, step, opt_state, mask, tmp)

        save = partial(np.copyto, self._saved_used, self._state_used)
        restore = partial(np.copyto, self._state_used, self._saved_used)
        n, tail = self.n_train, self._readout_tail
        self._batched = batch_size is not None and batch_size < n
        self._fast = not self._batched
        if self._batched:
            epoch = [save, *self._batch_ops(batch_size, factor, update), *self._metric_ops]
            self._use([epoch], [tail], [self._metric_ops], [tail], [flat], restore)
        elif self._fused and settings.optimizer == "sgd" and folds_rate(settings):
            self._set_rotation(factor)
        else:
            # The step an epoch applies was prepared, with the metric sums, at the
            # end of the previous one (or by _refresh).
            maps = self._net.gradient_maps(n, factor)
            eval_pass, check = self._eval, p + self._net.raw_weight_size()
            refresh = [*self._eval_forward, *eval_pass.backward_ops(self._y_all, self._blocks)]
            if self._fused:
                vector = self._product_and_params
                refresh += eval_pass.gradient_ops(eval_pass.x, maps, self._readout, vector)
            else:  # the check, the parameters' sum, takes a call of its own
                refresh += eval_pass.gradient_ops(eval_pass.x, maps, self._readout)
                ones = np.ones((p, 1))
                refresh.append(partial(np.dot, flat, ones, self._readout[check : check + 1]))
            epoch = [save, *update(self._readout[:p]), *refresh]
            self._use([epoch], [tail], [refresh], [tail], [flat], restore)

    def _set_rotation(self, factor: float) -> None:
        """Plain full-batch SGD, the notebook's.  An epoch evaluates the parameters P
        in its readout; its fused product reads the raw product and P and writes
        P + step, the raw-input layers' weights for those (Network.compute_map),
        P's check and metric sums into the next readout, where the next epoch
        finds its parameters: no update, save or weight product per epoch.  Three
        readouts take turns, so an epoch never overwrites the parameters it would
        restore, those evaluated before it.  ``flat`` catches up when read
        (`_sync`); a refresh starts from ``flat`` and fills the current readout."""
        p, n_next, front = self._flat.size, self._net.raw_weight_size(), self._product_size
        net, eval_pass, x, y = self._net, self._eval, self._eval.x, self._y_all
        maps = net.gradient_maps(self.n_train, factor)
        readouts = [np.zeros(front + self._readout.size) for _ in range(3)]
        params = [r[front : front + p] for r in readouts]
        tails = [r[front + p + n_next :].tolist for r in readouts]
        refresh = [*self._eval_forward, *eval_pass.backward_ops(y, self._blocks)]
        epochs, refreshes = [], []
        for pos, readout in enumerate(readouts):
            fresh = eval_pass.gradient_ops(x, maps, readout[front:], self._product_and_params, True)
            refreshes.append(refresh + fresh)
            following = readouts[(pos + 1) % 3]
            blocks = net.blocks(params[pos])
            eval_pass.use_weight_buffers(readout[front + p : front + p + n_next])
            epochs.append([
                *eval_pass.forward_ops(x, y, blocks, True, raw_weights=False),
                *eval_pass.backward_ops(y, blocks),
                *eval_pass.gradient_ops(x, maps, following[front:], readout[: front + p], True),
            ])  # fmt: skip
        eval_pass.use_weight_buffers(self._readout[p : p + n_next])
        self._use(epochs, tails[1:] + tails[:1], refreshes, tails, params, restore=None)

    def _use(self, epochs, tails, refreshes, refresh_tails, evaluated, restore) -> None:
        """Install prepared operations.  At position i an epoch runs epochs[i], reads
        its metrics with tails[i] and evaluates the parameters evaluated[i]; a
        refresh runs refreshes[i] and reads refresh_tails[i].  Each epoch moves to
        the next position; ``restore`` (None: nothing to do) undoes a divergent one."""
        self._epochs, self._tails, self._evaluated = tuple(epochs), tuple(tails), tuple(evaluated)
        self._refreshes, self._refresh_tails = tuple(refreshes), tuple(refresh_tails)
        self._restore, self._pos = restore, 0
        # The fast path's state per position: [ops, tail, next state, next position,
        # where the parameters are after it (None: in _flat)].
        count = len(epochs)
        hots = [
            [epochs[pos], tails[pos], None, (pos + 1) % count, evaluated[pos]]
            for pos in range(count)
        ]
        for hot in hots:
            hot[2] = hots[hot[3]]
            hot[4] = None if hot[4] is self._flat else hot[4]
        self._hots = tuple(hots)
        self._invalidate()  # the prepared step depends on the settings

    def _batch_ops(self, size: int, factor: float, update) -> list:
        """Forward, backward and update of every mini-batch of one epoch, in order,
        reading consecutive column ranges of the per-epoch shuffled copies."""
        n, p = self.n_train, self._flat.size
        self._x_shuffled = np.zeros_like(self._x_train)
        self._y_shuffled = np.zeros_like(self._y_train)
        readout = np.zeros(p + 1)
        update_batch = update(readout[:p])
        work = {}  # one work pass per batch width: all full but maybe the last
        ops = []
        for start in range(0, n, size):
            width = min(size, n - start)
            if width not in work:
                work[width] = Pass(self._net, width, width)
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
        # call counts.  It reads the readout's check (see the module docstring).
        quiet = _quiet_on()
        try:
            hot = self._hot  # set while the fast path's cache is valid
            if hot is not None:
                ops, read_tail, following, position, pending = hot
                for op in ops:
                    op()
                tail = read_tail()
                metrics = self._metrics_of(tail)
                check = tail[0] + tail[1] + tail[2]  # the parameters' and the loss sums
                if check - check == 0.0:
                    self._hot, self._pos, self._pending = following, position, pending
                    self._metrics = metrics
                    return metrics
                return self._settle(metrics)
            return self._general_epoch()
        finally:
            _quiet_off(quiet)

    def _general_epoch(self) -> tuple[float, float, float, float]:
        """`epoch` for mini-batches, big networks and a stale cache."""
        if not self._epochs[0]:
            raise RuntimeError("Engine.epoch: call set_training(...) first")
        if not self._cache_valid:
            self._refresh()
        if self._batched:
            self._shuffle()
        for op in self._epochs[self._pos]:
            op()
        return self._settle(self._metrics_of(self._tails[self._pos]()))

    def _shuffle(self) -> None:
        """A fresh mini-batch order: shuffled copies of the training columns."""
        order = self._shuffle_rng.permutation(self.n_train)
        np.take(self._x_train, order, axis=1, out=self._x_shuffled, mode="wrap")
        np.take(self._y_train, order, axis=1, out=self._y_shuffled, mode="wrap")

    def _refresh(self) -> None:
        """Forward pass, metrics (and in full-batch training the next step) of the
        current parameters: fills the cache."""
        self._sync()
        for op in self._refreshes[self._pos]:
            op()
        self._metrics = self._metrics_of(self._refresh_tails[self._pos]())
        self._validate()

    def _settle(self, metrics):
        """Keep an epoch whose losses and parameters are finite; otherwise restore
        the state from before it and report the divergence."""
        evaluated = self._evaluated[self._pos]
        finite_params = math.isfinite(np.dot(evaluated, evaluated)) or bool(
            np.isfinite(evaluated).all()
        )
        losses = metrics[: 2 if self.n_test else 1]
        if finite_params and all(math.isfinite(loss) for loss in losses):
            if evaluated is not self._flat:
                self._pending = evaluated
            self._pos = (self._pos + 1) % len(self._epochs)
            self._metrics = metrics
            self._validate()
            return metrics
        if self._restore is not None:
            self._restore()
        self._invalidate()
        if all(math.isfinite(loss) for loss in losses):
            # Non-finite parameters behind saturated outputs: report the divergence.
            return (math.nan, math.nan, *metrics[2:])
        return metrics

    def _validate(self) -> None:
        """The cache (metrics, the prepared step) matches the parameters."""
        self._cache_valid = True
        self._hot = self._hots[self._pos] if self._fast else None

    def _invalidate(self) -> None:
        self._cache_valid = False
        self._hot = None

    @_quiet
    def evaluate(self) -> tuple[float, float, float, float]:
        """(train_loss, test_loss, train_score, test_score) of the current parameters.

        Losses exclude the penalty and are comparable between the sets; the score
        is accuracy, or R^2 for regression.  Without test samples the test
        entries are NaN."""
        if not self._cache_valid:
            self._refresh()
        return self._metrics

    def invalidate(self) -> None:
        """The caller changed ``params`` / ``flat`` in place: drop cached activations."""
        self._invalidate()

    @property
    def optimizer_state(self) -> np.ndarray:
        """A view of the optimizer's state, to save and restore a run exactly: a step
        count (Adam's), then momentum's velocity or Adam's two moment vectors (empty
        before `set_training`).  After writing into it, call `invalidate`."""
        return self._state[self._flat.size : len(self._state_used)]

    @property
    def shuffle_state(self) -> dict:
        """The mini-batch shuffler's state (JSON-able), to save and restore a run exactly."""
        return self._shuffle_rng.bit_generator.state

    @shuffle_state.setter
    def shuffle_state(self, state: dict) -> None:
        try:
            self._shuffle_rng.bit_generator.state = state
        except (TypeError, ValueError, KeyError, OverflowError) as exc:
            raise ValueError(f"shuffle state: not a PCG64 state ({exc})") from None

    # ------------------------------------------------------------------ inference
    @_quiet
    def forward(self, X: np.ndarray, dtype=np.float64) -> np.ndarray:
        """(n, n_outputs) output activations (probabilities or values) at the rows of X."""
        return self._infer(X, dtype, every_layer=False)[-1]

    @_quiet
    def layer_outputs(self, X: np.ndarray, dtype=np.float32) -> list[np.ndarray]:
        """[X, A1, ..., output]: every layer's post-activation values, (n, units) each."""
        return self._infer(X, dtype, every_layer=True)

    def _infer(self, X, dtype, every_layer: bool) -> list[np.ndarray]:
        """Fresh arrays: [X, A1, ..., output], or just [output] unless ``every_layer``."""
        net, dtype = self._net, np.dtype(dtype)
        X = _check_inputs("X", X, self.sizes[0], finite=False)
        self._sync()
        n = len(X)
        if n == 0:
            return [np.zeros((0, width), dtype) for width in self.sizes]
        work, blocks, rows, out, ops = self._inference_plan(n, dtype)
        for block, current in zip(blocks, self._blocks, strict=True):
            np.copyto(block, current, casting="unsafe")
        net.input_rows(X, dtype, out=rows)
        for op in ops:
            op()
        if not every_layer:
            return [out.T.copy()]
        hidden = []
        for layer in range(1, net.n_layers):
            stored = work.s[layer][:-1].T
            if net.raw_input(layer + 1):
                alpha, beta = net.hidden.raw_output
                hidden.append(alpha * stored + beta)
            else:
                hidden.append(stored / net.in_scale[layer + 1])
        return [np.ascontiguousarray(a) for a in (X.astype(dtype), *hidden)] + [out.T.copy()]

    def _inference_plan(self, n: int, dtype) -> tuple:
        """Buffers and prepared operations of a forward pass over ``n`` samples, kept for
        the next call of the same size: the window asks for the same grids many times a
        second, and allocating a big network's buffers cost as much as the arithmetic."""
        key = (n, dtype)
        plan = self._plans.pop(key, None)
        if plan is None:
            net = self._net
            work = Pass(net, n, n, dtype, backward=False)
            blocks = [np.empty(block.shape, dtype) for block in self._blocks]
            rows = np.empty((self.sizes[0] + 1, n), dtype)
            out = np.zeros((self.sizes[-1], n), dtype)
            ops = work.layer_ops(rows, blocks) + net.head.output_ops(work.z, out, work.head)
            plan = (work, blocks, rows, out, ops)
            if len(self._plans) >= INFERENCE_PLANS:
                self._plans.pop(next(iter(self._plans)))  # the least recently used
        self._plans[key] = plan
        return plan

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
        self._sync()
        rows = net.head.targets(y)
        n = len(X)
        if n == 0 or rows.shape[1] != n:
            raise ValueError(f"y: {rows.shape[1]} labels for {n} samples (need >= 1)")
        work = Pass(net, n, n, data=net.input_rows(X), targets=rows)
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
