"""A seeded random "monkey" clicks and types into every control while training runs.

Afterwards, paused, nothing may have raised (pytest-qt fails the test on any
exception inside a Qt slot) and every view must match the trainer exactly.
"""

import random

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from nnviz.app.main_window import MainWindow
from nnviz.core.config import Config

ACTIONS = 300
LEARNING_RATES = ("0.1", "abc", "-1", "1e9", "", "0.00001", "3", "nan", "inf", "1e-7", "0.03")
SPIN_TEXT = ("abc", "-5", "99999", "", "1e3", "12")


def monkey_actions(qtbot, win, rng: random.Random):
    """Callables that each do one random user action (bad input included)."""
    panel = win.panel
    combos = [panel.datasetCombo, panel.activationCombo, panel.lossCombo]
    combos += [panel.optimizerCombo, panel.initCombo]
    # Bounded sizes keep each epoch cheap; the full ranges are tested elsewhere.
    spins = [
        (panel.samplesSpin, 20, 300),
        (panel.classesSpin, 3, 5),
        (panel.noiseSpin, 0, 50),
        (panel.trainRatioSpin, 10, 90),
        (panel.batchSizeSpin, 0, 40),
        (panel.hiddenLayersSpin, 0, 4),
        *((spin, 1, 6) for spin in panel.widthSpins),
    ]
    checks = [*panel.featureChecks.values(), panel.showTestCheck]
    checks += [panel.discretizeCheck, panel.lossScaleCheck]
    buttons = [panel.playButton, panel.stepButton, panel.resetButton]
    buttons += [panel.regenerateButton, panel.reseedButton]

    def pick_combo():
        combo = rng.choice(combos)
        combo.setCurrentIndex(rng.randrange(combo.count()))

    def set_spin():
        spin, low, high = rng.choice(spins)
        spin.setValue(rng.randint(low, high))

    def type_into_spin():
        spin, _, _ = rng.choice(spins)
        spin.lineEdit().selectAll()
        qtbot.keyClicks(spin.lineEdit(), rng.choice(SPIN_TEXT))
        qtbot.keyClick(spin.lineEdit(), Qt.Key_Return)

    def type_learning_rate():
        edit = panel.learningRateEdit
        edit.clear()
        qtbot.keyClicks(edit, rng.choice(LEARNING_RATES))
        qtbot.keyClick(edit, Qt.Key_Return)

    def hover_neuron():
        focus = rng.choice([None, (0, 0), (1, rng.randrange(8)), (rng.randrange(-1, 6), 0)])
        win.network_view.neuronHovered.emit(focus)

    def edit_param():
        value = rng.choice([rng.uniform(-3, 3), float("nan"), 1e300])
        args = (rng.randrange(-1, 4), rng.choice("wbx"), rng.randrange(3), rng.randrange(3))
        win.network_view.paramEdited.emit(*args, value)

    return [
        pick_combo,
        set_spin,
        type_into_spin,
        type_learning_rate,
        lambda: rng.choice(checks).toggle(),
        lambda: rng.choice(buttons).click(),
        lambda: panel.speedSlider.setValue(rng.randint(0, panel.speedSlider.maximum())),
        hover_neuron,
        edit_param,
    ]


def test_monkey_leaves_views_matching_the_trainer(qtbot):
    win = MainWindow(Config(samples=100), dialogs=False)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(win.is_settled)
    rng = random.Random(20240607)
    actions = monkey_actions(qtbot, win, rng)
    win.toggle_play()
    for _ in range(ACTIONS):
        rng.choice(actions)()
        QApplication.processEvents()
    win.pause()
    qtbot.waitUntil(win.is_settled, timeout=30000)

    trainer, snap = win.trainer, win.shown_snapshot
    assert snap.epoch == trainer.epoch
    assert win.status_label.text().startswith(f"Epoch {trainer.epoch:,}")
    history = trainer.history.view()
    assert win.loss_view.point_count() == len(history.epochs) == len(snap.history.epochs)
    if trainer.epoch:
        assert history.epochs[-1] == trainer.epoch
    assert snap.layer_sizes == trainer.layer_sizes
    assert win.config == trainer.config
    panel, config = win.panel, trainer.config
    assert panel.datasetCombo.currentData() == config.dataset
    assert panel.hiddenLayersSpin.value() == len(config.hidden)
    assert [s.value() for s in panel.widthSpins[: len(config.hidden)]] == list(config.hidden)
    assert panel.learningRateEdit.text() == f"{config.lr:g}"
    assert panel.lossCombo.currentData() == config.loss
    assert panel.playButton.text() == "Play"
    win.close()
