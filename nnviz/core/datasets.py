"""Every dataset nnviz offers: generation from a `Config`, the train/test split, and `Dataset`.

Three families live here:

* the course notebook's scikit-learn sets (moons, circles, linear), reproduced exactly:
  with ``data_seed=0`` and the default ``samples=None`` (moons and circles 200 points,
  ``linear`` make_classification's default 100) every ``random_state`` is the notebook's,
  so these are the notebook's very arrays, and the split is its
  ``train_test_split(test_size=0.4, random_state=42)``;
* TensorFlow Playground's sets (circle, xor, gauss, spiral; reg-plane, reg-gauss), written
  from their description: points in [-6, 6]², noise 0..0.5 is the playground's 0..50 %;
* several-class sets (blobs, arms, iris) and points loaded from a CSV file ('file').

A two-class set built here has its classes balanced within one point.  ``linear`` at its
own size is the notebook's exact call (sklearn's ``flip_y=0.01`` relabels about 1 % of
the points, 50 / 50 there); at any size asked for, it draws without flipped labels.
The several-class generators draw ``Config.classes`` (3..5) classes.
``iris`` and 'file' ignore ``samples`` and ``noise``: they use all of their points.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.datasets import load_iris, make_circles, make_classification, make_moons
from sklearn.model_selection import train_test_split

from .config import MAX_CLASSES, MIN_CLASSES, losses_for, problem_of
from .csvdata import load_points

PROBLEMS = ("binary", "multiclass", "regression")
PLAYGROUND_RADIUS = 6.0  # playground points live in [-6, 6]²
SPLIT_SEED = 42  # the notebook's train_test_split random_state

DATASET_INFO: dict[str, str] = {
    "circles": "Two noisy concentric rings (the course notebook's data, sklearn make_circles).",
    "moons": "Two interleaving half-moons (the course notebook's sklearn make_moons).",
    "linear": "Two linearly separable clusters (the course notebook's make_classification).",
    "circle": "Playground circle: one class in a disc, the other in a ring around it.",
    "xor": "Playground XOR: the class is the sign of x1·x2 (opposite quadrants agree).",
    "gauss": "Playground gaussian: two normal clouds at (2, 2) and (-2, -2).",
    "spiral": "Playground spiral: two interleaved spiral arms, the hardest two-class set.",
    "blobs": "3-5 normal clouds on a circle, one class each (set the number with classes).",
    "arms": "A spiral with 3-5 arms, one class per arm (set the number with classes).",
    "iris": "Fisher's iris flowers: petal length and width, 3 species, all 150 samples.",
    "reg-plane": "Playground regression plane: the target rises linearly with x1 + x2.",
    "reg-gauss": "Playground regression: six positive and negative bumps over the plane.",
    "file": "Your own points from a CSV file of x1,x2,label rows (2-5 integer classes).",
}


@dataclass(frozen=True, eq=False)
class Dataset:
    """One generated or loaded dataset, split into train and test points.

    Arrays are made read-only: a dataset is shared between the trainer and the views,
    so a change must build a new one.  Construction validates everything (ValueError).
    """

    name: str
    problem: str  # 'binary' | 'multiclass' | 'regression'
    n_classes: int  # 2 for binary, k for multiclass, 1 for regression
    x_train: np.ndarray  # (n, 2) float64 raw coordinates (x1, x2)
    y_train: np.ndarray  # (n,) int64 labels 0..k-1, or float64 regression targets
    x_test: np.ndarray
    y_test: np.ndarray

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise ValueError("dataset: name must be a string")
        if self.problem not in PROBLEMS:
            raise ValueError(f"dataset: problem {self.problem!r} is not one of {PROBLEMS}")
        if self.n_classes != _classes_of(self.problem, self.n_classes):
            raise ValueError(f"dataset: {self.n_classes} classes do not fit a {self.problem} set")
        for part in ("train", "test"):
            x = _points_array(f"x_{part}", getattr(self, f"x_{part}"))
            y = self._targets_array(f"y_{part}", getattr(self, f"y_{part}"), len(x))
            object.__setattr__(self, f"x_{part}", x)
            object.__setattr__(self, f"y_{part}", y)

    def _targets_array(self, field: str, values, n: int) -> np.ndarray:
        y = np.array(values, dtype=np.float64)  # a copy: the dataset owns its arrays
        if y.shape != (n,):
            raise ValueError(f"dataset: {field} must hold {n} values, got shape {y.shape}")
        if not np.all(np.isfinite(y)):
            raise ValueError(f"dataset: {field} holds NaN or infinity")
        if self.problem != "regression":
            if np.any(y != np.round(y)) or np.any(y < 0) or np.any(y >= self.n_classes):
                raise ValueError(
                    f"dataset: {field} labels must be whole numbers 0..{self.n_classes - 1}"
                )
            y = y.astype(np.int64)
        y.setflags(write=False)
        return y

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(xmin, xmax, ymin, ymax) of all points, padded by 0.5 on every side, as the notebook."""
        points = np.concatenate([self.x_train, self.x_test])
        low, high = points.min(axis=0) - 0.5, points.max(axis=0) + 0.5
        return float(low[0]), float(high[0]), float(low[1]), float(high[1])

    def to_dict(self) -> dict:
        """JSON-able copy (plain lists); `from_dict` reads it back exactly."""
        return {
            "name": self.name,
            "problem": self.problem,
            "n_classes": self.n_classes,
            "x_train": self.x_train.tolist(),
            "y_train": self.y_train.tolist(),
            "x_test": self.x_test.tolist(),
            "y_test": self.y_test.tolist(),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Dataset:
        if not isinstance(data, dict):
            raise ValueError("dataset: expected a JSON object")
        keys = ("name", "problem", "n_classes", "x_train", "y_train", "x_test", "y_test")
        missing = [key for key in keys if key not in data]
        if missing:
            raise ValueError(f"dataset: missing {', '.join(missing)}")
        if isinstance(data["n_classes"], bool) or not isinstance(data["n_classes"], int):
            raise ValueError("dataset: n_classes must be a whole number")
        return cls(**{key: data[key] for key in keys})


def _classes_of(problem: str, n_classes) -> int:
    """The class count a problem kind allows, or -1 when ``n_classes`` does not fit it."""
    if problem == "binary":
        return 2
    if problem == "regression":
        return 1
    if isinstance(n_classes, int) and MIN_CLASSES <= n_classes <= MAX_CLASSES:
        return n_classes
    return -1


def _points_array(field: str, values) -> np.ndarray:
    try:
        x = np.array(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"dataset: {field} must be numbers") from exc
    if x.ndim != 2 or x.shape[1] != 2 or len(x) == 0:
        raise ValueError(f"dataset: {field} must be (n, 2) points with n >= 1, got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"dataset: {field} holds NaN or infinity")
    x.setflags(write=False)
    return x


# ---------------------------------------------------------------------- building
def make_dataset(config) -> Dataset:
    """Generate (or load) and split the dataset a `Config` names; same config, same arrays."""
    name = config.dataset
    if name == "file":
        x, y, n_classes = _file_points(config.data_file)
    else:
        x, y, n_classes = _GENERATORS[name](config)
    problem = "regression" if n_classes == 1 else "binary" if n_classes == 2 else "multiclass"
    split_seed = SPLIT_SEED + config.data_seed
    x_train, x_test, y_train, y_test = split(x, y, config.train_ratio, split_seed, problem)
    return Dataset(name, problem, n_classes, x_train, y_train, x_test, y_test)


def fit_loss_to_data(config, changes: dict) -> dict:
    """``changes`` to ``config``'s data plus, unless they name a loss, a switch to the new
    data's preferred loss when the current one does not fit it: the window, the command
    line and scripts never pair data with a loss that cannot train on it.  A CSV file is
    read to learn its kind (ValueError, naming the problem, if it cannot be)."""
    if "loss" in changes:
        return dict(changes)
    dataset = changes.get("dataset", config.dataset)
    if dataset == "file":
        problem = make_dataset(config.replace(**changes)).problem
    else:
        problem = problem_of(dataset)
    valid = losses_for(problem)
    return dict(changes) if config.loss in valid else {**changes, "loss": valid[0]}


def split(x: np.ndarray, y: np.ndarray, train_ratio: float, seed: int, problem: str):
    """Shuffle into (x_train, x_test, y_train, y_test) with round(n * ratio) training points.

    sklearn's ``train_test_split`` does the shuffling (so the notebook's split is exact);
    then a class missing from the training part swaps a test point in for a training point
    of the best-represented class.
    """
    n = len(x)
    n_train = min(max(round(n * train_ratio), 1), n - 1)
    train_idx, test_idx = train_test_split(np.arange(n), test_size=n - n_train, random_state=seed)
    if problem != "regression":
        _ensure_every_class_trains(y, train_idx, test_idx)
    return x[train_idx], x[test_idx], y[train_idx], y[test_idx]


def _ensure_every_class_trains(y: np.ndarray, train_idx: np.ndarray, test_idx: np.ndarray) -> None:
    n_classes = int(y.max()) + 1
    for label in range(n_classes):
        in_test = np.flatnonzero(y[test_idx] == label)
        if np.any(y[train_idx] == label) or len(in_test) == 0:
            continue
        train_counts = np.bincount(y[train_idx], minlength=n_classes)
        if train_counts.max() < 2:
            return  # every training point is the only one of its class: nothing to give
        donor = np.flatnonzero(y[train_idx] == np.argmax(train_counts))[0]
        t = in_test[0]
        train_idx[donor], test_idx[t] = test_idx[t], train_idx[donor]


# Points drawn when Config.samples is None: the notebook's own counts (make_classification's
# default of 100 for linear), the playground's 500, and 300 for the several-class sets.
NATURAL_SAMPLES = {
    "moons": 200,
    "circles": 200,
    "linear": 100,
    "circle": 500,
    "xor": 500,
    "gauss": 500,
    "spiral": 500,
    "reg-plane": 500,
    "reg-gauss": 500,
    "blobs": 300,
    "arms": 300,
}


def sample_count(config) -> int:
    """Points to draw: ``config.samples``, or the dataset's natural size when it is None."""
    return config.samples if config.samples is not None else NATURAL_SAMPLES[config.dataset]


def class_counts(n: int, k: int) -> np.ndarray:
    """``n`` points shared by ``k`` classes as evenly as possible (the first ones get the rest)."""
    counts = np.full(k, n // k)
    counts[: n % k] += 1
    return counts


def _rng(config) -> np.random.Generator:
    """A generator of its own per dataset name and data seed."""
    return np.random.default_rng([config.data_seed, zlib.crc32(config.dataset.encode())])


# ---------------------------------------------------------------------- the notebook's sets
def _moons(config):
    x, y = make_moons(
        n_samples=sample_count(config), noise=config.noise, random_state=config.data_seed
    )
    return x, y.astype(np.int64), 2


def _circles(config):
    x, y = make_circles(
        n_samples=sample_count(config),
        noise=config.noise,
        factor=0.5,
        random_state=1 + config.data_seed,
    )
    return x, y.astype(np.int64), 2


def _linear(config):
    x, y = make_classification(
        n_samples=sample_count(config),
        n_features=2,
        n_redundant=0,
        n_informative=2,
        random_state=1 + config.data_seed,
        n_clusters_per_class=1,
        # The notebook's call keeps sklearn's 1 % of flipped labels; any other size turns
        # them off so its two classes stay balanced within one point.
        flip_y=0.01 if config.samples is None else 0.0,
    )
    # The notebook jitters by 2 * U[0, 1) at its noise of 0.1; scale that with our noise.
    jitter = np.random.RandomState(2 + config.data_seed).uniform(size=x.shape)
    x += (config.noise / 0.1) * 2 * jitter
    return x, y.astype(np.int64), 2


# ---------------------------------------------------------------------- playground sets
def _balanced(config, draw: Callable):
    """Two classes of exactly balanced size from a process that labels its own points.

    ``draw(rng, m)`` returns m points and their labels.  Keeping the first points of each
    label is the process conditioned on its label, so the look of the data is unchanged
    while the class sizes are exact instead of random.
    """
    rng, counts = _rng(config), class_counts(sample_count(config), 2)
    kept = [np.zeros((0, 2)) for _ in counts]
    while any(len(k) < c for k, c in zip(kept, counts, strict=True)):
        points, labels = draw(rng, 2 * int(sum(counts)) + 16)
        for label, count in enumerate(counts):
            fresh = points[labels == label][: count - len(kept[label])]
            kept[label] = np.concatenate([kept[label], fresh])
    return (*_stack(kept), 2)


def _stack(per_class: list) -> tuple[np.ndarray, np.ndarray]:
    x = np.concatenate(per_class)
    y = np.repeat(np.arange(len(per_class), dtype=np.int64), [len(p) for p in per_class])
    return x, y


def _uniform_noise(rng, shape, scale: float, noise: float) -> np.ndarray:
    return rng.uniform(-scale, scale, size=shape) * noise


def _circle(config):
    radius = 5.0

    def draw(rng, m):
        inner = rng.uniform(0, radius * 0.5, m // 2)
        outer = rng.uniform(radius * 0.7, radius, m - m // 2)
        r = np.concatenate([inner, outer])
        angle = rng.uniform(0, 2 * np.pi, m)
        points = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
        # The label is read at a jittered position: noise blurs the class border.
        seen = points + _uniform_noise(rng, points.shape, radius, config.noise)
        return points, (np.hypot(seen[:, 0], seen[:, 1]) < radius * 0.5).astype(np.int64)

    return _balanced(config, draw)


def _xor(config):
    padding = 0.3  # keeps points off the axes, where the class flips

    def draw(rng, m):
        points = rng.uniform(-5, 5, size=(m, 2))
        points += np.where(points > 0, padding, -padding)
        seen = points + _uniform_noise(rng, points.shape, 5, config.noise)
        return points, (seen[:, 0] * seen[:, 1] >= 0).astype(np.int64)

    return _balanced(config, draw)


def gauss_spread(noise: float) -> float:
    """Standard deviation of a cloud: the playground's variance 0.5..4 over noise 0..0.5."""
    return float(np.sqrt(0.5 + 7.0 * noise))


def _normal_clouds(config, centres: np.ndarray):
    """One normal cloud per class, cut off at the playground's square (outliers are redrawn)."""
    rng, spread = _rng(config), gauss_spread(config.noise)
    counts = class_counts(sample_count(config), len(centres))
    x, y = _stack(
        [rng.normal(c, spread, size=(n, 2)) for c, n in zip(centres, counts, strict=True)]
    )
    centre_of_point = centres[y]
    while np.any(outside := np.any(np.abs(x) > PLAYGROUND_RADIUS, axis=1)):
        x[outside] = rng.normal(centre_of_point[outside], spread)
    return x, y, len(centres)


def _gauss(config):
    return _normal_clouds(config, np.array([[-2.0, -2.0], [2.0, 2.0]]))


def _spiral_arms(config, k: int, turns: float):
    """One spiral arm per class, arms evenly rotated; points evenly spaced along each arm."""
    rng, arms = _rng(config), []
    for label, count in enumerate(class_counts(sample_count(config), k)):
        t = np.arange(count) / count
        r = 5.0 * t
        angle = turns * 2 * np.pi * t + 2 * np.pi * label / k
        arm = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
        arms.append(arm + _uniform_noise(rng, arm.shape, 1.0, config.noise))
    return (*_stack(arms), k)


def _spiral(config):
    return _spiral_arms(config, 2, turns=1.75)


def _regression(config, target: Callable):
    """Uniform points over the plane; ``target`` is read at a noise-jittered position."""
    rng = _rng(config)
    shape = (sample_count(config), 2)
    x = rng.uniform(-PLAYGROUND_RADIUS, PLAYGROUND_RADIUS, size=shape)
    seen = x + _uniform_noise(rng, shape, PLAYGROUND_RADIUS, config.noise)
    return x, np.clip(target(seen), -1.0, 1.0), 1


def _plane_target(points: np.ndarray) -> np.ndarray:
    return (points[:, 0] + points[:, 1]) / 10.0


# (x, y, sign) of the playground's six bumps; the strongest bump at a point gives its target.
BUMPS = np.array(
    [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]]
)


def _bumps_target(points: np.ndarray) -> np.ndarray:
    distance = np.hypot(points[:, None, 0] - BUMPS[:, 0], points[:, None, 1] - BUMPS[:, 1])
    heights = BUMPS[:, 2] * np.clip(1.0 - distance / 2.0, 0.0, 1.0)
    strongest = np.argmax(np.abs(heights), axis=1)
    return heights[np.arange(len(points)), strongest]


# ---------------------------------------------------------------------- several classes
def _blobs(config):
    k = config.classes
    angle = np.pi / 2 + 2 * np.pi * np.arange(k) / k
    return _normal_clouds(config, 3.5 * np.column_stack([np.cos(angle), np.sin(angle)]))


def _arms(config):
    return _spiral_arms(config, config.classes, turns=0.75)


def _iris(config):
    iris = load_iris()
    return iris.data[:, 2:4].astype(np.float64), iris.target.astype(np.int64), 3


def _file_points(path) -> tuple[np.ndarray, np.ndarray, int]:
    x, labels = load_points(path)
    values, y = np.unique(labels, return_inverse=True)  # sorted labels become 0..k-1
    if len(values) > MAX_CLASSES:
        raise ValueError(f"{path}: {len(values)} classes; nnviz handles 2 to {MAX_CLASSES}")
    return x, y.astype(np.int64), len(values)


_GENERATORS: dict[str, Callable] = {
    "moons": _moons,
    "circles": _circles,
    "linear": _linear,
    "circle": _circle,
    "xor": _xor,
    "gauss": _gauss,
    "spiral": _spiral,
    "blobs": _blobs,
    "arms": _arms,
    "iris": _iris,
    "reg-plane": lambda config: _regression(config, _plane_target),
    "reg-gauss": lambda config: _regression(config, _bumps_target),
}

__all__ = ["Dataset", "make_dataset", "DATASET_INFO", "split", "class_counts"]
