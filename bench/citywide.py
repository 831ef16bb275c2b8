"""Scenario 14: a city's minute. 2,500 reminders due in the same minute to 500 WeCom robots
answering in 50 ms (5 each), sent by two `reminder run` instances on one PostgreSQL database;
the robot server enforces the real 20-a-minute limit (45009 beyond it). Lateness is from the
due minute to each request reaching the robot; also counted: duplicates, 45009 answers, and
the most any robot received within a minute.

Real time: the reminders fall due at the start of a whole minute at least 30 s ahead (the
services start, sync and plan first), so a run takes a minute or two.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.common import Result, offices_toml, pg_database
from bench.robot import Robot

ROOT = Path(__file__).resolve().parents[1]
TZ = ZoneInfo("Asia/Shanghai")
ROBOTS, PER_ROBOT, INSTANCES = 500, 5, 2
TARGET = 5.0  # p99 lateness, seconds


def _config(url: str, due: datetime, robots: int, per_robot: int) -> str:
    day = due.date().isoformat()
    deadlines = "".join(
        f'[[deadlines]]\nid = "t{n:05d}"\ntitle = "任务{n:05d}"\n'
        f'lead = ["o{n % robots:03d}"]\ndue = "{day}"\n\n'
        for n in range(robots * per_robot)
    )
    return (
        f'[settings]\nsend_time = "{due:%H:%M}"\nremind = ["0d"]\n\n'
        f'[calendar]\nworkdays = ["{day}"]\n\n[wecom]\nurl = "{url}"\ntimeout = 5\n\n'
        f'[delivery]\nhorizon = "1d"\ndigest = false\n\n'
        f"{offices_toml(robots, 'wecom')}{deadlines}"
    )


def _next_minute(lead: float = 30.0) -> datetime:
    now = datetime.now(TZ)
    due = (now + timedelta(minutes=1)).replace(second=0, microsecond=0)
    return due + timedelta(minutes=1) if (due - now).total_seconds() < lead else due


def most_in_a_minute(arrivals: list[tuple[float, str]]) -> int:
    """The most posts any one robot received within 60 s."""
    by_key: dict[str, list[float]] = defaultdict(list)
    for at, key in arrivals:
        by_key[key].append(at)
    most = 0
    for times in by_key.values():
        times.sort()
        start = 0
        for end, at in enumerate(times):
            while at - times[start] >= 60:
                start += 1
            most = max(most, end - start + 1)
    return most


def _one_run(robots: int, per_robot: int, tmp: Path) -> tuple[list[float], dict[str, int], int]:
    total = robots * per_robot
    with Robot(latency=0.05, per_minute=20) as robot, pg_database() as url:
        due = _next_minute()
        path = tmp / "schedules.toml"
        path.write_text(_config(robot.url, due, robots, per_robot), encoding="utf-8")
        env = {**os.environ, "REMINDER_DATABASE_URL": url}
        cmd = [sys.executable, "-m", "reminder"]
        out = subprocess.DEVNULL
        # The database made and planned first, as a deployment's is before the minute comes.
        sync = [*cmd, "sync", "--config", str(path)]
        subprocess.run(sync, env=env, cwd=ROOT, check=True, stdout=out, stderr=out)
        procs = [
            subprocess.Popen(
                [*cmd, "run", "--config", str(path)], cwd=ROOT, env=env, stdout=out, stderr=out
            )
            for _ in range(INSTANCES)
        ]
        try:
            until = due.timestamp() + 90
            while robot.stats()["distinct"] < total and time.time() < until:
                time.sleep(0.2)
            time.sleep(1)  # anything sent twice arrives too
        finally:
            for p in procs:
                p.send_signal(signal.SIGTERM)
            codes = [p.wait(timeout=120) for p in procs]
        assert codes == [0] * INSTANCES, codes
        stats, arrivals = robot.stats(), robot.arrivals()
    lateness = sorted(at - due.timestamp() for at, _ in arrivals)
    return lateness, stats, most_in_a_minute(arrivals)


def run(robots: int = ROBOTS, per_robot: int = PER_ROBOT, runs: int = 1) -> list[Result]:
    total = robots * per_robot
    results = []
    for i in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            lateness, stats, most = _one_run(robots, per_robot, Path(tmp))
        p99 = lateness[min(len(lateness) - 1, int(len(lateness) * 0.99))] if lateness else 0.0
        dup = stats["posts"] - stats["distinct"]
        ok = (
            bool(lateness) and p99 < TARGET and dup == 0 and stats["45009"] == 0 and most <= 20
        ) and stats["distinct"] == total
        results.append(
            Result(
                f"14 city minute, {INSTANCES} instances (PostgreSQL), run {i + 1}",
                f"{total:,} reminders, {robots} robots, 50 ms",
                p99,
                None,
                "(absolute)",
                "s",
                f"p99 < {TARGET:g} s, 0 dup, 0 45009, ≤ 20/min",
                ok,
                f"{stats['distinct']:,} arrived; median {lateness[len(lateness) // 2]:.2f} s, "
                f"max {lateness[-1]:.2f} s; duplicates {dup}, 45009 {stats['45009']}, most "
                f"to one robot in a minute {most}"
                if lateness
                else "nothing arrived",
            )
        )
    return results
