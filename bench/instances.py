"""Scenario 7: several instances on one PostgreSQL. 10,000 WeCom messages (500 robots x 20,
within each robot's minute budget) to a robot server answering after 50 ms; the time for one
`reminder tick` process to send them all, against two such processes started together."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.common import Result, robots_toml
from bench.robot import Robot

ROOT = Path(__file__).resolve().parents[1]
PG = os.environ.get("REMINDER_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DAY = "2026-03-31"  # a working day
PER_ROBOT = 20


def _tick(path: Path, url: str, now: str, instances: int) -> float:
    env = {**os.environ, "REMINDER_DATABASE_URL": url}
    cmd = [sys.executable, "-m", "reminder", "tick", "--config", str(path), "--now", now]
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(instances)
    ]
    codes = [p.wait() for p in procs]
    assert codes == [0] * instances, codes
    return time.perf_counter() - start


def _one_run(robot: Robot, robots: int, instances: int) -> float:
    admin = create_engine(PG, isolation_level="AUTOCOMMIT")
    name = f"reminder_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "schedules.toml"
            path.write_text(
                robots_toml(robot.url, robots, PER_ROBOT, DAY, wecom="timeout = 5"),
                encoding="utf-8",
            )
            _tick(path, url, f"{DAY}T08:00+08:00", 1)  # sync and plan; nothing is due yet
            before = robot.stats()["posts"]
            seconds = _tick(path, url, f"{DAY}T09:00+08:00", instances)
            sent = robot.stats()["posts"] - before
            assert sent == robots * PER_ROBOT, f"{sent} sent by {instances} instance(s)"
            return seconds
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(messages: int = 10_000, latency: float = 0.05) -> list[Result]:
    robots = messages // PER_ROBOT
    with Robot(latency=latency) as robot:
        one = _one_run(robot, robots, 1)
        two = _one_run(robot, robots, 2)
    speedup = one / two
    return [
        Result(
            "7 two instances vs one, PostgreSQL",
            f"{messages:,} messages, {latency * 1000:.0f} ms WeCom",
            two,
            one,
            "one instance",
            "s",
            "≥ 1.6× one",
            speedup >= 1.6,
            f"speed-up {speedup:.2f}×",
        )
    ]
