"""Datasets: the notebook's exact data, sizes, balance, ranges, seeds, split, serialisation."""

import json

import numpy as np
import pytest
from sklearn.datasets import load_iris, make_circles, make_classification, make_moons
from sklearn.model_selection import train_test_split

from nnviz.core.config import (
    BINARY_DATASETS,
    DATASETS,
    MULTICLASS_DATASETS,
    REGRESSION_DATASETS,
    Config,
    losses_for,
    problem_of,
)
from nnviz.core.csvdata import save_points
from nnviz.core.datasets import DATASET_INFO, Dataset, fit_loss_to_data, make_dataset, split

GENERATED = tuple(name for name in DATASETS if name != "file")
PLAYGROUND = ("circle", "xor", "gauss", "spiral", "reg-plane", "reg-gauss")


def config(dataset, **changes):
    return Config(dataset=dataset, loss=losses_for(problem_of(dataset))[0], **changes)


def all_points(data):
    return np.concatenate([data.x_train, data.x_test]), np.concatenate([data.y_train, data.y_test])


def assert_split_equal(data, expected):
    x_train, x_test, y_train, y_test = expected
    np.testing.assert_array_equal(data.x_train, x_train)
    np.testing.assert_array_equal(data.x_test, x_test)
    np.testing.assert_array_equal(data.y_train, y_train)
    np.testing.assert_array_equal(data.y_test, y_test)


# ---------------------------------------------------------------------- the notebook's data
def test_moons_is_the_notebooks_exact_data_and_split():
    x, y = make_moons(n_samples=200, noise=0.1, random_state=0)
    data = make_dataset(Config(dataset="moons"))
    assert_split_equal(data, train_test_split(x, y, test_size=0.4, random_state=42))
    assert (len(data.x_train), len(data.x_test)) == (120, 80)


def test_circles_is_the_notebooks_exact_data_and_split():
    x, y = make_circles(n_samples=200, noise=0.1, factor=0.5, random_state=1)
    data = make_dataset(Config())
    assert_split_equal(data, train_test_split(x, y, test_size=0.4, random_state=42))


def notebook_linear(n_samples=None, jitter=2.0):
    size = {} if n_samples is None else {"n_samples": n_samples, "flip_y": 0.0}
    x, y = make_classification(
        n_features=2, n_redundant=0, n_informative=2, random_state=1, n_clusters_per_class=1, **size
    )
    x += jitter * np.random.RandomState(2).uniform(size=x.shape)
    return x, y


def test_linear_by_default_is_the_notebooks_exact_call():
    # The notebook calls make_classification with its default of 100 samples.
    x, y = notebook_linear()
    data = make_dataset(Config(dataset="linear"))
    assert_split_equal(data, train_test_split(x, y, test_size=0.4, random_state=42))
    assert (len(data.x_train), len(data.x_test)) == (60, 40)


def test_linear_at_other_sizes_follows_the_notebooks_recipe():
    x, y = notebook_linear(n_samples=200)
    data = make_dataset(Config(dataset="linear", samples=200))
    assert_split_equal(data, train_test_split(x, y, test_size=0.4, random_state=42))


@pytest.mark.parametrize(
    "name, size", [("moons", 200), ("circles", 200), ("circle", 500), ("blobs", 300), ("iris", 150)]
)
def test_default_size_is_the_datasets_own(name, size):
    data = make_dataset(config(name))
    assert len(data.x_train) + len(data.x_test) == size


def test_data_seed_offsets_every_random_state():
    x, y = make_moons(n_samples=200, noise=0.1, random_state=5)
    data = make_dataset(Config(dataset="moons", data_seed=5))
    assert_split_equal(data, train_test_split(x, y, test_size=0.4, random_state=47))


def test_linear_jitter_scales_with_noise():
    for noise, jitter in ((0.0, 0.0), (0.3, 6.0)):
        data = make_dataset(Config(dataset="linear", noise=noise, samples=200))
        x, y = notebook_linear(n_samples=200, jitter=jitter)
        expected = train_test_split(x, y, test_size=0.4, random_state=42)
        np.testing.assert_allclose(data.x_train, expected[0], rtol=0, atol=1e-12)
        np.testing.assert_array_equal(data.y_train, expected[2])


# ---------------------------------------------------------------------- sizes and classes
@pytest.mark.parametrize("samples", [5, 51, 201])
@pytest.mark.parametrize("name", [n for n in GENERATED if n != "iris"])
def test_n_asked_is_n_delivered(name, samples):
    data = make_dataset(config(name, samples=samples))
    assert len(data.x_train) + len(data.x_test) == samples
    assert len(data.x_train) == round(samples * 0.6)
    assert data.x_train.shape[1] == data.x_test.shape[1] == 2
    assert len(data.y_train) == len(data.x_train) and len(data.y_test) == len(data.x_test)


@pytest.mark.parametrize("samples", [7, 200, 333])
@pytest.mark.parametrize("name", [n for n in BINARY_DATASETS + MULTICLASS_DATASETS if n != "iris"])
def test_classes_are_balanced_within_one(name, samples):
    _, y = all_points(make_dataset(config(name, samples=samples)))
    counts = np.bincount(y)
    # sklearn's make_classification relabels ~1 % of its points at random (flip_y=0.01).
    assert counts.max() - counts.min() <= 1


@pytest.mark.parametrize("name", GENERATED)
def test_labels_and_problem_kind(name):
    data = make_dataset(config(name))
    _, y = all_points(data)
    assert data.problem == problem_of(name)
    if data.problem == "regression":
        assert data.n_classes == 1 and y.dtype == np.float64
        assert -1.0 <= y.min() < y.max() <= 1.0
    else:
        assert y.dtype == np.int64
        assert sorted(set(y.tolist())) == list(range(data.n_classes))
        assert set(data.y_train.tolist()) == set(range(data.n_classes))
    assert data.x_train.dtype == np.float64


@pytest.mark.parametrize("name", ["blobs", "arms"])
@pytest.mark.parametrize(("asked", "made"), [(3, 3), (4, 4), (5, 5)])  # 2: refused by Config
def test_several_class_sets_have_3_to_5_classes(name, asked, made):
    data = make_dataset(config(name, classes=asked))
    assert data.n_classes == made
    assert len(np.unique(all_points(data)[1])) == made


def test_iris_is_all_150_petal_measurements():
    data = make_dataset(config("iris", samples=40, train_ratio=0.5, data_seed=3))
    x, y = all_points(data)
    assert (len(data.x_train), len(data.x_test), data.n_classes) == (75, 75, 3)
    iris = load_iris()
    expected = sorted(map(tuple, np.column_stack([iris.data[:, 2:4], iris.target]).tolist()))
    assert sorted(map(tuple, np.column_stack([x, y]).tolist())) == expected


# ---------------------------------------------------------------------- seeds
@pytest.mark.parametrize("name", GENERATED)
def test_same_config_same_arrays_other_seed_other_data(name):
    first, again = make_dataset(config(name)), make_dataset(config(name))
    for field in ("x_train", "y_train", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(first, field), getattr(again, field))
    other = make_dataset(config(name, data_seed=1))
    assert not np.array_equal(first.x_train, other.x_train)


@pytest.mark.parametrize("name", [n for n in GENERATED if n != "iris"])
def test_other_seed_draws_other_points(name):
    # Not merely a different split: the point sets themselves differ.
    first = {tuple(p) for p in all_points(make_dataset(config(name)))[0].tolist()}
    other = {tuple(p) for p in all_points(make_dataset(config(name, data_seed=7)))[0].tolist()}
    assert len(first & other) == 0


# ---------------------------------------------------------------------- playground behaviour
@pytest.mark.parametrize("name", PLAYGROUND + ("blobs", "arms"))
@pytest.mark.parametrize("noise", [0.0, 0.5])
def test_playground_points_stay_in_the_square(name, noise):
    x, _ = all_points(make_dataset(config(name, noise=noise, samples=1000, classes=5)))
    assert np.abs(x).max() <= 6.0
    assert np.abs(x).max() > 3.0  # spread over the square, not squeezed near the origin


def radius(x):
    return np.hypot(x[:, 0], x[:, 1])


def test_circle_without_noise_is_a_disc_inside_a_ring():
    x, y = all_points(make_dataset(config("circle", noise=0.0, samples=400)))
    assert radius(x[y == 1]).max() <= 2.5
    assert radius(x[y == 0]).min() >= 3.5 and radius(x[y == 0]).max() <= 5.0


def test_circle_noise_blurs_labels_across_the_border():
    x, y = all_points(make_dataset(config("circle", noise=0.5, samples=400)))
    assert radius(x[y == 1]).max() > 2.5 or radius(x[y == 0]).min() < 3.5


def test_xor_class_is_the_sign_of_the_product():
    x, y = all_points(make_dataset(config("xor", noise=0.0, samples=400)))
    np.testing.assert_array_equal(y, (x[:, 0] * x[:, 1] > 0).astype(int))
    assert np.abs(x).min() >= 0.3  # padded off the axes
    noisy_x, noisy_y = all_points(make_dataset(config("xor", noise=0.5, samples=400)))
    assert np.any(noisy_y != (noisy_x[:, 0] * noisy_x[:, 1] > 0))


def test_gauss_clouds_sit_at_plus_and_minus_two():
    x, y = all_points(make_dataset(config("gauss", noise=0.0, samples=2000)))
    np.testing.assert_allclose(x[y == 1].mean(axis=0), [2, 2], atol=0.1)
    np.testing.assert_allclose(x[y == 0].mean(axis=0), [-2, -2], atol=0.1)
    np.testing.assert_allclose(x[y == 1].std(axis=0), np.sqrt(0.5), atol=0.05)


def test_spiral_arms_without_noise_lie_on_the_curve():
    x, y = all_points(make_dataset(config("spiral", noise=0.0, samples=100)))
    arm = x[y == 0][np.argsort(radius(x[y == 0]))]
    t = radius(arm) / 5.0
    angle = 1.75 * 2 * np.pi * t
    np.testing.assert_allclose(arm, np.column_stack([5 * t * np.sin(angle), 5 * t * np.cos(angle)]))
    # The other arm is the same curve turned half a turn.
    np.testing.assert_allclose(np.sort(radius(x[y == 1])), np.sort(radius(arm)))


def test_reg_plane_target_rises_with_x1_plus_x2():
    x, y = all_points(make_dataset(config("reg-plane", noise=0.0, samples=300)))
    np.testing.assert_allclose(y, np.clip((x[:, 0] + x[:, 1]) / 10, -1, 1))


def test_reg_gauss_target_peaks_at_the_bumps():
    x, y = all_points(make_dataset(config("reg-gauss", noise=0.0, samples=3000)))
    near = radius(x - [-4, 2.5]) < 0.3  # a positive bump
    assert near.any() and y[near].min() > 0.8
    near = radius(x - [0, 2.5]) < 0.3  # a negative one
    assert near.any() and y[near].max() < -0.8
    far = (np.abs(x[:, 1]) > 5.2) & (np.abs(x[:, 0] - 2) < 0.3)  # away from every bump
    assert far.any() and np.all(y[far] == 0)


# ---------------------------------------------------------------------- split
def test_train_count_is_rounded_and_clipped():
    assert len(make_dataset(config("moons", samples=4, train_ratio=0.1)).x_train) == 1
    assert len(make_dataset(config("moons", samples=4, train_ratio=0.9)).x_train) == 3
    assert len(make_dataset(config("moons", samples=11, train_ratio=0.5)).x_train) == 6


def test_split_puts_every_class_into_training_when_possible():
    x = np.zeros((10, 2))
    y = np.array([0] * 9 + [1])
    sklearn_missed = 0
    for seed in range(40):
        train_idx, _ = train_test_split(np.arange(10), test_size=8, random_state=seed)
        sklearn_missed += not np.any(y[train_idx] == 1)
        x_train, x_test, y_train, y_test = split(x, y, 0.2, seed, "binary")
        assert (len(y_train), len(y_test)) == (2, 8)
        assert set(y_train.tolist()) == {0, 1}
        assert sorted(np.concatenate([y_train, y_test]).tolist()) == sorted(y.tolist())
    assert sklearn_missed > 0  # the repair was needed, not just lucky


def test_tiny_five_class_set_trains_on_every_class():
    for seed in range(10):
        data = make_dataset(config("blobs", classes=5, samples=10, train_ratio=0.5, data_seed=seed))
        assert set(data.y_train.tolist()) == set(range(5))


# ---------------------------------------------------------------------- Dataset itself
def test_bounds_pad_all_points_by_half():
    data = make_dataset(Config())
    x, _ = all_points(data)
    expected = (x[:, 0].min() - 0.5, x[:, 0].max() + 0.5, x[:, 1].min() - 0.5, x[:, 1].max() + 0.5)
    assert data.bounds == pytest.approx(expected, abs=0)
    tiny = Dataset("t", "binary", 2, [[0, 1]], [0], [[2, -3]], [1])
    assert tiny.bounds == (-0.5, 2.5, -3.5, 1.5)


def test_arrays_are_read_only():
    data = make_dataset(Config())
    with pytest.raises(ValueError):
        data.x_train[0, 0] = 1.0


@pytest.mark.parametrize("name", ["circles", "blobs", "reg-gauss"])
def test_dict_round_trip_through_json(name):
    data = make_dataset(config(name))
    back = Dataset.from_dict(json.loads(json.dumps(data.to_dict())))
    assert (back.name, back.problem, back.n_classes) == (data.name, data.problem, data.n_classes)
    for field in ("x_train", "y_train", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(back, field), getattr(data, field))
        assert getattr(back, field).dtype == getattr(data, field).dtype


def good_dict():
    return Dataset("d", "binary", 2, [[0, 0], [1, 1]], [0, 1], [[2, 2]], [1]).to_dict()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"problem": "ranking"}, "problem"),
        ({"n_classes": 3}, "classes"),
        ({"x_train": [[0, 0, 0], [1, 1, 1]]}, "x_train"),
        ({"x_test": []}, "x_test"),
        ({"x_train": [[0, "a"], [1, 1]]}, "x_train"),
        ({"x_train": [[0, float("nan")], [1, 1]]}, "NaN"),
        ({"y_train": [0, 2]}, "labels"),
        ({"y_train": [0, 0.5]}, "labels"),
        ({"y_train": [0]}, "y_train"),
        ({"n_classes": "2"}, "n_classes"),
    ],
)
def test_from_dict_rejects_malformed_data(change, message):
    with pytest.raises(ValueError, match=message):
        Dataset.from_dict({**good_dict(), **change})


def test_from_dict_names_missing_keys():
    data = good_dict()
    del data["y_test"]
    with pytest.raises(ValueError, match="missing y_test"):
        Dataset.from_dict(data)
    with pytest.raises(ValueError, match="JSON object"):
        Dataset.from_dict([1, 2])


# ---------------------------------------------------------------------- points from a file
def file_dataset(tmp_path, labels, **changes):
    rng = np.random.default_rng(0)
    path = tmp_path / "points.csv"
    save_points(path, rng.normal(size=(len(labels), 2)), np.array(labels))
    return make_dataset(Config(dataset="file", data_file=str(path), **changes))


def test_file_with_two_labels_is_binary_remapped_in_sorted_order(tmp_path):
    data = file_dataset(tmp_path, [1, -1] * 10)
    _, y = all_points(data)
    assert (data.problem, data.n_classes, data.name) == ("binary", 2, "file")
    assert (len(data.x_train), len(data.x_test)) == (12, 8)
    assert np.bincount(y).tolist() == [10, 10]


def test_file_with_several_labels_is_multiclass(tmp_path):
    data = file_dataset(tmp_path, [7, 3, 5, 5] * 5)
    assert (data.problem, data.n_classes) == ("multiclass", 3)
    assert np.bincount(all_points(data)[1]).tolist() == [5, 10, 5]  # 3 -> 0, 5 -> 1, 7 -> 2


def test_file_with_six_classes_is_refused(tmp_path):
    with pytest.raises(ValueError, match="6 classes"):
        file_dataset(tmp_path, list(range(6)) * 2)


def test_other_data_gets_a_loss_that_fits_it_and_a_named_loss_stays(tmp_path):
    binary = Config()  # circles, bce
    assert fit_loss_to_data(binary, {"dataset": "iris"}) == {"dataset": "iris", "loss": "ce"}
    assert fit_loss_to_data(binary, {"dataset": "reg-plane"})["loss"] == "mse"
    assert fit_loss_to_data(binary, {"dataset": "moons"}) == {"dataset": "moons"}
    squared = Config(loss="mse")  # fits every kind: kept
    assert fit_loss_to_data(squared, {"dataset": "iris"}) == {"dataset": "iris"}
    named = {"dataset": "iris", "loss": "bce"}  # asked for: left to Config to refuse
    assert fit_loss_to_data(binary, named) == named
    file_dataset(tmp_path, [7, 3, 5, 5] * 5)  # a several-class file is read to learn its kind
    changes = {"dataset": "file", "data_file": str(tmp_path / "points.csv")}
    assert fit_loss_to_data(binary, changes) == {**changes, "loss": "ce"}
    with pytest.raises(ValueError, match="no such CSV file"):
        fit_loss_to_data(binary, {**changes, "data_file": str(tmp_path / "missing.csv")})


def test_file_split_follows_train_ratio_and_seed(tmp_path):
    first = file_dataset(tmp_path, [0, 1] * 10, train_ratio=0.5)
    other = file_dataset(tmp_path, [0, 1] * 10, train_ratio=0.5, data_seed=1)
    assert len(first.x_train) == 10
    assert not np.array_equal(first.x_train, other.x_train)


def test_every_dataset_is_described():
    assert set(DATASET_INFO) == set(DATASETS)
    assert all(DATASET_INFO[name].strip() for name in DATASETS)
    assert set(REGRESSION_DATASETS) <= set(GENERATED)
