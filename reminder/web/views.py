"""The pages' reads, asked of `app.pages` with the web context's config, database and clock;
and BadFilter, a query value a page cannot even parse (a word where a date goes)."""

from __future__ import annotations

import threading
from dataclasses import fields
from datetime import datetime
from typing import Any

from markupsafe import Markup

from reminder import links
from reminder.app import item, pages, submissions
from reminder.app.pages import BoardFilter
from reminder.errors import NotFound
from reminder.web.context import WebContext

__all__ = ["BadFilter", "BoardFilter", "NotFound"]


class BadFilter(ValueError):
    """A filter value that is not well formed; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def board(
    ctx: WebContext, now: datetime, f: BoardFilter, *, page: int = 1, size: int | None = None
) -> pages.BoardPage:
    return pages.board(ctx.current_config(), ctx.engine, now, f, page=page, size=size)


_TABLES: dict[tuple[int, str], tuple[pages.BoardPage, Markup]] = {}
_TABLES_LOCK = threading.Lock()


def board_table(ctx: WebContext, data: pages.BoardPage) -> Markup:
    """The board's table, rendered once per page of rows: `pages.board` keeps a page until
    anything on the board changes, so a supervisor's reload renders no row again."""
    key = (id(data), ctx.root_path)
    found = _TABLES.get(key)
    if found is not None and found[0] is data:
        return found[1]
    template = ctx.pages.get_template("board_table.html")
    html = Markup(template.render(root=ctx.root_path, rows=data.rows, filter=data.filter))
    with _TABLES_LOCK:  # another request's thread may be keeping one too
        while len(_TABLES) >= 64:
            _TABLES.pop(next(iter(_TABLES)), None)
        _TABLES[key] = (data, html)
    return html


def office_page(ctx: WebContext, office_id: str, now: datetime) -> pages.OfficePage:
    return pages.office_page(ctx.current_config(), ctx.engine, office_id, now)


def deadline_page(ctx: WebContext, deadline_id: str, now: datetime) -> pages.DeadlinePage:
    return pages.deadline_page(ctx.current_config(), ctx.engine, deadline_id, now)


def item_page(ctx: WebContext, occurrence_id: int, office_id: str) -> item.ItemPage:
    config, now = ctx.current_config(), ctx.clock.now()
    return item.item_page(config, ctx.engine, occurrence_id, office_id, now)


def item_submissions(
    ctx: WebContext, occurrence_id: int, office_id: str, *, done: bool
) -> submissions.ItemSubmissions:
    config, now = ctx.current_config(), ctx.clock.now()
    return submissions.of_item(config, ctx.engine, occurrence_id, office_id, now, done=done)


Page = pages.BoardPage | pages.OfficePage | pages.DeadlinePage | item.ItemPage


def shown(data: Page) -> dict[str, Any]:
    """A page's data as the template's names (its fields, not copied: rows keep their words)."""
    return {f.name: getattr(data, f.name) for f in fields(data)}


def check_reach(ctx: WebContext, grant: links.Grant, deadline: str, period: str) -> None:
    item.check_reach(ctx.engine, grant, deadline, period)
