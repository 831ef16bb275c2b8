"""/healthz (is the database there, when did any instance last dispatch, what is due next)
and /metrics for Prometheus: reminders by status and channel, dispatch lateness, open overdue
occurrences, web requests. Read from the database at each request, so true across instances."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

from reminder.app import health
from reminder.errors import DatabaseError
from reminder.web.context import WebContext
from reminder.web.render import bearer, ctx_of, is_api_token

log = logging.getLogger("reminder.web")
router = APIRouter()
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


@router.get("/healthz", include_in_schema=False)
def healthz(request: Request) -> Response:
    ctx = ctx_of(request)
    try:
        h = health.check(ctx.engine, ctx.clock.now())
    except DatabaseError as exc:
        log.warning("healthz: %s", exc)
        return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
    return JSONResponse(
        {
            "status": "behind" if h.behind else "ok",
            "database": "ok",
            "last_dispatch_pass": _iso(h.last_pass),
            "next_due": _iso(h.next_due),
            "now": h.now.isoformat(),
        }
    )


class StoreCollector:
    """Gauges read from the database when Prometheus scrapes."""

    def __init__(self, ctx: WebContext) -> None:
        self.ctx = ctx

    def collect(self) -> Iterator[GaugeMetricFamily]:
        ctx = self.ctx
        g = health.gauges(ctx.current_config(), ctx.engine, ctx.clock.now())
        now, counts, oldest, last = g.now, g.reminders, g.oldest_waiting, g.last_pass
        rows = GaugeMetricFamily(
            "reminder_reminders", "Reminders by status and channel", labels=["status", "channel"]
        )
        for (status, channel), n in sorted(counts.items()):
            rows.add_metric([status, channel], n)
        yield rows
        late = max(0.0, (now - oldest).total_seconds()) if oldest else 0.0
        yield GaugeMetricFamily(
            "reminder_dispatch_lateness_seconds",
            "How long the earliest due reminder has been waiting",
            value=late,
        )
        since = (now - last).total_seconds() if last else float("nan")
        yield GaugeMetricFamily(
            "reminder_seconds_since_last_dispatch_pass",
            "Seconds since any instance last ran a dispatch pass",
            value=since,
        )
        yield GaugeMetricFamily(
            "reminder_open_overdue_occurrences",
            "Time-limited occurrences past their due date and not done",
            value=g.open_overdue,
        )


def instrument(app: FastAPI, ctx: WebContext) -> None:
    """Register /metrics and count every request (method, route, status) and its time."""
    registry = CollectorRegistry()
    registry.register(StoreCollector(ctx))
    requests = Counter(
        "reminder_web_requests", "Web requests", ["method", "route", "status"], registry=registry
    )
    seconds = Histogram(
        "reminder_web_request_seconds", "Web request time", ["route"], registry=registry
    )

    @app.middleware("http")
    async def count(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        start = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        name = getattr(route, "path", "unmatched")
        # Labels from fixed sets: a client's made-up method or status cannot grow the registry.
        method = request.method if request.method in METHODS else "OTHER"
        status = str(response.status_code) if 100 <= response.status_code < 600 else "other"
        requests.labels(method, name, status).inc()
        seconds.labels(name).observe(time.perf_counter() - start)
        return response

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        if not (ctx.current_config().web.public_metrics or is_api_token(ctx, bearer(request))):
            return Response(
                "send Authorization: Bearer <REMINDER_API_TOKEN>, or set [web] public_metrics\n",
                status_code=401,
                media_type="text/plain",
            )
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
