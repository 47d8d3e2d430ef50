"""Points from and to CSV files of ``x1,x2,label`` rows.

Reading is strict and explains itself: a malformed file raises ValueError naming the file,
the line and the problem, e.g. ``points.csv: line 3: expected 3 columns, got 2``.  A first
line without any number is taken as a header; blank lines are skipped.  Labels are whole
numbers (class labels; `make_dataset` maps them to 0..k-1 in sorted order).
"""

from __future__ import annotations

import csv
import math
import os

import numpy as np

from .session import atomic_open
from .textfile import read_text

HEADER = ("x1", "x2", "label")


def load_points(path) -> tuple[np.ndarray, np.ndarray]:
    """(X, labels): (n, 2) float64 points and (n,) int64 labels read from a CSV file."""
    name = os.path.basename(os.fspath(path)) or os.fspath(path)
    rows = _rows(path, name)
    if rows and not any(_is_number(field) for field in rows[0][1]):
        rows = rows[1:]  # a header line
    if not rows:
        raise ValueError(f"{name}: the file is empty (no data points)")
    points = np.empty((len(rows), 2))
    labels = np.empty(len(rows), dtype=np.int64)
    for i, (line, fields) in enumerate(rows):
        where = f"{name}: line {line}"
        if len(fields) != 3:
            raise ValueError(f"{where}: expected 3 columns, got {len(fields)}")
        x1, x2, label = (_number(field, where) for field in fields)
        if not label.is_integer():
            raise ValueError(f"{where}: label {fields[2].strip()!r} is not a whole number")
        points[i] = x1, x2
        labels[i] = int(label)
    if len(np.unique(labels)) < 2:
        raise ValueError(f"{name}: only one class (label {labels[0]}); need at least two")
    return points, labels


def _rows(path, name: str) -> list[tuple[int, list[str]]]:
    """(line number, fields) of every non-blank line."""
    lines = read_text(path, "CSV file", encoding="utf-8-sig").splitlines()
    return [(n, next(csv.reader([line]))) for n, line in enumerate(lines, 1) if line.strip()]


def _is_number(field: str) -> bool:
    try:
        float(field)
    except ValueError:
        return False
    return True


def _number(field: str, where: str) -> float:
    try:
        value = float(field)
    except ValueError:
        raise ValueError(f"{where}: {field.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{where}: NaN or infinity")
    return value


def save_points(path, X, y) -> None:
    """Write points and labels as ``x1,x2,label`` with a header, atomically.

    Coordinates keep full precision so `load_points` reads back the same floats.  Integer
    labels are written as integers; regression targets as floats (for other tools: nnviz
    itself loads class labels only).
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"points must be (n, 2), got {X.shape}")
    if y.shape != (len(X),):
        raise ValueError(f"expected {len(X)} labels, got shape {y.shape}")
    as_int = np.issubdtype(y.dtype, np.integer)
    with atomic_open(path) as handle:
        handle.write(",".join(HEADER) + "\n")
        for (x1, x2), label in zip(X.tolist(), y.tolist(), strict=True):
            target = int(label) if as_int else repr(float(label))
            handle.write(f"{x1!r},{x2!r},{target}\n")


__all__ = ["load_points", "save_points"]
