"""The sent-reminder log: every attempt, and every reminder held, superseded or cancelled."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, func, insert, literal, select, text, update
from sqlalchemy.orm import Session

from reminder.store.engine import chunks
from reminder.store.models import (
    OCCURRENCES,
    OUTBOX,
    SENDING_SQL,
    OccurrenceRow,
    OutboxRow,
    SentLogRow,
    UTCDateTime,
)
from reminder.vocabulary import PLANNED_KINDS, LogStatus

SENT_LOG = cast(Table, SentLogRow.__table__)
STATUSES = tuple(s.value for s in LogStatus)
REMINDER_KINDS = tuple(k.value for k in PLANNED_KINDS)


def entry_for(
    row: OutboxRow,
    occurrence: OccurrenceRow | None,
    *,
    at: datetime,
    status: LogStatus,
    **fields: Any,
) -> dict[str, Any]:
    """The columns of a log row describing what happened to an outbox row."""
    return {
        "at": at,
        "outbox_id": row.id,
        "deadline_id": row.deadline_id,
        "occurrence_id": row.occurrence_id,
        "period_key": occurrence.period_key if occurrence else None,
        "due": occurrence.due if occurrence else None,
        "office_id": row.office_id,
        "channel": row.channel,
        "kind": row.kind,
        "role": row.role,
        "status": status,
        "attempt": fields.get("attempt", row.attempts),
        **{k: v for k, v in fields.items() if k != "attempt"},
    }


def log_rows(
    session: Session,
    rows: Sequence[OutboxRow],
    *,
    at: datetime,
    status: LogStatus,
    occurrences: Mapping[int, OccurrenceRow] | None = None,
    **fields: Any,
) -> list[int]:
    """Log the same event for several outbox rows (one bulk insert); return the log ids.
    `occurrences` saves a query when the caller has them."""
    return log_messages(session, [(rows, fields)], at=at, status=status, occurrences=occurrences)[0]


def log_messages(
    session: Session,
    messages: Sequence[tuple[Sequence[OutboxRow], Mapping[str, Any]]],
    *,
    at: datetime,
    status: LogStatus,
    occurrences: Mapping[int, OccurrenceRow] | None = None,
) -> list[list[int]]:
    """Log several messages at once, each its rows with its own fields (target, body…), in one
    bulk insert; return each message's log ids."""
    if occurrences is None:
        occurrences = occurrences_by_id(
            session, {r.occurrence_id for rows, _ in messages for r in rows}
        )
    # A message's body is kept once, on its first row: a digest of ten reminders is one
    # message, not ten copies of it (`bodies` finds it for the others).
    values = [
        entry_for(
            r,
            occurrences.get(r.occurrence_id),
            at=at,
            status=status,
            **(fields if i == 0 else {k: v for k, v in fields.items() if k != "body"}),
        )
        for rows, fields in messages
        for i, r in enumerate(rows)
    ]
    keys = sorted({k for v in values for k in v})
    values = [{k: v.get(k) for k in keys} for v in values]
    ids: list[int] = []
    conn = session.connection()
    for chunk in chunks(values, 1000):
        ids += conn.scalars(_INSERT, chunk).all()
    out, used = [], 0
    for rows, _ in messages:
        out.append(ids[used : used + len(rows)])
        used += len(rows)
    return out


def log_outbox_ids(
    session: Session,
    ids: Sequence[int] | Select[tuple[int]],
    *,
    at: datetime,
    status: LogStatus,
    error: str,
) -> None:
    """`log_rows` in SQL for outbox rows known by id, or picked by a SELECT of ids: one
    INSERT ... SELECT, no row objects (the same columns as `entry_for`)."""
    if isinstance(ids, Sequence) and not ids:
        return
    o, occ = OUTBOX, OCCURRENCES
    when = literal(at, UTCDateTime())
    source = (
        select(
            when,
            when,
            o.c.id,
            o.c.deadline_id,
            o.c.occurrence_id,
            occ.c.period_key,
            occ.c.due,
            o.c.office_id,
            o.c.channel,
            o.c.kind,
            o.c.role,
            literal(status),
            o.c.attempts,
            literal(error),
        )
        .select_from(o.outerjoin(occ, occ.c.id == o.c.occurrence_id))
        .where(o.c.id.in_(ids))
    )
    columns = [
        "at",
        "finished_at",
        "outbox_id",
        "deadline_id",
        "occurrence_id",
        "period_key",
        "due",
        "office_id",
        "channel",
        "kind",
        "role",
        "status",
        "attempt",
        "error",
    ]
    session.connection().execute(insert(SENT_LOG).from_select(columns, source))


def finish(
    session: Session,
    log_ids: Sequence[int],
    status: LogStatus,
    now: datetime,
    error: str | None,
    code: str | None,
) -> None:
    """The outcome of an attempt logged as `sending`."""
    for chunk in chunks(log_ids):
        session.connection().execute(
            _FINISH,
            {"ids": list(chunk), "status": status, "now": now, "error": error, "code": code},
        )


_FINISH = (
    update(SENT_LOG)
    .where(SENT_LOG.c.id.in_(bindparam("ids", expanding=True)))
    .values(
        status=bindparam("status"),
        finished_at=bindparam("now"),
        error=bindparam("error"),
        response_code=bindparam("code"),
    )
)
_INSERT = insert(SENT_LOG).returning(SENT_LOG.c.id, sort_by_parameter_order=True)


def occurrences_by_id(session: Session, ids: set[int]) -> dict[int, OccurrenceRow]:
    """Occurrences by id, asked in chunks (SQLite takes at most 32,766 variables a statement)."""
    out = {}
    for chunk in chunks(sorted(ids), 5000):
        out.update(
            {
                o.id: o
                for o in session.scalars(select(OccurrenceRow).where(OccurrenceRow.id.in_(chunk)))
            }
        )
    return out


@dataclass(frozen=True, kw_only=True, slots=True)
class LogFilter:
    offices: frozenset[str] | None = None
    deadline: str | None = None
    channel: str | None = None
    status: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int | None = None
    offset: int = 0
    newest_first: bool = False
    message_id: str | None = None
    statuses: tuple[str, ...] | None = None  # any of these
    not_statuses: tuple[str, ...] = ()  # none of these


def query(session: Session, f: LogFilter) -> list[SentLogRow]:
    """Log rows matching the filter, oldest first (or newest first), a page of them."""
    return list(session.scalars(_filtered(f)))


def count_by_status(session: Session, f: LogFilter) -> dict[str, int]:
    """How many rows of each status the filter matches (its limit and order aside)."""
    rows = _filtered(replace(f, limit=None, offset=0)).order_by(None).subquery()
    found = session.execute(select(rows.c.status, func.count()).group_by(rows.c.status))
    return {status: n for status, n in found}


def stream(session: Session, f: LogFilter, batch: int = 2000) -> Iterator[SentLogRow]:
    """`query` row by row, fetched `batch` at a time (an export of a million rows)."""
    yield from session.scalars(_filtered(f).execution_options(yield_per=batch))


def _filtered(f: LogFilter) -> Select[SentLogRow]:
    stmt = select(SentLogRow)
    if f.offices is not None:
        stmt = stmt.where(SentLogRow.office_id.in_(sorted(f.offices)))
    for column, value in (
        (SentLogRow.deadline_id, f.deadline),
        (SentLogRow.channel, f.channel),
        (SentLogRow.status, f.status),
        (SentLogRow.message_id, f.message_id),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if f.statuses is not None:
        stmt = stmt.where(SentLogRow.status.in_(f.statuses))
    if f.not_statuses:
        stmt = stmt.where(SentLogRow.status.not_in(f.not_statuses))
    if f.since is not None:
        stmt = stmt.where(SentLogRow.at >= f.since)
    if f.until is not None:
        stmt = stmt.where(SentLogRow.at < f.until)
    if f.newest_first:
        stmt = stmt.order_by(SentLogRow.at.desc(), SentLogRow.id.desc())
    else:
        stmt = stmt.order_by(SentLogRow.at, SentLogRow.id)
    if f.limit is not None:
        stmt = stmt.limit(f.limit)
    if f.offset:
        stmt = stmt.offset(f.offset)
    return stmt


def last_entry(session: Session, outbox_id: int) -> SentLogRow | None:
    """The newest sent-log entry of one outbox row (what an admin alert reports)."""
    return session.scalars(
        select(SentLogRow)
        .where(SentLogRow.outbox_id == outbox_id)
        .order_by(SentLogRow.id.desc())
        .limit(1)
    ).first()


def add_entry(session: Session, entry: SentLogRow) -> None:
    """Log one entry made by hand (a test message)."""
    session.add(entry)


def close_orphans(session: Session, now: datetime, older_than: timedelta) -> int:
    """Close the `sending` rows left by an instance that died mid-send (older than a lease:
    no live instance has a message in flight that long) as `unknown`: whether that message
    arrived, nobody can tell; its reminder is tried again once its lease runs out, with a
    row of its own."""
    return (
        session.connection()
        .execute(
            update(SentLogRow)
            .where(text(SENDING_SQL), SentLogRow.at < now - older_than)
            .values(
                status=LogStatus.UNKNOWN,
                finished_at=now,
                error="in flight when its instance stopped: it may or may not have arrived",
            )
        )
        .rowcount
    )


def bodies(session: Session, rows: Sequence[SentLogRow]) -> dict[str, str]:
    """The body of each message these rows belong to (kept on the message's first row)."""
    wanted = sorted({r.message_id for r in rows if r.message_id and r.body is None})
    found: dict[str, str] = {
        r.message_id: r.body for r in rows if r.message_id and r.body is not None
    }
    for chunk in chunks(wanted):
        for message_id, body in session.execute(
            select(SentLogRow.message_id, SentLogRow.body).where(
                SentLogRow.message_id.in_(chunk), SentLogRow.body.is_not(None)
            )
        ):
            if message_id is not None and body is not None:
                found[message_id] = body
    return found


def get(session: Session, entry_id: int) -> SentLogRow | None:
    return session.get(SentLogRow, entry_id)


def counts_by_office(
    session: Session, since: datetime, until: datetime
) -> dict[tuple[str, str], int]:
    """How many reminders (not alerts, tests or reports) each office has of each status in
    [since, until)."""
    rows = session.execute(
        select(SentLogRow.office_id, SentLogRow.status, func.count())
        .where(SentLogRow.at >= since, SentLogRow.at < until)
        .where(SentLogRow.kind.in_(REMINDER_KINDS))
        .group_by(SentLogRow.office_id, SentLogRow.status)
    )
    return {(office, status): int(n) for office, status, n in rows}


def logged_report(session: Session, key: str, office: str, channel: str) -> bool:
    """Has the 通报 of `key` (a span, "2027-01") gone to this office on this channel, or been
    started (a dry run aside)?"""
    found = session.scalar(
        select(SentLogRow.id)
        .where(
            SentLogRow.kind == "report",
            SentLogRow.period_key == key,
            SentLogRow.office_id == office,
            SentLogRow.channel == channel,
            SentLogRow.status != "dry-run",
        )
        .limit(1)
    )
    return found is not None


def targets_since(
    session: Session, channel: str, since: datetime, statuses: Sequence[str]
) -> list[str]:
    """The target of each message logged on `channel` from `since` in one of `statuses`, once
    per message (a digest's rows share theirs): what a daily cap counts."""
    found = session.execute(
        select(SENT_LOG.c.message_id, SENT_LOG.c.target)
        .where(
            SENT_LOG.c.at >= since,
            SENT_LOG.c.channel == channel,
            SENT_LOG.c.status.in_(list(statuses)),
        )
        .distinct()
    )
    return [target or "" for _, target in found]
