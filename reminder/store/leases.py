"""Leases as a whole: the heartbeat extends an instance's, a stop gives them back, and the
leases of an instance that ended are freed. Claiming and renewing rows one by one is the
outbox's (`store.outbox`); callers hold the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, select, text, update
from sqlalchemy.orm import Session

from reminder.store.engine import chunks
from reminder.store.models import LEASED_SQL, OUTBOX


def extend_leases(session: Session, *, owner: str, now: datetime, until: datetime) -> int:
    """The heartbeat: extend every lease `owner` still holds (not one that ran out) to
    `until`; a stalled or dead instance stops beating, and its rows are free a lease later."""
    live = and_(OUTBOX.c.lease_owner == owner, OUTBOX.c.lease_until >= now)
    conn = session.connection()
    if conn.dialect.name == "postgresql":  # rows a round of ours is renewing: skip, not wait
        ids = (
            select(OUTBOX.c.id).where(live).order_by(OUTBOX.c.id).with_for_update(skip_locked=True)
        )
        live = OUTBOX.c.id.in_(ids.scalar_subquery())
    return conn.execute(update(OUTBOX).where(live).values(lease_until=until)).rowcount


def lease_owners(session: Session) -> set[str]:
    """Who holds leases now (an index read: the leased rows are a few claimed batches)."""
    o = OUTBOX.c
    return set(session.scalars(select(o.lease_owner).where(text(LEASED_SQL)).distinct()))


def release_owners(session: Session, owners: Sequence[str]) -> int:
    """Free every lease these owners hold (they have ended): their rows are claimable now."""
    o = OUTBOX.c
    result = session.connection().execute(
        update(OUTBOX)
        .where(text(LEASED_SQL), o.lease_owner.in_(owners))
        .values(lease_owner=None, lease_until=None)
    )
    return int(result.rowcount)


def release(session: Session, ids: Sequence[int], *, owner: str) -> None:
    """Give back rows still leased to `owner` (a stop, or a lease another dispatcher took)."""
    for chunk in chunks(ids):
        mine = and_(OUTBOX.c.id.in_(chunk), OUTBOX.c.lease_owner == owner)
        session.connection().execute(
            update(OUTBOX).where(mine).values(lease_owner=None, lease_until=None)
        )
