"""Reading a user's text file (CSV points, sessions, configs) with one set of clear errors."""

from __future__ import annotations

import os


def read_text(path, what: str, encoding: str = "utf-8") -> str:
    """The whole file as text; ValueError naming the file and the problem otherwise.

    ``what`` names the kind of file in messages, e.g. "CSV file" or "session file"."""
    name = os.fspath(path)
    try:
        with open(name, encoding=encoding, newline="") as handle:
            return handle.read()
    except FileNotFoundError as exc:
        raise ValueError(f"{name}: no such {what}") from exc
    except IsADirectoryError as exc:
        raise ValueError(f"{name}: is a folder, not a {what}") from exc
    except UnicodeDecodeError as exc:
        raise ValueError(f"{name}: not a text {what} (it is binary or not UTF-8)") from exc
    except OSError as exc:
        raise ValueError(f"{name}: cannot read the {what} ({exc.strerror})") from exc
