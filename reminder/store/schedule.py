"""Writing schedules.toml's state into the tables: insert new rows, update changed ones,
disable removed ones; materialized occurrences follow their deadline's rule.

Every function takes a session inside the caller's transaction; nothing here commits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import Column, bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection, Row
from sqlalchemy.orm import Session

from reminder.calendar.workcal import SHIFT_SLACK
from reminder.store.engine import chunks
from reminder.store.models import (
    OCCURRENCES,
    CompletionRow,
    DeadlineRow,
    GroupRow,
    MetaRow,
    OfficeRow,
    OutboxRow,
)

Values = dict[str, Any]
_OCCURRENCE_VALUES = ("period_start", "nominal_due", "due", "provisional")


def fingerprint(values: Mapping[str, Any]) -> str:
    text = json.dumps(values, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Changes:
    """What one kind of row went through in a sync."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    disabled: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.disabled or self.removed)

    def summary(self) -> str:
        parts = [
            f"{len(v)} {k}"
            for k, v in (
                ("added", self.added),
                ("updated", self.updated),
                ("disabled", self.disabled),
                ("removed", self.removed),
            )
            if v
        ]
        return ", ".join(parts) or "unchanged"


R = TypeVar("R", OfficeRow, GroupRow, DeadlineRow)


def _apply(
    session: Session,
    model: type[R],
    wanted: Mapping[str, Values],
    now: datetime,
    *,
    fresh: Values | None = None,
    gone: Values | None = None,
) -> Changes:
    """Insert, update or disable rows of `model` to match `wanted`.

    `fresh` is set on rows added or re-enabled, `gone` on rows disabled; neither is part of
    the fingerprint, so they never make an unchanged row look changed.
    """
    changes = Changes()
    existing = {row.id: row for row in session.scalars(select(model))}
    for row_id, values in wanted.items():
        fp = fingerprint(values)
        row = existing.get(row_id)
        if row is None:
            session.add(
                model(
                    id=row_id,
                    **values,
                    **(fresh or {}),
                    enabled=True,
                    fingerprint=fp,
                    created_at=now,
                    updated_at=now,
                )
            )
            changes.added.append(row_id)
        elif row.fingerprint != fp or not row.enabled:
            for key, value in values.items():
                setattr(row, key, value)
            if row.enabled:
                changes.updated.append(row_id)
            else:  # back in the file
                for key, value in (fresh or {}).items():
                    setattr(row, key, value)
                changes.added.append(row_id)
            row.enabled, row.fingerprint, row.updated_at = True, fp, now
        else:
            changes.unchanged += 1
    for row_id, row in existing.items():
        if row_id not in wanted and row.enabled:
            row.enabled, row.updated_at = False, now
            for key, value in (gone or {}).items():
                setattr(row, key, value)
            changes.disabled.append(row_id)
    return changes


def apply_offices(session: Session, wanted: Mapping[str, Values], now: datetime) -> Changes:
    return _apply(session, OfficeRow, wanted, now)


def apply_groups(session: Session, wanted: Mapping[str, Values], now: datetime) -> Changes:
    return _apply(session, GroupRow, wanted, now)


def apply_deadlines(
    session: Session, wanted: Mapping[str, Values], now: datetime, today: date
) -> Changes:
    """Like offices, plus: a deadline added or re-enabled starts counting `today`."""
    return _apply(
        session,
        DeadlineRow,
        wanted,
        now,
        fresh={"active_since": today, "disabled_at": None},
        gone={"disabled_at": now},
    )


def occurrence_rows(
    conn: Connection, keys: Collection[tuple[str, str]], *columns: Column[Any]
) -> dict[tuple[str, str], Row[Any]]:
    """Existing occurrence rows with exactly these (deadline, period) keys, by key, whatever
    their age (the pair is unique). Asked in chunks of both lists, so SQLite's variable limit
    holds and the unique index is used; a history of past periods is never read."""
    deadlines = sorted({d for d, _ in keys})
    periods = sorted({p for _, p in keys})
    wanted = set(keys)
    out: dict[tuple[str, str], Row[Any]] = {}
    cols = (OCCURRENCES.c.deadline_id, OCCURRENCES.c.period_key, *columns)
    for some_deadlines in chunks(deadlines):
        for some_periods in chunks(periods):
            rows = conn.execute(
                select(*cols).where(
                    OCCURRENCES.c.deadline_id.in_(some_deadlines),
                    OCCURRENCES.c.period_key.in_(some_periods),
                )
            )
            out.update({k: r for r in rows if (k := (r[0], r[1])) in wanted})
    return out


def apply_occurrences(
    session: Session, wanted: Mapping[str, list[Values]], today: date, now: datetime
) -> Changes:
    """Make the occurrences due from `today` on match `wanted` (per deadline, keyed by period).

    Past occurrences are history and stay (one whose period is wanted again is updated); a
    future one the rule no longer produces is removed; a deadline missing from `wanted`
    (disabled) loses its future occurrences. Reads only future rows and the wanted keys, with
    Core statements: a daily sync costs the same after a year of history as on the first day.
    """
    session.flush()  # the deadlines these rows refer to
    conn = session.connection()
    changes = Changes()
    o = OCCURRENCES
    columns = (o.c.id, o.c.withdrawn_at, *(o.c[k] for k in _OCCURRENCE_VALUES))
    # Future rows (due can sit a few days before nominal: `due` is the indexed column).
    future = conn.execute(
        select(o.c.deadline_id, o.c.period_key, *columns).where(
            o.c.due >= today - SHIFT_SLACK, o.c.nominal_due >= today
        )
    )
    existing = {(r.deadline_id, r.period_key): r for r in future}
    wanted_keys = {(d, v["period_key"]) for d, occurrences in wanted.items() for v in occurrences}
    if missing := wanted_keys - existing.keys():
        existing |= occurrence_rows(conn, missing, *columns)
    inserts, updates = _compare_occurrences(existing, wanted, now, changes)
    if inserts:
        conn.execute(insert(o), inserts)
    if updates:
        conn.execute(
            update(o)
            .where(o.c.id == bindparam("row_id"))
            .values(updated_at=now, withdrawn_at=None),
            updates,
        )
    stale = [
        r
        for key, r in existing.items()
        if key not in wanted_keys and r.nominal_due >= today and r.withdrawn_at is None
    ]
    if stale:
        _remove_stale(session, stale, now)
        changes.removed = [f"{r.deadline_id}/{r.period_key}" for r in stale]
    return changes


def _compare_occurrences(
    existing: Mapping[tuple[str, str], Row[Any]],
    wanted: Mapping[str, list[Values]],
    now: datetime,
    changes: Changes,
) -> tuple[list[Values], list[Values]]:
    """The rows to insert and to update so that `existing` matches `wanted`."""
    inserts: list[Values] = []
    updates: list[Values] = []
    for deadline_id, occurrences in wanted.items():
        for values in occurrences:
            name = f"{deadline_id}/{values['period_key']}"
            row = existing.get((deadline_id, values["period_key"]))
            if row is None:
                inserts.append(
                    {
                        "deadline_id": deadline_id,
                        **values,
                        "created_at": now,
                        "updated_at": now,
                        "withdrawn_at": None,
                    }
                )
                changes.added.append(name)
            elif row.withdrawn_at is not None or any(
                getattr(row, k) != v for k, v in values.items()
            ):
                updates.append({"row_id": row.id, **values})
                changes.updated.append(name)
            else:
                changes.unchanged += 1
    return inserts, updates


def _remove_stale(session: Session, stale: list[Row[Any]], now: datetime) -> None:
    """Delete future occurrences the rule no longer produces; keep (withdrawn) those that
    outbox rows or completions refer to."""
    conn = session.connection()
    o = OCCURRENCES
    referenced = _referenced(session, [r.id for r in stale])
    gone = [r.id for r in stale if r.id not in referenced]
    for chunk in chunks(gone):
        conn.execute(delete(o).where(o.c.id.in_(chunk)))
    for chunk in chunks([r.id for r in stale if r.id in referenced]):
        conn.execute(update(o).where(o.c.id.in_(chunk)).values(withdrawn_at=now, updated_at=now))


def _referenced(session: Session, ids: list[int]) -> set[int]:
    """Occurrences that outbox rows or completions point to: history, not to be deleted."""
    used: set[int] = set()
    for chunk in chunks(ids):
        used |= set(
            session.scalars(
                select(OutboxRow.occurrence_id).where(OutboxRow.occurrence_id.in_(chunk))
            )
        )
        used |= set(
            session.scalars(
                select(CompletionRow.occurrence_id).where(CompletionRow.occurrence_id.in_(chunk))
            )
        )
    return used


def get_meta(session: Session, key: str) -> str | None:
    row = session.get(MetaRow, key)
    return row.value if row else None


def set_meta(session: Session, values: Mapping[str, str]) -> None:
    for key, value in values.items():
        row = session.get(MetaRow, key)
        if row is None:
            session.add(MetaRow(key=key, value=value))
        elif row.value != value:
            row.value = value
