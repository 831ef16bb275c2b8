"""What the planner says without the database: the reminders `preview` lists for a window (each
a `PreviewRow` with real dates and times), and the warnings `check` and `preview` print
(provisional years, rules that have ended, email settings). Pure: no database, no network."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from datetime import date, datetime

from reminder.config.model import Config
from reminder.config.readiness import readiness_warnings
from reminder.errors import Issue
from reminder.planning.advice import advisories, provisional_warnings
from reminder.planning.counting import counts_of
from reminder.planning.model import PlannedReminder
from reminder.planning.planner import plan

__all__ = ["Preview", "PreviewRow", "check_warnings", "preview"]


@dataclass(frozen=True, kw_only=True, slots=True)
class PreviewRow:
    """One reminder that would go out: to whom, about which occurrence, when (local time)."""

    deadline: str
    task: int | None
    title: str
    due: date
    nominal_due: date
    remind_at: datetime
    office: str
    office_name: str
    role: str
    kind: str
    working_days_left: int
    provisional: bool
    period: str
    step: str
    limit: str
    provisional_years: tuple[int, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class Preview:
    """The reminders of [first, last] in time order, and what they depend on that may change
    (a year without an official holiday schedule), as warnings."""

    first: date
    last: date
    rows: tuple[PreviewRow, ...]
    warnings: tuple[Issue, ...]


def _row(config: Config, r: PlannedReminder) -> PreviewRow:
    d, occ = r.deadline, r.occurrence
    return PreviewRow(
        deadline=d.id,
        task=d.task,
        title=d.title,
        due=occ.due,
        nominal_due=occ.nominal_due,
        remind_at=r.remind_at,
        office=r.office,
        office_name=config.name_of(r.office),
        role=r.role,
        kind=r.kind,
        working_days_left=r.working_days_left,
        provisional=r.provisional,
        period=occ.period_key,
        step=r.step,
        limit=d.limit,
        provisional_years=tuple(r.provisional_years),
    )


def preview(
    config: Config,
    first: date,
    last: date,
    *,
    offices: Set[str] | None = None,
    deadlines: Set[str] | None = None,
) -> Preview:
    """Every reminder from `first` to `last` (occurrences due before `first` taken as done,
    later ones as not done), for these offices and deadlines (None: all)."""
    reminders = plan(
        config,
        first,
        last,
        offices=None if offices is None else set(offices),
        deadlines=None if deadlines is None else set(deadlines),
    )
    return Preview(
        first=first,
        last=last,
        rows=tuple(_row(config, r) for r in reminders),
        warnings=tuple(provisional_warnings(config, counts_of(reminders))),
    )


def check_warnings(config: Config, today: date) -> list[Issue]:
    """What `check` warns about beyond the file itself, as of `today`: the calendar and the
    planner's advice, then what stands between the file and going live."""
    return advisories(config, today) + readiness_warnings(config)
