"""Saving and loading a whole session as a ``.nnviz`` JSON file, and the atomic file writer.

A session file is ``{"format": "nnviz-session", "version": 1, "state": ...}`` where the state
is whatever ``Trainer.state_dict()`` gives.  Writing goes to a temporary file in the target's
folder, is flushed to disk, then renamed over the target: a crash or an error mid-write leaves
the previous file untouched and no half-written file behind.

NaN and infinity are written as JSON's common ``NaN`` / ``Infinity`` extension (a diverged run
has them); we only read our own files, and Python's json module reads them back.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import numpy as np

from .textfile import read_text

FORMAT = "nnviz-session"
VERSION = 1
SUFFIX = ".nnviz"


@contextmanager
def atomic_open(path) -> Iterator:
    """A text file handle whose content replaces ``path`` only if the block completes."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    mode = _mode_for(path)
    fd, temp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(temp)
        raise
    _sync_folder(folder)


def _mode_for(path: str) -> int:
    """Keep an existing file's permissions; a new one gets the usual rw-r--r--."""
    try:
        return os.stat(path).st_mode & 0o777
    except OSError:
        return 0o644


def _sync_folder(folder: str) -> None:
    """Make the rename itself durable where the system allows syncing a folder."""
    if not hasattr(os, "O_DIRECTORY"):
        return  # Windows: folders cannot be opened for fsync
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _plain(value):
    """json's fallback for NumPy values that sneak into a state."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot save a value of type {type(value).__name__} in a session")


def save_session(path, state: dict) -> None:
    """Write ``state`` to ``path`` atomically.  OSError when the folder cannot be written."""
    if not isinstance(state, dict):
        raise ValueError("session state must be a dict")
    document = {"format": FORMAT, "version": VERSION, "state": state}
    with atomic_open(path) as handle:
        json.dump(document, handle, allow_nan=True, default=_plain, separators=(",", ":"))


def load_session(path) -> dict:
    """The state saved in a session file; ValueError saying what is wrong with a bad file."""
    name = os.fspath(path)
    text = read_text(path, "session file")
    if not text.strip():
        raise ValueError(f"{name}: not a valid nnviz session: the file is empty")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise ValueError(f"{name}: not a valid nnviz session: {exc.msg} at {where}") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"{name}: not an nnviz session file")
    version = document.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(f"{name}: not a valid nnviz session: bad version {version!r}")
    if version > VERSION:
        raise ValueError(
            f"{name}: saved by a newer nnviz (session version {version}; "
            f"this nnviz reads version {VERSION})"
        )
    state = document.get("state")
    if not isinstance(state, dict):
        raise ValueError(f"{name}: not a valid nnviz session: 'state' must be a JSON object")
    return state


__all__ = ["save_session", "load_session", "atomic_open", "SUFFIX"]
