"""Each office's link generation, in the meta table: revoking an office's links moves it on,
and every token signed for an earlier generation stops working."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from reminder.store.models import MetaRow

PREFIX = "link-generation:"


def generations(session: Session) -> dict[str, int]:
    """Every office whose links were ever revoked, with its current generation."""
    rows = session.execute(
        select(MetaRow.key, MetaRow.value).where(MetaRow.key.startswith(PREFIX))
    ).all()
    return {key[len(PREFIX) :]: int(value) for key, value in rows if value.isdigit()}


def bump(session: Session, office: str) -> int:
    """Move `office` to its next generation; the new one."""
    row = session.get(MetaRow, PREFIX + office, with_for_update=True)
    nxt = (int(row.value) if row is not None and row.value.isdigit() else 0) + 1
    if row is None:
        session.add(MetaRow(key=PREFIX + office, value=str(nxt)))
    else:
        row.value = str(nxt)
    return nxt
