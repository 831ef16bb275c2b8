"""`done`, `reopen` and `status`: closing occurrences and showing where each task stands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from reminder.app.plan import plan_outbox
from reminder.calendar.leadtime import lead_day
from reminder.calendar.workcal import SHIFT_SLACK
from reminder.config.model import Config, Deadline
from reminder.errors import UsageError
from reminder.planning.days import Occurrence
from reminder.planning.planner import occurrence_values, occurrences
from reminder.store import completions, outbox, planned
from reminder.store.engine import PLAN_LOCK, serialize, transaction
from reminder.store.models import OccurrenceRow

LOOK = timedelta(days=2 * 366)


def _deadline(config: Config, deadline_id: str) -> Deadline:
    for d in config.deadlines:
        if d.id == deadline_id:
            return d
    raise UsageError(f"no deadline {deadline_id!r} in {config.path}")


def _office(config: Config, office: str) -> None:
    if office not in config.offices:
        raise UsageError(f"--office: no office {office!r} in {config.path}")


def _from_rule(
    session: Session,
    config: Config,
    d: Deadline,
    today: date,
    now: datetime,
    *,
    period: str | None,
    due: date | None,
) -> OccurrenceRow | None:
    """An occurrence not materialized yet (beyond the horizon), found from the rule."""
    cal = config.calendar()
    for occ in occurrences(config, cal, d, today - LOOK, today + LOOK):
        if occ.period_key == period or due in (occ.due, occ.nominal_due):
            key = (d.id, occ.period_key)
            values = occurrence_values(occ, cal)
            ids = planned.ensure_occurrences(session, {key: values}, now)
            return completions.occurrence(session, ids[key])
    return None


def find_occurrence(
    session: Session,
    config: Config,
    d: Deadline,
    today: date,
    now: datetime,
    *,
    period: str | None = None,
    due: date | None = None,
    want_open: bool = True,
) -> OccurrenceRow:
    """The occurrence named by --period or --due, else the earliest whose period has begun."""
    rows = completions.occurrences_of(session, d.id)
    if period is not None or due is not None:
        found = [o for o in rows if o.period_key == period or due in (o.due, o.nominal_due)]
        if found:
            return found[0]
        made = _from_rule(session, config, d, today, now, period=period, due=due)
        if made is None:
            what = f"period {period}" if period else f"due date {due}"
            raise UsageError(f"{d.id} has no occurrence with {what}")
        return made
    for o in rows:
        is_open = completions.open_completion(session, o.id) is None
        if o.period_start <= today and is_open == want_open:
            return o
    state = "open" if want_open else "done"
    raise UsageError(
        f"{d.id} has no {state} occurrence whose period has begun; name one with --period or --due"
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class Which:
    """The occurrence a `done` or `reopen` names, and who says so."""

    deadline: str
    office: str
    period: str | None = None
    due: date | None = None


def _resolve(config: Config, which: Which, now: datetime) -> tuple[Deadline, date]:
    d = _deadline(config, which.deadline)
    _office(config, which.office)
    return d, now.astimezone(config.settings.tz).date()


def mark_done(
    config: Config, engine: Engine, now: datetime, which: Which, *, note: str | None = None
) -> str:
    """Close an occurrence and cancel its waiting reminders."""
    d, today = _resolve(config, which, now)
    with transaction(engine) as s:
        serialize(s, PLAN_LOCK)
        occ = find_occurrence(s, config, d, today, now, period=which.period, due=which.due)
        if today < occ.period_start:
            raise UsageError(
                f"{d.id} {occ.period_key} (due {occ.due}) covers {occ.period_start} "
                f"to {occ.nominal_due}: it cannot be done before its period begins"
            )
        existing = completions.open_completion(s, occ.id)
        if existing is not None:
            raise UsageError(
                f"{d.id} {occ.period_key} was already marked done by "
                f"{existing.office_id} at {_local(config, existing.completed_at)}"
            )
        completions.complete(s, occ.id, which.office, note, now)
        waiting = planned.waiting_for_occurrence(s, occ.id)
        outbox.cancel(s, waiting, now, reason=f"done: marked by {which.office}")
    return (
        f"{d.id} {occ.period_key} (due {occ.due}) marked done by {which.office}; "
        f"{len(waiting)} pending reminder(s) cancelled"
    )


def reopen(config: Config, engine: Engine, now: datetime, which: Which) -> str:
    """Undo `mark_done`; the occurrence's future reminders are planned again."""
    d, today = _resolve(config, which, now)
    with transaction(engine) as s:
        serialize(s, PLAN_LOCK)
        occ = find_occurrence(
            s, config, d, today, now, period=which.period, due=which.due, want_open=False
        )
        existing = completions.open_completion(s, occ.id)
        if existing is None:
            raise UsageError(f"{d.id} {occ.period_key} is not marked done")
        completions.reopen(s, existing, which.office, now)
    report = plan_outbox(config, engine, now)
    return (
        f"{d.id} {occ.period_key} (due {occ.due}) reopened by {which.office}; "
        f"{report.changes.revived + report.changes.added} reminder(s) planned again"
    )


def _local(config: Config, moment: datetime) -> str:
    return moment.astimezone(config.settings.tz).strftime("%Y-%m-%d %H:%M")


def light(config: Config, d: Deadline, due: date, today: date) -> str:
    """督办 light: red when overdue, yellow from the last lead time before due, else green."""
    if today > due:
        return "red"
    positive = [o for o in config.remind_offsets(d) if o.amount > 0]
    if not positive:
        return "yellow" if today == due else "green"
    last_lead = min(positive, key=lambda o: o.span)
    start = lead_day(config.calendar(), due, last_lead)
    return "yellow" if today >= start else "green"


def status_rows(
    config: Config, engine: Engine, now: datetime, offices: frozenset[str] | None
) -> list[dict[str, Any]]:
    """Open and recently done occurrences from a year back to the horizon ahead (of the
    deadlines these offices are on, when given)."""
    tz = config.settings.tz
    today = now.astimezone(tz).date()
    cal = config.calendar()
    first, last = today - timedelta(days=366), today + timedelta(days=config.delivery.horizon_days)
    with transaction(engine) as s:
        active = completions.active_deadlines(s)
        # Stored dues may differ from the rule's (a calendar edited since): look wider.
        done_by_key = completions.done_between(s, first - SHIFT_SLACK, last + SHIFT_SLACK)
    # From the rules, not the occurrence rows: a frequent task is materialized only a few days
    # ahead, and of a stretch the service was down only what catch-up sent; the board is the
    # same either way.
    board: list[tuple[Occurrence, Deadline]] = []
    for d in config.deadlines:
        since = active.get(d.id)
        if since is None:
            continue
        if offices is not None and not offices & {o for o, _ in config.recipients(d)}:
            continue
        board += [
            (occ, d)
            for occ in occurrences(config, cal, d, first - SHIFT_SLACK, last + SHIFT_SLACK)
            if max(first, since) <= occ.due <= last
        ]
    board.sort(key=lambda entry: (entry[0].due, entry[1].task or 0, entry[1].id))
    out: list[dict[str, Any]] = []
    for occ, d in board:
        done = done_by_key.get((d.id, occ.period_key))
        out.append(
            {
                "deadline": d.id,
                "task": d.task,
                "title": d.title,
                "period": occ.period_key,
                "due": occ.due.isoformat(),
                "light": "done" if done else light(config, d, occ.due, today),
                "working_days_left": cal.workdays_between(today, occ.due),
                "lead": ",".join(config.expand(d.lead)),
                "done_by": done.office_id if done else None,
                "done_at": _local(config, done.completed_at) if done else None,
                "note": done.note if done else None,
            }
        )
    return out
