"""Helpers for tests that run `reminder run` as real processes against the local servers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import ROOT


def wait_for(condition: Callable[[], bool], seconds: float = 60) -> bool:
    """Poll `condition` until it holds or `seconds` pass (waiting for an event, not a time)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        threading.Event().wait(0.02)
    return False


def due_now_header(smtp_port: int, today: str, *, lease: str, wecom_url: str = "") -> str:
    """[settings] to [delivery] of a file whose reminders are all due now: send time 00:00
    today, today a working day, one message per reminder, a generous email budget."""
    wecom = f'\n[wecom]\nurl = "{wecom_url}"\n' if wecom_url else ""
    return f"""
[settings]
send_time = "00:00"
remind = ["0d"]

[calendar]
workdays = ["{today}"]

[email]
host = "127.0.0.1"
port = {smtp_port}
security = "none"
sender = "notice@example.gov.cn"
per_minute = 10000
{wecom}
[delivery]
horizon = "1d"
digest = false
lease = "{lease}"
"""


def start_service(config: Path, db_url: str, log: Path, **env: str) -> subprocess.Popen[bytes]:
    """`reminder run --config CONFIG` on `db_url`, its output appended to `log`."""
    full_env = {**os.environ, "REMINDER_DATABASE_URL": db_url, **env}
    cmd = [sys.executable, "-m", "reminder", "run", "--config", str(config)]
    with log.open("a") as out:
        return subprocess.Popen(cmd, cwd=ROOT, env=full_env, stdout=out, stderr=out)


@contextmanager
def stopped_at_exit(procs: Iterable[subprocess.Popen[bytes]]) -> Iterator[None]:
    """SIGTERM the services at the end of the block; each must exit 0."""
    procs = list(procs)
    try:
        yield
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        codes = [p.wait(timeout=120) for p in procs]
    assert codes == [0] * len(procs), codes


def duplicates(counts: Counter[str]) -> int:
    return sum(n - 1 for n in counts.values())
