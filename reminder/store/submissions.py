"""情况说明 and 延期 requests (the submissions table): written as offices submit them and
administrators decide, read back per occurrence, and in force for planning, messages and the
通报. Which one counts is decided here, once: of an office's 情况说明 of an occurrence the
latest; of the approved 延期 of an occurrence the latest decided."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from reminder.store.engine import chunks
from reminder.store.models import OccurrenceRow, SentLogRow, SubmissionRow
from reminder.vocabulary import LogStatus, Submission, SubmissionStatus

EXTEND, EXPLAIN = Submission.EXTEND.value, Submission.EXPLAIN.value
APPROVED, REFUSED = SubmissionStatus.APPROVED.value, SubmissionStatus.REFUSED.value
PENDING = SubmissionStatus.PENDING.value
_DECIDED = (SubmissionStatus.APPROVED.value, SubmissionStatus.REFUSED.value)
_TOLD = (LogStatus.SENT.value, LogStatus.DRY_RUN.value)


def add(session: Session, **values: object) -> SubmissionRow:
    """Add one submission (occurrence_id, office_id, kind, reason, until, status, decided_by,
    decided_at, answer, created_at)."""
    row = SubmissionRow(**values)
    session.add(row)
    session.flush()
    return row


def get(session: Session, submission_id: int) -> SubmissionRow | None:
    return session.get(SubmissionRow, submission_id)


def decide(
    row: SubmissionRow, status: str, by: str, answer: str | None, now: datetime
) -> SubmissionRow:
    row.status, row.decided_by, row.answer, row.decided_at = status, by, answer, now
    return row


def of_occurrence(session: Session, occurrence_id: int) -> list[SubmissionRow]:
    """Every submission about an occurrence, oldest first."""
    return list(
        session.scalars(
            select(SubmissionRow)
            .where(SubmissionRow.occurrence_id == occurrence_id)
            .order_by(SubmissionRow.created_at, SubmissionRow.id)
        )
    )


def pending_extension(session: Session, occurrence_id: int, office_id: str) -> SubmissionRow | None:
    return session.scalars(
        select(SubmissionRow).where(
            SubmissionRow.occurrence_id == occurrence_id,
            SubmissionRow.office_id == office_id,
            SubmissionRow.kind == EXTEND,
            SubmissionRow.status == PENDING,
        )
    ).first()


def listed(
    session: Session, *, pending: bool, limit: int = 100
) -> list[tuple[SubmissionRow, OccurrenceRow]]:
    """Pending 延期 requests, oldest first (`pending`), or the latest submissions of any kind
    and state, newest first; each with its occurrence."""
    stmt = select(SubmissionRow, OccurrenceRow).join(
        OccurrenceRow, OccurrenceRow.id == SubmissionRow.occurrence_id
    )
    if pending:
        stmt = stmt.where(SubmissionRow.kind == EXTEND, SubmissionRow.status == PENDING)
        stmt = stmt.order_by(SubmissionRow.created_at, SubmissionRow.id)
    else:
        stmt = stmt.order_by(SubmissionRow.created_at.desc(), SubmissionRow.id.desc())
    return [(s, o) for s, o in session.execute(stmt.limit(limit))]


def extended_dues(
    session: Session, occurrence_ids: Collection[int] | None = None
) -> dict[int, date]:
    """The due date of each occurrence an approved 延期 moved (the latest decided wins), of
    these occurrences or of all."""
    stmt = select(SubmissionRow.occurrence_id, SubmissionRow.until).where(
        SubmissionRow.kind == EXTEND, SubmissionRow.status == APPROVED
    )
    stmt = stmt.order_by(SubmissionRow.decided_at, SubmissionRow.id)
    if occurrence_ids is None:
        return {occ: until for occ, until in session.execute(stmt)}
    out: dict[int, date] = {}
    for chunk in chunks(sorted(occurrence_ids)):
        rows = session.execute(stmt.where(SubmissionRow.occurrence_id.in_(chunk)))
        out.update({occ: until for occ, until in rows})
    return out


def explained_until(session: Session) -> dict[tuple[int, str], date]:
    """Per occurrence and office, the planned completion of its latest 情况说明."""
    stmt = (
        select(SubmissionRow.occurrence_id, SubmissionRow.office_id, SubmissionRow.until)
        .where(SubmissionRow.kind == EXPLAIN)
        .order_by(SubmissionRow.created_at, SubmissionRow.id)
    )
    return {(occ, office): until for occ, office, until in session.execute(stmt)}


def latest_explanations(
    session: Session, occurrence_ids: Collection[int]
) -> dict[int, SubmissionRow]:
    """The latest 情况说明 of each of these occurrences (only a lead office gives one)."""
    out: dict[int, SubmissionRow] = {}
    for chunk in chunks(sorted(occurrence_ids)):
        rows = session.scalars(
            select(SubmissionRow)
            .where(SubmissionRow.occurrence_id.in_(chunk), SubmissionRow.kind == EXPLAIN)
            .order_by(SubmissionRow.created_at, SubmissionRow.id)
        )
        out.update({row.occurrence_id: row for row in rows})
    return out


def in_force(session: Session) -> list[tuple[int, str, str, date]]:
    """The occurrences (id, deadline, period, nominal due) that an approved 延期 or a
    情况说明 is about: what planning looks up for them."""
    stmt = (
        select(
            OccurrenceRow.id,
            OccurrenceRow.deadline_id,
            OccurrenceRow.period_key,
            OccurrenceRow.nominal_due,
        )
        .where(
            OccurrenceRow.withdrawn_at.is_(None),
            OccurrenceRow.id.in_(
                select(SubmissionRow.occurrence_id).where(SubmissionRow.status == APPROVED)
            ),
        )
        .order_by(OccurrenceRow.id)
    )
    return [
        (occ, deadline, period, nominal) for occ, deadline, period, nominal in session.execute(stmt)
    ]


def decided_extensions(session: Session, occurrence_ids: Collection[int]) -> list[SubmissionRow]:
    """The approved and refused 延期 requests of these occurrences, in the order decided."""
    out: list[SubmissionRow] = []
    for chunk in chunks(sorted(occurrence_ids)):
        out += session.scalars(
            select(SubmissionRow).where(
                SubmissionRow.occurrence_id.in_(chunk),
                SubmissionRow.kind == EXTEND,
                SubmissionRow.status.in_(_DECIDED),
            )
        )
    out.sort(key=lambda r: (r.decided_at or r.created_at, r.id))
    return out


def told_since(session: Session, occurrence_id: int, office_id: str, since: datetime) -> bool:
    """Whether a message about this occurrence went to this office at or after `since`."""
    found = session.scalar(
        select(SentLogRow.id)
        .where(
            SentLogRow.occurrence_id == occurrence_id,
            SentLogRow.office_id == office_id,
            SentLogRow.status.in_(_TOLD),
            SentLogRow.at >= since,
        )
        .limit(1)
    )
    return found is not None


def extended_by_key(session: Session, first: date, last: date) -> dict[tuple[str, str], date]:
    """The extended due date of each occurrence nominally due in [first, last] that an
    approved 延期 moved, by deadline and period (the latest decided wins)."""
    stmt = (
        select(OccurrenceRow.deadline_id, OccurrenceRow.period_key, SubmissionRow.until)
        .join(OccurrenceRow, OccurrenceRow.id == SubmissionRow.occurrence_id)
        .where(
            SubmissionRow.kind == EXTEND,
            SubmissionRow.status == APPROVED,
            OccurrenceRow.due >= first,
            OccurrenceRow.due <= last,
        )
        .order_by(SubmissionRow.decided_at, SubmissionRow.id)
    )
    return {(d, p): until for d, p, until in session.execute(stmt)}


def latest_explained(
    session: Session, keys: Collection[tuple[str, str]]
) -> dict[tuple[str, str], SubmissionRow]:
    """The latest 情况说明 of each of these occurrences (deadline, period), in one query."""
    if not keys:
        return {}
    deadlines = {d for d, _ in keys}
    rows = session.execute(
        select(OccurrenceRow.deadline_id, OccurrenceRow.period_key, SubmissionRow)
        .join(OccurrenceRow, OccurrenceRow.id == SubmissionRow.occurrence_id)
        .where(SubmissionRow.kind == EXPLAIN, OccurrenceRow.deadline_id.in_(deadlines))
        .order_by(SubmissionRow.created_at, SubmissionRow.id)
    )
    return {(d, p): row for d, p, row in rows if (d, p) in keys}


def explanations_by_key(session: Session, first: date) -> dict[tuple[str, str, str], SubmissionRow]:
    """The latest 情况说明 of each office about an occurrence due on or after `first`, by
    deadline, period and office: what the 通报 prints beside an overdue item."""
    stmt = (
        select(OccurrenceRow.deadline_id, OccurrenceRow.period_key, SubmissionRow)
        .join(OccurrenceRow, OccurrenceRow.id == SubmissionRow.occurrence_id)
        .where(SubmissionRow.kind == EXPLAIN, OccurrenceRow.due >= first)
        .order_by(SubmissionRow.created_at, SubmissionRow.id)
    )
    return {(d, p, row.office_id): row for d, p, row in session.execute(stmt)}
