"""Send budgets in the database: N messages per sliding minute per key, for all instances."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from reminder.store.engine import serialize
from reminder.store.models import SendRow

WINDOW = timedelta(minutes=1)


def reserve(
    session: Session, key: str, count: int, per_minute: int, now: datetime
) -> datetime | None:
    """Record `count` sends for `key` at `now` and return None if they fit the budget;
    otherwise record nothing and return when they will fit."""
    serialize(session, f"reminder:budget:{key}")
    session.execute(delete(SendRow).where(SendRow.rate_key == key,
                                          SendRow.at <= now - WINDOW))  # fmt: skip
    recent = list(session.scalars(select(SendRow.at).where(SendRow.rate_key == key)
                                  .order_by(SendRow.at)))  # fmt: skip
    count = min(count, per_minute)  # a message longer than a minute's budget is spread
    if len(recent) + count <= per_minute:
        session.add_all([SendRow(rate_key=key, at=now) for _ in range(count)])
        return None
    return recent[len(recent) + count - per_minute - 1] + WINDOW
