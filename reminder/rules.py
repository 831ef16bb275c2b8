"""Due rules and lead-time offsets: parsing and expansion. Pure date logic.

A rule yields *nominal* due dates (before any shift for non-working days) with the key of the
period each one closes ("2027", "2027-H1", "2027-Q1", "2027-01", "2027-W05", or the ISO date).
Forms: ``2027-06-30``; ``yearly MM-DD``; ``yearly MM-last``; ``half-yearly|quarterly|monthly``
with ``DD``, ``last``, ``last-workday`` or ``workday N``; ``weekly MON..SUN``; ``RRULE:...``.
"""

from __future__ import annotations

import calendar as _stdcal
import json
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from itertools import islice, pairwise
from typing import Literal

from dateutil import rrule as _rrule

from reminder.errors import RuleError
from reminder.workcal import WorkCalendar

WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# Every month of these periods' first months has at least this many days.
_PERIOD_MONTHS = {"half-yearly": 6, "quarterly": 3, "monthly": 1}
_MAX_WORKDAY = {"half-yearly": 100, "quarterly": 50, "monthly": 15}
RRULE_DEFAULT_START = date(2000, 1, 1)
# Dates outside this range are typing mistakes; keeping to it also keeps date arithmetic
# (50-year look-ahead, say) far from date.max.
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2200, 12, 31)
_FAR = timedelta(days=366 * 50)


@dataclass(frozen=True, slots=True)
class Offset:
    """A lead time or interval: `amount` calendar days (``d``) or working days (``wd``)."""

    amount: int
    unit: Literal["d", "wd"]

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"


_OFFSET_RE = re.compile(r"(\d{1,3})(d|wd)")


def parse_offset(text: object, *, allow_zero: bool = True) -> Offset:
    """Parse ``"30d"`` or ``"3wd"``; raise RuleError with a message fit for an administrator."""
    if not isinstance(text, str):
        raise RuleError(f'must be a string like "7d" or "3wd", got {_q(text)}')
    m = _OFFSET_RE.fullmatch(text.strip())
    if m is None:
        raise RuleError(
            f'{_q(text)} is not a lead time: write a number of calendar days ("7d") '
            'or working days ("3wd")'
        )
    amount, unit = int(m.group(1)), m.group(2)
    if amount == 0 and not allow_zero:
        raise RuleError(f"{_q(text)} must be at least 1 day")
    return Offset(amount, "d" if unit == "d" else "wd")


def _q(value: object) -> str:
    """Quote a user's value the way they typed it in TOML: "yearly 02-30"."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else repr(value)


def _last_day(year: int, month: int) -> date:
    return date(year, month, _stdcal.monthrange(year, month)[1])


@dataclass(frozen=True, slots=True)
class Due:
    """One nominal due date and the key of the period it closes."""

    period_key: str
    nominal: date


class DueRule(ABC):
    """Base of the rule forms; `start`/`end` bound which dues count."""

    text: str
    start: date | None
    end: date | None
    span: timedelta  # a window long enough to hold at least one due
    # Dues can fall less than a week apart (daily, several weekdays): planned only a few days
    # ahead, since a long horizon of them is rows to reconcile and, after downtime, supersede.
    frequent: bool = False

    @abstractmethod
    def _candidates(self, first: date, last: date, cal: WorkCalendar) -> Iterator[Due]:
        """Dues of the periods that overlap [first, last] (the caller filters by date)."""

    def dues_between(self, first: date, last: date, cal: WorkCalendar) -> list[Due]:
        """Every due with its nominal date in [first, last], in order, within start/end."""
        if self.start is not None:
            first = max(first, self.start)
        if self.end is not None:
            last = min(last, self.end)
        if first > last:
            return []
        return [d for d in self._candidates(first, last, cal) if first <= d.nominal <= last]

    def next_after(self, day: date, cal: WorkCalendar) -> Due | None:
        """The first due strictly after `day`, or None when the rule has ended."""
        first = day + timedelta(days=1)
        limit = min(self.end or LAST_DAY, day + _FAR)
        while first <= limit:
            found = self.dues_between(first, min(first + self.span, limit), cal)
            if found:
                return found[0]
            first += self.span + timedelta(days=1)
        return None

    def previous_before(self, day: date, cal: WorkCalendar) -> Due | None:
        """The last due strictly before `day` (looking back one span), or None."""
        found = self.dues_between(day - self.span, day - timedelta(days=1), cal)
        return found[-1] if found else None


@dataclass(frozen=True, slots=True)
class FixedRule(DueRule):
    text: str
    day: date
    start: date | None = None
    end: date | None = None
    span: timedelta = _FAR

    def _candidates(self, first: date, last: date, cal: WorkCalendar) -> Iterator[Due]:
        yield Due(self.day.isoformat(), self.day)


@dataclass(frozen=True, slots=True)
class YearlyRule(DueRule):
    text: str
    month: int
    day: int | None  # None = last day of the month
    start: date | None = None
    end: date | None = None
    span: timedelta = timedelta(days=366)

    def _candidates(self, first: date, last: date, cal: WorkCalendar) -> Iterator[Due]:
        for year in range(first.year, last.year + 1):
            if self.day is None:
                yield Due(str(year), _last_day(year, self.month))
            else:
                yield Due(str(year), date(year, self.month, self.day))


@dataclass(frozen=True, slots=True)
class PeriodRule(DueRule):
    """half-yearly / quarterly / monthly with an anchor inside each period."""

    text: str
    months: int
    anchor: Literal["day", "last", "last-workday", "workday"]
    number: int = 0  # the day for "day", N for "workday"
    start: date | None = None
    end: date | None = None
    span: timedelta = timedelta(days=31)

    def _key(self, year: int, index: int) -> str:
        if self.months == 6:
            return f"{year}-H{index + 1}"
        if self.months == 3:
            return f"{year}-Q{index + 1}"
        return f"{year}-{index + 1:02d}"

    def _candidates(self, first: date, last: date, cal: WorkCalendar) -> Iterator[Due]:
        # A period's due never falls before the period starts, nor after it ends.
        year, index = first.year, (first.month - 1) // self.months
        while True:
            month = index * self.months + 1
            p_first = date(year, month, 1)
            if p_first > last:
                return
            p_last = _last_day(year, month + self.months - 1)
            due = self._due_in(p_first, p_last, cal)
            if due is not None:
                yield Due(self._key(year, index), due)
            index += 1
            if index * self.months >= 12:
                year, index = year + 1, 0

    def _due_in(self, p_first: date, p_last: date, cal: WorkCalendar) -> date | None:
        if self.anchor == "day":
            return p_first.replace(day=self.number)
        if self.anchor == "last":
            return p_last
        if self.anchor == "last-workday":
            return cal.last_workday(p_first, p_last)
        return cal.nth_workday(p_first, p_last, self.number) or cal.last_workday(p_first, p_last)


@dataclass(frozen=True, slots=True)
class WeeklyRule(DueRule):
    text: str
    weekday: int
    start: date | None = None
    end: date | None = None
    span: timedelta = timedelta(days=7)

    def _candidates(self, first: date, last: date, cal: WorkCalendar) -> Iterator[Due]:
        day = first + timedelta(days=(self.weekday - first.weekday()) % 7)
        while day <= last:
            iso = day.isocalendar()
            yield Due(f"{iso.year}-W{iso.week:02d}", day)
            day += timedelta(days=7)


@dataclass(frozen=True, slots=True)
class RRuleRule(DueRule):
    text: str
    rule: _rrule.rrule
    start: date | None = None
    end: date | None = None
    span: timedelta = timedelta(days=400)
    frequent: bool = False

    def _candidates(self, first: date, last: date, cal: WorkCalendar) -> Iterator[Due]:
        lo = datetime.combine(first, datetime.min.time())
        hi = datetime.combine(last, datetime.max.time())
        seen: set[date] = set()
        for moment in self.rule.between(lo, hi, inc=True):
            day = moment.date()
            if day not in seen:
                seen.add(day)
                yield Due(day.isoformat(), day)

    def next_after(self, day: date, cal: WorkCalendar) -> Due | None:
        moment = self.rule.after(datetime.combine(day, datetime.max.time()))
        if moment is None or (self.end is not None and moment.date() > self.end):
            return None
        return Due(moment.date().isoformat(), moment.date())

    def previous_before(self, day: date, cal: WorkCalendar) -> Due | None:
        moment = self.rule.before(datetime.combine(day, datetime.min.time()))
        if moment is None or (self.start is not None and moment.date() < self.start):
            return None
        return Due(moment.date().isoformat(), moment.date())


# -- parsing ----------------------------------------------------------------------------


def parse_date(text: object) -> date:
    """Parse ``YYYY-MM-DD`` with a message that says why an impossible date is impossible."""
    if isinstance(text, date) and not isinstance(text, datetime):
        return _check_range(text.isoformat(), text)
    if not isinstance(text, str):
        raise RuleError(f"must be a date like 2027-06-30, got {_q(text)}")
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text.strip())
    if m is None:
        raise RuleError(f"{_q(text)} is not a date (write YYYY-MM-DD)")
    year, month, day = (int(g) for g in m.groups())
    _check_month_day(text, month, day, year)
    return _check_range(text, date(year, month, day))


def _check_range(text: str, day: date) -> date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise RuleError(f"{_q(text)} is out of range ({FIRST_DAY.year} to {LAST_DAY.year})")
    return day


def _check_month_day(text: str, month: int, day: int, year: int | None = None) -> None:
    if not 1 <= month <= 12:
        raise RuleError(f"{_q(text)} is not a date (there is no month {month})")
    days = _stdcal.monthrange(year or 2000, month)[1]
    if not 1 <= day <= days:
        name = MONTH_NAMES[month - 1]
        if year is None:
            has = "at most 29" if month == 2 else str(days)
            raise RuleError(f"{_q(text)} is not a date ({name} has {has} days)")
        raise RuleError(f"{_q(text)} is not a date ({name} {year} has {days} days)")


def parse_rule(text: object, *, start: date | None = None, end: date | None = None) -> DueRule:
    """Parse a due rule; raise RuleError naming what is wrong and how to write it."""
    if not isinstance(text, str):
        raise RuleError(f'must be a string like "yearly 01-31", got {_q(text)}')
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
    elif head in _PERIOD_MONTHS and len(words) in (2, 3):
        rule = _parse_period(stripped, head, words[1:], start, end)
    elif head == "weekly" and len(words) == 2 and words[1].upper() in WEEKDAYS:
        rule = WeeklyRule(
            text=stripped, weekday=WEEKDAYS.index(words[1].upper()), start=start, end=end
        )
    elif head == "weekly":
        raise RuleError(f"{_q(text)}: weekly takes one day of MON TUE WED THU FRI SAT SUN")
    else:
        raise RuleError(
            f'{_q(text)} is not a due rule: write a date (2027-06-30), "yearly MM-DD", '
            '"yearly MM-last", "half-yearly|quarterly|monthly DD|last|last-workday|workday N", '
            '"weekly MON..SUN" or "RRULE:..."'
        )
    _check_fires(rule, text)
    return rule


def _parse_yearly(text: str, arg: str, start: date | None, end: date | None) -> YearlyRule:
    m = re.fullmatch(r"(\d{1,2})-(\d{1,2}|last)", arg, flags=re.IGNORECASE)
    if m is None:
        raise RuleError(f'{_q(text)}: yearly takes MM-DD or MM-last, e.g. "yearly 01-31"')
    month = int(m.group(1))
    if m.group(2).lower() == "last":
        if not 1 <= month <= 12:
            raise RuleError(f"{_q(text)} is not a date (there is no month {month})")
        return YearlyRule(text=text, month=month, day=None, start=start, end=end)
    day = int(m.group(2))
    if month == 2 and day == 29:
        raise RuleError(f'{_q(text)} exists only in leap years; write "yearly 02-last"')
    _check_month_day(text, month, day)
    return YearlyRule(text=text, month=month, day=day, start=start, end=end)


def _parse_period(
    text: str, head: str, args: list[str], start: date | None, end: date | None
) -> PeriodRule:
    months = _PERIOD_MONTHS[head]
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
        top = _MAX_WORKDAY[head]
        if not re.fullmatch(r"[0-9]{1,3}", args[1]) or not 1 <= int(args[1]) <= top:
            raise RuleError(f"{_q(text)}: workday takes a number from 1 to {top} for {head}")
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
                f"{_q(text)} is not a date in every period (the shortest first month has "
                f'{shortest} days); write "{head} last" for the end of the period'
            )
        return PeriodRule(
            text=text, months=months, anchor="day", number=day, start=start, end=end, span=span
        )
    raise RuleError(f"{_q(text)}: {head} takes DD, last, last-workday or workday N")


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
        raise RuleError(f"{_q(text)} is not a valid RRULE ({exc})") from None
    if not isinstance(parsed, _rrule.rrule):
        raise RuleError(f"{_q(text)}: give one RRULE, not a set")
    if getattr(parsed, "_freq", _rrule.DAILY) > _rrule.DAILY:  # HOURLY, MINUTELY, SECONDLY
        raise RuleError(f"{_q(text)}: a deadline is a day; use FREQ=DAILY or coarser")
    parsed_start = getattr(parsed, "_dtstart", None)
    if parsed_start is not None and parsed_start.tzinfo is not None:
        raise RuleError(f"{_q(text)}: give DTSTART as a local date without a time zone")
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
        raise RuleError(f"{_q(text)} never fires{bounds}")


# "never fires" must not depend on which holidays exist: weekdays are enough to decide it.
_PROBE_CALENDAR = WorkCalendar(mode="weekdays")
