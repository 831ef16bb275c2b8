"""Keeping the database small for years: what ended long ago goes, in small batches.

Sent and failed messages (and every attempt of theirs) stay for `keep` (three years by
default: two 通报 cycles and an audit); what nobody will read again (superseded, cancelled
and dry-run rows) goes after 90 days. Waiting reminders, completions, occurrences and the
mirrored config are never pruned. Each batch is its own short transaction, so a prune never
holds SQLite's write lock for long.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Table, delete, func, or_, select, update
from sqlalchemy.engine import Engine

from reminder.store.engine import transaction
from reminder.store.models import OUTBOX, SENT_LOG
from reminder.vocabulary import LogStatus, OutboxStatus

SHORT = timedelta(days=90)
BATCH = 2000
# Rows kept only briefly: nobody reads them once the reminders after them have gone.
_SHORT_LOG = (LogStatus.SUPERSEDED, LogStatus.CANCELLED, LogStatus.DRY_RUN)
_SHORT_OUTBOX = (OutboxStatus.SUPERSEDED, OutboxStatus.CANCELLED, OutboxStatus.DRY_RUN)
_ENDED_OUTBOX = (OutboxStatus.SENT, OutboxStatus.FAILED)
LOG = SENT_LOG


@dataclass(frozen=True, kw_only=True, slots=True)
class Pruned:
    sent_log: int
    outbox: int

    def summary(self) -> str:
        return f"{self.sent_log} sent-log row(s), {self.outbox} outbox row(s)"


def _conditions(now: datetime, keep: timedelta) -> list[tuple[Table, ColumnElement[bool]]]:
    log, out = LOG.c, OUTBOX.c
    return [
        (LOG, log.status.in_(_SHORT_LOG) & (log.at < now - SHORT)),
        (LOG, log.status.not_in(_SHORT_LOG) & (log.at < now - keep)),
        (OUTBOX, out.status.in_(_SHORT_OUTBOX) & (out.updated_at < now - SHORT)),
        (OUTBOX, out.status.in_(_ENDED_OUTBOX) & (out.updated_at < now - keep)),
    ]


def count(engine: Engine, now: datetime, keep: timedelta) -> Pruned:
    """What `prune` would remove now."""
    totals: dict[Table, int] = {LOG: 0, OUTBOX: 0}
    with transaction(engine) as s:
        for table, where in _conditions(now, keep):
            totals[table] += s.scalar(select(func.count()).select_from(table).where(where)) or 0
    return Pruned(sent_log=totals[LOG], outbox=totals[OUTBOX])


def prune(engine: Engine, now: datetime, keep: timedelta, batch: int = BATCH) -> Pruned:
    """Remove what ended before the windows, `batch` rows per transaction."""
    totals: dict[Table, int] = {LOG: 0, OUTBOX: 0}
    for table, where in _conditions(now, keep):
        while True:
            with transaction(engine) as s:
                ids = select(table.c.id).where(where).limit(batch).scalar_subquery()
                gone = s.connection().execute(delete(table).where(table.c.id.in_(ids))).rowcount
            totals[table] += gone
            if gone < batch:
                break
    return Pruned(sent_log=totals[LOG], outbox=totals[OUTBOX])


# What a kept body holds when it still carries a link token (written before links were
# redacted at logging): a cheap filter, the caller's `redact` decides.
_TOKENISH = ("%.occ-%", "%.office.%", "%.feed.%")


def scrub_bodies(engine: Engine, redact: Callable[[str], str], batch: int = BATCH) -> int:
    """Rewrite the kept message bodies that `redact` changes (links taken out); how many.
    Walks the log by id, `batch` rows per transaction."""
    changed, after = 0, 0
    while True:
        with transaction(engine) as s:
            conn = s.connection()
            rows = conn.execute(
                select(LOG.c.id, LOG.c.body)
                .where(LOG.c.id > after, or_(*(LOG.c.body.like(p) for p in _TOKENISH)))
                .order_by(LOG.c.id)
                .limit(batch)
            ).all()
            for row_id, body in rows:
                kept = redact(body)
                if kept != body:
                    conn.execute(update(LOG).where(LOG.c.id == row_id).values(body=kept))
                    changed += 1
        if len(rows) < batch:
            return changed
        after = rows[-1][0]
