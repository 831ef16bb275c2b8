"""Planning: put every reminder due within the horizon into the outbox, exactly once.

Runs at start, daily, and after every schedules.toml change. Pure date logic comes from
`planner`; this module maps it onto the outbox (one row per office and channel) and lets
`store.planned.reconcile` insert, re-plan and cancel.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from reminder.app.adjustments import Adjustment, adjustments
from reminder.calendar.workcal import WorkCalendar
from reminder.config.model import Config, Deadline
from reminder.planning.coalesce import older
from reminder.planning.memo import PlanMemo
from reminder.planning.model import PlannedReminder
from reminder.planning.planner import (
    occurrence_values,
    occurrences,
    plan_ahead,
    plan_deadline,
    reminders_for,
)
from reminder.planning.recipients import fixed_for, offices_reminded
from reminder.store import planned, schedule
from reminder.store.engine import PLAN_LOCK, serialize, transaction
from reminder.store.planned import PlanChanges, PlanningState, Values
from reminder.vocabulary import NO_CHANNEL

log = logging.getLogger("reminder.plan")


@dataclass(frozen=True, kw_only=True, slots=True)
class PlanReport:
    first: date
    last: date
    changes: PlanChanges

    def summary(self) -> str:
        return f"planned {self.first} to {self.last}: {self.changes.summary()}"

    def then(self, later: PlanReport) -> PlanReport:
        """This plan and a later one (the days ahead after catch-up) as one report."""
        if not later.changes.total:
            return self
        if not self.changes.total:
            return later
        return PlanReport(
            first=min(self.first, later.first),
            last=max(self.last, later.last),
            changes=self.changes + later.changes,
        )


def _start_of(day: date, config: Config) -> datetime:
    return datetime.combine(day, time.min, tzinfo=config.settings.tz)


def _windows(
    config: Config, today: date, planned_on: date | None, caught_up: date | None, same: bool
) -> dict[str, tuple[date, date]]:
    """Per deadline, the days to plan now: up to today + its `plan_ahead`, from the first day
    not planned yet (same config as last time) or from today (after a change). After downtime
    that start lies in the past: the missed stretch is planned too, for catch-up."""
    out: dict[str, tuple[date, date]] = {}
    for deadline in config.deadlines:
        ahead = plan_ahead(config, deadline)
        if planned_on is None:
            first = today
        elif same:
            first = max(planned_on + ahead, caught_up or planned_on) + _DAY
        else:  # re-plan from today, or from the first day not planned (caught up) yet
            first = min(today, max(planned_on, caught_up or planned_on) + _DAY)
        if first <= today + ahead:
            out[deadline.id] = (first, today + ahead)
    return out


_DAY = timedelta(days=1)
_BACK = 4  # days of a missed stretch searched first, doubling until every office has one


def _due_first(
    config: Config,
    cal: WorkCalendar,
    deadline: Deadline,
    window: tuple[date, date],
    epoch: date,
    state: PlanningState,
    now: datetime,
    memo: PlanMemo,
    adjusted: dict[str, Adjustment],
) -> list[PlannedReminder]:
    """The deadline's reminders in `window`, except those due by `now` that a later one also
    due by then replaces (catch-up would supersede them at once: per office only the latest
    goes, see `outbox.coalesce_backlog`).

    A missed stretch is searched backwards from today, in doubling steps, only until every
    office the deadline reminds has a reminder due: a month of a daily task costs a few days.
    """
    first, last = window

    def skip(r: PlannedReminder) -> bool:  # an occurrence marked done
        return (r.deadline.id, r.occurrence.period_key) in state.completed

    today = now.astimezone(config.settings.tz).date()
    start = max(first, today)
    out = [
        r
        for r in _adjusted(
            config, cal, deadline, (start, last), epoch, memo, adjusted, start == today
        )
        if not skip(r)
    ]
    if first < start:
        offices = offices_reminded(config, deadline, memo)
        covered = {r.office for r in out if r.remind_at <= now}
        end, step = start - _DAY, _BACK
        while end >= first and not covered >= offices:
            begin = max(first, end - timedelta(days=step - 1))
            earlier = [
                r
                for r in _adjusted(config, cal, deadline, (begin, end), epoch, memo, adjusted)
                if not skip(r)
            ]
            covered.update(r.office for r in earlier)  # all due: they fall before today
            out = earlier + out
            end, step = begin - _DAY, step * 2
    due = [r for r in out if r.remind_at <= now]
    replaced = {id(r) for r in older(due, lambda r: r.office, lambda r: r.remind_at)}
    return [r for r in out if id(r) not in replaced]


def _adjusted(
    config: Config,
    cal: WorkCalendar,
    deadline: Deadline,
    window: tuple[date, date],
    epoch: date,
    memo: PlanMemo,
    adjusted: dict[str, Adjustment],
    starts_now: bool = False,
) -> list[PlannedReminder]:
    """The planner's reminders in `window`, as 延期 and 情况说明 leave them (`adjusted`, by
    period): an extended occurrence is planned to its new due date instead (the lead times
    before it, the chase only after it), and a lead office that explained the delay is not
    chased before its planned date (the escalation goes on). Without either: the planner's."""
    first, last = window
    found = plan_deadline(
        config, cal, deadline, first, last, epoch, memo=memo, starts_now=starts_now
    )
    if not adjusted:
        return found
    moved = {period for period, a in adjusted.items() if a.due is not None}
    out = [r for r in found if r.occurrence.period_key not in moved]
    for period in sorted(moved):
        out += _extended(config, cal, deadline, window, epoch, memo, adjusted[period], starts_now)
    return [
        r
        for r in out
        if not (
            r.kind == "overdue"
            and r.role == "lead"
            and (a := adjusted.get(r.occurrence.period_key)) is not None
            and a.quiet(r.office, r.day)
        )
    ]


def _extended(
    config: Config,
    cal: WorkCalendar,
    deadline: Deadline,
    window: tuple[date, date],
    epoch: date,
    memo: PlanMemo,
    a: Adjustment,
    starts_now: bool,
) -> list[PlannedReminder]:
    """The reminders in `window` of an occurrence an approved 延期 moved to `a.due`: the
    planner's occurrence with its due replaced. Their steps name the new due ("0d@2027-03-10"),
    so that a reminder already sent for the old due does not stand in for the new one. The
    occurrence's row exists (the 延期 names it) and keeps the rule's due date."""
    assert a.due is not None
    same = [
        o
        for o in occurrences(config, cal, deadline, a.nominal_due, a.nominal_due, memo)
        if o.period_key == a.period_key
    ]
    if not same or same[0].due < epoch:  # no longer the rule's, or before this deadline began
        return []
    occ = replace(same[0], due=a.due)
    fixed = fixed_for(config, deadline, memo)
    first, last = window
    planned = reminders_for(config, cal, deadline, occ, first, last, fixed, memo, now=starts_now)
    return [replace(r, step=f"{r.step}@{a.due.isoformat()}") for r in planned]


@dataclass
class _Wanted:
    """What one planning run wants: occurrences by key, outbox rows, each deadline's window."""

    occurrences: dict[tuple[str, str], Values] = field(default_factory=dict)
    rows: list[Values] = field(default_factory=list)
    since: dict[str, datetime] = field(default_factory=dict)
    until: dict[str, datetime] = field(default_factory=dict)

    def add(
        self,
        config: Config,
        cal: WorkCalendar,
        deadline: Deadline,
        window: tuple[date, date],
        reminders: list[PlannedReminder],
    ) -> None:
        """A deadline's reminders in `window`: one row per office and channel."""
        self.since[deadline.id] = _start_of(window[0], config)
        self.until[deadline.id] = _start_of(window[1] + _DAY, config)
        for r in reminders:
            key = (deadline.id, r.occurrence.period_key)
            if key not in self.occurrences:
                self.occurrences[key] = occurrence_values(r.occurrence, cal)
            channels = config.channels_for(config.addressee(r.office), r.kind) or (NO_CHANNEL,)
            self.rows += [
                {
                    "deadline_id": deadline.id,
                    "occurrence": key,
                    "kind": r.kind,
                    "step": r.step,
                    "office_id": r.office,
                    "channel": channel,
                    "role": r.role,
                    "remind_at": r.remind_at,
                    "working_days_left": r.working_days_left,
                    "provisional": r.provisional,
                }
                for channel in channels
            ]


def plan_outbox(
    config: Config,
    engine: Engine,
    now: datetime,
    *,
    digest: str | None = None,
    today_only: bool = False,
    patience: timedelta | None = None,
) -> PlanReport:
    """Materialize reminders up to today + each deadline's `plan_ahead`.

    With the same config as last time (`digest` given and equal) only the days not planned yet
    are added; otherwise everything from today (or the day after the last plan, after
    downtime) is planned again and reconciled. Of a missed stretch only what catch-up would
    send is planned: per office, the latest reminder already due.

    `today_only`: with the same config, stop at the end of today, so that a start after
    downtime sends what is due before it plans the days ahead (the next call does). A changed
    config is always planned whole. `patience`: see `sync`.
    """
    today = now.astimezone(config.settings.tz).date()
    with transaction(engine) as session:
        serialize(session, PLAN_LOCK, patience=patience)
        same, windows = _windows_to_plan(session, config, today, digest, today_only)
        if not windows:
            return PlanReport(first=today, last=today, changes=PlanChanges())
        state = planned.planning_state(session)
        wanted = _wanted(session, config, windows, state, now)
        ids = planned.ensure_occurrences(session, wanted.occurrences, now)
        for w in wanted.rows:
            w["occurrence_id"] = ids[w.pop("occurrence")]
        changes = planned.reconcile(
            session,
            wanted.rows,
            since=wanted.since,
            until=wanted.until,
            completed_occurrences=state.completed_ids,
            now=now,
        )
        if today_only and same:
            schedule.set_meta(session, {"caught_up_on": today.isoformat()})
        else:
            planned_digest = digest or ""
            schedule.set_meta(
                session, {"planned_on": today.isoformat(), "planned_digest": planned_digest}
            )
    first, last = min(w[0] for w in windows.values()), max(w[1] for w in windows.values())
    return PlanReport(first=first, last=last, changes=changes)


def _wanted(
    session: Session,
    config: Config,
    windows: dict[str, tuple[date, date]],
    state: PlanningState,
    now: datetime,
) -> _Wanted:
    """Each deadline's reminders in its window, as 情况说明 and 延期 leave them."""
    today = now.astimezone(config.settings.tz).date()
    cal, memo = config.calendar(), PlanMemo()
    by_deadline: dict[str, dict[str, Adjustment]] = {}
    for a in adjustments(session).values():
        by_deadline.setdefault(a.deadline_id, {})[a.period_key] = a
    wanted = _Wanted()
    for deadline in config.deadlines:
        epoch = state.active_since.get(deadline.id)
        window = windows.get(deadline.id)
        if epoch is not None and window is not None:
            # A deadline added or re-enabled after the last plan has no missed stretch.
            window = (max(window[0], min(epoch, today)), window[1])
            adjusted = by_deadline.get(deadline.id, {})
            reminders = _due_first(config, cal, deadline, window, epoch, state, now, memo, adjusted)
            wanted.add(config, cal, deadline, window, reminders)
    return wanted


def _windows_to_plan(
    session: Session, config: Config, today: date, digest: str | None, today_only: bool
) -> tuple[bool, dict[str, tuple[date, date]]]:
    """Whether the config is the one planned last time, and each deadline's window to plan."""
    same = digest is not None and schedule.get_meta(session, "planned_digest") == digest
    planned_on = _planned_on(session, config)
    caught_up = schedule.get_meta(session, "caught_up_on")
    caught_up_on = date.fromisoformat(caught_up) if caught_up else None
    if planned_on is not None and planned_on > today:
        # A pass at a later instant planned this database (`tick --now` into the future, a
        # clock set back since): plan again from today, as after a change of the file; what
        # that pass superseded or put off and never sent is due again (reconcile revives it).
        log.warning(
            "the clock went back: this database was planned on %s, today is %s; planning "
            "again from today",
            planned_on,
            today,
        )
        same, planned_on, caught_up_on = False, None, None
        schedule.set_meta(session, {"caught_up_on": ""})
    windows = _windows(config, today, planned_on, caught_up_on, same)
    if today_only and same:
        windows = {k: (first, today) for k, (first, _) in windows.items() if first <= today}
    return same, windows


def _planned_on(session: Session, config: Config) -> date | None:
    """The day of the last plan (databases planned before `planned_on` was kept have only
    `planned_until`: the horizon after it)."""
    if on := schedule.get_meta(session, "planned_on"):
        return date.fromisoformat(on)
    if until := schedule.get_meta(session, "planned_until"):
        return date.fromisoformat(until) - timedelta(days=config.delivery.horizon_days)
    return None
