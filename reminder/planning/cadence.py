"""When an office hears about an occurrence, beyond the lead times: the overdue chase that
thins out, a routine duty's one check a period, and the weekly digest that gathers what is not
urgent onto one day. Pure date logic; `planner` calls it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from reminder.calendar.leadtime import after
from reminder.calendar.workcal import WorkCalendar
from reminder.config.model import Overdue
from reminder.planning.model import Occurrence, PlannedReminder


def overdue_days(
    cal: WorkCalendar, occ: Occurrence, chase: Overdue, last: date
) -> list[tuple[date, int]]:
    """(day, round) of each overdue reminder up to `last`: the `steps` after the due, then
    every `every`, at most `limit`, and never on or after the next occurrence's due."""
    out: list[tuple[date, int]] = []
    previous, step = occ.due, 0
    while chase.limit is None or len(out) < chase.limit:
        if step < len(chase.steps):
            day = after(cal, occ.due, chase.steps[step], 1)
        else:
            day = after(cal, previous, chase.every, 1)
        step += 1
        if day > last or (occ.next_due is not None and day >= occ.next_due):
            return out
        if day > previous:  # two steps landing on one day (after a holiday) make one
            out.append((day, len(out) + 1))
            previous = day
    return out


def routine_day(cal: WorkCalendar, occ: Occurrence, workday: int) -> date:
    """The day a routine duty's check goes out: the `workday`-th working day of the month of
    its nominal due (not before its period starts, never after the due), so that every routine
    duty of an office due in one month makes one checklist; a due moved off a rest day into
    the next month does not take the check with it."""
    first = max(occ.period_start, occ.nominal_due.replace(day=1))
    found = cal.nth_workday(first, occ.due, workday) if first <= occ.due else None
    return found or cal.previous_workday(occ.due)


def urgent(r: PlannedReminder) -> bool:
    """A reminder that goes on its own day even to an office with a weekly digest: due today or
    within one working day, or newly overdue."""
    return (
        r.kind == "due"
        or (r.kind == "before" and r.working_days_left <= 1)
        or (r.step == "overdue-1")
    )


def weekly_digest(
    cal: WorkCalendar,
    reminders: list[PlannedReminder],
    weekly: dict[str, int],
    floor: date | None = None,
) -> list[PlannedReminder]:
    """One occurrence's reminders, those of offices with a weekly digest moved to the week's
    digest day (the first working day from the office's weekday on), except urgent ones. An
    office hears about the occurrence once a day at most: a moved reminder landing where
    another already is, is dropped (the later one of two moved ones stays). `reminders` is
    left as it was: a moved reminder is a new one.

    A reminder never moves before `floor` (where planning starts now: the week's digest day
    has passed, so it goes at once), an overdue one never onto or before its due day, and a
    routine check never out of its month."""
    out = [r for r in reminders if r.office not in weekly or urgent(r)]
    taken = {(r.office, r.day) for r in out}
    moved: dict[tuple[str, date], PlannedReminder] = {}
    for r in reminders:
        if r.office not in weekly or urgent(r):
            continue
        back = (r.day.weekday() - weekly[r.office]) % 7
        day = cal.next_workday(max(r.day - timedelta(days=back), _earliest(r, floor)))
        late = r.kind in ("overdue", "escalation") and day <= r.occurrence.due
        goes = _moved(cal, r, day) if day < r.day and not late else r
        if (goes.office, goes.day) not in taken:
            moved[(goes.office, goes.day)] = goes  # in day order: the later of two stays
    return out + list(moved.values())


def _moved(cal: WorkCalendar, r: PlannedReminder, day: date) -> PlannedReminder:
    """A copy of `r` on `day`: the same send time, its working days left counted again."""
    return replace(
        r,
        day=day,
        remind_at=datetime.combine(day, r.remind_at.timetz()),
        working_days_left=cal.workdays_between(day, r.occurrence.due),
    )


def _earliest(r: PlannedReminder, floor: date | None) -> date:
    """The earliest day a weekly digest may move `r` to."""
    low = floor or date.min
    if r.kind == "routine":
        occ = r.occurrence
        low = max(low, occ.period_start, occ.nominal_due.replace(day=1))
    return low
