"""The values planning makes and passes between its modules: an occurrence of a deadline, one
reminder day, one planned reminder, and the kinds of reminder.

A leaf: it imports no other planning module, so every planning module can import it without
a circle (`tests/test_layers.py` checks).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from reminder.config.model import Deadline, Role
from reminder.vocabulary import PlannedKind

Kind = PlannedKind  # what a planned reminder is about: vocabulary's words, no "alert"


@dataclass(frozen=True, kw_only=True, slots=True)
class Occurrence:
    """One due date of a deadline and the period its completion covers."""

    deadline_id: str
    period_key: str
    period_start: date  # the day after the previous occurrence's nominal due
    nominal_due: date
    due: date  # after shifting off a non-working day
    next_due: date | None  # the following occurrence's due date, if the rule goes on


# day, step, kind, remind_at, working days left, provisional years, reach (who else hears of
# an overdue round: 0 the lead alone, 1 the escalation offices too, 2 the leaders as well)
Day = tuple[date, str, Kind, datetime, int, tuple[int, ...], int]


@dataclass(kw_only=True, slots=True)  # not frozen: made by the hundred thousand, frozen is slow
class PlannedReminder:
    """One message one office should get about one occurrence. Treated as a value all the
    same: a pass that changes one (the weekly digest) makes a new one."""

    deadline: Deadline
    occurrence: Occurrence
    office: str
    role: Role
    kind: Kind
    step: str  # which lead time or overdue round: "30d", "3wd", "0d", "overdue-2"
    day: date
    remind_at: datetime
    working_days_left: int
    provisional_years: tuple[int, ...]

    @property
    def provisional(self) -> bool:
        return bool(self.provisional_years)
