"""MainWindow end to end (offscreen): controls drive the trainer, views match it, threads end."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
)

from nnviz.app.controls import SPEED_STEPS, speed_from_position, speed_text
from nnviz.app.main_window import VIEW_SHARE, MainWindow, Throttle
from nnviz.app.run import _close_on_interrupt
from nnviz.app.settings import load_config, open_settings
from nnviz.app.worker import running_worker_threads
from nnviz.core.config import FEATURES, Config
from nnviz.core.presets import preset_config

SMALL = Config(dataset="circles", samples=100)


@pytest.fixture
def window(qtbot):
    win = MainWindow(SMALL, dialogs=False)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(win.is_settled)
    yield win
    win.close()


def settle(qtbot, win, timeout=10000):
    qtbot.waitUntil(win.is_settled, timeout=timeout)


def first_weights(trainer):
    return [w.copy() for w, _ in trainer.params]


def test_step_button_trains_exactly_one_epoch(qtbot, window):
    before = first_weights(window.trainer)
    qtbot.mouseClick(window.panel.stepButton, Qt.LeftButton)
    settle(qtbot, window)
    assert window.trainer.epoch == 1
    assert window.shown_snapshot.epoch == 1
    assert window.status_label.text().startswith("Epoch 1 ")
    assert any(
        not np.array_equal(a, b) for a, b in zip(before, first_weights(window.trainer), strict=True)
    )


def test_play_then_pause_stops_the_epochs(qtbot, window):
    qtbot.mouseClick(window.panel.playButton, Qt.LeftButton)
    assert window.panel.playButton.text() == "Pause"
    qtbot.waitUntil(lambda: window.shown_snapshot.epoch > 50, timeout=10000)
    qtbot.mouseClick(window.panel.playButton, Qt.LeftButton)
    settle(qtbot, window)
    paused_at = window.trainer.epoch
    assert window.panel.playButton.text() == "Play"
    window.worker.set_focus(None)  # one more round trip through the worker
    settle(qtbot, window)
    assert window.trainer.epoch == paused_at == window.shown_snapshot.epoch
    assert window.loss_view.point_count() == paused_at + 1  # and epoch 0


def test_reset_returns_to_epoch_zero_with_the_same_weights(qtbot, window):
    initial = first_weights(window.trainer)
    window.run_epochs(40)
    settle(qtbot, window)
    assert window.trainer.epoch == 40 and window.loss_view.point_count() == 41
    qtbot.mouseClick(window.panel.resetButton, Qt.LeftButton)
    settle(qtbot, window)
    assert window.trainer.epoch == 0
    assert window.loss_view.point_count() == 1  # epoch 0 again, nothing after it
    for a, b in zip(initial, first_weights(window.trainer), strict=True):
        np.testing.assert_array_equal(a, b)


def test_keyboard_shortcuts_play_step_and_reset(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window.network_view, Qt.Key_S)
    settle(qtbot, window)
    assert window.trainer.epoch == 1
    qtbot.keyClick(window.network_view, Qt.Key_Right)
    settle(qtbot, window)
    assert window.trainer.epoch == 2
    qtbot.keyClick(window.network_view, Qt.Key_Space)
    qtbot.waitUntil(lambda: window.shown_snapshot.epoch > 10, timeout=10000)
    qtbot.keyClick(window.network_view, Qt.Key_Space)
    settle(qtbot, window)
    qtbot.keyClick(window.network_view, Qt.Key_R)
    settle(qtbot, window)
    assert window.trainer.epoch == 0


def test_space_in_a_number_field_plays_instead_of_blanking_it(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    for field in (window.panel.learningRateEdit, window.panel.hiddenLayersSpin):
        field.setFocus()
        text = field.text()
        with qtbot.waitSignal(window.worker.runningChanged, timeout=5000) as started:
            qtbot.keyClick(field, Qt.Key_Space)
        assert started.args == [True] and field.text() == text
        qtbot.keyClick(field, Qt.Key_Space)  # and pauses
        settle(qtbot, window)
    qtbot.keyClick(window.panel.learningRateEdit, Qt.Key_5)  # digits still type
    assert window.panel.learningRateEdit.text().endswith("5")


def test_close_while_playing_leaves_no_thread(qtbot, window):
    window.toggle_play()
    qtbot.waitUntil(lambda: window.shown_snapshot.epoch > 20, timeout=10000)
    window.close()
    assert running_worker_threads() == 0


def test_heatmap_under_each_training_point_is_the_prediction_there(qtbot, window):
    window.run_epochs(300)
    settle(qtbot, window)
    grid = window.shown_snapshot.boundary
    points = window.trainer.data.x_train
    # The heatmap cell under a point shows the grid point nearest to it.
    nearest = np.column_stack(
        [
            grid.xs[np.abs(grid.xs[None, :] - points[:, :1]).argmin(axis=1)],
            grid.ys[np.abs(grid.ys[None, :] - points[:, 1:]).argmin(axis=1)],
        ]
    )
    expected = window.trainer.predict(nearest)
    shown = np.array([window.boundary_view.value_at(x, y) for x, y in points])
    assert expected.min() < 0.4 and expected.max() > 0.6  # a real boundary, not a flat image
    np.testing.assert_allclose(shown, expected, atol=1e-5)  # float32 grid


def test_hovering_a_neuron_shows_it_and_editing_a_weight_sets_it(qtbot, window):
    window.run_epochs(30)
    settle(qtbot, window)
    view = window.network_view
    neuron = view.neurons[1][2]
    spot = view.mapFromScene(neuron.sceneBoundingRect().center())
    qtbot.mouseMove(view.viewport(), spot)
    settle(qtbot, window)
    assert window.shown_snapshot.focus == (1, 2)
    expected = window.trainer.boundary(window.worker.resolution, focus=(1, 2)).values
    np.testing.assert_allclose(window.shown_snapshot.boundary.values, expected)
    qtbot.mouseMove(view.viewport(), QPoint(2, 2))  # empty corner: back to the output
    settle(qtbot, window)
    assert window.shown_snapshot.focus is None

    view.edit_param(0, "w", 1, 2)
    editor = view.findChild(QLineEdit, "paramEditor")
    editor.selectAll()
    qtbot.keyClicks(editor, "-1.25")
    qtbot.keyClick(editor, Qt.Key_Return)
    settle(qtbot, window)
    assert window.trainer.params[0][0][1, 2] == -1.25
    assert window.shown_snapshot.params[0][0][1, 2] == -1.25
    assert window.trainer.epoch == 30  # an edit trains nothing


def select(combo: QComboBox, value) -> None:
    combo.setCurrentIndex(combo.findData(value))
    assert combo.currentData() == value


def type_learning_rate(qtbot, win, text: str) -> None:
    edit = win.panel.learningRateEdit
    edit.clear()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key_Return)


def test_every_control_changes_the_configuration_it_names(qtbot, window):
    panel = window.panel
    cases = [
        (lambda: select(panel.datasetCombo, "moons"), lambda c: c.dataset == "moons"),
        (lambda: panel.samplesSpin.setValue(150), lambda c: c.samples == 150),
        (lambda: panel.samplesSpin.setValue(0), lambda c: c.samples is None),
        (lambda: panel.samplesSpin.setValue(120), lambda c: c.samples == 120),
        (lambda: panel.noiseSlider.setValue(30), lambda c: c.noise == 0.3),
        (lambda: panel.noiseSpin.setValue(20), lambda c: c.noise == 0.2),
        (lambda: panel.trainRatioSpin.setValue(70), lambda c: c.train_ratio == 0.7),
        (lambda: panel.batchSizeSpin.setValue(16), lambda c: c.batch_size == 16),
        (lambda: panel.batchSizeSpin.setValue(0), lambda c: c.batch_size is None),
        (lambda: panel.hiddenLayersSpin.setValue(2), lambda c: c.hidden == (3, 4)),
        (lambda: panel.hiddenSpin.setValue(6), lambda c: c.hidden == (6, 4)),
        (lambda: panel.widthSpins[1].setValue(2), lambda c: c.hidden == (6, 2)),
        (lambda: panel.hiddenLayersSpin.setValue(0), lambda c: c.hidden == ()),
        (lambda: select(panel.activationCombo, "relu"), lambda c: c.activation == "relu"),
        (lambda: select(panel.lossCombo, "mse"), lambda c: c.loss == "mse"),
        (lambda: select(panel.optimizerCombo, "sgd"), lambda c: c.optimizer == "sgd"),
        (lambda: select(panel.initCombo, "he"), lambda c: c.init == "he"),
        (lambda: type_learning_rate(qtbot, window, "0.5"), lambda c: c.lr == 0.5),
        (lambda: panel.l1Spin.setValue(0.01), lambda c: c.l1 == 0.01),
        (lambda: panel.l2Spin.setValue(0.02), lambda c: c.l2 == 0.02),
        (lambda: panel.regenerateButton.click(), lambda c: c.data_seed == 1),
        (lambda: panel.reseedButton.click(), lambda c: c.seed == 1),
        (lambda: select(panel.optimizerCombo, "momentum"), lambda c: c.optimizer == "momentum"),
        (lambda: panel.momentumSpin.setValue(0.5), lambda c: c.momentum == 0.5),
        (lambda: select(panel.datasetCombo, "blobs"), lambda c: c.dataset == "blobs"),
        (lambda: panel.classesSpin.setValue(5), lambda c: c.classes == 5),
    ]
    cases += [
        (
            lambda name=name: panel.featureChecks[name].setChecked(True),
            lambda c, n=name: n in c.features,
        )
        for name in FEATURES
    ]
    cases.append(
        (lambda: panel.featureChecks["x1"].setChecked(False), lambda c: "x1" not in c.features)
    )
    for apply, holds in cases:
        apply()
        settle(qtbot, window)
        assert holds(window.trainer.config), window.trainer.config
        assert window.config == window.trainer.config
    assert panel.hiddenSpin.objectName() == "hiddenSpin"
    panel.speedSlider.setValue(0)
    settle(qtbot, window)
    assert window.worker.speed == speed_from_position(0) == 1.0
    assert panel.speedLabel.text() == "1 epoch/s"
    panel.speedSlider.setValue(SPEED_STEPS)
    settle(qtbot, window)
    assert window.worker.speed == 0 and panel.speedLabel.text() == "unlimited"


def test_controls_that_do_not_apply_are_disabled(qtbot, window):
    panel = window.panel
    fixed_points = (panel.samplesSpin, panel.noiseSlider, panel.noiseSpin)
    assert not panel.classesSpin.isEnabled() and not panel.momentumSpin.isEnabled()
    assert all(widget.isEnabled() for widget in fixed_points)
    select(panel.datasetCombo, "arms")
    settle(qtbot, window)
    assert panel.classesSpin.isEnabled()
    select(panel.datasetCombo, "iris")  # all 150 flowers as measured: no count, no noise
    settle(qtbot, window)
    assert not panel.classesSpin.isEnabled()
    assert not any(widget.isEnabled() for widget in fixed_points)
    assert "Split the same points" in panel.regenerateButton.toolTip()  # a new split
    select(panel.optimizerCombo, "momentum")
    settle(qtbot, window)
    assert panel.momentumSpin.isEnabled()
    assert window.trainer.data.n_classes == 3


def test_recommended_applies_the_datasets_preset_in_one_change(qtbot, window):
    select(window.panel.datasetCombo, "spiral")
    settle(qtbot, window)
    posted = window.worker.posted
    window.panel.presetButton.click()
    settle(qtbot, window)
    assert window.worker.posted == posted + 1  # one rebuild, not one per setting
    assert window.trainer.config == preset_config("spiral", samples=SMALL.samples)
    assert window.panel.hiddenLayersSpin.value() == 2 and window.panel.batchSizeSpin.value() == 10


def test_speed_reads_plainly_and_a_click_on_the_track_moves_one_notch(qtbot, window):
    assert speed_text(0) == "unlimited"
    assert speed_text(1) == "1 epoch/s"
    assert speed_text(2.5) == "2.5 epochs/s"
    assert speed_text(1190) == "1,190 epochs/s"
    slider, label = window.panel.speedSlider, window.panel.speedLabel
    # A class watches at 100 epochs/s until the teacher says otherwise.
    assert window.worker.speed == 100 and label.text() == "100 epochs/s"
    slider.triggerAction(QAbstractSlider.SliderPageStepAdd)  # what a click on the track does
    assert label.text() == "200 epochs/s"
    slider.setValue(SPEED_STEPS)
    assert label.text() == "unlimited"
    slider.triggerAction(QAbstractSlider.SliderPageStepSub)
    assert label.text() == "10,000 epochs/s"
    slider.triggerAction(QAbstractSlider.SliderPageStepSub)
    assert label.text() == "5,000 epochs/s"
    settle(qtbot, window)
    assert window.worker.speed == 5000
    speeds = [speed_from_position(p) for p in range(SPEED_STEPS)]
    assert speeds[0] == 1 and speeds[-1] == 10_000
    assert all(2 <= b / a <= 2.5 for a, b in zip(speeds, speeds[1:], strict=False))


def panel_widgets(panel, kinds) -> list:
    """The panel's widgets of some kinds, without the line edits, views and scroll bars
    Qt builds inside spin boxes and combo boxes."""

    def part_of_compound(widget):
        parent = widget.parent()
        while parent is not None and parent is not panel:
            if isinstance(parent, (QAbstractSpinBox, QComboBox)):
                return True
            parent = parent.parent()
        return False

    widgets = [w for kind in kinds for w in panel.findChildren(kind)]
    return [w for w in widgets if not part_of_compound(w)]


def test_every_control_has_a_name_and_a_tooltip(window):
    kinds = (QAbstractButton, QAbstractSlider, QAbstractSpinBox, QComboBox, QLineEdit)
    controls = panel_widgets(window.panel, kinds)
    assert len(controls) >= 30
    for widget in controls:
        assert widget.objectName(), widget
        assert widget.toolTip(), widget.objectName()


def test_switching_to_regression_switches_the_loss_in_the_same_change(qtbot, window):
    changes = []
    window.panel.changed.connect(changes.append)
    select(window.panel.datasetCombo, "reg-plane")
    settle(qtbot, window)
    assert changes == [{"dataset": "reg-plane", "loss": "mse"}]
    config = window.trainer.config
    assert (config.dataset, config.loss, window.trainer.data.problem) == (
        "reg-plane",
        "mse",
        "regression",
    )
    combo = window.panel.lossCombo
    assert [combo.itemData(i) for i in range(combo.count())] == ["mse", "sse"]
    window.run_epochs(3)
    settle(qtbot, window)
    assert "R²" in window.status_label.text()


def test_learning_rate_keeps_weights_and_hidden_width_rebuilds(qtbot, window):
    window.run_epochs(25)
    settle(qtbot, window)
    trained = first_weights(window.trainer)
    type_learning_rate(qtbot, window, "0.003")
    settle(qtbot, window)
    assert window.trainer.config.lr == 0.003
    assert window.trainer.epoch == 25
    for a, b in zip(trained, first_weights(window.trainer), strict=True):
        np.testing.assert_array_equal(a, b)
    window.panel.hiddenSpin.setValue(7)
    settle(qtbot, window)
    assert window.trainer.epoch == 0 and window.trainer.layer_sizes == (2, 7, 1)
    assert window.loss_view.point_count() == 1  # the new network's epoch 0


def test_bad_learning_rate_text_is_refused_with_a_message(qtbot, window):
    messages = []
    window.messageShown.connect(messages.append)
    for text in ("abc", "0", "1e3", "nan"):
        type_learning_rate(qtbot, window, text)
        assert window.panel.learningRateEdit.text() == "0.03"
    settle(qtbot, window)
    assert window.trainer.config.lr == 0.03
    assert len(messages) == 4 and "Learning rate" in messages[0] and "0.03" in messages[0]
    assert window.statusBar().currentMessage() == messages[-1]
    type_learning_rate(qtbot, window, "0.05")  # a valid value: the refusal no longer applies
    settle(qtbot, window)
    assert window.trainer.config.lr == 0.05
    assert window.statusBar().currentMessage() == ""


def test_view_toggles_only_redraw(qtbot, window):
    window.run_epochs(20)
    settle(qtbot, window)
    posted, points = window.worker.posted, window.loss_view.point_count()
    image = np.array(window.boundary_view.image_item.image)
    plot = window.boundary_view.getPlotItem()
    visible_scatters = lambda: sum(  # noqa: E731
        item.isVisible() for item in plot.items if type(item).__name__ == "ScatterPlotItem"
    )
    shown = visible_scatters()
    window.panel.discretizeCheck.setChecked(True)
    assert not np.array_equal(image, window.boundary_view.image_item.image)
    window.panel.showTestCheck.setChecked(False)
    assert visible_scatters() == shown - 1
    window.panel.lossScaleCheck.setChecked(True)
    assert window.loss_view.getPlotItem().getAxis("left").logMode
    settle(qtbot, window)
    assert window.worker.posted == posted  # nothing was sent to the worker
    assert window.trainer.epoch == 20 and window.loss_view.point_count() == points


def diverged_window(qtbot):
    """A window whose training has diverged at a far too high learning rate."""
    config = Config(dataset="reg-plane", loss="mse", optimizer="sgd", lr=10.0, samples=100)
    win = MainWindow(config, dialogs=False)
    qtbot.addWidget(win)
    qtbot.waitUntil(win.is_settled)
    win.toggle_play()
    settle(qtbot, win)
    return win, win.trainer.diverged


def test_divergence_shows_the_banner_and_a_lower_rate_continues(qtbot):
    win, diverged_at = diverged_window(qtbot)
    assert diverged_at is not None
    assert win.banner.isVisibleTo(win)
    assert f"diverged at epoch {diverged_at}" in win.banner.text()
    # The loss had grown ~1e303 before it broke: the banner says a retry will not save it.
    assert "grew to" in win.banner.text() and "Press Reset" in win.banner.text()
    assert all(np.isfinite(w).all() and np.isfinite(b).all() for w, b in win.trainer.params)
    type_learning_rate(qtbot, win, "0.001")
    win.run_epochs(30)
    settle(qtbot, win)
    assert win.trainer.diverged is None and win.trainer.epoch == diverged_at - 1 + 30
    assert not win.banner.isVisibleTo(win)
    win.close()


def test_a_retry_that_diverges_at_once_says_so_and_reset_clears_it(qtbot):
    win, diverged_at = diverged_window(qtbot)
    assert win.statusBar().currentMessage() == f"Training diverged at epoch {diverged_at}."
    type_learning_rate(qtbot, win, "5")  # still far too high for these weights
    settle(qtbot, win)
    win.toggle_play()
    settle(qtbot, win)
    assert win.trainer.epoch == diverged_at - 1  # nothing was gained
    banner = win.banner.text()
    assert win.banner.isVisibleTo(win)
    assert f"Still diverging at epoch {diverged_at} with learning rate 5:" in banner
    assert "Press Reset" in banner
    assert "Still diverging" in win.statusBar().currentMessage()
    win.reset()
    settle(qtbot, win)
    assert win.trainer.epoch == 0
    assert not win.banner.isVisibleTo(win)
    assert win.statusBar().currentMessage() == ""
    win.toggle_play()  # a fresh run that diverges is plain news again
    settle(qtbot, win)
    assert f"Training diverged at epoch {win.trainer.diverged}:" in win.banner.text()
    win.panel.hiddenSpin.setValue(5)  # a rebuild clears the message too
    settle(qtbot, win)
    assert win.statusBar().currentMessage() == "" and not win.banner.isVisibleTo(win)
    win.close()


def test_loss_axis_follows_the_run_after_a_reset(qtbot, window):
    window.run_epochs(200)
    settle(qtbot, window)
    (x0, x1), _ = window.loss_view.getPlotItem().vb.viewRange()
    assert x0 <= 0 and 200 <= x1 < 220
    window.reset()
    settle(qtbot, window)
    for _ in range(5):
        window.step()
        settle(qtbot, window)
    view = window.loss_view
    (x0, x1), (y0, y1) = view.getPlotItem().vb.viewRange()
    assert -0.5 < x0 <= 1 and 5 <= x1 < 5.5
    shown = np.concatenate([curve.getData()[1] for curve in (view.train_loss, view.test_loss)])
    low, high = shown.min(), shown.max()
    assert y0 <= low and high <= y1  # the loss axis follows the new, short curves
    assert y1 - y0 < 1.5 * (high - low)


def test_about_lists_the_keyboard_shortcuts(window):
    text = window.about_text()
    for key in ("Space", "S or →", "R", "Ctrl+S", "Ctrl+O", "F11", "F5"):
        assert f"<b>{key}</b>" in text, key
    assert "Presentation mode" in text and "Step one epoch" in text


def test_presentation_mode_enlarges_the_views_text_and_clips_nothing(qtbot, window):
    window.resize(1600, 1000)
    qtbot.waitUntil(lambda: window.network_view.width() > 0)
    diagram_width, panel_font = window.network_view.width(), window.panel.font().pointSizeF()
    window.set_presentation_mode(True)
    # The class reads the views; the panel stays as it was, so the diagram keeps its room.
    assert window.panel.font().pointSizeF() == panel_font
    assert window.network_view.font().pointSizeF() == pytest.approx(1.5 * panel_font)
    qtbot.waitUntil(lambda: window.network_view.width() == diagram_width)
    kinds = (QAbstractButton, QLabel, QComboBox, QLineEdit, QAbstractSpinBox)
    widgets = panel_widgets(window.panel, kinds)
    assert len(widgets) > 40

    def clipped():
        return [
            w.objectName() or w.text()
            for w in widgets
            if w.isVisibleTo(window.panel) and w.sizeHint().width() > w.width()
        ]

    qtbot.waitUntil(lambda: not clipped())
    groups = window.panel.findChildren(QGroupBox)
    assert len(groups) == 6
    for group in groups:
        title = group.fontMetrics().horizontalAdvance(group.title())
        assert title < group.width(), group.title()
    assert window.panel.resetButton.width() >= window.panel.resetButton.sizeHint().width()
    window.close()  # closing in presentation mode must not fail either

    for k in range(20):
        win = MainWindow(Config(samples=60, seed=k), dialogs=False)
        qtbot.addWidget(win)
        win.show()
        win.toggle_play()
        qtbot.waitUntil(lambda w=win: w.frames_drawn >= 2)
        win.close()
        assert running_worker_threads() == 0


def test_settings_restore_the_last_config_only_without_an_explicit_one(qtbot, tmp_path):
    path = str(tmp_path / "nnviz.ini")
    first = MainWindow(SMALL, settings=open_settings(path), dialogs=False)
    qtbot.addWidget(first)
    qtbot.waitUntil(first.is_settled)
    select(first.panel.activationCombo, "relu")
    first.panel.speedSlider.setValue(2)
    settle(qtbot, first)
    first.close()
    assert load_config(open_settings(path)).activation == "relu"
    restored = MainWindow(settings=open_settings(path), dialogs=False)
    qtbot.addWidget(restored)
    assert restored.config.activation == "relu" and restored.config.samples == 100
    qtbot.waitUntil(restored.is_settled)
    assert restored.worker.speed == 5 and restored.panel.speedLabel.text() == "5 epochs/s"
    restored.close()
    explicit = MainWindow(Config(), settings=open_settings(path), dialogs=False)
    qtbot.addWidget(explicit)
    assert explicit.config == Config()
    explicit.close()


def test_screenshot_export_and_presentation_mode(qtbot, window, tmp_path):
    path = tmp_path / "window.png"
    assert window.export_screenshot(str(path))
    assert path.read_bytes()[:4] == b"\x89PNG"
    normal = window.font().pointSizeF()
    window.set_presentation_mode(True)
    assert window.font().pointSizeF() == pytest.approx(1.5 * normal)
    assert window.status_label.font().pointSizeF() > window.font().pointSizeF()
    window.set_presentation_mode(False)
    assert window.font().pointSizeF() == pytest.approx(normal)


def test_run_app_trains_exactly_and_saves_a_screenshot(tmp_path):
    shot = tmp_path / "shot.png"
    code = (
        "from nnviz.app.run import run_app; from nnviz.core.config import Config; "
        f"raise SystemExit(run_app(Config(samples=100), epochs=57, screenshot={str(shot)!r}))"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[1],
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    metrics = json.loads(lines[0])
    assert metrics["epoch"] == 57
    assert set(metrics) == {"epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy"}
    assert 0.0 <= metrics["test_accuracy"] <= 1.0
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "QThread" not in result.stderr and "Traceback" not in result.stderr


def test_ctrl_c_in_the_terminal_closes_the_window_and_its_training(qtbot):
    win = MainWindow(SMALL, dialogs=False)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(win.is_settled)
    win.toggle_play()
    previous = signal.getsignal(signal.SIGINT)
    try:
        _close_on_interrupt(win)
        signal.raise_signal(signal.SIGINT)
        qtbot.waitUntil(lambda: not win.isVisible())
    finally:
        signal.signal(signal.SIGINT, previous)
    assert running_worker_threads() == 0


def test_a_costly_view_is_drawn_less_often_than_its_throttle_says():
    now, drawn = [0.0], []
    cost = [0.01]  # seconds the view's last drawing took
    throttle = Throttle(0.1, drawn.append, cost=lambda: cost[0], clock=lambda: now[0])
    for step in range(100):  # 1 s of frames at 100 Hz
        now[0] = step / 100
        throttle.offer(step)
    assert len(drawn) == 10  # cheap: every 0.1 s as asked
    cost[0] = 0.05  # a big diagram: at most VIEW_SHARE of the time, every 0.25 s
    drawn.clear()
    for step in range(100, 200):
        now[0] = step / 100
        throttle.offer(step)
    assert len(drawn) == 4 and throttle.interval() == pytest.approx(0.05 / VIEW_SHARE)
    throttle.flush()  # idle: the last frame is drawn whatever it costs
    assert drawn[-1] == 199
