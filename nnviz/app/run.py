"""Starting the GUI: the interactive app, or a fixed number of epochs and a screenshot.

`run_app` is what ``nnviz`` (cli.py) calls after parsing its arguments.  With
``epochs`` or ``screenshot`` it runs unattended (fine with
QT_QPA_PLATFORM=offscreen): trains exactly that many epochs through the real
worker, waits until the final state is drawn, saves the window as a PNG and
prints one JSON line of metrics.
"""

from __future__ import annotations

import json
import math
import signal
import sys

from PySide6.QtCore import QEventLoop, QTimer, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from nnviz.core.config import Config

from .main_window import DEFAULT_SIZE, MainWindow
from .settings import APPLICATION, ORGANIZATION, open_settings


def run_app(
    config: Config | None = None,
    epochs: int | None = None,
    screenshot: str | None = None,
    argv=None,
) -> int:
    """Show the window.  Interactive without ``epochs``/``screenshot`` (returns the
    exit code); otherwise train, optionally save the screenshot, print the metrics
    as one JSON line, close and return 0.  ``config`` None restores the last one."""
    if epochs is not None and epochs < 0:
        raise ValueError(f"epochs: must be >= 0, got {epochs}")
    app = QApplication.instance() or QApplication(list(argv if argv is not None else sys.argv))
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    unattended = epochs is not None or screenshot is not None
    if app.platformName() == "offscreen":
        qInstallMessageHandler(_without_offscreen_noise)
    # Unattended runs neither read nor overwrite the user's remembered settings.
    window = MainWindow(
        config, settings=None if unattended else open_settings(), dialogs=not unattended
    )
    if unattended:
        window.resize(*DEFAULT_SIZE)  # screenshots always have the documented size
    window.show()
    if not unattended:
        _close_on_interrupt(window)
        return app.exec()
    try:
        window.run_epochs(epochs or 0)
        _wait_until_idle(window)
        app.processEvents()  # let the views lay out the final frame before the grab
        if screenshot is not None and not window.grab().save(screenshot):
            print(f"nnviz: could not write the screenshot {screenshot}", file=sys.stderr)
            return 1
        print(json.dumps(final_metrics(window.shown_snapshot)), flush=True)
    finally:
        window.close()
        window.deleteLater()
    return 0


def _without_offscreen_noise(mode, context, message: str) -> None:
    # The offscreen platform warns about window-manager hints it cannot have, on every
    # window shown: noise in a headless run's output.  Everything else goes to stderr.
    if "propagateSizeHints" not in message:
        print(message, file=sys.stderr)


def _close_on_interrupt(window: MainWindow) -> None:
    """Ctrl+C in the launching terminal closes the window as its close button would
    (settings saved, training stopped).  Python runs signal handlers only between
    bytecodes, so a timer hands it control while Qt's event loop waits."""
    signal.signal(signal.SIGINT, lambda *_: window.close())
    timer = QTimer(window)
    timer.timeout.connect(lambda: None)
    timer.start(200)


def _wait_until_idle(window: MainWindow) -> None:
    loop = QEventLoop()
    window.idle.connect(loop.quit)
    while not window.is_settled():
        loop.exec()
    window.idle.disconnect(loop.quit)


def final_metrics(snap) -> dict:
    """The drawn snapshot's metrics as JSON-safe values (non-finite numbers become null)."""
    metrics = {"epoch": snap.epoch}
    for key, value in snap.metrics.items():
        if key != "epoch":
            value = float(value)
            metrics[key] = value if math.isfinite(value) else None
    return metrics
