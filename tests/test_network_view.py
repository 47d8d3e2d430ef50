"""Network diagram: items per architecture, reuse, pens, tooltips, inline editing, hover."""

import dataclasses
from itertools import pairwise

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QGraphicsSimpleTextItem, QLineEdit, QToolTip

from nnviz.app import palette
from nnviz.app.network_view import NetworkView
from nnviz.core import Config, Trainer
from nnviz.core.snapshot import Grid, Snapshot

FEATURES = ("x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2")


def make_snapshot(sizes=(2, 4, 3, 1), seed=0, thumb=8, problem="binary", focus=None):
    """A hand-built snapshot: random parameters and smooth per-neuron grids."""
    rng = np.random.default_rng(seed)
    params = [(rng.normal(size=(a, b)), rng.normal(size=b)) for a, b in pairwise(sizes)]
    ramp = np.linspace(-1.0, 1.0, thumb)
    grids = [
        np.tanh(ramp[:, None, None] * np.arange(1, n + 1) + ramp[None, :, None]) for n in sizes
    ]
    xs = np.linspace(-1, 1, 20)
    boundary = Grid(xs, xs, np.zeros((20, 20)))
    return Snapshot(
        epoch=0,
        metrics={},
        params=params,
        layer_sizes=tuple(sizes),
        feature_names=FEATURES[: sizes[0]],
        problem=problem,
        boundary=boundary,
        neuron_grids=grids,
        focus=focus,
    )


def with_param(snap, layer, kind, index, value):
    """A copy of ``snap`` with one weight (index (i, j)) or bias (index j) replaced."""
    params = [(w.copy(), b.copy()) for w, b in snap.params]
    target = params[layer][0 if kind == "w" else 1]
    target[index] = value
    return dataclasses.replace(snap, params=params)


@pytest.fixture
def view(qtbot):
    widget = NetworkView()
    qtbot.addWidget(widget)
    widget.resize(800, 500)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def viewport_point(view, item) -> QPoint:
    """A point on the item: a quarter along a link (midpoints of links can coincide)."""
    if hasattr(item, "line"):
        return view.mapFromScene(item.line().pointAt(0.25))
    return view.mapFromScene(item.sceneBoundingRect().center())


@pytest.mark.parametrize("sizes", [(2, 4, 3, 1), (3, 5, 3), (7, 1)])
def test_item_counts_match_the_architecture(view, sizes):
    view.set_snapshot(make_snapshot(sizes, problem="multiclass" if sizes[-1] > 1 else "binary"))
    links = sum(len(items) for items in view.links)
    assert links == sum(a * b for a, b in pairwise(sizes))
    assert [len(items) for items in view.biases] == list(sizes[1:])  # output neurons included
    assert [len(items) for items in view.neurons] == list(sizes)
    assert view.objectName() == "networkView"


def test_items_are_reused_when_only_weights_change(view):
    first = make_snapshot(seed=1)
    view.set_snapshot(first)
    link, bias, neuron = view.links[1][4], view.biases[2][0], view.neurons[1][2]
    view.set_snapshot(make_snapshot(seed=2))
    assert view.links[1][4] is link and view.biases[2][0] is bias and view.neurons[1][2] is neuron
    view.set_snapshot(make_snapshot((2, 5, 1), seed=2))
    assert len(view.links[0]) == 10 and view.links[0][0] is not link


def test_a_changed_input_feature_list_rebuilds(view):
    snap = make_snapshot((2, 3, 1))
    view.set_snapshot(snap)
    link = view.links[0][0]
    view.set_snapshot(dataclasses.replace(snap, feature_names=("x1sq", "x2sq")))
    assert view.links[0][0] is not link


def test_link_pens_and_bias_brushes_follow_the_current_values(view):
    snap = with_param(make_snapshot(), 0, "w", (1, 2), 1.5)
    snap = with_param(snap, 2, "b", 0, -1.5)
    view.set_snapshot(snap)
    link, bias = view.links[0][1 * 4 + 2], view.biases[2][0]
    assert link.pen().color().blue() > link.pen().color().red()
    assert bias.brush().color().red() > bias.brush().color().blue()
    wide = link.pen().widthF()
    view.set_snapshot(with_param(with_param(snap, 0, "w", (1, 2), -0.1), 2, "b", 0, 2.0))
    assert link.pen().color().red() > link.pen().color().blue()
    assert link.pen().widthF() < wide
    assert bias.brush().color().blue() > bias.brush().color().red()


def test_nan_and_huge_parameters_draw(view):
    snap = with_param(make_snapshot(), 1, "w", (0, 0), np.nan)
    snap = with_param(snap, 0, "w", (0, 1), 1e6)
    snap = with_param(snap, 2, "b", 0, np.nan)
    snap.neuron_grids[1][...] = np.nan
    view.set_snapshot(snap)
    assert view.links[1][0].pen().style() == Qt.PenStyle.DashLine
    widest = max(item.pen().widthF() for items in view.links for item in items)
    assert view.links[0][1].pen().widthF() == widest
    assert view.biases[2][0].brush().color() == palette.nan_color()
    assert "nan" in view.describe(view.links[1][0])
    assert "NaN" in view.describe(view.neurons[1][0])
    assert not view.grab().isNull()


def test_tooltip_texts_give_the_values(view):
    snap = with_param(make_snapshot(), 0, "w", (1, 2), 0.4312)
    snap = with_param(snap, 2, "b", 0, -0.25)
    view.set_snapshot(snap)
    assert view.describe(view.links[0][1 * 4 + 2]).startswith("W1[2, 3] = 0.4312")
    assert view.describe(view.biases[2][0]).startswith("b3[1] = -0.2500")
    text = view.describe(view.neurons[1][3])
    assert "neuron 4 of hidden layer 1" in text
    assert f"bias = {snap.params[0][1][3]:.4f}" in text
    assert view.describe(view.neurons[0][1]).startswith("x₂")


def test_a_tooltip_event_on_a_link_shows_its_value(view, qtbot):
    view.set_snapshot(with_param(make_snapshot(), 1, "w", (2, 1), -0.875))
    link = view.links[1][2 * 3 + 1]
    at = viewport_point(view, link)
    event = QHelpEvent(QEvent.Type.ToolTip, at, view.viewport().mapToGlobal(at))
    view.viewportEvent(event)
    qtbot.waitUntil(lambda: "W2[3, 2] = -0.8750" in QToolTip.text())
    QToolTip.hideText()


def test_typing_into_the_editor_emits_param_edited(view, qtbot):
    snap = make_snapshot()
    view.set_snapshot(snap)
    view.edit_param(1, "w", 2, 1)
    editor = view.findChild(QLineEdit, "paramEditor")
    assert editor.isVisible()
    assert float(editor.text()) == pytest.approx(snap.params[1][0][2, 1], rel=1e-5)
    editor.selectAll()
    qtbot.keyClicks(editor, "-1.25e-1")
    with qtbot.waitSignal(view.paramEdited, timeout=2000) as blocker:
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert blocker.args == [1, "w", 2, 1, -0.125]
    assert not editor.isVisible()


def test_editing_a_bias_reports_i_as_zero(view, qtbot):
    view.set_snapshot(make_snapshot())
    view.edit_param(2, "b", 5, 0)
    editor = view.findChild(QLineEdit, "paramEditor")
    editor.selectAll()
    qtbot.keyClicks(editor, "3")
    with qtbot.waitSignal(view.paramEdited, timeout=2000) as blocker:
        qtbot.keyClick(editor, Qt.Key.Key_Enter)
    assert blocker.args == [2, "b", 0, 0, 3.0]


def test_invalid_text_keeps_the_editor_open_and_emits_nothing(view, qtbot):
    view.set_snapshot(make_snapshot())
    view.edit_param(0, "w", 0, 0)
    editor = view.findChild(QLineEdit, "paramEditor")
    emitted = []
    view.paramEdited.connect(lambda *args: emitted.append(args))
    for text in ("abc", "nan", "inf"):
        editor.selectAll()
        qtbot.keyClicks(editor, text)
        qtbot.keyClick(editor, Qt.Key.Key_Return)
        assert editor.isVisible()
        assert "not a finite number" in editor.toolTip()
    assert emitted == []
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert not editor.isVisible()


def test_edit_param_rejects_unknown_parameters(view):
    view.set_snapshot(make_snapshot())
    with pytest.raises(ValueError, match="layer 3"):
        view.edit_param(3, "w", 0, 0)
    with pytest.raises(ValueError, match="no entry 2→0"):
        view.edit_param(0, "w", 2, 0)
    with pytest.raises(ValueError, match="kind"):
        view.edit_param(0, "x", 0, 0)


def test_clicking_a_link_opens_the_editor_on_it(view, qtbot):
    view.set_snapshot(make_snapshot((2, 3, 1)))
    link = view.links[1][1]
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=viewport_point(view, link))
    editor = view.findChild(QLineEdit, "paramEditor")
    assert editor.isVisible()
    qtbot.keyClicks(editor, "0.5")
    with qtbot.waitSignal(view.paramEdited, timeout=2000) as blocker:
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert blocker.args == [1, "w", 1, 0, 0.5]


def test_hovering_a_neuron_emits_it_and_leaving_emits_none(view, qtbot):
    view.set_snapshot(make_snapshot())
    neuron = view.neurons[2][1]
    with qtbot.waitSignal(view.neuronHovered, timeout=2000) as entered:
        qtbot.mouseMove(view.viewport(), viewport_point(view, neuron))
    assert entered.args == [(2, 1)]
    with qtbot.waitSignal(view.neuronHovered, timeout=2000) as left:
        qtbot.mouseMove(view.viewport(), QPoint(2, 2))
    assert left.args == [None]


def test_the_largest_network_draws_with_smaller_neurons(view):
    view.set_snapshot(make_snapshot((2, 3, 1)))
    roomy = view.neurons[1][0].boundingRect().width()
    sizes = (7, *([32] * 8), 5)
    view.set_snapshot(make_snapshot(sizes, problem="multiclass"))
    assert sum(len(items) for items in view.links) == 7 * 32 + 7 * 32 * 32 + 32 * 5
    assert view.neurons[1][0].boundingRect().width() < roomy / 2
    assert not view.grab().isNull()


def test_the_focused_neuron_is_ringed(view):
    view.set_snapshot(make_snapshot(focus=(1, 2)))
    ring = view.focus_ring
    assert ring.isVisible()
    assert ring.sceneBoundingRect().contains(view.neurons[1][2].sceneBoundingRect())
    view.set_snapshot(make_snapshot(focus=None))
    assert not ring.isVisible()


def test_labels_follow_the_widget_font(view):
    view.set_snapshot(make_snapshot())

    def label_heights():
        return [
            item.boundingRect().height()
            for item in view.scene().items()
            if isinstance(item, QGraphicsSimpleTextItem)
        ]

    small = label_heights()
    assert len(small) == 2 + 1 + 4  # input labels, output label, column captions
    font = view.font()
    font.setPointSizeF(font.pointSizeF() * 2)
    view.setFont(font)
    assert min(label_heights()) > 1.5 * max(small)


def test_a_trainer_snapshot_draws_every_parameter(view):
    trainer = Trainer(Config(dataset="xor", features=("x1", "x2", "x1x2"), hidden=(4, 2)))
    trainer.step(epochs=5)
    view.set_snapshot(trainer.snapshot(resolution=40, thumb=12))
    assert [len(items) for items in view.links] == [3 * 4, 4 * 2, 2 * 1]
    assert [len(items) for items in view.biases] == [4, 2, 1]
    weights, bias = trainer.params[1]
    assert f"= {weights[3, 1]:.4f}" in view.describe(view.links[1][3 * 2 + 1])
    assert f"= {bias[1]:.4f}" in view.describe(view.biases[1][1])
    assert view.describe(view.neurons[0][2]).startswith("x₁·x₂")


@pytest.mark.parametrize("width", [1, 3, 8, 16, 32])
def test_bias_squares_never_overlap_a_neuron(view, width):
    view.set_snapshot(make_snapshot(sizes=(2, width, width, 3)))
    # A square may tuck into the corner of a neuron's bounding box, never onto its disc.
    discs = [neuron.mapToScene(neuron.shape()) for column in view.neurons for neuron in column]
    squares = [square.mapRectToScene(square.rect()) for layer in view.biases for square in layer]
    assert len(squares) == 2 * width + 3
    assert all(square.width() >= 3 for square in squares)
    for square in squares:
        assert not any(disc.intersects(square) for disc in discs), (width, square)
    # and the diagram still fits in the view
    shown = view.mapToScene(view.viewport().rect()).boundingRect()
    for square in squares:
        assert shown.contains(square)


@pytest.mark.parametrize("sizes", [(2, 1, 1), (2, 3, 5), (7, 8, 8, 3), (2, 32, 32, 3)])
def test_bias_squares_hide_no_link_of_their_neuron(view, sizes):
    # Huge weights give every link the widest pen, the worst case for overlaps.
    snap = make_snapshot(sizes, problem="multiclass" if sizes[-1] > 1 else "binary")
    view.set_snapshot(dataclasses.replace(snap, params=[(w * 1e3, b) for w, b in snap.params]))
    # links[layer][i, j] goes from neuron i of ``layer`` to neuron j of the next layer
    links = [
        np.array(items, object).reshape(n, -1) for items, n in zip(view.links, sizes, strict=False)
    ]
    for layer, squares in enumerate(view.biases):
        for j, square in enumerate(squares):
            rect = square.mapRectToScene(square.rect())
            incoming = links[layer][:, j]
            outgoing = links[layer + 1][j] if layer + 1 < len(links) else []
            hidden = [
                link.line()
                for link in [*incoming, *outgoing]
                if link.mapToScene(link.shape()).intersects(rect)
            ]
            assert hidden == [], (layer, j)


def test_clicking_a_bias_opens_the_editor_and_hovering_it_tells_its_value(view, qtbot):
    view.set_snapshot(with_param(make_snapshot((2, 3, 3), problem="multiclass"), 1, "b", 2, 0.625))
    square = view.biases[1][2]
    at = viewport_point(view, square)
    event = QHelpEvent(QEvent.Type.ToolTip, at, view.viewport().mapToGlobal(at))
    view.viewportEvent(event)
    qtbot.waitUntil(lambda: "b2[3] = 0.6250" in QToolTip.text())
    QToolTip.hideText()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=at)
    editor = view.findChild(QLineEdit, "paramEditor")
    assert editor.isVisible() and float(editor.text()) == 0.625
    editor.selectAll()
    qtbot.keyClicks(editor, "-2")
    with qtbot.waitSignal(view.paramEdited, timeout=2000) as blocker:
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert blocker.args == [1, "b", 0, 2, -2.0]


def tile_rgb(neuron, row: int, col: int) -> tuple:
    """The colour a neuron's picture has at one pixel of its tile (row 0 at the top)."""
    source = neuron.source
    colour = neuron.image.pixelColor(int(source.x()) + col, int(source.y()) + row)
    return colour.red(), colour.green(), colour.blue()


def test_each_output_of_several_classes_is_drawn_in_its_own_class_colour(view):
    thumb, k = 12, 4
    snap = make_snapshot((2, 3, k), thumb=thumb, problem="multiclass")
    # Class c is sure (P = 1) in the c-th band of columns and impossible (P = 0) elsewhere.
    band = np.arange(thumb) * k // thumb
    snap.neuron_grids[-1] = np.broadcast_to(band[None, :, None] == np.arange(k), (thumb, thumb, k))
    view.set_snapshot(snap)
    sure = np.rint(palette.toward_white(palette.class_rgb(k), palette.HEAT_STRENGTH))
    for c, neuron in enumerate(view.neurons[-1]):
        inside = int(np.flatnonzero(band == c).mean())  # the middle column of its band
        elsewhere = (inside + thumb // 2) % thumb  # another band, still inside the disc
        assert np.abs(np.subtract(tile_rgb(neuron, thumb // 2, inside), sure[c])).max() <= 2, c
        assert min(tile_rgb(neuron, thumb // 2, elsewhere)) >= 250, c  # white where P = 0
        assert neuron.brush.color().getRgb()[:3] != palette.NEUTRAL  # tinted before a picture
    # Hidden neurons keep the diverging scale: tanh = 1 there is the paled positive blue.
    hidden = view.neurons[1][0]
    snap.neuron_grids[1][...] = 1.0
    view.set_snapshot(snap)
    blue = tuple(int(v) for v in palette.heatmap_lut()[palette.SCALE_STEPS - 1, :3])
    assert tile_rgb(hidden, thumb // 2, thumb // 2) == blue


def test_every_link_is_drawn_once_with_its_own_pen_strongest_on_top(view, qtbot):
    snap = with_param(make_snapshot(), 0, "w", (1, 2), 5.0)  # the one widest link
    view.set_snapshot(snap)
    drawn = [(pen, line) for pen, lines in view._link_layer.groups for line in lines]
    links = [link for links in view.links for link in links]
    assert len(drawn) == len(links) == 2 * 4 + 4 * 3 + 3 * 1
    pen_of = {(ln.line().x1(), ln.line().y1(), ln.line().x2(), ln.line().y2()): ln for ln in links}
    for pen, line in drawn:
        assert pen == pen_of[(line.x1(), line.y1(), line.x2(), line.y2())].pen()
    widths = [pen.widthF() for pen, _ in view._link_layer.groups]
    assert widths == sorted(widths)  # thinnest first: the strong weights lie on top
    strongest = view.links[0][1 * 4 + 2]
    assert drawn[-1][1] == strongest.line()
    # On screen the link's own colour shows where it runs, and nothing off every link.
    image = view.viewport().grab().toImage()
    on_link = image.pixelColor(view.mapFromScene(strongest.line().pointAt(0.5)))
    assert on_link.rgb() == strongest.pen().color().rgb()
    assert view._item_at(view.mapFromScene(strongest.line().pointAt(0.5))) is strongest
    assert view._item_at(QPoint(2, 2)) is None


def test_layer_captions_shorten_when_columns_crowd_them(view, qtbot):
    view.resize(540, 900)  # the window's middle pane: tall and narrow
    deep = (7, *(32,) * 8, 1)
    view.set_snapshot(make_snapshot(deep, thumb=4))
    captions = [item.text() for item, _, _ in view._captions]
    assert captions == ["in", *(f"h{k}" for k in range(1, 9)), "out"]
    spans = []  # (left, right) in viewport pixels: captions keep their size at any zoom
    for item, _, _ in view._captions:
        left = view.mapFromScene(item.pos()).x() + item.transform().dx()
        spans.append((left, left + item.boundingRect().width()))
    assert all(a[1] < b[0] for a, b in pairwise(spans))  # none runs into the next
    view.set_snapshot(make_snapshot((2, 4, 1)))  # room to spare: the full words
    assert [item.text() for item, _, _ in view._captions] == ["input", "hidden 1", "output"]


def test_a_tall_view_gets_taller_columns_once_resizing_pauses(view, qtbot):
    view.resize(900, 450)
    view.set_snapshot(make_snapshot((2, 16, 16, 16, 1), thumb=4))
    wide = view.neurons[1][0].boundingRect().height()
    view.resize(450, 900)  # the same network in a tall pane: bigger neurons, after a pause
    qtbot.waitUntil(lambda: view.neurons[1][0].boundingRect().height() > 1.5 * wide)
    on_screen = view.mapFromScene(view.neurons[1][0].sceneBoundingRect()).boundingRect()
    assert on_screen.height() > 12  # pixels: a neuron big enough to see its picture
