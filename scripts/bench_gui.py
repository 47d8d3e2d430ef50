"""How much the live window costs training, and how responsive it stays.

In one process, offscreen, on the same config:

* engine: epochs/s of `Trainer.step` in a loop, nothing else running;
* live: epochs/s while the real window trains flat out and redraws its views;
* heatmap_fps: boundary-view redraws per second during the live run;
* max_probe_delay_ms: the worst lateness of a 10 ms QTimer on the GUI thread
  during the live run (how long the GUI could not react to input).

Goals: live_vs_engine >= 0.8, heatmap_fps >= 30, max_probe_delay_ms <= 50.

    QT_QPA_PLATFORM=offscreen python scripts/bench_gui.py --seconds 5 --json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

from PySide6.QtCore import QEventLoop, QObject, QTimer, Slot  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from nnviz.app.controls import SPEED_STEPS  # noqa: E402
from nnviz.app.main_window import DEFAULT_SIZE, MainWindow  # noqa: E402
from nnviz.core.config import Config  # noqa: E402
from nnviz.core.trainer import Trainer  # noqa: E402

PROBE_MS = 10
ENGINE_CHUNK = 64  # epochs per step call: the engine's best case


def engine_segment(trainer: Trainer, seconds: float) -> float:
    """Epochs per second of the bare trainer over ``seconds``."""
    start = time.perf_counter()
    epochs = 0
    while time.perf_counter() - start < seconds:
        trainer.step(ENGINE_CHUNK)
        epochs += ENGINE_CHUNK
    return epochs / (time.perf_counter() - start)


class Probe(QObject):
    """A 10 ms timer on the GUI thread recording its worst lateness."""

    def __init__(self):
        super().__init__()
        self.timer = QTimer(self)
        self.timer.setInterval(PROBE_MS)
        self.timer.timeout.connect(self._tick)
        self.max_delay = 0.0
        self._last = None

    def start(self) -> None:
        self._last = time.perf_counter()
        self.timer.start()

    @Slot()
    def _tick(self) -> None:
        now = time.perf_counter()
        self.max_delay = max(self.max_delay, now - self._last - PROBE_MS / 1000)
        self._last = now


def wait_until(condition) -> None:
    app = QApplication.instance()
    while not condition():
        app.processEvents(QEventLoop.AllEvents, 50)


def live_segment(window: MainWindow, seconds: float) -> dict:
    """Train flat out in the real window for ``seconds``: rates and the probe's worst delay."""
    epochs_before, frames_before = window.trainer.epoch, window.frames_drawn
    probe = Probe()
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    probe.start()
    start = time.perf_counter()
    window.toggle_play()
    loop.exec()
    window.pause()
    elapsed = time.perf_counter() - start
    probe.timer.stop()
    frames = window.frames_drawn - frames_before
    wait_until(window.is_settled)
    return {
        "live_eps": (window.trainer.epoch - epochs_before) / elapsed,
        "heatmap_fps": frames / elapsed,
        "max_probe_delay_ms": 1000 * probe.max_delay,
    }


def measure(config: Config, seconds: float, rounds: int) -> dict:
    """Alternate engine and live segments so a change in machine load hits both alike."""
    trainer = Trainer(config)
    trainer.step(ENGINE_CHUNK)  # warm caches
    window = MainWindow(config, dialogs=False)
    window.resize(*DEFAULT_SIZE)
    window.panel.speedSlider.setValue(SPEED_STEPS)  # unlimited: the engine's pace
    window.show()
    wait_until(window.is_settled)
    engine, live = [], []
    try:
        for _ in range(rounds):
            engine.append(engine_segment(trainer, seconds / rounds))
            live.append(live_segment(window, seconds / rounds))
    finally:
        window.close()
    ratios = sorted(run["live_eps"] / eps for run, eps in zip(live, engine, strict=True))
    return {
        "engine_eps": sum(engine) / rounds,
        "live_eps": sum(run["live_eps"] for run in live) / rounds,
        "live_vs_engine": ratios[len(ratios) // 2],  # the median round
        "heatmap_fps": sum(run["heatmap_fps"] for run in live) / rounds,
        "max_probe_delay_ms": max(run["max_probe_delay_ms"] for run in live),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating engine/live rounds")
    parser.add_argument("--config", help="a Config JSON file (default: the default config)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    config = Config()
    if args.config:
        with open(args.config, encoding="utf-8") as handle:
            config = Config.from_json(handle.read())
    QApplication.instance() or QApplication(sys.argv[:1])
    result = {**measure(config, args.seconds, args.rounds), "seconds": args.seconds}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"engine alone     {result['engine_eps']:10.0f} epochs/s")
        print(f"live window      {result['live_eps']:10.0f} epochs/s")
        print(f"live / engine    {result['live_vs_engine']:10.2f}   (median round)")
        print(f"heatmap redraws  {result['heatmap_fps']:10.1f} /s")
        print(f"GUI probe delay  {result['max_probe_delay_ms']:10.1f} ms (worst)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
