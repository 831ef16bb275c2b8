"""The days an occurrence's reminders fall on, for one role's lead times: the lead times
themselves, the overdue chase and a routine duty's check, each with its send time, working days
left and provisional years. Pure; worked out once per due date, policy and window (the memo)
and shared by every deadline and office that has them in common.
"""

from __future__ import annotations

from datetime import date, datetime

from reminder.calendar.leadtime import after, lead_day
from reminder.calendar.rules import Offset
from reminder.calendar.workcal import WorkCalendar
from reminder.config.model import Config
from reminder.planning.cadence import overdue_days, routine_day
from reminder.planning.memo import PlanMemo
from reminder.planning.model import Day, Kind, Occurrence
from reminder.planning.recipients import Fixed

LEADER_GAP = 5  # working days: a leader hears of one overdue occurrence once a week at most


def provisional(
    cal: WorkCalendar, official: dict[int, bool], low: date, high: date
) -> tuple[int, ...]:
    """The years from `low` to `high` without an official holiday schedule. `official` is the
    run's cache of `cal.is_official` (`Fixed.official`, made per planning run, like the memo):
    filled here, never read for anything else."""
    if low.year == high.year:  # the common case
        ok = official.get(low.year)
        if ok is None:
            ok = official[low.year] = cal.is_official(low.year)
        return () if ok else (low.year,)
    return tuple(y for y in range(low.year, high.year + 1) if not cal.is_official(y))


def reminder_days(
    config: Config,
    cal: WorkCalendar,
    fixed: Fixed,
    occ: Occurrence,
    window: tuple[date, date],
    lead_times: tuple[tuple[tuple[Offset, str], ...], int],
    overdue: bool,
    memo: PlanMemo,
) -> tuple[Day, ...]:
    """The reminder days of one occurrence for one set of lead times: worked out once per due
    date, lead times, policy, send time and window, and shared by the deadlines that have them
    in common."""
    settings = config.settings
    first, last = window
    offsets, token = lead_times  # the token stands for the lead times, overdue policy, kind
    key = (
        "days",
        occ.nominal_due,
        occ.due,
        occ.next_due,
        occ.period_start if fixed.routine else None,
        token,
        overdue,
        window,
    )
    found: tuple[Day, ...] | None = memo.get(key)
    if found is not None:
        return found
    due = occ.due
    days, escalate_from, leader_from = _days(
        config, cal, fixed, occ, offsets, overdue and last > due, last
    )
    low_due, high_due = min(occ.nominal_due, due), max(occ.nominal_due, due)
    out: list[Day] = []
    told: date | None = None  # the last chase day the leaders heard on
    for day, step, kind in days:
        reach = 0
        if kind == "overdue" and day >= escalate_from:
            reach = 1
            if day >= leader_from and (
                told is None or cal.workdays_between(told, day) >= LEADER_GAP
            ):
                reach, told = 2, day
        if not first <= day <= last:
            continue
        years = provisional(cal, fixed.official, min(low_due, day), max(high_due, day))
        out.append(
            (
                day,
                step,
                kind,
                datetime.combine(day, fixed.send_time, tzinfo=settings.tz),
                cal.workdays_between(day, due),
                years,
                reach,
            )
        )
    return memo.put(key, tuple(out))


def _days(
    config: Config,
    cal: WorkCalendar,
    fixed: Fixed,
    occ: Occurrence,
    offsets: tuple[tuple[Offset, str], ...],
    overdue: bool,
    last: date,
) -> tuple[list[tuple[date, str, Kind]], date, date]:
    """(day, step, kind) of every reminder of an occurrence up to `last`, and the first days
    on which an overdue reminder goes to the escalation offices and to the leaders too."""
    settings = config.settings
    if fixed.routine:
        return (
            [(routine_day(cal, occ, settings.routine_workday), "routine", "routine")],
            last,
            last,
        )
    days = _lead_days(cal, offsets, occ.due)
    if not overdue:
        return days, last, last
    # The whole chase, not only up to `last`: which rounds the leaders hear on depends on
    # the rounds before the window too.
    days += [
        (day, f"overdue-{n}", "overdue") for day, n in overdue_days(cal, occ, fixed.overdue, last)
    ]
    return (
        days,
        after(cal, occ.due, settings.escalate_after, 1),
        after(cal, occ.due, fixed.leader_after, 1),
    )


def _lead_days(
    cal: WorkCalendar, offsets: tuple[tuple[Offset, str], ...], due: date
) -> list[tuple[date, str, Kind]]:
    """The days of the lead-time reminders (and the due day), in order: two lead times landing
    on the same day make one reminder, the nearer one."""
    days: list[tuple[date, str, Kind]] = []
    seen: set[date] = set()
    for offset, step in offsets:
        day = lead_day(cal, due, offset)
        if day not in seen:
            seen.add(day)
            days.append((day, step, "due" if offset.amount == 0 else "before"))
    days.sort()
    return days
