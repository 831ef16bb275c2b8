from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from reminder.calendar.workcal import WorkCalendar
from reminder.clock import FixedClock
from reminder.config.loader import parse_config
from reminder.config.model import Config
from tests.delivery_harness import KEY_FINANCE, KEY_LEGAL, PASSWORD, Harness, at
from tests.servers import FakeWecom, SmtpServer

pytest_plugins = ["tests.noskip"]  # under CI, a skip is a failure

ROOT = Path(__file__).resolve().parents[1]
# The parsed-config cache of this run (and of the processes it starts) stays out of ~/.cache.
os.environ.setdefault("REMINDER_CACHE_DIR", tempfile.mkdtemp(prefix="reminder-test-cache-"))
SHIPPED = ROOT / "schedules.toml"

# A small valid schedules.toml; tests change one line of it at a time.
BASE = """\
[settings]
timezone = "Asia/Shanghai"
send_time = "09:00"
remind = ["7d", "1wd", "0d"]

[[offices]]
id = "office"
name = "办公室"
email = ["bgs@example.gov.cn"]

[[offices]]
id = "legal"
name = "法规信访科"
email = ["fgxfk@example.gov.cn"]

[[groups]]
id = "all"
name = "各科室（单位）"
members = ["office", "legal"]

[[deadlines]]
id = "annual-report"
task = 41
title = "发布年度报告"
limit = "每年1月31日前"
lead = ["office"]
cooperate = ["all"]
due = "yearly 01-31"
"""


def variant(old: str, new: str, base: str = BASE) -> str:
    """BASE with one exact piece of text replaced (the piece must be there)."""
    assert old in base, old
    return base.replace(old, new, 1)


def config_from(text: str, **env: str) -> Config:
    return parse_config(text, "schedules.toml", environ=env)


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(at("2026-03-01 08:00"))


@pytest.fixture
def servers(clock: FixedClock) -> Iterator[tuple[SmtpServer, FakeWecom]]:
    with (
        SmtpServer(users={"notice@example.gov.cn": PASSWORD}) as smtp,
        FakeWecom(keys={KEY_LEGAL, KEY_FINANCE}, clock=clock.now) as wecom,
    ):
        yield smtp, wecom


def postgresql_only(test: object) -> object:
    """Run a test that takes `db_url` (or `harness`) on PostgreSQL only."""
    marks = (pytest.mark.postgres, pytest.mark.slow)
    only = pytest.mark.parametrize(
        "db_url", [pytest.param("postgresql", marks=marks)], indirect=True
    )
    return only(test)


PG_ADMIN = os.environ.get("REMINDER_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_admin() -> Engine:
    # pool_pre_ping: a test may restart the server under a pooled connection
    engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:
        pytest.skip(
            f"no PostgreSQL at {PG_ADMIN} ({type(exc).__name__}); "
            "start it to run the PostgreSQL variants"
        )
    return engine


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=(pytest.mark.postgres, pytest.mark.slow))]
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a new PostgreSQL database dropped after."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'reminder.db'}"
        return
    with pg_database() as url:
        yield url


@contextmanager
def pg_database() -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped after."""
    admin = _pg_admin()
    name = f"reminder_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def harness(
    tmp_path: Path,
    servers: tuple[SmtpServer, FakeWecom],
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
    db_url: str,
) -> Harness:
    monkeypatch.setenv("SMTP_PASSWORD", PASSWORD)
    monkeypatch.setenv("WECOM_KEY_LEGAL", KEY_LEGAL)
    monkeypatch.setenv("WECOM_KEY_FINANCE", KEY_FINANCE)
    monkeypatch.setenv("REMINDER_DATABASE_URL", db_url)
    h = Harness(tmp_path, *servers, clock)
    h.write()
    return h
