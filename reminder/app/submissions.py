"""What the pages show of 情况说明 and 延期 (written by `extensions`): an item's own, with its
effective due date and whether its office may submit one; and the administrator's list of
延期 requests waiting for a decision, beside the latest submissions of every kind."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.engine import Engine

from reminder import labels
from reminder.app.actions import roles_of
from reminder.config.model import Config
from reminder.errors import NotFound
from reminder.store import completions, submissions
from reminder.store.engine import transaction
from reminder.store.models import OccurrenceRow, SubmissionRow
from reminder.vocabulary import SubmissionStatus


@dataclass(frozen=True, kw_only=True, slots=True)
class SubmissionView:
    """One 情况说明 or 延期 request as a page lists it (times local, words from labels)."""

    id: int
    kind: str  # explain, extend
    kind_name: str
    office: str
    office_name: str
    deadline: str
    task: int | None
    title: str
    period: str
    due: date  # the occurrence's due date by its rule
    until: date  # the planned completion, or the new due date asked for
    reason: str
    status: str
    status_name: str
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    answer: str | None

    @property
    def pending(self) -> bool:
        return self.status == SubmissionStatus.PENDING


@dataclass(frozen=True, kw_only=True, slots=True)
class ItemSubmissions:
    """An item's 情况说明 and 延期, for its page."""

    due: date  # effective: moved by an approved 延期
    extended: bool
    rows: tuple[SubmissionView, ...]  # oldest first
    may_submit: bool  # its office leads it, it is time-limited and open
    pending: bool  # a 延期 request of this office waits for a decision
    today: date  # the earliest planned completion a 情况说明 may give
    min_until: date  # the earliest date a 延期 may ask for


@dataclass(frozen=True, kw_only=True, slots=True)
class RequestsPage:
    pending: list[SubmissionView]  # oldest first
    recent: list[SubmissionView]  # newest first


def view(config: Config, row: SubmissionRow, occ: OccurrenceRow) -> SubmissionView:
    tz = config.settings.tz
    d = config.deadline_by_id.get(occ.deadline_id)
    return SubmissionView(
        id=row.id,
        kind=row.kind,
        kind_name=labels.SUBMISSIONS.get(row.kind, row.kind),
        office=row.office_id,
        office_name=config.office_names.get(row.office_id, row.office_id),
        deadline=occ.deadline_id,
        task=d.task if d else None,
        title=d.title if d else occ.deadline_id,
        period=occ.period_key,
        due=occ.due,
        until=row.until,
        reason=row.reason,
        status=row.status,
        status_name=labels.SUBMISSION_STATUSES.get(row.status, row.status),
        created_at=row.created_at.astimezone(tz),
        decided_by=row.decided_by,
        decided_at=row.decided_at.astimezone(tz) if row.decided_at else None,
        answer=row.answer,
    )


def of_item(
    config: Config, engine: Engine, occurrence_id: int, office_id: str, now: datetime, *, done: bool
) -> ItemSubmissions:
    """An occurrence's submissions as `office_id` sees them on its item page; `done`: it is
    closed (nothing to explain)."""
    today = now.astimezone(config.settings.tz).date()
    with transaction(engine) as s:
        occ = completions.occurrence(s, occurrence_id)
        if occ is None:
            raise NotFound(str(occurrence_id))
        rows = tuple(view(config, r, occ) for r in submissions.of_occurrence(s, occ.id))
        due = submissions.extended_dues(s, [occ.id]).get(occ.id, occ.due)
    d = config.deadline_by_id.get(occ.deadline_id)
    leads = d is not None and "lead" in roles_of(config, d, office_id)
    return ItemSubmissions(
        due=due,
        extended=due != occ.due,
        rows=rows,
        may_submit=leads and d is not None and d.kind != "routine" and not done,
        pending=any(r.pending and r.office == office_id for r in rows),
        today=today,
        min_until=max(today, due + timedelta(days=1)),
    )


def requests_page(config: Config, engine: Engine) -> RequestsPage:
    """The 延期 requests waiting for an administrator, and the latest 50 submissions."""
    with transaction(engine) as s:
        pending = submissions.listed(s, pending=True)
        recent = submissions.listed(s, pending=False, limit=50)
    return RequestsPage(
        pending=[view(config, r, o) for r, o in pending],
        recent=[view(config, r, o) for r, o in recent if r.status != SubmissionStatus.PENDING],
    )
