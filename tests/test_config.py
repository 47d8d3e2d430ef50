"""Config: validation names the field, JSON round trips, the keep/rebuild rule."""

import dataclasses
import json

import pytest

from nnviz.core import Config
from nnviz.core.config import FEATURES, KEEPS_WEIGHTS

# For every field, a valid value different from the default.
OTHER_VALUE = {
    "dataset": "moons",
    "samples": 151,
    "noise": 0.2,
    "train_ratio": 0.5,
    "data_seed": 3,
    "data_file": "points.csv",
    "classes": 4,
    "features": ("x1", "x2", "x1x2"),
    "hidden": (4, 2),
    "activation": "relu",
    "loss": "mse",
    "init": "he",
    "seed": 7,
    "optimizer": "momentum",
    "lr": 0.1,
    "momentum": 0.5,
    "beta1": 0.8,
    "beta2": 0.99,
    "eps": 1e-6,
    "batch_size": 10,
    "l1": 0.001,
    "l2": 0.01,
}
BAD_VALUE = {
    "dataset": "mnist",
    "samples": 3,
    "noise": 0.9,
    "train_ratio": 1.0,
    "data_seed": -1,
    "data_file": 5,
    "classes": 9,
    "features": ("x3",),
    "hidden": (0,),
    "activation": "swish",
    "loss": "hinge",
    "init": "zeros",
    "seed": -2,
    "optimizer": "lbfgs",
    "lr": float("nan"),
    "momentum": 1.5,
    "beta1": -0.1,
    "beta2": 2.0,
    "eps": 0.0,
    "batch_size": 0,
    "l1": -1.0,
    "l2": float("inf"),
}
FIELDS = [f.name for f in dataclasses.fields(Config)]


def test_every_field_has_test_values():
    assert set(OTHER_VALUE) == set(FIELDS) == set(BAD_VALUE)


@pytest.mark.parametrize("name", FIELDS)
def test_invalid_value_names_the_field(name):
    with pytest.raises(ValueError, match=rf"^{name}:"):
        Config(**{name: BAD_VALUE[name]})


@pytest.mark.parametrize("name", FIELDS)
def test_other_values_are_valid_and_round_trip(name):
    changes = {name: OTHER_VALUE[name]}
    if name == "data_file":
        changes["dataset"] = "file"
    config = Config(**changes)
    assert getattr(config, name) == OTHER_VALUE[name]
    assert Config.from_json(config.to_json()) == config


def test_keep_rule_is_stated_once_for_every_field():
    keeps = {"lr", "optimizer", "momentum", "beta1", "beta2", "eps", "l1", "l2", "batch_size"}
    assert keeps == KEEPS_WEIGHTS
    for name in FIELDS:
        assert Config.rebuild_needed({name: None}) is (name not in keeps)


def test_notebook_setup():
    nb = Config.notebook()
    assert (nb.dataset, nb.hidden, nb.activation, nb.loss) == ("circles", (3,), "sigmoid", "sse")
    assert (nb.init, nb.optimizer, nb.lr, nb.batch_size) == ("notebook", "sgd", 0.01, None)
    assert (nb.samples, nb.noise, nb.train_ratio, nb.data_seed) == (None, 0.1, 0.6, 0)


def test_loss_must_fit_the_problem():
    with pytest.raises(ValueError, match="^loss:"):
        Config(dataset="blobs", loss="bce")
    with pytest.raises(ValueError, match="^loss:"):
        Config(dataset="reg-plane", loss="ce")
    assert Config(dataset="blobs", loss="ce").problem == "multiclass"


def test_json_errors_are_clear():
    with pytest.raises(ValueError, match="not valid JSON"):
        Config.from_json("{nope")
    with pytest.raises(ValueError, match="^colour: no such setting"):
        Config.from_json(json.dumps({"colour": "red"}))
    with pytest.raises(ValueError, match="JSON object"):
        Config.from_json("[1, 2]")


def test_lists_from_json_become_tuples():
    config = Config.from_json('{"hidden": [8, 8], "features": ["x1", "x2", "sinx1"]}')
    assert config.hidden == (8, 8) and config.features == ("x1", "x2", "sinx1")
    assert hash(config)  # frozen and hashable


def test_zero_hidden_layers_and_all_features_allowed():
    config = Config(hidden=(), features=FEATURES)
    assert config.hidden == () and len(config.features) == 7
    with pytest.raises(ValueError, match="^hidden:"):
        Config(hidden=(2,) * 9)
    with pytest.raises(ValueError, match="^features:"):
        Config(features=("x1", "x1"))


def test_several_classes_means_three_to_five():
    assert Config(dataset="blobs", loss="ce", classes=5).classes == 5
    with pytest.raises(ValueError, match="^classes:"):
        Config(classes=2)


def test_the_engine_takes_exactly_the_weight_keeping_settings():
    from nnviz.core.optimizers import Settings

    assert {f.name for f in dataclasses.fields(Settings)} == KEEPS_WEIGHTS
