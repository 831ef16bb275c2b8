"""The sent log as every reader asks for it: `reminder log`, the /log page and its exports,
and the JSON API read it through here, with one query type and one meaning of each field.

`until` given as a day includes that whole day (the log "until 2027-01-31" shows the 31st);
given as an instant, it ends just before it. A field that names nothing (an office, a task,
a channel or a status that does not exist) is a `BadQuery` naming the field.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from reminder import labels
from reminder.config.model import Config
from reminder.errors import BadQuery
from reminder.exports import Column, Sheet
from reminder.store import sentlog
from reminder.store.engine import transaction
from reminder.store.models import SentLogRow
from reminder.store.sentlog import STATUSES, LogFilter
from reminder.vocabulary import CHANNELS, NO_CHANNEL

__all__ = [
    "EXPORT_COLUMNS",
    "STATUSES",
    "BadQuery",
    "LogEntry",
    "LogQuery",
    "count_by_status",
    "export",
    "find",
    "read",
    "stream",
]


@dataclass(frozen=True, kw_only=True, slots=True)
class LogQuery:
    office: str | None = None  # an office, or a group (its members)
    deadline: str | None = None
    channel: str | None = None
    status: str | None = None
    since: date | datetime | None = None  # a day: from its start
    until: date | datetime | None = None  # a day: that whole day included
    limit: int | None = None
    offset: int = 0
    newest_first: bool = False
    statuses: tuple[str, ...] | None = None  # any of these
    not_statuses: tuple[str, ...] = ()  # none of these


@dataclass(frozen=True, kw_only=True, slots=True)
class LogEntry:
    """One log row, with real dates and times (local, with the config's time zone)."""

    id: int
    at: datetime
    status: str
    office: str
    office_name: str
    channel: str
    kind: str
    role: str | None  # lead, cooperate, escalation, admin (None: a test message)
    deadline: str | None
    title: str | None
    period: str | None
    due: date | None
    attempt: int
    target: str | None
    subject: str | None
    error: str | None
    response_code: str | None
    message_id: str | None
    finished_at: datetime | None  # when the attempt ended (local), None while in flight

    @property
    def status_name(self) -> str:
        return labels.log_status(self.status)

    @property
    def channel_name(self) -> str:
        return labels.channel(self.channel)

    @property
    def kind_name(self) -> str:
        return labels.kind(self.kind)

    @property
    def period_name(self) -> str:
        return labels.period(self.period)

    @property
    def reason(self) -> str:
        """Why it was not sent, or failed, in words (empty when it went)."""
        return labels.failure(self.response_code, self.error)

    def shown(self) -> dict[str, Any]:
        """The entry as an export row: the stored values and their words."""
        return {
            "id": self.id,
            "at": self.at.isoformat(timespec="seconds"),
            "status": self.status,
            "status_name": self.status_name,
            "office": self.office,
            "office_name": self.office_name,
            "channel": self.channel,
            "channel_name": self.channel_name,
            "kind": self.kind,
            "kind_name": self.kind_name,
            "deadline": self.deadline,
            "title": self.title,
            "period": self.period,
            "period_name": self.period_name,
            "due": self.due.isoformat() if self.due else None,
            "attempt": self.attempt,
            "target": self.target,
            "subject": self.subject,
            "reason": self.reason,
            "error": self.error,
            "response_code": self.response_code,
            "message_id": self.message_id,
        }

    def cells(self) -> dict[str, Any]:
        """The entry as an export row: as `shown`, with the time and the due date as values."""
        return {**self.shown(), "at": self.at, "due": self.due}


# The sent log as /log.csv, /log.xlsx and `reminder log --format csv|xlsx` export it.
EXPORT_COLUMNS = (
    Column("at", "时间", "datetime"),
    Column("status_name", "状态"),
    Column("office", "科室代码"),
    Column("office_name", "科室"),
    Column("channel_name", "渠道"),
    Column("kind_name", "类型"),
    Column("deadline", "事项代码"),
    Column("title", "事项"),
    Column("period_name", "期间", "period"),
    Column("due", "截止日期", "date"),
    Column("attempt", "第几次", "number"),
    Column("target", "发送对象"),
    Column("subject", "主题"),
    Column("reason", "原因"),
    Column("error", "技术详情"),
    Column("response_code", "响应码"),
)


def export(
    config: Config,
    q: LogQuery,
    now: datetime,
    entries: Iterable[LogEntry],
    bodies: dict[int, str | None] | None = None,
) -> Sheet:
    """The entries `q` selected as an export, titled with its filters, its span and `now`;
    with `bodies` (by entry id), each message as kept is the last column."""
    scope = []
    if q.office:
        group = config.groups.get(q.office)
        scope.append(group.name if group else config.name_of(q.office))
    if q.deadline:
        d = config.deadline_by_id.get(q.deadline)
        scope.append(d.title if d else q.deadline)
    if q.channel:
        scope.append(labels.channel(q.channel))
    if q.status:
        scope.append(labels.log_status(q.status))
    what = labels.log_export_what(scope)
    title = labels.export_title(what, q.since, q.until, now.astimezone(config.settings.tz))
    if bodies is None:
        rows = (e.cells() for e in entries)
        return Sheet(name="发送记录", title=title, columns=EXPORT_COLUMNS, rows=rows)
    rows = ({**e.cells(), "body": bodies.get(e.id)} for e in entries)
    columns = (*EXPORT_COLUMNS, Column("body", "消息内容"))
    return Sheet(name="发送记录", title=title, columns=columns, rows=rows)


def _instant(value: date | datetime, tz: ZoneInfo, *, end: bool) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=tz)
    day = value + timedelta(days=1) if end else value
    return datetime.combine(day, time(), tz)


def log_filter(config: Config, q: LogQuery) -> LogFilter:
    """The store's filter for `q`; BadQuery names a field that names nothing."""
    offices: frozenset[str] | None = None
    if q.office:
        if q.office not in config.addressees and q.office not in config.groups:
            raise BadQuery("office", q.office, (*config.addressees, *config.groups))
        offices = frozenset(config.expand((q.office,)))
    if q.deadline and q.deadline not in config.deadline_by_id:
        raise BadQuery("deadline", q.deadline, tuple(config.deadline_by_id))
    if q.channel and q.channel not in (*CHANNELS, NO_CHANNEL):
        raise BadQuery("channel", q.channel, (*CHANNELS, NO_CHANNEL))
    if q.status and q.status not in STATUSES:
        raise BadQuery("status", q.status, STATUSES)
    tz = config.settings.tz
    return LogFilter(
        offices=offices,
        deadline=q.deadline or None,
        channel=q.channel or None,
        status=q.status or None,
        since=_instant(q.since, tz, end=False) if q.since is not None else None,
        until=_instant(q.until, tz, end=True) if q.until is not None else None,
        limit=q.limit,
        offset=q.offset,
        newest_first=q.newest_first,
        statuses=q.statuses,
        not_statuses=q.not_statuses,
    )


def entry(config: Config, row: SentLogRow) -> LogEntry:
    d = config.deadline_by_id.get(row.deadline_id or "")
    tz = config.settings.tz
    return LogEntry(
        id=row.id,
        at=row.at.astimezone(tz),
        status=row.status,
        office=row.office_id,
        office_name=config.name_of(row.office_id),
        channel=row.channel,
        kind=row.kind,
        role=row.role,
        deadline=row.deadline_id,
        title=d.title if d else None,
        period=row.period_key,
        due=row.due,
        attempt=row.attempt,
        target=row.target,
        subject=row.subject,
        error=row.error,
        response_code=row.response_code,
        message_id=row.message_id,
        finished_at=row.finished_at.astimezone(tz) if row.finished_at else None,
    )


def read(
    config: Config, engine: Engine, q: LogQuery, *, bodies: bool = False
) -> list[tuple[LogEntry, str | None]]:
    """The entries `q` asks for, each with its message body when `bodies`."""
    f = log_filter(config, q)
    with transaction(engine) as s:
        rows = sentlog.query(s, f)
        texts = sentlog.bodies(s, rows) if bodies else {}
        return [(entry(config, r), _body(r, texts)) for r in rows]


def count_by_status(config: Config, engine: Engine, q: LogQuery) -> dict[str, int]:
    """How many entries of each status `q` matches (its limit aside)."""
    f = log_filter(config, q)
    with transaction(engine) as s:
        return sentlog.count_by_status(s, f)


def _body(row: SentLogRow, texts: dict[str, str]) -> str | None:
    return row.body if row.body is not None else texts.get(row.message_id or "")


@contextmanager
def stream(config: Config, engine: Engine, q: LogQuery) -> Iterator[Iterator[LogEntry]]:
    """`with stream(...) as entries:` every entry `q` asks for, fetched a batch at a time (an
    export of a million rows); the filter is checked before the block is entered."""
    f = log_filter(config, q)
    with transaction(engine) as s:
        yield (entry(config, r) for r in sentlog.stream(s, f))


def find(config: Config, engine: Engine, entry_id: int) -> tuple[LogEntry, str | None] | None:
    """One entry and the body of its message, or None (an id no database can hold too)."""
    if not 0 < entry_id < 2**63:
        return None
    with transaction(engine) as s:
        row = sentlog.get(s, entry_id)
        if row is None:
            return None
        return entry(config, row), _body(row, sentlog.bodies(s, [row]) if row.body is None else {})
