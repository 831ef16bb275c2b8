"""Rendering a page: the shared context every template gets (the path prefix, who is
visiting, the CSRF token of its forms, a notice after an action), the refusal page, and who
is asking (`visitor_of`)."""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from reminder import labels
from reminder.app import admins
from reminder.config.model import Config
from reminder.errors import AppError
from reminder.web.context import WebContext
from reminder.web.security import SESSION_COOKIE, Visitor, csrf_token

REFUSALS = {
    "malformed": "链接不完整或已损坏，请从原提醒消息中重新打开。",
    "forged": "链接无效：它不是本系统签发的，或已被改动。",
    "expired": "链接已过期。请打开最近一次提醒消息中的链接，或联系办公室。",
    "scope": "此链接不能用于这项操作或这个页面。",
    "csrf": "表单已失效，请返回上一页刷新后重试。",
}
NOTICES = {
    "done": "已办结。",
    "reopen": "已重新打开。",
    "ack": "已签收。",
    "feedback": "已反馈。",
    **labels.SUBMISSION_NOTICES,
}


def ctx_of(request: Request) -> WebContext:
    ctx: WebContext = request.app.state.ctx
    return ctx


def client_of(request: Request) -> str:
    return request.client.host if request.client else "-"


def bearer(request: Request) -> str:
    """The token of an `Authorization: Bearer …` header, or ""."""
    header = request.headers.get("authorization", "")
    return header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""


def is_api_token(ctx: WebContext, token: str) -> bool:
    """Is `token` the OA system's API token ($REMINDER_API_TOKEN)? Compared in constant time."""
    api = ctx.secrets.api_token
    return bool(token and api and hmac.compare_digest(token.encode(), api.encode()))


def page(
    request: Request,
    template: str,
    visitor: Visitor,
    *,
    title: str,
    status_code: int = 200,
    **data: Any,
) -> HTMLResponse:
    ctx = ctx_of(request)
    notice = NOTICES.get(request.query_params.get("ok", ""))
    html = ctx.pages.get_template(template).render(
        root=ctx.root_path,
        visitor=visitor,
        csrf=csrf_token(visitor, ctx.secrets.current) if visitor.csrf_subject else "",
        title=title,
        notice=notice,
        **data,
    )
    return HTMLResponse(html, status_code=status_code)


def refusal(request: Request, reason: str) -> HTMLResponse:
    """A plain page saying why a link or form was refused; nothing was changed."""
    return page(
        request,
        "message.html",
        Visitor(),
        title="无法打开",
        message=REFUSALS.get(reason, REFUSALS["forged"]),
        status_code=403,
    )


# The HTTP status of each app refusal (errors.AppError.code); any other is 400.
REFUSAL_STATUS = {
    "not-on-task": 403,
    "not-lead": 403,
    "already-done": 409,
    "not-done": 409,
    "note-too-long": 413,
    "unknown-deadline": 404,
    "unknown-office": 404,
    "no-occurrence": 404,
    "lead-only": 403,
    "extension-pending": 409,
    "not-pending": 409,
    "no-submission": 404,
}


def refused(config: Config, exc: AppError) -> tuple[int, str, str]:
    """An app refusal as a page or the API says it: status, title and message, in Chinese,
    offices by their names."""
    fields = dict(exc.fields)
    if "by" in fields:
        fields["by"] = config.office_names.get(fields["by"], fields["by"])
    status = REFUSAL_STATUS.get(exc.code, 400)
    return status, labels.refusal_title(exc.code), labels.refusal(exc.code, fields)


def visitor_of(request: Request) -> Visitor:
    """The logged-in administrator, if the session cookie is a live login; else nobody."""
    ctx = ctx_of(request)
    cookie = request.cookies.get(SESSION_COOKIE)
    admin = admins.session_admin(ctx.engine, cookie, ctx.clock.now()) if cookie else None
    return Visitor(admin=admin, session=cookie if admin else None)


def login_first(request: Request) -> RedirectResponse:
    return RedirectResponse(f"{ctx_of(request).root_path}/login", status_code=303)


def attachment(ascii_name: str, name: str) -> str:
    """A Content-Disposition that saves as `name` (Chinese) where the browser can, else as
    `ascii_name`."""
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
