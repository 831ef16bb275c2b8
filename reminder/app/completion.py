"""Which occurrence a `done` or `reopen` means, and where each task stands (`status`)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from reminder.calendar.leadtime import lead_day
from reminder.calendar.workcal import SHIFT_SLACK
from reminder.config.model import Config, Deadline
from reminder.errors import AppError
from reminder.planning.model import Occurrence
from reminder.planning.planner import occurrence_values, occurrences
from reminder.store import completions, planned
from reminder.store.models import OccurrenceRow

LOOK = timedelta(days=2 * 366)


class NoOccurrence(AppError):
    """The occurrence asked for (by period, due date, or the current or latest done one) does
    not exist."""

    code = "no-occurrence"


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
    """The occurrence named by --period or --due, else the current one (`_current`); for a
    reopen, the latest done."""
    rows = completions.occurrences_of(session, d.id)
    if period is not None or due is not None:
        found = [o for o in rows if o.period_key == period or due in (o.due, o.nominal_due)]
        if found:
            return found[0]
        made = _from_rule(session, config, d, today, now, period=period, due=due)
        if made is None:
            what = f"period {period}" if period else f"due date {due}"
            raise NoOccurrence(f"{d.id} has no occurrence with {what}")
        return made
    begun = [o for o in rows if o.period_start <= today]
    done = completions.done_among(session, [o.id for o in begun])
    if not want_open:
        closed = [o for o in begun if o.id in done]
        if closed:
            return closed[-1]  # the latest done: the one a slip of the hand just closed
        raise NoOccurrence(f"{d.id} has no done occurrence", ask="period")
    current = _current(session, [o for o in begun if o.id not in done], d.id, today)
    if current is not None:
        return current
    raise NoOccurrence(f"{d.id} has no open occurrence whose period has begun", ask="period")


def _current(
    session: Session, open_rows: list[OccurrenceRow], deadline_id: str, today: date
) -> OccurrenceRow | None:
    """The current period: the one the next reminder is about; else the first not yet due;
    else the latest overdue one. Never an older one because it is older."""
    by_id = {o.id: o for o in open_rows}
    following = planned.next_waiting_occurrence(session, deadline_id)
    if following in by_id:
        return by_id[following]
    ahead = [o for o in open_rows if o.due >= today]
    if ahead:
        return ahead[0]
    return open_rows[-1] if open_rows else None


@dataclass(frozen=True, kw_only=True, slots=True)
class Which:
    """The occurrence a `done` or `reopen` names, who says so, and the administrator acting
    for that office (`--by`), if one does."""

    deadline: str
    office: str
    period: str | None = None
    due: date | None = None
    by: str | None = None


def local_minute(config: Config, moment: datetime) -> str:
    """An instant as offices and supervisors read it: local time, to the minute."""
    return moment.astimezone(config.settings.tz).strftime("%Y-%m-%d %H:%M")


def light(config: Config, d: Deadline, due: date, today: date) -> str:
    """督办 light: red when overdue; yellow from the farthest lead time before due (the window
    the messages call 即将到期) to the due day; else green. A routine duty is never overdue
    (it is not chased): once its period is over it is "past"."""
    if today > due:
        return "past" if d.kind == "routine" else "red"
    positive = [o for o in config.remind_offsets(d) if o.amount > 0]
    if not positive:
        return "yellow" if today == due else "green"
    # A routine duty is not chased and its messages never say 即将到期: near from its last
    # lead time only, as before.
    pick = min if d.kind == "routine" else max
    start = lead_day(config.calendar(), due, pick(positive, key=lambda o: o.span))
    return "yellow" if today >= start else "green"


@dataclass(frozen=True, slots=True)
class Entry:
    """An occurrence on the board as the rules give it, before completions are laid over it."""

    deadline: Deadline
    occurrence: Occurrence
    light: str  # as if open
    left: int  # working days from today to the due date
    offices: frozenset[str]  # every office on the task
    lead: str
    cooperate: str


_ENTRIES: dict[tuple[int, date, int], tuple[Config, list[Entry]]] = {}
_ENTRIES_LOCK = threading.Lock()


def board_entries(config: Config, today: date, active: dict[str, date]) -> list[Entry]:
    """Every occurrence from a year back to the horizon ahead of the active deadlines, from
    the rules (not the occurrence rows: a frequent task is materialized only a few days ahead,
    and of a stretch the service was down only what catch-up sent). Kept for the day and the
    config: pages ask again and again."""
    key = (id(config), today, hash(frozenset(active.items())))
    found = _ENTRIES.get(key)
    if found is not None and found[0] is config:
        return found[1]
    cal = config.calendar()
    first, last = today - timedelta(days=366), today + timedelta(days=config.delivery.horizon_days)
    entries: list[Entry] = []
    for d in config.deadlines:
        since = active.get(d.id)
        if since is None:
            continue
        offices = frozenset(o for o, _ in config.recipients(d))
        lead, cooperate = ",".join(config.expand(d.lead)), ",".join(config.expand(d.cooperate))
        entries += [
            Entry(
                deadline=d,
                occurrence=occ,
                light=light(config, d, occ.due, today),
                left=cal.workdays_between(today, occ.due),
                offices=offices,
                lead=lead,
                cooperate=cooperate,
            )
            for occ in occurrences(config, cal, d, first - SHIFT_SLACK, last + SHIFT_SLACK)
            if max(first, since) <= occ.due <= last
        ]
    entries.sort(key=lambda e: (e.occurrence.due, e.deadline.task or 0, e.deadline.id))
    with _ENTRIES_LOCK:  # two requests' threads keeping theirs at once: one evicts at a time
        while len(_ENTRIES) >= 4:
            _ENTRIES.pop(next(iter(_ENTRIES)))
        _ENTRIES[key] = (config, entries)
    return entries
