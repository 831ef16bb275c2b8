"""Scenario 6: `reminder run` with 10,000 deadlines (already synced) until it is ready to
dispatch, against importing its dependencies alone: wall time and peak memory.

6c: `reminder --help` against a Python that imports what the command line imported at start
before the extras were split off (issue 21): every command's libraries, the web and import ones
among them.

The `tick` that syncs the database first also leaves the parsed file in the config cache
(`reminder.config.cache`), as any earlier start with the same file would: the run measured is
a restart with an unchanged file. `first start` is also reported, with the cache off.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import RULES, Result, offices_toml

ROOT = Path(__file__).resolve().parents[1]
IMPORTS = (
    "import apscheduler.schedulers.background, sqlalchemy.orm, alembic.command, jinja2, "
    "dateutil.rrule, httpx, chinese_calendar, holidays"
)
# What `import reminder.cli.main` loaded before commands imported their libraries when run.
EAGER = (
    "import argparse, reminder.app.runtime, reminder.app.actions, reminder.app.completion, "
    "reminder.app.feeds, reminder.app.report, reminder.app.retention, reminder.store.migrate, "
    "reminder.importing.table, reminder.web.context"
)


def _toml(n: int) -> str:
    offices = offices_toml(50, "email")
    deadlines = "".join(
        f'[[deadlines]]\nid = "d{i:05d}"\ntitle = "任务{i}"\n'
        f'lead = ["o{i % 50:03d}"]\ndue = "{RULES[i % 12]}"\n\n'
        for i in range(n)
    )
    return (
        f'[settings]\nremind = ["7d", "0d"]\n\n[email]\nhost = "127.0.0.1"\nport = 9\n'
        f'security = "none"\nsender = "n@example.gov.cn"\n\n{offices}{deadlines}'
    )


def imports_only() -> tuple[float, int]:
    """Wall time and peak memory of a Python that imports the dependencies."""
    code = IMPORTS + "; print('ready', flush=True); import sys; sys.stdin.read()"
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    proc.stdout.readline()  # imported; it now waits, so its peak can be read
    seconds = time.perf_counter() - start
    peak = _peak_kb(proc.pid)
    proc.communicate("", timeout=60)
    return seconds, peak


def ours(n: int, *, cached: bool = True) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "schedules.toml"
        path.write_text(_toml(n), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k != "REMINDER_DATABASE_URL"}
        env["REMINDER_CACHE_DIR"] = str(Path(tmp) / "cache") if cached else ""
        base = [sys.executable, "-m", "reminder"]
        subprocess.run(
            [*base, "tick", "--dry-run", "--config", str(path)],
            check=True,
            cwd=ROOT,
            env=env,
            capture_output=True,
        )  # synced and planned once
        start = time.perf_counter()
        proc = subprocess.Popen(
            [*base, "run", "--dry-run", "--config", str(path)],
            cwd=ROOT,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stderr is not None
        for line in proc.stderr:
            if "reminder.service: started with" in line:
                break
        seconds = time.perf_counter() - start
        peak = _peak_kb(proc.pid)
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
    return seconds, peak


def _seconds(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, capture_output=True)
    return time.perf_counter() - start


def help_times(repeat: int) -> tuple[float, float]:
    """Medians of `reminder --help` and of a Python that imports what it used to (EAGER)."""
    ours, eager = [], []
    for _ in range(repeat):
        ours.append(_seconds([sys.executable, "-m", "reminder", "--help"]))
        eager.append(_seconds([sys.executable, "-c", EAGER]))
    return statistics.median(ours), statistics.median(eager)


def _peak_kb(pid: int) -> int:
    """The process's own peak resident memory so far (VmHWM), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def run(n: int = 10_000, repeat: int = 5) -> list[Result]:
    """Each side `repeat` times, alternating, and the median of each: a single start on a
    2-core machine moves by a third from one run to the next."""
    imp, our = [], []
    for _ in range(repeat):
        imp.append(imports_only())
        our.append(ours(n))
    t_imp, rss_imp = statistics.median(t for t, _ in imp), statistics.median(m for _, m in imp)
    t_ours, rss_ours = statistics.median(t for t, _ in our), statistics.median(m for _, m in our)
    t_cold = statistics.median(ours(n, cached=False)[0] for _ in range(repeat))
    t_help, t_eager = help_times(3 * repeat)
    size = f"{n:,} deadlines"
    return [
        Result(
            "6 start-up time",
            size,
            t_ours,
            t_imp,
            "importing the dependencies",
            "s",
            "≤ 1.5× imports",
            t_ours <= 1.5 * t_imp,
            f"median of {repeat}",
        ),
        Result(
            "6b … first start after an edit",
            size,
            t_cold,
            t_imp,
            "importing the dependencies",
            "s",
            "(informational)",
            None,
            "config cache off: the file is parsed",
        ),
        Result(
            "6 start-up peak memory",
            size,
            rss_ours / 1024,
            rss_imp / 1024,
            "importing the dependencies",
            "MB",
            "≤ 1.5× imports",
            rss_ours <= 1.5 * rss_imp,
        ),
        Result(
            "6c reminder --help",
            "-",
            t_help,
            t_eager,
            "the imports before issue 21",
            "s",
            "≤ 0.5× eager imports",
            t_help <= 0.5 * t_eager,
            f"median of {3 * repeat}",
        ),
    ]
