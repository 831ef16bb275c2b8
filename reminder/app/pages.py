"""What each page shows: the board, an office's page, a deadline's page, one item, as rows
the templates and the API read (words from `labels`). Renders nothing; the web asks here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

from reminder import labels
from reminder.app import progress
from reminder.app.actions import permitted
from reminder.app.progress import Signed, Word
from reminder.app.sentlog import LogEntry, LogQuery, count_by_status
from reminder.app.sentlog import read as read_log
from reminder.app.status import Standing, StatusRow, on_task, standing, status_rows
from reminder.calendar.rules import Offset
from reminder.config.model import Config, Deadline, Office
from reminder.delivery.wording import as_named
from reminder.errors import BadQuery, NotFound
from reminder.store import actions, completions
from reminder.store.engine import transaction
from reminder.vocabulary import Action, LogStatus

LIGHTS = labels.LIGHTS
KINDS = labels.DEADLINE_KINDS
ROLES = {"lead": labels.ROLES["lead"], "cooperate": labels.ROLES["cooperate"]}


@dataclass(frozen=True, kw_only=True, slots=True)
class BoardFilter:
    office: str = ""
    section: str = ""
    light: str = ""
    kind: str = ""
    unsigned: bool = False  # only due items some office (the filter's office) has not signed

    def check(self, config: Config) -> None:
        if self.office and self.office not in config.offices:
            raise BadQuery("office", self.office, tuple(config.offices))
        sections = {d.section for d in config.deadlines}
        if self.section and self.section not in sections:
            raise BadQuery("section", self.section)
        if self.light and self.light not in LIGHTS:
            raise BadQuery("light", self.light, tuple(LIGHTS))
        if self.kind and self.kind not in KINDS:
            raise BadQuery("kind", self.kind, tuple(KINDS))


def named(config: Config, refs: tuple[str, ...]) -> str:
    """Offices and groups as the table names them (a group by its name), as messages do."""
    return "、".join(as_named(config, refs, set()))


def linked(config: Config, refs: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Offices and groups as `named` says them, each with the office id its page is at
    ("" for a group: it has no page)."""
    return tuple((r if r in config.offices else "", as_named(config, (r,), set())[0]) for r in refs)


DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")}


def numeral_rank(section: str) -> float:
    """一、… → 1, 十二、… → 12; a heading without a leading numeral ranks after all."""
    head = section.split("、", 1)[0].strip("（）() ")
    if not head or any(c not in DIGITS and c != "十" for c in head):
        return float("inf")
    tens, _, ones = head.rpartition("十")
    if "十" not in head:
        return float(DIGITS[head]) if len(head) == 1 else float("inf")
    return float((DIGITS.get(tens, 1) if tens else 1) * 10 + (DIGITS.get(ones, 0) if ones else 0))


def section_order(config: Config) -> list[str]:
    """The table's sections by their numerals (一、二、三…), those without one last."""
    first_seen = list(dict.fromkeys(d.section for d in config.deadlines if d.section))
    return sorted(first_seen, key=lambda s: (numeral_rank(s), first_seen.index(s)))


@dataclass(frozen=True, kw_only=True, slots=True)
class AuditRow:
    """One 办结, 重新打开, 签收 or 反馈, as the pages list it."""

    at: datetime  # local
    office: str  # the office's name
    action: str  # in words
    actor: str  # office:ID, or admin:NAME when an administrator acted for it
    via: str
    note: str | None
    deadline: str


@dataclass(frozen=True, kw_only=True, slots=True)
class PageRow:
    """A task's occurrence on a page: where it stands (`status`), names in words, and for an
    office's own page its role there and whether it may close it."""

    status: StatusRow
    lead_names: str
    cooperate_names: str
    done_by_name: str | None
    role: str | None = None  # lead or cooperate, on an office's page
    may_close: bool = False
    audit: tuple[AuditRow, ...] = field(default=())
    lead_links: tuple[tuple[str, str], ...] = ()  # (office id or "", name)
    cooperate_links: tuple[tuple[str, str], ...] = ()
    signed: tuple[Signed, ...] = ()  # every office on the task, with its 签收 time
    word: Word | None = None  # the latest 反馈 or 情况说明
    acked_at: datetime | None = None  # on an office's page: when this office signed

    # The status row's facts, read as the row's own (the templates say r.due, r.title ...).
    deadline = property(lambda self: self.status.deadline)
    task = property(lambda self: self.status.task)
    title = property(lambda self: self.status.title)
    period = property(lambda self: self.status.period)
    due = property(lambda self: self.status.due)
    light = property(lambda self: self.status.light)
    working_days_left = property(lambda self: self.status.working_days_left)
    kind = property(lambda self: self.status.kind)
    section = property(lambda self: self.status.section)
    done_by = property(lambda self: self.status.done_by)
    done_at = property(lambda self: self.status.done_at)
    note = property(lambda self: self.status.note)
    moved_from = property(lambda self: self.status.moved_from)

    @property
    def unsigned(self) -> tuple[Signed, ...]:
        return tuple(x for x in self.signed if x.at is None)

    def waiting(self, first: str = "") -> list[Signed]:
        """The offices that have not signed, `first` (the board's office filter) first."""
        unsigned = self.unsigned
        return [x for x in unsigned if x.office == first] + [
            x for x in unsigned if x.office != first
        ]

    @property
    def light_name(self) -> str:
        return LIGHTS[self.status.light]

    @property
    def kind_name(self) -> str:
        return KINDS[self.status.kind]

    @property
    def role_name(self) -> str:
        return ROLES.get(self.role or "", "")

    def as_row(self, config: Config) -> dict[str, Any]:
        return self.status.as_row(config) | {
            "lead_names": self.lead_names,
            "cooperate_names": self.cooperate_names,
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class BoardPage:
    rows: list[PageRow]  # this page's, most urgent first
    total: int  # rows the filter matches, on every page
    page: int
    pages: int
    counts: dict[str, int]  # per light, before the filter's light
    filter: BoardFilter
    offices: list[Office]
    sections: list[str]


@dataclass(frozen=True, kw_only=True, slots=True)
class OfficePage:
    office: Office
    rows: list[PageRow]  # open now, and of each task the next one
    done: list[PageRow]  # the latest closed, newest first
    history: tuple[AuditRow, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class DeadlinePage:
    deadline: Deadline
    rule: str  # in words
    rows: list[PageRow]
    first_lead: str
    lead_names: str
    cooperate_names: str
    log: list[LogEntry]  # what was tried, newest first
    not_sent: dict[str, int]  # reminders never sent, by status in words


def _row(
    config: Config,
    r: StatusRow,
    *,
    office: str | None = None,
    audit: tuple[AuditRow, ...] = (),
    acked: dict[str, datetime] | None = None,
    word: Word | None = None,
) -> PageRow:
    d = config.deadline_by_id[r.deadline]
    role, may_close = None, False
    if office is not None:
        roles = {role for o, role in config.recipients(d) if o == office}
        role = "lead" if "lead" in roles else "cooperate"
        may_close = permitted(config, d, office, Action.DONE)
    return PageRow(
        status=r,
        lead_names=named(config, d.lead),
        cooperate_names=named(config, d.cooperate),
        done_by_name=config.office_names.get(r.done_by, r.done_by) if r.done_by else None,
        role=role,
        may_close=may_close,
        audit=audit,
        lead_links=linked(config, d.lead),
        cooperate_links=linked(config, d.cooperate),
        signed=progress.signed(config, on_task(r), acked),
        word=word,
        acked_at=(acked or {}).get(office) if office else None,
    )


def board(
    config: Config,
    engine: Engine,
    now: datetime,
    f: BoardFilter,
    *,
    page: int = 1,
    size: int | None = None,
) -> BoardPage:
    """The board's rows, most urgent first; `size` rows of page `page` (all when None). Reads
    where every task stands once per change (`status.standing`); the words of a row (names,
    links, 签收, the latest 反馈) only for the rows of the page, and a page once per change."""
    f.check(config)
    st = standing(config, engine, now)
    if size is None:  # every row (the API): not kept
        return _board(config, engine, st, f, page, size)
    return st.derived(("board", f, page, size), lambda: _board(config, engine, st, f, page, size))


def _board(
    config: Config, engine: Engine, st: Standing, f: BoardFilter, page: int, size: int | None
) -> BoardPage:
    acks, counts = st.acks, st.counts(f.office)
    shown = [
        r
        for r, on in zip(*(st.unsigned(f.office) if f.unsigned else st.urgent), strict=True)
        if (not f.office or f.office in on)
        and (not f.section or r.section == f.section)
        and (not f.light or r.light == f.light)
        and (not f.kind or r.kind == f.kind)
    ]
    total = len(shown)
    if size is not None:
        page = min(page, max(1, -(-total // size)))  # past the end: the last page
        shown = shown[(page - 1) * size : page * size]
    words = progress.latest_words(config, engine, {r.key for r in shown})
    return BoardPage(
        rows=[_row(config, r, acked=acks.get(r.key), word=words.get(r.key)) for r in shown],
        total=total,
        page=page,
        pages=max(1, -(-total // size)) if size else 1,
        counts={light: counts.get(light, 0) for light in LIGHTS},
        filter=f,
        offices=list(config.offices.values()),  # in the file's order
        sections=section_order(config),
    )


def audit_rows(config: Config, found: list[Any]) -> tuple[AuditRow, ...]:
    tz = config.settings.tz
    return tuple(
        AuditRow(
            at=a.at.astimezone(tz),
            office=config.office_names.get(a.office_id, a.office_id),
            action=labels.action(a.action),
            actor=a.actor,
            via=a.via,
            note=a.note,
            deadline=a.deadline_id,
        )
        for a in found
    )


def office_page(config: Config, engine: Engine, office_id: str, now: datetime) -> OfficePage:
    office = config.offices.get(office_id)
    if office is None:
        raise NotFound(office_id)
    today = now.astimezone(config.settings.tz).date()
    acks = standing(config, engine, now).acks
    rows = [
        _row(config, r, office=office_id, acked=acks.get(r.key))
        for r in status_rows(config, engine, now, frozenset([office_id]))
    ]
    current = [r for r in rows if r.light in ("red", "yellow", "green")]
    # This period and the next: what is open now, and of each task the next one due.
    seen: set[str] = set()
    now_and_next = []
    for r in current:
        overdue = r.due < today
        if overdue or r.deadline not in seen:
            now_and_next.append(r)
            if not overdue:  # an overdue period does not hide the current one
                seen.add(r.deadline)
    with transaction(engine) as s:
        history = actions.of_office(s, office_id, limit=50)
    return OfficePage(
        office=office,
        rows=now_and_next,
        done=[r for r in rows if r.light == "done"][-20:][::-1],
        history=audit_rows(config, history),
    )


def deadline_page(config: Config, engine: Engine, deadline_id: str, now: datetime) -> DeadlinePage:
    d = config.deadline_by_id.get(deadline_id)
    if d is None:
        raise NotFound(deadline_id)
    with transaction(engine) as s:
        stored = {o.period_key: o.id for o in completions.occurrences_of(s, deadline_id)}
        audit = actions.of_occurrences(s, list(stored.values()))
    # What was tried, newest first; the reminders never sent (closed before their time, or
    # merged into a later one) are counted, not listed: after 办结 they would fill the page.
    unsent = (LogStatus.CANCELLED.value, LogStatus.SUPERSEDED.value)
    recent = LogQuery(deadline=deadline_id, limit=100, newest_first=True, not_statuses=unsent)
    not_sent = count_by_status(config, engine, LogQuery(deadline=deadline_id, statuses=unsent))
    by_period = {p: audit_rows(config, audit[i]) for p, i in stored.items()}
    rows = [
        _row(config, r, audit=by_period.get(r.period, ()))
        for r in status_rows(config, engine, now, None, deadline=deadline_id)
    ]
    return DeadlinePage(
        deadline=d,
        rule=rule_words(config, d),
        rows=rows,
        first_lead=config.expand(d.lead)[0],
        lead_names=named(config, d.lead),
        cooperate_names=named(config, d.cooperate),
        log=[e for e, _ in read_log(config, engine, recent)],
        not_sent={labels.log_status(k): n for k, n in sorted(not_sent.items()) if n},
    )


def offset_words(o: Offset) -> str:
    if o.amount == 0:
        return "到期当日"
    unit = "天" if o.unit == "d" else "个工作日"
    return f"到期前{o.amount}{unit}" if o.amount > 0 else f"逾期{-o.amount}{unit}"


def rule_words(config: Config, d: Deadline) -> str:
    """The rule as the table says it and as the service reads it."""
    parts = []
    if d.limit:
        parts.append(f"原文时限：{d.limit}")
    parts.append(f"到期规则：{labels.due_rule(d.rule)}")
    offsets = "、".join(offset_words(o) for o in config.remind_offsets(d))
    if d.kind == "routine":
        parts.append(f"例行工作：每期第{config.settings.routine_workday}个工作日提示一次，不催办")
    else:
        parts.append(f"提醒：{offsets}")
    return "；".join(parts)
