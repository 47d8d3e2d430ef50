"""Loss chart: finite points survive NaN/inf, clear empties, log scale, score axis."""

import numpy as np
import pytest
from PySide6.QtGui import QFontMetricsF, QImage

from nnviz.app.loss_view import TEST_COLOUR, TRAIN_COLOUR, LossView
from nnviz.core.snapshot import History


def history(n=100, broken=(), scores=True):
    """Decaying losses; ``broken`` sets (index, value) in both; no scores: NaN (not drawn)."""
    epochs = np.arange(n) * 10
    train = 1.0 / (1.0 + np.arange(n))
    test = 1.2 * train
    train, test = train.copy(), test.copy()
    for index, value in broken:
        train[index] = value
        test[index] = value
    score = np.linspace(0.5, 0.95, n) if scores else np.full(n, np.nan)
    return History(epochs, train, test, score, score - 0.05)


@pytest.fixture
def view(qtbot):
    widget = LossView()
    qtbot.addWidget(widget)
    widget.resize(600, 300)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def pixels_of(view, colour) -> int:
    """How many pixels inside the plot area (legend excluded) are (nearly) ``colour``."""
    area = view.mapFromScene(view.getPlotItem().vb.sceneBoundingRect()).boundingRect()
    image = view.grab(area).toImage().convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1)
    rgb = rows[:, : image.width() * 3].reshape(image.height(), image.width(), 3).astype(int)
    return int(np.count_nonzero(np.all(np.abs(rgb - colour) <= 12, axis=-1)))


def test_curves_keep_their_finite_points_around_nan_and_inf(view):
    broken = [(10, np.nan), (40, np.inf), (41, -np.inf)]
    view.set_history(history(broken=broken, scores=False), "binary")
    assert view.point_count() == 100
    xs, ys = view.train_loss.getData()
    assert np.count_nonzero(np.isfinite(ys)) == 97
    assert np.all(np.isfinite(view.getPlotItem().vb.viewRange()))
    broken_pixels = pixels_of(view, TRAIN_COLOUR), pixels_of(view, TEST_COLOUR)
    view.set_history(history(scores=False), "binary")
    clean_pixels = pixels_of(view, TRAIN_COLOUR), pixels_of(view, TEST_COLOUR)
    assert min(clean_pixels) > 50
    for broken_count, clean_count in zip(broken_pixels, clean_pixels, strict=True):
        assert broken_count > 0.8 * clean_count  # only the gaps are missing


def test_an_all_nan_history_draws_nothing_and_does_not_fail(view):
    view.set_history(history(broken=[(i, np.nan) for i in range(100)], scores=False), "binary")
    assert view.point_count() == 100
    assert pixels_of(view, TRAIN_COLOUR) < 10


def test_clear_empties_every_curve(view):
    view.set_history(history(), "binary")
    assert view.point_count() == 100
    view.clear()
    assert view.point_count() == 0
    assert pixels_of(view, TRAIN_COLOUR) < 10
    assert view.getPlotItem().items  # the curves themselves stay in the plot
    view.set_history(history(20), "binary")
    assert view.point_count() == 20


def test_log_scale_shows_log10_of_the_loss_and_leaves_the_score_axis_linear(view):
    data = history()
    view.set_history(data, "binary")
    view.set_log_scale(True)
    _, shown = view.train_loss.getData()
    np.testing.assert_allclose(shown, np.log10(data.train_loss))
    assert view.getPlotItem().getAxis("left").logMode
    assert not view.getPlotItem().getAxis("right").logMode
    view.set_log_scale(False)
    _, shown = view.train_loss.getData()
    np.testing.assert_allclose(shown, data.train_loss)


def test_the_score_axis_names_accuracy_or_r2(view):
    view.set_history(history(), "binary")
    assert view.getPlotItem().getAxis("right").labelText == "accuracy"
    view.set_history(history(), "regression")
    assert view.getPlotItem().getAxis("right").labelText == "R²"
    _, train_score = view.train_score.getData()
    np.testing.assert_allclose(train_score, history().train_score)


def test_text_follows_the_widget_font_and_the_legend_wraps_when_narrow(view, qtbot):
    view.set_history(history(), "binary")
    assert view.legend.columnCount == 4
    one_row = view.legend.height()
    font = view.font()
    font.setPointSizeF(font.pointSizeF() * 2)
    view.setFont(font)
    assert view.getPlotItem().getAxis("left").style["tickFont"].pointSizeF() == font.pointSizeF()
    view.resize(300, 300)
    qtbot.waitUntil(lambda: view.legend.columnCount == 2)
    assert view.legend.height() > 1.5 * one_row


def x_range(view):
    return view.getPlotItem().vb.viewRange()[0]


def test_the_epoch_axis_spans_the_drawn_epochs_even_after_clear(view, qtbot):
    view.set_history(history(200), "binary")  # epochs 0..1990
    x0, x1 = x_range(view)
    assert x0 <= 0 and 1990 <= x1 < 2100
    view.clear()
    x0, x1 = x_range(view)
    assert -0.1 < x0 <= 0 and 1 <= x1 < 1.1
    short = History(np.arange(1, 6), *(np.linspace(0.7, 0.6, 5),) * 2, *(np.full(5, 0.5),) * 2)
    view.set_history(short, "binary")
    x0, x1 = x_range(view)
    assert -0.5 < x0 <= 0 and 5 <= x1 < 5.5

    def loss_axis_fits_the_new_data():  # pyqtgraph auto-ranges when it next paints
        y0, y1 = view.getPlotItem().vb.viewRange()[1]
        return y0 <= 0.6 and y1 >= 0.7 and y1 - y0 < 0.15

    qtbot.waitUntil(loss_axis_fits_the_new_data)


def labelled_ticks(axis, low, high, pixels):
    """(pixel position, text) of every tick the axis labels over low..high (log10 units)."""
    axis.setRange(low, high)
    out = []
    for spacing, values in axis.tickValues(low, high, pixels):
        for value, text in zip(values, axis.tickStrings(values, 1.0, spacing), strict=True):
            if text:
                out.append((pixels * (value - low) / (high - low), text))
    return sorted(out)


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (-0.6, -0.15, {"0.3", "0.4", "0.5", "0.6", "0.7"}),  # under a decade: every digit
        (-1.3, -0.05, {"0.1", "0.2", "0.3", "0.5"}),  # 0.6 .. 0.9 would crowd
        (-4.2, 0.1, {"0.0001", "0.001", "0.01", "0.1", "1"}),
    ],
    ids=["half a decade", "one decade", "four decades"],
)
def test_log_loss_labels_never_crowd(view, low, high, expected):
    view.set_log_scale(True)
    axis = view.getPlotItem().getAxis("left")
    font_height = QFontMetricsF(axis.style["tickFont"] or axis.font()).height()
    ticks = labelled_ticks(axis, low, high, axis.size().height())
    texts = {text for _, text in ticks}
    assert expected <= texts, texts
    gaps = np.diff([position for position, _ in ticks])
    assert len(gaps) and gaps.min() >= font_height
