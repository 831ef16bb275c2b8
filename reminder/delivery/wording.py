"""What a reminder says, as facts the templates print: the item an office reads (its state on
the day it goes out, the date and which way it moved, who leads and cooperates as the source
names them) and a digest's sections in order of urgency. Pure; the words themselves are in
the templates, in Chinese.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date

from reminder.calendar.leadtime import after
from reminder.calendar.rules import PeriodRule, WeeklyRule, YearlyRule
from reminder.calendar.workcal import WorkCalendar
from reminder.config.model import Config, Deadline, Office

WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
TAGS = {
    "before": "【提醒】",
    "today": "【到期】",
    "overdue": "【逾期】",
    "escalation": "【督办】",
    "routine": "【例行】",
}
ROLES = {"lead": "牵头", "cooperate": "配合", "escalation": "督办", "leader": "分管领导"}
# What the reader is on the task, after the division of work.
ROLE_NOTES = {
    "lead": "（本科室为牵头单位）",
    "cooperate": "（本科室为配合单位）",
    "escalation": "（本科室负责督办）",
    "leader": "",
}
# WeCom's three colours: overdue red, due today green, the rest grey.
COLORS = {"overdue": "warning", "escalation": "warning", "today": "info"}  # the rest: comment
# A digest's sections: the items the office leads, most urgent first, then those it
# cooperates on, then the overdue items of others it is told of (督办).
SECTIONS = (
    ("overdue", "逾期未办"),
    ("today", "今日到期"),
    ("before", "即将到期"),
    ("routine", "例行工作"),
    ("help-today", "配合事项：今日到期"),
    ("help-before", "配合事项：即将到期"),
    ("escalation", "督办事项"),
)
SECTION_KEYS = [key for key, _ in SECTIONS]
CADENCES = {12: "每年", 6: "每半年", 3: "每季度", 1: "每月"}


def chinese_date(day: date) -> str:
    """2026年1月30日（星期五）"""
    return f"{day.year}年{day.month}月{day.day}日（{WEEKDAYS[day.weekday()]}）"


def moved(cal: WorkCalendar, nominal: date, due: date) -> str:
    """Why and which way a due date moved off a rest day: "1月31日为休息日，提前至1月29日
    （星期五）"; empty when it did not move."""
    if nominal == due:
        return ""
    why = "节假日" if cal.is_holiday(nominal) else "休息日"
    way = "提前至" if due < nominal else "顺延至"
    to = f"{due.month}月{due.day}日（{WEEKDAYS[due.weekday()]}）"
    return f"{nominal.month}月{nominal.day}日为{why}，{way}{to}"


def cadence(deadline: Deadline) -> str:
    """How often the bureau checks a routine duty, in words: 每月, 每季度, 每周 …"""
    rule = deadline.rule
    if isinstance(rule, YearlyRule):
        return "每年"
    if isinstance(rule, PeriodRule):
        return CADENCES.get(rule.months, "定期")
    if isinstance(rule, WeeklyRule):
        return "每周"
    return "定期"


def state(kind: str, working_days_left: int) -> str:
    """What the item is on the day it goes out: a reminder planned before the due day but
    sent on it (after downtime) is due today, not a reminder ahead."""
    if kind in ("routine", "escalation"):
        return kind
    if working_days_left < 0:
        return "overdue"
    return "today" if working_days_left == 0 else "before"


@dataclass(frozen=True, kw_only=True, slots=True)
class Item:
    """One reminder as the templates see it."""

    deadline_id: str
    kind: str
    state: str  # before | today | overdue | escalation | routine
    tag: str
    task: int | None
    title: str
    section: str
    requirement: str
    limit: str
    cadence: str
    due_text: str
    moved_text: str
    working_days_left: int
    role: str
    role_text: str
    duty_text: str  # 法规信访科牵头，各科室（单位）配合（本科室为配合单位）
    grant_text: str  # an overdue item's 限期: 请于3个工作日内（3月8日前）办结
    leads: list[str]
    cooperates: list[str]
    period_key: str
    provisional: bool
    provisional_years: list[int]
    color: str
    url: str = ""  # its page (办结, 签收, 反馈), when [web] base_url is set
    # What it is told of a 延期 or a 情况说明 (delivery/outcomes.py): also in `moved_text`,
    # and alone where a short form leaves the rest-day line out (the WeCom digests).
    said_text: str = ""


def as_named(config: Config, refs: tuple[str, ...], leave_out: set[str]) -> list[str]:
    """Offices and groups as the source names them: a group by its name (各科室（单位）), not
    its members; an office already named elsewhere (`leave_out`) is not named again."""
    out: list[str] = []
    for ref in refs:
        if ref in config.groups:
            out.append(config.groups[ref].name)
        elif ref not in leave_out:
            out.append(config.offices[ref].name)
    return list(dict.fromkeys(out))


def make_item(
    config: Config,
    cal: WorkCalendar,
    *,
    deadline_id: str,
    kind: str,
    role: str,
    due: date,
    nominal_due: date,
    period_key: str,
    working_days_left: int,
    provisional_years: Sequence[int],
    today: date | None = None,
) -> Item:
    """A template item from a reminder's facts, as of the day it goes out (`today`, which
    dates an overdue item's 限期)."""
    deadline = config.deadline_by_id[deadline_id]
    now = state(kind, working_days_left)
    leads = set(config.expand(deadline.lead))
    named_leads = as_named(config, deadline.lead, set())
    named_helpers = as_named(config, deadline.cooperate, leads)
    grant = ""
    if now == "overdue" and role == "lead":
        span = config.settings.overdue_grant
        sent = today or cal.add_workdays(due, -working_days_left)
        until = after(cal, sent, span, 1)
        unit = "个工作日" if span.unit == "wd" else "日"
        grant = f"请于{span.amount}{unit}内（{until.month}月{until.day}日前）办结"
    return Item(
        deadline_id=deadline_id,
        kind=kind,
        state=now,
        tag=TAGS[now],
        task=deadline.task,
        title=deadline.title,
        section=deadline.section,
        requirement=deadline.requirement.strip(),
        limit=deadline.limit,
        cadence=cadence(deadline),
        due_text=chinese_date(due),
        moved_text=moved(cal, nominal_due, due),
        working_days_left=working_days_left,
        role=role,
        role_text=ROLES.get(role, role),
        duty_text=duty(named_leads, named_helpers, role),
        grant_text=grant,
        leads=named_leads,
        cooperates=named_helpers,
        period_key=period_key,
        provisional=bool(provisional_years),
        provisional_years=list(provisional_years),
        color=COLORS.get(now, "comment"),
    )


def duty(leads: list[str], helpers: list[str], role: str) -> str:
    """The division of work as one line: "法规信访科牵头，各科室（单位）配合" and what the
    reader is on the task: "（本科室为配合单位）"."""
    text = "、".join(leads) + "牵头"
    if helpers:
        text += "，" + "、".join(helpers) + "配合"
    return text + ROLE_NOTES.get(role, "")


def section_of(item: Item) -> str:
    """The digest section an item belongs in (see SECTIONS)."""
    if item.role in ("escalation", "leader"):
        return "escalation"
    if item.role == "cooperate" and item.state != "routine":
        return "help-before" if item.state == "before" else "help-today"
    return item.state


def urgency(item: Item) -> tuple[int, int, int, str]:
    """By section (SECTIONS); within one, the most overdue or the nearest first, routine
    duties by task."""
    key = section_of(item)
    days = 0 if key == "routine" else item.working_days_left
    return (SECTION_KEYS.index(key), days, item.task or 0, item.deadline_id)


@dataclass(frozen=True, kw_only=True, slots=True)
class Section:
    """One part of a digest: 逾期, 今日到期, 即将到期 or 例行工作, with its items numbered from 1
    in order of urgency; routine items are also grouped under the source table's headings
    (`groups`: heading, numbered items; one group with no heading elsewhere)."""

    key: str
    title: str
    items: list[Item]
    groups: list[tuple[str, list[tuple[int, Item]]]]


def sections(items: Sequence[Item]) -> list[Section]:
    """The items of a digest in their sections, most urgent first; empty sections left out."""
    out = []
    ordered = sorted(items, key=urgency)
    for key, title in SECTIONS:
        mine = [i for i in ordered if section_of(i) == key]
        if not mine:
            continue
        headings: dict[str, list[Item]] = {}
        for i in mine:
            headings.setdefault(i.section if key == "routine" else "", []).append(i)
        groups, n = [], 0
        for heading, grouped in headings.items():
            groups.append((heading, list(enumerate(grouped, n + 1))))
            n += len(grouped)
        out.append(Section(key=key, title=title, items=mine, groups=groups))
    return out


# Our records whose fields templates read directly (see rendering._Sandbox).
PLAIN_FIELDS = {cls: frozenset(f.name for f in fields(cls)) for cls in (Item, Office, Section)}
