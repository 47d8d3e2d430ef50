"""Sessions and CSV files from the window: save/open round trip; bad files change nothing."""

import json

import numpy as np
import pytest

from nnviz.app.main_window import MainWindow
from nnviz.core.config import Config


@pytest.fixture
def window(qtbot):
    win = MainWindow(Config(samples=100), dialogs=False)
    qtbot.addWidget(win)
    qtbot.waitUntil(win.is_settled)
    win.run_epochs(30)
    qtbot.waitUntil(win.is_settled)
    yield win
    win.close()


def snapshot_of(trainer):
    """What must survive a round trip, or stay untouched by a failed open."""
    return trainer.epoch, trainer.config, [(w.copy(), b.copy()) for w, b in trainer.params]


def assert_same_run(a, b):
    assert a[0] == b[0] and a[1] == b[1]
    for (wa, ba), (wb, bb) in zip(a[2], b[2], strict=True):
        np.testing.assert_array_equal(wa, wb)
        np.testing.assert_array_equal(ba, bb)


def test_save_then_open_restores_the_run(qtbot, window, tmp_path):
    path = str(tmp_path / "run.nnviz")
    saved = snapshot_of(window.trainer)
    with qtbot.waitSignal(window.sessionSaved, timeout=10000) as blocker:
        window.save_session(path)
    assert blocker.args == [path]
    window.panel.hiddenSpin.setValue(5)
    window.run_epochs(10)
    qtbot.waitUntil(window.is_settled)
    assert window.trainer.layer_sizes == (2, 5, 1)
    window.open_session(path)
    qtbot.waitUntil(window.is_settled)
    assert_same_run(snapshot_of(window.trainer), saved)
    assert window.panel.hiddenSpin.value() == 3
    assert window.loss_view.point_count() == 31  # epochs 0..30
    assert window.shown_snapshot.epoch == 30
    window.run_epochs(5)  # and it trains on from there
    qtbot.waitUntil(window.is_settled)
    assert window.trainer.epoch == 35


@pytest.mark.parametrize(
    "content, complaint",
    [
        (b"\x00\x01garbage", "not"),
        (b'{"format": "something-else"}', "not an nnviz session"),
        (b"", "empty"),
    ],
)
def test_a_corrupt_file_leaves_the_session_untouched(qtbot, window, tmp_path, content, complaint):
    path = tmp_path / "bad.nnviz"
    path.write_bytes(content)
    before = snapshot_of(window.trainer)
    with qtbot.waitSignal(window.messageShown) as blocker:
        window.open_session(str(path))
    assert complaint in blocker.args[0] and "bad.nnviz" in blocker.args[0]
    qtbot.waitUntil(window.is_settled)
    assert_same_run(snapshot_of(window.trainer), before)


def test_a_session_with_a_broken_state_is_refused_like_garbage(qtbot, window, tmp_path):
    path = tmp_path / "broken.nnviz"
    with qtbot.waitSignal(window.sessionSaved, timeout=10000):
        window.save_session(str(path))
    document = json.loads(path.read_text())
    document["state"]["weights"] = document["state"]["weights"][:-1]
    path.write_text(json.dumps(document))
    window.run_epochs(3)
    qtbot.waitUntil(window.is_settled)
    before, posted = snapshot_of(window.trainer), window.worker.posted
    with qtbot.waitSignal(window.messageShown, timeout=10000) as blocker:
        window.open_session(str(path))
    assert blocker.args[0].startswith("Could not open the session") and "weights" in blocker.args[0]
    assert window.worker.posted == posted  # refused before anything reached the training
    qtbot.waitUntil(window.is_settled)
    assert_same_run(snapshot_of(window.trainer), before)


def test_saving_into_a_missing_folder_is_a_message(qtbot, window, tmp_path):
    with qtbot.waitSignal(window.messageShown, timeout=10000) as blocker:
        window.save_session(str(tmp_path / "no" / "such" / "run.nnviz"))
    assert "Could not save" in blocker.args[0]


def test_csv_points_with_three_classes_switch_to_cross_entropy(qtbot, window, tmp_path):
    rng = np.random.default_rng(3)
    rows = [f"{x:.3f},{y:.3f},{k % 3}" for k, (x, y) in enumerate(rng.normal(size=(60, 2)))]
    path = tmp_path / "points.csv"
    path.write_text("x1,x2,label\n" + "\n".join(rows) + "\n")
    window.load_csv(str(path))
    qtbot.waitUntil(window.is_settled)
    config = window.trainer.config
    assert (config.dataset, config.data_file, config.loss) == ("file", str(path), "ce")
    assert window.trainer.data.problem == "multiclass"
    assert window.panel.datasetCombo.currentText() == "CSV: points.csv"
    assert window.trainer.epoch == 0


def test_a_bad_csv_file_is_a_message_and_changes_nothing(qtbot, window, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("1,2\n3,4\n")
    before = snapshot_of(window.trainer)
    with qtbot.waitSignal(window.messageShown) as blocker:
        window.load_csv(str(path))
    assert blocker.args[0].count("bad.csv") == 1  # named once, with what is wrong in it
    qtbot.waitUntil(window.is_settled)
    assert_same_run(snapshot_of(window.trainer), before)
