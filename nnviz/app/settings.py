"""Persistent user settings (QSettings): window geometry, the last configuration and the
training speed.

Everything goes through a `QSettings` object handed in by the caller, so tests
can point it at a temporary file and never touch the user's real settings.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings

from nnviz.core.config import Config

ORGANIZATION = "nnviz"
APPLICATION = "nnviz"
_CONFIG_KEY = "config/last"
_GEOMETRY_KEY = "window/geometry"
_SPEED_KEY = "run/speedPosition"


def open_settings(path: str | None = None) -> QSettings:
    """The user's settings, or an INI file at ``path`` (tests, portable installs)."""
    if path is not None:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings(ORGANIZATION, APPLICATION)


def load_config(settings: QSettings) -> Config | None:
    """The last saved configuration, or None when absent or no longer valid."""
    text = settings.value(_CONFIG_KEY)
    if not isinstance(text, str):
        return None
    try:
        return Config.from_json(text)
    except (ValueError, TypeError):
        return None


def save_config(settings: QSettings, config: Config) -> None:
    settings.setValue(_CONFIG_KEY, config.to_json())


def load_geometry(settings: QSettings) -> QByteArray | None:
    value = settings.value(_GEOMETRY_KEY)
    return value if isinstance(value, QByteArray) and not value.isEmpty() else None


def save_geometry(settings: QSettings, geometry: QByteArray) -> None:
    settings.setValue(_GEOMETRY_KEY, geometry)


def load_speed_position(settings: QSettings, positions: int) -> int | None:
    """The speed slider's last position (0..positions-1), or None when absent or invalid."""
    try:
        position = int(settings.value(_SPEED_KEY))
    except (TypeError, ValueError):
        return None
    return position if 0 <= position < positions else None


def save_speed_position(settings: QSettings, position: int) -> None:
    settings.setValue(_SPEED_KEY, position)
