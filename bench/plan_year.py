"""Scenario 1: plan one year of reminders for 10,000 deadlines on the China calendar.

Ours: every occurrence (shifted off rest days) and its lead-time reminders. The floor:
python-dateutil alone expanding the same rules (no calendar, no reminders). The peer: the same
deadlines as APScheduler 3 jobs in its SQLAlchemy job store, each asked for its fire times.
"""

from __future__ import annotations

import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from dateutil import rrule as du

from bench.common import RULES, Result, best_of, synthetic_config
from reminder.planning.memo import PlanMemo
from reminder.planning.planner import plan, plan_deadline

FIRST, LAST = date(2026, 1, 1), date(2026, 12, 31)
TZ = ZoneInfo("Asia/Shanghai")
WD = (du.MO, du.TU, du.WE, du.TH, du.FR)
START = datetime(2025, 12, 1)


def _dateutil_rules(n: int) -> list[du.rrule]:
    made = {
        "yearly 01-31": du.rrule(du.YEARLY, bymonth=1, bymonthday=31, dtstart=START),
        "yearly 02-last": du.rrule(du.YEARLY, bymonth=2, bymonthday=-1, dtstart=START),
        "yearly 06-30": du.rrule(du.YEARLY, bymonth=6, bymonthday=30, dtstart=START),
        "yearly 12-31": du.rrule(du.YEARLY, bymonth=12, bymonthday=31, dtstart=START),
        "monthly 15": du.rrule(du.MONTHLY, bymonthday=15, dtstart=START),
        "monthly last": du.rrule(du.MONTHLY, bymonthday=-1, dtstart=START),
        "monthly last-workday": du.rrule(du.MONTHLY, byweekday=WD, bysetpos=-1, dtstart=START),
        "monthly workday 3": du.rrule(du.MONTHLY, byweekday=WD, bysetpos=3, dtstart=START),
        "weekly MON": du.rrule(du.WEEKLY, byweekday=du.MO, dtstart=START),
        "weekly FRI": du.rrule(du.WEEKLY, byweekday=du.FR, dtstart=START),
        "weekly WED": du.rrule(du.WEEKLY, byweekday=du.WE, dtstart=START),
        "weekly THU": du.rrule(du.WEEKLY, byweekday=du.TH, dtstart=START),
    }
    out = []
    for i in range(n):
        text = RULES[i % len(RULES)]
        out.append(made[text] if text in made else du.rrulestr(text, dtstart=START))
    return out


def ours(n: int, *, distinct: bool = False) -> tuple[float, int]:
    # Fresh each run: no warm caches. The planner shares the dates of equal rules between
    # deadlines (a memo per planning run); `distinct` rules share nothing.
    configs = [synthetic_config(n, distinct=distinct) for _ in range(3)]
    count = 0

    def work() -> None:
        nonlocal count
        config = configs.pop()
        cal, memo = config.calendar(), PlanMemo()
        count = 0
        for d in config.deadlines:
            # Lead-time reminders only: the overdue repeats are measured apart (1b).
            count += len(
                plan_deadline(config, cal, d, FIRST, LAST, FIRST, overdue=False, memo=memo)
            )

    return best_of(3, work), count


def ours_with_overdue(n: int) -> tuple[float, int]:
    config = synthetic_config(n)
    count = 0

    def work() -> None:
        nonlocal count
        count = len(plan(config, FIRST, LAST))

    return best_of(1, work), count


def floor(n: int) -> tuple[float, int]:
    rules = _dateutil_rules(n)
    lo, hi = datetime(2026, 1, 1), datetime(2026, 12, 31, 23, 59)
    count = 0

    def work() -> None:
        nonlocal count
        count = sum(len(r.between(lo, hi, inc=True)) for r in rules)

    return best_of(3, work), count


def _trigger(text: str):  # type: ignore[no-untyped-def]
    from apscheduler.triggers.cron import CronTrigger

    cron = {
        "yearly 01-31": {"month": 1, "day": 31},
        "yearly 02-last": {"month": 2, "day": "last"},
        "yearly 06-30": {"month": 6, "day": 30},
        "yearly 12-31": {"month": 12, "day": 31},
        "monthly 15": {"day": 15},
        "monthly last": {"day": "last"},
        "monthly last-workday": {"day": "last fri"},
        "monthly workday 3": {"day": "1st wed"},
        "weekly MON": {"day_of_week": "mon"},
        "weekly FRI": {"day_of_week": "fri"},
        "weekly WED": {"day_of_week": "wed"},
        "weekly THU": {"day_of_week": "thu"},
        "RRULE:FREQ=MONTHLY;BYDAY=-1FR": {"day": "last fri"},
        "RRULE:FREQ=MONTHLY;BYMONTHDAY=10,25": {"day": "10,25"},
        "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU": {"day_of_week": "tue"},
        "RRULE:FREQ=YEARLY;BYMONTH=3,9;BYMONTHDAY=1": {"month": "3,9", "day": 1},
    }[text]
    return CronTrigger(hour=9, timezone=TZ, **cron)


def job() -> None:
    """What the APScheduler jobs would run; never called here."""


def apscheduler_peer(n: int) -> tuple[float, int]:
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    count = 0
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'jobs.db'}"

        def work() -> None:
            nonlocal count
            scheduler = BackgroundScheduler(
                jobstores={"default": SQLAlchemyJobStore(url=url)}, timezone=TZ
            )
            scheduler.start(paused=True)
            for i in range(n):
                scheduler.add_job(job, _trigger(RULES[i % len(RULES)]), id=f"d{i:05d}")
            end = datetime(2026, 12, 31, 23, 59, tzinfo=TZ)
            count = 0
            for j in scheduler.get_jobs():
                now = datetime(2026, 1, 1, tzinfo=TZ)
                fire = j.trigger.get_next_fire_time(None, now)
                while fire is not None and fire <= end:
                    count += 1
                    fire = j.trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
            scheduler.shutdown(wait=False)

        seconds = best_of(1, work)
    return seconds, count


def run(n: int = 10_000) -> list[Result]:
    t_ours, c_ours = ours(n)
    t_floor, c_floor = floor(n)
    t_aps, c_aps = apscheduler_peer(n)
    t_all, c_all = ours_with_overdue(n)
    t_distinct, c_distinct = ours(n, distinct=True)
    size = f"{n:,} deadlines, 1 year"
    return [
        Result(
            "1 plan a year vs dateutil (floor)",
            size,
            t_ours,
            t_floor,
            "dateutil",
            "s",
            "≤ 2× floor",
            t_ours <= 2 * t_floor,
            f"{c_ours:,} reminders; dateutil {c_floor:,} dates",
        ),
        Result(
            "1 plan a year vs APScheduler jobs",
            size,
            t_ours,
            t_aps,
            "APScheduler 3.11 + SQLAlchemy store",
            "s",
            "≥ 10× faster",
            t_aps >= 10 * t_ours,
            f"APScheduler {c_aps:,} fire times",
        ),
        Result(
            "1b … with overdue repeats (not done)",
            size,
            t_all,
            t_floor,
            "dateutil",
            "s",
            "(informational)",
            None,
            f"{c_all:,} reminders",
        ),
        Result(
            "1c … every rule distinct (no sharing)",
            size,
            t_distinct,
            t_floor,
            "dateutil",
            "s",
            "(informational)",
            None,
            f"{c_distinct:,} reminders",
        ),
    ]
