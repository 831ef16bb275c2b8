"""When the 通报 is due and what span it covers. Pure: the calendar and the day are given."""

from __future__ import annotations

import calendar as month_calendar
import re
from dataclasses import dataclass
from datetime import date, datetime

from reminder.config.model import Config
from reminder.errors import UsageError

_MONTH = re.compile(r"(\d{4})-(\d{2})")
_YEAR = re.compile(r"\d{4}")


@dataclass(frozen=True, kw_only=True, slots=True)
class Span:
    """The days a report covers, and its name in the report's title."""

    first: date
    last: date
    name: str


def span_of(text: str) -> Span:
    """ "2027" (a year) or "2027-01" (a month); UsageError naming the form otherwise."""
    if _YEAR.fullmatch(text) and 1970 <= int(text) <= 2200:
        year = int(text)
        return Span(first=date(year, 1, 1), last=date(year, 12, 31), name=f"{year}年")
    m = _MONTH.fullmatch(text)
    if m and 1970 <= int(m.group(1)) <= 2200 and 1 <= int(m.group(2)) <= 12:
        year, month = int(m.group(1)), int(m.group(2))
        days = month_calendar.monthrange(year, month)[1]
        return Span(
            first=date(year, month, 1), last=date(year, month, days), name=f"{year}年{month}月"
        )
    raise UsageError(f"{text!r} is not a year (2027) or a month (2027-01)")


def previous(every: str, today: date) -> Span:
    """Last month's span (every = "month") or last year's ("year"), seen from `today`."""
    if every == "year":
        return span_of(str(today.year - 1))
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return span_of(f"{year:04d}-{month:02d}")


def due_moment(config: Config, today: date) -> tuple[datetime, Span] | None:
    """When this month's (or this January's) 通报 goes out, and the span it covers; None when
    there is no [report], or none this month, or the month has too few working days."""
    report = config.report
    if report is None or (report.every == "year" and today.month != 1):
        return None
    first = today.replace(day=1)
    last = first.replace(day=month_calendar.monthrange(first.year, first.month)[1])
    day = config.calendar().nth_workday(first, last, report.workday)
    if day is None:
        return None
    at = datetime.combine(day, config.settings.send_time, config.settings.tz)
    return at, previous(report.every, today)
