"""Where each task stands: its occurrences from a year back to the horizon ahead, with their
light (red overdue, yellow near, green on track, done, past), the working days left, and who
closed them; an occurrence an approved 延期 moved stands by its new due date. `reminder
status`, the board and the pages, the calendar feeds and /metrics read it here, as typed rows
with real dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from reminder.app.completion import board_entries, light, local_minute
from reminder.calendar.workcal import SHIFT_SLACK
from reminder.config.model import Config
from reminder.store import completions, submissions
from reminder.store.engine import transaction


@dataclass(frozen=True, kw_only=True, slots=True)
class StatusRow:
    deadline: str
    task: int | None
    title: str
    period: str
    due: date  # the effective due date (off a rest day; moved by an approved 延期)
    light: str  # red, yellow, green, done, past
    working_days_left: int  # negative: working days overdue
    lead: str  # office ids, comma-separated
    cooperate: str
    kind: str  # deadline, routine
    section: str
    done_by: str | None
    done_at: datetime | None  # local
    note: str | None
    moved_from: date | None = None  # the due date before an approved 延期 moved it

    def as_row(self, config: Config) -> dict[str, Any]:
        """As `reminder status` prints it and the API returns it: the due date as
        YYYY-MM-DD, the time it was closed as local time to the minute."""
        return {
            "deadline": self.deadline,
            "task": self.task,
            "title": self.title,
            "period": self.period,
            "due": self.due.isoformat(),
            "light": self.light,
            "working_days_left": self.working_days_left,
            "lead": self.lead,
            "cooperate": self.cooperate,
            "kind": self.kind,
            "section": self.section,
            "done_by": self.done_by,
            "done_at": local_minute(config, self.done_at) if self.done_at else None,
            "note": self.note,
        }


def status_rows(
    config: Config,
    engine: Engine,
    now: datetime,
    offices: frozenset[str] | None,
    *,
    deadline: str | None = None,
) -> list[StatusRow]:
    """Open and recently done occurrences from a year back to the horizon ahead (of the
    deadlines these offices are on, when given; of one deadline, when given)."""
    tz = config.settings.tz
    today = now.astimezone(tz).date()
    first, last = today - timedelta(days=366), today + timedelta(days=config.delivery.horizon_days)
    with transaction(engine) as s:
        active = completions.active_deadlines(s)
        # Stored dues may differ from the rule's (a calendar edited since): look wider.
        done_by_key = completions.done_between(s, first - SHIFT_SLACK, last + SHIFT_SLACK)
        moved = submissions.extended_by_key(s, first - SHIFT_SLACK, last + SHIFT_SLACK)
    cal = config.calendar()
    out: list[StatusRow] = []
    for e in board_entries(config, today, active):
        d, occ = e.deadline, e.occurrence
        if deadline not in (None, d.id) or (offices is not None and not offices & e.offices):
            continue
        done = done_by_key.get((d.id, occ.period_key))
        due, lit, left, was = occ.due, e.light, e.left, None
        if (d.id, occ.period_key) in moved:
            was = occ.due
            due = moved[(d.id, occ.period_key)]
            lit, left = light(config, d, due, today), cal.workdays_between(today, due)
        out.append(
            StatusRow(
                deadline=d.id,
                task=d.task,
                title=d.title,
                period=occ.period_key,
                due=due,
                light="done" if done else lit,
                working_days_left=left,
                lead=e.lead,
                cooperate=e.cooperate,
                kind=d.kind,
                section=d.section,
                done_by=done.office_id if done else None,
                done_at=done.completed_at.astimezone(tz) if done else None,
                note=done.note if done else None,
                moved_from=was,
            )
        )
    return out
