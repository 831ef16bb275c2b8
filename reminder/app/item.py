"""One occurrence as its office sees it through a link: the facts, where the office stands
(its role said once, its 签收, the working days left), and who may close it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.engine import Engine

from reminder import links
from reminder.app.actions import permitted
from reminder.app.pages import ROLES, AuditRow, audit_rows, named
from reminder.config.model import Config, Deadline, Office
from reminder.errors import NotFound
from reminder.store import actions, completions, submissions
from reminder.store.engine import transaction
from reminder.store.models import OccurrenceRow
from reminder.vocabulary import Action


@dataclass(frozen=True, kw_only=True, slots=True)
class Closed:
    by: str  # the office's name
    at: datetime  # local
    note: str | None


@dataclass(frozen=True, kw_only=True, slots=True)
class ItemPage:
    deadline: Deadline
    occurrence: OccurrenceRow
    office: Office
    role: str  # lead or cooperate
    role_name: str
    may_close: bool
    first_leads: str  # the lead offices' names, for a cooperating office told who closes
    acked_at: datetime | None  # when this office signed (签收), local
    due: date  # the effective due date (moved by an approved 延期)
    working_days_left: int  # negative: working days overdue
    lead_names: str
    cooperate_names: str
    done: Closed | None
    audit: tuple[AuditRow, ...]


def item_page(
    config: Config, engine: Engine, occurrence_id: int, office_id: str, now: datetime
) -> ItemPage:
    """One occurrence as its office sees it through a link."""
    with transaction(engine) as s:
        occ = completions.occurrence(s, occurrence_id)
        if occ is None:
            raise NotFound(str(occurrence_id))
        done = completions.open_completion(s, occ.id)
        audit = actions.of_occurrence(s, occ.id)
        moved = submissions.extended_by_key(s, occ.due, occ.due)
    d = config.deadline_by_id.get(occ.deadline_id)
    roles = {role for o, role in config.recipients(d) if o == office_id} if d else set()
    if d is None or not roles - {"escalation"}:
        raise NotFound(str(occurrence_id))
    closed = None
    if done is not None:
        by = config.office_names.get(done.office_id, done.office_id)
        closed = Closed(by=by, at=done.completed_at.astimezone(config.settings.tz), note=done.note)
    role = "lead" if "lead" in roles else "cooperate"
    acks = [a.at for a in audit if a.action == Action.ACK.value and a.office_id == office_id]
    due = moved.get((occ.deadline_id, occ.period_key), occ.due)
    today = now.astimezone(config.settings.tz).date()
    return ItemPage(
        deadline=d,
        occurrence=occ,
        office=config.offices[office_id],
        role=role,
        role_name=ROLES[role],
        may_close=permitted(config, d, office_id, Action.DONE),
        first_leads=named(config, d.lead),
        acked_at=acks[0].astimezone(config.settings.tz) if acks else None,
        due=due,
        working_days_left=config.calendar().workdays_between(today, due),
        lead_names=named(config, d.lead),
        cooperate_names=named(config, d.cooperate),
        done=closed,
        audit=audit_rows(config, audit),
    )


def check_reach(engine: Engine, grant: links.Grant, deadline: str, period: str) -> None:
    """An item link acts on its own occurrence only: NotFound for any other."""
    with transaction(engine) as s:
        stored = {o.period_key: o.id for o in completions.occurrences_of(s, deadline)}
    occurrence = stored.get(period)
    if occurrence is None or not grant.reaches(occurrence):
        raise NotFound(f"{deadline} {period}")
