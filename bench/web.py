"""Scenario 10: the board and the sent log at scale, through a real server. 10,000 open
occurrences (10,000 yearly deadlines of the shipped offices, due dates spread over the year,
nothing done) and 1,000,000 sent-log rows (three years of them); `reminder serve` in its own
process; an HTTP client asks for the first page of each filter 20 times. The floor: the same
server answering for its stylesheet (a static file: HTTP and the framework, no database).
Target (issue 15): p95 under 100 ms for every filter, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, insert, text

from bench.checkscale import OFFICES
from bench.common import Result
from reminder.app.sync import config_digest, open_database, sync
from reminder.clock import FixedClock
from reminder.config.loader import load_config
from reminder.shipped import shipped
from reminder.store.models import SENT_LOG

NOW = "2027-06-15T10:00+08:00"
SECRET = "bench-secret-0123456789abcdefghijklmn"
PASSWORD = "bench-password"
REPEAT = 20
TARGET_MS = 100.0
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"

BOARD = [
    ("board", {}),
    ("board office", {"office": "legal"}),
    ("board red", {"light": "red"}),
    ("board routine", {"kind": "routine"}),
    ("board unsigned", {"unsigned": "1"}),  # issue 23: who has not signed, over every row
]
LOG = [
    ("log", {}),
    ("log office", {"office": "finance"}),
    ("log failed", {"status": "failed"}),
    ("log wecom", {"channel": "wecom"}),
    ("log dates", {"since": "2026-03-01", "until": "2026-03-31"}),
]


def config_text(n: int) -> str:
    head = shipped("schedules.toml").read_text(encoding="utf-8").split("# 期限（按分工方案顺序")[0]
    start = date(2027, 1, 1)
    parts = [head]
    for i in range(n):
        due = start + timedelta(days=i % 365)
        parts.append(
            f'\n[[deadlines]]\nid = "d{i}"\ntitle = "任务{i}"\n'
            f'lead = ["{OFFICES[i % len(OFFICES)]}"]\ncooperate = ["all"]\n'
            f'due = "yearly {due:%m-%d}"\n'
        )
    return "".join(parts)


def fill_log(url: str, rows: int) -> None:
    """`rows` sent-log rows over three years, newest up to NOW, in bulk."""
    engine = create_engine(url)
    rng = random.Random(15)
    end = datetime(2027, 6, 15, 2, 0, tzinfo=UTC)
    span = int(timedelta(days=3 * 365).total_seconds())
    channels = ("email", "wecom", "webhook")
    batch = []
    with engine.begin() as conn:
        for i in range(rows):
            status = "failed" if rng.random() < 0.002 else "sent"
            batch.append(
                {
                    "at": end - timedelta(seconds=rng.randrange(span)),
                    "outbox_id": None,
                    "message_id": str(uuid.UUID(int=rng.getrandbits(128))),
                    "deadline_id": f"d{rng.randrange(10_000)}",
                    "office_id": OFFICES[i % len(OFFICES)],
                    "channel": channels[i % 3],
                    "kind": "before",
                    "role": "lead",
                    "subject": "【提醒】任务",
                    "status": status,
                    "error": "robot key invalid" if status == "failed" else None,
                    "attempt": 1,
                }
            )
            if len(batch) == 20_000:
                conn.execute(insert(SENT_LOG), batch)
                batch = []
        if batch:
            conn.execute(insert(SENT_LOG), batch)
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
    engine.dispose()


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def serving(config: Path, db_url: str) -> Iterator[str]:
    port = _port()
    env = {
        **os.environ,
        "REMINDER_DATABASE_URL": db_url,
        "REMINDER_SECRET": SECRET,
        "REMINDER_CACHE_DIR": "",
    }
    # The account the bench logs in with (a second run on the same database finds it there).
    add = [sys.executable, "-m", "reminder", "admin", "add", "bench", "--password-stdin"]
    subprocess.run(
        [*add, "--config", str(config)],
        input=f"{PASSWORD}\n".encode(),
        env=env,
        capture_output=True,
        check=False,
    )
    cmd = [
        sys.executable,
        "-m",
        "reminder",
        "serve",
        "--config",
        str(config),
        "--now",
        NOW,
        "--listen",
        f"127.0.0.1:{port}",
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                httpx.get(f"{url}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if proc.poll() is not None:
                    raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)] * 1000


def measure(url: str) -> dict[str, float]:
    out: dict[str, float] = {}
    with httpx.Client(base_url=url, timeout=60) as client:
        r = client.post("/login", data={"name": "bench", "password": PASSWORD})
        assert r.status_code == 303, r.text
        for name, path, params in (
            [("floor", "/static/site.css", {})]
            + [(n, "/board", p) for n, p in BOARD]
            + [(n, "/log", p) for n, p in LOG]
        ):
            client.get(path, params=params)  # warm
            times = []
            for _ in range(REPEAT):
                start = time.perf_counter()
                r = client.get(path, params=params)
                times.append(time.perf_counter() - start)
                assert r.status_code == 200, (path, params, r.status_code, r.text[:300])
            out[name] = p95(times)
    return out


def prepare(tmp: Path, db_url: str, n: int, log_rows: int) -> Path:
    path = tmp / "schedules.toml"
    path.write_text(config_text(n), encoding="utf-8")
    os.environ["REMINDER_DATABASE_URL"] = db_url
    try:
        config = load_config(path, environ={})
        engine = open_database(config)
        clock = FixedClock(datetime(2026, 6, 15, 9, 0, tzinfo=UTC))
        sync(config, engine, clock.now(), digest=config_digest(path.read_bytes()))
        engine.dispose()
    finally:
        os.environ.pop("REMINDER_DATABASE_URL", None)
    fill_log(db_url, log_rows)
    return path


@contextmanager
def databases(tmp: Path) -> Iterator[list[tuple[str, str]]]:
    found = [("SQLite", f"sqlite:///{tmp / 'bench.db'}")]
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"bench_web_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        found.append(("PostgreSQL", f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"))
    except Exception:  # no PostgreSQL here: SQLite only
        name = ""
    try:
        yield found
    finally:
        if name:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(n: int = 10_000, log_rows: int = 1_000_000) -> list[Result]:
    results = []
    with tempfile.TemporaryDirectory() as tmp_name, databases(Path(tmp_name)) as dbs:
        for label, db_url in dbs:
            config = prepare(Path(tmp_name), db_url, n, log_rows)
            with serving(config, db_url) as url:
                times = measure(url)
            floor = times.pop("floor")
            for name, ms in times.items():
                results.append(
                    Result(
                        scenario=f"10 web {name} ({label})",
                        size=f"{n:,} deadlines, {log_rows:,} log rows",
                        ours=ms,
                        peer=floor,
                        peer_name="static file",
                        unit="ms p95",
                        target=f"< {TARGET_MS:g} ms",
                        ok=ms < TARGET_MS,
                    )
                )
    return results
