"""Scenario 13: latency-bound fan-out, both sides whole processes. 200 messages to 40 WeCom
robots answering in 50 ms: one `reminder tick` process on a fresh SQLite file (start-up,
migrate, sync, plan, ledger, send) against one Apprise process posting the same 200 messages
to 40 json:// targets (`bench.apprise_peer`: no ledger, no rate limit). Each side runs as
`pip install` of it would have it, in an environment of its own (bench/installs.py). Run in
pairs, the order swapped from pair to pair (this machine's speed drifts); medians of each side
and of the pairs' ratios."""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import tempfile
import time
from functools import partial
from pathlib import Path

from bench.common import Result, robots_toml
from bench.installs import venv
from bench.robot import Robot

ROOT = Path(__file__).resolve().parents[1]
DAY = "2026-03-31"  # a working day
ROBOTS, PER_ROBOT = 40, 5


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one whole process (it must exit 0)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert proc.returncode == 0, (cmd, proc.stdout[-2000:], proc.stderr[-2000:])
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def _ours(python: Path, robot: Robot, robots: int, per_robot: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "schedules.toml"
        path.write_text(robots_toml(robot.url, robots, per_robot, DAY), encoding="utf-8")
        env = {**os.environ, "REMINDER_DATABASE_URL": f"sqlite:///{tmp}/reminder.db"}
        cmd = [str(python), "-m", "reminder", "tick", "--config", str(path)]
        return timed([*cmd, "--now", f"{DAY}T09:00+08:00"], env)


def _peer(python: Path, robot: Robot, robots: int, per_robot: int) -> tuple[float, float]:
    cmd = [str(python), "-m", "bench.apprise_peer", robot.base, str(robots), str(per_robot)]
    return timed(cmd, dict(os.environ))


def run(pairs: int = 5, robots: int = ROBOTS, per_robot: int = PER_ROBOT) -> list[Result]:
    total = robots * per_robot
    ours: list[tuple[float, float]] = []
    peer: list[tuple[float, float]] = []
    with Robot(latency=0.05) as robot, tempfile.TemporaryDirectory() as envs:
        side = partial(_ours, venv(Path(envs) / "reminder", "reminder"), robot, robots, per_robot)
        other = partial(_peer, venv(Path(envs) / "apprise", "apprise"), robot, robots, per_robot)
        side()  # warm-up: the interpreter's and the OS's caches
        other()
        for i in range(pairs):
            if i % 2:
                peer.append(other())
                ours.append(side())
            else:
                ours.append(side())
                peer.append(other())
        stats = robot.stats()
    assert stats["posts"] == 2 * (pairs + 1) * total, stats
    wall = statistics.median(w for w, _ in ours)
    peer_wall = statistics.median(w for w, _ in peer)
    ratio = statistics.median(o[0] / p[0] for o, p in zip(ours, peer, strict=True))
    return [
        Result(
            "13 fan-out, whole processes",
            f"{total} messages, {robots} robots, 50 ms",
            wall,
            peer_wall,
            "Apprise 2.x",
            "s",
            "≤ 0.5× Apprise",
            ratio <= 0.5,
            f"median of {pairs} pairs: ours/Apprise {ratio:.2f}; CPU ours "
            f"{statistics.median(c for _, c in ours):.2f} s, Apprise "
            f"{statistics.median(c for _, c in peer):.2f} s; range ours "
            f"{min(w for w, _ in ours):.2f}-{max(w for w, _ in ours):.2f} s",
        )
    ]
