"""Due rules and lead-time offsets: the rule forms and their expansion. Pure date logic.

Parsing them from the text of schedules.toml is `calendar.parse`.

A rule yields *nominal* due dates (before any shift for non-working days) with the key of the
period each one closes ("2027", "2027-H1", "2027-Q1", "2027-01", "2027-W05", or the ISO date).
Forms: ``2027-06-30``; ``yearly MM-DD``; ``yearly MM-last``; ``half-yearly|quarterly|monthly``
with ``DD``, ``last``, ``last-workday`` or ``workday N``; ``weekly MON..SUN``; ``RRULE:...``.
"""

from __future__ import annotations

import calendar as _stdcal
import json
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from dateutil import rrule as _rrule

from reminder.calendar.workcal import WorkCalendar

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
PERIOD_MONTHS = {"half-yearly": 6, "quarterly": 3, "monthly": 1}
MAX_WORKDAY = {"half-yearly": 100, "quarterly": 50, "monthly": 15}
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

    @property
    def span(self) -> float:
        """About how many calendar days it spans (a working day is 7/5 of one): to compare
        offsets of both units."""
        return self.amount if self.unit == "d" else self.amount * 1.4


def quoted(value: object) -> str:
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
