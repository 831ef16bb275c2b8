"""The year calendar page: the year's due dates on a month grid, rest days, holidays and
调休 make-up days marked, and a year without official data flagged as provisional."""

from __future__ import annotations

import calendar as month_grid
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from reminder.calendar.workcal import CHINESE_NAMES
from reminder.config.model import Config
from reminder.planning.planner import occurrences
from reminder.web.render import ctx_of, login_first, page, visitor_of
from reminder.web.views import BadFilter

router = APIRouter()


def year_grid(config: Config, year: int) -> dict[str, Any]:
    cal = config.calendar()
    info = cal.year_info(year)
    holidays = dict(info.holidays)
    makeup = dict(info.workdays)
    due: dict[date, list[str]] = defaultdict(list)
    first, last = date(year, 1, 1), date(year, 12, 31)
    for d in config.deadlines:
        for occ in occurrences(
            config, cal, d, first - timedelta(days=10), last + timedelta(days=10)
        ):
            if first <= occ.due <= last:
                due[occ.due].append(f"{d.task}. {d.title}" if d.task else d.title)
    months = []
    for month in range(1, 13):
        weeks = []
        for week in month_grid.Calendar(firstweekday=0).monthdatescalendar(year, month):
            cells: list[dict[str, Any] | None] = []
            for day in week:
                if day.month != month:
                    cells.append(None)
                    continue
                name = holidays.get(day) or makeup.get(day) or ""
                shown = CHINESE_NAMES.get(name, name)
                cells.append(
                    {
                        "day": day.day,
                        "iso": day.isoformat(),
                        "rest": not cal.is_workday(day),
                        "holiday": (shown or "节假日") if day in holidays else None,
                        "makeup": (shown or "调休") if day in makeup else None,
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
    if not (text.isdigit() and 1970 <= int(text) <= 2200):
        raise BadFilter("year", "应为 1970 至 2200 之间的年份")
    data = year_grid(config, int(text))
    return page(request, "calendar.html", visitor, title=f"{text}年日历", **data)
