"""The training loop, free of Qt: commands in, events out.

`TrainingLoop` owns a `Trainer` and everything about running it: play and
pause, an exact number of epochs, pacing to a speed, divergence, and snapshots
coalesced for a viewer that draws one at a time.  It never blocks: its host
calls `handle` for each command that arrives, `tick` to train one short chunk,
and may wait `timeout()` seconds for the next command in between.

`serve` is that host in the training process the GUI starts
(`nnviz.app.worker`).  A separate process, not a thread, because training and
drawing are both made of many small Python and NumPy calls that hold the GIL:
in one process every millisecond the window draws is a millisecond training
stops.  In its own process training keeps a core to itself.

Commands are ``(name, arg)`` pairs; every one but ``"consumed"`` counts towards
``handled``.  Events are tuples passed to ``send``:

* ``("snapshot", Snapshot)``: something to draw.  While training, the next one is
  sent only after the viewer answered ``"consumed"`` and at most ``max_fps``
  times a second, so a slow viewer never builds a queue.
* ``("settled", handled, state, speed)``: idle after the commands handled so far,
  with a final snapshot sent just before, the trainer's `state_dict` (a viewer
  keeps a read-only copy of the trainer from it) and the pace in epochs/s.
* ``("running", bool)``, ``("diverged", epoch, again)``, ``("error", text)``,
  ``("config", Config, problem)``, ``("data", Dataset)``, ``("state", state_dict)``.
"""

from __future__ import annotations

import math
import pickle
import queue
import signal
import threading
import time
import traceback

from .config import SEED_MAX
from .trainer import Trainer

CHUNK_SECONDS = 0.004  # train about this long before looking for commands again
MAX_FPS = 36.0  # a cap; snapshots go out at chunk ends, so ~31 a second arrive
SNAPSHOT_RESOLUTION = 150
SNAPSHOT_THUMB = 32
# While training, a snapshot of a big network may cost more than the frame is worth:
# the boundary grid steps down to coarser resolutions (fractions of `resolution`) to
# stay within the budget, and snapshots never take more than SNAPSHOT_SHARE of the time.
# Idle (final) snapshots always use the full resolution.
LIVE_RESOLUTION_STEPS = (1.0, 2 / 3, 2 / 5)
SNAPSHOT_BUDGET_SECONDS = 0.008
SNAPSHOT_SHARE = 0.2


class TrainingLoop:
    """Runs one `Trainer` on behalf of a viewer; see the module docstring for the protocol."""

    def __init__(
        self,
        trainer: Trainer,
        send,
        max_fps: float = MAX_FPS,
        resolution: int = SNAPSHOT_RESOLUTION,
        thumb: int = SNAPSHOT_THUMB,
        clock=time.perf_counter,
    ):
        self.trainer = trainer
        self.send = send
        self.max_fps = max_fps
        self.resolution = resolution
        self.thumb = thumb
        self.clock = clock
        self.handled = 0
        self.running = False
        self.speed = 0.0  # epochs per second; 0 trains flat out
        self._focus = None
        self._target_epoch: int | None = None  # run_epochs stops exactly here
        self._pace_start = 0.0
        self._pace_epochs = 0
        self._epoch_seconds = 1e-4  # running estimate of one epoch's cost; sizes the chunks
        self._dirty = False  # trained or changed since the last snapshot
        self._consumed = True  # the viewer has drawn the last snapshot
        self._final_due = False  # idle: send a final snapshot and "settled"
        self._last_emit = -math.inf
        self._live_step = 0  # index into LIVE_RESOLUTION_STEPS
        self._snapshot_seconds = 0.0  # cost of the last training snapshot

    # ------------------------------------------------------------------ host interface
    def start(self) -> None:
        """Announce the trainer's data and config; a final snapshot follows."""
        self._announce(rebuilt=True)
        self._final_due = True

    def handle(self, name: str, arg=None) -> None:
        """Carry out one command; a ValueError becomes an ``error`` event."""
        if name == "consumed":
            self._consumed = True
            return
        try:
            action = getattr(self, "_do_" + name, None)
            if action is None:
                raise ValueError(f"unknown command {name!r}")
            action(arg)
        except ValueError as exc:
            self.send("error", str(exc))
        finally:
            self.handled += 1
            self._dirty = True
            if not self.running:
                self._final_due = True

    def tick(self) -> None:
        """Train the epochs due now (at most one chunk) and send what is due."""
        if self.running:
            self._train_due()
        if self.running:
            self._maybe_emit()
        elif self._final_due:
            self._final_due = False
            self._emit_snapshot(self.resolution)
            self.send("settled", self.handled, self.trainer.state_dict(), self.speed)

    def timeout(self) -> float | None:
        """Seconds the host may wait for a command before the next `tick` (None: no limit)."""
        if not self.running:
            return 0.0 if self._final_due else None
        if self.speed == 0 or self._target_epoch is not None:
            return 0.0
        now = self.clock()
        wait = self._pace_start + self._pace_epochs / self.speed - now
        if self._dirty and self._consumed:
            wait = min(wait, self._last_emit + 1.0 / self.max_fps - now)
        return max(0.0, wait)

    # ------------------------------------------------------------------ commands
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

    def _do_set_speed(self, epochs_per_second) -> None:
        speed = float(epochs_per_second)
        if not math.isfinite(speed) or speed < 0:
            raise ValueError(f"speed: {epochs_per_second!r} is not a number of epochs per second")
        self.speed = speed
        self._restart_pacing()

    def _do_set_focus(self, focus) -> None:
        if focus is not None:
            layer, index = focus
            sizes = self.trainer.layer_sizes
            if not (0 <= layer < len(sizes) and 0 <= index < sizes[layer]):
                raise ValueError(f"focus: neuron {focus} is not in the {sizes} network")
            focus = (int(layer), int(index))
        self._focus = focus

    def _do_load_state(self, state: dict) -> None:
        trainer = Trainer.from_state_dict(state)
        self._set_running(False)
        self.trainer = trainer
        self._announce(rebuilt=True)

    def _do_request_state(self, _) -> None:
        self.send("state", self.trainer.state_dict())

    def _announce(self, rebuilt: bool) -> None:
        if rebuilt:
            self._focus = None  # the focused neuron may not exist in the new network
            self.send("data", self.trainer.data)
        self.send("config", self.trainer.config, self.trainer.problem)

    # ------------------------------------------------------------------ training
    def _set_running(self, running: bool) -> None:
        if running == self.running:
            return
        self.running = running
        if running:
            self._restart_pacing()
        else:
            self._target_epoch = None
            self._final_due = True
        self.send("running", running)

    def _restart_pacing(self) -> None:
        self._pace_start = self.clock()
        self._pace_epochs = 0

    def _epochs_due(self) -> int:
        if self._target_epoch is not None:
            return self._target_epoch - self.trainer.epoch
        if self.speed == 0:
            return 1 << 30
        # The first epoch is due at once, then one every 1/speed seconds.
        elapsed = self.clock() - self._pace_start
        return int(elapsed * self.speed) + 1 - self._pace_epochs

    def _train_due(self) -> None:
        due = self._epochs_due()
        if due > 0:
            chunk = max(1, min(due, int(CHUNK_SECONDS / self._epoch_seconds)))
            started = self.clock()
            trained = self._train(chunk)
            if trained:
                cost = (self.clock() - started) / trained
                self._epoch_seconds = 0.5 * self._epoch_seconds + 0.5 * max(cost, 1e-7)
            self._pace_epochs += chunk
        if self._target_epoch is not None and self.trainer.epoch >= self._target_epoch:
            self._set_running(False)

    def _train(self, epochs: int) -> int:
        """Train up to ``epochs`` epochs; pause on divergence.  Returns epochs trained."""
        before, diverged_before = self.trainer.epoch, self.trainer.diverged
        self.trainer.step(epochs)
        self._dirty = True
        if self.trainer.diverged is not None:
            self._set_running(False)
            again = self.trainer.diverged == diverged_before
            self.send("diverged", int(self.trainer.diverged), again)
        return self.trainer.epoch - before

    # ------------------------------------------------------------------ snapshots
    def _maybe_emit(self) -> None:
        if not (self._dirty and self._consumed):
            return
        interval = max(1 / self.max_fps, self._snapshot_seconds / SNAPSHOT_SHARE)
        if self.clock() - self._last_emit >= interval:
            started = self.clock()
            self._emit_snapshot(self.live_resolution())
            self._snapshot_seconds = self.clock() - started
            self._adapt_live_resolution()

    def live_resolution(self) -> int:
        """The boundary grid's resolution for the next training snapshot."""
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

    def _emit_snapshot(self, resolution: int) -> None:
        # The focus is checked against the architecture when set and cleared on every rebuild.
        snap = self.trainer.snapshot(resolution, self.thumb, focus=self._focus)
        self._dirty = False
        self._consumed = False
        self._last_emit = self.clock()
        self.send("snapshot", snap)


def serve(commands, events, state: dict, options: dict) -> None:
    """The training process: a `TrainingLoop` on the trainer rebuilt from ``state``, fed from
    the ``commands`` connection, sending to ``events``, until the command ``"shutdown"``.

    Anything unexpected a command raises is reported as an ``error`` event; the loop
    carries on with its state as the command left it."""
    _one_blas_thread()
    _ignore_interrupts()
    outbox = _Outbox(events)
    loop = TrainingLoop(Trainer.from_state_dict(state), outbox.send, **options)
    loop.start()
    while (arrived := _arrived(commands, loop.timeout())) is not None:
        for name, arg in arrived:
            if name == "shutdown":
                outbox.close()
                return
            try:
                loop.handle(name, arg)
            except Exception as exc:  # noqa: BLE001 - the process must outlive a bad command
                traceback.print_exc()
                outbox.send("error", f"{name}: {type(exc).__name__}: {exc}")
        try:
            loop.tick()
        except Exception as exc:  # noqa: BLE001
            traceback.print_exc()
            loop.handle("pause")
            outbox.send("error", f"training stopped: {type(exc).__name__}: {exc}")
    # The GUI process has gone without a word (killed, crashed): nobody is left to train for.
    outbox.abandon()


def _arrived(commands, timeout: float) -> list | None:
    """Every command that arrives within ``timeout`` seconds ([] if none), or None once the
    GUI's end of the pipe is closed."""
    try:
        if not commands.poll(timeout):
            return []
        arrived = [commands.recv()]
        while commands.poll():
            arrived.append(commands.recv())
        return arrived
    except (EOFError, OSError):
        return None


def _ignore_interrupts() -> None:
    """Ctrl+C in a terminal reaches the whole process group: the window decides what it
    means (close), and closing shuts this process down in order."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


class _Outbox:
    """Sends events from a thread of their own.  A snapshot is bigger than a pipe's buffer,
    so writing it waits for the reader, which needs the GUI process's GIL, held while
    the window paints; training goes on meanwhile.  Events keep their order."""

    def __init__(self, connection):
        self._connection = connection
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._pump, name="nnviz-events", daemon=True)
        self._thread.start()

    def send(self, *event) -> None:
        self._queue.put(pickle.dumps(event, protocol=pickle.HIGHEST_PROTOCOL))

    def close(self) -> None:
        """Send ``("stopped",)`` after everything queued, and wait until it has gone."""
        self.send("stopped")
        self._queue.put(None)
        self._thread.join()

    def abandon(self) -> None:
        """Let the sender thread end once its queue is empty or a write fails, unwaited."""
        self._queue.put(None)

    def _pump(self) -> None:
        while (data := self._queue.get()) is not None:
            try:
                self._connection.send_bytes(data)
            except OSError:  # the GUI has gone; nobody is left to tell
                return


_blas_limit = None  # keeps threadpoolctl's limit object alive for the whole process


def _one_blas_thread() -> None:
    """One BLAS thread: the network is tiny and the GUI needs the other core."""
    global _blas_limit
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # the environment variables set by the entry point still apply
        return
    _blas_limit = threadpool_limits(1)
