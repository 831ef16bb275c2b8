"""The sent-log pages: search and filter as `reminder log` does (office or group, deadline,
channel, status, date range: the whole last day included), newest first, a page at a time;
each message as it was sent; the same selection exported as CSV (UTF-8 with a BOM, local times
as 2027-01-22 09:00) or XLSX (a title row, real times), as `reminder log` exports it. Reads
through `app.sentlog`."""

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
DEADLINE_CHOICES = 1000  # more and the filter takes a code
XLSX_ROWS = 200_000  # a bigger export goes as CSV


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
        deadlines=deadline_choices(config),
        channels=[(c.value, labels.channel(c)) for c in CHANNELS],
        statuses=labels.LOG_STATUSES,
    )


def deadline_choices(config: Config) -> list[Any]:
    """The deadlines the filter offers by number and title (in the table's order); a table
    too big for a list (thousands of tasks) keeps the code box."""
    if len(config.deadlines) > DEADLINE_CHOICES:
        return []
    return sorted(config.deadlines, key=lambda d: d.task if d.task is not None else 10**9)


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
            sheet = sentlog.export(config, q, ctx.clock.now(), entries)
            for piece in csv_lines(sheet.rows, sheet.columns):
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
        sheet = sentlog.export(config, q, ctx.clock.now(), islice(entries, XLSX_ROWS))
        data = xlsx_bytes([sheet])
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": attachment("sent-log.xlsx", "发送记录.xlsx")},
    )
