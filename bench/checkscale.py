"""Scenario 9: `check` and `sync` at scale. 20,000 deadlines (a 2.2 MB file of the shipped
offices, six rule forms, a cooperating group on each), run as the command an administrator
types, in a fresh process, with the config cache off. The floor: tomllib parsing the same file.
Targets (issue 14): check under 3 s and 300 MB, sync under 10 s.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

from bench.common import Result
from reminder.shipped import shipped

RULES = (
    "yearly 01-31",
    "monthly last-workday",
    "quarterly 20",
    "yearly 02-last",
    "weekly MON",
    "half-yearly last-workday",
)
OFFICES = ("office", "legal", "personnel", "villages", "finance", "market", "quality", "approval")


def config_text(n: int) -> str:
    head = shipped("schedules.toml").read_text(encoding="utf-8").split("# 期限（按分工方案顺序")[0]
    return head + "".join(
        f'\n[[deadlines]]\nid = "d{i}"\ntitle = "任务{i}"\nlead = ["{OFFICES[i % len(OFFICES)]}"]\n'
        f'cooperate = ["all"]\ndue = "{RULES[i % len(RULES)]}"\n'
        for i in range(n)
    )


def _timed(args: list[str], cwd: Path) -> tuple[float, float]:
    """Seconds and peak resident MB of one `reminder` command in its own process."""
    env = {**os.environ, "REMINDER_CACHE_DIR": ""}
    env.pop("REMINDER_DATABASE_URL", None)
    # The peak of this process's own memory (VmHWM, kB): ru_maxrss is kept across the exec
    # that starts it, so a child of a big bench process (a full run) reported the bench's peak.
    code = (
        "import re, sys; from reminder.cli.main import main; rc = main(sys.argv[1:]); "
        "peak = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()); "
        "print(peak[1], file=sys.stderr); sys.exit(rc)"
    )
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(done.stdout + done.stderr)
    return seconds, int(done.stderr.strip().splitlines()[-1]) / 1024


def run(n: int = 20_000) -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        text = config_text(n)
        (folder / "schedules.toml").write_text(text, encoding="utf-8")
        start = time.perf_counter()
        tomllib.loads(text)
        floor = time.perf_counter() - start
        now = ["--now", "2026-11-28T09:00"]
        check_s, check_mb = _timed(["check", *now], folder)
        sync_s, sync_mb = _timed(["sync", *now], folder)
    size = f"{n:,} deadlines, {len(text.encode()) / 1e6:.1f} MB"
    memory = "yes" if check_mb < 300 else "NO"
    return [
        Result(
            scenario="9 check at scale",
            size=size,
            ours=check_s,
            peer=floor,
            peer_name="tomllib alone",
            unit="s",
            target="< 3 s",
            ok=check_s < 3 and check_mb < 300,
            note=f"peak {check_mb:.0f} MB (< 300 MB: {memory})",
        ),
        Result(
            scenario="9 sync at scale",
            size=size,
            ours=sync_s,
            peer=floor,
            peer_name="tomllib alone",
            unit="s",
            target="< 10 s",
            ok=sync_s < 10,
            note=f"peak {sync_mb:.0f} MB, into a new SQLite file",
        ),
    ]
