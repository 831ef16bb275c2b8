"""Scenario 4: dispatch 5,000 WeCom messages (250 robots x 20, the robot server's rate limit
off) with the real dispatcher on SQLite: claim, render, log, send, record. Peers post the same
bodies to the same server: a bare httpx loop, and Apprise (json://). Each side runs three
times, in turns; the best of each counts. Then, with the server's
limit on, 25 messages for each of 40 robots: our limiter must hold (zero 45009)."""

from __future__ import annotations

import tempfile
import time
from datetime import datetime
from pathlib import Path

import httpx
from sqlalchemy import select

from bench.common import Result, robots_toml
from bench.keys import robot_key
from bench.robot import Robot
from reminder.app.runtime import Runtime
from reminder.clock import FixedClock
from reminder.store.engine import make_engine, transaction
from reminder.store.migrate import upgrade
from reminder.store.models import SentLogRow

DAY = "2026-03-31"  # a Tuesday, a working day
ROUNDS = 3


def _runtime(tmp: str, url: str, robots: int, per_robot: int) -> Runtime:
    path = Path(tmp) / "schedules.toml"
    path.write_text(robots_toml(url, robots, per_robot, DAY), encoding="utf-8")
    clock = FixedClock(datetime.fromisoformat(f"{DAY}T08:00+08:00"))
    engine = make_engine(f"sqlite:///{tmp}/reminder.db")
    upgrade(engine)
    runtime = Runtime(str(path), clock=clock, engine=engine)
    runtime.sync_and_plan()
    clock.set(datetime.fromisoformat(f"{DAY}T09:00+08:00"))
    return runtime


def _ours(robot: Robot, robots: int, per_robot: int) -> tuple[float, list[tuple[str, str]]]:
    """Seconds for one dispatch pass, and the (key, body) of every message it sent."""
    with tempfile.TemporaryDirectory() as tmp:
        runtime = _runtime(tmp, robot.url, robots, per_robot)
        start = time.perf_counter()
        report = runtime.dispatch()
        seconds = time.perf_counter() - start
        assert report.counts["sent"] == robots * per_robot, report.summary()
        with transaction(runtime.engine) as s:
            rows = s.execute(select(SentLogRow.office_id, SentLogRow.body)).all()
        runtime.engine.dispose()
    return seconds, [(robot_key(int(office[1:])), body or "") for office, body in rows]


def _httpx_loop(url: str, messages: list[tuple[str, str]]) -> float:
    with httpx.Client(timeout=5) as client:
        start = time.perf_counter()
        for key, body in messages:
            answer = client.post(
                url,
                params={"key": key},
                json={"msgtype": "markdown", "markdown": {"content": body}},
            )
            assert answer.json()["errcode"] == 0
        return time.perf_counter() - start


def _apprise(base: str, messages: list[tuple[str, str]]) -> float:
    import apprise

    host = base.removeprefix("http://")
    targets: dict[str, apprise.Apprise] = {}
    for key, _ in messages:
        if key not in targets:
            targets[key] = apprise.Apprise()
            targets[key].add(f"json://{host}/cgi-bin/webhook/send?-key={key}")
    start = time.perf_counter()
    for key, body in messages:
        assert targets[key].notify(body=body, title="")
    return time.perf_counter() - start


def run(robots: int = 250, per_robot: int = 20) -> list[Result]:
    total = robots * per_robot
    size = f"{total:,} messages, {robots} robots"
    with Robot() as robot:
        # Each side ROUNDS times, taking turns, and its best: this VM's speed drifts by a fifth
        # within a minute, and one run of each would compare different minutes.
        ours, bare, peer = float("inf"), float("inf"), float("inf")
        for _ in range(ROUNDS):
            seconds, messages = _ours(robot, robots, per_robot)
            ours = min(ours, seconds)
            bare = min(bare, _httpx_loop(robot.url, messages))
            peer = min(peer, _apprise(robot.base, messages))
        assert robot.stats()["posts"] == 3 * ROUNDS * total
    results = [
        Result(
            "4 dispatch vs bare httpx loop",
            size,
            total / ours,
            total / bare,
            "httpx loop",
            "msg/s",
            "≥ 0.5× httpx",
            total / ours >= 0.5 * total / bare,
            f"best of {ROUNDS}: ours {ours:.1f} s, httpx {bare:.1f} s",
        ),
        Result(
            "4 dispatch vs Apprise json://",
            size,
            total / ours,
            total / peer,
            "Apprise 2.x",
            "msg/s",
            "≥ 2× Apprise",
            total / ours >= 2 * total / peer,
            f"best of {ROUNDS}: ours {ours:.1f} s, Apprise {peer:.1f} s",
        ),
    ]
    with Robot(per_minute=20) as limited, tempfile.TemporaryDirectory() as tmp:
        runtime = _runtime(tmp, limited.url, 40, 25)
        report = runtime.dispatch()
        stats = limited.stats()
        runtime.engine.dispose()
    results.append(
        Result(
            "4 rate limit on: 25 each to 40 robots",
            "1,000 messages",
            stats["45009"],
            None,
            "-",
            "45009s",
            "zero 45009",
            stats["45009"] == 0 and stats["posts"] == 800,
            f"{stats['posts']} sent, {report.counts['deferred']} deferred to the next minute",
        )
    )
    return results
