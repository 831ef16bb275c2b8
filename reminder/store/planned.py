"""The outbox, planning half: what planning reads (enabled deadlines, completions) and
writes (occurrences it refers to, reminders reconciled with what is waiting).

The decision is `planning.reconcile`'s, a pure function; here it is read and applied. The
dispatching half is `store.outbox`; callers hold the transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import astuple, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from reminder.planning.reconcile import MUTABLE
from reminder.planning.reconcile import reconcile as decide
from reminder.store.engine import chunks
from reminder.store.models import OCCURRENCES, CompletionRow, DeadlineRow, OccurrenceRow, OutboxRow
from reminder.store.outbox import SUPERSEDED, insert_ignoring_duplicates, set_status
from reminder.store.schedule import occurrence_rows
from reminder.vocabulary import PLANNED_KINDS, WAITING, OutboxStatus

Values = dict[str, Any]


@dataclass(frozen=True, kw_only=True, slots=True)
class PlanningState:
    """What planning needs from the database."""

    active_since: dict[str, date]  # enabled deadlines
    completed: set[tuple[str, str]]  # (deadline_id, period_key) with an open completion
    completed_ids: set[int]  # the same occurrences, by id


@dataclass
class PlanChanges:
    added: int = 0
    updated: int = 0
    cancelled: int = 0
    revived: int = 0
    superseded: int = 0

    @property
    def total(self) -> int:
        return self.added + self.updated + self.cancelled + self.revived + self.superseded

    def __add__(self, other: PlanChanges) -> PlanChanges:
        return PlanChanges(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))

    def summary(self) -> str:
        return (
            f"{self.added} planned, {self.updated} re-planned, {self.cancelled} cancelled, "
            f"{self.revived} revived"
            + (f", {self.superseded} superseded" if self.superseded else "")
        )


def planning_state(session: Session) -> PlanningState:
    # Two columns, not whole rows: a start-up with 10,000 deadlines reads them all.
    rows = session.execute(
        select(DeadlineRow.id, DeadlineRow.active_since).where(DeadlineRow.enabled.is_(True))
    )
    active = {deadline_id: since for deadline_id, since in rows}
    done = session.execute(
        select(OccurrenceRow.id, OccurrenceRow.deadline_id, OccurrenceRow.period_key)
        .join(CompletionRow, CompletionRow.occurrence_id == OccurrenceRow.id)
        .where(CompletionRow.reopened_at.is_(None))
    ).all()
    return PlanningState(
        active_since=active,
        completed={(d, p) for _, d, p in done},
        completed_ids={i for i, _, _ in done},
    )


def ensure_occurrences(
    session: Session, wanted: Mapping[tuple[str, str], Values], now: datetime
) -> dict[tuple[str, str], int]:
    """Ids of the occurrences planning refers to, inserting any sync has not made yet (reads
    only the wanted keys, never a deadline's whole history)."""
    occ = OCCURRENCES
    conn = session.connection()
    rows = occurrence_rows(conn, wanted.keys(), occ.c.id, occ.c.withdrawn_at) if wanted else {}
    ids = {key: row.id for key, row in rows.items()}
    back = [row.id for row in rows.values() if row.withdrawn_at is not None]
    for chunk in chunks(back):  # the rule produces it again
        conn.execute(
            update(occ).where(occ.c.id.in_(chunk)).values(withdrawn_at=None, updated_at=now)
        )
    missing = [
        {
            "deadline_id": k[0],
            "period_key": k[1],
            **v,
            "created_at": now,
            "updated_at": now,
            "withdrawn_at": None,
        }
        for k, v in wanted.items()
        if k not in ids
    ]
    if missing:
        stmt = insert(occ).returning(occ.c.id, occ.c.deadline_id, occ.c.period_key)
        ids.update({(d, p): i for i, d, p in conn.execute(stmt, missing)})
    return ids


def reconcile(
    session: Session,
    wanted: Sequence[Values],
    *,
    since: Mapping[str, datetime],
    until: Mapping[str, datetime],
    completed_occurrences: set[int],
    now: datetime,
) -> PlanChanges:
    """Make the waiting outbox rows of each deadline in `since`, from that time until its
    `until`, match `wanted`, as `planning.reconcile` decides.

    New keys are inserted (a racing planner's copy is ignored by the unique key); the rows
    cancelled or superseded are logged. A row is changed only if it is still waiting and free
    (checked again in the UPDATE: another instance may claim a due row meanwhile).
    """
    to_cancel = {row.id: row for row in _orphans(session, completed_occurrences, now)}
    decided = decide(_rows_between(session, since, until), wanted, orphans=to_cancel, now=now)
    for row, want in decided.update:
        for k in MUTABLE:
            setattr(row, k, want[k])
        row.next_attempt_at, row.updated_at = want["remind_at"], now
    for row, want in decided.revive:
        row.status, row.next_attempt_at, row.updated_at = (
            OutboxStatus.PENDING,
            want["remind_at"],
            now,
        )
    to_cancel.update({row.id: row for row in decided.cancel})
    changes = PlanChanges(updated=len(decided.update), revived=len(decided.revive))
    changes.cancelled = set_status(
        session,
        list(to_cancel.values()),
        OutboxStatus.CANCELLED,
        now,
        reason="re-planned: no longer wanted by schedules.toml",
        if_free=True,
    )
    changes.superseded = set_status(
        session, decided.supersede, OutboxStatus.SUPERSEDED, now, reason=SUPERSEDED, if_free=True
    )
    fresh = [
        {
            **w,
            "status": OutboxStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": w["remind_at"],
            "created_at": now,
            "updated_at": now,
        }
        for w in decided.insert
    ]
    changes.added = insert_ignoring_duplicates(session, fresh)
    return changes


def _orphans(session: Session, completed_occurrences: set[int], now: datetime) -> list[OutboxRow]:
    """Waiting rows that can no longer be wanted, whatever their time: their deadline was
    removed or their occurrence is done (rows in flight are left to their dispatcher)."""
    orphan: ColumnElement[bool] = OutboxRow.deadline_id.in_(
        select(DeadlineRow.id).where(DeadlineRow.enabled.is_(False))
    )
    if completed_occurrences:
        orphan = or_(orphan, OutboxRow.occurrence_id.in_(completed_occurrences))
    rows = session.scalars(
        select(OutboxRow).where(
            OutboxRow.kind.in_(PLANNED_KINDS), OutboxRow.status.in_(WAITING), orphan
        )
    )
    return [row for row in rows if row.lease_until is None or row.lease_until <= now]


def _rows_between(
    session: Session, since: Mapping[str, datetime], until: Mapping[str, datetime]
) -> list[OutboxRow]:
    """The planned rows of each deadline from its `since` to its `until` (one query per
    distinct pair of times, in chunks of deadlines)."""
    by_window: dict[tuple[datetime, datetime], list[str]] = {}
    for deadline_id, start in since.items():
        by_window.setdefault((start, until[deadline_id]), []).append(deadline_id)
    out: list[OutboxRow] = []
    for (start, end), ids in by_window.items():
        for chunk in chunks(ids):
            out += session.scalars(
                select(OutboxRow).where(
                    OutboxRow.kind.in_(PLANNED_KINDS),
                    OutboxRow.remind_at >= start,
                    OutboxRow.remind_at < end,
                    OutboxRow.deadline_id.in_(chunk),
                )
            )
    return out


def waiting_for_occurrence(session: Session, occurrence_id: int) -> list[OutboxRow]:
    return list(
        session.scalars(
            select(OutboxRow).where(
                OutboxRow.occurrence_id == occurrence_id, OutboxRow.status.in_(WAITING)
            )
        )
    )


def next_waiting_occurrence(session: Session, deadline_id: str) -> int | None:
    """The occurrence of a deadline that its next waiting reminder is about."""
    return session.scalar(
        select(OutboxRow.occurrence_id)
        .where(OutboxRow.deadline_id == deadline_id, OutboxRow.status.in_(WAITING))
        .where(OutboxRow.kind != "alert")
        .order_by(OutboxRow.remind_at, OutboxRow.id)
        .limit(1)
    )
