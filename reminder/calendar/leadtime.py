"""Lead times and shifts on the working-day calendar: where a due date moves off a rest day,
the day a lead time before it falls on, the day N intervals after it. Pure date logic.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from reminder.calendar.rules import Offset
from reminder.calendar.workcal import WorkCalendar

Shift = Literal["before", "after", "none"]


def shift_due(cal: WorkCalendar, nominal: date, shift: Shift) -> date:
    """Move a due date off a rest day as `shift` says."""
    if shift == "before":
        return cal.previous_workday(nominal)
    if shift == "after":
        return cal.next_workday(nominal)
    return nominal


def lookahead(offsets: tuple[Offset, ...]) -> timedelta:
    """A span of calendar days surely covering the longest lead time (holidays included)."""
    days = [o.amount if o.unit == "d" else o.amount * 2 + 20 for o in offsets]
    return timedelta(days=max(days, default=0) + 10)


def lead_day(cal: WorkCalendar, due: date, offset: Offset) -> date:
    """The day a lead time before `due` falls on: a working day, never after `due`."""
    if offset.amount == 0:
        return cal.previous_workday(due)
    if offset.unit == "d":
        return cal.previous_workday(due - timedelta(days=offset.amount))
    return cal.add_workdays(due, -offset.amount)


def after(cal: WorkCalendar, due: date, offset: Offset, rounds: int) -> date:
    if offset.unit == "wd":
        return cal.add_workdays(due, offset.amount * rounds)
    return cal.next_workday(due + timedelta(days=offset.amount * rounds))
