"""How many reminders depend on each provisional year, without making them: `check` at
20,000 deadlines must not build a year of reminder objects to count some. Pure.

Reminders of offices with a weekly digest are moved and merged per office, so those
occurrences are counted the slow way, by planning them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date

from reminder.calendar.workcal import WorkCalendar
from reminder.config.model import Config
from reminder.planning.days import reminder_days
from reminder.planning.memo import PlanMemo
from reminder.planning.model import Day, PlannedReminder
from reminder.planning.planner import occurrences_touching, reminders_for, roles

Counts = dict[int, tuple[int, date]]  # year: (reminders, first day)


def provisional_counts(
    config: Config, first: date, last: date, cal: WorkCalendar | None = None
) -> Counts:
    """Per provisional year, the reminders in [first, last] that depend on it (as `plan`
    from `first` would make them) and the first day of one."""
    cal = cal or config.calendar()
    memo = PlanMemo()
    tally = _Tally()
    summaries: dict[int, dict[int, tuple[int, int, int, date]]] = {}
    for deadline in config.deadlines:
        for occ, fixed in occurrences_touching(config, cal, deadline, first, last, first, memo):
            if fixed.weekly:
                tally.add_all(
                    reminders_for(config, cal, deadline, occ, first, last, fixed, memo, now=True)
                )
                continue
            for who, lead_times, chase in roles(fixed, overdue=True):
                days = reminder_days(
                    config, cal, fixed, occ, (first, last), lead_times, chase, memo
                )
                summary = summaries.get(id(days))
                if summary is None:
                    summary = summaries[id(days)] = _summary(days)
                up, top = len(who) + len(fixed.escalation), len(fixed.leaders)
                for year, (plain, escalated, led, day) in summary.items():
                    tally.add((year,), day, plain * len(who) + escalated * up + led * top)
    return tally.result()


def _summary(days: tuple[Day, ...]) -> dict[int, tuple[int, int, int, date]]:
    """Per provisional year: reminder days without and with escalation, those the leaders
    hear of too, and the first day. The days tuple is shared by every deadline and role with
    the same dates (the memo keeps it, so its id is stable for the run): summed once,
    multiplied by who hears it."""
    out: dict[int, tuple[int, int, int, date]] = {}
    for day, *_, years, reach in days:
        for year in years:
            plain, up, led, first = out.get(year, (0, 0, 0, day))
            out[year] = (
                plain + (reach == 0),
                up + (reach > 0),
                led + (reach == 2),
                min(first, day),
            )
    return out


def counts_of(reminders: Iterable[PlannedReminder]) -> Counts:
    """The same figures for reminders already made (`preview` has them)."""
    tally = _Tally()
    tally.add_all(reminders)
    return tally.result()


class _Tally:
    def __init__(self) -> None:
        self.counts: Counter[int] = Counter()
        self.first: dict[int, date] = {}

    def add(self, years: tuple[int, ...], day: date, n: int) -> None:
        for year in years:
            self.counts[year] += n
            if year not in self.first or day < self.first[year]:
                self.first[year] = day

    def add_all(self, reminders: Iterable[PlannedReminder]) -> None:
        for r in reminders:
            if r.provisional_years:
                self.add(r.provisional_years, r.day, 1)

    def result(self) -> Counts:
        return {year: (n, self.first[year]) for year, n in sorted(self.counts.items())}
