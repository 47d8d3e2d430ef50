"""A network's layout and its work passes: buffers and prepared NumPy calls over them.

`Network` knows the layer sizes, the hidden activation and the head, and how the
flat parameter vector is laid out in per-layer blocks [W^T | b].  A `Pass` holds
the work buffers of a network over some sample columns, feature-major (units,
samples), allocated once, and builds lists of ``functools.partial`` calls writing
into them: the forward pass, the backward pass, and the gathering of the gradient
and per-set metric sums into a readout.  engine.py runs those lists.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from .activations import activation
from .losses import make_head

# Up to this many stacked samples the backward pass spans all of them (contiguous
# calls); above it only the training columns, not to waste arithmetic on test data.
_ALL_COLUMNS_LIMIT = 2048
# Largest selection matrix (entries) for the one-product gradient gathering;
# bigger networks take one product per layer instead, which measured faster
# beyond about this size (the matrix is mostly zeros).
_FUSED_LIMIT = 16_000


class Network:
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

    def input_rows(self, X: np.ndarray, dtype=np.float64, out=None) -> np.ndarray:
        """Samples (n, d) as the first layer's stored input: (d + 1, n), augmented, scaled
        (into ``out`` when given)."""
        rows = np.empty((X.shape[1] + 1, len(X)), dtype) if out is None else out
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


class Pass:
    """Work buffers of the network over ``n`` sample columns, the first ``n_train``
    of which are trained on, and the prepared operations that use them.

    Two stacked buffers make the gradient one product: ``gram`` holds, as row
    blocks, each hidden layer's stored output with its constant row, the input
    (when it is fixed ``data``) and, with ``targets``, weighted train/test
    indicator rows; ``lhs`` holds every layer's delta and the head's per-sample
    metric rows.  Each block of ``lhs @ gram.T`` pairing a layer's delta with
    that layer's input is the layer's gradient; metric rows against indicator
    rows are the per-set sums.

    When the hidden layers' derivative factors have the form c - s^2
    (activations.py), one square and one subtraction give all of them: ``stack``
    (the stored outputs up to the last hidden layer's, without that one's
    constant row) squared minus constants goes straight into the delta rows,
    which the backward pass then multiplies in place.  That yields s^2 - c, the
    factor's negative: layer l's delta carries the sign (-1)^(L - l), which the
    gradient maps undo.  A head with ``squared_derivative`` (losses.py) joins in
    front: its rows T and E = T - S, squared minus (1, 0), give its factor
    T^2 - 1 and its loss row E^2, and one more row leaves room for the score."""

    def __init__(self, net, n, n_train, dtype=np.float64, data=None, targets=None, backward=True):
        self.net, self.n, self.n_train = net, n, n_train
        self.span = n if n <= _ALL_COLUMNS_LIMIT else n_train  # columns deltas cover
        widths, k, head = list(net.sizes[1:-1]), net.sizes[-1], net.head
        metrics, rows, hidden = targets is not None, head.metric_rows, len(widths)
        forms = [net.hidden.squared_form(net.in_scale[h + 1]) for h in range(1, hidden + 1)]
        stacked = backward and hidden > 0 and forms[0] is not None
        self.head_rows = stacked and head.squared_derivative  # T, E, score slot
        top = 1 + rows if self.head_rows else 0

        # right = [head rows | s[1] | ... | s[L-1] | x | indicator]; gram = all but the head rows.
        n_x = data.shape[0] if data is not None else 0
        heights = [w + 1 for w in widths] + [n_x] + [2 * rows if metrics else 0]
        right = np.zeros((top + sum(heights), n), dtype)
        self.gram = right[top:]
        blocks = _split(self.gram, heights)
        # s[l]: hidden layer l's stored output (activations.py) and constant row.
        self.s = [None, *blocks[:hidden]]
        for layer in range(1, net.n_layers):
            self.s[layer][-1] = 1.0 if net.raw_input(layer + 1) else net.in_scale[layer + 1]
        self.x = blocks[hidden] if data is not None else None
        if self.x is not None:
            self.x[...] = data
        # indicator rows 2r, 2r + 1: the weights of metric row r on train / test
        # columns (the loss row's are 1, the score row's see losses.py).
        self.indicator = blocks[hidden + 1] if metrics else None
        if metrics:
            weights = [np.ones(n), head.score_terms(targets)[0]][:rows]
            for r, weight in enumerate(weights):
                self.indicator[2 * r, :n_train] = weight[:n_train]
                self.indicator[2 * r + 1, n_train:] = weight[n_train:]
        # c[l]: the weights of a layer reading a raw input (see compute_map).
        self.c = {
            layer: np.zeros((n_out, n_in + 1), dtype)
            for layer, (n_in, n_out) in enumerate(net.layer_shapes(), start=1)
            if net.raw_input(layer)
        }

        # left = [head factor, metric rows (head rows) | d[1] | j | ... | d[L-1] | d[L] |
        # metric rows (otherwise)], j: a row facing a constant row of the stack.
        spacer = 1 if stacked else 0
        deltas = [h for w in widths for h in (w, spacer)][:-1] if backward else []
        heights = [top, *deltas, k, 0 if self.head_rows or not metrics else rows]
        left = np.zeros((sum(heights), n), dtype)
        blocks = _split(left, heights)
        self.d = (
            [None, *blocks[1 : 2 * hidden : 2], blocks[-2]]
            if backward
            else [None] * net.n_layers + [blocks[-2]]
        )
        m = left[1:top] if self.head_rows else blocks[-1] if metrics else None
        # lhs: the rows the product needs (not the head factor, nor unused metric rows).
        self.lhs = left[1 if metrics else top :] if self.head_rows else left
        t = right[0:1] if self.head_rows else None
        self.head = head.buffers(n, dtype, self.d[-1], m, t)
        self.stack = None
        if stacked:
            size = top + sum(w + 1 for w in widths) - 1
            self.stack, self.stack_out = right[:size], left[:size]
            if self.head_rows:
                self.head.e, self.head.g = right[1:2], left[0:1]
            constants = [1.0, 0.0, *[0.0] * (rows - 1)] if self.head_rows else []
            for value, w in zip(forms, widths, strict=True):
                constants += [value] * (w + 1)
            constants = np.array(constants[:-1])
            # Full rows, not a broadcast column, which costs more per call; a single
            # value is quicker still on big arrays.
            uniform = np.all(constants == constants[0])
            self.stack_c = (
                np.array(constants[0]) if uniform else np.repeat(constants[:, None], n, 1)
            )
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
        if self.head_rows:  # the stack squares the head's E into its loss row
            ops += self._stack_ops(self.n)
        return ops + head.metric_ops(self.z, y, b) if metrics else ops

    def _stack_ops(self, cols: int) -> list:
        """Squared stack minus constants into the delta (and head) rows."""
        out, constants = self.stack_out[:, :cols], self.stack_c
        return [
            partial(np.square, self.stack[:, :cols], out),
            partial(
                np.subtract, out, constants if constants.ndim == 0 else constants[:, :cols], out
            ),
        ]

    def sums_ops(self, readout) -> list:
        """The per-set (weighted) metric sums into readout[-2 * metric rows:], in one
        product: the metric rows, end to end, times their indicator rows placed in
        block-diagonal columns."""
        m, rows = self.head.m, self.head.m.shape[0]
        weights = np.zeros((rows, self.n, 2 * rows))
        for r in range(rows):
            weights[r, :, 2 * r : 2 * r + 2] = self.indicator[2 * r : 2 * r + 2].T
        weights = weights.reshape(rows * self.n, 2 * rows)
        return [partial(np.dot, m.reshape(-1), weights, readout[-2 * rows :])]

    def backward_ops(self, y, blocks) -> list:
        """The output delta on the training columns, propagated down to layer 1.

        The output delta of other columns stays zero (nothing writes it), so the
        deltas below are zero there too and products may span those columns."""
        net, train, span = self.net, self.n_train, self.span
        stacked = self.stack is not None
        ops = self._stack_ops(span) if stacked and not self.head_rows else []
        head_view = _columns(self.head, train)
        ops += net.head.delta_ops(self.z[:, :train], y[:, :train], head_view)
        for layer in range(net.n_layers, 1, -1):
            below = self.d[layer - 1][:, :span]
            weights, above = blocks[layer - 1][:, :-1].T, self.d[layer][:, :span]
            if stacked:  # below holds its factor already
                tmp = self.tmp[layer - 1][:, :span]
                ops += [_product(weights, above, tmp), partial(np.multiply, below, tmp, below)]
                continue
            ops.append(_product(weights, above, below))
            stored = self.s[layer - 1][:-1, :span]
            ops += net.hidden.derivative_ops(
                below, stored, net.in_scale[layer], self.tmp[layer - 1][:, :span]
            )
        return ops

    def _signed(self, maps) -> list:
        """The gradient maps with the signs the stack leaves in the deltas."""
        if self.stack is None:
            return maps
        last = self.net.n_layers
        return [m if (last - layer) % 2 == 0 else -m for layer, m in enumerate(maps, start=1)]

    def product_size(self, external: bool = False) -> int:
        """Entries of the fused gradient product: ``lhs @ gram.T`` and, when the
        input is ``external`` (not a block of ``gram``), layer 1's gradient block."""
        net = self.net
        first = net.sizes[1] * (net.sizes[0] + 1) if external else 0
        return self.lhs.shape[0] * self.gram.shape[0] + first

    def fused(self, width: int, external: bool, n_params: int = 0) -> bool:
        """Does the gradient of a readout of ``width`` entries take the fused path
        (with ``n_params`` parameters after the product)?"""
        entries = (self.product_size(external) + n_params) * width
        return self.span == self.n and entries <= _FUSED_LIMIT

    def gradient_ops(self, x, maps, readout, vector=None, ahead: bool = False) -> list:
        """Operations filling the readout [step (p) | raw-input weights | check |
        metric sums] (the weights may be absent): the gradient (``maps``: see
        Network.gradient_maps) as the step and, with metric rows, the per-set sums.

        On the fused path one more product gathers everything from the raw product.
        ``vector`` may then be a buffer with room for that product followed by the
        parameters themselves: the same product also writes their sum as the check
        and, ``ahead``, the parameters plus the step instead of the step, then the
        raw-input layers' weights for those, (parameters + step) @ Q, instead of
        leaving them to `layer_ops`."""
        net, p, maps = self.net, self.net.n_params, self._signed(maps)
        external = x is not self.x  # the input is not a block of self.gram
        size = self.product_size(external)
        if self.fused(readout.size, external, 0 if vector is None else vector.size - size):
            vector = np.zeros(size) if vector is None else vector
            rows = self.lhs.shape[0]
            main = rows * self.gram.shape[0]
            ops = [_product(self.lhs, self.gram.T, vector[:main].reshape(rows, -1))]
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
        step parameter (o, i) of layer l collects M_l[i, j] times raw entry (o, j);
        ``ahead``: the parameters plus the step, then the raw-input layers' weights
        for those, (parameters + step) @ Q."""
        net, p = self.net, self.net.n_params
        n_right = self.gram.shape[0]
        main = self.lhs.shape[0] * n_right
        size = self.product_size(external)
        metric_sums = 2 * self.head.m.shape[0] if self.indicator is not None else 0
        check = width - metric_sums - 1
        delta_row = _row_offsets(self.d, self.lhs)
        input_row = _row_offsets([self.x, *self.s[1:]], self.gram)
        selection = np.zeros((size + n_params, width))
        selection[size:, check] = 1.0  # the parameters' sum is the check
        if ahead:
            selection[size + np.arange(p), np.arange(p)] = 1.0
        layers = list(zip(net.offsets(), net.layer_shapes(), maps, strict=True))
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
        ahead_at = p  # where the next raw-input weights go, block row after block row
        for layer, (start, (n_in, n_out), _) in enumerate(layers, start=1):
            if ahead and net.raw_input(layer):
                q = net.compute_map(layer)
                for o in range(n_out):
                    row = start + o * (n_in + 1)
                    target = slice(ahead_at, ahead_at + n_in + 1)
                    selection[:, target] = selection[:, row : row + n_in + 1] @ q
                    ahead_at += n_in + 1
        if self.indicator is not None:
            metric_row = _row_offsets([self.head.m], self.lhs)[0]
            indicator_row = _row_offsets([self.indicator], self.gram)[0]
            for row in range(self.head.m.shape[0]):
                for column in range(2):
                    source = (metric_row + row) * n_right + indicator_row + 2 * row + column
                    selection[source, check + 1 + 2 * row + column] = 1.0
        return selection


def _split(array, heights) -> list:
    """Consecutive row blocks of ``array`` with the given heights, as views."""
    bounds = np.cumsum([0, *heights]).tolist()
    return [array[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


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
        setattr(view, name, None if array is None else array[..., :cols])
    return view


def _product(a, b, out):
    """A prepared ``out = a @ b``: np.dot is quicker on contiguous arrays, np.matmul
    takes strided ones (np.dot would copy operands, and refuses such an ``out``)."""
    blas_ready = all(m.flags.c_contiguous or m.flags.f_contiguous for m in (a, b))
    return partial(np.dot if blas_ready and out.flags.c_contiguous else np.matmul, a, b, out)
