"""The main window: control panel, network diagram, decision boundary, loss plot, menus.

`MainWindow` owns a `TrainingWorker` (and through it the `Trainer`) and only
wires things together: control changes and view edits become worker commands,
worker snapshots are handed to the views.  It never calls the trainer itself
while the worker may be training; `trainer` is exposed for tests and scripts
that read it while idle (see `is_settled`).
"""

from __future__ import annotations

import math
import time
from collections import deque
from functools import cache

from PySide6.QtCore import QCoreApplication, QEvent, QSettings, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QFont, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from nnviz import __version__
from nnviz.core.config import DATASETS, Config
from nnviz.core.datasets import fit_loss_to_data, make_dataset
from nnviz.core.session import SUFFIX, load_session, save_session
from nnviz.core.trainer import Trainer

from . import settings as user_settings
from .boundary_view import BoundaryView
from .controls import ControlPanel
from .dataset_preview import preview_icon
from .loss_view import LossView
from .network_view import NetworkView
from .status_line import StatusLine, status_text
from .worker import TrainingWorker

DEFAULT_SIZE = (1600, 1000)
PRESENTATION_SCALE = 1.5
STATUS_FONT_SCALE = 1.25  # the status line reads from the back of a room (if it fits)
MESSAGE_MS = 10_000
# While training, the costlier views redraw less often than the heatmap (seconds between).
NETWORK_VIEW_SECONDS = 1 / 10
LOSS_VIEW_SECONDS = 1 / 3
# A throttled view whose drawing takes longer (a diagram of thousands of links) waits
# longer, so that it takes at most this share of the GUI thread's time.
VIEW_SHARE = 0.2
PAINT_GRACE_MS = 50  # a frame counts as drawn after this even if no paint came
SESSION_FILTER = f"nnviz sessions (*{SUFFIX});;All files (*)"
DIVERGED_TEXT = (
    "Training diverged at epoch {epoch}: the loss became infinite/NaN. Lower the learning rate "
    "and press Play to continue from the last finite weights, or Reset."
)
STILL_DIVERGING_TEXT = (
    "Still diverging at epoch {epoch} with learning rate {lr:g}: the weights have grown too "
    "large to recover. Press Reset to start again from the same initial weights."
)
FAR_GONE_TEXT = (
    "Training diverged at epoch {epoch}: the loss became infinite/NaN, and on the way it grew "
    "to {loss:.3g}, so the last finite weights are far off. Press Reset, lower the learning "
    "rate, then Play."
)
# Posted after a frame's first paint; handled after every event of higher priority (see event).
FRAME_PAINTED = QEvent.Type(QEvent.registerEventType())
FRAME_PAINTED_PRIORITY = -1000
KEY_NAMES = {"Right": "→"}  # shown in About instead of Qt's key names


@cache
def dataset_icons() -> dict[str, QIcon]:
    """A preview icon per built-in dataset, from its default points (built once)."""
    return {
        name: preview_icon(make_dataset(Config(**fit_loss_to_data(Config(), {"dataset": name}))))
        for name in DATASETS
        if name != "file"
    }


def _key_names(action: QAction) -> str:
    """'S or →' for an action's shortcuts, in the platform's own spelling."""
    names = (key.toString(QKeySequence.NativeText) for key in action.shortcuts())
    return " or ".join(KEY_NAMES.get(name, name) for name in names)


class Throttle:
    """Passes snapshots to one view's draw function at most every ``seconds``, or less
    often when ``cost()`` (seconds the view's last drawing took) would exceed
    `VIEW_SHARE` of the time; `flush` draws the last one held back."""

    def __init__(self, seconds: float, draw, cost=lambda: 0.0, clock=time.perf_counter):
        self.seconds = seconds
        self.draw = draw
        self.cost = cost
        self.clock = clock
        self._pending = None
        self._drawn_at = -math.inf

    def interval(self) -> float:
        return max(self.seconds, self.cost() / VIEW_SHARE)

    def offer(self, snap) -> None:
        self._pending = snap
        if self.clock() - self._drawn_at >= self.interval():
            self.flush()

    def flush(self) -> None:
        if self._pending is not None:
            snap, self._pending = self._pending, None
            self.draw(snap)
            self._drawn_at = self.clock()


class MainWindow(QMainWindow):
    """The whole application window.

    ``settings``: where geometry and the last config persist (None: nowhere).
    ``dialogs``: False keeps every message in the status bar and `messageShown`
    (tests, screenshots) instead of popping up message boxes.
    """

    frameDrawn = Signal(int)  # epoch of the snapshot just handed to the views
    idle = Signal()  # every posted command is handled and its final snapshot drawn
    messageShown = Signal(str)
    sessionSaved = Signal(str)

    def __init__(
        self,
        config: Config | None = None,
        settings: QSettings | None = None,
        dialogs: bool = True,
    ):
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("nnviz — watch a neural network learn")
        self._settings = settings
        self._dialogs = dialogs
        self._running = False
        self._settled_seq = -1
        self._pending_saves: deque[str] = deque()
        self._base_font = self.font()
        self.shown_snapshot = None
        self.frames_drawn = 0
        self._throttles: list[Throttle] = []
        self._views_released = False
        self._shortcut_actions: list[QAction] = []  # listed in Help ▸ About
        self._divergence_message = ""  # the status-bar text about the current divergence
        self._still_diverging: tuple | None = None  # (epoch, lr) of a retry that gained nothing
        self._paint_timeout = QTimer(self)
        self._paint_timeout.setSingleShot(True)
        self._paint_timeout.timeout.connect(self._frame_done)
        restored = config is None and settings is not None
        if restored:
            config = user_settings.load_config(settings)
        trainer = self._make_trainer(config or Config())
        self._config = trainer.config

        self.panel = ControlPanel(dataset_icons())
        if restored:
            speed = self.panel.speedSlider
            position = user_settings.load_speed_position(settings, speed.maximum() + 1)
            if position is not None:
                speed.setValue(position)
        self.network_view = NetworkView()
        self.boundary_view = BoundaryView()
        self.loss_view = LossView()
        self.status_label = StatusLine("Epoch 0")
        self.status_label.setObjectName("statusLabel")
        self.status_label.setToolTip("Epoch, train and test loss, accuracy or R²")
        self.banner = QLabel()
        self.banner.setObjectName("divergenceBanner")
        self.banner.setWordWrap(True)
        self.banner.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.banner.setStyleSheet(
            "QLabel { background: #b3261e; color: white; padding: 8px; font-weight: bold; }"
        )
        self.banner.hide()
        self._build_layout()
        self._build_menus()
        self._scale_fonts(1.0)

        self._throttles = [
            Throttle(
                NETWORK_VIEW_SECONDS,
                self.network_view.set_snapshot,
                cost=lambda: self.network_view.draw_seconds,
            ),
            Throttle(LOSS_VIEW_SECONDS, self._draw_loss_view),
        ]
        self.worker = TrainingWorker(trainer)
        self._connect()
        self.worker.set_speed(self.panel.speed())
        self.panel.set_config(trainer.config, trainer.problem)
        self.boundary_view.set_data(trainer.data)
        self.boundary_view.set_show_test(self.panel.showTestCheck.isChecked())
        self.resize(*DEFAULT_SIZE)
        if restored and settings is not None:
            geometry = user_settings.load_geometry(settings)
            if geometry is not None:
                self.restoreGeometry(geometry)
        self.worker.start()

    # ------------------------------------------------------------------ construction
    def _make_trainer(self, config: Config) -> Trainer:
        try:
            trainer = Trainer(config)
        except ValueError as exc:
            # e.g. a remembered CSV file that has gone: start with the defaults instead.
            self.statusBar().showMessage(f"Could not use the settings ({exc}); using defaults.")
            trainer = Trainer(Config())
        return trainer

    def _build_layout(self) -> None:
        scroll = QScrollArea()
        scroll.setObjectName("controlScroll")
        scroll.setWidget(self.panel)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self._control_scroll = scroll

        plots = QSplitter(Qt.Vertical)
        plots.addWidget(self.boundary_view)
        plots.addWidget(self.loss_view)
        plots.setSizes([600, 400])

        views = QSplitter(Qt.Horizontal)
        views.addWidget(self.network_view)
        views.addWidget(plots)
        views.setSizes([640, 640])  # proportions: the diagram and the plots share the width

        centre = QWidget()
        column = QVBoxLayout(centre)
        column.setContentsMargins(4, 4, 4, 4)
        column.addWidget(self.banner)
        column.addWidget(self.status_label)
        column.addWidget(views, 1)

        main = QSplitter(Qt.Horizontal)
        main.addWidget(scroll)
        main.addWidget(centre)
        main.setStretchFactor(1, 1)
        main.setCollapsible(0, False)
        self.setCentralWidget(main)

    def _action(self, menu, text: str, slot, shortcuts=(), tip: str = "") -> QAction:
        action = QAction(text, self)
        action.setShortcuts([QKeySequence(key) for key in shortcuts])
        action.setShortcutContext(Qt.WindowShortcut)
        action.setToolTip(tip or text)
        action.triggered.connect(slot)
        menu.addAction(action)
        if shortcuts:
            self._shortcut_actions.append(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self._action(file_menu, "&Open session…", self._ask_open_session, [QKeySequence.Open])
        self._action(file_menu, "&Save session…", self._ask_save_session, [QKeySequence.Save])
        self._action(file_menu, "Load &CSV points…", self._ask_load_csv)
        self._action(file_menu, "&Export screenshot…", self._ask_export_screenshot)
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, [QKeySequence.Quit])
        run_menu = bar.addMenu("&Run")
        self._action(run_menu, "&Play / Pause", self.toggle_play, ["Space"])
        self._action(run_menu, "&Step one epoch", self.step, ["S", "Right"])
        self._action(run_menu, "&Reset", self.reset, ["R"])
        view_menu = bar.addMenu("&View")
        self._action(view_menu, "&Full screen", self.toggle_full_screen, ["F11"])
        presentation = self._action(
            view_menu,
            "P&resentation mode",
            self.set_presentation_mode,
            ["F5"],
            "Bigger fonts for projectors",
        )
        presentation.setCheckable(True)
        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&About nnviz", self._show_about)

    def _connect(self) -> None:
        panel, worker = self.panel, self.worker
        panel.changed.connect(self._configure)
        panel.speedChanged.connect(lambda speed: worker.set_speed(speed))
        panel.messageShown.connect(self.show_message)
        panel.messageWithdrawn.connect(self._withdraw_message)
        panel.playButton.clicked.connect(self.toggle_play)
        panel.stepButton.clicked.connect(self.step)
        panel.resetButton.clicked.connect(self.reset)
        panel.regenerateButton.clicked.connect(lambda: worker.regenerate())
        panel.reseedButton.clicked.connect(lambda: worker.reseed())
        # View toggles only redraw: nothing reaches the worker, nothing trains.
        panel.showTestCheck.toggled.connect(self.boundary_view.set_show_test)
        panel.discretizeCheck.toggled.connect(self.boundary_view.set_discretize)
        panel.lossScaleCheck.toggled.connect(self.loss_view.set_log_scale)
        self.network_view.neuronHovered.connect(lambda focus: worker.set_focus(focus))
        self.network_view.paramEdited.connect(
            lambda layer, kind, i, j, value: worker.set_param(layer, kind, i, j, value)
        )
        worker.snapshotReady.connect(self._draw)
        worker.settled.connect(self._on_settled)
        worker.runningChanged.connect(self._on_running_changed)
        worker.diverged.connect(self._on_diverged)
        worker.error.connect(self.show_message)
        worker.configChanged.connect(self._on_config_changed)
        worker.dataChanged.connect(self._on_data_changed)
        worker.stateReady.connect(self._on_state_ready)

    # ------------------------------------------------------------------ public API
    @property
    def trainer(self) -> Trainer:
        """The worker's trainer.  Read it only while `is_settled()`."""
        return self.worker.trainer

    @property
    def config(self) -> Config:
        """The trainer's configuration as last reported by the worker."""
        return self._config

    def is_settled(self) -> bool:
        """Idle, every command handled, and the view shows the trainer's final state."""
        return not self._running and self._settled_seq == self.worker.posted

    def toggle_play(self) -> None:
        # Flip at once so a quick second press pauses; runningChanged confirms or corrects.
        if self._running:
            self.pause()
        else:
            self._set_running(True)
            self.worker.play()

    def pause(self) -> None:
        self._set_running(False)
        self.worker.pause()

    def step(self) -> None:
        self.worker.step()

    def reset(self) -> None:
        self.worker.reset()

    def run_epochs(self, epochs: int) -> None:
        """Train exactly ``epochs`` more epochs, then pause (`idle` follows)."""
        self._set_running(epochs > 0)
        self.worker.run_epochs(epochs)

    def load_csv(self, path: str) -> None:
        """Train on points from a CSV file (x1, x2, label rows); errors become messages."""
        try:
            changes = fit_loss_to_data(self._config, {"dataset": "file", "data_file": path})
        except ValueError as exc:
            self.show_message(f"Could not load the CSV points: {exc}", dialog=True)
            return
        self._configure(changes)

    def save_session(self, path: str) -> None:
        """Save the whole run to ``path``; `sessionSaved` or a message follows."""
        self._pending_saves.append(path)
        self.worker.request_state()

    def open_session(self, path: str) -> None:
        """Replace the run by the one saved at ``path``; a bad file changes nothing."""
        try:
            state = load_session(path)
            # Checked here too, so a well-formed file of the wrong content gets the same
            # dialog as garbage (the training process would only report it afterwards).
            Trainer.from_state_dict(state)
        except ValueError as exc:
            self.show_message(f"Could not open the session: {exc}", dialog=True)
            return
        self.worker.load_state(state)

    def export_screenshot(self, path: str) -> bool:
        saved = self.grab().save(path)
        if not saved:
            self.show_message(f"Could not write the screenshot {path}", dialog=True)
        return saved

    def show_message(self, text: str, dialog: bool = False) -> None:
        """Explain something to the user: status bar, `messageShown`, and a box if asked."""
        self.statusBar().showMessage(text, MESSAGE_MS)
        self.messageShown.emit(text)
        if dialog and self._dialogs:
            box = QMessageBox(QMessageBox.Warning, "nnviz", text, QMessageBox.Ok, self)
            box.setAttribute(Qt.WA_DeleteOnClose)
            box.open()  # window-modal but non-blocking

    def toggle_full_screen(self) -> None:
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()

    def set_presentation_mode(self, on: bool) -> None:
        """Bigger text for a projector where the class looks: the status line, the diagram,
        the plots, the menus.  The control panel, which the teacher reads from up close,
        keeps its size, so the views keep their room."""
        self._scale_fonts(PRESENTATION_SCALE if on else 1.0)

    def _scale_fonts(self, scale: float) -> None:
        font = QFont(self._base_font)
        font.setPointSizeF(self._base_font.pointSizeF() * scale)
        self.setFont(font)
        # A size set explicitly (the resolve mask) stops the scaled font propagating.
        panel_font = QFont(self._base_font)
        panel_font.setPointSizeF(self._base_font.pointSizeF())
        self._control_scroll.setFont(panel_font)
        self.status_label.set_point_size(font.pointSizeF() * STATUS_FONT_SCALE, font.pointSizeF())
        # The panel never scrolls sideways: its column grows with the font instead.
        scroll = self._control_scroll
        scroll.setMinimumWidth(
            self.panel.sizeHint().width()
            + scroll.verticalScrollBar().sizeHint().width()
            + 2 * scroll.frameWidth()
        )

    # ------------------------------------------------------------------ worker -> views
    @Slot(object)
    def _draw(self, snap) -> None:
        """Hand a snapshot to the views: the heatmap and status line every frame, the
        costlier diagram and loss curves throttled while training (`_on_settled`
        catches them up once idle)."""
        self.boundary_view.set_snapshot(snap)
        self.status_label.setText(status_text(snap))
        if snap.diverged is not None:
            self.banner.setText(self._banner_text(snap))
        elif self._divergence_message:  # reset, rebuilt or recovered: the news is old
            self._withdraw_message(self._divergence_message)
            self._divergence_message = ""
            self._still_diverging = None
        self.banner.setVisible(snap.diverged is not None)
        self.shown_snapshot = snap
        for throttle in self._throttles:
            throttle.offer(snap)
        self.frames_drawn += 1
        # The next snapshot is built once this one is on screen: a slow frame never queues.
        if self.isVisible() and not self.isMinimized():
            self._paint_timeout.start(PAINT_GRACE_MS)
        else:
            self._frame_done()
        self.frameDrawn.emit(snap.epoch)

    def _banner_text(self, snap) -> str:
        epoch = snap.diverged
        if self._still_diverging is not None and self._still_diverging[0] == epoch:
            return STILL_DIVERGING_TEXT.format(epoch=epoch, lr=self._still_diverging[1])
        if snap.far_gone():
            return FAR_GONE_TEXT.format(epoch=epoch, loss=snap.metrics["train_loss"])
        return DIVERGED_TEXT.format(epoch=epoch)

    def _draw_loss_view(self, snap) -> None:
        self.loss_view.set_history(snap.history, snap.problem)

    def _frame_done(self) -> None:
        self._paint_timeout.stop()
        self.worker.snapshot_consumed()

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        # The top-level UpdateRequest paints every dirty child, but a view may only learn it
        # needs painting from a queued scene update that runs after it: a marker posted
        # below every other priority arrives once all of them are done.  (PAINT_GRACE_MS
        # covers a frame that never gets painted.)
        if event.type() == QEvent.UpdateRequest and self._paint_timeout.isActive():
            QCoreApplication.postEvent(self, QEvent(FRAME_PAINTED), FRAME_PAINTED_PRIORITY)
        elif event.type() == FRAME_PAINTED and self._paint_timeout.isActive():
            self._frame_done()
            return True
        return handled

    @Slot(int)
    def _on_settled(self, seq: int) -> None:
        for throttle in self._throttles:
            throttle.flush()
        self._settled_seq = seq
        if self.is_settled():
            self.idle.emit()

    @Slot(bool)
    def _on_running_changed(self, running: bool) -> None:
        self._set_running(running)

    def _set_running(self, running: bool) -> None:
        self._running = running
        self.panel.set_running(running)

    @Slot(int, bool)
    def _on_diverged(self, epoch: int, again: bool) -> None:
        """``again``: the run diverged at once, where it had diverged before."""
        if again:
            self._still_diverging = (epoch, self._config.lr)
            text = f"Still diverging at epoch {epoch}: no epoch could be trained."
        else:
            self._still_diverging = None
            text = f"Training diverged at epoch {epoch}."
        self._divergence_message = text
        self.statusBar().showMessage(text, MESSAGE_MS)

    @Slot(str)
    def _withdraw_message(self, text: str) -> None:
        """Clear the status bar if it still shows ``text`` (it no longer applies)."""
        if text and self.statusBar().currentMessage() == text:
            self.statusBar().clearMessage()

    @Slot(object, str)
    def _on_config_changed(self, config: Config, problem: str) -> None:
        self._config = config
        self.panel.set_config(config, problem)

    @Slot(object)
    def _on_data_changed(self, dataset) -> None:
        self.boundary_view.set_data(dataset)

    @Slot(object)
    def _on_state_ready(self, state: dict) -> None:
        if not self._pending_saves:
            return
        path = self._pending_saves.popleft()
        try:
            save_session(path, state)
        except (OSError, ValueError) as exc:
            self.show_message(f"Could not save the session to {path}: {exc}", dialog=True)
            return
        self.statusBar().showMessage(f"Session saved to {path}", MESSAGE_MS)
        self.sessionSaved.emit(path)

    def _configure(self, changes: dict) -> None:
        self.worker.configure(changes)

    # ------------------------------------------------------------------ dialogs
    def _ask_open_session(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open session", "", SESSION_FILTER)
        if path:
            self.open_session(path)

    def _ask_save_session(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save session", "", SESSION_FILTER)
        if path:
            self.save_session(path if path.endswith(SUFFIX) else path + SUFFIX)

    def _ask_load_csv(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Load CSV points", "", "CSV files (*.csv);;All files (*)"
        )
        if path:
            self.load_csv(path)

    def _ask_export_screenshot(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export screenshot", "", "PNG images (*.png)")
        if path:
            self.export_screenshot(path if path.lower().endswith(".png") else path + ".png")

    def about_text(self) -> str:
        """Help ▸ About: what nnviz is and every keyboard shortcut (read from the menus)."""
        keys = [(_key_names(action), action) for action in self._shortcut_actions]
        rows = "".join(
            f"<tr><td><b>{names}</b>&nbsp;&nbsp;</td>"
            f"<td>{action.text().replace('&', '').rstrip('…')}</td></tr>"
            for names, action in keys
            if names  # a standard key this platform leaves unbound
        )
        return (
            f"<b>nnviz {__version__}</b><p>Watch a small neural network learn: the network "
            "diagram, the decision boundary and the loss curves update live while a "
            "background process trains it with NumPy.</p>"
            f"<p><b>Keyboard shortcuts</b></p><table>{rows}</table>"
        )

    def _show_about(self) -> None:
        QMessageBox.about(self, "About nnviz", self.about_text())

    # ------------------------------------------------------------------ shutdown
    def closeEvent(self, event: QCloseEvent) -> None:
        if self._settings is not None:
            user_settings.save_geometry(self._settings, self.saveGeometry())
            user_settings.save_config(self._settings, self._config)
            user_settings.save_speed_position(self._settings, self.panel.speedSlider.value())
            self._settings.sync()
        self.worker.stop()
        super().closeEvent(event)
        if event.isAccepted() and not self._views_released:
            # Drop the worker's last queued signals, then empty the pyqtgraph scenes while
            # every item is still alive: left to Qt's teardown order, a ViewBox can be
            # told of a half-destroyed scene and crash the interpreter.
            QCoreApplication.removePostedEvents(self, QEvent.Type.MetaCall)
            for view in (self.boundary_view, self.loss_view):
                view.close()
            self._views_released = True
