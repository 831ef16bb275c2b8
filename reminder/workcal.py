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
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Literal

WorkdayMode = Literal["cn", "weekdays"]

_ONE_DAY = timedelta(days=1)

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
    import holidays

    # observed=False: only the fixed statutory days, not holidays.China's guess at the 调休.
    days = holidays.country_holidays("CN", years=year, observed=False)
    return {d: str(n) for d, n in days.items()}


def official_years() -> frozenset[int]:
    """Years for which the bundled package has the State Council's published schedule."""
    return _official_data()[2]


@dataclass(frozen=True, slots=True)
class _Year:
    start: int  # ordinal of 1 January
    flags: bytes  # 1 = working day, index = day of year - 1
    prefix: tuple[int, ...]  # prefix[i] = working days among the first i days of the year


@dataclass(kw_only=True)
class WorkCalendar:
    """Answers "is this a working day?" and counts working days, year by year on demand."""

    mode: WorkdayMode = "cn"
    extra_holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()
    confirmed_years: frozenset[int] = frozenset()
    _years: dict[int, _Year] = field(default_factory=dict, repr=False)

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

    def _year(self, year: int) -> _Year:
        cached = self._years.get(year)
        if cached is not None:
            return cached
        rest, work, _ = self._named_days(year)
        start = date(year, 1, 1)
        n = 366 if _stdcal.isleap(year) else 365
        flags = bytearray(n)
        for i in range(n):
            d = start + timedelta(days=i)
            if d in self.extra_workdays:
                flags[i] = 1
            elif d in self.extra_holidays:
                flags[i] = 0
            else:
                flags[i] = 1 if d in work or (d.weekday() < 5 and d not in rest) else 0
        prefix = [0]
        for f in flags:
            prefix.append(prefix[-1] + f)
        built = _Year(start=start.toordinal(), flags=bytes(flags), prefix=tuple(prefix))
        self._years[year] = built
        return built

    def is_workday(self, day: date) -> bool:
        y = self._year(day.year)
        return y.flags[day.toordinal() - y.start] == 1

    def previous_workday(self, day: date) -> date:
        """`day` itself when it is a working day, else the closest earlier one."""
        while not self.is_workday(day):
            day -= _ONE_DAY
        return day

    def next_workday(self, day: date) -> date:
        """`day` itself when it is a working day, else the closest later one."""
        while not self.is_workday(day):
            day += _ONE_DAY
        return day

    def add_workdays(self, day: date, n: int) -> date:
        """The n-th working day after `day` (n > 0) or before it (n < 0), not counting `day`."""
        step = _ONE_DAY if n > 0 else -_ONE_DAY
        remaining = abs(n)
        while remaining:
            day += step
            if self.is_workday(day):
                remaining -= 1
        return day

    def _rank(self, day: date) -> tuple[int, int]:
        y = self._year(day.year)
        return day.year, y.prefix[day.toordinal() - y.start + 1]

    def workdays_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative, counting (end, start], when end < start."""
        if end < start:
            return -self.workdays_between(end, start)
        y0, r0 = self._rank(start)
        y1, r1 = self._rank(end)
        total = r1 - r0
        for year in range(y0, y1):
            total += self._year(year).prefix[-1]
        return total

    def nth_workday(self, first: date, last: date, n: int) -> date | None:
        """The n-th working day (1-based) in [first, last], or None if the span has fewer."""
        day = first - _ONE_DAY
        found = 0
        while found < n:
            day += _ONE_DAY
            if day > last:
                return None
            if self.is_workday(day):
                found += 1
        return day

    def last_workday(self, first: date, last: date) -> date | None:
        """The last working day in [first, last], or None if there is none."""
        day = last
        while day >= first:
            if self.is_workday(day):
                return day
            day -= _ONE_DAY
        return None
