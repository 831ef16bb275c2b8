"""kill -9 at random points during a batch of 1,000 reminders, 20 times, restarting each time:
every reminder arrives, and a duplicate can only be a message in flight at a kill. And the
PostgreSQL server stopped and started again under a running service."""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import postgresql_only
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


@postgresql_only
def test_postgresql_restarted_under_a_running_service(tmp_path: Path, db_url: str) -> None:
    """Stop the PostgreSQL server in the middle of a batch, start it again: the service logs
    the lost database, backs off, reconnects and sends everything; at most the message in
    flight when the server went away is repeated."""
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
                noticed = wait_for(lambda: "failed: database" in log.read_text(), 90)
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


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB file system of its own (tmpfs; needs root, as CI has)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (not root)")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def test_a_full_disk_fails_the_pass_in_one_line_and_it_recovers_when_space_returns(
    small_disk: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from reminder.cli.main import main
    from tests.conftest import BASE

    monkeypatch.chdir(small_disk)
    monkeypatch.delenv("REMINDER_DATABASE_URL", raising=False)
    (small_disk / "schedules.toml").write_text(BASE, encoding="utf-8")
    assert main(["tick", "--dry-run", "--now", "2026-01-02T09:00"]) == 0
    capsys.readouterr()
    filler = small_disk / "filler"
    with contextlib.suppress(OSError), filler.open("wb") as f:  # every byte left
        while True:
            f.write(b"\0" * 65536)
            f.flush()
    code = main(["tick", "--dry-run", "--now", "2026-01-30T09:00"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.splitlines()[-1] == (
        f"reminder: database sqlite:///{small_disk}/reminder.db: database or disk is full"
    )
    filler.unlink()
    assert main(["tick", "--dry-run", "--now", "2026-01-30T09:00"]) == 0
    capsys.readouterr()
    assert main(["log", "--format", "json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    # The due day's reminders, once each: nothing was recorded by the pass that failed.
    went = [e for e in entries if e["status"] == "dry-run"]
    assert sorted((e["office"], e["kind"], e["status"]) for e in went) == [
        ("legal", "due", "dry-run"),
        ("office", "due", "dry-run"),
    ]


def test_a_database_file_that_is_not_a_database_is_one_line_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from reminder.cli.main import main
    from tests.conftest import BASE

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("REMINDER_DATABASE_URL", raising=False)
    (tmp_path / "schedules.toml").write_text(BASE, encoding="utf-8")
    assert main(["sync", "--now", "2026-01-02T09:00"]) == 0
    db = tmp_path / "reminder.db"
    header = db.read_bytes()[:100]  # a SQLite header, then garbage: a damaged copy
    for damage in (b"this is not a database\n", header + b"\xff" * 9000):
        for extra in ("-wal", "-shm"):
            Path(f"{db}{extra}").unlink(missing_ok=True)
        db.write_bytes(damage)
        capsys.readouterr()
        for command in (["tick", "--now", "2026-01-30T09:00"], ["log"], ["status"]):
            code = main(command)
            err = capsys.readouterr().err
            assert code == 1, command
            assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
            assert err.startswith(f"reminder: database sqlite:///{db}: "), err


def test_a_stale_lock_file_from_a_killed_run_does_not_stop_the_next_one(tmp_path: Path) -> None:
    """The lock is an flock on the file, which dies with its process: a file left behind by
    `kill -9` (its text naming a process long gone) is taken over; a live holder is not."""
    from reminder.store.engine import make_engine
    from reminder.store.lock import AlreadyRunning, single_instance

    engine = make_engine(f"sqlite:///{tmp_path / 'reminder.db'}")
    (tmp_path / "reminder.db.lock").write_text("pid 999999 on gone since 2026-01-01\n")
    with single_instance(engine):
        text = (tmp_path / "reminder.db.lock").read_text()
        assert text.startswith(f"pid {os.getpid()} on ")
        second = make_engine(f"sqlite:///{tmp_path / 'reminder.db'}")
        with (
            pytest.raises(AlreadyRunning, match="is in use by another `reminder run` \\(pid "),
            single_instance(second),
        ):
            pass
