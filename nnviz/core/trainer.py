"""The public face of the engine: one run of one network on one dataset.

`Trainer` ties a `Config` to the data it names, the input features, the
numerical `Engine`, a bounded metric history and divergence handling.  It is
what notebooks, the CLI and the GUI worker drive::

    from nnviz.core import Config, Trainer
    trainer = Trainer(Config(dataset="circles"))
    trainer.step(epochs=500)
    print(trainer.metrics["test_accuracy"])
"""

from __future__ import annotations

import math

import numpy as np

from .config import KEEPS_WEIGHTS, Config, losses_for
from .datasets import Dataset, make_dataset
from .engine import Engine
from .features import expand_features
from .history import MetricHistory
from .snapshot import Grid, Snapshot

DATA_FIELDS = frozenset(
    {"dataset", "samples", "noise", "train_ratio", "data_seed", "data_file", "classes"}
)
OUTPUT_OF_PROBLEM = {"binary": "sigmoid", "multiclass": "softmax", "regression": "linear"}


class Trainer:
    """Trains a network as `config` says.  Not thread-safe: one thread drives it.

    Attributes: ``config`` (the current settings), ``data`` (a `Dataset`),
    ``epoch``, ``metrics`` (latest metrics dict), ``diverged`` (None, or the
    epoch whose update turned non-finite) and ``history`` (a `MetricHistory` whose
    first row is epoch 0, the untrained network, so curves start where training does).
    """

    def __init__(self, config: Config | None = None, data: Dataset | None = None):
        self.config = config if config is not None else Config()
        self.history = MetricHistory()
        self._grid_cache: dict = {}
        self._install(self.config, data if data is not None else make_dataset(self.config))

    # ------------------------------------------------------------------ building
    def _make_engine(self, config: Config, data: Dataset) -> Engine:
        if config.loss not in losses_for(data.problem):
            raise ValueError(
                f"loss: {config.loss!r} does not fit {data.problem} data; "
                f"use one of {', '.join(losses_for(data.problem))}"
            )
        n_out = data.n_classes if data.problem == "multiclass" else 1
        sizes = (len(config.features), *config.hidden, n_out)
        engine = Engine(
            sizes,
            config.activation,
            OUTPUT_OF_PROBLEM[data.problem],
            config.loss,
            config.init,
            config.seed,
            expand_features(data.x_train, config.features),
            data.y_train,
            expand_features(data.x_test, config.features),
            data.y_test,
        )
        engine.set_training(**_training_settings(config))
        return engine

    def _install(self, config: Config, data: Dataset, engine: Engine | None = None) -> None:
        """Make (config, data) current, at epoch 0.  Builds everything before
        assigning, so a failure leaves the previous state intact."""
        engine = engine if engine is not None else self._make_engine(config, data)
        self.config, self.data, self._engine = config, data, engine
        self._initial = engine.flat.copy()
        self._grid_cache.clear()
        self._restart()

    def _restart(self) -> None:
        self.epoch = 0
        self.diverged: int | None = None
        self.history.clear()
        values = self._engine.evaluate()
        self.metrics = self._metrics_dict(values)
        # Epoch 0 is the untrained network: the curves start where training starts from.
        self.history.record(0, values)

    def _refresh_metrics(self) -> None:
        self.metrics = self._metrics_dict(self._engine.evaluate())

    def _metrics_dict(self, values) -> dict:
        train_loss, test_loss, train_score, test_score = (float(v) for v in values)
        score = "r2" if self.data.problem == "regression" else "accuracy"
        return {
            "epoch": self.epoch,
            "train_loss": train_loss,
            "test_loss": test_loss,
            f"train_{score}": train_score,
            f"test_{score}": test_score,
        }

    # ------------------------------------------------------------------ state
    @property
    def params(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """The current (W, b) arrays, input side first; W is (n_in, n_out).

        Writes into them reach the engine once `set_param` (or ``invalidate``) is called;
        read them again after training rather than keeping them."""
        return self._engine.params

    @property
    def initial_params(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Copies of the weights this run started from (what reset returns to)."""
        saved = self._engine.flat.copy()
        self._engine.flat[:] = self._initial
        initial = [(w.copy(), b.copy()) for w, b in self._engine.params]
        self._engine.flat[:] = saved
        return initial

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        return tuple(self._engine.sizes)

    @property
    def problem(self) -> str:
        return self.data.problem

    # ------------------------------------------------------------------ training
    def step(self, epochs: int = 1) -> dict:
        """Train ``epochs`` epochs; stop early at a non-finite loss or parameter,
        keeping the last finite parameters.  Returns the metrics dict."""
        if epochs < 0:
            raise ValueError(f"epochs: must be >= 0, got {epochs}")
        run_epoch, record = self._engine.epoch, self.history.record
        epoch, last_good = self.epoch, None
        for epoch in range(self.epoch + 1, self.epoch + epochs + 1):
            values = run_epoch()
            if not math.isfinite(values[0] + values[1]):
                self.diverged = epoch
                epoch -= 1
                break
            record(epoch, values)
            last_good = values
        else:
            if epochs:
                self.diverged = None
        self.epoch = epoch
        if last_good is not None:
            self.metrics = self._metrics_dict(last_good)
        return dict(self.metrics)

    def configure(self, **changes) -> bool:
        """Apply setting changes; True when the network (and maybe data) was rebuilt.

        Learning rate, optimizer settings, regularization and batch size keep
        the trained weights; every other field rebuilds.  An invalid value
        raises ValueError and leaves the trainer as it was."""
        new = self.config.replace(**changes)
        diff = self.config.diff(new)
        if not diff:
            return False
        if not Config.rebuild_needed(diff):
            self._engine.set_training(**_training_settings(new))
            self.config = new
            return False
        data = make_dataset(new) if DATA_FIELDS & diff.keys() else self.data
        self._install(new, data, self._make_engine(new, data))
        return True

    def reset(self) -> None:
        """Back to epoch 0 with the very same initial weights; history cleared."""
        engine = self._make_engine(self.config, self.data)
        engine.flat[:] = self._initial
        engine.invalidate()
        self._engine = engine
        self._restart()

    def set_param(self, layer: int, kind: str, i: int, j: int, value: float) -> None:
        """Set W[i, j] (kind 'w') or b[j] (kind 'b'; i ignored) of params[layer]."""
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"value: must be a finite number, got {value!r}")
        if not 0 <= layer < len(self.params):
            raise ValueError(f"layer: {layer} is outside 0..{len(self.params) - 1}")
        weights, bias = self.params[layer]
        if kind == "w":
            if not (0 <= i < weights.shape[0] and 0 <= j < weights.shape[1]):
                raise ValueError(f"index: ({i}, {j}) is outside the {weights.shape} weights")
            weights[i, j] = value
        elif kind == "b":
            if not 0 <= j < bias.shape[0]:
                raise ValueError(f"index: {j} is outside the {bias.shape[0]} biases")
            bias[j] = value
        else:
            raise ValueError(f"kind: {kind!r} is not 'w' or 'b'")
        self._engine.invalidate()
        self._refresh_metrics()

    def gradient_check(self) -> float:
        """Relative error of the analytic gradient against central finite differences."""
        return self._engine.gradient_check()

    # ------------------------------------------------------------------ evaluation
    def _features(self, points: np.ndarray) -> np.ndarray:
        return expand_features(points, self.config.features)

    def predict(self, points) -> np.ndarray:
        """Output at raw (x1, x2) points: (n,) class-1 probability or regression
        value; (n, k) class probabilities for several classes."""
        points = np.asarray(points, dtype=np.float64)
        if points.ndim != 2 or points.shape[1] != 2:
            raise ValueError(f"points: expected an (n, 2) array, got shape {points.shape}")
        out = self._engine.forward(self._features(points))
        return out if self.data.problem == "multiclass" else out[:, 0]

    def _plane(self, resolution: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Grid axes over the padded data range and their features, cached (float32)."""
        if resolution not in self._grid_cache:
            xmin, xmax, ymin, ymax = self.data.bounds
            xs = np.linspace(xmin, xmax, resolution, dtype=np.float32)
            ys = np.linspace(ymin, ymax, resolution, dtype=np.float32)
            gx, gy = np.meshgrid(xs, ys)  # rows follow y, columns x
            points = np.column_stack([gx.ravel(), gy.ravel()])
            self._grid_cache[resolution] = (xs, ys, self._features(points))
        return self._grid_cache[resolution]

    def boundary(self, resolution: int = 150, focus: tuple | None = None) -> Grid:
        """Output, or neuron ``focus`` = (layer, index) with layer 0 the inputs,
        over the padded data range."""
        xs, ys, feats = self._plane(resolution)
        shape = (len(ys), len(xs))
        if focus is not None:
            layer, index = focus
            values = self._on_grid(lambda dtype: [self._engine.layer_outputs(feats, dtype)[layer]])
            values = values[0][:, index].reshape(shape)
        else:
            out = self._on_grid(lambda dtype: [self._engine.forward(feats, dtype)])[0]
            multiclass = self.data.problem == "multiclass"
            values = out.reshape(*shape, -1) if multiclass else out[:, 0].reshape(shape)
        return Grid(xs, ys, np.array(values))

    def neuron_grids(self, resolution: int = 32) -> list[np.ndarray]:
        """Every neuron's output over a small grid: per layer an (ny, nx, width) array."""
        xs, ys, feats = self._plane(resolution)
        outputs = self._on_grid(lambda dtype: self._engine.layer_outputs(feats, dtype))
        return [np.array(a.reshape(len(ys), len(xs), -1)) for a in outputs]

    def _on_grid(self, infer) -> list[np.ndarray]:
        """``infer(dtype)`` over a grid in float32, which is fast; again in float64 when
        float32 overflowed while the weights are finite (after a divergence they can pass
        1e19), so that a network with finite outputs is never drawn as NaN."""
        arrays = infer(np.float32)
        if all(np.isfinite(a).all() for a in arrays) or not np.isfinite(self._engine.flat).all():
            return arrays
        return infer(np.float64)

    def snapshot(self, resolution: int = 150, thumb: int = 32, focus=None) -> Snapshot:
        """An independent copy of everything a view draws."""
        return Snapshot(
            epoch=self.epoch,
            metrics=dict(self.metrics),
            params=[(w.copy(), b.copy()) for w, b in self.params],
            layer_sizes=self.layer_sizes,
            feature_names=tuple(self.config.features),
            problem=self.data.problem,
            activation=self.config.activation,
            boundary=self.boundary(resolution, focus),
            neuron_grids=self.neuron_grids(thumb),
            history=self.history.view(),
            diverged=self.diverged,
            focus=focus,
        )

    # ------------------------------------------------------------------ persistence
    def state_dict(self) -> dict:
        """JSON-able state: config, data, initial and current weights, epoch, history."""
        return {
            "config": self.config.to_dict(),
            "data": self.data.to_dict(),
            "initial": self._initial.tolist(),
            "weights": self._engine.flat.tolist(),
            # Step count and momentum/Adam moments: a loaded run continues exactly.
            "optimizer_state": self._engine.optimizer_state.tolist(),
            "shuffle_state": self._engine.shuffle_state,  # mini-batch order to come
            "epoch": self.epoch,
            "diverged": self.diverged,
            "history": self.history.to_dict(),
        }

    @classmethod
    def from_state_dict(cls, state: dict) -> Trainer:
        """Rebuild a trainer from `state_dict` output; ValueError when malformed."""
        if not isinstance(state, dict):
            raise ValueError("session: the state is not a JSON object")
        missing = {"config", "data", "initial", "weights", "epoch"} - state.keys()
        if missing:
            raise ValueError(f"session: missing {', '.join(sorted(missing))}")
        trainer = cls(Config.from_dict(state["config"]), Dataset.from_dict(state["data"]))
        size = trainer._engine.flat.size
        initial = _finite_vector(state["initial"], size, "initial weights")
        weights = _finite_vector(state["weights"], size, "weights")
        epoch, diverged = state["epoch"], state.get("diverged")
        if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
            raise ValueError(f"session: epoch must be a whole number >= 0, got {epoch!r}")
        if diverged is not None and not isinstance(diverged, int):
            raise ValueError("session: diverged must be null or an epoch number")
        history = MetricHistory.from_dict(state["history"]) if "history" in state else None
        optimizer_state = state.get("optimizer_state")
        if optimizer_state is not None:
            size = trainer._engine.optimizer_state.size
            optimizer_state = _finite_vector(optimizer_state, size, "optimizer state")
            trainer._engine.optimizer_state[:] = optimizer_state
        if "shuffle_state" in state:
            try:
                trainer._engine.shuffle_state = state["shuffle_state"]
            except ValueError as exc:
                raise ValueError(f"session: {exc}") from None
        trainer._initial[:] = initial
        trainer._engine.flat[:] = weights
        trainer._engine.invalidate()
        trainer.epoch, trainer.diverged = epoch, diverged
        if history is not None:
            trainer.history = history
        trainer._refresh_metrics()
        return trainer


def _training_settings(config: Config) -> dict:
    """The settings an engine takes without rebuilding: exactly the weight-keeping fields."""
    return {name: getattr(config, name) for name in KEEPS_WEIGHTS}


def _finite_vector(values, size: int, what: str) -> np.ndarray:
    try:
        vector = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"session: {what}: not a list of numbers") from exc
    if vector.shape != (size,):
        raise ValueError(f"session: {what}: {vector.size} values, the network needs {size}")
    if not np.isfinite(vector).all():
        raise ValueError(f"session: {what}: NaN or infinity")
    return vector
