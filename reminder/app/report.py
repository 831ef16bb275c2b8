"""通报 statistics: per lead office and span (a month or a year), how its time-limited tasks
went (due, done on time, done late and by how many working days, still open and overdue; how
many an approved 延期 moved, each then judged by its new due date) and what the service sent
it (reminders sent, failed). Routine duties are not chased, so they are
counted apart (how many were confirmed done), not in the on-time rate. A span is a year
("2027") or a month ("2027-01"), read by `span_of`."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy.engine import Engine

from reminder.calendar.workcal import SHIFT_SLACK, WorkCalendar
from reminder.config.model import Config, Deadline
from reminder.exports import Column
from reminder.planning.bulletin import Span, span_of
from reminder.planning.model import Occurrence
from reminder.planning.planner import occurrences
from reminder.store import completions, sentlog, submissions
from reminder.store.engine import transaction

__all__ = [
    "COLUMNS",
    "ITEM_COLUMNS",
    "ITEM_SHEET",
    "LateItem",
    "OfficeStats",
    "Span",
    "Tally",
    "span_of",
    "statistics",
    "tally",
    "title",
    "totals",
]


@dataclass(kw_only=True, slots=True)
class OfficeStats:
    office: str
    name: str
    due: int = 0  # time-limited occurrences due in the span (so far)
    on_time: int = 0
    late: int = 0
    late_days: list[int] = field(default_factory=list)  # working days late, each
    overdue: int = 0  # not done, due date passed
    carried: int = 0  # of those, due before the span (往期结转)
    open: int = 0  # not done, not yet due
    extended: int = 0  # an approved 延期 moved its due date (counted in the above as well)
    routine: int = 0
    routine_done: int = 0
    sent: int = 0
    failed: int = 0

    @property
    def rate(self) -> float | None:
        """Done on time among those whose due date has passed (None when there are none)."""
        closed_or_late = self.on_time + self.late + self.overdue
        return self.on_time / closed_or_late if closed_or_late else None

    def as_row(self) -> dict[str, object]:
        rate = self.rate
        return {
            "office": self.office,
            "name": self.name,
            "due": self.due,
            "on_time": self.on_time,
            "late": self.late,
            "late_days": max(self.late_days, default=0),
            "overdue": self.overdue,
            "carried": self.carried,
            "open": self.open,
            "extended": self.extended,
            "rate": None if rate is None else round(rate * 100, 1),
            "routine": self.routine,
            "routine_done": self.routine_done,
            "sent": self.sent,
            "failed": self.failed,
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class LateItem:
    """A time-limited occurrence done late in the span, or open past its due date at the
    report's as-of date (whatever its period: an earlier one is 往期结转), for one lead office."""

    deadline: str
    task: int | None
    title: str
    period: str
    office: str
    office_name: str
    due: date  # judged by: an approved 延期's new date, else the planned due
    days: int  # working days overdue (open) or late (done)
    open: bool
    carried: bool  # due before the span: carried over from an earlier 通报
    explanation: str | None = None  # the office's latest 情况说明
    planned: date | None = None  # the day it plans to finish, from that 情况说明

    @property
    def light(self) -> str:
        """red: still open and overdue; yellow: done late."""
        return "red" if self.open else "yellow"

    def as_row(self) -> dict[str, object]:
        """The item as a row of the 通报's second sheet (ITEM_COLUMNS)."""
        return {
            "light": ITEM_LIGHTS[self.light],
            "task": self.task,
            "title": self.title,
            "period": self.period,
            "office": self.office_name,
            "due": self.due,
            "days": self.days,
            "carried": ITEM_CARRIED if self.carried else "",
            "explanation": self.explanation or "",
            "planned": self.planned,
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class Tally:
    rows: list[OfficeStats]
    items: list[LateItem]


@dataclass(frozen=True, kw_only=True, slots=True)
class _Records:
    """What the store says about the occurrences a tally looks at."""

    active: dict[str, date]
    done: dict[tuple[str, str], Any]
    moved: dict[tuple[str, str], date]
    explained: dict[tuple[str, str, str], Any]
    counts: dict[tuple[str, str], int]


def statistics(config: Config, engine: Engine, now: datetime, span: Span) -> list[OfficeStats]:
    """One row per office that leads something due in the span or was sent something."""
    return tally(config, engine, now, span).rows


def tally(config: Config, engine: Engine, now: datetime, span: Span) -> Tally:
    """The statistics of the span and its late or overdue items. An occurrence due before
    the span and still open and overdue at `now` counts in the span too (往期结转): due, and
    逾期未办, until it is closed."""
    tz = config.settings.tz
    today = now.astimezone(tz).date()
    cal = config.calendar()
    records = _records(engine, span, tz)
    stats = {o.id: OfficeStats(office=o.id, name=o.name) for o in config.offices.values()}
    items: list[LateItem] = []
    for d in config.deadlines:
        if d.id not in records.active:
            continue
        since = min(records.active[d.id], span.first)
        for occ in occurrences(config, cal, d, since - SHIFT_SLACK, span.last + SHIFT_SLACK):
            if occ.due > span.last or occ.due < records.active[d.id]:
                continue
            for office in config.expand(d.lead):
                item = _count(stats[office], d, occ, records, (today, span, cal, tz))
                if item is not None and item.open:
                    said = records.explained.get((d.id, occ.period_key, office))
                    item = replace(item, explanation=said and said[0], planned=said and said[1])
                if item is not None:
                    items.append(item)
    for (office, status), n in records.counts.items():
        if office in stats and status in ("sent", "failed"):
            setattr(stats[office], status, getattr(stats[office], status) + n)
    rows = [
        r for r in stats.values() if r.due or r.open or r.routine or r.sent or r.failed or r.overdue
    ]
    items.sort(key=lambda i: (not i.open, -i.days, i.task or 0, i.deadline, i.office))
    return Tally(rows=rows, items=items)


def _records(engine: Engine, span: Span, tz: Any) -> _Records:
    with transaction(engine) as s:
        active = completions.active_deadlines(s)
        oldest = min([*active.values(), span.first]) - SHIFT_SLACK
        last = span.last + SHIFT_SLACK
        since = datetime.combine(span.first, time(), tz)
        until = datetime.combine(span.last + timedelta(days=1), time(), tz)
        return _Records(
            active=active,
            done=completions.done_between(s, oldest, last),
            moved=submissions.extended_by_key(s, oldest, last),
            explained={
                k: (r.reason, r.until)
                for k, r in submissions.explanations_by_key(s, oldest).items()
            },
            counts=sentlog.counts_by_office(s, since, until),
        )


def _count(
    row: OfficeStats,
    d: Deadline,
    occ: Occurrence,
    records: _Records,
    when: tuple[date, Span, WorkCalendar, tzinfo],
) -> LateItem | None:
    """Count one occurrence for one lead office; the item when it is late or overdue."""
    today, span, cal, tz = when
    carried = occ.due < span.first
    finished = records.done.get((d.id, occ.period_key))
    due = records.moved.get((d.id, occ.period_key), occ.due)  # an approved 延期's
    if carried and (d.kind == "routine" or finished is not None or due >= today):
        return None  # only what is still open and overdue comes over from earlier spans
    if d.kind == "routine":
        row.routine += 1
        row.routine_done += finished is not None
        return None
    row.extended += due != occ.due
    item = LateItem(
        deadline=d.id,
        task=d.task,
        title=d.title,
        period=occ.period_key,
        office=row.office,
        office_name=row.name,
        due=due,
        days=0,
        open=finished is None,
        carried=carried,
    )
    if finished is None:
        row.due += due <= today
        if due >= today:
            row.open += 1
            return None
        row.overdue += 1
        row.carried += carried
        return replace(item, days=cal.workdays_between(due, today))
    row.due += 1
    on = finished.completed_at.astimezone(tz).date()
    late = cal.workdays_between(due, on) if on > due else 0
    if late <= 0:
        row.on_time += 1
        return None
    row.late += 1
    row.late_days.append(late)
    return replace(item, days=late)


def totals(rows: list[OfficeStats]) -> OfficeStats:
    total = OfficeStats(office="", name="合计")
    for r in rows:
        for name in ("due", "on_time", "late", "overdue", "carried", "open", "extended", "routine"):
            setattr(total, name, getattr(total, name) + getattr(r, name))
        total.routine_done += r.routine_done
        total.sent += r.sent
        total.failed += r.failed
        total.late_days += r.late_days
    return total


COLUMNS = [
    ("name", "科室"),
    ("due", "应办"),
    ("on_time", "按时办结"),
    ("late", "逾期办结"),
    ("late_days", "最多逾期工作日"),
    ("overdue", "逾期未办"),
    ("carried", "其中往期结转"),
    ("open", "未到期"),
    ("extended", "延期"),
    ("rate", "按时办结率%"),
    ("routine", "例行工作"),
    ("routine_done", "例行已确认"),
    ("sent", "提醒送达"),
    ("failed", "发送失败"),
]


ITEM_COLUMNS = [
    Column("light", "灯"),
    Column("task", "序号", "number"),
    Column("title", "任务"),
    Column("period", "期间", "period"),
    Column("office", "牵头科室"),
    Column("due", "截止日期", "date"),
    Column("days", "逾期工作日", "number"),
    Column("carried", "往期结转"),
    Column("explanation", "情况说明"),
    Column("planned", "计划完成", "date"),
]
ITEM_LIGHTS = {"red": "红灯（逾期未办）", "yellow": "黄灯（逾期办结）"}
ITEM_CARRIED = "是"
ITEM_SHEET = "逾期任务"  # the second sheet's tab, after the span's name


def title(span: Span, today: date) -> str:
    return f"{span.name}工作任务办理情况通报（截至{today.year}年{today.month}月{today.day}日）"
