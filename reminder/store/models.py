"""SQLAlchemy models: the one metadata that alembic migrations must match.

Offices, groups and deadlines mirror schedules.toml (a removed one is disabled, not deleted,
so its history stays); occurrences are the materialized due dates of each deadline.
Instants are stored in UTC; dates are local calendar dates.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any, cast

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
    Table,
    Text,
    UniqueConstraint,
    text,
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

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        # Bulk writes bind the same few instants thousands of times (a plan's remind_at, the
        # transaction's now): convert each once, keyed by the instant in UTC (two aware
        # datetimes in one zone compare equal whatever their `fold`, an hour apart or not).
        convert = super().bind_processor(dialect)
        if convert is None:
            return None
        cached = lru_cache(maxsize=4096)(convert)

        def process(value: datetime | None) -> Any:
            if value is None or value.tzinfo is None:
                return convert(value)  # None, or the naive value's error
            return cached(value.astimezone(UTC))

        return process

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
    # Set when the rule no longer produces this occurrence but reminders or a completion
    # refer to it: kept as history, out of planning and status.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class MetaRow(Base):
    """Small facts about the database: which config was last applied, and when."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


SENDING_SQL = "status = 'sending'"
WAITING_SQL = "status IN ('pending', 'held')"  # literal, so planners match the partial index
LEASED_SQL = "lease_until IS NOT NULL"


class OutboxRow(Base):
    """One reminder for one office by one channel: planned once, claimed, sent at most once.

    The unique key makes planning idempotent: planning twice, restarting, or two planners
    racing can never create a second copy.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("deadline_id", "occurrence_id", "kind", "step", "office_id", "channel"),
        # The poll walks this in time order and stops after a batch, however long the table:
        # a partial index of waiting rows only.
        Index(
            "ix_outbox_waiting_due",
            "next_attempt_at",
            "id",
            sqlite_where=text(WAITING_SQL),
            postgresql_where=text(WAITING_SQL),
        ),
        # The leases held now (a few claimed batches): when a lease runs out, its rows are due.
        Index(
            "ix_outbox_leased",
            "lease_until",
            sqlite_where=text(LEASED_SQL),
            postgresql_where=text(LEASED_SQL),
        ),
        Index(None, "remind_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    deadline_id: Mapped[str] = mapped_column(ForeignKey("deadlines.id"))
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("occurrences.id"))
    kind: Mapped[str] = mapped_column(String(12))  # before, due, overdue, escalation, alert
    step: Mapped[str] = mapped_column(String(40))  # "30d", "overdue-3", "failed-812"
    office_id: Mapped[str] = mapped_column(ForeignKey("offices.id"))
    channel: Mapped[str] = mapped_column(String(10))
    role: Mapped[str] = mapped_column(String(12))  # lead, cooperate, escalation, admin
    remind_at: Mapped[datetime] = mapped_column(UTCDateTime())
    working_days_left: Mapped[int] = mapped_column(Integer)
    provisional: Mapped[bool] = mapped_column(Boolean)
    # pending, held, sent, failed, superseded, cancelled, dry-run
    status: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    about_id: Mapped[int | None] = mapped_column(Integer)  # for an alert: the failed row
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SentLogRow(Base):
    """Every attempt to deliver, and every reminder held, superseded or cancelled.

    A digest is one message for several reminders: its rows share `message_id`. Targets are
    masked; secrets never reach this table.
    """

    __tablename__ = "sent_log"
    __table_args__ = (
        Index(None, "at"),
        # The messages in flight (a few): the ones left behind by a crash are found here.
        Index(
            "ix_sent_log_sending",
            "at",
            sqlite_where=text(SENDING_SQL),
            postgresql_where=text(SENDING_SQL),
        ),
        Index(None, "office_id", "at"),
        Index(None, "deadline_id", "at"),
        Index(None, "outbox_id"),
        Index(None, "message_id"),  # a digest's body is kept on its first row only
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outbox_id: Mapped[int | None] = mapped_column(Integer)
    message_id: Mapped[str | None] = mapped_column(String(36))
    deadline_id: Mapped[str | None] = mapped_column(String(64))
    occurrence_id: Mapped[int | None] = mapped_column(Integer)
    period_key: Mapped[str | None] = mapped_column(String(20))
    due: Mapped[date | None] = mapped_column(Date)
    office_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(10))
    target: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(12))
    role: Mapped[str | None] = mapped_column(String(12))
    subject: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text)
    # sending, sent, failed, retrying, held, superseded, cancelled, dry-run
    status: Mapped[str] = mapped_column(String(12))
    error: Mapped[str | None] = mapped_column(Text)
    response_code: Mapped[str | None] = mapped_column(String(20))
    attempt: Mapped[int] = mapped_column(Integer)


class CompletionRow(Base):
    """An occurrence marked done by an office; a reopened one keeps its row, with reopened_at."""

    __tablename__ = "completions"
    __table_args__ = (
        Index(
            "uq_completions_open_occurrence",
            "occurrence_id",
            unique=True,
            sqlite_where=text("reopened_at IS NULL"),
            postgresql_where=text("reopened_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("occurrences.id"))
    office_id: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reopened_by: Mapped[str | None] = mapped_column(String(64))


class ActionRow(Base):
    """The audit trail: every 办结, 重新打开, 签收 and 反馈 on an occurrence, who did it, when and
    how (a signed link, an administrator's login, the command line, the API). Never pruned."""

    __tablename__ = "actions"
    __table_args__ = (Index(None, "occurrence_id", "at"), Index(None, "office_id", "at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("occurrences.id"))
    deadline_id: Mapped[str] = mapped_column(String(64))
    office_id: Mapped[str] = mapped_column(String(64))  # the office acted for
    action: Mapped[str] = mapped_column(String(12))  # done, reopen, ack, feedback
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(100))  # "office:legal", "admin", "cli"
    via: Mapped[str] = mapped_column(String(12))  # link, login, cli, api
    client: Mapped[str | None] = mapped_column(String(64))  # the web client's address


class SubmissionRow(Base):
    """What a lead office submits about an occurrence: a 情况说明 (kind "explain": why it is
    late and the day it plans to finish; in force at once, stored "approved") or a 延期 request
    (kind "extend": a new due date, "pending" until an administrator approves or refuses it, or
    "approved" at once when an administrator grants it). Never pruned: the audit trail names it.
    """

    __tablename__ = "submissions"
    __table_args__ = (Index(None, "occurrence_id", "created_at"), Index(None, "status"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("occurrences.id"))
    office_id: Mapped[str] = mapped_column(String(64))  # the lead office it is about
    kind: Mapped[str] = mapped_column(String(8))  # explain, extend
    reason: Mapped[str] = mapped_column(Text)
    until: Mapped[date] = mapped_column(Date)  # the planned completion, or the new due date
    status: Mapped[str] = mapped_column(String(10))  # pending, approved, refused
    decided_by: Mapped[str | None] = mapped_column(String(100))  # the administrator's name
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(Text)  # the administrator's reason
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DocumentNumberRow(Base):
    """The n of each numbered document (a 通报's 文号, a 督办通知单's), per kind and year: taken
    once for what it numbers (`subject`: a span "2027-01", an occurrence's id), never again."""

    __tablename__ = "document_numbers"
    __table_args__ = (UniqueConstraint("kind", "subject"), UniqueConstraint("kind", "year", "n"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(12))  # report, notice
    subject: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)
    n: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AdminRow(Base):
    """An administrator's account (`reminder admin add`): the password as a scrypt hash."""

    __tablename__ = "admins"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())  # the password, last


class AdminSessionRow(Base):
    """A login: the SHA-256 of the cookie's random token, never the token itself. Logout, a
    password change or the account's removal deletes it; it ends at `expires_at` anyway."""

    __tablename__ = "admin_sessions"
    __table_args__ = (Index(None, "admin_name"),)

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    admin_name: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SendRow(Base):
    """One message sent on a budget (a WeCom robot key, an SMTP server), kept for a minute:
    the budget is shared by every instance because it lives here, not in a process."""

    __tablename__ = "sends"
    __table_args__ = (Index(None, "rate_key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rate_key: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


# The tables themselves, for Core statements (bulk and per-message SQL, no row objects).
OUTBOX = cast(Table, OutboxRow.__table__)
OCCURRENCES = cast(Table, OccurrenceRow.__table__)
SENT_LOG = cast(Table, SentLogRow.__table__)
