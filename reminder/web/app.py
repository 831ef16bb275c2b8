"""The web application: routes, error pages, security headers and the request size limit."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.exceptions import HTTPException

from reminder import labels, links
from reminder.errors import BadQuery
from reminder.web import (
    api,
    documents,
    feeds,
    health,
    login,
    pages,
    report,
    sentlog,
    submissions,
    yearcal,
)
from reminder.web.context import PAGES, WebContext
from reminder.web.render import page
from reminder.web.security import Visitor
from reminder.web.views import BadFilter, NotFound

log = logging.getLogger("reminder.web")

MAX_BODY = 16 * 1024  # a form with a 2,000-character note is far below this
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # a link's token must not leave in a Referer
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error(request: Request, status: int, title: str, message: str, field: str = "") -> Response:
    """An error page (JSON under /api/: the message, and the field it concerns)."""
    if _wants_json(request):
        body = {"error": f"{field}：{message}" if field else message}
        return JSONResponse(body | ({"field": field} if field else {}), status_code=status)
    shown = labels.FIELDS.get(field, field)
    return page(
        request,
        "message.html",
        Visitor(),
        title=title,
        message=f"{shown}：{message}" if field else message,
        field=field,
        status_code=status,
    )


def create_app(ctx: WebContext) -> FastAPI:
    app = FastAPI(
        title="reminder",
        summary="政务工作时限提醒：事项、发送记录与统计",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.ctx = ctx
    # No redirect to the same path with a slash added: it would be built from the Host header.
    app.router.redirect_slashes = False
    app.include_router(pages.router)
    app.include_router(login.router)
    app.include_router(submissions.router)
    app.include_router(api.router)
    app.include_router(sentlog.router)
    app.include_router(report.router)
    app.include_router(documents.router)
    app.include_router(yearcal.router)
    app.include_router(feeds.router)
    app.include_router(health.router)
    health.instrument(app, ctx)

    @app.get("/static/site.css", include_in_schema=False)
    def stylesheet() -> FileResponse:
        return FileResponse(PAGES / "site.css", media_type="text/css")

    @app.middleware("http")
    async def guard(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        length = request.headers.get("content-length", "0")
        chunked = "chunked" in request.headers.get("transfer-encoding", "").lower()
        if chunked:  # a body of unknown size: browsers and API clients send a length
            response = _error(request, 411, "请求有误", "请求须注明内容长度。")
        elif not length.isdigit() or int(length) > MAX_BODY:
            response = _error(request, 413, "内容过长", "提交的内容过长。")
        else:
            try:
                response = await call_next(request)
            except Exception:  # the page says so; the log keeps the traceback
                # The path may hold a link's token: the log keeps it out.
                path = links.redact(request.url.path, "[token]")
                log.exception("unexpected error on %s %s", request.method, path)
                response = _error(request, 500, "服务器出错", "服务器处理请求时出错，已记录。")
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    _error_pages(app)
    return app


def _error_pages(app: FastAPI) -> None:
    """Plain pages (JSON under /api/) for what a request can get wrong; never a traceback."""

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return _error(request, 404, "未找到", "没有这个页面、科室或事项。")

    @app.exception_handler(BadQuery)
    async def bad_query(request: Request, exc: BadQuery) -> Response:
        words = labels.refusal(exc.code, exc.fields)
        return _error(request, 400, "筛选条件有误", words, exc.field)

    @app.exception_handler(BadFilter)
    async def bad_filter(request: Request, exc: BadFilter) -> Response:
        return _error(request, 400, "筛选条件有误", str(exc), exc.field)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        fields = sorted({str(e["loc"][-1]) for e in exc.errors() if e.get("loc")})
        return _error(request, 400, "请求有误", "以下字段有误：" + "、".join(fields))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404:
            return _error(request, 404, "未找到", "没有这个页面。")
        if exc.status_code == 405:
            return _error(request, 405, "请求有误", "此页面不接受这种请求。")
        return _error(request, exc.status_code, "请求有误", str(exc.detail))
