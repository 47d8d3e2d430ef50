"""The notebook configuration reproduces the course notebook's maths exactly.

An independent, plain implementation of the notebook's equations starts from the
engine's initial weights; after 1,000 full-batch epochs of both, every parameter
agrees to 1e-12.
"""

import numpy as np
import pytest
from sklearn.datasets import make_circles
from sklearn.model_selection import train_test_split

from nnviz.core.engine import Engine


@pytest.fixture(scope="module")
def circles():
    X, y = make_circles(n_samples=200, noise=0.1, factor=0.5, random_state=1)
    return train_test_split(X, y, test_size=0.4, random_state=42)


def notebook_engine(circles, seed=0):
    X_train, X_test, y_train, y_test = circles
    engine = Engine((2, 3, 1), "sigmoid", "sigmoid", "sse", "notebook", seed,
                    X_train, y_train, X_test, y_test)  # fmt: skip
    engine.set_training("sgd", 0.01)
    return engine


def sigma(z):
    return 1.0 / (1.0 + np.exp(-z))


def notebook_epoch(X, y, W1, b1, W2, b2, lr=0.01):
    """One epoch exactly as the notebook derives it (y is an m x 1 column)."""
    A1 = sigma(X @ W1 + b1)
    A2 = sigma(A1 @ W2 + b2)
    delta2 = 2.0 * (A2 - y) * A2 * (1.0 - A2)
    dW2, db2 = A1.T @ delta2, delta2.sum(axis=0)
    delta1 = (delta2 @ W2.T) * A1 * (1.0 - A1)
    dW1, db1 = X.T @ delta1, delta1.sum(axis=0)
    return W1 - lr * dW1, b1 - lr * db1, W2 - lr * dW2, b2 - lr * db2


def test_notebook_init_is_uniform_unit_interval(circles):
    engine = notebook_engine(circles, seed=3)
    assert engine.flat.size == 2 * 3 + 3 + 3 * 1 + 1
    assert np.all(engine.flat >= 0.0) and np.all(engine.flat < 1.0)
    assert engine.flat.std() > 0.1  # really drawn, not constant
    (W1, b1), (W2, b2) = engine.params
    assert W1.shape == (2, 3) and b1.shape == (3,) and W2.shape == (3, 1) and b2.shape == (1,)


def test_thousand_epochs_match_the_notebook_equations(circles):
    X_train, X_test, y_train, y_test = circles
    engine = notebook_engine(circles)
    params = [array.copy() for layer in engine.params for array in layer]
    column = y_train.reshape(-1, 1).astype(float)
    for _ in range(1000):
        engine.epoch()
        params = notebook_epoch(X_train, column, *params)
    for mine, theirs in zip((a for layer in engine.params for a in layer), params, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-12)

    # The reported metrics are those of the final parameters, on both sets.
    W1, b1, W2, b2 = params
    train_loss, test_loss, train_acc, test_acc = engine.evaluate()
    for X, y, loss, acc in ((X_train, y_train, train_loss, train_acc),
                            (X_test, y_test, test_loss, test_acc)):  # fmt: skip
        out = sigma(sigma(X @ W1 + b1) @ W2 + b2)[:, 0]
        assert loss == pytest.approx(np.sum((out - y) ** 2), rel=1e-12)
        assert acc == np.mean((out > 0.5) == y)
    assert train_loss < 30.0  # it did learn something from 50.4 at the start
