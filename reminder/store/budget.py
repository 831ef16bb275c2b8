"""Send budgets in the database: N messages per sliding minute per key, for all instances."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, delete, insert, select
from sqlalchemy.orm import Session

from reminder.store.engine import serialize
from reminder.store.models import SendRow

WINDOW = timedelta(minutes=1)
SENDS = cast(Table, SendRow.__table__)  # Core statements, built once: this runs per message
_RECENT = (select(SENDS.c.at)
           .where(SENDS.c.rate_key == bindparam("key"), SENDS.c.at > bindparam("since"))
           .order_by(SENDS.c.at))  # fmt: skip
_INSERT = insert(SENDS)


def reserve(
    session: Session, key: str, count: int, per_minute: int, now: datetime
) -> datetime | None:
    """Record `count` sends for `key` at `now` and return None if they fit the budget;
    otherwise record nothing and return when they will fit."""
    serialize(session, f"reminder:budget:{key}")
    conn = session.connection()
    recent: list[datetime] = list(conn.scalars(_RECENT, {"key": key, "since": now - WINDOW}))
    count = min(count, per_minute)  # a message longer than a minute's budget is spread
    if len(recent) + count <= per_minute:
        conn.execute(_INSERT, [{"rate_key": key, "at": now}] * count)
        return None
    return recent[len(recent) + count - per_minute - 1] + WINDOW


def prune(session: Session, now: datetime) -> None:
    """Forget sends older than the window (they no longer count against any budget)."""
    session.connection().execute(delete(SENDS).where(SENDS.c.at <= now - WINDOW))
