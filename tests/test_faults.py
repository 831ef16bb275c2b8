"""kill -9 at random points during a batch of 1,000 reminders, 20 times, restarting each time:
every reminder arrives, and a duplicate can only be a message in flight at a kill. And the
PostgreSQL server stopped and started again under a running service."""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.processes import (
    due_now_header,
    duplicates,
    start_service,
    stopped_at_exit,
    wait_for,
)
from tests.servers import SmtpServer

REMINDERS = 1000
KILLS = 20
OFFICES = 50


def _config(smtp_port: int, today: str, reminders: int = REMINDERS) -> str:
    offices = "".join(
        f'\n[[offices]]\nid = "o{i:02d}"\nname = "科室{i:02d}"\n'
        f'email = ["o{i:02d}@example.gov.cn"]\n'
        for i in range(OFFICES)
    )
    deadlines = "".join(
        f'\n[[deadlines]]\nid = "t{i:04d}"\ntitle = "任务{i:04d}"\n'
        f'lead = ["o{i % OFFICES:02d}"]\ndue = "{today}"\n'
        for i in range(reminders)
    )
    return due_now_header(smtp_port, today, lease="1s") + offices + deadlines


def _today() -> str:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()


@pytest.mark.slow
def test_kill_9_twenty_times_loses_nothing(tmp_path: Path, db_url: str) -> None:
    rng = random.Random(20261128)
    with SmtpServer() as smtp:
        path = tmp_path / "schedules.toml"
        path.write_text(_config(smtp.port, _today()), encoding="utf-8")
        log = tmp_path / "run.log"

        def received() -> int:
            return len(smtp.received)

        kills = 0
        while kills < KILLS:
            proc = start_service(path, db_url, log)
            target = received() + rng.randint(1, 60)
            wait_for(lambda t=target, p=proc: received() >= t or p.poll() is not None)  # type: ignore[misc]
            assert proc.poll() is None, log.read_text()
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            kills += 1
            if received() >= REMINDERS:
                break
        with stopped_at_exit([start_service(path, db_url, log)]):
            titles = lambda: {m.message["Subject"] for m in smtp.received}  # noqa: E731
            assert wait_for(lambda: len(titles()) >= REMINDERS, 300), f"{len(titles())} arrived"
        counts = Counter(m.message["Subject"] for m in smtp.received)
    assert len(counts) == REMINDERS  # nothing lost
    assert duplicates(counts) <= kills, f"{duplicates(counts)} duplicates after {kills} kills"


def _pg_cluster() -> list[str]:
    """pg_ctlcluster's version and cluster name, or skip (no local cluster to restart)."""
    versions = (
        sorted(p.name for p in Path("/etc/postgresql").glob("*"))
        if Path("/etc/postgresql").is_dir()
        else []
    )
    if not versions or shutil.which("pg_ctlcluster") is None:
        pytest.skip("no local PostgreSQL cluster that this test may stop and start")
    return ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main"]


@pytest.mark.slow
def test_postgresql_restarted_under_a_running_service(tmp_path: Path, db_url: str) -> None:
    """Stop the PostgreSQL server in the middle of a batch, start it again: the service logs
    the lost database, backs off, reconnects and sends everything; at most the message in
    flight when the server went away is repeated."""
    if not db_url.startswith("postgresql"):
        pytest.skip("a PostgreSQL server restart")
    cluster = _pg_cluster()
    total = 1000
    with SmtpServer() as smtp:
        path = tmp_path / "schedules.toml"
        path.write_text(_config(smtp.port, _today(), total), encoding="utf-8")
        log = tmp_path / "run.log"
        proc = start_service(path, db_url, log)
        with stopped_at_exit([proc]):
            assert wait_for(lambda: len(smtp.received) >= 100, 120), log.read_text()
            subprocess.run([*cluster, "stop", "-m", "fast"], check=True, timeout=60)
            try:
                noticed = wait_for(lambda: "failed: database" in log.read_text(), 30)
            finally:
                subprocess.run([*cluster, "start"], check=True, timeout=60)
            assert noticed, log.read_text()[-2000:]
            assert proc.poll() is None, "the service died with the database"
            subjects = lambda: {m.message["Subject"] for m in smtp.received}  # noqa: E731
            assert wait_for(lambda: len(subjects()) >= total, 180), f"{len(subjects())} arrived"
        counts = Counter(m.message["Subject"] for m in smtp.received)
    assert len(counts) == total  # nothing lost
    assert duplicates(counts) <= 1, f"{duplicates(counts)} duplicates"
    assert "retrying in" in log.read_text()
