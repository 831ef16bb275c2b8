"""The administrators' login and logout. Accounts are `reminder admin add`'s; a login lives in
the database, so logout (a POST with the page's CSRF field) ends it for every copy of the
cookie. Failed logins are slowed per client, per account and overall (`LoginGuard`)."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from reminder import labels
from reminder.app import admins
from reminder.web.render import client_of, ctx_of, login_first, page, refusal, visitor_of
from reminder.web.security import SESSION_COOKIE, Visitor, csrf_ok

log = logging.getLogger("reminder.web")
router = APIRouter()
TITLE = "管理员登录"


def _refused(request: Request, error: str, status_code: int) -> Response:
    return page(request, "login.html", Visitor(), title=TITLE, error=error, status_code=status_code)


@router.get("/login", include_in_schema=False)
def login_form(request: Request) -> Response:
    return page(request, "login.html", Visitor(), title=TITLE)


@router.post("/login", include_in_schema=False)
def login(
    request: Request,
    name: Annotated[str, Form(max_length=40)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    ctx = ctx_of(request)
    name, client, now = name.strip(), client_of(request), ctx.clock.now()
    if not name:
        return _refused(request, labels.LOGIN["no-name"], 401)
    wait = ctx.failed_logins.check(client, name, now)
    if wait is not None:
        log.warning("refused a login from %s: too many failures (%s)", client, wait.reason)
        text = labels.LOGIN[wait.reason].format(
            minutes=-(-wait.seconds // 60), seconds=wait.seconds
        )
        response = _refused(request, text, 429)
        response.headers["Retry-After"] = str(wait.seconds)
        return response
    token = admins.log_in(ctx.engine, name, password, now)
    if token is None:
        if not admins.any_account(ctx.engine):
            return _refused(request, labels.LOGIN["no-account"], 503)
        ctx.failed_logins.failed(client, name, now)
        log.warning("failed administrator login from %s", client)  # the name may be hostile
        return _refused(request, labels.LOGIN["wrong"], 401)
    log.info("administrator %s logged in from %s", name, client)
    response = RedirectResponse(f"{ctx.root_path}/board", status_code=303)
    # A browser-session cookie (no Max-Age): closing the browser of a shared office PC ends
    # it there; the server ends the login itself after SESSION_LIFE whatever the browser keeps.
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=ctx.secure_cookies,
        path=ctx.root_path or "/",
    )
    return response


@router.post("/logout", include_in_schema=False)
def logout(request: Request, csrf: Annotated[str, Form(max_length=64)] = "") -> Response:
    ctx = ctx_of(request)
    visitor = visitor_of(request)
    if not csrf_ok(visitor, csrf, ctx.secrets.keys):
        return refusal(request, "csrf")
    if visitor.session:
        admins.log_out(ctx.engine, visitor.session)
        log.info("administrator %s logged out", visitor.admin)
    response = login_first(request)
    response.delete_cookie(SESSION_COOKIE, path=ctx.root_path or "/")
    return response
