"""The training thread: `TrainingWorker` owns the `Trainer` and runs its training loop.

The window never calls the trainer while it may be training.  It posts commands
(`play`, `configure`, ...), which are queued to the worker's own thread, and gets
everything back as signals: snapshots to draw, the running state, divergence,
errors and the session state.

Training runs in chunks of a few milliseconds on the worker's event loop, so a
queued command is handled promptly.  Snapshots are coalesced: while training, a
new one is built only after the GUI has drawn the previous one
(`snapshot_consumed`) and at most `max_fps` times a second, so a slow GUI never
builds a queue.  Until the GUI has drawn, training also pauses (in short waits
that keep commands flowing): both threads need the GIL, and a GUI that has to
win it back after every Qt call it makes would take seconds per frame.

Once the worker is idle after a command it emits a final snapshot and then
`settled(seq)`, ``seq`` counting the commands handled so far: when it equals
`posted`, the drawn view matches the trainer exactly.
"""

from __future__ import annotations

import math
import threading
import time
import weakref

from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer, Signal, Slot

from nnviz.core.config import SEED_MAX
from nnviz.core.trainer import Trainer

CHUNK_SECONDS = 0.004  # train about this long before returning to the event loop
DRAW_WAIT_SECONDS = 0.05  # longest single wait for the GUI to draw before checking commands
DRAW_GRACE_SECONDS = 0.1  # a GUI slower than this per frame no longer holds training back
MAX_FPS = 36.0  # a cap; frames land at chunk ends, so ~31 a second arrive
SNAPSHOT_RESOLUTION = 150
SNAPSHOT_THUMB = 32
# While training, a snapshot of a big network may cost more than the frame is worth:
# the boundary grid steps down to coarser resolutions (fractions of `resolution`) to
# stay within the budget, and snapshots never take more than SNAPSHOT_SHARE of the time.
# Idle (final) snapshots always use the full resolution.
LIVE_RESOLUTION_STEPS = (1.0, 2 / 3, 2 / 5)
SNAPSHOT_BUDGET_SECONDS = 0.008
SNAPSHOT_SHARE = 0.2
# A GUI that takes long to draw a frame (a big network diagram) gets fewer of them,
# so drawing never takes more than about this share of the time training could use.
GUI_SHARE = 0.45
MAX_FRAME_INTERVAL = 0.5  # but the heatmap still refreshes at least twice a second

_started_threads: weakref.WeakSet = weakref.WeakSet()
_blas_limit = None  # keeps threadpoolctl's limit object alive for the whole process


def running_worker_threads() -> int:
    """How many worker threads are still running (tests assert 0 after each test)."""
    return sum(1 for thread in list(_started_threads) if thread.isRunning())


def _limit_blas_threads() -> None:
    """One BLAS thread: the network is tiny and the GUI needs the second core."""
    global _blas_limit
    if _blas_limit is not None:
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # environment variables set by the entry point still apply
        return
    _blas_limit = threadpool_limits(1)


class TrainingWorker(QObject):
    """Drives one `Trainer` on a private QThread; talk to it only through its methods/signals.

    Every public command method may be called from any thread: it only queues
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
    _command = Signal(str, object)

    def __init__(
        self,
        trainer: Trainer,
        max_fps: float = MAX_FPS,
        resolution: int = SNAPSHOT_RESOLUTION,
        thumb: int = SNAPSHOT_THUMB,
    ):
        super().__init__()
        self.trainer = trainer
        self.max_fps = max_fps
        self.resolution = resolution
        self.thumb = thumb
        self._thread: QThread | None = None
        self._loop_timer: QTimer | None = None
        self._final_timer: QTimer | None = None
        self._running = False
        self._speed = 0.0  # epochs per second; 0 trains flat out
        self._focus = None
        self._target_epoch: int | None = None  # run_epochs stops exactly here
        self._pace_start = 0.0
        self._pace_epochs = 0
        self._epoch_seconds = 1e-4  # running estimate of one epoch's cost; sizes the chunks
        self._dirty = False  # trained since the last snapshot
        self._last_emit = 0.0
        self._live_step = 0  # index into LIVE_RESOLUTION_STEPS
        self._snapshot_seconds = 0.0  # cost of the last training snapshot
        self._frame_seconds = 0.0  # how long the GUI took to draw the last training snapshot
        self._consumed_at = 0.0
        self._timing_frame = False  # a training snapshot is out; time its drawing
        self._consumed = threading.Event()
        self._consumed.set()
        self._stopping = threading.Event()
        self._post_lock = threading.Lock()
        self._posted = 0
        self._handled = 0
        self._command.connect(self._dispatch)

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Move to a fresh QThread and start it; the first snapshot follows."""
        if self._thread is not None:
            raise RuntimeError("TrainingWorker.start: already started")
        thread = QThread()
        thread.setObjectName("nnviz-training")
        self.moveToThread(thread)
        thread.started.connect(self._on_thread_started)
        self._thread = thread
        _started_threads.add(thread)
        thread.start()

    def stop(self) -> None:
        """End training, quit the thread and wait for it.  Safe to call twice."""
        thread = self._thread
        if thread is None:
            return
        self._stopping.set()
        self._command.emit("shutdown", None)
        thread.wait()
        self._thread = None

    @property
    def speed(self) -> float:
        """Epochs per second the loop is paced to (0: flat out), as last handled."""
        return self._speed

    @property
    def posted(self) -> int:
        """Commands posted so far (compare with the `settled` count)."""
        return self._posted

    def snapshot_consumed(self) -> None:
        """The GUI has drawn the last snapshot: the next one may be built."""
        self._consumed_at = time.perf_counter()
        self._consumed.set()

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
        """Emit `stateReady` with the trainer's state_dict, taken on the worker thread."""
        self._post("request_state")

    def _post(self, name: str, arg=None) -> None:
        if self._stopping.is_set():
            return
        with self._post_lock:
            self._posted += 1
        self._command.emit(name, arg)

    # ------------------------------------------------------------------ worker thread
    @Slot()
    def _on_thread_started(self) -> None:
        _limit_blas_threads()
        self._loop_timer = QTimer(self)
        self._loop_timer.timeout.connect(self._tick)
        self._final_timer = QTimer(self)
        self._final_timer.setSingleShot(True)
        self._final_timer.timeout.connect(self._emit_final)
        self._announce(rebuilt=True)
        self._request_final()

    @Slot(str, object)
    def _dispatch(self, name: str, arg) -> None:
        if name == "shutdown":
            self._shutdown()
            return
        if self._stopping.is_set():
            return
        try:
            getattr(self, "_do_" + name)(arg)
        except ValueError as exc:
            self.error.emit(str(exc))
        finally:
            self._handled += 1
            self._request_final()

    def _do_play(self, _) -> None:
        self._target_epoch = None
        self._set_running(True)

    def _do_pause(self, _) -> None:
        self._set_running(False)

    def _do_step(self, _) -> None:
        self._set_running(False)
        self._train(1)

    def _do_run_epochs(self, epochs: int) -> None:
        if epochs < 0:
            raise ValueError(f"run_epochs: {epochs} is negative")
        if epochs:
            self._target_epoch = self.trainer.epoch + epochs
            self._set_running(True)

    def _do_reset(self, _) -> None:
        self._set_running(False)
        self.trainer.reset()

    def _do_configure(self, changes: dict) -> None:
        if not changes:
            return
        rebuilt = False
        try:
            rebuilt = self.trainer.configure(**changes)
        finally:
            # Announce even after a ValueError so the controls snap back to the real config.
            self._announce(rebuilt)

    def _do_regenerate(self, _) -> None:
        self._do_configure({"data_seed": (self.trainer.config.data_seed + 1) % (SEED_MAX + 1)})

    def _do_reseed(self, _) -> None:
        self._do_configure({"seed": (self.trainer.config.seed + 1) % (SEED_MAX + 1)})

    def _do_set_param(self, args: tuple) -> None:
        self.trainer.set_param(*args)
        self._dirty = True

    def _do_set_speed(self, epochs_per_second) -> None:
        speed = float(epochs_per_second)
        if not math.isfinite(speed) or speed < 0:
            raise ValueError(f"speed: {epochs_per_second!r} is not a number of epochs per second")
        self._speed = speed
        self._restart_pacing()

    def _do_set_focus(self, focus) -> None:
        if focus is not None:
            layer, index = focus
            sizes = self.trainer.layer_sizes
            if not (0 <= layer < len(sizes) and 0 <= index < sizes[layer]):
                raise ValueError(f"focus: neuron {focus} is not in the {sizes} network")
            focus = (int(layer), int(index))
        self._focus = focus
        self._dirty = True

    def _do_load_state(self, state: dict) -> None:
        trainer = Trainer.from_state_dict(state)
        self._set_running(False)
        self.trainer = trainer
        self._announce(rebuilt=True)

    def _do_request_state(self, _) -> None:
        self.stateReady.emit(self.trainer.state_dict())

    def _announce(self, rebuilt: bool) -> None:
        if rebuilt:
            self._focus = None  # the focused neuron may not exist in the new network
            self.dataChanged.emit(self.trainer.data)
        self.configChanged.emit(self.trainer.config, self.trainer.problem)

    # ------------------------------------------------------------------ training loop
    def _set_running(self, running: bool) -> None:
        if running == self._running:
            return
        self._running = running
        if running:
            self._restart_pacing()
            self._loop_timer.start(0)
        else:
            self._loop_timer.stop()
            self._target_epoch = None
            self._request_final()
        self.runningChanged.emit(running)

    def _restart_pacing(self) -> None:
        self._pace_start = time.perf_counter()
        self._pace_epochs = 0

    def _epochs_due(self) -> int:
        if self._target_epoch is not None:
            return self._target_epoch - self.trainer.epoch
        if self._speed == 0:
            return 1 << 30
        # The first epoch is due at once, then one every 1/speed seconds.
        elapsed = time.perf_counter() - self._pace_start
        return int(elapsed * self._speed) + 1 - self._pace_epochs

    @Slot()
    def _tick(self) -> None:
        if not self._running or self._stopping.is_set():
            return
        drawing = time.perf_counter() - self._last_emit < DRAW_GRACE_SECONDS
        if drawing and not self._consumed.wait(DRAW_WAIT_SECONDS):
            return  # the GUI is still drawing; the timer brings us back after any commands
        due = self._epochs_due()
        if due > 0:
            chunk = max(1, min(due, int(CHUNK_SECONDS / self._epoch_seconds)))
            started = time.perf_counter()
            trained = self._train(chunk)
            if trained:
                cost = (time.perf_counter() - started) / trained
                self._epoch_seconds = 0.5 * self._epoch_seconds + 0.5 * max(cost, 1e-7)
            self._pace_epochs += chunk
        if self._target_epoch is not None and self.trainer.epoch >= self._target_epoch:
            self._set_running(False)
        if not self._running:
            return
        self._maybe_emit()
        self._loop_timer.setInterval(self._idle_ms())

    def _train(self, epochs: int) -> int:
        """Train up to ``epochs`` epochs; pause on divergence.  Returns epochs trained."""
        before, diverged_before = self.trainer.epoch, self.trainer.diverged
        self.trainer.step(epochs)
        self._dirty = True
        if self.trainer.diverged is not None:
            self._set_running(False)
            self.diverged.emit(int(self.trainer.diverged), self.trainer.diverged == diverged_before)
        return self.trainer.epoch - before

    def _idle_ms(self) -> int:
        """How long the loop may sleep: 0 flat out, else until the next epoch or frame is due."""
        if self._speed == 0 or self._target_epoch is not None:
            return 0
        next_epoch = self._pace_start + self._pace_epochs / self._speed
        wait = next_epoch - time.perf_counter()
        if self._dirty:
            wait = min(wait, 1.0 / self.max_fps)
        return max(0, int(wait * 1000))

    # ------------------------------------------------------------------ snapshots
    def _maybe_emit(self) -> None:
        if not (self._dirty and self._consumed.is_set()):
            return
        if self._timing_frame:  # idle frames may rebuild the whole diagram: not timed
            self._frame_seconds = max(0.0, self._consumed_at - self._last_emit)
            self._timing_frame = False
        interval = max(
            1 / self.max_fps,
            self._snapshot_seconds / SNAPSHOT_SHARE,
            min(self._frame_seconds / GUI_SHARE, MAX_FRAME_INTERVAL),
        )
        if time.perf_counter() - self._last_emit >= interval:
            started = time.perf_counter()
            self._emit_snapshot(self._live_resolution())
            self._snapshot_seconds = time.perf_counter() - started
            self._timing_frame = True
            self._adapt_live_resolution()

    def _live_resolution(self) -> int:
        return max(2, round(self.resolution * LIVE_RESOLUTION_STEPS[self._live_step]))

    def _adapt_live_resolution(self) -> None:
        """Step to a coarser grid when a snapshot overran its budget, back to a finer one
        when that would fit (the cost grows with the square of the resolution)."""
        cost, step = self._snapshot_seconds, self._live_step
        if cost > SNAPSHOT_BUDGET_SECONDS and step + 1 < len(LIVE_RESOLUTION_STEPS):
            self._live_step += 1
        elif step > 0:
            growth = (LIVE_RESOLUTION_STEPS[step - 1] / LIVE_RESOLUTION_STEPS[step]) ** 2
            if cost * growth < 0.7 * SNAPSHOT_BUDGET_SECONDS:
                self._live_step -= 1

    def _request_final(self) -> None:
        if self._final_timer is None:  # thread not started yet: started() sends one
            return
        if self._running:
            self._dirty = True  # the loop's next snapshot shows the change
        elif not self._final_timer.isActive():
            self._final_timer.start(0)

    @Slot()
    def _emit_final(self) -> None:
        if self._running or self._stopping.is_set():
            return
        self._emit_snapshot(self.resolution)
        self.settled.emit(self._handled)

    def _emit_snapshot(self, resolution: int) -> None:
        # The focus is checked against the architecture when set and cleared on every rebuild.
        snap = self.trainer.snapshot(resolution, self.thumb, focus=self._focus)
        self._dirty = False
        self._last_emit = time.perf_counter()
        self._consumed.clear()
        self.snapshotReady.emit(snap)

    def _shutdown(self) -> None:
        self._running = False
        for timer in (self._loop_timer, self._final_timer):
            if timer is not None:
                timer.stop()
        # Hand the object back to the main thread so it can be deleted there after the join.
        app = QCoreApplication.instance()
        if app is not None:
            self.moveToThread(app.thread())
        QThread.currentThread().quit()
