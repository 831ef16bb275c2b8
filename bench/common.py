"""Shared bench helpers: timing, the result row, and a synthetic config of N deadlines."""

from __future__ import annotations

import os
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from datetime import time as clock_time

from bench.keys import robot_key
from reminder.calendar.parse import parse_rule
from reminder.calendar.rules import Offset
from reminder.config.model import (
    CalendarOverrides,
    Config,
    Deadline,
    Delivery,
    EmailSettings,
    Office,
    Settings,
    WebhookSettings,
    WecomSettings,
)

RRULE_START = date(2025, 12, 1)

# The mix of scenario 1: yearly, monthly, weekly and RRULE forms, a quarter each.
RULES = [
    "yearly 01-31",
    "yearly 02-last",
    "yearly 06-30",
    "yearly 12-31",
    "monthly 15",
    "monthly last",
    "monthly last-workday",
    "monthly workday 3",
    "weekly MON",
    "weekly FRI",
    "weekly WED",
    "weekly THU",
    "RRULE:FREQ=MONTHLY;BYDAY=-1FR",
    "RRULE:FREQ=MONTHLY;BYMONTHDAY=10,25",
    "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
    "RRULE:FREQ=YEARLY;BYMONTH=3,9;BYMONTHDAY=1",
]


@dataclass(frozen=True)
class Result:
    scenario: str
    size: str
    ours: float
    peer: float | None
    peer_name: str
    unit: str
    target: str
    ok: bool | None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.peer is None or self.ours == 0:
            return None
        return self.peer / self.ours


def _timings(repeat: int, work: Callable[[], object]) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return times


def best_of(repeat: int, work: Callable[[], object]) -> float:
    """The best wall time of `repeat` runs: the least disturbed by the machine."""
    return min(_timings(repeat, work))


def median_of(repeat: int, work: Callable[[], object]) -> float:
    return statistics.median(_timings(repeat, work))


def synthetic_config(
    n: int,
    *,
    remind: tuple[str, ...] = ("7d", "1wd", "0d"),
    rules: list[str] | None = None,
    distinct: bool = False,
) -> Config:
    """A config of `n` deadlines cycling through `rules`, all led by one office. `distinct`
    gives every rule its own `end` (after 2100: the same dates, but nothing shared between
    deadlines by the planner's memo)."""
    rules = rules or RULES
    offsets = tuple(Offset(int(r.rstrip("wd")), "wd" if r.endswith("wd") else "d") for r in remind)
    office = Office(id="office", name="办公室", email=("a@example.gov.cn",))
    # RRULEs start where the dateutil floor's do (dtstart 2025-12-01): the same rules.
    deadlines = tuple(
        Deadline(
            id=f"d{i:05d}",
            title=f"任务{i}",
            lead=("office",),
            task=None,
            rule=parse_rule(
                rules[i % len(rules)],
                start=RRULE_START if rules[i % len(rules)].startswith("RRULE") else None,
                end=date(2100, 1, 1) + timedelta(days=i) if distinct else None,
            ),
        )
        for i in range(n)
    )
    return Config(
        path="bench.toml",
        settings=Settings(remind=offsets, send_time=clock_time(9, 0)),
        calendar_overrides=CalendarOverrides(),
        delivery=Delivery(),
        email=EmailSettings(),
        wecom=WecomSettings(),
        webhook=WebhookSettings(),
        offices={"office": office},
        groups={},
        deadlines=deadlines,
    )


def robots_toml(url: str, robots: int, per_robot: int, day: str, *, wecom: str = "") -> str:
    """schedules.toml: `robots` WeCom offices with `per_robot` deadlines each, all due at 09:00
    on `day`, one message per reminder (no digest). `wecom` adds lines to [wecom]."""
    offices = offices_toml(robots, "wecom")
    deadlines = "".join(
        f'[[deadlines]]\nid = "t{n:05d}"\ntitle = "任务{n}"\n'
        f'lead = ["o{n % robots:03d}"]\ndue = "{day}"\n\n'
        for n in range(robots * per_robot)
    )
    return (
        f'[settings]\nsend_time = "09:00"\nremind = ["0d"]\n\n'
        f'[wecom]\nurl = "{url}"\n{wecom}\n\n'
        f'[delivery]\nhorizon = "1d"\ndigest = false\n\n{offices}{deadlines}'
    )


def offices_toml(n: int, channel: str) -> str:
    """`n` offices o000, o001 ..., each with an address on `channel` (email or wecom)."""

    def address(i: int) -> str:
        if channel == "wecom":
            return f'wecom = "{robot_key(i)}"'
        return f'email = ["o{i:03d}@example.gov.cn"]'

    return "".join(
        f'[[offices]]\nid = "o{i:03d}"\nname = "科室{i:03d}"\n{address(i)}\n\n' for i in range(n)
    )


PG = os.environ.get("REMINDER_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def pg_database() -> Iterator[str]:
    """A new PostgreSQL database on the bench's server (REMINDER_BENCH_PG), dropped after."""
    from sqlalchemy import create_engine, text

    admin = create_engine(PG, isolation_level="AUTOCOMMIT")
    name = f"reminder_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
