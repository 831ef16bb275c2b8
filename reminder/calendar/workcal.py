"""China's working-day calendar: statutory holidays, make-up workdays (调休) and admin overrides.

Pure: no clock, no I/O beyond reading the bundled calendar data once per year.

Years with official data (``chinesecalendar``, 2004–2026 today) are exact. Other years are
*provisional*: weekends plus the fixed statutory dates from ``holidays.China`` without its
guessed observed days, and no make-up workdays, because the State Council has not published
them yet. ``[calendar]`` overrides win over both; listing a year in ``confirmed_years`` says the
overrides for it are complete, so it stops being provisional.
"""

from __future__ import annotations

import calendar as _stdcal
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from importlib import metadata
from itertools import accumulate
from typing import Literal

from reminder.calendar.statutory import statutory_dates

WorkdayMode = Literal["cn", "weekdays"]

_ONE_DAY = timedelta(days=1)
# The most a rest day moves a due date off its nominal date (statutory holidays: about ten
# days); the config refuses longer runs of rest days, and stores and the board search this
# much around a window.
SHIFT_SLACK = timedelta(days=31)

CHINESE_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Chinese New Year's Eve": "春节",
    "Chinese New Year (Spring Festival)": "春节",
    "Tomb-sweeping Day": "清明节",
    "Tomb-Sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Labor Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "Mid-Autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


@dataclass(frozen=True, kw_only=True, slots=True)
class YearInfo:
    """What the calendar knows about one year, for `reminder calendar`."""

    year: int
    official: bool
    source: str
    holidays: tuple[tuple[date, str], ...]  # rest days that are not plain weekends, or are named
    workdays: tuple[tuple[date, str], ...]  # make-up working days on a weekend


@cache
def _official_data() -> tuple[dict[date, str], dict[date, str], frozenset[int]]:
    from chinese_calendar import constants

    holidays: dict[date, str] = {d: str(n) for d, n in constants.holidays.items()}
    workdays: dict[date, str] = {d: str(n) for d, n in constants.workdays.items()}
    return holidays, workdays, frozenset(d.year for d in holidays)


@cache
def _statutory_dates(year: int) -> dict[date, str]:
    known = statutory_dates(year)  # the package's answers, written out (calendar/statutory.py)
    if known is not None:
        return known
    import holidays

    # observed=False: only the fixed statutory days, not holidays.China's guess at the 调休.
    days = holidays.country_holidays("CN", years=year, observed=False)
    return {d: str(n) for d, n in days.items()}


def official_years() -> frozenset[int]:
    """Years for which the bundled package has the State Council's published schedule."""
    return _official_data()[2]


@dataclass(kw_only=True)
class WorkCalendar:
    """Answers "is this a working day?" and counts working days, year by year on demand."""

    mode: WorkdayMode = "cn"
    extra_holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()
    confirmed_years: frozenset[int] = frozenset()
    _years: dict[int, bytes] = field(default_factory=dict, repr=False)
    # Every day of a span of years, contiguous: _flags[i] is day _base + i, and _rank[i] the
    # working days from the span's start up to and including it.
    _base: int = field(default=0, repr=False)
    _flags: bytes = field(default=b"", repr=False)
    _rank: list[int] = field(default_factory=list, repr=False)
    _years_span: tuple[int, int] = field(default=(0, 0), repr=False)
    _holidays: dict[int, frozenset[date]] = field(default_factory=dict, repr=False)

    # -- facts about a year -------------------------------------------------------------

    def is_official(self, year: int) -> bool:
        """True when the year's working days are known, not guessed."""
        if self.mode == "weekdays" or year in self.confirmed_years:
            return True
        return year in official_years()

    def year_info(self, year: int) -> YearInfo:
        """The holidays and make-up workdays of `year`, overrides applied."""
        rest_names, work_names, source = self._named_days(year)
        for d in self.extra_holidays:
            if d.year == year:
                rest_names[d] = "override"
                work_names.pop(d, None)
        for d in self.extra_workdays:
            if d.year == year:
                work_names[d] = "override"
                rest_names.pop(d, None)
        return YearInfo(
            year=year,
            official=self.is_official(year),
            source=source,
            holidays=tuple(sorted(rest_names.items())),
            workdays=tuple(sorted((d, n) for d, n in work_names.items() if d.weekday() >= 5)),
        )

    def _named_days(self, year: int) -> tuple[dict[date, str], dict[date, str], str]:
        if self.mode == "weekdays":
            return {}, {}, 'official: settings.workdays = "weekdays", Monday to Friday'
        holidays, workdays, years = _official_data()
        if year in years:
            rest = {d: n for d, n in holidays.items() if d.year == year}
            work = {d: n for d, n in workdays.items() if d.year == year}
            return rest, work, "official: the State Council's published schedule (chinesecalendar)"
        source = (
            "PROVISIONAL: weekends and fixed statutory holidays only; the State Council "
            "has not published this year's schedule, so 调休 make-up workdays are unknown"
        )
        if year in self.confirmed_years:
            source = "official: [calendar] overrides (confirmed_years)"
        return dict(_statutory_dates(year)), {}, source

    # -- per-day questions ----------------------------------------------------------------

    def _year_flags(self, year: int) -> bytes:
        """1 for each working day of `year`, overrides applied."""
        rest, work, _ = self._named_days(year)
        start = date(year, 1, 1)
        n = 366 if _stdcal.isleap(year) else 365
        flags = bytearray(n)
        for i in range(n):
            d = start + timedelta(days=i)
            if d in self.extra_workdays:
                flags[i] = 1
            elif d not in self.extra_holidays:
                flags[i] = 1 if d in work or (d.weekday() < 5 and d not in rest) else 0
        return bytes(flags)

    def _cover(self, first_year: int, last_year: int) -> None:
        """Make the contiguous span hold every day of [first_year, last_year]."""
        lo = min(first_year, self._years_span[0]) if self._flags else first_year
        hi = max(last_year, self._years_span[1]) if self._flags else last_year
        lo, hi = max(lo, 1), min(hi, 9998)
        flags = bytearray()
        for year in range(lo, hi + 1):
            cached = self._years.get(year)
            if cached is None:
                cached = self._years[year] = self._year_flags(year)
            flags += cached
        rank = list(accumulate(flags))
        self._base = date(lo, 1, 1).toordinal()
        self._flags, self._rank, self._years_span = bytes(flags), rank, (lo, hi)

    def _ensure(self, first_year: int, last_year: int) -> None:
        """Cover [first_year, last_year]; call before taking indices that must agree."""
        lo, hi = self._years_span
        if not self._flags or first_year < lo or last_year > hi:
            self._cover(first_year, last_year)

    def _index(self, day: date) -> int:
        """Position of `day` in the span, extending the span (a year either side) if needed.
        Extending moves every index: take the indices you compare after the last extension."""
        i = day.toordinal() - self._base
        if 0 <= i < len(self._flags):
            return i
        self._cover(day.year - 1, day.year + 1)
        return day.toordinal() - self._base

    def is_holiday(self, day: date) -> bool:
        """A rest day of a statutory holiday (or one listed in [calendar]), not a plain
        weekend: what a message calls 节假日 rather than 休息日."""
        found = self._holidays.get(day.year)
        if found is None:
            info = self.year_info(day.year)
            found = self._holidays[day.year] = frozenset(d for d, _ in info.holidays)
        return day in found and not self.is_workday(day)

    def is_workday(self, day: date) -> bool:
        i = day.toordinal() - self._base
        if 0 <= i < len(self._flags):
            return self._flags[i] == 1
        i = self._index(day)  # first: extending replaces self._flags
        return self._flags[i] == 1

    def previous_workday(self, day: date) -> date:
        """`day` itself when it is a working day, else the closest earlier one."""
        i = day.toordinal() - self._base
        if not 366 < i < len(self._flags):  # keep a year of room before it
            self._ensure(day.year - 1, day.year)
            i = day.toordinal() - self._base
        if self._flags[i]:
            return day
        return self._at_rank(self._rank[i])  # the first day reaching its count: the last worked

    def next_workday(self, day: date) -> date:
        """`day` itself when it is a working day, else the closest later one."""
        i = day.toordinal() - self._base
        if not 0 <= i < len(self._flags) - 366:  # keep a year of room after it
            self._ensure(day.year, day.year + 1)
            i = day.toordinal() - self._base
        if self._flags[i]:
            return day
        return self._at_rank(self._rank[i] + 1)

    def _at_rank(self, value: int) -> date:
        """The first day whose cumulative count in the span reaches `value`: a working day."""
        j = bisect_left(self._rank, value)
        return date.fromordinal(self._base + j)

    def add_workdays(self, day: date, n: int) -> date:
        """The n-th working day after `day` (n > 0) or before it (n < 0), not counting `day`."""
        if n == 0:
            return day
        years = abs(n) // 200 + 1
        self._ensure(max(day.year - years, 1), min(day.year + years, 9998))
        i = day.toordinal() - self._base
        before = self._rank[i] - self._flags[i]  # working days strictly before `day`
        return self._at_rank(self._rank[i] + n if n > 0 else before + n + 1)

    def workdays_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative, counting (end, start], when end < start."""
        if end < start:
            return -self.workdays_between(end, start)
        self._ensure(start.year, end.year)
        return self._rank[end.toordinal() - self._base] - self._rank[start.toordinal() - self._base]

    def nth_workday(self, first: date, last: date, n: int) -> date | None:
        """The n-th working day (1-based) in [first, last], or None if the span has fewer."""
        self._ensure(first.year, last.year)
        i, j = first.toordinal() - self._base, last.toordinal() - self._base
        before = self._rank[i] - self._flags[i]
        if self._rank[j] < before + n:
            return None
        return self._at_rank(before + n)

    def last_workday(self, first: date, last: date) -> date | None:
        """The last working day in [first, last], or None if there is none."""
        self._ensure(first.year, last.year)
        i, j = first.toordinal() - self._base, last.toordinal() - self._base
        if self._rank[j] == self._rank[i] - self._flags[i]:
            return None
        return self._at_rank(self._rank[j])


@cache
def calendar_data_version() -> str:
    """The installed holiday data, by package version."""
    return "; ".join(f"{name} {metadata.version(name)}" for name in ("chinesecalendar", "holidays"))
