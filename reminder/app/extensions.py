"""情况说明 and 延期: what the lead office of an occurrence submits about it, and what an
administrator answers.

A lead office (or an administrator acting for it) may give a 情况说明 (a reason and the day it
plans to finish: its overdue chase is quiet until then, the escalation and the 通报 go on) or
ask for 延期 (a new due date and a reason, pending until an administrator approves or refuses
it); an administrator may also grant a 延期 directly. An approved 延期 moves the occurrence's
effective due date: planning plans its reminders to it, and the 通报 counts it on time when it
is done by then. Every submission and decision is an audit row; nothing changes on a refusal.
The command line, the pages and the API all come through here.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from reminder.app.actions import (
    Actor,
    AlreadyDone,
    Refused,
    checked_note,
    deadline_of,
    known_office,
    local_today,
    roles_of,
)
from reminder.app.completion import Which, find_occurrence, local_minute
from reminder.app.plan import plan_outbox
from reminder.config.model import Config, Deadline
from reminder.errors import AppError
from reminder.store import actions, completions, submissions
from reminder.store.engine import PLAN_LOCK, serialize, transaction
from reminder.store.models import OccurrenceRow
from reminder.vocabulary import Submission, SubmissionStatus

EXPLAIN, EXTEND = Submission.EXPLAIN, Submission.EXTEND
APPROVED, REFUSED = SubmissionStatus.APPROVED, SubmissionStatus.REFUSED


class BadDate(AppError):
    """A date refused: before today ("date-past": `date`, `today`), or a new due date not
    after the current one ("not-after-due": `date`, `due`)."""

    def __init__(self, message: str, *, code: str, **fields: str) -> None:
        super().__init__(message, **fields)
        self.code = code


class ReasonRequired(AppError):
    """A 情况说明, a 延期 request or a refusal of one without a reason."""

    code = "reason-required"


class RoutineDuty(AppError):
    """A 情况说明 or 延期 for a routine duty: it is never overdue, nothing to explain."""

    code = "routine-duty"


class AlreadyPending(AppError):
    """A second 延期 request while the office's first (`date`) is still undecided."""

    code = "extension-pending"


class NotPending(AppError):
    """A decision on a 延期 request decided already (`status`)."""

    code = "not-pending"


class NoSubmission(AppError):
    """A decision on a 延期 request that does not exist."""

    code = "no-submission"


def _reason(text: str | None, *, required: bool) -> str | None:
    """The reason as kept: the note checks (length, no control or bidi characters)."""
    reason = checked_note(text)
    if reason is None:
        if required:
            raise ReasonRequired("a reason is needed")
        return None
    return reason


def _checked(
    config: Config, which: Which, actor: Actor | None, verb: str
) -> tuple[Deadline, Actor]:
    """The deadline, if `which.office` leads it and it is time-limited; who acts."""
    d = deadline_of(config, which.deadline)
    known_office(config, which.office)
    if "lead" not in roles_of(config, d, which.office):
        leads = config.expand(d.lead)
        raise Refused(
            f"{which.office} does not lead {d.id} (its lead: {', '.join(leads)}): only a lead "
            "office can explain a delay or have its due date extended",
            code="lead-only",
            action=verb,
            lead="、".join(config.office_names.get(o, o) for o in leads),
        )
    if d.kind == "routine":
        raise RoutineDuty(f"{d.id} is a routine duty: it is never overdue", action=verb)
    return d, actor or Actor(office=which.office, admin=which.by)


def _not_past(until: date, today: date, what: str) -> None:
    if until < today:
        raise BadDate(
            f"{what} {until} is before today ({today})",
            code="date-past",
            date=until.isoformat(),
            today=today.isoformat(),
        )


def _later(until: date, due: date, today: date) -> None:
    """A new due date: not before today, after the current due date."""
    _not_past(until, today, "the new due date")
    if until <= due:
        raise BadDate(
            f"the new due date {until} is not after the current one ({due})",
            code="not-after-due",
            date=until.isoformat(),
            due=due.isoformat(),
        )


def _open(s: Session, config: Config, occ: OccurrenceRow) -> date:
    """The occurrence's current due date (after an approved 延期), if it is not done."""
    done = completions.open_completion(s, occ.id)
    if done is not None:
        when = local_minute(config, done.completed_at)
        raise AlreadyDone(
            f"{occ.deadline_id} {occ.period_key} was already marked done by {done.office_id} "
            f"at {when}",
            by=done.office_id,
            at=when,
        )
    return submissions.extended_dues(s, [occ.id]).get(occ.id, occ.due)


def _audit(
    s: Session, occ: OccurrenceRow, office: str, actor: Actor, verb: str, note: str, now: datetime
) -> None:
    actions.record(
        s,
        at=now,
        occurrence_id=occ.id,
        deadline_id=occ.deadline_id,
        office_id=office,
        action=verb,
        note=note,
        actor=actor.label,
        via=actor.via,
        client=actor.client,
    )


def _occurrence(
    s: Session, config: Config, d: Deadline, which: Which, now: datetime
) -> OccurrenceRow:
    serialize(s, PLAN_LOCK)
    today = local_today(config, now)
    return find_occurrence(s, config, d, today, now, period=which.period, due=which.due)


def submit_explanation(
    config: Config,
    engine: Engine,
    now: datetime,
    which: Which,
    *,
    until: date,
    reason: str | None,
    actor: Actor | None = None,
) -> str:
    """A 情况说明: the lead office's overdue chase is quiet until `until` (not before today)."""
    d, actor = _checked(config, which, actor, EXPLAIN)
    text = _reason(reason, required=True)
    assert text is not None
    _not_past(until, local_today(config, now), "the planned date")
    with transaction(engine) as s:
        occ = _occurrence(s, config, d, which, now)
        _open(s, config, occ)
        submissions.add(
            s,
            occurrence_id=occ.id,
            office_id=which.office,
            kind=EXPLAIN,
            reason=text,
            until=until,
            status=APPROVED,
            decided_at=now,
            created_at=now,
        )
        _audit(s, occ, which.office, actor, EXPLAIN, f"{until.isoformat()}：{text}", now)
    report = plan_outbox(config, engine, now)
    return (
        f"{d.id} {occ.period_key}: 情况说明 by {which.office}, planned for {until}; its overdue "
        f"reminders wait until then ({report.changes.summary()})"
    )


def request_extension(
    config: Config,
    engine: Engine,
    now: datetime,
    which: Which,
    *,
    until: date,
    reason: str | None,
    actor: Actor | None = None,
) -> str:
    """A 延期 request, pending until an administrator approves or refuses it."""
    d, actor = _checked(config, which, actor, EXTEND)
    text = _reason(reason, required=True)
    assert text is not None
    with transaction(engine) as s:
        occ = _occurrence(s, config, d, which, now)
        _later(until, _open(s, config, occ), local_today(config, now))
        waiting = submissions.pending_extension(s, occ.id, which.office)
        if waiting is not None:
            raise AlreadyPending(
                f"{d.id} {occ.period_key}: {which.office} asked for {waiting.until} already; "
                "it waits for an administrator",
                date=waiting.until.isoformat(),
            )
        row = submissions.add(
            s,
            occurrence_id=occ.id,
            office_id=which.office,
            kind=EXTEND,
            reason=text,
            until=until,
            status=SubmissionStatus.PENDING,
            created_at=now,
        )
        _audit(s, occ, which.office, actor, EXTEND, f"{until.isoformat()}：{text}", now)
    return f"{d.id} {occ.period_key}: 延期 to {until} requested by {which.office} (#{row.id})"


def decide_extension(
    config: Config,
    engine: Engine,
    now: datetime,
    submission_id: int,
    *,
    approve: bool,
    by: str,
    answer: str | None = None,
    via: str = "login",
    client: str | None = None,
) -> str:
    """An administrator (`by`) approves or refuses a pending 延期 request; a refusal says why.
    An approval moves the occurrence's due date and plans its reminders again."""
    text = _reason(answer, required=not approve)
    verb = APPROVED if approve else REFUSED
    with transaction(engine) as s:
        serialize(s, PLAN_LOCK)
        row = submissions.get(s, submission_id)
        if row is None or row.kind != EXTEND:
            raise NoSubmission(f"no 延期 request #{submission_id}")
        if row.status != SubmissionStatus.PENDING:
            raise NotPending(f"延期 request #{row.id} is {row.status} already", status=row.status)
        occ = completions.occurrence(s, row.occurrence_id)
        assert occ is not None  # a foreign key
        if approve:
            current = submissions.extended_dues(s, [occ.id]).get(occ.id, occ.due)
            _later(row.until, current, local_today(config, now))
        submissions.decide(row, verb, by, text, now)
        actor = Actor(office=row.office_id, admin=by, via=via, client=client)
        note = f"{row.until.isoformat()}：{text}" if text else row.until.isoformat()
        _audit(s, occ, row.office_id, actor, verb, note, now)
    if not approve:
        return f"{occ.deadline_id} {occ.period_key}: 延期 to {row.until} refused by {by}"
    report = plan_outbox(config, engine, now)
    return (
        f"{occ.deadline_id} {occ.period_key}: due {row.until} now, approved by {by} "
        f"({report.changes.summary()})"
    )


def grant_extension(
    config: Config,
    engine: Engine,
    now: datetime,
    which: Which,
    *,
    until: date,
    by: str,
    reason: str | None = None,
) -> str:
    """An administrator (`by`) moves a lead office's occurrence to a new due date at once."""
    d, _ = _checked(config, which, None, EXTEND)
    text = _reason(reason, required=False)
    actor = Actor(office=which.office, admin=by, via="cli")
    with transaction(engine) as s:
        occ = _occurrence(s, config, d, which, now)
        before = _open(s, config, occ)
        _later(until, before, local_today(config, now))
        submissions.add(
            s,
            occurrence_id=occ.id,
            office_id=which.office,
            kind=EXTEND,
            reason=text or "",
            until=until,
            status=APPROVED,
            decided_by=by,
            decided_at=now,
            created_at=now,
        )
        note = f"{until.isoformat()}：{text}" if text else until.isoformat()
        _audit(s, occ, which.office, actor, APPROVED, note, now)
    report = plan_outbox(config, engine, now)
    return (
        f"{d.id} {occ.period_key} (due {before}) extended to {until} for {which.office} by "
        f"{by}; {report.changes.summary()}"
    )
