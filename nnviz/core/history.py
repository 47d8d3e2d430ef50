"""Per-epoch metrics in bounded memory: `MetricHistory`, and a JSON encoding for float lists.

A run may last millions of epochs, so the history keeps every ``stride``-th epoch: when its
buffer fills it drops every other row and doubles the stride.  The rows kept are therefore
evenly spread over the run, and the most recent epoch is always part of the view, so a
chart's last point is the current state.  `append` is the hot path (once per epoch): it
stores a tuple and only touches the arrays for the rows it keeps.

JSON has no NaN or infinity, and a diverged run has them: `encode_floats` writes them as the
strings "nan", "inf" and "-inf", and `decode_floats` reads them back.
"""

from __future__ import annotations

import math

import numpy as np

from .snapshot import History

COLUMNS = ("train_loss", "test_loss", "train_score", "test_score")
MIN_CAPACITY = 4
_SPECIAL = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def encode_floats(values) -> list:
    """A JSON-able list: finite numbers as floats, NaN / ±inf as "nan" / "inf" / "-inf"."""
    return [
        v if math.isfinite(v) else "nan" if math.isnan(v) else "inf" if v > 0 else "-inf"
        for v in np.asarray(values, dtype=np.float64).tolist()
    ]


def decode_floats(items, field: str = "values") -> np.ndarray:
    """The float64 array `encode_floats` encoded; ValueError naming ``field`` otherwise."""
    if not isinstance(items, list):
        raise ValueError(f"{field}: expected a list of numbers")
    out = np.empty(len(items))
    for i, item in enumerate(items):
        if isinstance(item, str) and item in _SPECIAL:
            out[i] = _SPECIAL[item]
        elif isinstance(item, (int, float)) and not isinstance(item, bool):
            out[i] = item
        else:
            raise ValueError(f"{field}: {item!r} is not a number")
    return out


class MetricHistory:
    """Rows of (epoch, train_loss, test_loss, train_score, test_score); ``capacity`` at most."""

    def __init__(self, capacity: int = 4096):
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < MIN_CAPACITY:
            raise ValueError(f"history: capacity must be a whole number >= {MIN_CAPACITY}")
        self.capacity = capacity
        # One row of the view is reserved for the latest epoch when it is not a kept row.
        self._epochs = np.zeros(capacity - 1, dtype=np.int64)
        self._values = np.zeros((capacity - 1, len(COLUMNS)))
        self.clear()

    def clear(self) -> None:
        self._kept = 0  # rows in use in the buffers
        self._count = 0  # rows ever appended since the last clear
        self._stride = 1  # every stride-th appended row is kept
        self._latest = None

    def __len__(self) -> int:
        return self._kept + self._latest_is_extra()

    def _latest_is_extra(self) -> bool:
        return self._count > 0 and (self._count - 1) % self._stride != 0

    @property
    def stride(self) -> int:
        return self._stride

    @property
    def latest(self) -> tuple | None:
        """The last appended row as (epoch, train_loss, test_loss, train_score, test_score)."""
        if self._latest is None:
            return None
        epoch, *values = self._latest
        return (int(epoch), *(float(v) for v in values))

    def append(self, epoch, train_loss, test_loss, train_score, test_score) -> None:
        self.record(epoch, (train_loss, test_loss, train_score, test_score))

    def record(self, epoch, values) -> None:
        """`append` taking the four values as one tuple: the trainer's hot loop has one."""
        self._latest = (epoch, *values)
        index = self._count
        self._count = index + 1
        if index % self._stride:
            return
        if self._kept == len(self._epochs):
            self._halve()
            if index % self._stride:
                return
        self._epochs[self._kept] = epoch
        self._values[self._kept] = values
        self._kept += 1

    def _halve(self) -> None:
        """Keep rows 0, 2, 4, ...: they are exactly the multiples of the doubled stride."""
        kept = (self._kept + 1) // 2
        self._epochs[:kept] = self._epochs[: self._kept : 2]
        self._values[:kept] = self._values[: self._kept : 2]
        self._kept = kept
        self._stride *= 2

    def view(self) -> History:
        """A copy of the rows in view, latest epoch last."""
        n = self._kept
        extra = self._latest_is_extra()
        epochs = np.empty(n + extra, dtype=np.int64)
        values = np.empty((n + extra, len(COLUMNS)))
        epochs[:n] = self._epochs[:n]
        values[:n] = self._values[:n]
        if extra:
            epochs[n] = self._latest[0]
            values[n] = self._latest[1:]
        return History(epochs, *(values[:, i].copy() for i in range(len(COLUMNS))))

    # ------------------------------------------------------------------ serialisation
    def to_dict(self) -> dict:
        n = self._kept
        data = {
            "capacity": self.capacity,
            "stride": self._stride,
            "count": self._count,
            "epochs": self._epochs[:n].tolist(),
            "latest": None if self._latest is None else encode_floats(self.latest),
        }
        for i, column in enumerate(COLUMNS):
            data[column] = encode_floats(self._values[:n, i])
        return data

    @classmethod
    def from_dict(cls, data: dict) -> MetricHistory:
        """The history `to_dict` wrote; ValueError when the data is malformed."""
        if not isinstance(data, dict):
            raise ValueError("history: expected a JSON object")
        keys = ("capacity", "stride", "count", "epochs", "latest", *COLUMNS)
        missing = [key for key in keys if key not in data]
        if missing:
            raise ValueError(f"history: missing {', '.join(missing)}")
        history = cls(data["capacity"])
        stride, count = data["stride"], data["count"]
        epochs = decode_floats(data["epochs"], "history: epochs")
        columns = [decode_floats(data[column], f"history: {column}") for column in COLUMNS]
        n = len(epochs)
        if not (_whole(stride) and stride >= 1 and stride & (stride - 1) == 0):
            raise ValueError("history: stride must be a power of two")
        if not (_whole(count) and count >= n and n <= history.capacity - 1):
            raise ValueError("history: row counts do not fit together")
        if any(len(column) != n for column in columns) or not np.all(np.isfinite(epochs)):
            raise ValueError("history: every column must have one finite epoch per row")
        latest = data["latest"]
        if (latest is None) != (count == 0):
            raise ValueError("history: latest row must be present exactly when rows were added")
        if latest is not None:
            latest = decode_floats(latest, "history: latest")
            if len(latest) != 1 + len(COLUMNS) or not math.isfinite(latest[0]):
                raise ValueError("history: latest must be a row of 5 values")
            history._latest = (int(latest[0]), *latest[1:].tolist())
        history._epochs[:n] = epochs
        history._values[:n] = np.column_stack(columns) if n else 0.0
        history._kept, history._stride, history._count = n, stride, count
        return history


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


__all__ = ["MetricHistory", "encode_floats", "decode_floats", "COLUMNS"]
