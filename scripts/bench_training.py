"""Training speed of the nnviz engine against a plain NumPy loop and scikit-learn.

Two configurations, each measured in epochs per second (median of several runs,
all contestants interleaved in this one process, BLAS pinned to one thread):

1. notebook:   2-3-1 sigmoid, summed squared error, uniform [0, 1) init, SGD lr 0.01,
               full batch, the notebook's circles (120 train / 80 test points);
2. playground: 2-4-2-1 tanh, sigmoid output, mean squared error, playground init,
               SGD lr 0.03, mini-batches of 10, 250 of 500 circle points for training.

Contestants: the engine (each epoch also computes train and test loss and
accuracy), the same through the public ``Trainer.step`` (which also records every
epoch's metrics in the history), a straightforward loop written from the
notebook's equations (new arrays every step, training loss each epoch), and
scikit-learn's MLPClassifier with one ``partial_fit`` per epoch.  Ratios are
contestant / plain loop (engine / scikit-learn for the last), the median over runs
of the ratio within each run.

    python scripts/bench_training.py [--json] [--runs 5] [--seconds 0.5]
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nnviz.core import Config, Trainer  # noqa: E402
from nnviz.core.datasets import Dataset  # noqa: E402
from nnviz.core.engine import Engine  # noqa: E402


# ---------------------------------------------------------------------- data
def notebook_data():
    from sklearn.datasets import make_circles
    from sklearn.model_selection import train_test_split

    X, y = make_circles(n_samples=200, noise=0.1, factor=0.5, random_state=1)
    return train_test_split(X, y, test_size=0.4, random_state=42)


def playground_data():
    """500 points like TensorFlow Playground's circle set: class 1 inside radius 2.5,
    class 0 on the ring 3.5..5; the first half trains."""
    rng = np.random.default_rng(0)
    n = 500
    inner = np.arange(n) % 2 == 0
    radius = np.where(inner, rng.uniform(0.0, 2.5, n), rng.uniform(3.5, 5.0, n))
    angle = rng.uniform(0.0, 2.0 * np.pi, n)
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    y = inner.astype(int)
    half = n // 2
    return X[:half], X[half:], y[:half], y[half:]


# ---------------------------------------------------------------------- contestants
def engine_eps(make_engine, seconds: float) -> float:
    """Epochs per second of one engine, one ``epoch()`` call per epoch."""
    step = make_engine().epoch
    return rate(step, seconds)


def trainer_eps(config: Config, data, seconds: float, chunk: int = 100) -> float:
    """Epochs per second of ``Trainer(config).step(chunk)`` on the same data."""
    X_train, X_test, y_train, y_test = data
    dataset = Dataset(config.dataset, "binary", 2, X_train, y_train, X_test, y_test)
    trainer = Trainer(config, dataset)
    return rate(lambda: trainer.step(chunk), seconds) * chunk


NOTEBOOK_CONFIG = Config(dataset="circles", hidden=(3,), activation="sigmoid", loss="sse",
                         init="notebook", optimizer="sgd", lr=0.01)  # fmt: skip
PLAYGROUND_CONFIG = Config(dataset="circle", hidden=(4, 2), activation="tanh", loss="mse",
                           init="playground", optimizer="sgd", lr=0.03, batch_size=10)  # fmt: skip


def make_notebook_engine(data):
    X_train, X_test, y_train, y_test = data

    def make():
        engine = Engine((2, 3, 1), "sigmoid", "sigmoid", "sse", "notebook", 0,
                        X_train, y_train, X_test, y_test)  # fmt: skip
        engine.set_training("sgd", 0.01)
        return engine

    return make


def make_playground_engine(data):
    X_train, X_test, y_train, y_test = data

    def make():
        engine = Engine((2, 4, 2, 1), "tanh", "sigmoid", "mse", "playground", 0,
                        X_train, y_train, X_test, y_test)  # fmt: skip
        engine.set_training("sgd", 0.03, batch_size=10)
        return engine

    return make


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def notebook_reference(data):
    """The notebook's equations as a student writes them: full batch, new arrays."""
    X, _, y, _ = data
    y = y.reshape(-1, 1)
    rng = np.random.default_rng(0)
    W1, b1, W2, b2 = rng.random((2, 3)), rng.random(3), rng.random((3, 1)), rng.random(1)
    losses = []

    def epoch():
        nonlocal W1, b1, W2, b2
        A1 = sigmoid(np.dot(X, W1) + b1)
        A2 = sigmoid(np.dot(A1, W2) + b2)
        losses.append(np.sum((A2 - y) ** 2))
        delta2 = 2 * (A2 - y) * A2 * (1 - A2)
        dW2 = np.dot(A1.T, delta2)
        db2 = np.sum(delta2, axis=0)
        delta1 = np.dot(delta2, W2.T) * A1 * (1 - A1)
        dW1 = np.dot(X.T, delta1)
        db1 = np.sum(delta1, axis=0)
        W1 = W1 - 0.01 * dW1
        b1 = b1 - 0.01 * db1
        W2 = W2 - 0.01 * dW2
        b2 = b2 - 0.01 * db2

    return epoch


def playground_reference(data):
    """The same straightforward style with mini-batches of 10, tanh hidden layers,
    a sigmoid output and mean squared error; training loss averaged per epoch."""
    X, _, y, _ = data
    y = y.reshape(-1, 1)
    rng = np.random.default_rng(0)
    sizes = (2, 4, 2, 1)
    Ws = [rng.random((a, b)) - 0.5 for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    bs = [np.full(b, 0.1) for b in sizes[1:]]
    losses = []

    def epoch():
        order = rng.permutation(len(X))
        total = 0.0
        for start in range(0, len(X), 10):
            batch = order[start : start + 10]
            xb, yb = X[batch], y[batch]
            A1 = np.tanh(np.dot(xb, Ws[0]) + bs[0])
            A2 = np.tanh(np.dot(A1, Ws[1]) + bs[1])
            A3 = sigmoid(np.dot(A2, Ws[2]) + bs[2])
            total += np.mean(np.sum((A3 - yb) ** 2, axis=1))
            delta3 = 2 * (A3 - yb) * A3 * (1 - A3) / len(xb)
            delta2 = np.dot(delta3, Ws[2].T) * (1 - A2**2)
            delta1 = np.dot(delta2, Ws[1].T) * (1 - A1**2)
            grads = [(np.dot(a.T, d), np.sum(d, axis=0))
                     for a, d in ((xb, delta1), (A1, delta2), (A2, delta3))]  # fmt: skip
            for i, (dW, db) in enumerate(grads):
                Ws[i] = Ws[i] - 0.03 * dW
                bs[i] = bs[i] - 0.03 * db
        losses.append(total / 25)

    return epoch


def sklearn_epoch(data, hidden, activation, lr, batch_size):
    """scikit-learn's MLPClassifier, one partial_fit (one pass over the data) per epoch."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    X, _, y, _ = data
    model = MLPClassifier(hidden_layer_sizes=hidden, activation=activation, solver="sgd",
                          learning_rate_init=lr, momentum=0.0, nesterovs_momentum=False,
                          alpha=0.0, batch_size=batch_size, random_state=0)  # fmt: skip
    classes = np.unique(y)

    def epoch():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.partial_fit(X, y, classes=classes)

    return epoch


# ---------------------------------------------------------------------- timing
def rate(step, seconds: float) -> float:
    """Calls of ``step`` per second over about ``seconds`` (after a short warm-up)."""
    for _ in range(20):
        step()
    calls, batch = 0, 16
    start = time.perf_counter()
    while True:
        for _ in range(batch):
            step()
        calls += batch
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return calls / elapsed
        batch *= 2 if elapsed < seconds / 4 else 1


def measure(config: str, data, runs: int, seconds: float) -> dict:
    if config == "notebook":
        engine = make_notebook_engine(data)
        trainer = lambda: trainer_eps(NOTEBOOK_CONFIG, data, seconds)  # noqa: E731
        reference = lambda: rate(notebook_reference(data), seconds)  # noqa: E731
        sklearn = lambda: rate(sklearn_epoch(data, (3,), "logistic", 0.01, len(data[0])), seconds)  # noqa: E731
    else:
        engine = make_playground_engine(data)
        trainer = lambda: trainer_eps(PLAYGROUND_CONFIG, data, seconds)  # noqa: E731
        reference = lambda: rate(playground_reference(data), seconds)  # noqa: E731
        sklearn = lambda: rate(sklearn_epoch(data, (4, 2), "tanh", 0.03, 10), seconds)  # noqa: E731
    samples = {"engine": [], "trainer": [], "reference": [], "sklearn": []}
    for _ in range(runs):  # interleaved, so load changes hit every contestant alike
        samples["engine"].append(engine_eps(engine, seconds))
        samples["trainer"].append(trainer())
        samples["reference"].append(reference())
        samples["sklearn"].append(sklearn())
    eps = {name: statistics.median(values) for name, values in samples.items()}

    def ratio(name: str, other: str) -> float:
        # The median over runs of each run's ratio (neighbouring measurements).
        return statistics.median(map(float.__truediv__, samples[name], samples[other]))

    return {
        f"{config}_engine_eps": eps["engine"],
        f"{config}_trainer_eps": eps["trainer"],
        f"{config}_reference_eps": eps["reference"],
        f"{config}_sklearn_eps": eps["sklearn"],
        f"{config}_ratio": ratio("engine", "reference"),
        f"{config}_trainer_ratio": ratio("trainer", "reference"),
        f"{config}_sklearn_ratio": ratio("engine", "sklearn"),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--runs", type=int, default=5, help="runs per contestant (median)")
    parser.add_argument("--seconds", type=float, default=0.5, help="length of one run")
    args = parser.parse_args(argv)
    results = {}
    for config, data in (("notebook", notebook_data()), ("playground", playground_data())):
        results.update(measure(config, data, args.runs, args.seconds))
    if args.json:
        print(json.dumps(results, sort_keys=True))
        return 0
    for config in ("notebook", "playground"):
        r = {
            key.split("_", 1)[1]: value for key, value in results.items() if key.startswith(config)
        }
        print(f"{config:10s} engine {r['engine_eps']:9.0f} eps | "
              f"plain loop {r['reference_eps']:8.0f} eps (x{r['ratio']:.2f}) | "
              f"sklearn {r['sklearn_eps']:6.0f} eps (x{r['sklearn_ratio']:.1f}) | "
              f"Trainer.step {r['trainer_eps']:9.0f} eps (x{r['trainer_ratio']:.2f})")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
