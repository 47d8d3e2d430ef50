"""The Qt-free training loop: commands, exact epochs, pacing, coalescing, the serve protocol."""

import multiprocessing
import threading
import time

import numpy as np
import pytest

from nnviz.core.config import Config
from nnviz.core.trainer import Trainer
from nnviz.core.training_loop import TrainingLoop, serve


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


class Events(list):
    """Records sent events; ``kinds`` lists their names."""

    def send(self, *event):
        self.append(event)

    def kinds(self):
        return [event[0] for event in self]

    def last(self, kind):
        return next(event for event in reversed(self) if event[0] == kind)


def make_loop(clock=None, **config):
    events = Events()
    trainer = Trainer(Config(samples=100, **config))
    loop = TrainingLoop(trainer, events.send, clock=clock or FakeClock(), resolution=20, thumb=8)
    loop.start()
    loop.tick()
    return loop, events


def run_until_idle(loop, limit=10_000):
    for _ in range(limit):
        if not loop.running:
            break
        loop.handle("consumed")
        loop.tick()
    loop.tick()


def test_start_announces_data_config_and_a_settled_snapshot():
    loop, events = make_loop()
    assert events.kinds() == ["data", "config", "snapshot", "settled"]
    _, handled, state, speed = events[-1]
    assert (handled, speed, state["epoch"]) == (0, 0.0, 0)
    assert events[2][1].boundary.values.shape == (20, 20)
    assert loop.timeout() is None  # idle: nothing to do until a command comes


def test_run_epochs_is_exact_and_settles_with_the_trained_state():
    loop, events = make_loop()
    loop.handle("run_epochs", 137)
    run_until_idle(loop)
    assert loop.trainer.epoch == 137
    _, handled, state, _ = events.last("settled")
    assert handled == 1 and state["epoch"] == 137
    assert events.last("snapshot")[1].epoch == 137
    assert [e[1] for e in events if e[0] == "running"] == [True, False]
    rebuilt = Trainer.from_state_dict(state)
    for (w, b), (w2, b2) in zip(rebuilt.params, loop.trainer.params, strict=True):
        np.testing.assert_array_equal(w, w2)
        np.testing.assert_array_equal(b, b2)


def test_speed_paces_epochs_to_the_clock():
    clock = FakeClock()
    loop, _ = make_loop(clock)
    loop.handle("set_speed", 10.0)
    loop.handle("play")
    loop.tick()
    assert loop.trainer.epoch == 1  # the first epoch is due at once
    assert loop.timeout() == pytest.approx(0.1)
    clock.now += 0.25
    loop.tick()
    assert loop.trainer.epoch == 3
    clock.now += 1.0
    loop.tick()
    assert loop.trainer.epoch == 13


def test_training_snapshots_wait_for_the_viewer_and_the_frame_interval():
    clock = FakeClock()
    loop, events = make_loop(clock)
    loop.handle("consumed")
    loop.handle("play")
    clock.now += 1.0
    loop.tick()
    assert events.kinds().count("snapshot") == 2  # the idle one, then the first live one
    for _ in range(5):
        clock.now += 1.0
        loop.tick()  # not consumed yet: nothing new however long it has been
    assert events.kinds().count("snapshot") == 2
    loop.handle("consumed")  # long after the last one: the next goes out at once
    loop.tick()
    assert events.kinds().count("snapshot") == 3
    loop.handle("consumed")
    clock.now += 0.001  # consumed, but sooner than 1 / max_fps after the last one
    loop.tick()
    assert events.kinds().count("snapshot") == 3
    clock.now += 1.0
    loop.tick()
    assert events.kinds().count("snapshot") == 4
    assert events.last("snapshot")[1].epoch == loop.trainer.epoch


def test_bad_commands_are_errors_that_still_count_as_handled():
    loop, events = make_loop()
    loop.handle("set_speed", float("nan"))
    loop.handle("set_param", (7, "w", 0, 0, 1.0))
    loop.handle("configure", {"hidden": (99,)})
    loop.tick()
    errors = [e[1] for e in events if e[0] == "error"]
    assert len(errors) == 3 and "speed" in errors[0] and "hidden" in errors[2]
    assert events.last("settled")[1] == 3
    assert events.last("config")[1].hidden == (3,)  # the controls snap back


def test_live_snapshots_coarsen_while_they_overrun_their_budget():
    loop = TrainingLoop(Trainer(Config(samples=100)), Events().send, resolution=150)
    resolutions = []
    for cost in (0.05, 0.05, 0.05, 0.001, 0.001):  # seconds per snapshot
        loop._snapshot_seconds = cost
        loop._adapt_live_resolution()
        resolutions.append(loop.live_resolution())
    assert resolutions == [100, 60, 60, 100, 150]
    # 60 -> 100 needs cost * (100/60)^2 under 70 % of the budget: 0.006 s does not fit.
    loop._live_step = 2
    loop._snapshot_seconds = 0.006
    loop._adapt_live_resolution()
    assert loop.live_resolution() == 60


def test_serve_answers_commands_in_order_and_stops_on_shutdown():
    """The process's main loop, run on a thread here over a real pipe."""
    commands_in, commands = multiprocessing.Pipe(duplex=False)
    events, events_out = multiprocessing.Pipe(duplex=False)
    state = Trainer(Config(samples=100)).state_dict()
    options = {"resolution": 10, "thumb": 4}
    server = threading.Thread(target=serve, args=(commands_in, events_out, state, options))
    server.start()
    received = []

    def settle(handled):
        while not (received and received[-1][0] == "settled" and received[-1][1] == handled):
            assert events.poll(30), f"no event after {[e[0] for e in received]}"
            received.append(events.recv())
            if received[-1][0] == "snapshot":
                commands.send(("consumed", None))

    try:
        commands.send(("run_epochs", 25))
        commands.send(("no_such_command", None))
        settle(2)
        commands.send(("request_state", None))
        settle(3)
    finally:
        commands.send(("shutdown", None))
        server.join(30)
    assert not server.is_alive()
    kinds = [event[0] for event in received]
    assert kinds[:2] == ["data", "config"]
    assert "unknown command 'no_such_command'" in next(e[1] for e in received if e[0] == "error")
    assert next(e[1] for e in received if e[0] == "state")["epoch"] == 25
    assert received[-1][2]["epoch"] == 25
    assert events.recv() == ("stopped",)


def test_serve_ends_quietly_when_the_gui_process_is_gone():
    """A GUI that dies without saying shutdown closes its ends of the pipes: the loop
    returns instead of raising EOFError, and its sender thread ends too."""
    commands_in, commands = multiprocessing.Pipe(duplex=False)
    events, events_out = multiprocessing.Pipe(duplex=False)
    state = Trainer(Config(samples=100)).state_dict()
    failures = []

    def run():
        try:
            serve(commands_in, events_out, state, {"resolution": 10, "thumb": 4})
        except BaseException as exc:  # noqa: BLE001 - recorded for the assertion below
            failures.append(exc)

    server = threading.Thread(target=run)
    server.start()
    commands.send(("play", None))
    assert events.poll(30)  # it is up and talking
    commands.close()
    events.close()
    server.join(30)
    deadline = time.monotonic() + 30
    while any(t.name == "nnviz-events" for t in threading.enumerate()):
        assert time.monotonic() < deadline, "the event sender thread is still running"
        time.sleep(0.01)
    assert not server.is_alive() and failures == []
