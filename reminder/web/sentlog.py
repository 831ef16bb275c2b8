"""The sent-log pages: search and filter as `reminder log` does (office or group, deadline,
channel, status, date range), newest first, a page at a time; each message as it was sent;
the same selection exported as CSV (UTF-8 with a BOM, local times with their offset) or XLSX."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import islice
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from reminder import labels
from reminder.app.completion import local_minute
from reminder.config.model import Config
from reminder.exports import csv_lines, xlsx_bytes
from reminder.store import sentlog
from reminder.store.engine import transaction
from reminder.store.models import SentLogRow
from reminder.store.sentlog import STATUSES, LogFilter
from reminder.vocabulary import CHANNELS
from reminder.web.render import attachment, ctx_of, login_first, page, visitor_of
from reminder.web.views import BadFilter, NotFound

router = APIRouter()
PAGE = 50
XLSX_ROWS = 200_000  # a bigger export goes as CSV
COLUMNS = [
    ("at", "时间"),
    ("status_name", "状态"),
    ("office", "科室代码"),
    ("office_name", "科室"),
    ("channel_name", "渠道"),
    ("kind_name", "类型"),
    ("deadline", "事项代码"),
    ("title", "事项"),
    ("period_name", "期间"),
    ("due", "截止日期"),
    ("attempt", "第几次"),
    ("target", "发送对象"),
    ("subject", "主题"),
    ("reason", "原因"),
    ("error", "技术详情"),
    ("response_code", "响应码"),
]


@dataclass(frozen=True, kw_only=True, slots=True)
class LogQuery:
    office: str = ""
    deadline: str = ""
    channel: str = ""
    status: str = ""
    since: str = ""
    until: str = ""
    page: int = 1

    def params(self, **changes: Any) -> dict[str, Any]:
        values = {
            "office": self.office,
            "deadline": self.deadline,
            "channel": self.channel,
            "status": self.status,
            "since": self.since,
            "until": self.until,
            "page": self.page,
            **changes,
        }
        return {k: v for k, v in values.items() if v != "" and not (k == "page" and v == 1)}


def _day(text: str, field: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadFilter(field, f"“{text}”不是日期（应为 2027-01-31 这样的日期）") from None


def log_filter(config: Config, q: LogQuery, **extra: Any) -> LogFilter:
    """The store's filter for a page's query; BadFilter names the field that is wrong."""
    offices: frozenset[str] | None = None
    if q.office:
        if q.office in config.offices:
            offices = frozenset([q.office])
        elif q.office in config.groups:
            offices = frozenset(config.groups[q.office].members)
        else:
            raise BadFilter("office", f"没有科室或分组 {q.office}")
    if q.deadline and q.deadline not in config.deadline_by_id:
        raise BadFilter("deadline", f"没有事项 {q.deadline}")
    if q.channel and q.channel not in CHANNELS:
        raise BadFilter("channel", "应为 " + "、".join(labels.channel(c) for c in CHANNELS))
    if q.status and q.status not in STATUSES:
        raise BadFilter("status", "应为 " + "、".join(labels.log_status(s) for s in STATUSES))
    if q.page < 1 or q.page > 100_000:
        raise BadFilter("page", "页码应为 1 至 100000")
    tz = config.settings.tz
    since, until = _day(q.since, "since"), _day(q.until, "until")
    return LogFilter(
        offices=offices,
        deadline=q.deadline or None,
        channel=q.channel or None,
        status=q.status or None,
        since=datetime.combine(since, time(), tz) if since else None,
        until=datetime.combine(until + timedelta(days=1), time(), tz) if until else None,
        newest_first=True,
        **extra,
    )


def entry(config: Config, row: SentLogRow) -> dict[str, Any]:
    """A log row as the page and the exports show it: local time with its offset."""
    tz = config.settings.tz
    d = config.deadline_by_id.get(row.deadline_id or "")
    return {
        "id": row.id,
        "at": row.at.astimezone(tz).isoformat(timespec="seconds"),
        "at_short": local_minute(config, row.at),
        "status": row.status,
        "status_name": labels.log_status(row.status),
        "office": row.office_id,
        "office_name": config.office_names.get(row.office_id, row.office_id),
        "channel": row.channel,
        "channel_name": labels.channel(row.channel),
        "kind_name": labels.kind(row.kind),
        "deadline": row.deadline_id,
        "title": d.title if d else None,
        "period": row.period_key,
        "period_name": labels.period(row.period_key),
        "due": row.due.isoformat() if row.due else None,
        "attempt": row.attempt,
        "target": row.target,
        "subject": row.subject,
        "reason": labels.failure(row.response_code, row.error),
        "error": row.error,
        "response_code": row.response_code,
        "message_id": row.message_id,
    }


@router.get("/log", include_in_schema=False)
def log_page(request: Request) -> Response:
    visitor = visitor_of(request)
    if not visitor.admin:
        return login_first(request)
    ctx = ctx_of(request)
    config = ctx.current_config()
    q = _parse(request)
    f = log_filter(config, q, limit=PAGE + 1, offset=(q.page - 1) * PAGE)
    with transaction(ctx.engine) as s:
        rows = sentlog.query(s, f)
    entries = [entry(config, r) for r in rows[:PAGE]]
    return page(
        request,
        "log.html",
        visitor,
        title="发送记录",
        entries=entries,
        q=q,
        more=len(rows) > PAGE,
        offices=sorted(config.offices.values(), key=lambda o: o.id),
        groups=sorted(config.groups.values(), key=lambda g: g.id),
        channels=[(c.value, labels.channel(c)) for c in CHANNELS],
        statuses=labels.LOG_STATUSES,
    )


def _parse(request: Request) -> LogQuery:
    params = request.query_params
    raw_page = params.get("page", "1") or "1"
    if not raw_page.isdigit():
        raise BadFilter("page", "页码应为数字")
    fields = ("office", "deadline", "channel", "status", "since", "until")
    values = {k: params.get(k, "")[:80] for k in fields}
    return LogQuery(**values, page=int(raw_page))


@router.get("/log/message/{entry_id}", include_in_schema=False)
def message_page(request: Request, entry_id: int) -> Response:
    visitor = visitor_of(request)
    if not visitor.admin:
        return login_first(request)
    ctx = ctx_of(request)
    config = ctx.current_config()
    with transaction(ctx.engine) as s:
        row = sentlog.get(s, entry_id)
        if row is None:
            raise NotFound(str(entry_id))
        body = (
            row.body if row.body is not None else sentlog.bodies(s, [row]).get(row.message_id or "")
        )
    return page(
        request, "message_sent.html", visitor, title="消息内容", e=entry(config, row), body=body
    )


def _export_rows(request: Request) -> tuple[Config, LogFilter]:
    ctx = ctx_of(request)
    config = ctx.current_config()
    return config, log_filter(config, _parse(request))


@router.get("/log.csv", include_in_schema=False)
def log_csv(request: Request) -> Response:
    if not visitor_of(request).admin:
        return login_first(request)
    ctx = ctx_of(request)
    config, f = _export_rows(request)

    def chunks() -> Iterator[bytes]:
        with transaction(ctx.engine) as s:
            rows = (entry(config, r) for r in sentlog.stream(s, f))
            for piece in csv_lines(rows, COLUMNS):
                yield piece.encode("utf-8")

    return StreamingResponse(
        chunks(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": attachment("sent-log.csv", "发送记录.csv")},
    )


@router.get("/log.xlsx", include_in_schema=False)
def log_xlsx(request: Request) -> Response:
    if not visitor_of(request).admin:
        return login_first(request)
    ctx = ctx_of(request)
    config, f = _export_rows(request)
    with transaction(ctx.engine) as s:
        rows = [entry(config, r) for r in islice(sentlog.stream(s, f), XLSX_ROWS)]
    data = xlsx_bytes([("发送记录", COLUMNS, rows)])
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": attachment("sent-log.xlsx", "发送记录.xlsx")},
    )
