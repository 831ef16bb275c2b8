"""The 通报 page: the statistics of a month or a year per lead office, a bar chart drawn on
the server (SVG, no chart service, no script) and the XLSX export."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from reminder.app.report import COLUMNS, OfficeStats, Span, span_of, statistics, title, totals
from reminder.errors import UsageError
from reminder.exports import Sheet, xlsx_bytes
from reminder.web.render import attachment, ctx_of, login_first, page, visitor_of
from reminder.web.views import BadFilter

router = APIRouter()
BAR_HEIGHT, LABEL_WIDTH, CHART_WIDTH = 22, 150, 520


def _span(request: Request, today: date) -> Span:
    text = request.query_params.get("month") or request.query_params.get("year") or ""
    field = "month" if request.query_params.get("month") else "year"
    try:
        return span_of(text[:10] or str(today.year))
    except UsageError:
        raise BadFilter(field, "应为年份（2027）或月份（2027-01）") from None


def chart(rows: list[OfficeStats]) -> dict[str, Any]:
    """Bars of each office's on-time, late and overdue counts, stacked, to scale."""
    most = max([r.on_time + r.late + r.overdue for r in rows] + [1])
    scale = (CHART_WIDTH - LABEL_WIDTH - 40) / most
    bars = []
    for i, r in enumerate(rows):
        x: float = LABEL_WIDTH
        parts = []
        for kind, n in (("on_time", r.on_time), ("late", r.late), ("overdue", r.overdue)):
            if n:
                parts.append({"kind": kind, "x": x, "width": round(n * scale, 1), "n": n})
                x += n * scale
        bars.append({"y": i * (BAR_HEIGHT + 6), "name": r.name, "parts": parts, "end": round(x, 1)})
    return {
        "bars": bars,
        "width": CHART_WIDTH,
        "height": max(1, len(rows)) * (BAR_HEIGHT + 6) + 24,
        "bar_height": BAR_HEIGHT,
    }


@router.get("/report", include_in_schema=False)
def report_page(request: Request) -> Response:
    visitor = visitor_of(request)
    if not visitor.admin:
        return login_first(request)
    ctx = ctx_of(request)
    config, now = ctx.current_config(), ctx.clock.now()
    today = now.astimezone(config.settings.tz).date()
    span = _span(request, today)
    rows = statistics(config, ctx.engine, now, span)
    led = [r for r in rows if r.due or r.overdue or r.open]
    return page(
        request,
        "report.html",
        visitor,
        title="情况通报",
        heading=title(span, today),
        span=span,
        columns=COLUMNS,
        rows=[r.as_row() for r in rows],
        total=totals(rows).as_row(),
        chart=chart(led),
        query=request.url.query,
    )


@router.get("/report.xlsx", include_in_schema=False)
def report_xlsx(request: Request) -> Response:
    if not visitor_of(request).admin:
        return login_first(request)
    ctx = ctx_of(request)
    config, now = ctx.current_config(), ctx.clock.now()
    today = now.astimezone(config.settings.tz).date()
    span = _span(request, today)
    rows = statistics(config, ctx.engine, now, span)
    data = [r.as_row() for r in [*rows, totals(rows)]]
    sheet = Sheet(name=span.name, title=title(span, today), columns=COLUMNS, rows=data)
    return Response(
        xlsx_bytes([sheet]),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": attachment("report.xlsx", f"{span.name}通报.xlsx")},
    )
