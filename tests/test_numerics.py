"""Numerical safety: extreme inputs, logits and learning rates raise no NumPy
warning (even with every floating-point error set to raise) and divergence is
undone."""

import warnings

import numpy as np
import pytest

from nnviz.core.engine import Engine

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")
HEADS = [("sigmoid", "bce", 1), ("sigmoid", "sse", 1), ("softmax", "ce", 3),
         ("softmax", "mse", 3), ("linear", "mse", 1)]  # fmt: skip


@pytest.fixture
def strict():
    """Every NumPy floating-point error raises and every warning is an error."""
    with np.errstate(all="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def labels_for(output, n, rng):
    if output == "linear":
        return rng.normal(size=n)
    return rng.integers(0, 3 if output == "softmax" else 2, n)


def single_layer(output, loss, k, X, y, weight):
    """No hidden layer; every weight ``weight``, every bias 0, so logits are huge."""
    engine = Engine((X.shape[1], k), "tanh", output, loss, "glorot", 0, X, y, X, y)
    engine.flat[:] = 0.0
    for w, _ in engine.params:
        w[...] = weight * np.linspace(1.0, -1.0, w.size).reshape(w.shape)
    engine.invalidate()
    return engine


def test_sigmoid_output_at_huge_logits(strict):
    X = np.array([[1.0], [-1.0], [0.0]])
    engine = single_layer("sigmoid", "sse", 1, X, np.array([1, 0, 0]), 1e4)
    out = engine.forward(X)[:, 0]
    np.testing.assert_array_equal(out, [1.0, 0.0, 0.5])
    loss, _, accuracy, _ = engine.evaluate()
    assert loss == 0.25 and accuracy == 1.0  # output 0.5 is class 0
    for loss_name in ("sse", "bce"):  # saturated the wrong way, and 0.5 is not class 1
        engine = single_layer("sigmoid", loss_name, 1, X, np.array([0, 1, 1]), 1e4)
        assert engine.evaluate()[2] == 0.0


def test_bce_at_probabilities_zero_and_one(strict):
    X = np.array([[1.0], [-1.0], [1.0], [-1.0]])
    engine = single_layer("sigmoid", "bce", 1, X, np.array([1, 0, 0, 1]), 1e4)
    np.testing.assert_array_equal(engine.forward(X)[:, 0], [1.0, 0.0, 1.0, 0.0])
    loss, _, accuracy, _ = engine.evaluate()
    # Two exact hits (loss 0) and two misses by a logit of 1e4 (loss 1e4 each).
    assert loss == pytest.approx(2e4 / 4, rel=1e-12)
    assert accuracy == 0.5
    _, grad = engine.objective_and_grad(X, np.array([1, 0, 0, 1]))
    assert np.all(np.isfinite(grad))


def test_cross_entropy_with_huge_logits(strict):
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    y = np.array([0, 2, 1])
    engine = single_layer("softmax", "ce", 3, X, y, 1e5)
    probabilities = engine.forward(X)
    assert np.all(np.isfinite(probabilities))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    loss, _, accuracy, _ = engine.evaluate()
    logits = 1e5 * X @ np.array([[1.0, 0.6, 0.2], [-0.2, -0.6, -1.0]])
    top = logits.max(axis=1)
    with np.errstate(under="ignore"):
        spread = np.log(np.exp(logits - top[:, None]).sum(axis=1))
    expected = np.mean(top + spread - logits[[0, 1, 2], y])
    assert loss == pytest.approx(expected, rel=1e-12) and loss > 1e4
    assert accuracy == np.mean(probabilities.argmax(axis=1) == y) == 1 / 3


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize(("output", "loss", "k"), HEADS)
def test_huge_coordinates_through_every_activation(strict, activation, output, loss, k):
    rng = np.random.default_rng(1)
    X = rng.choice([-1e6, 1e6], size=(20, 2))
    y = labels_for(output, 20, rng)
    engine = Engine((2, 4, 3, k), activation, output, loss, "he", 0, X, y, X[:5], y[:5])
    engine.set_training("adam", 0.01)
    metrics = engine.evaluate()
    assert np.isfinite(metrics[2])  # scores are always defined
    for dtype in (np.float64, np.float32):
        outputs = engine.layer_outputs(X, dtype=dtype)
        assert [a.shape for a in outputs] == [(20, 2), (20, 4), (20, 3), (20, k)]
        assert all(a.dtype == dtype for a in outputs)
        assert engine.forward(X, dtype=dtype).shape == (20, k)
    if output != "linear":
        assert np.all(np.isfinite(engine.forward(X)))
    engine.epoch()  # may diverge, but quietly


def test_huge_learning_rate_is_undone(strict):
    rng = np.random.default_rng(0)
    X = rng.normal(0, 1e3, (40, 2))
    y = X @ [1.0, -2.0] + 5.0
    engine = Engine((2, 8, 1), "relu", "linear", "sse", "he", 0, X, y, X[:10], y[:10])
    engine.set_training("sgd", 10.0)
    for _ in range(50):
        before = engine.flat.copy()
        train_loss, test_loss, _, _ = engine.epoch()
        if not np.isfinite(train_loss):
            break
    else:
        pytest.fail("lr 10 on inputs of 1e3 should diverge within 50 epochs")
    assert not np.isfinite(test_loss)
    assert np.all(np.isfinite(engine.flat))
    np.testing.assert_array_equal(engine.flat, before)
    assert np.isfinite(engine.evaluate()[0])  # the restored parameters evaluate fine


def test_non_finite_parameters_are_reported_even_when_outputs_saturate(strict):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    y = (X[:, 0] > 0).astype(int)
    engine = Engine((2, 3, 1), "tanh", "sigmoid", "sse", "glorot", 0, X, y, X, y)
    engine.set_training("sgd", 0.1)
    engine.params[0][0][0, 0] = np.inf  # a saturating hidden unit: outputs stay finite
    engine.invalidate()
    before = engine.flat.copy()
    train_loss, test_loss, _, _ = engine.epoch()
    assert np.isnan(train_loss) and np.isnan(test_loss)
    np.testing.assert_array_equal(engine.flat, before)


@pytest.mark.parametrize(
    ("optimizer", "high"), [("sgd", 20.0), ("momentum", 50.0), ("adam", 1e200)]
)
def test_divergence_restores_the_optimizer_state_too(strict, optimizer, high):
    rng = np.random.default_rng(1)
    X = rng.normal(0, 1e3, (40, 2))
    y = X @ [1.0, -2.0]

    def run(epochs_at_high_rate):
        engine = Engine((2, 6, 1), "relu", "linear", "mse", "he", 0, X, y, X[:8], y[:8])
        engine.set_training(optimizer, 1e-9)
        for _ in range(3):
            engine.epoch()
        engine.set_training(optimizer, high)  # same kind: moments kept
        diverged = None
        for epoch in range(epochs_at_high_rate):
            if not np.isfinite(engine.epoch()[0]):
                diverged = epoch
                break
        engine.set_training(optimizer, 1e-9)
        engine.epoch()
        return engine, diverged

    diverging, at = run(60)
    assert at is not None, "such a rate should diverge"
    twin, _ = run(at)  # the same epochs, minus the diverged one
    np.testing.assert_array_equal(diverging.flat, twin.flat)
