"""情况说明 and 延期 on the web: the lead office submits either from its item's page (POST
/submit, through its signed link, or an administrator for it); administrators decide 延期
requests on /requests (POST /decide). Forms carry their CSRF token; opening a page changes
nothing."""

from __future__ import annotations

import logging
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from reminder import labels, links
from reminder.app.actions import NOTE_LIMIT, Actor
from reminder.app.completion import Which
from reminder.app.extensions import decide_extension, request_extension, submit_explanation
from reminder.app.submissions import requests_page
from reminder.errors import AppError
from reminder.vocabulary import Submission
from reminder.web import views
from reminder.web.pages import back_url, grant_visitor
from reminder.web.render import (
    client_of,
    ctx_of,
    login_first,
    page,
    refusal,
    refused,
    visitor_of,
)
from reminder.web.security import Visitor, csrf_ok

log = logging.getLogger("reminder.web")
router = APIRouter()
LONGEST = NOTE_LIMIT + 200  # the form takes a little more; the app says how much is too much


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _say(
    request: Request, visitor: Visitor, status: int, title: str, message: str, back: str
) -> Response:
    return page(
        request,
        "message.html",
        visitor,
        title=title,
        message=message,
        status_code=status,
        back=back,
    )


@router.post("/submit", include_in_schema=False)
def submit(
    request: Request,
    kind: Annotated[str, Form(max_length=8)],
    deadline: Annotated[str, Form(max_length=64)],
    period: Annotated[str, Form(max_length=20)],
    until: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=LONGEST)] = "",
    csrf: Annotated[str, Form(max_length=64)] = "",
    office: Annotated[str, Form(max_length=64)] = "",
    t: Annotated[str, Form(max_length=300)] = "",
    back: Annotated[str, Form(max_length=80)] = "",
) -> Response:
    """A 情况说明 (kind=explain) or a 延期 request (kind=extend) from the lead office."""
    ctx = ctx_of(request)
    visitor: Visitor | Response = grant_visitor(request, t) if t else visitor_of(request)
    if isinstance(visitor, Response):
        return visitor
    if not visitor.admin and visitor.grant is None:
        return login_first(request)
    if not csrf_ok(visitor, csrf, ctx.secrets.keys):
        log.warning("refused a form without a valid CSRF token from %s", client_of(request))
        return refusal(request, "csrf")
    if visitor.grant is not None and visitor.grant.scope == links.FEED:
        return refusal(request, "scope")
    config, now = ctx.current_config(), ctx.clock.now()
    acting = visitor.office or office
    back_to = back_url(ctx, visitor, back, deadline)
    day = _day(until)
    if kind not in {k.value for k in Submission}:
        return _say(request, visitor, 400, "请求有误", f"未知的操作：{kind}", back_to)
    if acting not in config.offices or deadline not in config.deadline_by_id:
        return _say(request, visitor, 400, "请求有误", "科室或事项不存在。", back_to)
    if day is None:
        return _say(request, visitor, 400, "日期有误", labels.DATE_WANTED, back_to)
    which = Which(deadline=deadline, office=acting, period=period, by=visitor.admin)
    via = "login" if visitor.admin else "link"
    actor = Actor(office=acting, admin=visitor.admin, via=via, client=client_of(request))
    use = submit_explanation if kind == Submission.EXPLAIN else request_extension
    try:
        if visitor.grant is not None and visitor.grant.occurrence is not None:
            views.check_reach(ctx, visitor.grant, deadline, period)
        use(config, ctx.engine, now, which, until=day, reason=reason, actor=actor)
    except views.NotFound:
        return refusal(request, "scope")
    except AppError as exc:
        return _say(request, visitor, *refused(config, exc), back_to)
    log.info("%s: %s %s %s until %s by %s", kind, deadline, period, acting, day, actor.label)
    return RedirectResponse(f"{back_to}?ok={kind}", status_code=303)


@router.get("/requests", include_in_schema=False)
def requests(request: Request) -> Response:
    """The 延期 requests waiting for a decision, and the latest submissions."""
    visitor = visitor_of(request)
    if not visitor.admin:
        return login_first(request)
    ctx = ctx_of(request)
    data = requests_page(ctx.current_config(), ctx.engine)
    return page(
        request,
        "requests.html",
        visitor,
        title="延期审批",
        pending=data.pending,
        recent=data.recent,
    )


@router.post("/decide", include_in_schema=False)
def decide(
    request: Request,
    submission: Annotated[int, Form(ge=1, le=2**31)],
    verdict: Annotated[str, Form(max_length=8)],
    answer: Annotated[str, Form(max_length=LONGEST)] = "",
    csrf: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """An administrator approves (verdict=approve) or refuses (verdict=refuse, with a reason)
    a 延期 request."""
    ctx = ctx_of(request)
    visitor = visitor_of(request)
    if not visitor.admin:
        return login_first(request)
    if not csrf_ok(visitor, csrf, ctx.secrets.keys):
        log.warning("refused a form without a valid CSRF token from %s", client_of(request))
        return refusal(request, "csrf")
    back_to = f"{ctx.root_path}/requests"
    if verdict not in ("approve", "refuse"):
        return _say(request, visitor, 400, "请求有误", f"未知的操作：{verdict}", back_to)
    config, now = ctx.current_config(), ctx.clock.now()
    try:
        decide_extension(
            config,
            ctx.engine,
            now,
            submission,
            approve=verdict == "approve",
            by=visitor.admin,
            answer=answer,
            client=client_of(request),
        )
    except AppError as exc:
        return _say(request, visitor, *refused(config, exc), back_to)
    done = "approved" if verdict == "approve" else "refused"
    log.info("延期 request #%s %s by %s", submission, done, visitor.admin)
    return RedirectResponse(f"{back_to}?ok={done}", status_code=303)
