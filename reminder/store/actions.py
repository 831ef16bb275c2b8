"""The audit trail: 办结, 重新打开, 签收 and 反馈 as they happened, read back per occurrence."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reminder.store.models import ActionRow, OccurrenceRow


def record(session: Session, **values: object) -> ActionRow:
    """Add one audit row (at, occurrence_id, deadline_id, office_id, action, note, actor,
    via, client)."""
    row = ActionRow(**values)
    session.add(row)
    session.flush()
    return row


def of_occurrence(session: Session, occurrence_id: int) -> list[ActionRow]:
    return list(
        session.scalars(
            select(ActionRow)
            .where(ActionRow.occurrence_id == occurrence_id)
            .order_by(ActionRow.at, ActionRow.id)
        )
    )


def of_occurrences(session: Session, ids: Collection[int]) -> dict[int, list[ActionRow]]:
    """Each occurrence's audit rows, oldest first."""
    out: dict[int, list[ActionRow]] = {i: [] for i in ids}
    if not ids:
        return out
    rows = session.scalars(
        select(ActionRow)
        .where(ActionRow.occurrence_id.in_(ids))
        .order_by(ActionRow.at, ActionRow.id)
    )
    for row in rows:
        out[row.occurrence_id].append(row)
    return out


def acknowledged(session: Session, ids: Collection[int]) -> dict[tuple[int, str], datetime]:
    """When each office first acknowledged (签收) each of these occurrences."""
    if not ids:
        return {}
    rows = session.execute(
        select(ActionRow.occurrence_id, ActionRow.office_id, func.min(ActionRow.at))
        .where(ActionRow.occurrence_id.in_(ids), ActionRow.action == "ack")
        .group_by(ActionRow.occurrence_id, ActionRow.office_id)
    )
    return {(occ, office): at for occ, office, at in rows}


def of_office(session: Session, office_id: str, *, limit: int = 50) -> list[ActionRow]:
    """The latest audit rows of an office, newest first."""
    return list(
        session.scalars(
            select(ActionRow)
            .where(ActionRow.office_id == office_id)
            .order_by(ActionRow.at.desc(), ActionRow.id.desc())
            .limit(limit)
        )
    )


def acks_by_key(
    session: Session, first: date, last: date
) -> dict[tuple[str, str], dict[str, datetime]]:
    """When each office first acknowledged (签收) each occurrence due in [first, last], by
    deadline and period: one query for the whole board, not one per row."""
    rows = session.execute(
        select(
            OccurrenceRow.deadline_id,
            OccurrenceRow.period_key,
            ActionRow.office_id,
            func.min(ActionRow.at),
        )
        .join(OccurrenceRow, OccurrenceRow.id == ActionRow.occurrence_id)
        .where(ActionRow.action == "ack", OccurrenceRow.due >= first, OccurrenceRow.due <= last)
        .group_by(OccurrenceRow.deadline_id, OccurrenceRow.period_key, ActionRow.office_id)
    )
    out: dict[tuple[str, str], dict[str, datetime]] = {}
    for deadline, period, office, at in rows:
        out.setdefault((deadline, period), {})[office] = at
    return out


def latest_feedback(
    session: Session, keys: Collection[tuple[str, str]]
) -> dict[tuple[str, str], ActionRow]:
    """The latest 反馈 of each of these occurrences (deadline, period), in one query."""
    if not keys:
        return {}
    deadlines = {d for d, _ in keys}
    rows = session.execute(
        select(OccurrenceRow.deadline_id, OccurrenceRow.period_key, ActionRow)
        .join(OccurrenceRow, OccurrenceRow.id == ActionRow.occurrence_id)
        .where(ActionRow.action == "feedback", OccurrenceRow.deadline_id.in_(deadlines))
        .order_by(ActionRow.at, ActionRow.id)
    )
    return {(d, p): row for d, p, row in rows if (d, p) in keys}
