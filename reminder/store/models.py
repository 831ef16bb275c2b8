"""SQLAlchemy models: the one metadata that alembic migrations must match.

Offices, groups and deadlines mirror schedules.toml (a removed one is disabled, not deleted,
so its history stays); occurrences are the materialized due dates of each deadline.
Instants are stored in UTC; dates are local calendar dates.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as naive UTC, so SQLite and PostgreSQL read back the same."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} cannot be stored")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class SyncedRow:
    """Columns of every table that mirrors a schedules.toml array (offices, groups, deadlines)."""

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    fingerprint: Mapped[str] = mapped_column(String(64))  # sha256 of the row as configured
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OfficeRow(SyncedRow, Base):
    __tablename__ = "offices"

    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[list[str]] = mapped_column(JSON)
    wecom: Mapped[str | None] = mapped_column(String(500))  # as written: ${NAME}, never a secret
    channels: Mapped[list[str] | None] = mapped_column(JSON)
    mention_mobiles: Mapped[list[str]] = mapped_column(JSON)


class GroupRow(SyncedRow, Base):
    __tablename__ = "groups"

    name: Mapped[str] = mapped_column(String(200))
    members: Mapped[list[str]] = mapped_column(JSON)


class DeadlineRow(SyncedRow, Base):
    __tablename__ = "deadlines"

    task: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(500))
    requirement: Mapped[str] = mapped_column(Text)
    limit_text: Mapped[str] = mapped_column(String(200))
    lead: Mapped[list[str]] = mapped_column(JSON)
    cooperate: Mapped[list[str]] = mapped_column(JSON)
    due_rule: Mapped[str] = mapped_column(String(500))
    start: Mapped[date | None] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date)
    remind: Mapped[list[str] | None] = mapped_column(JSON)
    shift: Mapped[str | None] = mapped_column(String(10))
    send_time: Mapped[str | None] = mapped_column(String(5))
    # Occurrences due before this day are not this service's business (added or re-enabled then).
    active_since: Mapped[date] = mapped_column(Date)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OccurrenceRow(Base):
    __tablename__ = "occurrences"
    __table_args__ = (
        UniqueConstraint("deadline_id", "period_key"),
        Index(None, "due"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    deadline_id: Mapped[str] = mapped_column(ForeignKey("deadlines.id"))
    period_key: Mapped[str] = mapped_column(String(20))
    period_start: Mapped[date] = mapped_column(Date)
    nominal_due: Mapped[date] = mapped_column(Date)
    due: Mapped[date] = mapped_column(Date)
    provisional: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MetaRow(Base):
    """Small facts about the database: which config was last applied, and when."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
