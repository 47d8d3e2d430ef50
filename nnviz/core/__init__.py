"""The NumPy-only engine: configuration, data, network, training.  No Qt here."""

from .config import Config
from .trainer import Trainer

__all__ = ["Config", "Trainer"]
