"""Planning: put every reminder due within the horizon into the outbox, exactly once.

Runs at start, daily, and after every schedules.toml change. Pure date logic comes from
`planner`; this module maps it onto the outbox (one row per office and channel) and lets
`store.outbox.reconcile` insert, re-plan and cancel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from reminder.coalesce import older
from reminder.config import Config, Deadline
from reminder.planner import PlannedReminder, offices_reminded, plan_ahead, plan_deadline
from reminder.store import outbox, schedule
from reminder.store.engine import serialize, transaction
from reminder.store.outbox import PlanChanges, Values
from reminder.sync import PLAN_LOCK
from reminder.workcal import WorkCalendar

NO_CHANNEL = "none"  # an office with no address at all: its reminders are held, not dropped


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
    skip: Callable[[PlannedReminder], bool],
    now: datetime,
) -> list[PlannedReminder]:
    """The deadline's reminders in `window`, except those due by `now` that a later one also
    due by then replaces (catch-up would supersede them at once: per office only the latest
    goes, see `outbox.coalesce_backlog`).

    A missed stretch is searched backwards from today, in doubling steps, only until every
    office the deadline reminds has a reminder due: a month of a daily task costs a few days.
    """
    first, last = window
    today = now.astimezone(config.settings.tz).date()
    start = max(first, today)
    out = [r for r in plan_deadline(config, cal, deadline, start, last, epoch) if not skip(r)]
    if first < start:
        offices = offices_reminded(config, deadline, cal)
        covered = {r.office for r in out if r.remind_at <= now}
        end, step = start - _DAY, _BACK
        while end >= first and not covered >= offices:
            begin = max(first, end - timedelta(days=step - 1))
            earlier = [
                r for r in plan_deadline(config, cal, deadline, begin, end, epoch) if not skip(r)
            ]
            covered.update(r.office for r in earlier)  # all due: they fall before today
            out = earlier + out
            end, step = begin - _DAY, step * 2
    due = [r for r in out if r.remind_at <= now]
    replaced = {id(r) for r in older(due, lambda r: r.office, lambda r: r.remind_at)}
    return [r for r in out if id(r) not in replaced]


def plan_outbox(
    config: Config,
    engine: Engine,
    now: datetime,
    *,
    digest: str | None = None,
    today_only: bool = False,
) -> PlanReport:
    """Materialize reminders up to today + each deadline's `plan_ahead`.

    With the same config as last time (`digest` given and equal) only the days not planned yet
    are added; otherwise everything from today (or the day after the last plan, after
    downtime) is planned again and reconciled. Of a missed stretch only what catch-up would
    send is planned: per office, the latest reminder already due.

    `today_only`: with the same config, stop at the end of today, so that a start after
    downtime sends what is due before it plans the days ahead (the next call does). A changed
    config is always planned whole.
    """
    tz = config.settings.tz
    today = now.astimezone(tz).date()
    cal = config.calendar()
    with transaction(engine) as session:
        serialize(session, PLAN_LOCK)
        same = digest is not None and schedule.get_meta(session, "planned_digest") == digest
        planned_on = _planned_on(session, config)
        caught_up = schedule.get_meta(session, "caught_up_on")
        caught_up_on = date.fromisoformat(caught_up) if caught_up else None
        windows = _windows(config, today, planned_on, caught_up_on, same)
        if today_only and same:
            windows = {k: (first, today) for k, (first, _) in windows.items() if first <= today}
        if not windows:
            return PlanReport(first=today, last=today, changes=PlanChanges())
        state = outbox.planning_state(session)

        def done(r: PlannedReminder) -> bool:
            return (r.deadline.id, r.occurrence.period_key) in state.completed

        occurrences: dict[tuple[str, str], Values] = {}
        wanted: list[Values] = []
        since: dict[str, datetime] = {}
        until: dict[str, datetime] = {}
        for deadline in config.deadlines:
            epoch = state.active_since.get(deadline.id)
            window = windows.get(deadline.id)
            if epoch is None or window is None:
                continue
            # A deadline added or re-enabled after the last plan has no missed stretch.
            window = (max(window[0], min(epoch, today)), window[1])
            since[deadline.id] = _start_of(window[0], config)
            until[deadline.id] = _start_of(window[1] + _DAY, config)
            for r in _due_first(config, cal, deadline, window, epoch, done, now):
                occ = r.occurrence
                key = (deadline.id, occ.period_key)
                occurrences[key] = {
                    "period_start": occ.period_start,
                    "nominal_due": occ.nominal_due,
                    "due": occ.due,
                    "provisional": r.provisional,
                }
                channels = config.channels_for(config.offices[r.office]) or (NO_CHANNEL,)
                wanted += [
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
        ids = outbox.ensure_occurrences(session, occurrences, now)
        for w in wanted:
            w["occurrence_id"] = ids[w.pop("occurrence")]
        changes = outbox.reconcile(
            session,
            wanted,
            since=since,
            until=until,
            completed_occurrences=state.completed_ids,
            now=now,
        )
        last = max(w[1] for w in windows.values())
        if today_only and same:
            schedule.set_meta(session, {"caught_up_on": today.isoformat()})
        else:
            schedule.set_meta(
                session, {"planned_on": today.isoformat(), "planned_digest": digest or ""}
            )
    return PlanReport(first=min(w[0] for w in windows.values()), last=last, changes=changes)


def _planned_on(session: Session, config: Config) -> date | None:
    """The day of the last plan (databases planned before `planned_on` was kept have only
    `planned_until`: the horizon after it)."""
    if on := schedule.get_meta(session, "planned_on"):
        return date.fromisoformat(on)
    if until := schedule.get_meta(session, "planned_until"):
        return date.fromisoformat(until) - timedelta(days=config.delivery.horizon_days)
    return None
