"""The JSON API under /api/v1/, for a bureau's OA system: occurrences with their lights, the
sent log, the 通报 statistics, and 办结 / 签收 / 反馈. Every call carries a bearer token: the
API token ($REMINDER_API_TOKEN: read everything, act for any office on a task, audited as
"admin:api"), or an office's signed link token (its own office only). Its OpenAPI description
is at /api/v1/openapi.json."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from reminder import links
from reminder.app import sentlog as app_log
from reminder.app.actions import (
    NOTE_LIMIT,
    Actor,
    perform,
)
from reminder.app.completion import Which
from reminder.app.report import span_of, statistics
from reminder.errors import AppError, UsageError
from reminder.vocabulary import Action
from reminder.web import views
from reminder.web.render import bearer, client_of, ctx_of, is_api_token, refused
from reminder.web.sentlog import LogForm, log_query

log = logging.getLogger("reminder.web")
router = APIRouter(prefix="/api/v1", tags=["api"])
PAGE = 100


class Caller(BaseModel):
    office: str | None  # None: the API token (any office)


def caller(request: Request) -> Caller:
    ctx = ctx_of(request)
    token = bearer(request)
    if is_api_token(ctx, token):
        return Caller(office=None)
    if token:
        try:
            grant = ctx.verify(token)
        except links.TokenError as exc:
            log.warning("API: refused a token (%s) from %s", exc.reason, client_of(request))
            raise HTTPException(401, "invalid or expired token") from None
        if grant.scope == links.OFFICE:
            return Caller(office=grant.office)
    raise HTTPException(401, "send Authorization: Bearer <token>")


Who = Annotated[Caller, Depends(caller)]


class Occurrence(BaseModel):
    deadline: str
    task: int | None
    title: str
    period: str
    due: str = Field(description="effective due date, YYYY-MM-DD")
    light: str = Field(description="red | yellow | green | done | past")
    working_days_left: int
    lead: str = Field(description="lead office ids, comma-separated")
    cooperate: str
    kind: str = Field(description="deadline | routine")
    section: str
    done_by: str | None
    done_at: str | None
    note: str | None


@router.get("/occurrences", response_model=list[Occurrence])
def occurrences(
    request: Request,
    who: Who,
    office: str = "",
    section: str = "",
    light: str = "",
    kind: str = "",
) -> list[dict[str, Any]]:
    """Open and recently done occurrences, most urgent first (the board)."""
    if who.office is not None:
        office = who.office
    ctx = ctx_of(request)
    f = views.BoardFilter(office=office, section=section, light=light, kind=kind)
    config = ctx.current_config()
    return [r.as_row(config) for r in views.board(ctx, ctx.clock.now(), f).rows]


class LogEntry(BaseModel):
    id: int
    at: str = Field(description="local time with its offset")
    status: str
    office: str
    channel: str
    deadline: str | None
    period: str | None
    due: str | None
    attempt: int
    target: str | None
    subject: str | None
    error: str | None
    response_code: str | None


@router.get("/log", response_model=list[LogEntry])
def sent_log(
    request: Request,
    who: Who,
    office: str = "",
    deadline: str = "",
    channel: str = "",
    status: str = "",
    since: Annotated[str, Query(description="YYYY-MM-DD")] = "",
    until: Annotated[str, Query(description="YYYY-MM-DD")] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> list[dict[str, Any]]:
    """The sent log, newest first, 100 entries a page."""
    if who.office is not None:
        office = who.office
    ctx = ctx_of(request)
    form = LogForm(
        office=office, deadline=deadline, channel=channel, status=status, since=since, until=until
    )
    q = log_query(form, limit=PAGE, offset=(page - 1) * PAGE)
    return [e.shown() for e, _ in app_log.read(ctx.current_config(), ctx.engine, q)]


class OfficeStatistics(BaseModel):
    office: str
    name: str
    due: int
    on_time: int
    late: int
    late_days: int = Field(description="the most working days one was late")
    overdue: int
    open: int
    rate: float | None = Field(description="on-time rate in percent")
    routine: int
    routine_done: int
    sent: int
    failed: int


@router.get("/statistics", response_model=list[OfficeStatistics])
def report(
    request: Request,
    who: Who,
    period: Annotated[str, Query(description="a year (2027) or a month (2027-01)")],
) -> list[dict[str, object]]:
    """The 通报 statistics per lead office."""
    ctx = ctx_of(request)
    try:
        span = span_of(period)
    except UsageError:
        raise views.BadFilter("period", "应为年份（2027）或月份（2027-01）") from None
    rows = statistics(ctx.current_config(), ctx.engine, ctx.clock.now(), span)
    return [r.as_row() for r in rows if who.office in (None, r.office)]


class ActionIn(BaseModel):
    office: str | None = Field(None, description="the office acted for (API token only)")
    note: str | None = Field(None, max_length=NOTE_LIMIT)


class ActionOut(BaseModel):
    message: str


@router.post("/occurrences/{deadline}/{period}/{action}", response_model=ActionOut)
def act(
    request: Request, who: Who, deadline: str, period: str, action: str, body: ActionIn
) -> dict[str, str] | Response:
    """done (办结), reopen, ack (签收) or feedback (反馈, needs a note)."""
    ctx = ctx_of(request)
    config = ctx.current_config()
    try:
        verb = Action(action)
    except ValueError:
        raise HTTPException(404, "action: one of done, reopen, ack, feedback") from None
    office = who.office or body.office or ""
    if office not in config.offices or deadline not in config.deadline_by_id:
        raise HTTPException(404, "no such office or deadline")
    admin = "api" if who.office is None else None
    actor = Actor(office=office, admin=admin, via="api", client=client_of(request))
    which = Which(deadline=deadline, office=office, period=period, by=admin)
    now = ctx.clock.now()
    try:
        message = perform(config, ctx.engine, now, which, actor, verb, body.note)
    except AppError as exc:
        status, _, words = refused(config, exc)
        body_out = {"error": exc.code, "message": words, "fields": exc.fields}
        return JSONResponse(body_out, status_code=status)
    return {"message": message}
