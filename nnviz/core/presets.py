"""A ready setup per built-in dataset: the network and training settings that learn it.

`PRESETS[name]` holds `Config` overrides (features, hidden layers, activation, loss,
optimizer, learning rate, batch size); `preset_config(name)` applies them.
`PRESET_TARGETS[name]` = (epochs, score) states what the preset reaches on the default
data (the dataset's own size unless the preset says otherwise, noise 0.1, 60 % training,
data seed 0, weight seed 0): at least that
test accuracy (R² for regression) after that many epochs.  tests/test_presets.py holds
every preset to its target.
"""

from __future__ import annotations

from .config import Config, losses_for, problem_of

SINES = ("x1", "x2", "sinx1", "sinx2")  # sin x1, sin x2 let a few neurons follow spiral arms


def _preset(dataset: str, hidden: tuple, features=("x1", "x2"), lr=0.03, batch_size=None, **more):
    """One preset: tanh and Adam everywhere, the loss that fits the data, full batch unless
    the set is twisted enough that mini-batch noise helps."""
    return {
        "features": features,
        "hidden": hidden,
        "activation": "tanh",
        "loss": losses_for(problem_of(dataset))[0],
        "optimizer": "adam",
        "lr": lr,
        "batch_size": batch_size,
        **more,
    }


PRESETS: dict[str, dict] = {
    # The notebook's three.
    "circles": _preset("circles", (4,)),
    "moons": _preset("moons", (6,)),
    "linear": _preset("linear", (2,)),
    # TensorFlow Playground's; the squares make the circle's disc a straight cut.
    "circle": _preset("circle", (4,), features=("x1", "x2", "x1sq", "x2sq")),
    "xor": _preset("xor", (8,)),
    "gauss": _preset("gauss", (2,)),
    "spiral": _preset("spiral", (8, 8), features=SINES, lr=0.01, batch_size=10),
    # Several classes.
    "blobs": _preset("blobs", (4,)),
    "arms": _preset("arms", (8, 8), features=SINES, lr=0.01, batch_size=10),
    "iris": _preset("iris", (4,)),
    # Regression.  Six bumps are too much shape for a few hundred noisy points (even
    # k-nearest neighbours gets R² ~0.55): like the playground's 1200, reg-gauss asks for more.
    "reg-plane": _preset("reg-plane", (3,), lr=0.05),
    "reg-gauss": _preset("reg-gauss", (10, 10), samples=1000),
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
