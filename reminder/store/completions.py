"""Completions: an occurrence marked done (and reopened), and the queries `status` needs."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from reminder.store.models import CompletionRow, DeadlineRow, OccurrenceRow


def occurrences_of(session: Session, deadline_id: str) -> list[OccurrenceRow]:
    return list(session.scalars(select(OccurrenceRow).where(
        OccurrenceRow.deadline_id == deadline_id, OccurrenceRow.withdrawn_at.is_(None))
        .order_by(OccurrenceRow.due)))  # fmt: skip


def open_completion(session: Session, occurrence_id: int) -> CompletionRow | None:
    return session.scalars(select(CompletionRow).where(
        CompletionRow.occurrence_id == occurrence_id,
        CompletionRow.reopened_at.is_(None))).first()  # fmt: skip


def complete(
    session: Session, occurrence_id: int, office: str, note: str | None, now: datetime
) -> CompletionRow:
    row = CompletionRow(occurrence_id=occurrence_id, office_id=office, note=note, completed_at=now)
    session.add(row)
    session.flush()
    return row


def reopen(session: Session, completion: CompletionRow, office: str, now: datetime) -> None:
    completion.reopened_at, completion.reopened_by = now, office


def board(
    session: Session, first: date, last: date
) -> list[tuple[OccurrenceRow, DeadlineRow, CompletionRow | None]]:
    """Occurrences of enabled deadlines due in [first, last], from when each was added."""
    rows = session.execute(
        select(OccurrenceRow, DeadlineRow, CompletionRow)
        .join(DeadlineRow, DeadlineRow.id == OccurrenceRow.deadline_id)
        .outerjoin(CompletionRow, (CompletionRow.occurrence_id == OccurrenceRow.id)
                   & CompletionRow.reopened_at.is_(None))
        .where(DeadlineRow.enabled.is_(True), OccurrenceRow.withdrawn_at.is_(None),
               OccurrenceRow.due >= first,
               OccurrenceRow.due <= last, OccurrenceRow.due >= DeadlineRow.active_since)
        .order_by(OccurrenceRow.due, DeadlineRow.task, DeadlineRow.id)
    ).all()  # fmt: skip
    return [(o, d, c) for o, d, c in rows]
