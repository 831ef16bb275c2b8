"""Writing schedules.toml's state into the tables: insert new rows, update changed ones,
disable removed ones; materialized occurrences follow their deadline's rule.

Every function takes a session inside the caller's transaction; nothing here commits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from reminder.store.models import (
    CompletionRow,
    DeadlineRow,
    GroupRow,
    MetaRow,
    OccurrenceRow,
    OfficeRow,
    OutboxRow,
)

Values = dict[str, Any]
# Rows older than this are history; a period key that reappears within it updates its row.
_HISTORY = timedelta(days=400)


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
        parts = [f"{len(v)} {k}" for k, v in (("added", self.added), ("updated", self.updated),
                 ("disabled", self.disabled), ("removed", self.removed)) if v]  # fmt: skip
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


def apply_occurrences(
    session: Session, wanted: Mapping[str, list[Values]], today: date, now: datetime
) -> Changes:
    """Make the occurrences due from `today` on match `wanted` (per deadline, keyed by period).

    Past occurrences are history and stay; a future one the rule no longer produces is
    removed; a deadline missing from `wanted` (disabled) loses its future occurrences.
    """
    changes = Changes()
    rows = session.scalars(
        select(OccurrenceRow).where(OccurrenceRow.nominal_due >= today - _HISTORY)
    ).all()
    existing = {(r.deadline_id, r.period_key): r for r in rows}
    wanted_keys = set()
    for deadline_id, occurrences in wanted.items():
        for values in occurrences:
            key = (deadline_id, values["period_key"])
            wanted_keys.add(key)
            row = existing.get(key)
            if row is None:
                session.add(
                    OccurrenceRow(deadline_id=deadline_id, **values, created_at=now, updated_at=now)
                )
                changes.added.append(f"{deadline_id}/{values['period_key']}")
            elif row.withdrawn_at is not None or any(
                getattr(row, k) != v for k, v in values.items()
            ):
                for k, v in values.items():
                    setattr(row, k, v)
                row.updated_at, row.withdrawn_at = now, None
                changes.updated.append(f"{deadline_id}/{values['period_key']}")
            else:
                changes.unchanged += 1
    stale = [
        r
        for key, r in existing.items()
        if key not in wanted_keys and r.nominal_due >= today and r.withdrawn_at is None
    ]
    if stale:
        referenced = _referenced(session, [r.id for r in stale])
        gone = [r.id for r in stale if r.id not in referenced]
        if gone:
            session.execute(delete(OccurrenceRow).where(OccurrenceRow.id.in_(gone)))
        for r in stale:
            if r.id in referenced:
                r.withdrawn_at, r.updated_at = now, now
        changes.removed = [f"{r.deadline_id}/{r.period_key}" for r in stale]
    return changes


def _referenced(session: Session, ids: list[int]) -> set[int]:
    """Occurrences that outbox rows or completions point to: history, not to be deleted."""
    used = set(session.scalars(select(OutboxRow.occurrence_id).where(
        OutboxRow.occurrence_id.in_(ids))))  # fmt: skip
    used |= set(session.scalars(select(CompletionRow.occurrence_id).where(
        CompletionRow.occurrence_id.in_(ids))))  # fmt: skip
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
