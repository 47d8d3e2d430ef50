"""The NumPy-only engine: configuration, data, network, training.  No Qt here."""

from .config import Config
from .csvdata import load_points, save_points
from .datasets import Dataset, make_dataset
from .session import load_session, save_session
from .trainer import Trainer

__all__ = [
    "Config",
    "Dataset",
    "Trainer",
    "load_points",
    "load_session",
    "make_dataset",
    "save_points",
    "save_session",
]
