"""`TrainingWorker`: the window's handle on training, which runs in a child process.

The `TrainingLoop` (`nnviz.core.training_loop`) owns the trainer in a process of
its own, so training and drawing never queue for the same GIL.  The worker
posts commands (`play`, `configure`, ...) down a pipe, and a relay thread reads
the loop's events and re-emits them as Qt signals, which reach the window on its
own thread: snapshots to draw, the running state, divergence, errors and the
session state.  Nothing else crosses between the window and training.

Snapshots are coalesced by the loop: while training, the next one is built only
after the window called `snapshot_consumed` for the last.  Once the loop is idle
after a command it sends a final snapshot and then `settled(seq)`, ``seq``
counting the commands handled so far: when it equals `posted`, the drawn view
matches training exactly, and `trainer` is a copy of the trainer as it was then.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import threading
import weakref

from PySide6.QtCore import QObject, QThread, Signal

from nnviz.core import training_loop
from nnviz.core.trainer import Trainer

STOP_SECONDS = 5.0  # how long `stop` waits for the process before terminating it
LOST_TEXT = "The training process stopped unexpectedly ({}); save your work and restart nnviz."

_started: weakref.WeakSet = weakref.WeakSet()  # every worker started in this process


def running_worker_threads() -> int:
    """Relay threads and training processes still running (tests assert 0 after each test)."""
    return sum(worker.is_running() for worker in list(_started))


def _process_context():
    """Forkserver where there is one (a fork of a small, Qt-free server: fast and safe),
    spawn elsewhere; never a plain fork of the GUI process and its threads."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([training_loop.__name__])
        return context
    return multiprocessing.get_context("spawn")


class _Relay(QThread):
    """Reads the training process's events and hands each to the worker."""

    def __init__(self, worker: TrainingWorker, events):
        super().__init__()
        self.setObjectName("nnviz-training-relay")
        self._worker = worker
        self._events = events

    def run(self) -> None:
        while True:
            try:
                event = self._events.recv()
            except (EOFError, OSError) as exc:
                self._worker._lost(exc)
                return
            if event[0] == "stopped":
                return
            self._worker._relay(event)


class TrainingWorker(QObject):
    """Drives one `Trainer` in a training process; talk to it only through its methods/signals.

    Every public command method may be called from any thread: it only posts
    the command.  `stop` must be called from the thread that called `start`.
    """

    snapshotReady = Signal(object)  # Snapshot to draw
    settled = Signal(int)  # idle after the final snapshot; commands handled so far
    runningChanged = Signal(bool)
    # (epoch at which the loss became infinite/NaN, True when that is where the last
    # divergence was: the retry gained no epoch)
    diverged = Signal(int, bool)
    error = Signal(str)
    configChanged = Signal(object, str)  # (Config, problem) after any settings change
    dataChanged = Signal(object)  # the Dataset after a rebuild, regeneration or load
    stateReady = Signal(object)  # trainer.state_dict(), answering request_state

    def __init__(
        self,
        trainer: Trainer,
        max_fps: float = training_loop.MAX_FPS,
        resolution: int = training_loop.SNAPSHOT_RESOLUTION,
        thumb: int = training_loop.SNAPSHOT_THUMB,
    ):
        super().__init__()
        self.trainer = trainer
        self._options = {"max_fps": max_fps, "resolution": resolution, "thumb": thumb}
        self._speed = 0.0
        self._process = None
        self._relay_thread: _Relay | None = None
        self._commands = None
        self._early: list[tuple] = []  # commands posted before start
        self._stopping = threading.Event()
        self._send_lock = threading.Lock()
        self._posted = 0

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Start the training process and the relay; the first snapshot follows."""
        if self._process is not None:
            raise RuntimeError("TrainingWorker.start: already started")
        context = _process_context()
        commands_in, self._commands = context.Pipe(duplex=False)
        events, events_out = context.Pipe(duplex=False)
        self._process = context.Process(
            target=training_loop.serve,
            args=(commands_in, events_out, self.trainer.state_dict(), self._options),
            name="nnviz-training",
            daemon=True,
        )
        self._process.start()
        # The child holds its own ends; closing ours lets either side see the other go.
        commands_in.close()
        events_out.close()
        for command in self._early:
            self._commands.send(command)
        self._early.clear()
        self._relay_thread = _Relay(self, events)
        _started.add(self)
        self._relay_thread.start()

    def stop(self) -> None:
        """End training and the process, and wait for both.  Safe to call twice."""
        if self._process is None or self._stopping.is_set():
            return
        self._stopping.set()
        self._send("shutdown")
        self._relay_thread.wait()
        self._process.join(STOP_SECONDS)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()
        self._commands.close()

    def is_running(self) -> bool:
        """Is the relay thread or the training process still alive?"""
        thread, process = self._relay_thread, self._process
        return bool(
            (thread is not None and thread.isRunning())
            or (process is not None and process.is_alive())
        )

    @property
    def speed(self) -> float:
        """Epochs per second training is paced to (0: flat out), as of the last `settled`."""
        return self._speed

    @property
    def resolution(self) -> int:
        """The boundary grid's resolution in idle snapshots."""
        return self._options["resolution"]

    @property
    def posted(self) -> int:
        """Commands posted so far (compare with the `settled` count)."""
        return self._posted

    def snapshot_consumed(self) -> None:
        """The GUI has drawn the last snapshot: the next one may be built."""
        self._send("consumed")

    # ------------------------------------------------------------------ commands
    def play(self) -> None:
        self._post("play")

    def pause(self) -> None:
        self._post("pause")

    def step(self) -> None:
        """Pause if training, then train exactly one epoch."""
        self._post("step")

    def run_epochs(self, epochs: int) -> None:
        """Train exactly ``epochs`` more epochs flat out, then pause."""
        self._post("run_epochs", int(epochs))

    def reset(self) -> None:
        """Pause and return to epoch 0 with the same initial weights."""
        self._post("reset")

    def configure(self, changes: dict) -> None:
        """Apply Config changes: weight-keeping ones live, the rest rebuild."""
        self._post("configure", dict(changes))

    def regenerate(self) -> None:
        """New data (the next data seed); rebuilds."""
        self._post("regenerate")

    def reseed(self) -> None:
        """New initial weights (the next weight seed); rebuilds."""
        self._post("reseed")

    def set_param(self, layer: int, kind: str, i: int, j: int, value: float) -> None:
        self._post("set_param", (layer, kind, i, j, value))

    def set_speed(self, epochs_per_second: float) -> None:
        """Pace training; 0 trains as fast as possible."""
        self._post("set_speed", epochs_per_second)

    def set_focus(self, focus: tuple | None) -> None:
        """Show neuron ``(layer, index)`` in the boundary instead of the output (None: output)."""
        self._post("set_focus", focus)

    def load_state(self, state: dict) -> None:
        """Pause and replace the trainer by one rebuilt from a `state_dict`."""
        self._post("load_state", state)

    def request_state(self) -> None:
        """Emit `stateReady` with the trainer's state_dict."""
        self._post("request_state")

    def _post(self, name: str, arg=None) -> None:
        with self._send_lock:
            if self._stopping.is_set():
                return
            self._posted += 1
        self._send(name, arg)

    def _send(self, name: str, arg=None) -> None:
        with self._send_lock:
            if self._commands is None:  # not started yet: sent on start
                self._early.append((name, arg))
                return
            # A gone process (OSError; ValueError once closed) has been reported by the relay.
            with contextlib.suppress(OSError, ValueError):
                self._commands.send((name, arg))

    # ------------------------------------------------------------------ relay thread
    def _relay(self, event: tuple) -> None:
        kind, *payload = event
        if kind == "snapshot":
            self.snapshotReady.emit(payload[0])
        elif kind == "settled":
            handled, state, self._speed = payload
            # Replaced before the signal goes out: whoever hears it reads the new copy.
            self.trainer = Trainer.from_state_dict(state)
            self.settled.emit(handled)
        elif kind == "running":
            self.runningChanged.emit(payload[0])
        elif kind == "diverged":
            self.diverged.emit(*payload)
        elif kind == "error":
            self.error.emit(payload[0])
        elif kind == "config":
            self.configChanged.emit(*payload)
        elif kind == "data":
            self.dataChanged.emit(payload[0])
        elif kind == "state":
            self.stateReady.emit(payload[0])

    def _lost(self, exc: Exception) -> None:
        if not self._stopping.is_set():
            self.runningChanged.emit(False)
            self.error.emit(LOST_TEXT.format(type(exc).__name__))
