"""A ready setup per built-in dataset: the network and training settings that learn it.

`PRESETS[name]` holds `Config` overrides (features, hidden layers, activation, loss,
optimizer, learning rate, batch size); `preset_config(name)` applies them.
`PRESET_TARGETS[name]` = (epochs, score) states what the preset reaches on the default
data (200 samples unless the preset says otherwise, noise 0.1, 60 % training, data seed 0,
weight seed 0): at least that
test accuracy (R² for regression) after that many epochs.  tests/test_presets.py holds
every preset to its target.
"""

from __future__ import annotations

from .config import Config

# Full batch (None) unless the set is large or twisted enough that mini-batch noise helps.
PRESETS: dict[str, dict] = {
    # The notebook's three.
    "circles": {
        "features": ("x1", "x2"),
        "hidden": (4,),
        "activation": "tanh",
        "loss": "bce",
        "optimizer": "adam",
        "lr": 0.03,
        "batch_size": None,
    },
    "moons": {
        "features": ("x1", "x2"),
        "hidden": (6,),
        "activation": "tanh",
        "loss": "bce",
        "optimizer": "adam",
        "lr": 0.03,
        "batch_size": None,
    },
    "linear": {
        "features": ("x1", "x2"),
        "hidden": (2,),
        "activation": "tanh",
        "loss": "bce",
        "optimizer": "adam",
        "lr": 0.03,
        "batch_size": None,
    },
    # TensorFlow Playground's.
    "circle": {
        "features": ("x1", "x2", "x1sq", "x2sq"),  # the squares make a disc a straight cut
        "hidden": (4,),
        "activation": "tanh",
        "loss": "bce",
        "optimizer": "adam",
        "lr": 0.03,
        "batch_size": None,
    },
    "xor": {
        "features": ("x1", "x2"),
        "hidden": (8,),
        "activation": "tanh",
        "loss": "bce",
        "optimizer": "adam",
        "lr": 0.03,
        "batch_size": None,
    },
    "gauss": {
        "features": ("x1", "x2"),
        "hidden": (2,),
        "activation": "tanh",
        "loss": "bce",
        "optimizer": "adam",
        "lr": 0.03,
        "batch_size": None,
    },
    "spiral": {
        "features": ("x1", "x2", "sinx1", "sinx2"),
        "hidden": (8, 8),
        "activation": "tanh",
        "loss": "bce",
        "optimizer": "adam",
        "lr": 0.01,
        "batch_size": 10,
    },
    # Several classes.
    "blobs": {
        "features": ("x1", "x2"),
        "hidden": (4,),
        "activation": "tanh",
        "loss": "ce",
        "optimizer": "adam",
        "lr": 0.03,
        "batch_size": None,
    },
    "arms": {
        "features": ("x1", "x2", "sinx1", "sinx2"),
        "hidden": (8, 8),
        "activation": "tanh",
        "loss": "ce",
        "optimizer": "adam",
        "lr": 0.01,
        "batch_size": 10,
    },
    "iris": {
        "features": ("x1", "x2"),
        "hidden": (4,),
        "activation": "tanh",
        "loss": "ce",
        "optimizer": "adam",
        "lr": 0.03,
        "batch_size": None,
    },
    # Regression.
    "reg-plane": {
        "features": ("x1", "x2"),
        "hidden": (3,),
        "activation": "tanh",
        "loss": "mse",
        "optimizer": "adam",
        "lr": 0.05,
        "batch_size": None,
    },
    "reg-gauss": {
        # Six bumps are too much shape for 200 noisy points (even k-nearest neighbours gets
        # R² ~0.55); like the playground's 1200, this preset asks for more data.
        "samples": 1000,
        "features": ("x1", "x2"),
        "hidden": (10, 10),
        "activation": "tanh",
        "loss": "mse",
        "optimizer": "adam",
        "lr": 0.03,
        "batch_size": None,
    },
}

# (epochs, minimum test accuracy or R²) each preset reaches on the default data.
PRESET_TARGETS: dict[str, tuple[int, float]] = {
    "circles": (300, 0.93),
    "moons": (300, 0.95),
    "linear": (200, 0.85),  # 1 % of its labels are flipped and its clusters touch
    "circle": (300, 0.88),  # noise blurs the labels at the disc's rim
    "xor": (300, 0.9),
    "gauss": (100, 0.95),
    "spiral": (300, 0.9),
    "blobs": (200, 0.93),
    "arms": (300, 0.9),
    "iris": (300, 0.9),
    "reg-plane": (300, 0.95),
    "reg-gauss": (1200, 0.7),
}


def preset_config(dataset: str, **changes) -> Config:
    """The `Config` of ``dataset``'s preset, with any further ``changes`` on top."""
    if dataset not in PRESETS:
        raise ValueError(f"preset: no preset for {dataset!r}; one of {', '.join(PRESETS)}")
    return Config(dataset=dataset, **{**PRESETS[dataset], **changes})


__all__ = ["PRESETS", "PRESET_TARGETS", "preset_config"]
