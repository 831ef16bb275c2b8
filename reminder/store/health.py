"""What /healthz and /metrics read: the last dispatch pass of any instance, the next due time,
and counts of reminders by status and channel. From the database, so true across instances."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Table, and_, case, func, literal, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from reminder.store.models import WAITING_SQL, MetaRow, OutboxRow

LAST_PASS = "last_dispatch_pass"


def ping(session: Session) -> None:
    session.execute(select(1))


def record_pass(session: Session, now: datetime) -> None:
    """Note that a dispatch pass ran at `now` (UTC ISO text; the latest of all instances wins,
    and a concurrent writer never blocks on it for long: one row, one statement)."""
    value = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
    table = cast(Table, MetaRow.__table__)
    dialect = session.get_bind().dialect.name
    maker = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = maker(table).values(key=LAST_PASS, value=value)
    stmt = stmt.on_conflict_do_update(
        index_elements=["key"],
        set_={"value": stmt.excluded.value},
        where=table.c.value < stmt.excluded.value,
    )
    session.execute(stmt)


def first_today(session: Session, key: str, day: str, what: str = "") -> bool:
    """True the first time on `day` that `what` is noted under `key` (across processes: cron's
    ticks, several instances): a standing condition is reported once a day, not every pass."""
    value = f"{day} {what}"
    row = session.get(MetaRow, key)
    if row is not None and row.value == value:
        return False
    session.merge(MetaRow(key=key, value=value))
    return True


def last_pass(session: Session) -> datetime | None:
    row = session.get(MetaRow, LAST_PASS)
    return datetime.fromisoformat(row.value) if row else None


def outbox_counts(session: Session) -> dict[tuple[str, str], int]:
    """Reminders by (status, channel); a pending one that failed before is "retrying"."""
    status = case(
        (and_(OutboxRow.status == "pending", OutboxRow.attempts > 0), literal("retrying")),
        else_=OutboxRow.status,
    )
    rows = session.execute(
        select(status, OutboxRow.channel, func.count()).group_by(status, OutboxRow.channel)
    )
    return {(s, channel): int(n) for s, channel, n in rows}


def oldest_waiting(session: Session) -> datetime | None:
    """The due time of the earliest waiting reminder (dispatch lateness, when in the past)."""
    return session.scalar(
        select(OutboxRow.next_attempt_at)
        .where(text(WAITING_SQL), OutboxRow.status == "pending")
        .order_by(OutboxRow.next_attempt_at)
        .limit(1)
    )
