"""Presets: one per built-in dataset, valid, and each reaching its stated target."""

import pytest

from nnviz.core import Trainer
from nnviz.core.config import DATASETS
from nnviz.core.presets import PRESET_TARGETS, PRESETS, preset_config

BUILT_IN = tuple(name for name in DATASETS if name != "file")


def test_every_built_in_dataset_has_a_preset_and_a_target():
    assert set(PRESETS) == set(BUILT_IN) == set(PRESET_TARGETS)
    for epochs, score in PRESET_TARGETS.values():
        assert epochs >= 1 and 0.5 <= score <= 1.0


@pytest.mark.parametrize("name", BUILT_IN)
def test_preset_names_the_network_and_training(name):
    preset = PRESETS[name]
    assert {"features", "hidden", "activation", "loss", "optimizer", "lr", "batch_size"} <= set(
        preset
    )
    config = preset_config(name)
    assert config.dataset == name and config.hidden == tuple(preset["hidden"])


def test_preset_config_applies_changes_and_refuses_unknown_sets():
    assert preset_config("moons", lr=0.1, data_seed=3).lr == 0.1
    with pytest.raises(ValueError, match="no preset for 'file'"):
        preset_config("file")
    with pytest.raises(ValueError, match="hidden"):
        preset_config("moons", hidden=(0,))


@pytest.mark.parametrize("name", BUILT_IN)
def test_preset_reaches_its_target(name):
    epochs, target = PRESET_TARGETS[name]
    config = preset_config(name)
    metrics = Trainer(config).step(epochs)
    score = metrics["test_r2" if config.problem == "regression" else "test_accuracy"]
    assert score >= target, f"{name}: {score:.3f} after {epochs} epochs, target {target}"
