"""TrainingWorker and its training process: exact steps, pause, reset, errors, coalescing,
shutdown."""

import numpy as np
import pytest
from PySide6.QtCore import QObject, Slot

from nnviz.app.worker import TrainingWorker, running_worker_threads
from nnviz.core.config import Config
from nnviz.core.trainer import Trainer


class Receiver(QObject):
    """Lives on the GUI thread and records what the worker sends (optionally drawing nothing)."""

    def __init__(self, worker: TrainingWorker, consume: bool = True):
        super().__init__()
        self.worker = worker
        self.consume = consume
        self.snapshots = []
        self.errors = []
        self.divergences = []
        self.settled_seq = -1
        worker.snapshotReady.connect(self.on_snapshot)
        worker.settled.connect(self.on_settled)
        worker.error.connect(self.on_error)
        worker.diverged.connect(self.on_diverged)

    @Slot(object)
    def on_snapshot(self, snap):
        self.snapshots.append(snap)
        if self.consume:
            self.worker.snapshot_consumed()

    @Slot(int)
    def on_settled(self, seq):
        self.settled_seq = seq

    @Slot(str)
    def on_error(self, text):
        self.errors.append(text)

    @Slot(int, bool)
    def on_diverged(self, epoch, again):
        self.divergences.append((epoch, again))

    def is_settled(self):
        return self.settled_seq == self.worker.posted


@pytest.fixture
def start_worker(qtbot):
    """Starts workers (drawing or not) and stops them all at teardown, even after a failure."""
    workers = []

    def start(consume=True, config=None):
        worker = TrainingWorker(Trainer(config or Config(samples=100)))
        receiver = Receiver(worker, consume)
        workers.append(worker)
        worker.start()
        qtbot.waitUntil(receiver.is_settled)
        return worker, receiver

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def harness(start_worker):
    return start_worker()


def weights(trainer):
    return [w.copy() for w, _ in trainer.params]


def test_step_trains_exactly_one_epoch_and_changes_weights(qtbot, harness):
    worker, receiver = harness
    before = weights(worker.trainer)
    worker.step()
    qtbot.waitUntil(receiver.is_settled)
    assert worker.trainer.epoch == 1
    assert receiver.snapshots[-1].epoch == 1
    assert any(
        not np.array_equal(a, b) for a, b in zip(before, weights(worker.trainer), strict=True)
    )


def test_pause_stops_training_and_reset_restores_initial_weights(qtbot, harness):
    worker, receiver = harness
    initial = weights(worker.trainer)
    worker.play()
    qtbot.waitUntil(lambda: receiver.snapshots[-1].epoch > 20)
    worker.pause()
    qtbot.waitUntil(receiver.is_settled)
    paused_at = worker.trainer.epoch
    worker.request_state()  # one more round trip through the worker's queue
    qtbot.waitUntil(receiver.is_settled)
    assert worker.trainer.epoch == paused_at
    assert receiver.snapshots[-1].epoch == paused_at
    worker.reset()
    qtbot.waitUntil(receiver.is_settled)
    assert worker.trainer.epoch == 0
    assert list(receiver.snapshots[-1].history.epochs) == [0]
    for a, b in zip(initial, weights(worker.trainer), strict=True):
        np.testing.assert_array_equal(a, b)


def test_run_epochs_is_exact(qtbot, harness):
    worker, receiver = harness
    worker.run_epochs(137)
    qtbot.waitUntil(receiver.is_settled, timeout=20000)
    assert worker.trainer.epoch == 137
    assert receiver.snapshots[-1].epoch == 137


def test_invalid_configure_reports_error_and_keeps_state(qtbot, harness):
    worker, receiver = harness
    worker.run_epochs(5)
    qtbot.waitUntil(receiver.is_settled)
    worker.configure({"hidden": (99,)})
    qtbot.waitUntil(receiver.is_settled)
    assert receiver.errors and "hidden" in receiver.errors[-1]
    assert worker.trainer.config.hidden == (3,)
    assert worker.trainer.epoch == 5


def test_keep_and_rebuild_rules(qtbot, harness):
    worker, receiver = harness
    worker.run_epochs(10)
    qtbot.waitUntil(receiver.is_settled)
    trained = weights(worker.trainer)
    worker.configure({"lr": 0.1})
    qtbot.waitUntil(receiver.is_settled)
    assert worker.trainer.epoch == 10 and worker.trainer.config.lr == 0.1
    for a, b in zip(trained, weights(worker.trainer), strict=True):
        np.testing.assert_array_equal(a, b)
    worker.configure({"hidden": (5, 2)})
    qtbot.waitUntil(receiver.is_settled)
    assert worker.trainer.epoch == 0
    assert worker.trainer.layer_sizes == (2, 5, 2, 1)


def test_bad_speed_and_param_are_errors_not_crashes(qtbot, harness):
    worker, receiver = harness
    worker.set_speed(-3)
    worker.set_param(7, "w", 0, 0, 1.0)
    qtbot.waitUntil(receiver.is_settled)
    assert len(receiver.errors) == 2
    worker.set_param(0, "w", 0, 1, 0.25)
    qtbot.waitUntil(receiver.is_settled)
    assert worker.trainer.params[0][0][0, 1] == 0.25
    assert receiver.snapshots[-1].params[0][0][0, 1] == 0.25


def test_snapshots_coalesce_while_gui_does_not_draw(qtbot, start_worker):
    worker, receiver = start_worker(consume=False)
    worker.snapshot_consumed()
    first = len(receiver.snapshots)
    worker.run_epochs(5000)  # ~0.1 s: several frames' worth
    qtbot.waitUntil(receiver.is_settled, timeout=20000)
    # Undrawn, the worker sent one training snapshot and then only the final one.
    assert len(receiver.snapshots) == first + 2
    assert receiver.snapshots[-2].epoch < 5000
    assert receiver.snapshots[-1].epoch == worker.trainer.epoch == 5000


def test_stop_while_training_ends_the_thread(qtbot, start_worker):
    worker, receiver = start_worker()
    worker.play()
    qtbot.waitUntil(lambda: receiver.snapshots[-1].epoch > 10)
    worker.stop()
    assert running_worker_threads() == 0
    worker.stop()  # idempotent
    assert receiver.errors == []


def test_a_retry_that_diverges_at_once_is_reported_as_again(qtbot, start_worker):
    config = Config(dataset="reg-plane", loss="mse", optimizer="sgd", lr=10.0, samples=100)
    worker, receiver = start_worker(config=config)
    worker.play()
    qtbot.waitUntil(lambda: bool(receiver.divergences) and receiver.is_settled())
    epoch = worker.trainer.diverged
    assert receiver.divergences == [(epoch, False)]
    worker.step()  # same weights, same rate: diverges again without gaining an epoch
    qtbot.waitUntil(receiver.is_settled)
    assert receiver.divergences == [(epoch, False), (epoch, True)]
    assert worker.trainer.epoch == epoch - 1
    worker.reset()
    worker.play()  # the same run from the start diverges at the same epoch: news again
    qtbot.waitUntil(lambda: len(receiver.divergences) == 3 and receiver.is_settled())
    assert receiver.divergences[-1] == (epoch, False)


def test_a_killed_training_process_is_reported_and_stop_still_works(qtbot, start_worker):
    worker, receiver = start_worker()
    worker.play()
    qtbot.waitUntil(lambda: receiver.snapshots[-1].epoch > 10)
    with qtbot.waitSignal(worker.error, timeout=10000) as blocker:
        worker._process.kill()
    assert "stopped unexpectedly" in blocker.args[0]
    worker.play()  # commands to a gone process are dropped, not raised
    worker.stop()
    assert running_worker_threads() == 0
