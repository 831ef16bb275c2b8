"""Calendar feeds (iCalendar): every occurrence an office is on, as an all-day event on its
effective due date, with alarms at the office's lead times; what is done is marked so. For
`reminder ics` and the web's /ics/OFFICE.ics."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from icalendar import Alarm, Calendar, Event
from sqlalchemy.engine import Engine

from reminder.app.completion import local_minute
from reminder.app.status import StatusRow, status_rows
from reminder.calendar.leadtime import lead_day
from reminder.config.model import Config, Deadline

PRODID = "-//reminder//政务工作时限提醒//ZH"


def _alarm_days(config: Config, d: Deadline, role: str, due: date) -> list[date]:
    cal = config.calendar()
    offsets = config.remind_offsets(d) if role == "lead" else config.cooperate_offsets(d)
    return sorted({lead_day(cal, due, o) for o in offsets if o.amount >= 0})


def _names(config: Config, refs: tuple[str, ...]) -> str:
    return "、".join(config.office_names[o] for o in config.expand(refs))


def _event(
    config: Config,
    row: StatusRow,
    office: str | None,
    stamp: datetime,
    link: str,
) -> Event:
    d = config.deadline_by_id[row.deadline]
    due = row.due
    roles = {r for o, r in config.recipients(d) if o == office} if office else set()
    role = "lead" if "lead" in roles or office is None else "cooperate"
    done = row.light == "done"
    tag = ("【已办结】" if done else "") + (
        "" if office is None else ("【牵头】" if role == "lead" else "【配合】")
    )
    event = Event()
    event.add("uid", f"{d.id}.{row.period}.{office or 'all'}@reminder")
    event.add("dtstamp", stamp)
    event.add("dtstart", due)
    event.add("dtend", due + timedelta(days=1))
    event.add("summary", f"{tag}{d.task}. {d.title}" if d.task else f"{tag}{d.title}")
    lines = [f"期间：{row.period}", f"牵头：{_names(config, d.lead)}"]
    if d.cooperate:
        lines.append(f"配合：{_names(config, d.cooperate)}")
    if d.limit:
        lines.append(f"原文时限：{d.limit}")
    if d.requirement:
        lines.append(f"具体要求：{d.requirement.strip()}")
    if done:
        lines.append(f"已于{local_minute(config, row.done_at)}办结" if row.done_at else "已办结")
    if link:
        lines.append(f"详见：{link}")
        event.add("url", link)
    else:
        lines.append("办结、签收或反馈：请打开提醒消息中的链接")
    event.add("description", "\n".join(lines))
    event.add("status", "CONFIRMED")
    event.add("transp", "TRANSPARENT")
    if done or office is None:
        return event
    send = config.send_time_for(d)
    tz = config.settings.tz
    for day in _alarm_days(config, d, role, due):
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"提醒：{d.title}，{due.month}月{due.day}日到期")
        alarm.add("trigger", datetime.combine(day, send, tz).astimezone(UTC))
        event.add_component(alarm)
    return event


def feed(
    config: Config,
    engine: Engine,
    now: datetime,
    office: str | None,
    *,
    link: str = "",
) -> bytes:
    """The feed of `office` (None: every occurrence, for the administrator)."""
    rows = status_rows(config, engine, now, frozenset([office]) if office else None)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    name = config.offices[office].name if office else "全部科室"
    cal.add("x-wr-calname", f"{name} · 工作时限")
    cal.add("x-wr-timezone", config.settings.timezone)
    stamp = now.astimezone(UTC).replace(microsecond=0)
    for row in rows:
        cal.add_component(_event(config, row, office, stamp, link))
    data: bytes = cal.to_ical()
    return data
