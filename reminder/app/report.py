"""通报 statistics: per lead office and span (a month or a year), how its time-limited tasks
went (due, done on time, done late and by how many working days, still open and overdue; how
many an approved 延期 moved, each then judged by its new due date) and what the service sent
it (reminders sent, failed). Routine duties are not chased, so they are
counted apart (how many were confirmed done), not in the on-time rate. A span is a year
("2027") or a month ("2027-01"), read by `span_of`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy.engine import Engine

from reminder.calendar.workcal import SHIFT_SLACK
from reminder.config.model import Config
from reminder.planning.bulletin import Span, span_of
from reminder.planning.planner import occurrences
from reminder.store import completions, sentlog, submissions
from reminder.store.engine import transaction

__all__ = ["COLUMNS", "OfficeStats", "Span", "span_of", "statistics", "title", "totals"]


@dataclass(kw_only=True, slots=True)
class OfficeStats:
    office: str
    name: str
    due: int = 0  # time-limited occurrences due in the span (so far)
    on_time: int = 0
    late: int = 0
    late_days: list[int] = field(default_factory=list)  # working days late, each
    overdue: int = 0  # not done, due date passed
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
            "open": self.open,
            "extended": self.extended,
            "rate": None if rate is None else round(rate * 100, 1),
            "routine": self.routine,
            "routine_done": self.routine_done,
            "sent": self.sent,
            "failed": self.failed,
        }


def statistics(config: Config, engine: Engine, now: datetime, span: Span) -> list[OfficeStats]:
    """One row per office that leads something due in the span or was sent something."""
    tz = config.settings.tz
    today = now.astimezone(tz).date()
    cal = config.calendar()
    with transaction(engine) as s:
        active = completions.active_deadlines(s)
        done = completions.done_between(s, span.first - SHIFT_SLACK, span.last + SHIFT_SLACK)
        moved = submissions.extended_by_key(s, span.first - SHIFT_SLACK, span.last + SHIFT_SLACK)
        since = datetime.combine(span.first, time(), tz)
        until = datetime.combine(span.last + timedelta(days=1), time(), tz)
        counts = sentlog.counts_by_office(s, since, until)
    stats = {o.id: OfficeStats(office=o.id, name=o.name) for o in config.offices.values()}
    for d in config.deadlines:
        if d.id not in active:
            continue
        for occ in occurrences(config, cal, d, span.first - SHIFT_SLACK, span.last + SHIFT_SLACK):
            if not span.first <= occ.due <= span.last or occ.due < active[d.id]:
                continue
            finished = done.get((d.id, occ.period_key))
            due = moved.get((d.id, occ.period_key), occ.due)  # an approved 延期's
            for office in config.expand(d.lead):
                row = stats[office]
                if d.kind == "routine":
                    row.routine += 1
                    row.routine_done += finished is not None
                    continue
                row.extended += due != occ.due
                if finished is None:
                    if due < today:
                        row.overdue += 1
                    else:
                        row.open += 1
                    row.due += due <= today
                    continue
                row.due += 1
                on = finished.completed_at.astimezone(tz).date()
                late = cal.workdays_between(due, on) if on > due else 0
                if late > 0:
                    row.late += 1
                    row.late_days.append(late)
                else:
                    row.on_time += 1
    for (office, status), n in counts.items():
        if office in stats:
            if status == "sent":
                stats[office].sent += n
            elif status == "failed":
                stats[office].failed += n
    return [
        r for r in stats.values() if r.due or r.open or r.routine or r.sent or r.failed or r.overdue
    ]


def totals(rows: list[OfficeStats]) -> OfficeStats:
    total = OfficeStats(office="", name="合计")
    for r in rows:
        for name in ("due", "on_time", "late", "overdue", "open", "extended", "routine"):
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
    ("open", "未到期"),
    ("extended", "延期"),
    ("rate", "按时办结率%"),
    ("routine", "例行工作"),
    ("routine_done", "例行已确认"),
    ("sent", "提醒送达"),
    ("failed", "发送失败"),
]


def title(span: Span, today: date) -> str:
    return f"{span.name}工作任务办理情况通报（截至{today.year}年{today.month}月{today.day}日）"
