"""Session files: round trip, atomic replacement, and clear refusals of bad files."""

import json
import math
import os

import numpy as np
import pytest

from nnviz.core import session
from nnviz.core.session import load_session, save_session

STATE = {
    "config": {"dataset": "circles", "hidden": [3, 2]},
    "epoch": 120,
    "weights": [[0.5, -1.25], [3e-300, 1e300]],
    "diverged": None,
    "metrics": {"train_loss": math.nan, "test_loss": math.inf, "low": -math.inf},
}


def test_round_trip_keeps_everything_including_nan_and_inf(tmp_path):
    path = tmp_path / "run.nnviz"
    save_session(path, STATE)
    state = load_session(path)
    assert state["config"] == STATE["config"] and state["weights"] == STATE["weights"]
    assert state["epoch"] == 120 and state["diverged"] is None
    assert math.isnan(state["metrics"]["train_loss"])
    assert state["metrics"]["test_loss"] == math.inf and state["metrics"]["low"] == -math.inf
    document = json.loads(path.read_text())
    assert (document["format"], document["version"]) == ("nnviz-session", 1)


def test_numpy_values_are_saved_as_plain_json(tmp_path):
    path = tmp_path / "np.nnviz"
    save_session(path, {"w": np.arange(4.0).reshape(2, 2), "n": np.int64(7), "x": np.float32(0.5)})
    assert load_session(path) == {"w": [[0.0, 1.0], [2.0, 3.0]], "n": 7, "x": 0.5}


def test_overwrite_replaces_and_leaves_no_temp_files(tmp_path):
    path = tmp_path / "run.nnviz"
    save_session(path, {"epoch": 1})
    save_session(path, {"epoch": 2})
    assert load_session(path) == {"epoch": 2}
    assert os.listdir(tmp_path) == ["run.nnviz"]


def test_failure_while_writing_leaves_the_old_file_intact(tmp_path):
    path = tmp_path / "run.nnviz"
    save_session(path, {"epoch": 1})
    before = path.read_bytes()
    # object() is not JSON-able: json.dump fails after writing part of the document.
    with pytest.raises(TypeError, match="cannot save a value of type object"):
        save_session(path, {"epoch": 2, "weights": list(range(10_000)), "bad": object()})
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["run.nnviz"]


def test_failure_at_the_rename_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "run.nnviz"
    save_session(path, {"epoch": 1})

    def refuse(source, target):
        raise OSError("disk full")

    monkeypatch.setattr(session.os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        save_session(path, {"epoch": 2})
    monkeypatch.undo()
    assert load_session(path) == {"epoch": 1}
    assert os.listdir(tmp_path) == ["run.nnviz"]


def test_a_new_file_is_not_created_when_writing_fails(tmp_path, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("interrupted")

    monkeypatch.setattr(session.json, "dump", explode)
    with pytest.raises(RuntimeError):
        save_session(tmp_path / "new.nnviz", {"epoch": 1})
    assert os.listdir(tmp_path) == []


def test_state_must_be_a_dict(tmp_path):
    with pytest.raises(ValueError, match="must be a dict"):
        save_session(tmp_path / "x.nnviz", [1, 2])


def write(tmp_path, content):
    path = tmp_path / "bad.nnviz"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


def valid_text():
    return json.dumps(
        {"format": "nnviz-session", "version": 1, "state": {"epoch": 3, "w": [1.0] * 50}}
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "not a valid nnviz session: the file is empty"),
        ("  \n", "not a valid nnviz session: the file is empty"),
        ("this is not json", "not a valid nnviz session: Expecting value at line 1"),
        (valid_text()[:60], "not a valid nnviz session: .* at line 1"),
        (b"\xff\xfe\x00binary", "not a text session file"),
        ('{"format": "something-else", "version": 1, "state": {}}', "not an nnviz session file"),
        ('{"dataset": "circles"}', "not an nnviz session file"),
        ("[1, 2, 3]", "not an nnviz session file"),
        ('{"format": "nnviz-session", "version": 2, "state": {}}', "newer nnviz"),
        ('{"format": "nnviz-session", "version": "1", "state": {}}', "bad version"),
        ('{"format": "nnviz-session", "version": 0, "state": {}}', "bad version"),
        ('{"format": "nnviz-session", "version": 1, "state": [1]}', "'state' must be"),
        ('{"format": "nnviz-session", "version": 1}', "'state' must be"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message(tmp_path, content, message):
    with pytest.raises(ValueError, match=message) as info:
        load_session(write(tmp_path, content))
    assert "bad.nnviz" in str(info.value)


def test_the_valid_text_used_above_loads(tmp_path):
    assert load_session(write(tmp_path, valid_text()))["epoch"] == 3


def test_missing_file_is_named(tmp_path):
    with pytest.raises(ValueError, match="gone.nnviz: no such session file"):
        load_session(tmp_path / "gone.nnviz")


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(ValueError, match="is a folder, not a session file"):
        load_session(tmp_path)
