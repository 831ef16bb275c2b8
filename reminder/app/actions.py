"""What offices and administrators do to an occurrence: 办结 (done), 重新打开 (reopen),
签收 (acknowledge) and 反馈 (a progress note); who may do which; the audit row of each.

Rules: the lead offices of an occurrence may close and reopen it; any office on the task
(lead or cooperating) may acknowledge it and leave feedback; an administrator may do all of
it for any office on the task. An office not on the task can do nothing with it. The command
line, the web pages and the API all come through here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from reminder import labels
from reminder.app.completion import Which, find_occurrence, local_minute
from reminder.app.plan import plan_outbox
from reminder.config.checker import unsafe_character
from reminder.config.model import Config, Deadline
from reminder.errors import AppError
from reminder.store import actions, completions, outbox, planned
from reminder.store.engine import PLAN_LOCK, serialize, transaction
from reminder.store.models import OccurrenceRow
from reminder.vocabulary import Action

NOTE_LIMIT = 2000  # characters of a note or feedback
ACTION_NAMES = {a: labels.ACTIONS[a.value] for a in Action}


class Refused(AppError):
    """An action its actor may not take: an office not on the task ("not-on-task"), or a
    cooperating office closing or reopening ("not-lead", with the task's `lead` offices)."""

    def __init__(self, message: str, *, code: str, **fields: str) -> None:
        super().__init__(message, **fields)
        self.code = code


class AlreadyDone(AppError):
    """办结 of an occurrence that is already done; `by` and `at` say by whom and when."""

    code = "already-done"

    def __init__(self, message: str, *, by: str, at: str) -> None:
        super().__init__(message, by=by, at=at)
        self.by, self.at = by, at


class NotDone(AppError):
    """重新打开 of an occurrence that is not done."""

    code = "not-done"


class PeriodNotBegun(AppError):
    """办结 of an occurrence whose period has not begun (`start`)."""

    code = "period-not-begun"


class NoteRequired(AppError):
    """反馈 without a note."""

    code = "note-required"


class NoteTooLong(AppError):
    """A note or feedback longer than NOTE_LIMIT characters (`length`, `limit`)."""

    code = "note-too-long"


class NoteUnsafe(AppError):
    """A note, feedback or reason with a control or bidirectional character in it (`problem`
    says which): shown on pages and in exports, it could reorder or hide what others read."""

    code = "note-unsafe"


class UnknownName(AppError):
    """A deadline ("unknown-deadline") or office ("unknown-office") the config does not have."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, kw_only=True, slots=True)
class Actor:
    """Who acts: an office (through its link, or named on the command line), or an
    administrator acting for an office; `via` and `client` go into the audit row."""

    office: str
    admin: str | None = None  # the administrator's name when one acts for the office
    via: str = "cli"  # link, login, cli, api
    client: str | None = None

    @property
    def label(self) -> str:
        return f"admin:{self.admin}" if self.admin else f"office:{self.office}"


def roles_of(config: Config, d: Deadline, office: str) -> set[str]:
    return {role for o, role in config.recipients(d) if o == office and role != "escalation"}


def permitted(config: Config, d: Deadline, office: str, action: Action) -> bool:
    """May `office` itself take `action` on an occurrence of `d`?"""
    roles = roles_of(config, d, office)
    if action in (Action.DONE, Action.REOPEN):
        return "lead" in roles
    return bool(roles)


def check_permitted(config: Config, d: Deadline, actor: Actor, action: Action) -> None:
    roles = roles_of(config, d, actor.office)
    if not roles:
        raise Refused(
            f"{actor.office} is not on {d.id}: it can do nothing with it",
            code="not-on-task",
            action=action.value,
        )
    if actor.admin or permitted(config, d, actor.office, action):
        return
    leads = config.expand(d.lead)
    raise Refused(
        f"{actor.office} cooperates on {d.id}; only its lead office(s) ({', '.join(leads)}) "
        "or an administrator may close or reopen it",
        code="not-lead",
        action=action.value,
        lead="、".join(config.office_names.get(o, o) for o in leads),
    )


def checked_note(note: str | None) -> str | None:
    if note is None or not note.strip():
        return None
    if len(note) > NOTE_LIMIT:
        raise NoteTooLong(
            f"the note is {len(note)} characters; at most {NOTE_LIMIT}",
            length=str(len(note)),
            limit=str(NOTE_LIMIT),
        )
    problem = unsafe_character(note.strip(), lines=True)
    if problem is not None:
        raise NoteUnsafe(f"the note {problem}", problem=problem)
    return note.strip()


def deadline_of(config: Config, deadline_id: str) -> Deadline:
    d = config.deadline_by_id.get(deadline_id)
    if d is None:
        raise UnknownName(f"no deadline {deadline_id!r} in {config.path}", code="unknown-deadline")
    return d


def known_office(config: Config, office: str) -> None:
    if office not in config.offices:
        raise UnknownName(f"--office: no office {office!r} in {config.path}", code="unknown-office")


def _audit(
    s: Session, occ: OccurrenceRow, actor: Actor, action: Action, note: str | None, now: datetime
) -> None:
    actions.record(
        s,
        at=now,
        occurrence_id=occ.id,
        deadline_id=occ.deadline_id,
        office_id=actor.office,
        action=action.value,
        note=note,
        actor=actor.label,
        via=actor.via,
        client=actor.client,
    )


def local_today(config: Config, now: datetime) -> date:
    return now.astimezone(config.settings.tz).date()


def mark_done(
    config: Config,
    engine: Engine,
    now: datetime,
    which: Which,
    *,
    note: str | None = None,
    actor: Actor | None = None,
) -> str:
    """Close an occurrence and cancel its waiting reminders."""
    d = deadline_of(config, which.deadline)
    known_office(config, which.office)
    actor = actor or Actor(office=which.office, admin=which.by)
    check_permitted(config, d, actor, Action.DONE)
    note, today = checked_note(note), local_today(config, now)
    with transaction(engine) as s:
        serialize(s, PLAN_LOCK)
        occ = find_occurrence(s, config, d, today, now, period=which.period, due=which.due)
        if today < occ.period_start:
            raise PeriodNotBegun(
                f"{d.id} {occ.period_key} (due {occ.due}) covers {occ.period_start} "
                f"to {occ.nominal_due}: it cannot be done before its period begins",
                start=occ.period_start.isoformat(),
                action=Action.DONE.value,
            )
        existing = completions.open_completion(s, occ.id)
        if existing is not None:
            when = local_minute(config, existing.completed_at)
            raise AlreadyDone(
                f"{d.id} {occ.period_key} was already marked done by "
                f"{existing.office_id} at {when}",
                by=existing.office_id,
                at=when,
            )
        completions.complete(s, occ.id, which.office, note, now)
        waiting = planned.waiting_for_occurrence(s, occ.id)
        outbox.cancel(s, waiting, now, reason=f"done: marked by {which.office}")
        _audit(s, occ, actor, Action.DONE, note, now)
    return (
        f"{d.id} {occ.period_key} (due {occ.due}) marked done by {which.office}; "
        f"{len(waiting)} pending reminder(s) cancelled"
    )


def reopen(
    config: Config, engine: Engine, now: datetime, which: Which, *, actor: Actor | None = None
) -> str:
    """Undo `mark_done`; the occurrence's future reminders are planned again."""
    d = deadline_of(config, which.deadline)
    known_office(config, which.office)
    actor = actor or Actor(office=which.office, admin=which.by)
    check_permitted(config, d, actor, Action.REOPEN)
    today = local_today(config, now)
    with transaction(engine) as s:
        serialize(s, PLAN_LOCK)
        occ = find_occurrence(
            s, config, d, today, now, period=which.period, due=which.due, want_open=False
        )
        existing = completions.open_completion(s, occ.id)
        if existing is None:
            raise NotDone(f"{d.id} {occ.period_key} is not marked done", action="reopen")
        completions.reopen(s, existing, which.office, now)
        _audit(s, occ, actor, Action.REOPEN, None, now)
    report = plan_outbox(config, engine, now)
    return (
        f"{d.id} {occ.period_key} (due {occ.due}) reopened by {which.office}; "
        f"{report.changes.revived + report.changes.added} reminder(s) planned again"
    )


def note_on(
    config: Config,
    engine: Engine,
    now: datetime,
    which: Which,
    actor: Actor,
    action: Action,
    note: str | None = None,
) -> str:
    """签收 or 反馈 on an occurrence (they change no reminder). An office signs once: a
    second 签收 is not logged again."""
    assert action in (Action.ACK, Action.FEEDBACK)
    d = deadline_of(config, which.deadline)
    check_permitted(config, d, actor, action)
    note = checked_note(note)
    if action is Action.FEEDBACK and note is None:
        raise NoteRequired("反馈 needs a note", action=action.value)
    today = local_today(config, now)
    with transaction(engine) as s:
        occ = find_occurrence(s, config, d, today, now, period=which.period, due=which.due)
        signed = actions.acknowledged(s, [occ.id]).get((occ.id, actor.office))
        if action is Action.ACK and signed is not None:  # a second tap logs nothing
            when = local_minute(config, signed)
            return f"{d.id} {occ.period_key}: already acknowledged by {actor.office} at {when}"
        _audit(s, occ, actor, action, note, now)
    return f"{d.id} {occ.period_key}: {ACTION_NAMES[action]} by {actor.office}"


def perform(
    config: Config,
    engine: Engine,
    now: datetime,
    which: Which,
    actor: Actor,
    action: Action,
    note: str | None = None,
) -> str:
    """Any of the four actions, as the pages and the API ask for them."""
    if action is Action.DONE:
        return mark_done(config, engine, now, which, note=note, actor=actor)
    if action is Action.REOPEN:
        return reopen(config, engine, now, which, actor=actor)
    return note_on(config, engine, now, which, actor, action, note)
