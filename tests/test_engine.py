"""Engine behaviour: optimizers, mini-batches, metrics, inference, validation and
learning with the default settings."""

import math

import numpy as np
import pytest
from sklearn.datasets import make_circles
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split

from nnviz.core import passes
from nnviz.core.config import Config
from nnviz.core.engine import INFERENCE_PLANS, Engine


@pytest.fixture(scope="module")
def circles():
    X, y = make_circles(n_samples=200, noise=0.1, factor=0.5, random_state=1)
    return train_test_split(X, y, test_size=0.4, random_state=42)


def blobs(n=60, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = rng.normal(size=(n, 2)) * 0.6 + np.array([[0, 2], [2, -1], [-2, -1]])[y]
    return X, y


def binary_engine(circles, hidden=(4,), activation="tanh", loss="bce", seed=0, init="glorot"):
    X_train, X_test, y_train, y_test = circles
    return Engine((2, *hidden, 1), activation, "sigmoid", loss, init, seed,
                  X_train, y_train, X_test, y_test)  # fmt: skip


# ---------------------------------------------------------------------- training
@pytest.mark.parametrize(("optimizer", "lr"), [("sgd", 1.0), ("momentum", 0.2), ("adam", 0.05)])
@pytest.mark.parametrize("batch_size", [None, 16])
def test_every_optimizer_lowers_the_loss(circles, optimizer, lr, batch_size):
    engine = binary_engine(circles)
    engine.set_training(optimizer, lr, batch_size=batch_size)
    start = engine.evaluate()[0]
    for _ in range(60):
        metrics = engine.epoch()
    assert metrics[0] < 0.7 * start
    assert metrics == engine.evaluate()


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_update_rules(circles, optimizer):
    """Two full-batch steps against the textbook rules, from objective_and_grad."""
    X_train, _, y_train, _ = circles
    engine, mirror = binary_engine(circles), binary_engine(circles)
    lr, mu, b1, b2, eps, l2 = 0.1, 0.8, 0.7, 0.9, 1e-3, 0.05
    for e in (engine, mirror):
        e.set_training(optimizer, lr, momentum=mu, beta1=b1, beta2=b2, eps=eps, l2=l2)
    theta = mirror.flat.copy()
    velocity, m, v = np.zeros_like(theta), np.zeros_like(theta), np.zeros_like(theta)
    for t in (1, 2):
        engine.epoch()
        g = mirror.objective_and_grad(X_train, y_train)[1]  # includes the l2 term
        if optimizer == "sgd":
            theta = theta - lr * g
        elif optimizer == "momentum":
            velocity = mu * velocity - lr * g
            theta = theta + velocity
        else:
            m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g**2
            theta = theta - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        mirror.flat[:] = theta
        mirror.invalidate()
        np.testing.assert_allclose(engine.flat, theta, rtol=1e-12, atol=1e-14)


def test_batch_size_at_least_the_data_is_full_batch(circles):
    full, same = binary_engine(circles), binary_engine(circles)
    full.set_training("sgd", 0.1)
    same.set_training("sgd", 0.1, batch_size=10_000)
    for _ in range(5):
        assert full.epoch() == same.epoch()
    np.testing.assert_array_equal(full.flat, same.flat)


def test_mini_batch_epoch_steps_through_the_shuffled_batches(circles):
    """One epoch = SGD steps on consecutive slices of a permutation drawn from the
    seed's child stream, each on that batch's mean loss (the last batch is short)."""
    X_train, _, y_train, _ = circles
    engine = binary_engine(circles, loss="mse", seed=7)
    expected = binary_engine(circles, loss="mse", seed=7)
    engine.set_training("sgd", 0.5, batch_size=50)
    shuffle = np.random.default_rng(np.random.SeedSequence(7).spawn(1)[0])
    for _ in range(2):
        engine.epoch()
        order = shuffle.permutation(len(X_train))
        for start in range(0, len(X_train), 50):  # 50, 50, 20
            batch = order[start : start + 50]
            _, grad = expected.objective_and_grad(X_train[batch], y_train[batch])
            expected.flat -= 0.5 * grad
    np.testing.assert_allclose(engine.flat, expected.flat, rtol=0, atol=1e-13)


def test_shuffling_is_reproducible_and_seeded(circles):
    runs = []
    for seed in (3, 3, 4):
        engine = binary_engine(circles, seed=seed)
        engine.flat[:] = binary_engine(circles, seed=3).flat  # same start for all
        engine.invalidate()
        engine.set_training("sgd", 0.2, batch_size=8)
        for _ in range(3):
            engine.epoch()
        runs.append(engine.flat.copy())
    np.testing.assert_array_equal(runs[0], runs[1])
    assert np.abs(runs[0] - runs[2]).max() > 1e-6


def test_same_seed_same_weights_other_seed_other_weights(circles):
    a, b, c = (binary_engine(circles, seed=s).flat for s in (5, 5, 6))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_new_rates_keep_optimizer_state_new_kind_resets_it(circles, optimizer):
    straight, rerated, reset = (binary_engine(circles) for _ in range(3))
    for engine in (straight, rerated, reset):
        engine.set_training(optimizer, 0.05)
        for _ in range(3):
            engine.epoch()
    rerated.set_training(optimizer, 0.05, batch_size=None)  # same kind: state kept
    reset.set_training("sgd", 0.05)
    reset.set_training(optimizer, 0.05)  # new kind and back: state gone
    for engine in (straight, rerated, reset):
        engine.epoch()
    np.testing.assert_array_equal(straight.flat, rerated.flat)
    assert np.abs(straight.flat - reset.flat).max() > 1e-9


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_optimizer_state_round_trip_resumes_exactly(circles, optimizer):
    straight, resumed = binary_engine(circles), binary_engine(circles)
    assert straight.optimizer_state.size == 0
    straight.set_training(optimizer, 0.05)
    for _ in range(4):
        straight.epoch()
    weights, state = straight.flat.copy(), straight.optimizer_state.copy()
    assert state.size == 1 + {"sgd": 0, "momentum": 1, "adam": 2}[optimizer] * weights.size
    assert state[0] == 4.0 or optimizer != "adam"
    resumed.set_training(optimizer, 0.05)
    resumed.flat[:] = weights
    resumed.optimizer_state[:] = state
    resumed.invalidate()
    for _ in range(3):
        assert resumed.epoch() == straight.epoch()
    np.testing.assert_array_equal(resumed.flat, straight.flat)


def test_set_training_keeps_the_weights(circles):
    engine = binary_engine(circles)
    engine.set_training("adam", 0.01)
    engine.epoch()
    weights = engine.flat.copy()
    engine.set_training("sgd", 0.3, batch_size=7, l2=0.1)
    np.testing.assert_array_equal(engine.flat, weights)


# ---------------------------------------------------------------------- metrics
def test_metrics_match_their_definitions(circles):
    X_train, X_test, y_train, y_test = circles
    for loss in ("sse", "mse", "bce"):
        engine = binary_engine(circles, loss=loss, seed=2)
        metrics = engine.evaluate()
        for i, (X, y) in enumerate(((X_train, y_train), (X_test, y_test))):
            p = engine.forward(X)[:, 0]
            expected = {
                "sse": np.sum((p - y) ** 2),
                "mse": np.mean((p - y) ** 2),
                "bce": -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)),
            }[loss]
            assert metrics[i] == pytest.approx(expected, rel=1e-9)
            assert metrics[2 + i] == np.mean((p > 0.5) == y)


def test_multiclass_metrics():
    X, y = blobs()
    engine = Engine((2, 5, 3), "relu", "softmax", "ce", "he", 1, X[:40], y[:40], X[40:], y[40:])
    train_loss, test_loss, train_acc, test_acc = engine.evaluate()
    for (lo, hi), loss, acc in (((0, 40), train_loss, train_acc), ((40, 60), test_loss, test_acc)):
        p = engine.forward(X[lo:hi])
        np.testing.assert_allclose(p.sum(axis=1), 1.0)
        assert loss == pytest.approx(-np.mean(np.log(p[np.arange(hi - lo), y[lo:hi]])), rel=1e-9)
        assert acc == np.mean(p.argmax(axis=1) == y[lo:hi])
    engine.set_training("adam", 0.05)
    for _ in range(200):
        metrics = engine.epoch()
    assert metrics[2] > 0.9 and metrics[3] > 0.8


def test_regression_scores_are_r2():
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, (80, 2))
    y = X[:, 0] ** 2 - X[:, 1]
    engine = Engine((2, 8, 1), "tanh", "linear", "mse", "glorot", 0, X[:60], y[:60], X[60:], y[60:])
    engine.set_training("adam", 0.05)
    for _ in range(300):
        train_loss, test_loss, train_r2, test_r2 = engine.epoch()
    for (lo, hi), loss, r2 in (((0, 60), train_loss, train_r2), ((60, 80), test_loss, test_r2)):
        pred = engine.forward(X[lo:hi])[:, 0]
        assert loss == pytest.approx(np.mean((pred - y[lo:hi]) ** 2), rel=1e-9)
        assert r2 == pytest.approx(r2_score(y[lo:hi], pred), rel=1e-9)
    assert train_r2 > 0.9


def test_without_test_samples_test_metrics_are_nan(circles):
    X_train, _, y_train, _ = circles
    engine = Engine((2, 3, 1), "tanh", "sigmoid", "bce", "glorot", 0,
                    X_train, y_train, X_train[:0], y_train[:0])  # fmt: skip
    engine.set_training("adam", 0.05)
    for metrics in (engine.evaluate(), engine.epoch()):
        assert math.isfinite(metrics[0]) and math.isfinite(metrics[2])
        assert math.isnan(metrics[1]) and math.isnan(metrics[3])


def test_invalidate_after_editing_a_weight(circles):
    engine = binary_engine(circles)
    before = engine.evaluate()
    engine.params[1][1][0] += 3.0  # the output bias
    assert engine.evaluate() == before  # cached until told
    engine.invalidate()
    after = engine.evaluate()
    assert after[0] != before[0]
    engine.params[1][1][0] -= 3.0
    engine.invalidate()
    assert engine.evaluate() == pytest.approx(before, rel=1e-12)


# ---------------------------------------------------------------------- inference
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "leaky_relu", "linear"])
def test_layer_outputs_follow_the_definitions(circles, activation):
    engine = binary_engine(circles, hidden=(4, 3), activation=activation, init="playground")
    X = circles[0][:25]
    f = {
        "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
        "tanh": np.tanh,
        "relu": lambda z: np.maximum(z, 0),
        "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
        "linear": lambda z: z,
    }[activation]
    expected = [X]
    for i, (W, b) in enumerate(engine.params):
        z = expected[-1] @ W + b
        expected.append(f(z) if i < 2 else 1 / (1 + np.exp(-z)))
    outputs64 = engine.layer_outputs(X, dtype=np.float64)
    outputs32 = engine.layer_outputs(X)
    for mine, mine32, theirs in zip(outputs64, outputs32, expected, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-14)
        assert mine32.dtype == np.float32
        np.testing.assert_allclose(mine32, theirs, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(engine.forward(X), outputs64[-1])
    assert engine.forward(X[:0]).shape == (0, 1)


def test_forward_on_a_large_grid_in_float32(circles):
    engine = binary_engine(circles, hidden=(8, 8))
    xs = np.linspace(-2, 2, 150)
    grid = np.stack(np.meshgrid(xs, xs), axis=-1).reshape(-1, 2)
    out = engine.forward(grid, dtype=np.float32)
    assert out.shape == (22500, 1) and out.dtype == np.float32
    np.testing.assert_allclose(out, engine.forward(grid), rtol=1e-5, atol=1e-6)


def test_repeated_inference_follows_the_weights_and_hands_out_fresh_arrays(circles):
    """Forward passes of one size reuse their buffers (see Engine._inference_plan)."""
    engine = binary_engine(circles, hidden=(5, 3))
    X = circles[0][:40]
    first, layers = engine.forward(X), engine.layer_outputs(X, dtype=np.float64)
    kept = [first.copy(), *(a.copy() for a in layers)]
    engine.flat[:] *= -0.5  # other weights, same sizes: the same plan serves
    engine.invalidate()
    again = engine.forward(X)
    expected = X
    for i, (W, b) in enumerate(engine.params):
        z = expected @ W + b
        expected = np.tanh(z) if i < 2 else 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(again, expected, rtol=1e-12)
    assert not np.allclose(again, kept[0])
    for handed_out, copy in zip([first, *layers], kept, strict=True):
        np.testing.assert_array_equal(handed_out, copy)  # untouched by the later pass
    for n in range(1, 12):  # many sizes: only a few plans are kept
        engine.forward(X[:n])
    assert len(engine._plans) <= INFERENCE_PLANS


# ---------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sizes": (2,)}, "sizes"),
        ({"sizes": (2, 0, 1)}, "sizes"),
        ({"activation": "swish"}, "activation"),
        ({"output": "softplus"}, "output"),
        ({"loss": "ce"}, "loss"),
        ({"init": "zeros"}, "init"),
        ({"seed": -1}, "seed"),
        ({"y_train": np.full(120, 2)}, "y"),
        ({"y_train": np.zeros(119)}, "y_train"),
        ({"x_train": np.full((120, 2), np.nan)}, "x_train"),
        ({"x_test": np.zeros((80, 3))}, "x_test"),
    ],
)
def test_bad_arguments_raise_value_errors(circles, change, message):
    X_train, X_test, y_train, y_test = circles
    args = dict(sizes=(2, 3, 1), activation="tanh", output="sigmoid", loss="bce", init="glorot",
                seed=0, x_train=X_train, y_train=y_train, x_test=X_test, y_test=y_test)  # fmt: skip
    args.update(change)
    with pytest.raises(ValueError, match=message):
        Engine(**args)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"optimizer": "rmsprop", "lr": 0.1}, "optimizer"),
        ({"optimizer": "sgd", "lr": 0.0}, "lr"),
        ({"optimizer": "sgd", "lr": math.inf}, "lr"),
        ({"optimizer": "momentum", "lr": 0.1, "momentum": 1.0}, "momentum"),
        ({"optimizer": "sgd", "lr": 0.1, "batch_size": 0}, "batch_size"),
        ({"optimizer": "sgd", "lr": 0.1, "l2": -1.0}, "l2"),
    ],
)
def test_bad_training_settings_raise_value_errors(circles, kwargs, message):
    engine = binary_engine(circles)
    with pytest.raises(ValueError, match=message):
        engine.set_training(**kwargs)


def test_epoch_needs_training_settings(circles):
    engine = binary_engine(circles)
    engine.evaluate()  # evaluating needs no settings
    with pytest.raises(RuntimeError, match="set_training"):
        engine.epoch()


def test_initialisers(circles):
    playground = binary_engine(circles, hidden=(8,), init="playground")
    for w, b in playground.params:
        assert np.all((w >= -0.5) & (w < 0.5)) and np.all(b == 0.1)
    glorot = binary_engine(circles, hidden=(8,), init="glorot")
    for w, b in glorot.params:
        assert np.abs(w).max() <= math.sqrt(6 / sum(w.shape)) and np.all(b == 0)
    he = Engine((50, 200, 1), "relu", "sigmoid", "bce", "he", 0,
                np.zeros((2, 50)), [0, 1], np.zeros((0, 50)), [])  # fmt: skip
    assert he.params[0][0].std() == pytest.approx(math.sqrt(2 / 50), rel=0.05)


# ---------------------------------------------------------------------- defaults
@pytest.mark.parametrize("seed", range(5))
def test_default_settings_learn_the_notebook_circles(circles, seed):
    config = Config()
    X_train, X_test, y_train, y_test = circles
    engine = Engine((2, *config.hidden, 1), config.activation, "sigmoid", config.loss,
                    config.init, seed, X_train, y_train, X_test, y_test)  # fmt: skip
    engine.set_training(config.optimizer, config.lr, config.momentum, config.beta1, config.beta2,
                        config.eps, config.batch_size, config.l1, config.l2)  # fmt: skip
    best = max(engine.epoch()[3] for _ in range(3000))
    assert best >= 0.9


# ---------------------------------------------------------------------- large networks
@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
@pytest.mark.parametrize("limit", ["_FUSED_LIMIT", "_ALL_COLUMNS_LIMIT"])
@pytest.mark.parametrize(
    ("optimizer", "batch_size"), [("sgd", None), ("momentum", 7), ("adam", None)]
)
@pytest.mark.parametrize(
    ("output", "loss"), [("sigmoid", "mse"), ("softmax", "ce"), ("linear", "sse")]
)
def test_large_network_paths_match_the_small_network_one(
    monkeypatch, limit, activation, optimizer, batch_size, output, loss
):
    """Big networks take one product per layer and big data sets propagate deltas
    over the training columns only; both must compute the same numbers."""
    X, y = blobs(80, seed=3)
    if output == "sigmoid":
        y = (y > 0).astype(int)
    elif output == "linear":
        y = X[:, 0] * X[:, 1]
    k = 3 if output == "softmax" else 1

    def trained(limit_value=None):
        if limit_value is not None:
            monkeypatch.setattr(passes, limit, limit_value)
        engine = Engine((2, 5, 4, k), activation, output, loss, "glorot", 0, X[:50], y[:50],
                        X[50:], y[50:])  # fmt: skip
        engine.set_training(optimizer, 0.05, batch_size=batch_size, l1=0.001, l2=0.01)
        return engine, [engine.epoch() for _ in range(6)]

    fused = limit == "_FUSED_LIMIT"
    small, small_metrics = trained(limit_value=10**9 if fused else None)
    large, large_metrics = trained(limit_value=0 if fused else 10)
    assert small._fused and not large._fused if fused else large._eval.span == 50
    np.testing.assert_allclose(large_metrics, small_metrics, rtol=1e-9)
    np.testing.assert_allclose(large.flat, small.flat, rtol=1e-9, atol=1e-12)
    assert large.gradient_check() < 1e-6


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
@pytest.mark.parametrize(
    ("output", "loss"),
    [("sigmoid", "sse"), ("sigmoid", "bce"), ("softmax", "ce"), ("linear", "mse")],
)
def test_plain_sgd_takes_turns_between_readouts_and_matches_the_general_path(
    monkeypatch, activation, output, loss
):
    """Plain full-batch SGD keeps its parameters in rotating readouts (no update or
    save per epoch); it must match the path that updates ``flat`` in place, whether
    or not ``flat`` is read, edited or training is switched in between."""
    X, y = blobs(60, seed=5)
    if output == "sigmoid":
        y = (y > 0).astype(int)
    elif output == "linear":
        y = X[:, 0] - X[:, 1] ** 2
    k = 3 if output == "softmax" else 1

    def run():
        engine = Engine((2, 4, 3, k), activation, output, loss, "glorot", 1, X[:40], y[:40],
                        X[40:], y[40:])  # fmt: skip
        engine.set_training("sgd", 0.1)
        metrics = [engine.epoch() for _ in range(4)]
        metrics.append(engine.evaluate())
        engine.params[0][1][0] += 0.25  # the first bias, edited in place
        engine.invalidate()
        metrics += [engine.epoch() for _ in range(5)]
        engine.set_training("sgd", 0.1, batch_size=16)
        metrics.append(engine.epoch())
        engine.set_training("sgd", 0.05)
        metrics += [engine.epoch() for _ in range(4)]
        return engine, metrics

    monkeypatch.setattr(passes, "_FUSED_LIMIT", 10**9)
    rotating, rotating_metrics = run()
    assert len(rotating._epochs) == 3  # the readouts took turns
    monkeypatch.setattr(passes, "_FUSED_LIMIT", 0)
    general, general_metrics = run()
    assert len(general._epochs) == 1
    np.testing.assert_allclose(rotating_metrics, general_metrics, rtol=1e-9)
    np.testing.assert_allclose(rotating.flat, general.flat, rtol=1e-9, atol=1e-12)
