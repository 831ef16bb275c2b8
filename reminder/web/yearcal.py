"""The year calendar page: the year's due dates on a month grid, rest days, holidays and
调休 make-up days marked, and a year without official data flagged as provisional."""

from __future__ import annotations

import calendar as month_grid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from reminder.app.calendar import FIRST_YEAR, LAST_YEAR, due_days, year_calendar
from reminder.config.model import Config
from reminder.web.render import ctx_of, login_first, page, visitor_of
from reminder.web.views import BadFilter

router = APIRouter()


def year_grid(config: Config, year: int) -> dict[str, Any]:
    info = year_calendar(config, year)
    holidays = {h.day: h.name for h in info.holidays}
    makeup = {m.day: m.name for m in info.makeup_days}
    due = due_days(config, year)
    months = []
    for month in range(1, 13):
        weeks = []
        for week in month_grid.Calendar(firstweekday=0).monthdatescalendar(year, month):
            cells: list[dict[str, Any] | None] = []
            for day in week:
                if day.month != month:
                    cells.append(None)
                    continue
                cells.append(
                    {
                        "day": day.day,
                        "iso": day.isoformat(),
                        "rest": info.is_rest(day),
                        "holiday": (holidays[day] or "节假日") if day in holidays else None,
                        "makeup": (makeup[day] or "调休") if day in makeup else None,
                        "due": due.get(day, []),
                    }
                )
            weeks.append(cells)
        months.append({"month": month, "weeks": weeks})
    return {
        "year": year,
        "official": info.official,
        "source": info.source,
        "months": months,
        "due_days": len(due),
        "due_count": sum(len(v) for v in due.values()),
    }


@router.get("/calendar", include_in_schema=False)
def calendar_page(request: Request, year: str = "") -> Response:
    visitor = visitor_of(request)
    if not visitor.admin:
        return login_first(request)
    ctx = ctx_of(request)
    config, now = ctx.current_config(), ctx.clock.now()
    text = year or str(now.astimezone(config.settings.tz).year)
    if not (text.isdigit() and FIRST_YEAR <= int(text) <= LAST_YEAR):
        raise BadFilter("year", "应为 1970 至 2200 之间的年份")
    data = year_grid(config, int(text))
    return page(request, "calendar.html", visitor, title=f"{text}年日历", **data)
