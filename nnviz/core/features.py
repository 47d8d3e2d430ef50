"""The input features a network sees: columns computed from the raw (x1, x2) points.

Each entry of `FEATURE_FUNCS` is a NumPy ufunc call ``f(x1, x2, out=None)``, so
`expand_features` can write straight into a preallocated matrix (the boundary grid is
expanded every frame) and keeps the input's float dtype (float32 grids stay float32).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .config import FEATURES

FEATURE_FUNCS = {
    "x1": lambda x1, x2, out=None: np.positive(x1, out=out),
    "x2": lambda x1, x2, out=None: np.positive(x2, out=out),
    "x1sq": lambda x1, x2, out=None: np.square(x1, out=out),
    "x2sq": lambda x1, x2, out=None: np.square(x2, out=out),
    "x1x2": lambda x1, x2, out=None: np.multiply(x1, x2, out=out),
    "sinx1": lambda x1, x2, out=None: np.sin(x1, out=out),
    "sinx2": lambda x1, x2, out=None: np.sin(x2, out=out),
}


def expand_features(
    X: np.ndarray, names: Sequence[str], out: np.ndarray | None = None
) -> np.ndarray:
    """(n, len(names)) matrix of the named features of raw (n, 2) points, in ``names`` order.

    Float input keeps its dtype; anything else becomes float64.  ``out``, when given, must
    be an (n, len(names)) array of that dtype and is filled and returned.
    """
    X = np.asarray(X)
    if not np.issubdtype(X.dtype, np.floating):
        X = X.astype(np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"features: expected (n, 2) points, got shape {X.shape}")
    unknown = [name for name in names if name not in FEATURE_FUNCS]
    if unknown:
        raise ValueError(f"features: {unknown[0]!r} is not one of {', '.join(FEATURES)}")
    shape = (len(X), len(names))
    if out is None:
        out = np.empty(shape, dtype=X.dtype)
    elif out.shape != shape or out.dtype != X.dtype:
        raise ValueError(f"features: out must be {shape} {X.dtype}, got {out.shape} {out.dtype}")
    x1, x2 = X[:, 0], X[:, 1]
    for column, name in enumerate(names):
        FEATURE_FUNCS[name](x1, x2, out=out[:, column])
    return out


__all__ = ["FEATURE_FUNCS", "expand_features"]
