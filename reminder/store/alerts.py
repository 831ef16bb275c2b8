"""The admin's alerts about failed messages, as far as the database knows them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from reminder.store.models import OutboxRow
from reminder.vocabulary import Kind, OutboxStatus


def alerted_since(session: Session, office_id: str, channel: str, since: datetime) -> bool:
    """Whether an alert about a failed message to this office and channel was made at or
    after `since`: the admin hears about a failing target once a pass, not once a message."""
    about = aliased(OutboxRow)
    found = session.scalar(
        select(OutboxRow.id)
        .join(about, about.id == OutboxRow.about_id)
        .where(
            OutboxRow.kind == Kind.ALERT,
            OutboxRow.created_at >= since,
            about.office_id == office_id,
            about.channel == channel,
        )
        .limit(1)
    )
    return found is not None


def failed_since(
    session: Session, office_id: str, channel: str, since: datetime, until: datetime
) -> list[str]:
    """The deadlines of the reminders to this office and channel that failed for good in
    [since, until], oldest first, each once: what one alert about a failing target covers."""
    rows = session.execute(
        select(OutboxRow.deadline_id, func.min(OutboxRow.updated_at))
        .where(
            OutboxRow.office_id == office_id,
            OutboxRow.channel == channel,
            OutboxRow.status == OutboxStatus.FAILED,
            OutboxRow.kind != Kind.ALERT,
            OutboxRow.updated_at >= since,
            OutboxRow.updated_at <= until,
        )
        .group_by(OutboxRow.deadline_id)
        .order_by(func.min(OutboxRow.updated_at), OutboxRow.deadline_id)
    ).all()
    return [deadline_id for deadline_id, _ in rows]
