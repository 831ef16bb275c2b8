"""The admin's alerts about failed messages, as far as the database knows them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from reminder.store.models import OutboxRow
from reminder.vocabulary import Kind


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
