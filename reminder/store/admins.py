"""Administrator accounts and their logins. What is kept: each password's scrypt hash and
each session token's SHA-256, never a password or a working token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from reminder.store.models import AdminRow, AdminSessionRow


@dataclass(frozen=True, kw_only=True, slots=True)
class Account:
    name: str
    created_at: datetime
    changed_at: datetime
    sessions: int  # logins not ended nor expired


def add(session: Session, name: str, password_hash: str, now: datetime) -> bool:
    """A new account; False when the name is taken."""
    if session.get(AdminRow, name) is not None:
        return False
    session.add(AdminRow(name=name, password_hash=password_hash, created_at=now, changed_at=now))
    session.flush()
    return True


def set_password(session: Session, name: str, password_hash: str, now: datetime) -> bool:
    """A new password; every login of the account ends. False when there is no such account."""
    changed = (
        session.connection()
        .execute(
            update(AdminRow)
            .where(AdminRow.name == name)
            .values(password_hash=password_hash, changed_at=now)
        )
        .rowcount
    )
    if not changed:
        return False
    end_sessions(session, name)
    return True


def remove(session: Session, name: str) -> bool:
    """Remove an account and end its logins. False when there is no such account."""
    end_sessions(session, name)
    gone = session.connection().execute(delete(AdminRow).where(AdminRow.name == name))
    return bool(gone.rowcount)


def accounts(session: Session, now: datetime) -> list[Account]:
    live = (
        select(AdminSessionRow.admin_name, func.count().label("n"))
        .where(AdminSessionRow.expires_at > now)
        .group_by(AdminSessionRow.admin_name)
        .subquery()
    )
    rows = session.execute(
        select(AdminRow.name, AdminRow.created_at, AdminRow.changed_at, live.c.n)
        .outerjoin(live, live.c.admin_name == AdminRow.name)
        .order_by(AdminRow.name)
    ).all()
    return [
        Account(name=name, created_at=created, changed_at=changed, sessions=int(n or 0))
        for name, created, changed, n in rows
    ]


def count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AdminRow)) or 0)


def password_hash(session: Session, name: str) -> str | None:
    return session.scalar(select(AdminRow.password_hash).where(AdminRow.name == name))


def open_session(
    session: Session, digest: str, name: str, now: datetime, expires: datetime
) -> None:
    """A login; the expired ones of every account go at the same time."""
    session.execute(delete(AdminSessionRow).where(AdminSessionRow.expires_at <= now))
    session.add(AdminSessionRow(digest=digest, admin_name=name, created_at=now, expires_at=expires))


def session_name(session: Session, digest: str, now: datetime) -> str | None:
    """The account a live login belongs to (the account must still exist)."""
    return session.scalar(
        select(AdminRow.name)
        .join(AdminSessionRow, AdminSessionRow.admin_name == AdminRow.name)
        .where(AdminSessionRow.digest == digest, AdminSessionRow.expires_at > now)
    )


def end_session(session: Session, digest: str) -> None:
    session.execute(delete(AdminSessionRow).where(AdminSessionRow.digest == digest))


def end_sessions(session: Session, name: str) -> int:
    mine = AdminSessionRow.admin_name == name
    result = session.connection().execute(delete(AdminSessionRow).where(mine))
    return int(result.rowcount)
