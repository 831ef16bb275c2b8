"""The outbox, dispatching half: due reminders claimed with a lease, renewed, deferred, held,
finished; the backlog after downtime coalesced. Sent at most once.

The planning half (what planning writes) is `store.planned`; callers hold the transaction.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Update
from sqlalchemy.sql.elements import BindParameter, ColumnElement

from reminder.planning.reconcile import KEY
from reminder.store.engine import CHUNK, chunks
from reminder.store.models import (
    LEASED_SQL,
    OUTBOX,
    WAITING_SQL,
    OccurrenceRow,
    OutboxRow,
)
from reminder.store.sentlog import log_outbox_ids, log_rows
from reminder.vocabulary import PLANNED_KINDS, WAITING, LogStatus, OutboxStatus

SUPERSEDED = "a later reminder for the same task and office replaced it"

Values = dict[str, Any]


def insert_ignoring_duplicates(session: Session, values: list[Values]) -> int:
    """Insert outbox rows; a row whose key exists already is skipped, not an error."""
    if not values:
        return 0
    # Only the dialect in use is imported (PostgreSQL's module costs SQLite 40 ms at start).
    dialect = session.get_bind().dialect.name
    upsert = importlib.import_module(f"sqlalchemy.dialects.{dialect}").insert
    # RETURNING counts what was inserted (a batch's rowcount is not reliable on every driver).
    stmt = upsert(OUTBOX).on_conflict_do_nothing(index_elements=list(KEY)).returning(OUTBOX.c.id)
    connection = session.connection()
    total = 0
    for chunk in chunks(values):
        total += len(connection.execute(stmt, chunk).all())
    return total


def set_status(
    session: Session,
    rows: Sequence[OutboxRow],
    status: OutboxStatus,
    now: datetime,
    *,
    reason: str,
    if_free: bool = False,
) -> int:
    """Move rows (attached or not) to a final status, release them, and log why; how many.

    `if_free`: only rows still waiting and not leased at `now` (the caller read them without a
    lock: a dispatcher may have claimed some since), and only those are logged.
    """
    if not rows:
        return 0
    moved: set[int] = set()
    for chunk in chunks([r.id for r in rows]):
        stmt = update(OutboxRow).where(OutboxRow.id.in_(chunk))
        if if_free:
            stmt = stmt.where(
                OutboxRow.status.in_(WAITING),
                or_(OutboxRow.lease_until.is_(None), OutboxRow.lease_until <= now),
            )
        result = session.execute(
            stmt.values(status=status, updated_at=now, lease_owner=None, lease_until=None)
            .returning(OutboxRow.id)
            .execution_options(synchronize_session="fetch")
        )
        moved.update(result.scalars())
    done = [r for r in rows if r.id in moved]
    log_rows(session, done, at=now, status=LogStatus(status), error=reason, finished_at=now)
    return len(done)


def cancel(session: Session, rows: Sequence[OutboxRow], now: datetime, *, reason: str) -> None:
    set_status(session, rows, OutboxStatus.CANCELLED, now, reason=reason)


def supersede(session: Session, rows: Sequence[OutboxRow], now: datetime) -> None:
    set_status(session, rows, OutboxStatus.SUPERSEDED, now, reason=SUPERSEDED)


def _claimable(now: datetime) -> ColumnElement[bool]:
    """Waiting, due, and not leased (or the lease ran out)."""
    free = or_(OutboxRow.lease_until.is_(None), OutboxRow.lease_until < now)
    return and_(text(WAITING_SQL), OutboxRow.next_attempt_at <= now, free)


def defer_to(session: Session, now: datetime, until: dict[datetime, list[str]], today: date) -> int:
    """On a rest day: move each due reminder of these deadlines (grouped by the instant they
    wait for: the next working day's send time) to that instant, except those whose occurrence
    falls due today. Nothing is sent or logged; the rows stay waiting."""
    due_today = select(OccurrenceRow.id).where(OccurrenceRow.due == today)
    conn, moved = session.connection(), 0
    for instant, deadline_ids in until.items():
        for chunk in chunks(deadline_ids):
            moved += conn.execute(
                update(OUTBOX)
                .where(
                    _claimable(now),
                    OUTBOX.c.kind.in_(PLANNED_KINDS),
                    OUTBOX.c.deadline_id.in_(chunk),
                    OUTBOX.c.occurrence_id.not_in(due_today),
                )
                .values(next_attempt_at=instant)
            ).rowcount
    return moved


def coalesce_backlog(session: Session, now: datetime) -> int:
    """After downtime: per task, office and channel, supersede every due waiting reminder but
    the most recent, in one go across the whole backlog (not batch by batch), with set-based
    statements: a month's backlog of daily tasks is hundreds of thousands of rows."""
    due = and_(_claimable(now), OUTBOX.c.kind.in_(PLANNED_KINDS))
    group = (OUTBOX.c.deadline_id, OUTBOX.c.office_id, OUTBOX.c.channel)
    latest = (
        select(*group, func.max(OUTBOX.c.remind_at).label("latest"))
        .where(due)
        .group_by(*group)
        .subquery()
    )
    older = (
        select(OUTBOX.c.id)
        .join(
            latest,
            and_(
                OUTBOX.c.deadline_id == latest.c.deadline_id,
                OUTBOX.c.office_id == latest.c.office_id,
                OUTBOX.c.channel == latest.c.channel,
            ),
        )
        .where(due, OUTBOX.c.remind_at < latest.c.latest)
    )
    conn = session.connection()
    superseded = {
        "status": OutboxStatus.SUPERSEDED,
        "updated_at": now,
        "lease_owner": None,
        "lease_until": None,
    }
    if conn.dialect.name == "sqlite":
        # BEGIN IMMEDIATE holds the write lock: the log and the update pick the same rows,
        # with no list of ids going through Python (30,000 after a month of daily tasks).
        log_outbox_ids(session, older, at=now, status=LogStatus.SUPERSEDED, error=SUPERSEDED)
        return conn.execute(
            update(OUTBOX).where(OUTBOX.c.id.in_(older)).values(**superseded)
        ).rowcount
    ids = list(conn.scalars(older))
    total = 0
    for chunk in chunks(ids, 10 * CHUNK):  # a few big statements: each costs as it is built
        # Only rows still claimable are changed and logged (another instance may claim some).
        changed = list(
            conn.scalars(
                update(OUTBOX)
                .where(OUTBOX.c.id.in_(chunk), due)
                .values(**superseded)
                .returning(OUTBOX.c.id)
            )
        )
        log_outbox_ids(session, changed, at=now, status=LogStatus.SUPERSEDED, error=SUPERSEDED)
        total += len(changed)
    return total


def claim(
    session: Session,
    *,
    owner: str,
    now: datetime,
    until: datetime,
    limit: int,
    whole_offices: int = 0,
) -> list[OutboxRow]:
    """Take up to `limit` due rows for `owner` until `until`; nobody else can take them.

    With `whole_offices`, also take the other due rows of the offices picked (up to that many
    rows in all), so that one instance sends an office its whole digest.

    One conditional UPDATE decides: a row whose lease another dispatcher took in between is
    not ours. PostgreSQL also skips rows locked by a concurrent claim.
    """
    due = _claimable(now)
    postgres = session.get_bind().dialect.name == "postgresql"

    def pick(*where: ColumnElement[bool], cap: int) -> dict[int, str]:
        stmt = (
            select(OutboxRow.id, OutboxRow.office_id)
            .where(due, *where)
            .order_by(OutboxRow.next_attempt_at, OutboxRow.id)
            .limit(cap)
        )
        if postgres:
            stmt = stmt.with_for_update(skip_locked=True)
        return {row_id: office for row_id, office in session.execute(stmt)}

    picked = pick(cap=limit)
    if not picked:
        return []
    if whole_offices > len(picked):
        offices, taken = set(picked.values()), list(picked)
        picked |= pick(
            OutboxRow.office_id.in_(offices),
            OutboxRow.id.not_in(taken),
            cap=whole_offices - len(picked),
        )
    ids = list(picked)
    session.execute(
        update(OutboxRow)
        .where(OutboxRow.id.in_(ids), due)
        .values(lease_owner=owner, lease_until=until)
        .execution_options(synchronize_session=False)
    )
    return list(
        session.scalars(
            select(OutboxRow)
            .where(
                OutboxRow.id.in_(ids),
                OutboxRow.lease_owner == owner,
                OutboxRow.lease_until == until,
            )
            .order_by(OutboxRow.remind_at, OutboxRow.id)
        ).unique()
    )


# The per-message statements are built once: building and keying a statement costs more than
# SQLite takes to run it.
_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
_RENEW = (
    update(OUTBOX)
    .where(OUTBOX.c.id.in_(_IDS), OUTBOX.c.lease_owner == bindparam("owner"))
    .values(lease_until=bindparam("until"))
    .returning(OUTBOX.c.id)
)


def renew(session: Session, ids: Sequence[int], *, owner: str, until: datetime) -> set[int]:
    """Extend `owner`'s lease on these rows to `until`; return the ids it still held. A row
    missing from the answer was taken by another dispatcher (the lease ran out): it is not
    ours to send."""
    conn = session.connection()
    return {
        row_id
        for chunk in chunks(ids)
        for row_id in conn.scalars(_RENEW, {"ids": list(chunk), "owner": owner, "until": until})
    }


def defer(session: Session, ids: Sequence[int], until: datetime) -> None:
    """Put rows back to wait until `until` (their robot's budget is spent until then)."""
    session.connection().execute(
        update(OUTBOX)
        .where(OUTBOX.c.id.in_(ids))
        .values(next_attempt_at=until, lease_owner=None, lease_until=None)
    )


def hold(
    session: Session, ids: Sequence[int], now: datetime, reason: str, *, recheck: datetime
) -> None:
    """Keep rows whose channel cannot be used yet, with the reason, and look again at
    `recheck` (or at once after a config change: `wake_held`)."""
    for chunk in chunks(ids):
        session.connection().execute(
            update(OUTBOX)
            .where(OUTBOX.c.id.in_(chunk))
            .values(
                status=OutboxStatus.HELD,
                last_error=reason,
                lease_owner=None,
                lease_until=None,
                next_attempt_at=recheck,
                updated_at=now,
            )
        )


def finish(
    session: Session,
    ids: Sequence[int],
    status: OutboxStatus,
    now: datetime,
    error: str | None,
    **values: Any,
) -> None:
    """Record an attempt on rows: their new status, one more attempt, the lease given back."""
    statement = _finish(tuple(sorted(values)))
    for chunk in chunks(ids):
        session.connection().execute(
            statement, {"ids": list(chunk), "status": status, "now": now, "error": error, **values}
        )


@cache
def _finish(extra: tuple[str, ...]) -> Update:
    return (
        update(OUTBOX)
        .where(OUTBOX.c.id.in_(_IDS))
        .values(
            status=bindparam("status"),
            attempts=OUTBOX.c.attempts + 1,
            updated_at=bindparam("now"),
            lease_owner=None,
            lease_until=None,
            last_error=bindparam("error"),
            **{k: bindparam(k) for k in extra},
        )
    )


def next_due(session: Session) -> datetime | None:
    """When the earliest waiting row can be claimed (the service sleeps until then): its due
    time, or later if another dispatcher holds its lease.

    Two index reads, neither a scan of the waiting rows: the first of them in time order that
    is not leased past its time, and the earliest lease held past its row's time.
    """
    o = OUTBOX.c
    free = or_(o.lease_until.is_(None), o.lease_until <= o.next_attempt_at)
    first: datetime | None = session.scalar(
        select(o.next_attempt_at)
        .where(text(WAITING_SQL), free)
        .order_by(o.next_attempt_at)
        .limit(1)
    )
    lease: datetime | None = session.scalar(
        select(o.lease_until)
        .where(text(LEASED_SQL), text(WAITING_SQL), o.lease_until > o.next_attempt_at)
        .order_by(o.lease_until)
        .limit(1)
    )
    times = [t for t in (first, lease) if t is not None]
    return min(times) if times else None


def wake_held(session: Session, now: datetime) -> int:
    """Re-check held rows at once (after a config change)."""
    result = session.execute(
        update(OutboxRow)
        .where(OutboxRow.status == OutboxStatus.HELD)
        .values(next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    return max(result.rowcount or 0, 0)  # type: ignore[attr-defined]


def rearm_dry_run(session: Session, now: datetime) -> int:
    """Rows a dry run rendered go back to pending: a dry run must not use them up."""
    result = session.execute(
        update(OutboxRow)
        .where(OutboxRow.status == OutboxStatus.DRY_RUN)
        .values(status=OutboxStatus.PENDING, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return max(result.rowcount or 0, 0)  # type: ignore[attr-defined]


def get(session: Session, row_id: int) -> OutboxRow | None:
    return session.get(OutboxRow, row_id)
