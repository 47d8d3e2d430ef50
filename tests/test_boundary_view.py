"""Boundary heatmap: pixel alignment, fixed levels, NaN colour, classes, discretize, points."""

import numpy as np
import pytest
from PySide6.QtCore import QPointF

from nnviz.app import palette
from nnviz.app.boundary_view import BoundaryView
from nnviz.app.dataset_preview import preview_icon
from nnviz.core import Config, Trainer
from nnviz.core.datasets import Dataset
from nnviz.core.snapshot import Grid, Snapshot

# Different lengths and ranges on the two axes, so a transposition cannot hide.
XS = np.linspace(-3.0, 5.0, 150)
YS = np.linspace(-2.0, 1.0, 160)


def asymmetric(x, y):
    return 1.0 / (1.0 + np.exp(-(3.0 * x - 0.5 * y + 1.0)))


def grid_of(function, xs=XS, ys=YS) -> Grid:
    gx, gy = np.meshgrid(xs, ys)  # rows follow y
    return Grid(xs, ys, function(gx, gy))


def snapshot(grid, problem="binary", sizes=(2, 3, 1), focus=None):
    return Snapshot(
        epoch=0,
        metrics={},
        params=[],
        layer_sizes=sizes,
        feature_names=("x1", "x2"),
        problem=problem,
        boundary=grid,
        focus=focus,
    )


def dataset(problem="binary", n_classes=2, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform([-3, -2], [5, 1], size=(40, 2))
    y = np.tanh(x[:, 0]) if problem == "regression" else np.arange(40) % n_classes
    return Dataset("test", problem, n_classes, x[:30], y[:30], x[30:], y[30:])


@pytest.fixture
def view(qtbot):
    widget = BoundaryView()
    qtbot.addWidget(widget)
    widget.resize(640, 480)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def nearest_grid_value(values, x, y):
    j = int(np.argmin(np.abs(XS - x)))
    i = int(np.argmin(np.abs(YS - y)))
    return values[i, j], i, j


def screen_colour(view, x, y):
    """The rendered colour at plot coordinate (x, y)."""
    scene = view.getPlotItem().vb.mapViewToScene(QPointF(x, y))
    pixel = view.mapFromScene(scene)
    return view.grab().toImage().pixelColor(pixel).getRgb()[:3]


def test_value_at_follows_the_grid_exactly(view):
    grid = grid_of(asymmetric)
    view.set_snapshot(snapshot(grid))
    rng = np.random.default_rng(1)
    xs = rng.uniform(XS[0], XS[-1], 400)
    ys = rng.uniform(YS[0], YS[-1], 400)
    for x, y in zip(xs, ys, strict=True):
        expected, _, _ = nearest_grid_value(grid.values, x, y)
        assert view.value_at(x, y) == expected
    assert np.isnan(view.value_at(XS[-1] + 1.0, 0.0))


def rgb_of(words: np.ndarray) -> np.ndarray:
    """(..., 3) red, green, blue of ARGB words."""
    return np.stack([(words >> shift) & 0xFF for shift in (16, 8, 0)], axis=-1)


def test_the_image_pixels_hold_the_colour_index_of_their_grid_point(view):
    grid = grid_of(asymmetric)
    view.set_snapshot(snapshot(grid))
    image = view.shown_indices
    assert image.shape == grid.values.shape  # row-major: rows are y
    np.testing.assert_array_equal(view.image_item.image, palette.heatmap_words()[image])
    rng = np.random.default_rng(2)
    for x, y in zip(rng.uniform(XS[0], XS[-1], 200), rng.uniform(YS[0], YS[-1], 200), strict=True):
        expected, i, j = nearest_grid_value(grid.values, x, y)
        cell = view.image_item.mapFromView(QPointF(x, y))
        assert (int(cell.y()), int(cell.x())) == (i, j)
        assert image[i, j] == palette.value_indices(expected, 0.0, 1.0)


def test_rendered_pixels_show_the_fixed_scale_colour(view):
    view.getPlotItem().vb.setRange(xRange=(XS[0], XS[-1]), yRange=(YS[0], YS[-1]), padding=0)
    grid = grid_of(asymmetric)
    view.set_snapshot(snapshot(grid))
    lut = palette.heatmap_lut()
    for j, i in [(10, 20), (75, 80), (140, 150), (60, 5)]:
        expected = lut[palette.value_indices(grid.values[i, j], 0.0, 1.0), :3]
        assert screen_colour(view, XS[j], YS[i]) == tuple(int(c) for c in expected)


def test_nan_cells_take_the_nan_colour(view):
    grid = grid_of(asymmetric)
    values = grid.values.copy()
    values[100:130, 20:60] = np.nan
    view.getPlotItem().vb.setRange(xRange=(XS[0], XS[-1]), yRange=(YS[0], YS[-1]), padding=0)
    view.set_snapshot(snapshot(Grid(XS, YS, values)))
    assert np.all(view.shown_indices[100:130, 20:60] == palette.NAN_INDEX)
    assert np.count_nonzero(view.shown_indices == palette.NAN_INDEX) == 30 * 40
    assert screen_colour(view, XS[40], YS[115]) == palette.NAN_RGB
    assert np.isnan(view.value_at(XS[40], YS[115]))


def test_levels_stay_fixed_whatever_the_value_range(view):
    shifted = grid_of(lambda x, y: 0.5 + 0.0 * x)
    for scale, offset in [(0.1, 0.0), (0.05, 0.9), (10.0, -5.0), (1.0, 0.0)]:
        values = offset + scale * asymmetric(*np.meshgrid(XS, YS))
        values[0, 0] = 0.5  # one cell always exactly on the threshold
        values[0, 1] = 0.25
        view.set_snapshot(snapshot(Grid(XS, YS, values)))
        assert view.levels == (0.0, 1.0)
        assert view.shown_indices[0, 0] == palette.NEUTRAL_INDEX
        assert view.shown_indices[0, 1] == palette.value_indices(0.25, 0.0, 1.0)
    view.set_snapshot(snapshot(shifted))
    assert np.all(view.shown_indices == palette.NEUTRAL_INDEX)


def test_regression_uses_minus_one_to_one_with_zero_neutral(view):
    view.set_snapshot(snapshot(grid_of(lambda x, y: np.tanh(x - 1)), problem="regression"))
    assert view.levels == (-1.0, 1.0)
    j = int(np.argmin(np.abs(XS - 1.0)))
    assert view.shown_indices[7, j] == palette.value_indices(np.tanh(XS[j] - 1), -1, 1)
    assert view.shown_indices[7, 0] < palette.NEUTRAL_INDEX < view.shown_indices[7, -1]


def test_multiclass_pixels_are_the_likeliest_class_paled_by_doubt(view):
    def probabilities(x, y):
        scores = np.stack([x, y, -x - y], axis=-1)
        e = np.exp(scores - scores.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    grid = grid_of(probabilities)
    values = grid.values.copy()
    values[3, 4] = np.nan
    view.set_snapshot(snapshot(Grid(XS, YS, values), "multiclass", (2, 4, 3)))
    image = rgb_of(view.image_item.image)
    assert view.shown_indices is None
    assert image.shape == (len(YS), len(XS), 3)
    i, j = 50, 120
    likeliest = int(np.argmax(values[i, j]))
    strength = palette.HEAT_STRENGTH * values[i, j].max()
    expected = np.rint(palette.toward_white(palette.class_rgb(3)[likeliest], strength))
    assert image[i, j, :3].tolist() == expected.tolist()
    assert tuple(image[3, 4, :3]) == palette.NAN_RGB
    assert view.value_at(XS[j], YS[i]) == likeliest
    view.set_discretize(True)
    full = np.rint(palette.toward_white(palette.class_rgb(3)[likeliest], palette.HEAT_STRENGTH))
    assert rgb_of(view.image_item.image)[i, j].tolist() == full.tolist()


def test_discretize_redraws_the_last_snapshot_with_two_colours(view):
    view.set_snapshot(snapshot(grid_of(asymmetric)))
    assert len(np.unique(view.shown_indices)) > 50
    view.set_discretize(True)
    top = palette.SCALE_STEPS - 1
    assert set(np.unique(view.shown_indices).tolist()) == {0, top}
    x_on_blue = 3.0  # asymmetric > 0.5 there for every y in range
    assert view.shown_indices[80, int(np.argmin(np.abs(XS - x_on_blue)))] == top
    view.set_discretize(False)
    assert len(np.unique(view.shown_indices)) > 50


def test_focus_shows_the_neuron_with_its_layer_levels_and_a_caption(view):
    grid = grid_of(lambda x, y: np.tanh(x + y))
    view.set_snapshot(snapshot(grid, sizes=(2, 3, 1), focus=(1, 2)))
    assert view.levels == (-1.0, 1.0)
    assert "neuron 3 of hidden layer 1" in view.caption.toPlainText()
    view.set_snapshot(snapshot(grid_of(asymmetric)))
    assert view.levels == (0.0, 1.0)
    assert not view.caption.isVisible()


def test_set_data_fixes_the_view_to_the_bounds(view):
    data = dataset()
    view.set_data(data)
    xmin, xmax, ymin, ymax = data.bounds
    (x0, x1), (y0, y1) = view.getPlotItem().vb.viewRange()
    # Exactly the bounds on both axes (no locked aspect adding empty bands to one of them).
    np.testing.assert_allclose([x0, x1, y0, y1], [xmin, xmax, ymin, ymax], atol=1e-9)
    before = view.getPlotItem().vb.viewRange()
    view.set_snapshot(
        snapshot(grid_of(asymmetric, np.linspace(-9, 9, 150), np.linspace(-9, 9, 150)))
    )
    assert view.getPlotItem().vb.viewRange() == before


def test_points_show_classes_and_test_points_toggle(view):
    data = dataset("multiclass", 3)
    view.set_data(data)
    train = view.train_points.data
    assert len(train) == 30 and len(view.test_points.data) == 10
    colours = palette.class_colors(3)
    for spot, label in zip(view.train_points.points(), data.y_train, strict=True):
        assert spot.brush().color().rgb() == colours[label].rgb()
    # Test points: hollow squares, a ring in the opaque class colour with a dark outline.
    for spot, label in zip(view.test_points.points(), data.y_test, strict=True):
        assert spot.brush().color().rgb() == colours[label].rgb()
        assert spot.brush().color().alpha() == 255
        assert spot.pen().color().lightness() < 60
    ring = view.test_points.opts["symbol"]
    assert not ring.contains(QPointF(0.0, 0.0))  # the heatmap shows through the middle
    assert ring.contains(QPointF(0.4, 0.0)) and ring.contains(QPointF(0.0, -0.4))

    def legend_names():
        return [label.text for _, label in view.legend.items]

    assert legend_names() == ["class 0", "class 1", "class 2", "train", "test"]
    view.set_show_test(False)
    assert not view.test_points.isVisible()
    assert legend_names()[-1] == "train"  # no legend for points not shown
    view.set_show_test(True)
    assert view.test_points.isVisible() and legend_names()[-1] == "test"


def test_regression_points_are_coloured_by_value(view):
    data = dataset("regression", 1)
    view.set_data(data)
    sides = {"blue": 0, "orange": 0}
    for spot, value in zip(view.train_points.points(), data.y_train, strict=True):
        colour = spot.brush().color()
        if value > 0.3:
            assert colour.blue() > colour.red()
            sides["blue"] += 1
        elif value < -0.3:
            assert colour.red() > colour.blue()
            sides["orange"] += 1
    assert min(sides.values()) >= 5


def test_the_nan_note_appears_only_with_nan(view):
    values = grid_of(asymmetric).values.copy()
    view.set_snapshot(snapshot(Grid(XS, YS, values)))
    assert not view.nan_note.isVisible()
    values[0, 0] = np.nan
    view.set_snapshot(snapshot(Grid(XS, YS, values)))
    assert view.nan_note.isVisible()


def test_preview_icon_draws_the_points_in_class_colours(qapp):
    data = dataset("multiclass", 3)
    image = preview_icon(data, 48).pixmap(48, 48).toImage()
    assert (image.width(), image.height()) == (48, 48)
    found = {image.pixelColor(x, y).rgb() for x in range(48) for y in range(48)}
    for colour in palette.class_colors(3):
        assert colour.rgb() in found
    with pytest.raises(ValueError, match="size"):
        preview_icon(data, 2)


def nearest_grid_point(grid, x, y):
    return grid.xs[np.argmin(np.abs(grid.xs - x))], grid.ys[np.argmin(np.abs(grid.ys - y))]


@pytest.mark.parametrize(
    "config",
    [
        Config(dataset="moons", hidden=(5,), seed=3),
        Config(dataset="blobs", classes=4, loss="ce", hidden=(4,)),
        Config(dataset="reg-plane", loss="mse", hidden=(3,)),
    ],
    ids=["binary", "multiclass", "regression"],
)
def test_the_heatmap_under_each_training_point_is_the_model_prediction(view, config):
    trainer = Trainer(config)
    trainer.step(epochs=30)
    snap = trainer.snapshot()
    view.set_data(trainer.data)
    view.set_snapshot(snap)
    points = trainer.data.x_train
    at_grid = np.array([nearest_grid_point(snap.boundary, x, y) for x, y in points])
    shown = np.array([view.value_at(x, y) for x, y in points])
    model = trainer.predict(at_grid)
    if config.problem == "multiclass":
        np.testing.assert_array_equal(shown, np.argmax(model, axis=1))
    else:
        np.testing.assert_allclose(shown, model, rtol=1e-4, atol=1e-5)
        # and the cell is close to the prediction at the point itself
        np.testing.assert_allclose(shown, trainer.predict(points), atol=0.1)


def test_axis_and_legend_text_follow_the_widget_font(view):
    view.set_data(dataset())
    font = view.font()
    font.setPointSizeF(font.pointSizeF() * 2)
    view.setFont(font)
    assert view.getPlotItem().getAxis("bottom").style["tickFont"].pointSizeF() == font.pointSizeF()
    assert view.caption.textItem.font().pointSizeF() == font.pointSizeF()
    assert view.legend.opts["labelTextSize"] == f"{font.pointSizeF():g}pt"


def test_the_heatmap_fills_the_plot_area_on_data_of_any_shape(view):
    """Iris spans about 7 x 3.4 in a wider-than-tall plot: nothing stays blank around it."""
    trainer = Trainer(Config(dataset="iris", loss="ce", hidden=(3,)))
    view.resize(500, 480)
    view.set_data(trainer.data)
    view.set_snapshot(trainer.snapshot(resolution=60))
    view.set_show_test(False)
    vb = view.getPlotItem().vb
    area = view.mapFromScene(vb.sceneBoundingRect()).boundingRect().adjusted(1, 1, -1, -1)
    image = view.grab(area).toImage()
    white = sum(
        image.pixelColor(x, y).getRgb()[:3] == (255, 255, 255)
        for x in range(0, image.width(), 3)
        for y in range(0, image.height(), 3)
    )
    assert white == 0


def test_focus_on_an_output_of_several_classes_uses_its_class_colours(view):
    grid = grid_of(lambda x, y: 1.0 / (1.0 + np.exp(-3.0 * x)))  # P(class 2), 0 left to 1 right
    view.set_snapshot(snapshot(grid, "multiclass", (2, 4, 3), focus=(2, 2)))
    image = rgb_of(view.image_item.image)
    sure = np.rint(palette.toward_white(palette.class_rgb(3)[2], palette.HEAT_STRENGTH))
    np.testing.assert_allclose(image[50, -1], sure, atol=2)  # the diagram's colour of class 2
    assert image[50, 0].tolist() == [255, 255, 255]  # P = 0: white
    assert view._colorbar.getAxis("left").labelText == "P(class 2)"
    view.set_snapshot(snapshot(grid, "multiclass", (2, 4, 3), focus=(1, 0)))  # hidden: as ever
    assert view.image_item.image[50, -1] in palette.heatmap_words()
