"""Completions: an occurrence marked done (and reopened), and the queries `status` needs."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from reminder.store.models import ActionRow, CompletionRow, DeadlineRow, MetaRow, OccurrenceRow


def occurrences_of(session: Session, deadline_id: str) -> list[OccurrenceRow]:
    return list(
        session.scalars(
            select(OccurrenceRow)
            .where(OccurrenceRow.deadline_id == deadline_id, OccurrenceRow.withdrawn_at.is_(None))
            .order_by(OccurrenceRow.due)
        )
    )


def open_completion(session: Session, occurrence_id: int) -> CompletionRow | None:
    return session.scalars(
        select(CompletionRow).where(
            CompletionRow.occurrence_id == occurrence_id, CompletionRow.reopened_at.is_(None)
        )
    ).first()


def complete(
    session: Session, occurrence_id: int, office: str, note: str | None, now: datetime
) -> CompletionRow:
    row = CompletionRow(occurrence_id=occurrence_id, office_id=office, note=note, completed_at=now)
    session.add(row)
    session.flush()
    return row


def reopen(session: Session, completion: CompletionRow, office: str, now: datetime) -> None:
    completion.reopened_at, completion.reopened_by = now, office


def active_deadlines(session: Session) -> dict[str, date]:
    """Enabled deadlines and the day each became active (added or enabled again)."""
    rows = session.execute(
        select(DeadlineRow.id, DeadlineRow.active_since).where(DeadlineRow.enabled.is_(True))
    )
    return {deadline_id: since for deadline_id, since in rows}


RECENT = 1000  # audit rows whose ids may still be committed out of order


def generation(session: Session) -> tuple[object, ...]:
    """What tells whether where the tasks stand may have changed, in one cheap read (index
    lookups): the audit trail (every 办结, 重新打开, 签收, 反馈, 情况说明, 延期 and its decision
    writes a row in the transaction that makes the change, whichever process makes it) and the
    last sync (the file it applied and when: the deadlines change only there). Equal answers:
    nothing the board shows has changed since.

    Of the audit trail, the newest id and how many of the last `RECENT` ids are there: on
    PostgreSQL an id is taken before its transaction commits, so a smaller id may appear after
    a larger one (the audit row is the last write of its transaction: only by moments)."""
    # Constants in the statement, not parameters: PostgreSQL plans a prepared statement once
    # for any parameter, and for "id > newest - $1" that plan scans the whole table.
    newest = select(func.max(ActionRow.id)).scalar_subquery()
    since = newest - literal(RECENT, literal_execute=True)
    recent = select(func.count()).select_from(ActionRow).where(ActionRow.id > since)
    meta = [
        select(MetaRow.value).where(MetaRow.key == literal(key, literal_execute=True))
        for key in ("config_sha256", "synced_at")
    ]
    row = session.execute(
        select(newest, recent.scalar_subquery(), *(m.scalar_subquery() for m in meta))
    ).one()
    return tuple(row)


def done_between(session: Session, first: date, last: date) -> dict[tuple[str, str], CompletionRow]:
    """The standing completions of occurrences due in [first, last], by deadline and period."""
    rows = session.execute(
        select(OccurrenceRow.deadline_id, OccurrenceRow.period_key, CompletionRow)
        .join(CompletionRow, CompletionRow.occurrence_id == OccurrenceRow.id)
        .where(
            CompletionRow.reopened_at.is_(None),
            OccurrenceRow.due >= first,
            OccurrenceRow.due <= last,
        )
    )
    return {(deadline_id, period): done for deadline_id, period, done in rows}


def done_among(session: Session, occurrence_ids: Collection[int]) -> set[int]:
    """Which of these occurrences are marked done (and not reopened)."""
    return set(
        session.scalars(
            select(CompletionRow.occurrence_id).where(
                CompletionRow.occurrence_id.in_(occurrence_ids),
                CompletionRow.reopened_at.is_(None),
            )
        )
    )


def occurrence(session: Session, occurrence_id: int) -> OccurrenceRow | None:
    return session.get(OccurrenceRow, occurrence_id)
