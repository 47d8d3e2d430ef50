"""Test-wide setup: Qt renders offscreen, BLAS stays on one thread, no thread outlives a test."""

import os
import sys

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


@pytest.fixture(autouse=True)
def no_worker_thread_left():
    """Every test that started a training thread must have stopped it."""
    yield
    worker = sys.modules.get("nnviz.app.worker")
    if worker is not None:
        assert worker.running_worker_threads() == 0
