"""Parsing due rules, dates and lead times from the text of schedules.toml, with messages
that say what is wrong and how to write it. Pure.
"""

from __future__ import annotations

import calendar as _stdcal
import re
from datetime import date, datetime, timedelta
from functools import lru_cache
from itertools import islice, pairwise

from dateutil import rrule as _rrule

from reminder.calendar.rules import (
    FIRST_DAY,
    LAST_DAY,
    MAX_WORKDAY,
    MONTH_NAMES,
    PERIOD_MONTHS,
    RRULE_DEFAULT_START,
    WEEKDAYS,
    DueRule,
    FixedRule,
    Offset,
    PeriodRule,
    RRuleRule,
    WeeklyRule,
    YearlyRule,
    quoted,
)
from reminder.calendar.workcal import WorkCalendar
from reminder.errors import RuleError

_OFFSET_RE = re.compile(r"(\d{1,3})(d|wd)")


def parse_offset(text: object, *, allow_zero: bool = True) -> Offset:
    """Parse ``"30d"`` or ``"3wd"``; raise RuleError with a message fit for an administrator."""
    if not isinstance(text, str):
        raise RuleError(f'must be a string like "7d" or "3wd", got {quoted(text)}')
    m = _OFFSET_RE.fullmatch(text.strip())
    if m is None:
        raise RuleError(
            f'{quoted(text)} is not a lead time: write a number of calendar days ("7d") '
            'or working days ("3wd")'
        )
    amount, unit = int(m.group(1)), m.group(2)
    if amount == 0 and not allow_zero:
        raise RuleError(f"{quoted(text)} must be at least 1 day")
    return Offset(amount, "d" if unit == "d" else "wd")


def parse_date(text: object) -> date:
    """Parse ``YYYY-MM-DD`` with a message that says why an impossible date is impossible."""
    if isinstance(text, date) and not isinstance(text, datetime):
        return _check_range(text.isoformat(), text)
    if not isinstance(text, str):
        raise RuleError(f"must be a date like 2027-06-30, got {quoted(text)}")
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text.strip())
    if m is None:
        raise RuleError(f"{quoted(text)} is not a date (write YYYY-MM-DD)")
    year, month, day = (int(g) for g in m.groups())
    _check_month_day(text, month, day, year)
    return _check_range(text, date(year, month, day))


def _check_range(text: str, day: date) -> date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise RuleError(f"{quoted(text)} is out of range ({FIRST_DAY.year} to {LAST_DAY.year})")
    return day


def _check_month_day(text: str, month: int, day: int, year: int | None = None) -> None:
    if not 1 <= month <= 12:
        raise RuleError(f"{quoted(text)} is not a date (there is no month {month})")
    days = _stdcal.monthrange(year or 2000, month)[1]
    if not 1 <= day <= days:
        name = MONTH_NAMES[month - 1]
        if year is None:
            has = "at most 29" if month == 2 else str(days)
            raise RuleError(f"{quoted(text)} is not a date ({name} has {has} days)")
        raise RuleError(f"{quoted(text)} is not a date ({name} {year} has {days} days)")


def parse_rule(text: object, *, start: date | None = None, end: date | None = None) -> DueRule:
    """Parse a due rule; raise RuleError naming what is wrong and how to write it."""
    if not isinstance(text, str):
        raise RuleError(f'must be a string like "yearly 01-31", got {quoted(text)}')
    return _parse_rule(text, start, end)


@lru_cache(maxsize=4096)
def _parse_rule(text: str, start: date | None, end: date | None) -> DueRule:
    """parse_rule for a string. Rules are immutable, so deadlines with the same rule share one
    (a file of 10,000 deadlines has a few dozen rules: parsed and checked once each)."""
    if start is not None and end is not None and start > end:
        raise RuleError(f"start {start} is after end {end}")
    stripped = text.strip()
    words = stripped.split()
    head = words[0].lower() if words else ""
    if stripped.upper().startswith("RRULE:") or stripped.upper().startswith("DTSTART"):
        rule: DueRule = _parse_rrule(stripped, start, end)
    elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", stripped):
        rule = FixedRule(text=stripped, day=parse_date(stripped), start=start, end=end)
    elif head == "yearly" and len(words) == 2:
        rule = _parse_yearly(stripped, words[1], start, end)
    elif head in PERIOD_MONTHS and len(words) in (2, 3):
        rule = _parse_period(stripped, head, words[1:], start, end)
    elif head == "weekly" and len(words) == 2 and words[1].upper() in WEEKDAYS:
        rule = WeeklyRule(
            text=stripped, weekday=WEEKDAYS.index(words[1].upper()), start=start, end=end
        )
    elif head == "weekly":
        raise RuleError(f"{quoted(text)}: weekly takes one day of MON TUE WED THU FRI SAT SUN")
    else:
        raise RuleError(
            f'{quoted(text)} is not a due rule: write a date (2027-06-30), "yearly MM-DD", '
            '"yearly MM-last", "half-yearly|quarterly|monthly DD|last|last-workday|workday N", '
            '"weekly MON..SUN" or "RRULE:..."'
        )
    _check_fires(rule, text)
    return rule


def _parse_yearly(text: str, arg: str, start: date | None, end: date | None) -> YearlyRule:
    m = re.fullmatch(r"(\d{1,2})-(\d{1,2}|last)", arg, flags=re.IGNORECASE)
    if m is None:
        raise RuleError(f'{quoted(text)}: yearly takes MM-DD or MM-last, e.g. "yearly 01-31"')
    month = int(m.group(1))
    if m.group(2).lower() == "last":
        if not 1 <= month <= 12:
            raise RuleError(f"{quoted(text)} is not a date (there is no month {month})")
        return YearlyRule(text=text, month=month, day=None, start=start, end=end)
    day = int(m.group(2))
    if month == 2 and day == 29:
        raise RuleError(f'{quoted(text)} exists only in leap years; write "yearly 02-last"')
    _check_month_day(text, month, day)
    return YearlyRule(text=text, month=month, day=day, start=start, end=end)


def _parse_period(
    text: str, head: str, args: list[str], start: date | None, end: date | None
) -> PeriodRule:
    months = PERIOD_MONTHS[head]
    # Long enough to hold the previous period's due even when holidays push a workday anchor.
    span = timedelta(days=31 * months + 20)
    anchor = args[0].lower()
    if len(args) == 1 and anchor in ("last", "last-workday"):
        return PeriodRule(
            text=text,
            months=months,
            anchor=anchor,  # type: ignore[arg-type]
            start=start,
            end=end,
            span=span,
        )
    if len(args) == 2 and anchor == "workday":
        top = MAX_WORKDAY[head]
        if not re.fullmatch(r"[0-9]{1,3}", args[1]) or not 1 <= int(args[1]) <= top:
            raise RuleError(f"{quoted(text)}: workday takes a number from 1 to {top} for {head}")
        return PeriodRule(
            text=text,
            months=months,
            anchor="workday",
            number=int(args[1]),
            start=start,
            end=end,
            span=span,
        )
    if len(args) == 1 and re.fullmatch(r"[0-9]{1,2}", anchor):
        day = int(anchor)
        shortest = min(_stdcal.monthrange(2001, m)[1] for m in range(1, 13, months))
        if not 1 <= day <= shortest:
            raise RuleError(
                f"{quoted(text)} is not a date in every period (the shortest first month has "
                f'{shortest} days); write "{head} last" for the end of the period'
            )
        return PeriodRule(
            text=text, months=months, anchor="day", number=day, start=start, end=end, span=span
        )
    raise RuleError(f"{quoted(text)}: {head} takes DD, last, last-workday or workday N")


def _parse_rrule(text: str, start: date | None, end: date | None) -> RRuleRule:
    dtstart = datetime.combine(start or RRULE_DEFAULT_START, datetime.min.time())
    body = text.replace("\\n", "\n")
    try:
        # cache: dateutil walks from DTSTART on every query; a service asks the same rule
        # again and again, so keep what it has walked.
        if "DTSTART" in body.upper():
            parsed = _rrule.rrulestr(body, cache=True)
        else:
            parsed = _rrule.rrulestr(body, dtstart=dtstart, cache=True)
    except Exception as exc:  # dateutil raises ValueError, TypeError, KeyError, ...
        raise RuleError(f"{quoted(text)} is not a valid RRULE ({exc})") from None
    if not isinstance(parsed, _rrule.rrule):
        raise RuleError(f"{quoted(text)}: give one RRULE, not a set")
    if getattr(parsed, "_freq", _rrule.DAILY) > _rrule.DAILY:  # HOURLY, MINUTELY, SECONDLY
        raise RuleError(f"{quoted(text)}: a deadline is a day; use FREQ=DAILY or coarser")
    parsed_start = getattr(parsed, "_dtstart", None)
    if parsed_start is not None and parsed_start.tzinfo is not None:
        raise RuleError(f"{quoted(text)}: give DTSTART as a local date without a time zone")
    return RRuleRule(text=text, rule=parsed, start=start, end=end, frequent=_frequent(parsed))


def _frequent(rule: _rrule.rrule) -> bool:
    """Whether two of the rule's first dues (from DTSTART) fall less than a week apart."""
    days = sorted({m.date() for m in islice(rule, _FREQUENT_SAMPLE)})
    return any(b - a < timedelta(days=7) for a, b in pairwise(days))


_FREQUENT_SAMPLE = 16


def _check_fires(rule: DueRule, text: str) -> None:
    """A rule that never fires is a mistake: catch it at load time, not in a year."""
    first = rule.start or (RRULE_DEFAULT_START if isinstance(rule, RRuleRule) else FIRST_DAY)
    if isinstance(rule, FixedRule):
        found = bool(rule.dues_between(rule.day, rule.day, _PROBE_CALENDAR))
    else:
        found = rule.next_after(first - timedelta(days=1), _PROBE_CALENDAR) is not None
    if not found:
        bounds = "".join(
            [
                f" on or after start {rule.start}" if rule.start else "",
                f" on or before end {rule.end}" if rule.end else "",
            ]
        )
        raise RuleError(f"{quoted(text)} never fires{bounds}")


# "never fires" must not depend on which holidays exist: weekdays are enough to decide it.
_PROBE_CALENDAR = WorkCalendar(mode="weekdays")
