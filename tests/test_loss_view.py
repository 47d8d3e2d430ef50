"""Loss chart: finite points survive NaN/inf, clear empties, log scale, score axis,
whole-epoch ticks, negative R²."""

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtGui import QFontMetricsF, QImage

from nnviz.app.loss_view import R2_FLOOR, TEST_COLOUR, TRAIN_COLOUR, LossView
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


def epoch_ticks(view):
    """{tick value: label} of every tick the epoch axis draws over its current range."""
    axis = view.getPlotItem().getAxis("bottom")
    x0, x1 = x_range(view)
    ticks = {}
    for spacing, values in axis.tickValues(x0, x1, axis.width()):
        for value, text in zip(values, axis.tickStrings(values, 1.0, spacing), strict=True):
            ticks[value] = text
    return ticks


def scores_history(train_score, test_score=None):
    n = len(train_score)
    test_score = train_score if test_score is None else test_score
    loss = np.linspace(1.0, 0.5, n)
    return History(np.arange(1, n + 1), loss, loss, np.asarray(train_score, float), test_score)


@pytest.mark.parametrize("epochs", [1, 2, 3, 7])
@pytest.mark.parametrize("width", [300, 600, 1600])
def test_the_epoch_axis_only_ticks_whole_epochs(view, qtbot, epochs, width):
    view.resize(width, 300)
    qtbot.waitUntil(lambda: view.width() == width)
    view.set_history(scores_history(np.linspace(0.5, 0.9, epochs)), "binary")
    ticks = epoch_ticks(view)
    assert len(ticks) >= 2, ticks
    assert all(value == round(value) for value in ticks), ticks
    assert all(text.lstrip("-").isdigit() for text in ticks.values()), ticks
    assert {0.0, float(epochs)} <= set(ticks)  # the first and the latest epoch are marked


def test_the_epoch_axis_keeps_pyqtgraph_spacing_over_many_epochs(view):
    axis = view.getPlotItem().getAxis("bottom")
    plain = pg.AxisItem("bottom")
    huge = History(np.linspace(0, 10**6, 50).astype(np.int64), *(np.linspace(1, 0.1, 50),) * 4)
    for data in (history(200), huge):  # epochs 0..1990, 0..10^6
        view.set_history(data, "binary")
        x0, x1 = x_range(view)
        spacing = axis.tickSpacing(x0, x1, axis.width())
        assert spacing == plain.tickSpacing(x0, x1, axis.width())
        assert spacing[0][0] >= 100
        assert all(value == round(value) for value in epoch_ticks(view))


def score_range(view):
    return view._scores.viewRange()[1]


def score_label(view):
    return view.getPlotItem().getAxis("right").labelText


def test_negative_r2_extends_the_score_axis_below_zero(view):
    view.set_history(scores_history([-0.4, -0.1, 0.3, 0.6, 0.8]), "regression")
    y0, y1 = score_range(view)
    assert -0.5 <= y0 <= -0.4 and 1.0 <= y1 < 1.1
    _, shown = view.train_score.getData()
    np.testing.assert_allclose(shown, [-0.4, -0.1, 0.3, 0.6, 0.8])  # drawn as they are
    assert score_label(view) == "R²"
    right = view.getPlotItem().getAxis("right")
    values = [v for _, level in right.tickValues(y0, y1, right.height()) for v in level]
    assert min(values) < 0  # the axis labels the negative part
    assert "mean" in right.toolTip()


def test_a_negative_r2_curve_is_drawn_not_cut_off(view):
    train = np.linspace(-0.6, -0.2, 100)  # never reaches 0: the old 0..1 axis drew nothing
    data = History(np.arange(100), *(np.full(100, np.nan),) * 2, train, np.full(100, np.nan))
    view.set_history(data, "regression")
    assert pixels_of(view, TRAIN_COLOUR) > 50


def test_very_negative_r2_is_drawn_at_the_floor_and_the_label_says_so(view):
    view.set_history(
        scores_history([-25.0, -3.0, -0.5, 0.4], [np.nan, -np.inf, -2.0, 0.3]), "regression"
    )
    y0, y1 = score_range(view)
    assert R2_FLOOR - 0.1 < y0 <= R2_FLOOR and 1.0 <= y1 < 1.1
    _, train = view.train_score.getData()
    np.testing.assert_allclose(train, [R2_FLOOR, R2_FLOOR, -0.5, 0.4])
    _, test = view.test_score.getData()
    assert np.isnan(test[:2]).all() and np.allclose(test[2:], [R2_FLOOR, 0.3])
    assert score_label(view) == "R² (below −1 drawn at −1)"
    view.set_history(scores_history([-0.2, 0.5]), "regression")  # nothing below the floor
    assert score_label(view) == "R²"
    assert score_range(view)[0] <= -0.2


def test_accuracy_keeps_its_0_to_1_axis(view):
    view.set_history(scores_history([-0.4, -5.0, 0.5]), "regression")
    assert score_range(view)[0] < -0.4
    for problem in ("binary", "multiclass"):
        view.set_history(scores_history([0.3, 0.5, 0.9]), problem)
        y0, y1 = score_range(view)
        assert -0.05 < y0 <= 0 and 1 <= y1 < 1.05
        assert score_label(view) == "accuracy"
    view.set_history(scores_history([-0.4, 0.5]), "regression")
    view.clear()  # a reset run starts from the plain 0..1 axis again
    y0, y1 = score_range(view)
    assert -0.05 < y0 <= 0 and 1 <= y1 < 1.05
    view.set_history(scores_history([0.2, np.nan, 0.5]), "regression")  # R² >= 0: 0..1
    y0, y1 = score_range(view)
    assert -0.05 < y0 <= 0 and score_label(view) == "R²"


def test_a_lone_epoch_0_point_shows_as_dots_until_there_is_a_line(view, qtbot):
    view.set_history(history(n=1), "binary")
    qtbot.waitUntil(lambda: pixels_of(view, TRAIN_COLOUR) > 10)  # a dot, not nothing
    assert pixels_of(view, TEST_COLOUR) > 10
    view.set_history(history(n=50), "binary")
    assert all(curve.opts["symbol"] is None for curve in view._curves())
