"""/ics/OFFICE.ics?token=…: an office's calendar feed, for a calendar app to subscribe to.
The token is a feed token (read only, valid a year): it opens nothing else."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response

from reminder import links
from reminder.app.feeds import feed
from reminder.web.render import client_of, ctx_of, refusal

log = logging.getLogger("reminder.web")
router = APIRouter()
FEED_DAYS = 366


def feed_token(office: str, request: Request, until: datetime | None = None) -> str:
    """A read-only feed token; from an office's link, it ends when that link does (a feed must
    not outlive the link it came from)."""
    ctx = ctx_of(request)
    now = ctx.clock.now()
    expires = now + timedelta(days=FEED_DAYS)
    if until is not None:
        expires = min(expires, until)
    grant = links.Grant(office=office, scope=links.FEED, expires=expires.replace(microsecond=0))
    return ctx.sign(grant)


@router.get("/ics/{office}.ics", include_in_schema=False)
def office_feed(request: Request, office: str, token: str = "") -> Response:
    ctx = ctx_of(request)
    try:
        grant = ctx.verify(token)
    except links.TokenError as exc:
        log.warning("refused a feed token (%s) from %s", exc.reason, client_of(request))
        return refusal(request, exc.reason)
    if grant.scope != links.FEED or grant.office != office:
        return refusal(request, "scope")
    config = ctx.current_config()
    if office not in config.offices:
        return refusal(request, "forged")
    # No signed link in the feed: a calendar service keeps it, and a link there would act.
    data = feed(config, ctx.engine, ctx.clock.now(), office)
    return Response(
        data,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'inline; filename="{office}.ics"'},
    )
