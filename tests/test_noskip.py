"""A test that skips fails the run under CI (REMINDER_NO_SKIPS=1), and only there."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SKIPPING = """
import pytest

def test_needs_a_server():
    pytest.skip("no PostgreSQL at 127.0.0.1:5432")

def test_runs():
    assert 1 + 1 == 2
"""


def _pytest(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_example.py").write_text(SKIPPING, encoding="utf-8")
    environ = {k: v for k, v in os.environ.items() if k != "REMINDER_NO_SKIPS"}
    cmd = [sys.executable, "-m", "pytest", "-p", "tests.noskip", "-rs", str(tmp_path)]
    return subprocess.run(
        cmd, cwd=ROOT, env={**environ, **env}, capture_output=True, text=True, timeout=120
    )


def test_a_skip_fails_under_ci(tmp_path: Path) -> None:
    run = _pytest(tmp_path, REMINDER_NO_SKIPS="1")
    assert run.returncode == 1, run.stdout
    assert "1 failed, 1 passed" in run.stdout
    assert "skipped under CI, where every test must run: Skipped: no PostgreSQL" in run.stdout


def test_a_skip_is_a_skip_elsewhere(tmp_path: Path) -> None:
    run = _pytest(tmp_path)
    assert run.returncode == 0, run.stdout
    assert "1 passed, 1 skipped" in run.stdout
