"""Document numbers (the document_numbers table): the n of a 通报's 文号 or a 督办通知单's,
counted per kind and year, taken once for what it numbers and read back ever after. Taking
is serialized (an advisory lock on PostgreSQL, BEGIN IMMEDIATE on SQLite) and the table's
unique keys refuse a repeat even so."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reminder.store.engine import serialize
from reminder.store.models import DocumentNumberRow

NUMBER_LOCK = "reminder:numbers"


def taken(session: Session, kind: str, subject: str) -> tuple[int, int] | None:
    """(year, n) of the number `subject` was given, or None if it has none yet."""
    row = session.scalars(
        select(DocumentNumberRow).where(
            DocumentNumberRow.kind == kind, DocumentNumberRow.subject == subject
        )
    ).first()
    return None if row is None else (row.year, row.n)


def take(session: Session, kind: str, subject: str, year: int, now: datetime) -> tuple[int, int]:
    """The number `subject` has, or the next of `kind` in `year` given to it now."""
    serialize(session, NUMBER_LOCK)
    found = taken(session, kind, subject)
    if found is not None:
        return found
    last = session.scalar(
        select(func.max(DocumentNumberRow.n)).where(
            DocumentNumberRow.kind == kind, DocumentNumberRow.year == year
        )
    )
    n = (last or 0) + 1
    session.add(DocumentNumberRow(kind=kind, subject=subject, year=year, n=n, created_at=now))
    session.flush()
    return year, n
