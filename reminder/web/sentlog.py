"""The sent-log pages: search and filter as `reminder log` does (office or group, deadline,
channel, status, date range: the whole last day included), newest first, a page at a time;
each message as it was sent; the same selection exported as CSV (UTF-8 with a BOM, local times
with their offset) or XLSX. Reads through `app.sentlog`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from itertools import islice
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from reminder import labels
from reminder.app import sentlog
from reminder.config.model import Config
from reminder.exports import csv_lines, xlsx_bytes
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
class LogForm:
    """The log page's query as the browser sends it (text), kept for its links."""

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
        day = date.fromisoformat(text)
    except ValueError:
        raise BadFilter(field, f"“{text}”不是日期（应为 2027-01-31 这样的日期）") from None
    if not 1970 <= day.year <= 2200:
        raise BadFilter(field, "日期应在 1970 年至 2200 年之间")
    return day


def log_query(q: LogForm, **extra: Any) -> sentlog.LogQuery:
    """The app's query for a page's form; BadFilter names a field that is not well formed
    (one that names nothing is the app's BadQuery)."""
    if q.page < 1 or q.page > 100_000:
        raise BadFilter("page", "页码应为 1 至 100000")
    return sentlog.LogQuery(
        office=q.office or None,
        deadline=q.deadline or None,
        channel=q.channel or None,
        status=q.status or None,
        since=_day(q.since, "since"),
        until=_day(q.until, "until"),
        newest_first=True,
        **extra,
    )


@router.get("/log", include_in_schema=False)
def log_page(request: Request) -> Response:
    visitor = visitor_of(request)
    if not visitor.admin:
        return login_first(request)
    ctx = ctx_of(request)
    config = ctx.current_config()
    q = _parse(request)
    found = sentlog.read(
        config, ctx.engine, log_query(q, limit=PAGE + 1, offset=(q.page - 1) * PAGE)
    )
    entries = [e for e, _ in found[:PAGE]]
    return page(
        request,
        "log.html",
        visitor,
        title="发送记录",
        entries=entries,
        q=q,
        more=len(found) > PAGE,
        offices=sorted(config.offices.values(), key=lambda o: o.id),
        groups=sorted(config.groups.values(), key=lambda g: g.id),
        channels=[(c.value, labels.channel(c)) for c in CHANNELS],
        statuses=labels.LOG_STATUSES,
    )


def _parse(request: Request) -> LogForm:
    params = request.query_params
    raw_page = params.get("page", "1") or "1"
    if not raw_page.isdigit():
        raise BadFilter("page", "页码应为数字")
    fields = ("office", "deadline", "channel", "status", "since", "until")
    values = {k: params.get(k, "")[:80] for k in fields}
    return LogForm(**values, page=int(raw_page))


@router.get("/log/message/{entry_id}", include_in_schema=False)
def message_page(request: Request, entry_id: int) -> Response:
    visitor = visitor_of(request)
    if not visitor.admin:
        return login_first(request)
    ctx = ctx_of(request)
    found = sentlog.find(ctx.current_config(), ctx.engine, entry_id)
    if found is None:
        raise NotFound(str(entry_id))
    e, body = found
    return page(request, "message_sent.html", visitor, title="消息内容", e=e, body=body)


def _export_query(request: Request) -> tuple[Config, sentlog.LogQuery]:
    return ctx_of(request).current_config(), log_query(_parse(request))


@router.get("/log.csv", include_in_schema=False)
def log_csv(request: Request) -> Response:
    if not visitor_of(request).admin:
        return login_first(request)
    ctx = ctx_of(request)
    config, q = _export_query(request)
    sentlog.log_filter(config, q)  # a field that names nothing: refused before streaming

    def chunks() -> Iterator[bytes]:
        with sentlog.stream(config, ctx.engine, q) as entries:
            for piece in csv_lines((e.shown() for e in entries), COLUMNS):
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
    config, q = _export_query(request)
    with sentlog.stream(config, ctx.engine, q) as entries:
        rows = [e.shown() for e in islice(entries, XLSX_ROWS)]
    data = xlsx_bytes([("发送记录", COLUMNS, rows)])
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": attachment("sent-log.xlsx", "发送记录.xlsx")},
    )
