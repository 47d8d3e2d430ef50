"""The command line: headless training, errors, divergence, and the window's headless run."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nnviz.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_train_prints_metrics_every_n_epochs(capsys):
    assert main(["train", "--epochs", "30", "--every", "10", "--hidden", "4,2"]) == 0
    lines = _json_lines(capsys.readouterr().out)
    assert [line["epoch"] for line in lines] == [10, 20, 30]
    assert set(lines[-1]) == {"epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy"}


def test_train_regression_reports_r2(capsys):
    assert main(["train", "--dataset", "reg-plane", "--loss", "mse", "--epochs", "5"]) == 0
    (line,) = _json_lines(capsys.readouterr().out)
    assert "test_r2" in line and "test_accuracy" not in line


@pytest.mark.parametrize(
    "args, option",
    [
        (["--hidden", "40"], "--hidden"),
        (["--hidden", "a,b"], "--hidden"),
        (["--lr", "-1"], "--lr"),
        (["--dataset", "mnist"], "--dataset"),
        (["--batch-size", "-3"], "--batch-size"),
        (["--epochs", "-5"], "--epochs"),
        (["--frobnicate"], "frobnicate"),
    ],
)
def test_bad_setting_exits_2_with_one_line(capsys, args, option):
    with pytest.raises(SystemExit) as exit_info:
        status = main(["train", *args])
        raise SystemExit(status)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and option in err


def test_other_data_takes_a_fitting_loss_and_zero_batch_means_full(tmp_path, capsys):
    saved = tmp_path / "run.json"
    args = ["--dataset", "iris", "--batch-size", "0", "--epochs", "1", "--save-config", str(saved)]
    assert main(["train", *args]) == 0
    config = json.loads(saved.read_text())
    assert config["loss"] == "ce" and config["batch_size"] is None
    assert main(["train", "--dataset", "reg-gauss", "--epochs", "1"]) == 0
    assert main(["train", "--dataset", "iris", "--loss", "bce"]) == 2  # asked for: refused
    assert "--loss" in capsys.readouterr().err
    several = tmp_path / "several.csv"
    several.write_text("".join(f"{i % 5},{i % 7},{i % 3}\n" for i in range(30)))
    args = ["--dataset", "file", "--data-file", str(several), "--save-config", str(saved)]
    assert main(["train", *args, "--epochs", "1"]) == 0  # the file is read to choose the loss
    assert json.loads(saved.read_text())["loss"] == "ce"


def test_divergence_exits_3(capsys):
    args = ["--dataset", "reg-plane", "--loss", "sse", "--activation", "linear"]
    status = main(["train", *args, "--optimizer", "sgd", "--lr", "10", "--epochs", "100"])
    assert status == 3
    assert "diverged at epoch" in capsys.readouterr().err


def test_config_file_round_trip(tmp_path, capsys):
    saved = tmp_path / "run.json"
    assert main(["train", "--epochs", "1", "--hidden", "5", "--save-config", str(saved)]) == 0
    assert json.loads(saved.read_text())["hidden"] == [5]
    assert main(["train", "--epochs", "1", "--config", str(saved), "--lr", "0.2"]) == 0
    bad = tmp_path / "bad.json"
    bad.write_text("{broken")
    assert main(["train", "--config", str(bad)]) == 2
    assert "--config" in capsys.readouterr().err


def test_window_headless_run_trains_and_screenshots(tmp_path):
    png = tmp_path / "out.png"
    # No display and no Qt platform chosen: an unattended run must still work.
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "QT_QPA_PLATFORM")}
    cmd = [sys.executable, "-m", "nnviz", "--dataset", "circles", "--epochs", "3000"]
    result = subprocess.run(
        [*cmd, "--seed", "0", "--screenshot", str(png)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr
    (line,) = _json_lines(result.stdout)
    assert line["epoch"] == 3000 and line["test_accuracy"] >= 0.9
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000


def test_the_window_restores_the_last_run_unless_the_command_line_names_one(monkeypatch):
    import nnviz.app.run

    given = []
    monkeypatch.setattr(nnviz.app.run, "run_app", lambda config, **_: given.append(config) or 0)
    assert main([]) == 0 and given == [None]  # None: MainWindow restores the last settings
    assert main(["--dataset", "moons"]) == 0 and given[-1].dataset == "moons"


def test_window_bad_argument_exits_2():
    result = subprocess.run(
        [sys.executable, "-m", "nnviz", "--hidden", "0,0"],
        cwd=ROOT,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
