"""督办通知单: the numbered document an escalation carries. It names the task, its requirement,
the lead and cooperating offices, the original and (if a 延期 moved it) the new due date, the
working days overdue, the 限期 (settings.overdue_grant from the day it is made) and the reply
route (the item's link). Its number (`[report] notice_number`, kind "notice" in the
document_numbers table) is taken when the escalation is first composed for sending; anything
else that shows the notice (a page's download) only reads it."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from reminder.calendar.leadtime import after
from reminder.config.model import NOTICE_NUMBER, Config
from reminder.delivery.wording import as_named
from reminder.store import numbers, submissions
from reminder.store.models import OccurrenceRow

NOTICE = "notice"
ATTACHMENT_TYPE = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")


@dataclass(frozen=True, kw_only=True, slots=True)
class NoticeFacts:
    """What a 督办通知单 says; `number` is "" while none has been taken."""

    number: str
    task: int | None
    title: str
    requirement: str
    limit: str
    leads: list[str]
    cooperates: list[str]
    due: date  # the planned due date
    extended: date | None  # an approved 延期's new due date
    days: int  # working days overdue, as of `dated`
    grant_amount: int
    grant_unit: str  # "wd" or "d"
    grant: date  # the 限期: done or explained by then
    link: str
    dated: date
    signature: str
    contact: str
    explanation: str = ""  # the lead office's latest 情况说明, if it gave one
    planned: date | None = None  # and the completion it planned there


def can_write() -> bool:
    """Whether python-docx (the web extra) is installed: without it no notice is attached."""
    return importlib.util.find_spec("docx") is not None


def notice_number(config: Config, found: tuple[int, int] | None) -> str:
    pattern = config.report.notice_number if config.report else NOTICE_NUMBER
    return "" if found is None else pattern.format(year=found[0], n=found[1])


def notice_facts(
    config: Config, s: Session, occ: OccurrenceRow, now: datetime, *, link: str, take: bool
) -> NoticeFacts:
    """The notice of one occurrence as of `now`; `take`: number it if it has no number yet."""
    today = now.astimezone(config.settings.tz).date()
    cal = config.calendar()
    d = config.deadline_by_id[occ.deadline_id]
    subject = str(occ.id)
    if take:
        found: tuple[int, int] | None = numbers.take(s, NOTICE, subject, today.year, now)
    else:
        found = numbers.taken(s, NOTICE, subject)
    moved = submissions.extended_dues(s, [occ.id]).get(occ.id)
    said = submissions.latest_explanations(s, [occ.id]).get(occ.id)
    due = moved or occ.due
    grant = config.settings.overdue_grant
    leads = set(config.expand(d.lead))
    return NoticeFacts(
        number=notice_number(config, found),
        task=d.task,
        title=d.title,
        requirement=d.requirement.strip(),
        limit=d.limit,
        leads=as_named(config, d.lead, set()),
        cooperates=as_named(config, d.cooperate, leads),
        due=occ.due,
        extended=moved,
        days=max(cal.workdays_between(due, today), 0),
        grant_amount=grant.amount,
        grant_unit=grant.unit,
        grant=after(cal, today, grant, 1),
        link=link,
        dated=today,
        signature=config.settings.signature,
        contact=config.settings.contact,
        explanation=said.reason if said is not None else "",
        planned=said.until if said is not None else None,
    )


def sample_notice(config: Config) -> NoticeFacts:
    """A notice of the file's first deadline, for rendering the notice templates in `check`."""
    d = config.deadlines[0]
    return NoticeFacts(
        number=notice_number(config, (2027, 1)),
        task=d.task,
        title=d.title,
        requirement=d.requirement,
        limit=d.limit,
        leads=as_named(config, d.lead, set()),
        cooperates=as_named(config, d.cooperate, set(config.expand(d.lead))),
        due=date(2027, 1, 29),
        extended=date(2027, 2, 5),
        days=3,
        grant_amount=3,
        grant_unit="wd",
        grant=date(2027, 2, 15),
        link="https://example.gov.cn/reminder/i/x",
        dated=date(2027, 2, 10),
        signature=config.settings.signature,
        contact=config.settings.contact,
        explanation="数据尚未汇总完毕",
        planned=date(2027, 2, 20),
    )
