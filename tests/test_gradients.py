"""Finite-difference checks of the engine's analytic gradient (float64).

Every hidden activation x output/loss x depth 0..3, with and without L1/L2
penalties, plus a property-based sweep over widths, depths, feature counts and
batch sizes.
"""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnviz.core.engine import Engine

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")
HEADS = [  # (output, loss, problem)
    ("sigmoid", "sse", "binary"),
    ("sigmoid", "mse", "binary"),
    ("sigmoid", "bce", "binary"),
    ("softmax", "sse", "multiclass"),
    ("softmax", "mse", "multiclass"),
    ("softmax", "ce", "multiclass"),
    ("linear", "sse", "regression"),
    ("linear", "mse", "regression"),
]
CLASSES = 3


def make_data(problem, n, features, rng):
    X = rng.normal(0.0, 1.0, (n, features))
    if problem == "binary":
        y = (X.sum(axis=1) + rng.normal(0, 0.5, n) > 0).astype(int)
    elif problem == "multiclass":
        y = rng.integers(0, CLASSES, n)
    else:
        y = np.sin(X[:, 0]) + 0.1 * rng.normal(size=n)
    return X, y


def make_engine(activation, output, loss, problem, hidden, features=2, n=24, seed=0):
    rng = np.random.default_rng(seed)
    X, y = make_data(problem, n, features, rng)
    outputs = CLASSES if output == "softmax" else 1
    sizes = (features, *hidden, outputs)
    # Playground init: biases 0.1 keep ReLU units off their kink at z = 0 even
    # when every input to them is zero.
    return Engine(sizes, activation, output, loss, "playground", seed, X, y, X[:4], y[:4])


def away_from_zero(engine, rng, low=0.1):
    """Weights with |w| >= low so the L1 kink at 0 is far from the difference step."""
    sign = np.where(rng.random(engine.flat.size) < 0.5, -1.0, 1.0)
    engine.flat[:] = sign * (low + rng.random(engine.flat.size) * 0.6)
    engine.invalidate()


def numeric_gradient(engine, X, y, eps=1e-6):
    flat, grad = engine.flat, np.zeros(engine.flat.size)
    for i, original in enumerate(flat.tolist()):
        flat[i] = original + eps
        upper = engine.objective_and_grad(X, y)[0]
        flat[i] = original - eps
        lower = engine.objective_and_grad(X, y)[0]
        flat[i] = original
        grad[i] = (upper - lower) / (2 * eps)
    return grad


def relative_error(a, b):
    return np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b))


CASES = [
    (act, *head, depth)
    for head, depth, act in itertools.product(HEADS, range(4), ACTIVATIONS)
    if depth > 0 or act == "tanh"  # without hidden layers the activation is unused
]


@pytest.mark.parametrize("penalised", [False, True], ids=["plain", "l1l2"])
@pytest.mark.parametrize(("activation", "output", "loss", "problem", "depth"), CASES)
def test_gradient_matches_finite_differences(activation, output, loss, problem, depth, penalised):
    hidden = (4, 3, 5)[:depth]
    engine = make_engine(activation, output, loss, problem, hidden)
    rng = np.random.default_rng(depth)
    if penalised:
        engine.set_training("sgd", 0.1, l1=0.03, l2=0.2)
        away_from_zero(engine, rng)
    error = engine.gradient_check()
    assert error < 1e-6
    # The analytic gradient is not trivially zero.
    assert np.linalg.norm(engine.objective_and_grad(*engine._train_samples)[1]) > 1e-6


def test_gradient_check_detects_a_wrong_gradient(monkeypatch):
    engine = make_engine("tanh", "sigmoid", "bce", "binary", (3,))
    assert engine.gradient_check() < 1e-6
    # Corrupt the analytic gradient's scale: the check must notice.
    right = engine._net.gradient_maps
    monkeypatch.setattr(engine._net, "gradient_maps", lambda n, f=1.0: right(n, 1.5 * f))
    assert engine.gradient_check() > 1e-2


def test_penalty_value_and_gradient_skip_biases():
    engine = make_engine("tanh", "linear", "sse", "regression", (3,))
    X, y = engine._train_samples
    base_loss, base_grad = engine.objective_and_grad(X, y)
    engine.set_training("sgd", 0.1, l1=0.5, l2=2.0)
    loss, grad = engine.objective_and_grad(X, y)
    weights = np.concatenate([w.ravel() for w, _ in engine.params])
    expected = 0.5 * np.abs(weights).sum() + 0.5 * 2.0 * np.sum(weights**2)
    assert loss - base_loss == pytest.approx(expected, rel=1e-12)

    # Where in ``flat`` are the biases?  Label every entry by its index.
    saved = engine.flat.copy()
    engine.flat[:] = np.arange(engine.flat.size)
    is_bias = np.zeros(engine.flat.size, bool)
    is_bias[np.concatenate([b for _, b in engine.params]).astype(int)] = True
    engine.flat[:] = saved
    penalty_grad = grad - base_grad
    np.testing.assert_allclose(penalty_grad[is_bias], 0.0, atol=1e-12)
    w = saved[~is_bias]
    np.testing.assert_allclose(penalty_grad[~is_bias], 0.5 * np.sign(w) + 2.0 * w, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    head=st.sampled_from(HEADS),
    activation=st.sampled_from(ACTIVATIONS),
    hidden=st.lists(st.integers(1, 5), min_size=0, max_size=3),
    features=st.integers(1, 4),
    batch=st.integers(1, 12),
    penalised=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_batch_gradients_property(head, activation, hidden, features, batch, penalised, seed):
    output, loss, problem = head
    engine = make_engine(activation, output, loss, problem, tuple(hidden), features, 16, seed)
    rng = np.random.default_rng(seed)
    if penalised:
        engine.set_training("sgd", 0.1, l1=0.01, l2=0.1)
        away_from_zero(engine, rng)
    X, y = make_data(problem, batch, features, rng)
    analytic = engine.objective_and_grad(X, y)[1]
    numeric = numeric_gradient(engine, X, y)
    if np.linalg.norm(numeric) < 1e-9:  # e.g. every ReLU dead: nothing to compare
        np.testing.assert_allclose(analytic, 0.0, atol=1e-8)
    else:
        assert relative_error(analytic, numeric) < 1e-6
