"""MetricHistory: bounded rows, even downsampling, the latest epoch in view, JSON with NaN."""

import json
import math

import numpy as np
import pytest

from nnviz.core.history import MetricHistory, decode_floats, encode_floats
from nnviz.core.snapshot import History


def filled(n, capacity=4096, first=1):
    history = MetricHistory(capacity)
    for epoch in range(first, first + n):
        history.append(epoch, 1.0 / epoch, 2.0 / epoch, epoch % 7, -epoch)
    return history


def test_empty_history():
    history = MetricHistory()
    assert len(history) == 0 and history.latest is None
    view = history.view()
    assert isinstance(view, History) and len(view.epochs) == 0 and view.epochs.dtype == np.int64


def test_short_history_keeps_every_row():
    history = filled(5)
    view = history.view()
    np.testing.assert_array_equal(view.epochs, [1, 2, 3, 4, 5])
    np.testing.assert_allclose(view.train_loss, 1 / np.arange(1, 6))
    np.testing.assert_allclose(view.test_loss, 2 / np.arange(1, 6))
    np.testing.assert_allclose(view.train_score, np.arange(1, 6) % 7)
    np.testing.assert_allclose(view.test_score, -np.arange(1, 6))
    assert history.latest == (5, 0.2, 0.4, 5.0, -5.0)
    assert len(history) == 5


def test_a_million_epochs_stay_bounded_even_and_current():
    history = filled(10**6)
    view = history.view()
    epochs = view.epochs
    assert len(history) == len(epochs) <= 4096
    assert len(epochs) > 4096 // 2  # halving keeps at least half the buffer
    assert epochs[0] == 1 and epochs[-1] == 10**6
    steps = np.diff(epochs[:-1])
    assert np.all(steps == history.stride)  # evenly spread
    assert 0 < epochs[-1] - epochs[-2] <= history.stride
    np.testing.assert_allclose(view.train_loss, 1.0 / epochs)  # rows stay aligned


@pytest.mark.parametrize("n", range(1, 40))
def test_every_length_keeps_the_invariants_at_small_capacity(n):
    history = filled(n, capacity=6)
    epochs = history.view().epochs
    assert len(epochs) <= 6 and epochs[0] == 1 and epochs[-1] == n
    assert set(np.diff(epochs[:-1]).tolist()) <= {history.stride}
    assert np.all(np.diff(epochs) > 0)


def test_view_is_a_copy():
    history = filled(3)
    view = history.view()
    view.train_loss[:] = 99
    view.epochs[:] = 0
    np.testing.assert_allclose(history.view().train_loss, [1, 0.5, 1 / 3])
    np.testing.assert_array_equal(history.view().epochs, [1, 2, 3])


def test_clear_starts_over():
    history = filled(10_000)
    history.clear()
    assert len(history) == 0 and history.latest is None and history.stride == 1
    history.append(3, 0.1, 0.2, 0.3, 0.4)
    np.testing.assert_array_equal(history.view().epochs, [3])


def test_nan_and_inf_are_stored_as_given():
    history = MetricHistory()
    history.append(1, math.nan, math.inf, -math.inf, 0.5)
    view = history.view()
    assert math.isnan(view.train_loss[0]) and view.test_loss[0] == math.inf
    assert view.train_score[0] == -math.inf and view.test_score[0] == 0.5


def test_strict_json_round_trip_keeps_nan_inf_and_downsampling():
    history = filled(5000, capacity=64)
    history.append(5001, math.nan, math.inf, -math.inf, math.nan)
    text = json.dumps(history.to_dict(), allow_nan=False)  # valid JSON, no NaN tokens
    back = MetricHistory.from_dict(json.loads(text))
    before, after = history.view(), back.view()
    np.testing.assert_array_equal(after.epochs, before.epochs)
    for column in ("train_loss", "test_loss", "train_score", "test_score"):
        np.testing.assert_array_equal(getattr(after, column), getattr(before, column))
    assert math.isnan(after.train_loss[-1]) and after.test_loss[-1] == math.inf
    assert back.stride == history.stride and back.capacity == 64
    back.append(5002, 0.0, 0.0, 0.0, 0.0)  # and it keeps going the same way
    history.append(5002, 0.0, 0.0, 0.0, 0.0)
    np.testing.assert_array_equal(back.view().epochs, history.view().epochs)


def test_empty_history_round_trip():
    back = MetricHistory.from_dict(json.loads(json.dumps(MetricHistory(8).to_dict())))
    assert len(back) == 0 and back.latest is None and back.capacity == 8


def test_float_encoding():
    encoded = encode_floats([1.5, math.nan, math.inf, -math.inf, 0])
    assert encoded == [1.5, "nan", "inf", "-inf", 0.0]
    decoded = decode_floats(encoded)
    assert (
        decoded[0] == 1.5
        and math.isnan(decoded[1])
        and decoded[2:4].tolist() == [math.inf, -math.inf]
    )
    with pytest.raises(ValueError, match="weights: 'NaN' is not a number"):
        decode_floats([1.0, "NaN"], "weights")
    with pytest.raises(ValueError, match="expected a list"):
        decode_floats("1,2")


def broken(**change):
    data = filled(10, capacity=8).to_dict()
    data.update(change)
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([1, 2], "JSON object"),
        ({"capacity": 8}, "missing"),
        (broken(capacity=2), "capacity"),
        (broken(stride=3), "power of two"),
        (broken(count=1), "counts"),
        (broken(train_loss=[0.1]), "every column"),
        (broken(test_score=["x"] * 5), "'x' is not a number"),
        (broken(latest=None), "latest"),
        (broken(latest=[1, 2]), "latest"),
    ],
)
def test_malformed_dicts_are_refused(data, message):
    with pytest.raises(ValueError, match=message):
        MetricHistory.from_dict(data)


def test_capacity_must_be_sensible():
    with pytest.raises(ValueError, match="capacity"):
        MetricHistory(3)
    with pytest.raises(ValueError, match="capacity"):
        MetricHistory(10.5)
