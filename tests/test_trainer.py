"""Trainer: the public API, the keep/rebuild rule per field, divergence, persistence."""

import json

import numpy as np
import pytest
from test_config import OTHER_VALUE
from test_notebook_exact import notebook_epoch

from nnviz.core import Config, Trainer


def _flat(params):
    return np.concatenate([np.concatenate([w.ravel(), b]) for w, b in params])


@pytest.fixture
def trained():
    trainer = Trainer(Config())
    trainer.step(5)
    return trainer


@pytest.fixture
def points_csv(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "points.csv"
    rows = [f"{x:.4f},{y:.4f},{int(x > y)}" for x, y in rng.uniform(-2, 2, size=(40, 2))]
    path.write_text("x1,x2,label\n" + "\n".join(rows) + "\n")
    return path


@pytest.mark.parametrize("name", sorted(OTHER_VALUE))
def test_keep_or_rebuild_for_every_field(trained, name, points_csv):
    changes = {name: OTHER_VALUE[name]}
    if name == "data_file":
        changes = {"dataset": "file", "data_file": str(points_csv)}
    before = _flat(trained.params)
    rebuilt = trained.configure(**changes)
    assert rebuilt is Config.rebuild_needed(changes)
    assert getattr(trained.config, name) == changes[name]
    if rebuilt:
        assert trained.epoch == 0 and len(trained.history) == 1  # the untrained epoch 0
    else:
        assert trained.epoch == 5 and len(trained.history) == 6
        np.testing.assert_array_equal(_flat(trained.params), before)
        trained.step(1)  # the new setting trains
        assert trained.epoch == 6


def test_invalid_change_leaves_the_trainer_untouched(trained):
    before, config = _flat(trained.params), trained.config
    with pytest.raises(ValueError, match="^hidden:"):
        trained.configure(hidden=(99,))
    with pytest.raises(ValueError, match="^loss:"):
        trained.configure(dataset="blobs")  # bce does not fit three classes
    assert trained.config == config and trained.epoch == 5
    np.testing.assert_array_equal(_flat(trained.params), before)


def test_configure_without_change_is_a_no_op(trained):
    assert trained.configure(lr=trained.config.lr) is False
    assert trained.epoch == 5


def test_step_reports_metrics_and_history():
    trainer = Trainer()
    assert trainer.epoch == 0 and trainer.history.latest == (0, *trainer.history.latest[1:])
    initial = trainer.metrics
    metrics = trainer.step(3)
    assert set(metrics) == {"epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy"}
    assert metrics["epoch"] == trainer.epoch == 3
    history = trainer.history.view()
    assert list(history.epochs) == [0, 1, 2, 3]  # epoch 0: before any training
    assert history.train_loss[0] == initial["train_loss"] != history.train_loss[1]
    assert history.test_score[0] == initial["test_accuracy"]
    assert trainer.step(0)["epoch"] == 3
    with pytest.raises(ValueError, match="epochs"):
        trainer.step(-1)


def test_data_split_is_the_notebooks():
    trainer = Trainer(Config.notebook())
    assert trainer.data.x_train.shape == (120, 2) and trainer.data.x_test.shape == (80, 2)
    assert trainer.layer_sizes == (2, 3, 1)


def test_default_settings_learn_circles():
    trainer = Trainer()
    trainer.step(3000)
    assert trainer.metrics["test_accuracy"] >= 0.9


def test_reset_returns_to_the_same_initial_weights(trained):
    initial = _flat(Trainer(Config()).params)
    np.testing.assert_array_equal(_flat(trained.initial_params), initial)
    assert not np.array_equal(_flat(trained.params), initial)
    trained.reset()
    assert trained.epoch == 0 and len(trained.history) == 1
    np.testing.assert_array_equal(_flat(trained.params), initial)
    trained.step(5)
    again = Trainer(Config())
    again.step(5)
    np.testing.assert_array_equal(_flat(trained.params), _flat(again.params))


def test_predict_shapes_and_validation():
    trainer = Trainer()
    p = trainer.predict([[0.0, 0.0], [1.0, -1.0]])
    assert p.shape == (2,) and np.all((p > 0) & (p < 1))
    multi = Trainer(Config(dataset="blobs", loss="ce"))
    assert multi.predict(np.zeros((4, 2))).shape == (4, 3)
    np.testing.assert_allclose(multi.predict(np.zeros((4, 2))).sum(axis=1), 1.0)
    with pytest.raises(ValueError, match="points"):
        trainer.predict(np.zeros((3, 3)))


def test_set_param_takes_effect_and_rejects_nonsense():
    trainer = Trainer()
    before = trainer.predict([[0.3, 0.2]])
    trainer.set_param(1, "b", 0, 0, 5.0)  # output bias
    assert trainer.params[1][1][0] == 5.0
    assert trainer.predict([[0.3, 0.2]])[0] > before[0]
    trainer.set_param(0, "w", 1, 2, -0.25)
    assert trainer.params[0][0][1, 2] == -0.25
    for bad in [
        (0, "w", 5, 0, 1.0),
        (3, "b", 0, 0, 1.0),
        (0, "x", 0, 0, 1.0),
        (0, "w", 0, 0, np.nan),
    ]:
        with pytest.raises(ValueError):
            trainer.set_param(*bad)


def test_divergence_keeps_last_finite_weights_and_can_continue():
    trainer = Trainer(
        Config(dataset="reg-plane", loss="sse", hidden=(8,), optimizer="sgd", lr=10.0)
    )
    metrics = trainer.step(100)
    assert trainer.diverged is not None and trainer.diverged == trainer.epoch + 1
    assert np.isfinite(_flat(trainer.params)).all()
    assert np.isfinite(metrics["train_loss"])
    assert len(trainer.history) == trainer.epoch + 1
    trainer.configure(lr=1e-4)
    trainer.step(10)
    assert trainer.diverged is None and np.isfinite(trainer.metrics["train_loss"])


def test_gradient_check_of_default_network():
    assert Trainer().gradient_check() < 1e-6


def test_boundary_grid_matches_predictions():
    trainer = Trainer()
    trainer.step(20)
    grid = trainer.boundary(resolution=60)
    assert grid.values.shape == (60, 60)
    xmin, xmax, ymin, ymax = trainer.data.bounds
    assert grid.bounds == pytest.approx((xmin, xmax, ymin, ymax), abs=1e-5)
    rows = [0, 7, 59]
    cols = [3, 30, 59]
    points = np.column_stack([grid.xs[cols], grid.ys[rows]]).astype(np.float64)
    expected = trainer.predict(points)
    np.testing.assert_allclose(grid.values[rows, cols], expected, atol=1e-5)


def test_snapshot_is_independent_of_the_trainer():
    trainer = Trainer()
    snap = trainer.snapshot(resolution=40, thumb=16)
    w0 = snap.params[0][0].copy()
    trainer.step(10)
    np.testing.assert_array_equal(snap.params[0][0], w0)
    assert snap.epoch == 0 and list(snap.history.epochs) == [0]
    assert [g.shape for g in snap.neuron_grids] == [(16, 16, 2), (16, 16, 3), (16, 16, 1)]
    focus = trainer.snapshot(resolution=40, focus=(1, 2))
    assert focus.focus == (1, 2) and focus.boundary.values.shape == (40, 40)


def test_state_dict_round_trip_through_json(trained):
    state = json.loads(json.dumps(trained.state_dict()))
    copy = Trainer.from_state_dict(state)
    assert copy.epoch == 5 and copy.config == trained.config and len(copy.history) == 6
    np.testing.assert_array_equal(_flat(copy.params), _flat(trained.params))
    np.testing.assert_array_equal(_flat(copy.initial_params), _flat(trained.initial_params))
    copy.step(3)
    trained.step(3)
    np.testing.assert_allclose(_flat(copy.params), _flat(trained.params), rtol=1e-12)


def test_a_loaded_mini_batch_run_continues_exactly():
    trainer = Trainer(Config(batch_size=10, optimizer="momentum"))
    trainer.step(7)
    copy = Trainer.from_state_dict(json.loads(json.dumps(trainer.state_dict())))
    trainer.step(4)
    copy.step(4)  # the same batches in the same order: bit for bit
    np.testing.assert_array_equal(_flat(copy.params), _flat(trainer.params))


@pytest.mark.parametrize(
    "spoil, message",
    [
        (lambda s: s.pop("weights"), "missing weights"),
        (lambda s: s.update(weights=s["weights"][:-1]), "values"),
        (lambda s: s.update(weights=[float("nan")] * len(s["weights"])), "NaN"),
        (lambda s: s.update(epoch=-3), "epoch"),
        (lambda s: s.update(shuffle_state={"bit_generator": "MT19937"}), "shuffle state"),
        (lambda s: s.update(shuffle_state=[1, 2]), "shuffle state"),
        (lambda s: s["shuffle_state"]["state"].update(state=-1), "shuffle state"),
        (lambda s: s["config"].update(hidden=[500]), "hidden"),
    ],
)
def test_malformed_state_is_rejected(trained, spoil, message):
    state = json.loads(json.dumps(trained.state_dict()))
    spoil(state)
    with pytest.raises(ValueError, match=message):
        Trainer.from_state_dict(state)


def test_csv_points_train(points_csv):
    trainer = Trainer(Config(dataset="file", data_file=str(points_csv)))
    assert len(trainer.data.x_train) + len(trainer.data.x_test) == 40
    trainer.step(300)
    assert trainer.metrics["train_accuracy"] >= 0.9


def _notebook_steps(trainer, params, epochs):
    """Independent notebook epochs from ``params`` (tests/test_notebook_exact.py's equations)."""
    (w1, b1), (w2, b2) = [(w.copy(), b.copy()) for w, b in params]
    x, y = trainer.data.x_train, trainer.data.y_train.reshape(-1, 1).astype(float)
    for _ in range(epochs):
        w1, b1, w2, b2 = notebook_epoch(x, y, w1, b1, w2, b2)
    return [(w1, b1), (w2, b2)]


def test_edits_and_restores_reach_the_plain_sgd_fast_path():
    """Plain full-batch SGD keeps its parameters in rotating buffers: a typed weight,
    a reset and a loaded session must all be what it trains on from then."""
    trainer = Trainer(Config.notebook())
    trainer.step(7)
    trainer.set_param(0, "w", 1, 2, 0.75)
    edited = [(w.copy(), b.copy()) for w, b in trainer.params]
    assert edited[0][0][1, 2] == 0.75
    trainer.step(3)
    expected = _notebook_steps(trainer, edited, 3)
    np.testing.assert_allclose(_flat(trainer.params), _flat(expected), rtol=0, atol=1e-12)

    trainer.reset()
    initial = [(w.copy(), b.copy()) for w, b in trainer.params]
    np.testing.assert_array_equal(_flat(initial), _flat(Trainer(Config.notebook()).params))
    trainer.step(4)
    expected = _notebook_steps(trainer, initial, 4)
    np.testing.assert_allclose(_flat(trainer.params), _flat(expected), rtol=0, atol=1e-12)

    copy = Trainer.from_state_dict(json.loads(json.dumps(trainer.state_dict())))
    copy.step(5)
    expected = _notebook_steps(trainer, trainer.params, 5)
    np.testing.assert_allclose(_flat(copy.params), _flat(expected), rtol=0, atol=1e-12)


def test_huge_but_finite_weights_draw_finite_pictures():
    # After a divergence the last finite weights can be ~1e130: beyond float32, where the
    # pictures are computed, but the network's outputs are finite and drawn as such.
    trainer = Trainer(Config(hidden=(3,)))
    trainer._engine.flat[:] *= 1e50
    trainer._engine.invalidate()
    grid = trainer.boundary(12)
    assert np.isfinite(grid.values).all()
    gx, gy = np.meshgrid(grid.xs, grid.ys)
    expected = trainer.predict(np.column_stack([gx.ravel(), gy.ravel()]))
    np.testing.assert_allclose(grid.values.ravel(), expected, atol=1e-6)
    assert all(np.isfinite(g).all() for g in trainer.neuron_grids(8))
    assert np.isfinite(trainer.boundary(12, focus=(1, 0)).values).all()


def test_a_loss_grown_far_past_its_start_is_far_gone():
    trainer = Trainer(Config(dataset="reg-plane", loss="mse", optimizer="sgd", lr=10.0))
    assert not trainer.snapshot(8, 4).far_gone()
    trainer.step(200)  # diverges after the loss has grown by hundreds of orders
    assert trainer.diverged is not None and trainer.snapshot(8, 4).far_gone()
    calm = Trainer(Config(dataset="reg-plane", loss="mse", optimizer="sgd", lr=0.01))
    calm.step(50)
    assert not calm.snapshot(8, 4).far_gone()
