"""The code base stays ruff-clean (lint and format), checked with the suite."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _ruff(*args: str) -> subprocess.CompletedProcess:
    # The test extra's ruff beside this interpreter first: its version is the pinned one.
    beside = Path(sys.executable).with_name("ruff")
    exe = str(beside) if beside.exists() else shutil.which("ruff")
    if exe is None:
        pytest.skip("ruff is not installed (it comes with the test extra)")
    return subprocess.run([exe, *args], cwd=ROOT, capture_output=True, text=True)


def test_ruff_lint_clean():
    result = _ruff("check", "nnviz", "tests", "scripts")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_clean():
    result = _ruff("format", "--check", "nnviz", "tests", "scripts")
    assert result.returncode == 0, result.stdout + result.stderr
