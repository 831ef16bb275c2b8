"""The HTML pages: the board, an office's page, a deadline's page, one item through its link,
the login; and the one form endpoint that acts (POST /act). Opening a page never changes
anything: mail scanners and chat previews fetch links."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from reminder import links
from reminder.app.actions import NOTE_LIMIT, Actor, perform, permitted
from reminder.app.completion import Which
from reminder.errors import AppError
from reminder.vocabulary import Action
from reminder.web import views
from reminder.web.context import WebContext
from reminder.web.feeds import feed_token
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
BOARD_PAGE = 100


def grant_visitor(request: Request, token: str) -> Visitor | Response:
    ctx = ctx_of(request)
    try:
        grant = ctx.verify(token)
    except links.TokenError as exc:
        log.warning("refused a link (%s) from %s", exc.reason, client_of(request))
        return refusal(request, exc.reason)
    if grant.office not in ctx.current_config().offices:
        log.warning("refused a link for unknown office %s", grant.office)
        return refusal(request, "forged")
    return Visitor(grant=grant, token=token)


@router.get("/", include_in_schema=False)
def home(request: Request) -> Response:
    root = ctx_of(request).root_path
    if visitor_of(request).admin:
        return RedirectResponse(f"{root}/board", status_code=303)
    return login_first(request)


@router.get("/board", include_in_schema=False)
def board_page(
    request: Request,
    office: str = "",
    section: str = "",
    light: str = "",
    kind: str = "",
    unsigned: str = "",
    page_no: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
) -> Response:
    visitor = visitor_of(request)
    if not visitor.admin:
        return login_first(request)
    ctx = ctx_of(request)
    f = views.BoardFilter(
        office=office, section=section, light=light, kind=kind, unsigned=unsigned == "1"
    )
    data = views.board(ctx, ctx.clock.now(), f, page=page_no, size=BOARD_PAGE)
    table = views.board_table(ctx, data)
    return page(request, "board.html", visitor, title="督办看板", table=table, **views.shown(data))


@router.get("/office/{office_id}", include_in_schema=False)
def office_admin(request: Request, office_id: str) -> Response:
    visitor = visitor_of(request)
    if not visitor.admin:
        return login_first(request)
    return _office(request, visitor, office_id)


@router.get("/o/{token}", include_in_schema=False)
def office_link(request: Request, token: str) -> Response:
    visitor = grant_visitor(request, token)
    if isinstance(visitor, Response):
        return visitor
    assert visitor.grant is not None and visitor.office is not None
    if visitor.grant.scope != links.OFFICE:
        return refusal(request, "scope")
    return _office(request, visitor, visitor.office, until=visitor.grant.expires)


def _office(
    request: Request, visitor: Visitor, office_id: str, until: datetime | None = None
) -> Response:
    """An office's page, with its calendar feed (ending with the link it was opened by)."""
    ctx = ctx_of(request)
    data = views.office_page(ctx, office_id, ctx.clock.now())
    token = feed_token(office_id, request, until=until)
    feed = f"{ctx.root_path}/ics/{office_id}.ics?token={token}"
    title = data.office.name
    return page(request, "office.html", visitor, title=title, feed=feed, **views.shown(data))


@router.get("/deadline/{deadline_id}", include_in_schema=False)
def deadline_admin(request: Request, deadline_id: str) -> Response:
    visitor = visitor_of(request)
    if not visitor.admin:
        return login_first(request)
    ctx = ctx_of(request)
    data = views.deadline_page(ctx, deadline_id, ctx.clock.now())
    title = data.deadline.title
    return page(request, "deadline.html", visitor, title=title, **views.shown(data))


@router.get("/i/{token}", include_in_schema=False)
def item_link(request: Request, token: str) -> Response:
    visitor = grant_visitor(request, token)
    if isinstance(visitor, Response):
        return visitor
    assert visitor.grant is not None and visitor.office is not None
    occurrence = visitor.grant.occurrence
    if occurrence is None:
        return refusal(request, "scope")
    ctx = ctx_of(request)
    data = views.item_page(ctx, occurrence, visitor.office)
    plea = views.item_submissions(ctx, occurrence, visitor.office, done=data.done is not None)
    title = data.deadline.title
    return page(request, "item.html", visitor, title=title, plea=plea, **views.shown(data))


def back_url(ctx: WebContext, visitor: Visitor, back: str, deadline: str) -> str:
    root = ctx.root_path
    if visitor.token:
        if visitor.grant is not None and visitor.grant.scope == links.OFFICE:
            return f"{root}/o/{visitor.token}"
        return f"{root}/i/{visitor.token}"
    if back == "deadline":
        return f"{root}/deadline/{deadline}"
    if back.startswith("office:") and back[7:] in ctx.config.offices:
        return f"{root}/office/{back[7:]}"
    return f"{root}/board"


@router.post("/act", include_in_schema=False)
def act(
    request: Request,
    action: Annotated[str, Form(max_length=12)],
    deadline: Annotated[str, Form(max_length=64)],
    period: Annotated[str, Form(max_length=20)],
    csrf: Annotated[str, Form(max_length=64)] = "",
    office: Annotated[str, Form(max_length=64)] = "",
    note: Annotated[str, Form(max_length=NOTE_LIMIT + 200)] = "",
    t: Annotated[str, Form(max_length=300)] = "",
    back: Annotated[str, Form(max_length=80)] = "",
    confirm: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """The one endpoint that changes anything: a form's POST with its CSRF token. 办结 of a
    task takes a second POST: the first answers with a page asking to confirm it."""
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
    acting = visitor.office or office
    problem = _form_problem(ctx, action, acting, deadline, note)
    if problem is not None:
        status, title, message = problem
        return page(
            request, "message.html", visitor, title=title, message=message, status_code=status
        )
    verb = Action(action)
    if verb is Action.DONE and confirm != "yes" and _confirms(ctx, visitor, acting, deadline):
        form = {"deadline": deadline, "period": period, "office": office, "back": back}
        return _confirm_page(request, visitor, form, note)
    which = Which(deadline=deadline, office=acting, period=period, by=visitor.admin)
    actor = Actor(
        office=acting,
        admin=visitor.admin,
        via="login" if visitor.admin else "link",
        client=client_of(request),
    )
    failed = _perform(request, visitor, verb, which, actor, note, back)
    if failed is not None:
        return failed
    log.info("%s: %s %s %s by %s", verb.value, deadline, period, acting, actor.label)
    target = back_url(ctx, visitor, back, deadline)
    return RedirectResponse(f"{target}?ok={verb.value}", status_code=303)


def _confirm_page(request: Request, visitor: Visitor, form: dict[str, str], note: str) -> Response:
    """The second step of 办结: the same form again, with confirm=yes (no script needed)."""
    ctx = ctx_of(request)
    item = ctx.current_config().deadline_by_id[form["deadline"]].title
    return_to = back_url(ctx, visitor, form["back"], form["deadline"])
    return page(
        request,
        "confirm.html",
        visitor,
        title="确认办结",
        item=item,
        note=note,
        return_to=return_to,
        deadline=form["deadline"],
        period=form["period"],
        office=form["office"],
        back=form["back"],
    )


def _confirms(ctx: WebContext, visitor: Visitor, office: str, deadline: str) -> bool:
    """办结 asks to confirm when it would be done: a task (a routine duty is confirmed for its
    period in one step, 确认本期已落实), by its lead office or an administrator."""
    config = ctx.current_config()
    d = config.deadline_by_id[deadline]
    return d.kind != "routine" and (
        bool(visitor.admin) or permitted(config, d, office, Action.DONE)
    )


def _form_problem(
    ctx: WebContext, action: str, office: str, deadline: str, note: str
) -> tuple[int, str, str] | None:
    config = ctx.current_config()
    if action not in {a.value for a in Action}:
        return 400, "请求有误", f"未知的操作：{action}"
    if office not in config.offices or deadline not in config.deadline_by_id:
        return 400, "请求有误", "科室或事项不存在。"
    if len(note) > NOTE_LIMIT:
        return 413, "内容过长", f"说明最多 {NOTE_LIMIT} 字，本次为 {len(note)} 字。"
    return None


def _perform(
    request: Request,
    visitor: Visitor,
    verb: Action,
    which: Which,
    actor: Actor,
    note: str,
    back: str,
) -> Response | None:
    """Do it; None when done, else the page saying why not (nothing was changed)."""
    ctx = ctx_of(request)
    config, now = ctx.current_config(), ctx.clock.now()
    back_to = back_url(ctx, visitor, back, which.deadline)

    def say(status: int, title: str, message: str) -> Response:
        return page(
            request,
            "message.html",
            visitor,
            title=title,
            message=message,
            status_code=status,
            back=back_to,
        )

    try:
        if visitor.grant is not None and visitor.grant.occurrence is not None:
            views.check_reach(ctx, visitor.grant, which.deadline, which.period or "")
        perform(config, ctx.engine, now, which, actor, verb, note)
    except views.NotFound:
        return refusal(request, "scope")
    except AppError as exc:
        return say(*refused(config, exc))
    return None
