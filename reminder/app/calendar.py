"""The working-day calendar of a year as `reminder calendar` prints it and the /calendar page
draws it: holidays and 调休 make-up workdays with their Chinese names, the rest days, whether
the year's data is official, how many working days it has, and the deadlines due in it; and
the `[calendar]` block of a State Council holiday notice (`reminder calendar --from-notice`).
Pure: no database."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from reminder.calendar.notice import (
    Disagreement,
    Notice,
    decode_notice,
    disagreements,
    notice_block,
    parse_notice,
)
from reminder.calendar.rules import FIRST_DAY, LAST_DAY
from reminder.calendar.workcal import CHINESE_NAMES, WorkCalendar, official_years
from reminder.config.model import Config
from reminder.errors import BadQuery
from reminder.planning.planner import occurrences

FIRST_YEAR, LAST_YEAR = FIRST_DAY.year, LAST_DAY.year  # the years reminder works with
_MARGIN = timedelta(days=10)  # a due date shifted across the new year


@dataclass(frozen=True, kw_only=True, slots=True)
class NamedDay:
    day: date
    name: str  # in Chinese when the holiday has a Chinese name ("春节"), else as given


@dataclass(frozen=True, kw_only=True, slots=True)
class YearCalendar:
    year: int
    official: bool  # the State Council's schedule (or a confirmed year), not a guess
    source: str  # where the year's days come from, in words
    # The first and last years of the official data, when the calendar follows it (mode "cn").
    official_span: tuple[int, int] | None
    holidays: tuple[NamedDay, ...]  # rest days that are not plain weekends, or are named
    makeup_days: tuple[NamedDay, ...]  # make-up working days on a weekend
    rest_days: frozenset[date]  # every day of the year that is not a working day
    working_days: int

    def is_rest(self, day: date) -> bool:
        return day in self.rest_days


def _named(days: tuple[tuple[date, str], ...]) -> tuple[NamedDay, ...]:
    return tuple(NamedDay(day=d, name=CHINESE_NAMES.get(n, n)) for d, n in days)


def year_calendar(config: Config | None, year: int) -> YearCalendar:
    """`year` on `config`'s calendar (its [calendar] overrides), or on the plain Chinese
    calendar without a config; BadQuery for a year outside FIRST_YEAR..LAST_YEAR."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise BadQuery("year", str(year))
    cal = config.calendar() if config is not None else WorkCalendar()
    info = cal.year_info(year)
    official = sorted(official_years())
    first, last = date(year, 1, 1), date(year, 12, 31)
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return YearCalendar(
        year=info.year,
        official=info.official,
        source=info.source,
        official_span=(official[0], official[-1]) if cal.mode == "cn" and official else None,
        holidays=_named(info.holidays),
        makeup_days=_named(info.workdays),
        rest_days=frozenset(d for d in days if not cal.is_workday(d)),
        working_days=cal.workdays_between(first - timedelta(days=1), last),
    )


def due_days(config: Config, year: int) -> dict[date, list[str]]:
    """The occurrences due in `year`, by due date: each as "task. title" (the title alone for
    a deadline without a task number), in the config's order."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise BadQuery("year", str(year))
    cal = config.calendar()
    first, last = date(year, 1, 1), date(year, 12, 31)
    due: dict[date, list[str]] = defaultdict(list)
    for d in config.deadlines:
        for occ in occurrences(config, cal, d, first - _MARGIN, last + _MARGIN):
            if first <= occ.due <= last:
                due[occ.due].append(f"{d.task}. {d.title}" if d.task else d.title)
    return dict(due)


@dataclass(frozen=True, kw_only=True, slots=True)
class NoticeCalendar:
    """A notice read: its `[calendar]` block and how it compares with the package's data."""

    notice: Notice
    block: str  # the `[calendar]` block to append to schedules.toml
    official: bool  # the package already has the State Council's data for the year
    disagreements: tuple[Disagreement, ...]  # days it and the package differ on (official only)


def calendar_from_notice(raw: bytes, *, source: str) -> NoticeCalendar:
    """Read a pasted notice (UTF-8 or GB18030); NoticeError naming the line it cannot take."""
    notice = parse_notice(decode_notice(raw, source=source), source=source)
    differ = disagreements(notice)
    return NoticeCalendar(
        notice=notice,
        block=notice_block(notice),
        official=differ is not None,
        disagreements=tuple(differ or ()),
    )
