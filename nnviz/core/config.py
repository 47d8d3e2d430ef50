"""The one configuration object: every setting of a run, validated and serialisable.

`Config` is a frozen dataclass.  Constructing one validates every field and
raises ``ValueError`` naming the offending field, so an absurd setting never
reaches the engine.  ``KEEPS_WEIGHTS`` / ``REBUILDS`` state, once, which changes
a trainer can apply to a running network and which force a rebuild.
"""

from __future__ import annotations

import dataclasses
import json
import math
import numbers
from dataclasses import dataclass, fields

# Problem kind of each built-in dataset.  "file" data decides at load time.
BINARY_DATASETS = ("circles", "moons", "linear", "circle", "xor", "gauss", "spiral")
MULTICLASS_DATASETS = ("blobs", "arms", "iris")
REGRESSION_DATASETS = ("reg-plane", "reg-gauss")
CLASS_COUNT_DATASETS = ("blobs", "arms")  # the sets that draw `Config.classes` classes
MIN_CLASSES, MAX_CLASSES = 3, 5  # of a several-class set
DATASETS = BINARY_DATASETS + MULTICLASS_DATASETS + REGRESSION_DATASETS + ("file",)

FEATURES = ("x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2")
FEATURE_LABELS = {
    "x1": "x₁",
    "x2": "x₂",
    "x1sq": "x₁²",
    "x2sq": "x₂²",
    "x1x2": "x₁·x₂",
    "sinx1": "sin x₁",
    "sinx2": "sin x₂",
}
ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")
LOSSES = ("sse", "mse", "bce", "ce")
OPTIMIZERS = ("sgd", "momentum", "adam")
INITS = ("notebook", "playground", "glorot", "he")

MAX_LAYERS = 8
MAX_WIDTH = 32
MAX_SAMPLES = 5000
SEED_MAX = 2**31 - 1  # seeds are 32-bit signed, for every RNG and for saved sessions

# Changing one of these keeps the trained weights; every other field rebuilds.
KEEPS_WEIGHTS = frozenset(
    {"lr", "optimizer", "momentum", "beta1", "beta2", "eps", "l1", "l2", "batch_size"}
)


def problem_of(dataset: str) -> str:
    """'binary', 'multiclass' or 'regression' for a built-in dataset ('file' until loaded)."""
    if dataset in MULTICLASS_DATASETS:
        return "multiclass"
    if dataset in REGRESSION_DATASETS:
        return "regression"
    return "binary"


def losses_for(problem: str) -> tuple[str, ...]:
    """Losses that make sense for a problem kind, the preferred one first."""
    return {
        "binary": ("bce", "mse", "sse"),
        "multiclass": ("ce", "mse", "sse"),
        "regression": ("mse", "sse"),
    }[problem]


@dataclass(frozen=True)
class Config:
    """Every setting of a run.  Build with keywords; invalid values raise ValueError."""

    # data
    dataset: str = "circles"
    samples: int | None = None  # None: the dataset's own size (the notebook's, the playground's)
    noise: float = 0.1  # fraction in [0, 0.5]; the notebook's generators take it as sklearn's noise
    train_ratio: float = 0.6  # the notebook's 120 / 80 split of 200 points
    data_seed: int = 0  # 0 reproduces the notebook's exact data
    data_file: str | None = None  # CSV path when dataset == "file"
    classes: int = 3  # for the several-class sets (blobs, arms), 3..5; iris always has 3
    # network
    features: tuple[str, ...] = ("x1", "x2")
    hidden: tuple[int, ...] = (3,)
    activation: str = "tanh"
    loss: str = "bce"
    init: str = "glorot"
    seed: int = 0  # initial weights and mini-batch order
    # training (these keep the weights when changed)
    optimizer: str = "adam"
    lr: float = 0.03
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    batch_size: int | None = None  # None: full batch
    l1: float = 0.0
    l2: float = 0.0

    def __post_init__(self) -> None:
        # Normalise sequences first so lists from JSON or the CLI compare equal.
        object.__setattr__(self, "features", tuple(self.features))
        object.__setattr__(self, "hidden", tuple(self.hidden))
        self._validate()

    # ------------------------------------------------------------------ validation
    def _validate(self) -> None:
        check_choice("dataset", self.dataset, DATASETS)
        if self.samples is not None:
            check_int("samples", self.samples, 4, MAX_SAMPLES)
        check_number("noise", self.noise, 0.0, 0.5)
        check_number("train_ratio", self.train_ratio, 0.1, 0.9)
        check_int("data_seed", self.data_seed, 0, SEED_MAX)
        if self.dataset == "file" and not self.data_file:
            raise ValueError("data_file: required when dataset is 'file'")
        if self.data_file is not None and not isinstance(self.data_file, str):
            raise ValueError("data_file: must be a path string")
        check_int("classes", self.classes, MIN_CLASSES, MAX_CLASSES)
        if not self.features:
            raise ValueError("features: at least one input feature is needed")
        for name in self.features:
            check_choice("features", name, FEATURES)
        if len(set(self.features)) != len(self.features):
            raise ValueError("features: each feature may appear once")
        if len(self.hidden) > MAX_LAYERS:
            raise ValueError(f"hidden: at most {MAX_LAYERS} hidden layers")
        for width in self.hidden:
            check_int("hidden", width, 1, MAX_WIDTH)
        check_choice("activation", self.activation, ACTIVATIONS)
        check_choice("loss", self.loss, LOSSES)
        if self.dataset != "file" and self.loss not in losses_for(self.problem):
            raise ValueError(
                f"loss: {self.loss!r} does not fit {self.problem} data ({self.dataset}); "
                f"use one of {', '.join(losses_for(self.problem))}"
            )
        check_choice("init", self.init, INITS)
        check_int("seed", self.seed, 0, SEED_MAX)
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_number("lr", self.lr, 1e-5, 10.0)  # the playground's range
        check_number("momentum", self.momentum, 0.0, 0.999)
        check_number("beta1", self.beta1, 0.0, 0.999)
        check_number("beta2", self.beta2, 0.0, 0.99999)
        check_number("eps", self.eps, 1e-12, 1.0)
        if self.batch_size is not None:
            check_int("batch_size", self.batch_size, 1, MAX_SAMPLES)
        check_number("l1", self.l1, 0.0, 10.0)
        check_number("l2", self.l2, 0.0, 10.0)

    # ------------------------------------------------------------------ derived
    @property
    def problem(self) -> str:
        return problem_of(self.dataset)

    def replace(self, **changes) -> Config:
        """A validated copy with some fields changed (unknown names raise ValueError)."""
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise ValueError(f"{sorted(unknown)[0]}: no such setting")
        return dataclasses.replace(self, **changes)

    @staticmethod
    def rebuild_needed(changes) -> bool:
        """True when applying these changed field names needs a fresh network."""
        return any(name not in KEEPS_WEIGHTS for name in changes)

    def diff(self, other: Config) -> dict:
        """Fields whose values differ in ``other``, with ``other``'s values."""
        return {
            f.name: getattr(other, f.name)
            for f in fields(self)
            if getattr(self, f.name) != getattr(other, f.name)
        }

    # ------------------------------------------------------------------ serialisation
    def to_dict(self) -> dict:
        data = dataclasses.asdict(self)
        data["features"] = list(self.features)
        data["hidden"] = list(self.hidden)
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict) -> Config:
        if not isinstance(data, dict):
            raise ValueError("config: expected a JSON object of settings")
        return cls().replace(**data)

    @classmethod
    def from_json(cls, text: str) -> Config:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"config: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
        return cls.from_dict(data)

    @classmethod
    def notebook(cls) -> Config:
        """The course notebook's exact setup: 2-3-1 sigmoid, summed squared error,
        uniform [0, 1) initialisation, full-batch gradient descent at 0.01 on circles."""
        return cls(
            dataset="circles",
            hidden=(3,),
            activation="sigmoid",
            loss="sse",
            init="notebook",
            optimizer="sgd",
            lr=0.01,
            batch_size=None,
        )


# ---------------------------------------------------------------------- validators
# Shared with the engine's own settings check (optimizers.Settings), which has wider ranges.
def check_choice(name: str, value, options) -> None:
    if value not in options:
        raise ValueError(f"{name}: {value!r} is not one of {', '.join(options)}")


def check_int(name: str, value, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name}: expected a whole number, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name}: {value} is outside {low}..{high}")


def check_number(
    name: str, value, low: float, high: float, low_open: bool = False, high_open: bool = False
) -> None:
    """A finite real in low..high; an open end excludes that bound itself."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name}: expected a number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name}: must be finite, got {value!r}")
    if value < low or value > high or (low_open and value == low) or (high_open and value == high):
        left, right = "(" if low_open else "[", ")" if high_open else "]"
        raise ValueError(f"{name}: {value} is outside {left}{low:g}, {high:g}{right}")


__all__ = ["Config", "KEEPS_WEIGHTS", "problem_of", "losses_for"]
