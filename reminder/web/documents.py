"""Downloads of the documents, as DOCX: a span's 通报 (administrators) and an occurrence's
督办通知单 (administrators from the deadline page, an office from its item link). GETs that
only read: the numbers are taken when the documents are sent, never by opening a link."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from reminder.app.documents import Download, circular_file, notice_file, occurrence_of
from reminder.app.report import Span, span_of
from reminder.errors import UsageError
from reminder.web.pages import grant_visitor
from reminder.web.render import attachment, ctx_of, login_first, refusal, visitor_of
from reminder.web.views import BadFilter

router = APIRouter()
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _span(request: Request) -> Span:
    """?month=2027-01 or ?year=2026, as the 通报 page reads them."""
    month = request.query_params.get("month")
    text = month or request.query_params.get("year") or ""
    try:
        return span_of(text[:10])
    except UsageError:
        raise BadFilter("month" if month else "year", "应为年份（2027）或月份（2027-01）") from None


def _sent(download: Download, ascii_name: str) -> Response:
    return Response(
        download.data,
        media_type=DOCX,
        headers={"Content-Disposition": attachment(ascii_name, download.name)},
    )


@router.get("/report.docx", include_in_schema=False)
def report_docx(request: Request) -> Response:
    if not visitor_of(request).admin:
        return login_first(request)
    ctx = ctx_of(request)
    config, now = ctx.current_config(), ctx.clock.now()
    span = _span(request)
    return _sent(circular_file(config, ctx.engine, now, span), "report.docx")


@router.get("/deadline/{deadline_id}/notice.docx", include_in_schema=False)
def deadline_notice(request: Request, deadline_id: str, period: str = "") -> Response:
    if not visitor_of(request).admin:
        return login_first(request)
    ctx = ctx_of(request)
    config, now = ctx.current_config(), ctx.clock.now()
    occurrence = occurrence_of(ctx.engine, deadline_id, period[:20])
    link = f"{config.web.base_url}/deadline/{deadline_id}" if config.web.base_url else ""
    return _sent(notice_file(config, ctx.engine, now, occurrence, link), "notice.docx")


@router.get("/i/{token}/notice.docx", include_in_schema=False)
def item_notice(request: Request, token: str) -> Response:
    visitor = grant_visitor(request, token)
    if isinstance(visitor, Response):
        return visitor
    assert visitor.grant is not None
    occurrence = visitor.grant.occurrence
    if occurrence is None:
        return refusal(request, "scope")
    ctx = ctx_of(request)
    config, now = ctx.current_config(), ctx.clock.now()
    link = f"{config.web.base_url}/i/{token}" if config.web.base_url else ""
    return _sent(notice_file(config, ctx.engine, now, occurrence, link), "notice.docx")
