"""Readers of the `[settings]` and `[calendar]` sections of schedules.toml."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from reminder.calendar.rules import Offset
from reminder.calendar.workcal import SHIFT_SLACK
from reminder.config.checker import (
    Checker,
    choice,
    dates,
    number,
    offset,
    offsets,
    q,
    time_of_day,
)
from reminder.config.model import CalendarOverrides, Settings

KEYS = {
    "settings": {
        "timezone",
        "send_time",
        "workdays",
        "shift",
        "remind",
        "cooperate_remind",
        "overdue",
        "overdue_every",
        "overdue_limit",
        "overdue_grant",
        "routine_workday",
        "routine_to",
        "signature",
        "contact",
        "escalate_after",
        "escalate_to",
        "leader_after",
        "database",
    },
    "calendar": {"holidays", "workdays", "confirmed_years"},
}


def settings(table: dict[str, Any], check: Checker) -> Settings:
    f = "settings"
    check.known_keys(table, KEYS[f], f)
    values: dict[str, Any] = {}
    tz = check.text(table, "timezone", f)
    if tz is not None:
        try:
            ZoneInfo(tz)
            values["timezone"] = tz
        except (ZoneInfoNotFoundError, ValueError):
            check.error(f"{f}.timezone", f'{q(tz)} is not a time zone (e.g. "Asia/Shanghai")')
    values["send_time"] = time_of_day(check, table, "send_time", f)
    values["workdays"] = choice(check, table, "workdays", f, ("cn", "weekdays"))
    values["shift"] = choice(check, table, "shift", f, ("before", "after", "none"))
    values["remind"] = offsets(check, table, "remind", f)
    values.update(cadence(check, table, f))
    if "escalate_after" in table:
        values["escalate_after"] = offset(
            check, f"{f}.escalate_after", table["escalate_after"], allow_zero=False
        )
    if "overdue_grant" in table:
        values["overdue_grant"] = offset(
            check, f"{f}.overdue_grant", table["overdue_grant"], allow_zero=False
        )
    values["routine_workday"] = number(check, table, "routine_workday", f, 1, 15)
    values["signature"] = check.text(table, "signature", f)
    values["contact"] = check.text(table, "contact", f)
    refs = check.strings(table, "escalate_to", f)
    values["escalate_to"] = refs
    database = check.text(table, "database", f)
    values["database"] = database
    if database and has_password(database):
        check.secret_in_file(
            f"{f}.database",
            "a password written in the file is a secret in "
            "git: set the whole URL in REMINDER_DATABASE_URL instead",
        )
    return Settings(**{k: v for k, v in values.items() if v is not None})


def cadence(check: Checker, table: dict[str, Any], f: str) -> dict[str, Any]:
    """The keys that set who hears how often, shared by `[settings]` and each deadline:
    cooperate_remind, overdue, overdue_every, overdue_limit, routine_to, leader_after (only
    those written)."""
    out: dict[str, Any] = {}
    out["routine_to"] = choice(check, table, "routine_to", f, ("lead", "all"))
    if "leader_after" in table:
        out["leader_after"] = offset(
            check, f"{f}.leader_after", table["leader_after"], allow_zero=False
        )
    if "cooperate_remind" in table:
        out["cooperate_remind"] = offsets(check, table, "cooperate_remind", f)
    if "overdue" in table:
        out["overdue"] = _overdue_steps(check, table, f)
    if "overdue_every" in table:
        out["overdue_every"] = offset(
            check, f"{f}.overdue_every", table["overdue_every"], allow_zero=False
        )
    out["overdue_limit"] = number(check, table, "overdue_limit", f, 0, 1000)
    return {k: v for k, v in out.items() if v is not None}


def _overdue_steps(check: Checker, table: dict[str, Any], f: str) -> tuple[Offset, ...] | None:
    """`overdue = ["1wd", "3wd", "5wd"]`: each after the due, in increasing order ([] is
    allowed: straight to `overdue_every`)."""
    items = check.strings(table, "overdue", f)
    if items is None:
        return None
    steps = [offset(check, f"{f}.overdue[{i}]", v, allow_zero=False) for i, v in enumerate(items)]
    found = tuple(s for s in steps if s is not None)
    if len(found) < len(steps):
        return None
    for i in range(1, len(found)):
        if found[i].span <= found[i - 1].span:
            check.error(
                f"{f}.overdue[{i}]",
                f'"{found[i]}" comes after "{found[i - 1]}": list the overdue reminders in the '
                'order they go out, each later than the one before (e.g. ["1wd", "3wd", "5wd"])',
            )
            return None
    return found


def has_password(url: str) -> bool:
    try:
        return bool(urlsplit(url).password)
    except ValueError:  # not a URL: opening the database says so
        return False


def calendar(table: dict[str, Any], check: Checker) -> CalendarOverrides:
    f = "calendar"
    check.known_keys(table, KEYS[f], f)
    holidays = dates(check, table, "holidays", f)
    workdays = dates(check, table, "workdays", f)
    for day in sorted(holidays & workdays):
        check.error(f"{f}.workdays", f"{day} is also listed in calendar.holidays")
    years = check.get(table, "confirmed_years", f, list, "a list of years") or []
    for i, year in enumerate(years):
        if not isinstance(year, int) or isinstance(year, bool) or not 1970 <= year <= 2200:
            check.error(f"{f}.confirmed_years[{i}]", f"must be a year like 2027, got {q(year)}")
    return CalendarOverrides(
        holidays=holidays,
        workdays=workdays,
        confirmed_years=frozenset(y for y in years if isinstance(y, int)),
    )


def rest_stretches(settings: Settings, overrides: CalendarOverrides, check: Checker) -> None:
    """A due date on a rest day moves to the nearest workday, and planning looks for it no
    further than SHIFT_SLACK away: listed holidays that make a longer run of rest days are an
    error, not a due date silently missed."""
    if not overrides.holidays:
        return
    cal = overrides.calendar(settings.workdays)
    day, limit = timedelta(days=1), SHIFT_SLACK.days
    checked: set[date] = set()
    for holiday in sorted(overrides.holidays - overrides.workdays):
        if holiday in checked:
            continue
        first = last = holiday
        while not cal.is_workday(first - day) and (last - first).days < limit:
            first -= day
        while not cal.is_workday(last + day) and (last - first).days < limit:
            last += day
        checked.update(first + day * i for i in range((last - first).days + 1))
        if (last - first).days >= limit:
            check.error(
                "calendar.holidays",
                f"with these holidays more than {limit} days in a "
                f"row from {first} are rest days: a due date among them would move "
                f"further than planning looks; list fewer holidays, or some "
                "calendar.workdays",
            )
            return
