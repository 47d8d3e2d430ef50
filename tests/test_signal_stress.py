"""Thousands of queued signals carrying NumPy arrays, worker thread to GUI thread, all intact.

PySide6-Essentials 6.12.0 on Python 3.11 aborts after a few hundred such emissions
("Fatal Python error: bool_dealloc"); the project's pin keeps it out.  This test is
the canary: it dies, rather than fails, on an affected build.
"""

import numpy as np
import pytest
from PySide6.QtCore import QObject, QThread, Signal, Slot

EMISSIONS = 20_000


class Emitter(QObject):
    arrayReady = Signal(object, int)
    done = Signal()

    @Slot()
    def emit_all(self):
        rng = np.random.default_rng(7)
        for k in range(EMISSIONS):
            self.arrayReady.emit(rng.standard_normal(16), k)
        self.done.emit()


class Collector(QObject):
    def __init__(self):
        super().__init__()
        self.count = 0
        self.checksum = 0.0
        self.in_order = True

    @Slot(object, int)
    def collect(self, values, k):
        self.in_order &= k == self.count
        self.count += 1
        self.checksum += float(values.sum())


def expected_checksum() -> float:
    rng = np.random.default_rng(7)
    return sum(float(rng.standard_normal(16).sum()) for _ in range(EMISSIONS))


def test_twenty_thousand_array_signals_arrive_intact(qtbot):
    thread = QThread()
    emitter, collector = Emitter(), Collector()
    emitter.moveToThread(thread)
    emitter.arrayReady.connect(collector.collect)
    thread.started.connect(emitter.emit_all)
    try:
        with qtbot.waitSignal(emitter.done, timeout=60000):
            thread.start()
        qtbot.waitUntil(lambda: collector.count == EMISSIONS, timeout=60000)
    finally:
        thread.quit()
        thread.wait()
    assert collector.in_order
    assert collector.checksum == pytest.approx(expected_checksum(), rel=1e-12)
    assert not thread.isRunning()
