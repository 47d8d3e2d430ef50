"""The control panel: every setting of a run, the play/step/reset buttons and view toggles.

`ControlPanel` only translates widgets to `Config` field changes (`changed(dict)`)
and back (`set_config`).  It never talks to the trainer; the window forwards the
changes to the worker, and the worker's answer (`configChanged`) is what the
widgets finally show, so a rejected change snaps back.  Every control has a
stable objectName (tests and the README refer to them) and a tooltip.
"""

from __future__ import annotations

import math
import os

from PySide6.QtCore import QEvent, QObject, QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from nnviz.core.config import (
    CLASS_COUNT_DATASETS,
    DATASETS,
    FEATURE_LABELS,
    FEATURES,
    MAX_CLASSES,
    MAX_LAYERS,
    MAX_SAMPLES,
    MAX_WIDTH,
    MIN_CLASSES,
    Config,
    losses_for,
)
from nnviz.core.datasets import DATASET_INFO, NATURAL_SAMPLES, fit_loss_to_data
from nnviz.core.presets import PRESETS

LR_MIN, LR_MAX = 1e-5, 10.0
# Speed-slider notches, epochs per second on a 1-2-5 log scale; one more notch is unlimited.
SPEEDS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000)
SPEED_STEPS = len(SPEEDS)  # the slider position meaning unlimited
# 100 epochs/s: the default network learns circles in a few seconds that a class can follow.
DEFAULT_SPEED_POSITION = SPEEDS.index(100)
# "New data" for drawn points and for points used as they are (iris, CSV), by that flag.
REGENERATE_TIPS = {
    False: "Draw new random points (next data seed)",
    True: "Split the same points anew into training and test (next data seed)",
}
DEFAULT_WIDTH = 4  # neurons of a newly added hidden layer, as in Playground

ACTIVATION_LABELS = {
    "sigmoid": "Sigmoid",
    "tanh": "Tanh",
    "relu": "ReLU",
    "leaky_relu": "Leaky ReLU",
    "linear": "Linear",
}
LOSS_LABELS = {
    "sse": "Sum of squares (notebook)",
    "mse": "Mean squared error",
    "bce": "Binary cross-entropy",
    "ce": "Cross-entropy",
}
OPTIMIZER_LABELS = {"sgd": "Gradient descent", "momentum": "Momentum", "adam": "Adam"}
INIT_LABELS = {
    "notebook": "Uniform [0, 1) (notebook)",
    "playground": "Uniform ±0.5 (Playground)",
    "glorot": "Glorot",
    "he": "He",
}


def speed_from_position(position: int) -> float:
    """Epochs per second of a speed-slider position; 0 means unlimited."""
    if position >= SPEED_STEPS:
        return 0.0
    return float(SPEEDS[max(position, 0)])


def speed_text(epochs_per_second: float) -> str:
    """'unlimited' for 0, else e.g. '1 epoch/s', '2.5 epochs/s', '1,190 epochs/s'."""
    if epochs_per_second == 0:
        return "unlimited"
    speed = epochs_per_second
    number = f"{speed:,.0f}" if speed >= 10 else f"{speed:.2g}"
    return f"{number} {'epoch' if number == '1' else 'epochs'}/s"


class _RunKeysPassThrough(QObject):
    """Lets Space, S and R reach the window's play/step/reset shortcuts from a number field
    with keyboard focus: no number holds those characters, and after typing a value a
    user presses Space to see its effect, not to blank the field."""

    KEYS = (Qt.Key.Key_Space, Qt.Key.Key_S, Qt.Key.Key_R)

    def eventFilter(self, watched, event) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and event.key() in self.KEYS
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
        ):
            event.ignore()  # not wanted by the field: the shortcut may have it
            return True
        return False


class ControlPanel(QWidget):
    """Widgets for every setting; emits `changed` with the Config fields a user changed."""

    changed = Signal(dict)  # Config field -> new value
    speedChanged = Signal(float)  # epochs per second, 0 = unlimited
    messageShown = Signal(str)  # an input was refused; says why
    messageWithdrawn = Signal(str)  # that refusal no longer applies (a valid value came)

    def __init__(self, dataset_icons: dict[str, QIcon] | None = None, parent=None):
        super().__init__(parent)
        self.setObjectName("controlPanel")
        self._config = Config()
        self._syncing = False
        self._lr_refusal: str | None = None  # the last learning-rate refusal shown
        icons = dataset_icons or {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self._run_group())
        layout.addWidget(self._data_group(icons))
        layout.addWidget(self._feature_group())
        layout.addWidget(self._network_group())
        layout.addWidget(self._training_group())
        layout.addWidget(self._view_group())
        layout.addStretch(1)
        self.set_running(False)
        self._run_keys = _RunKeysPassThrough(self)
        for field in (*self.findChildren(QAbstractSpinBox), self.learningRateEdit):
            field.installEventFilter(self._run_keys)

    # ------------------------------------------------------------------ building
    def _run_group(self) -> QGroupBox:
        box = QGroupBox("Run")
        self.playButton = self._button("playButton", "Play", "Start or pause training (Space)")
        self.stepButton = self._button(
            "stepButton", "Step", "Train exactly one epoch (S or →)", QStyle.SP_MediaSkipForward
        )
        self.resetButton = self._button(
            "resetButton",
            "Reset",
            "Back to epoch 0 with the same initial weights (R)",
            QStyle.SP_BrowserReload,
        )
        self.speedSlider = QSlider(Qt.Horizontal)
        self.speedSlider.setObjectName("speedSlider")
        self.speedSlider.setRange(0, SPEED_STEPS)
        self.speedSlider.setPageStep(1)  # a click on the track moves one notch
        self.speedSlider.setTickPosition(QSlider.TicksBelow)
        self.speedSlider.setTickInterval(1)
        self.speedSlider.setValue(DEFAULT_SPEED_POSITION)
        self.speedSlider.setToolTip("Training speed, 1 epoch/s up to unlimited (log scale)")
        self.speedLabel = QLabel(speed_text(self.speed()))
        self.speedLabel.setObjectName("speedLabel")
        self.speedLabel.setToolTip("Current training speed")
        self._size_speed_label()
        self.speedSlider.valueChanged.connect(self._on_speed)
        buttons = QHBoxLayout()
        for button in (self.playButton, self.stepButton, self.resetButton):
            buttons.addWidget(button)
        speed = QHBoxLayout()
        speed.addWidget(QLabel("Speed"))
        speed.addWidget(self.speedSlider, 1)
        speed.addWidget(self.speedLabel)
        column = QVBoxLayout(box)
        column.addLayout(buttons)
        column.addLayout(speed)
        return box

    def _data_group(self, icons: dict[str, QIcon]) -> QGroupBox:
        box = QGroupBox("Data")
        form = QFormLayout(box)
        self.datasetCombo = QComboBox()
        self.datasetCombo.setObjectName("datasetCombo")
        self.datasetCombo.setToolTip("Which data to learn (File > Load CSV points… for your own)")
        self.datasetCombo.setIconSize(QSize(32, 32))
        for name in DATASETS:
            if name != "file":
                self.datasetCombo.addItem(icons.get(name, QIcon()), name, name)
                self.datasetCombo.setItemData(
                    self.datasetCombo.count() - 1, DATASET_INFO[name], Qt.ToolTipRole
                )
        self.datasetCombo.currentIndexChanged.connect(self._on_dataset)
        self.classesSpin = self._spin(
            "classesSpin", MIN_CLASSES, MAX_CLASSES, "Number of classes (blobs and arms only)"
        )
        self.classesSpin.valueChanged.connect(lambda v: self._emit(classes=v))
        self.samplesSpin = self._spin(
            "samplesSpin",
            0,
            MAX_SAMPLES,
            "Number of points (train + test); the lowest setting is the dataset's own size",
            step=10,
        )
        self.samplesSpin.valueChanged.connect(lambda v: self._emit(samples=v or None))
        self.noiseSlider = QSlider(Qt.Horizontal)
        self.noiseSlider.setObjectName("noiseSlider")
        self.noiseSlider.setRange(0, 50)
        self.noiseSlider.setTracking(False)  # regenerate on release, not on every pixel
        self.noiseSlider.setToolTip("Noise added to the points, 0-50 %")
        self.noiseSpin = self._spin("noiseSpin", 0, 50, "Noise added to the points", " %")
        self.noiseSlider.sliderMoved.connect(self._show_noise)
        self.noiseSlider.valueChanged.connect(self._on_noise)
        self.noiseSpin.valueChanged.connect(self._on_noise)
        noise = QHBoxLayout()
        noise.addWidget(self.noiseSlider, 1)
        noise.addWidget(self.noiseSpin)
        self.trainRatioSpin = self._spin(
            "trainRatioSpin", 10, 90, "Share of the points used for training", " %"
        )
        self.trainRatioSpin.valueChanged.connect(lambda v: self._emit(train_ratio=v / 100))
        self.regenerateButton = self._button("regenerateButton", "New data", REGENERATE_TIPS[False])
        form.addRow("Dataset", self.datasetCombo)
        form.addRow("Classes", self.classesSpin)
        form.addRow("Points", self.samplesSpin)
        form.addRow("Noise", noise)
        form.addRow("Train split", self.trainRatioSpin)
        form.addRow(self.regenerateButton)
        return box

    def _feature_group(self) -> QGroupBox:
        box = QGroupBox("Input features")
        grid = QGridLayout(box)
        self.featureChecks: dict[str, QCheckBox] = {}
        for k, name in enumerate(FEATURES):
            check = QCheckBox(FEATURE_LABELS[name])
            check.setObjectName(f"featureCheck_{name}")
            check.setToolTip(f"Feed {FEATURE_LABELS[name]} to the network")
            check.toggled.connect(self._on_features)
            self.featureChecks[name] = check
            grid.addWidget(check, k // 4, k % 4)
        return box

    def _network_group(self) -> QGroupBox:
        box = QGroupBox("Network")
        form = QFormLayout(box)
        self.hiddenLayersSpin = self._spin(
            "hiddenLayersSpin", 0, MAX_LAYERS, "Number of hidden layers"
        )
        self.hiddenLayersSpin.valueChanged.connect(self._on_hidden)
        widths = QGridLayout()
        self.widthSpins: list[QSpinBox] = []
        for k in range(MAX_LAYERS):
            name = "hiddenSpin" if k == 0 else f"hiddenSpin_{k + 1}"
            spin = self._spin(name, 1, MAX_WIDTH, f"Neurons in hidden layer {k + 1}")
            spin.setValue(DEFAULT_WIDTH)
            spin.valueChanged.connect(self._on_hidden)
            self.widthSpins.append(spin)
            widths.addWidget(spin, k // 4, k % 4)
        self.hiddenSpin = self.widthSpins[0]
        self.activationCombo = self._combo(
            "activationCombo", "activation", ACTIVATION_LABELS, "Activation of the hidden neurons"
        )
        # The loss shapes the output layer's gradient: changing it rebuilds, so it sits here.
        self.lossCombo = self._combo("lossCombo", "loss", LOSS_LABELS, "The loss to minimise")
        self.initCombo = self._combo(
            "initCombo", "init", INIT_LABELS, "How the initial weights are drawn"
        )
        self.reseedButton = self._button(
            "reseedButton", "New weights", "Draw new initial weights (next weight seed)"
        )
        form.addRow("Hidden layers", self.hiddenLayersSpin)
        form.addRow("Neurons", widths)
        form.addRow("Activation", self.activationCombo)
        form.addRow("Loss", self.lossCombo)
        form.addRow("Initial weights", self.initCombo)
        self.presetButton = self._button(
            "presetButton",
            "Recommended",
            "Inputs, layers and training settings known to learn this dataset",
        )
        self.presetButton.clicked.connect(self._on_preset)
        buttons = QHBoxLayout()
        buttons.addWidget(self.reseedButton)
        buttons.addWidget(self.presetButton)
        form.addRow(buttons)
        return box

    def _training_group(self) -> QGroupBox:
        box = QGroupBox("Training (changes keep the weights)")
        form = QFormLayout(box)
        self.optimizerCombo = self._combo(
            "optimizerCombo", "optimizer", OPTIMIZER_LABELS, "How the weights are updated"
        )
        self.learningRateEdit = QLineEdit()
        self.learningRateEdit.setObjectName("learningRateEdit")
        self.learningRateEdit.setToolTip(
            f"Learning rate, {LR_MIN:g} to {LR_MAX:g}; type a number and press Enter"
        )
        self.learningRateEdit.editingFinished.connect(self._on_learning_rate)
        self.momentumSpin = self._rate_spin(
            "momentumSpin", "Momentum: the share of the last update kept (momentum optimizer)"
        )
        self.momentumSpin.setRange(0.0, 0.999)
        self.momentumSpin.setDecimals(3)
        self.momentumSpin.setSingleStep(0.05)
        self.momentumSpin.valueChanged.connect(lambda v: self._emit(momentum=v))
        self.batchSizeSpin = self._spin(
            "batchSizeSpin", 0, MAX_SAMPLES, "Points per update; 'full' uses all training points"
        )
        self.batchSizeSpin.setSpecialValueText("full")
        self.batchSizeSpin.valueChanged.connect(lambda v: self._emit(batch_size=v or None))
        self.l1Spin = self._rate_spin("l1Spin", "L1 regularization rate (pushes weights to 0)")
        self.l1Spin.valueChanged.connect(lambda v: self._emit(l1=v))
        self.l2Spin = self._rate_spin("l2Spin", "L2 regularization rate (weight decay)")
        self.l2Spin.valueChanged.connect(lambda v: self._emit(l2=v))
        form.addRow("Optimizer", self.optimizerCombo)
        form.addRow("Learning rate", self.learningRateEdit)
        form.addRow("Momentum", self.momentumSpin)
        form.addRow("Batch size", self.batchSizeSpin)
        form.addRow("L1", self.l1Spin)
        form.addRow("L2", self.l2Spin)
        return box

    def _view_group(self) -> QGroupBox:
        box = QGroupBox("View")
        row = QHBoxLayout(box)
        self.showTestCheck = self._check("showTestCheck", "Test points", "Show the test points")
        self.discretizeCheck = self._check(
            "discretizeCheck", "Discretize", "Show hard class decisions instead of shades"
        )
        self.lossScaleCheck = self._check(
            "lossScaleCheck", "Log loss", "Logarithmic scale for the loss plot"
        )
        self.showTestCheck.setChecked(True)
        for check in (self.showTestCheck, self.discretizeCheck, self.lossScaleCheck):
            row.addWidget(check)
        return box

    def _button(self, name: str, text: str, tip: str, icon=None) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setToolTip(tip)
        if icon is not None:
            button.setIcon(self.style().standardIcon(icon))
        # Keyboard focus stays elsewhere so Space reaches the window's play shortcut.
        button.setFocusPolicy(Qt.TabFocus)
        return button

    def _spin(self, name: str, low: int, high: int, tip: str, suffix="", step=1) -> QSpinBox:
        spin = QSpinBox()
        spin.setObjectName(name)
        spin.setRange(low, high)
        spin.setSingleStep(step)
        spin.setSuffix(suffix)
        spin.setToolTip(tip)
        spin.setKeyboardTracking(False)  # one change per finished number, not per digit
        return spin

    def _rate_spin(self, name: str, tip: str) -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setObjectName(name)
        spin.setRange(0.0, 10.0)
        spin.setDecimals(4)
        spin.setSingleStep(0.001)
        spin.setToolTip(tip)
        spin.setKeyboardTracking(False)
        return spin

    def _combo(self, name: str, field: str, labels: dict, tip: str) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(name)
        combo.setToolTip(tip)
        for value, label in labels.items():
            combo.addItem(label, value)
        combo.currentIndexChanged.connect(lambda _: self._emit(**{field: combo.currentData()}))
        return combo

    def _check(self, name: str, text: str, tip: str) -> QCheckBox:
        check = QCheckBox(text)
        check.setObjectName(name)
        check.setToolTip(tip)
        return check

    # ------------------------------------------------------------------ widgets -> changes
    def _emit(self, **changes) -> None:
        if not self._syncing and changes:
            self.changed.emit(changes)

    def _on_dataset(self, _index: int) -> None:
        name = self.datasetCombo.currentData()
        if name is None or name == self._config.dataset:
            return
        self._emit(**fit_loss_to_data(self._config, {"dataset": name}))

    def _on_preset(self) -> None:
        preset = PRESETS.get(self._config.dataset, {})
        self._emit(**{k: v for k, v in preset.items() if getattr(self._config, k) != v})

    def _show_noise(self, percent: int) -> None:
        with QSignalBlocker(self.noiseSpin):
            self.noiseSpin.setValue(percent)

    def _on_noise(self, percent: int) -> None:
        for widget in (self.noiseSlider, self.noiseSpin):
            with QSignalBlocker(widget):
                widget.setValue(percent)
        self._emit(noise=percent / 100)

    def _on_features(self) -> None:
        chosen = tuple(name for name in FEATURES if self.featureChecks[name].isChecked())
        self._emit(features=chosen)

    def _on_hidden(self) -> None:
        layers = self.hiddenLayersSpin.value()
        self._enable_width_spins(layers)
        self._emit(hidden=tuple(spin.value() for spin in self.widthSpins[:layers]))

    def _enable_width_spins(self, layers: int) -> None:
        for k, spin in enumerate(self.widthSpins):
            spin.setEnabled(k < layers)

    def _on_learning_rate(self) -> None:
        text = self.learningRateEdit.text().strip()
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not LR_MIN <= value <= LR_MAX:  # NaN fails too
            self.learningRateEdit.setText(f"{self._config.lr:g}")
            self._lr_refusal = (
                f"Learning rate: {text!r} is not a number from {LR_MIN:g} to {LR_MAX:g}; "
                f"keeping {self._config.lr:g}"
            )
            self.messageShown.emit(self._lr_refusal)
            return
        if self._lr_refusal is not None:
            self.messageWithdrawn.emit(self._lr_refusal)
            self._lr_refusal = None
        if value != self._config.lr:
            self._emit(lr=value)

    def _size_speed_label(self) -> None:
        # As wide as the widest speed, so the slider does not jump while it moves.
        width = self.fontMetrics().horizontalAdvance
        self.speedLabel.setMinimumWidth(max(width(speed_text(v)) for v in (*SPEEDS, 0)))

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._size_speed_label()

    def _on_speed(self, position: int) -> None:
        speed = speed_from_position(position)
        self.speedLabel.setText(speed_text(speed))
        self.speedChanged.emit(speed)

    def speed(self) -> float:
        """The speed the slider shows, epochs per second (0: unlimited)."""
        return speed_from_position(self.speedSlider.value())

    # ------------------------------------------------------------------ config -> widgets
    def set_running(self, running: bool) -> None:
        self.playButton.setText("Pause" if running else "Play")
        icon = QStyle.SP_MediaPause if running else QStyle.SP_MediaPlay
        self.playButton.setIcon(self.style().standardIcon(icon))

    def set_config(self, config: Config, problem: str) -> None:
        """Show ``config`` (the trainer's, after any change) without emitting anything."""
        self._config = config
        self._syncing = True
        try:
            self._show_dataset(config)
            self.presetButton.setEnabled(config.dataset in PRESETS)
            self.classesSpin.setValue(config.classes)
            self.classesSpin.setEnabled(config.dataset in CLASS_COUNT_DATASETS)
            natural = NATURAL_SAMPLES.get(config.dataset)
            self.samplesSpin.setSpecialValueText(f"auto ({natural})" if natural else "all")
            self.samplesSpin.setValue(config.samples or 0)
            self._on_noise(round(config.noise * 100))
            # iris and CSV points are used as they are: no count to choose, no noise to add.
            for widget in (self.samplesSpin, self.noiseSlider, self.noiseSpin):
                widget.setEnabled(natural is not None)
            self.regenerateButton.setToolTip(REGENERATE_TIPS[natural is None])
            self.trainRatioSpin.setValue(round(config.train_ratio * 100))
            for name, check in self.featureChecks.items():
                check.setChecked(name in config.features)
            self.hiddenLayersSpin.setValue(len(config.hidden))
            for spin, width in zip(
                self.widthSpins, config.hidden, strict=False
            ):  # hidden is shorter
                spin.setValue(width)
            self._enable_width_spins(len(config.hidden))
            self._show_losses(problem, config.loss)
            for combo, value in (
                (self.activationCombo, config.activation),
                (self.initCombo, config.init),
                (self.optimizerCombo, config.optimizer),
            ):
                combo.setCurrentIndex(combo.findData(value))
            self.learningRateEdit.setText(f"{config.lr:g}")
            self.batchSizeSpin.setValue(config.batch_size or 0)
            self.momentumSpin.setValue(config.momentum)
            self.momentumSpin.setEnabled(config.optimizer == "momentum")
            self.l1Spin.setValue(config.l1)
            self.l2Spin.setValue(config.l2)
        finally:
            self._syncing = False

    def _show_dataset(self, config: Config) -> None:
        combo = self.datasetCombo
        file_index = combo.findData("file")
        if config.dataset == "file":
            text = f"CSV: {os.path.basename(config.data_file or '')}"
            if file_index < 0:
                combo.addItem(text, "file")
                file_index = combo.count() - 1
            combo.setItemText(file_index, text)
            combo.setItemData(file_index, config.data_file, Qt.ToolTipRole)
        elif file_index >= 0:
            combo.removeItem(file_index)
        combo.setCurrentIndex(combo.findData(config.dataset))

    def _show_losses(self, problem: str, loss: str) -> None:
        combo = self.lossCombo
        combo.clear()
        for name in losses_for(problem):
            combo.addItem(LOSS_LABELS[name], name)
        combo.setCurrentIndex(combo.findData(loss))
