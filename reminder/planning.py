"""Planning: put every reminder due within the horizon into the outbox, exactly once.

Runs at start, daily, and after every schedules.toml change. Pure date logic comes from
`planner`; this module maps it onto the outbox (one row per office and channel) and lets
`store.outbox.reconcile` insert, re-plan and cancel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy.engine import Engine

from reminder.config import Config
from reminder.planner import plan_deadline
from reminder.store import outbox, schedule
from reminder.store.engine import serialize, transaction
from reminder.store.outbox import PlanChanges, Values
from reminder.sync import PLAN_LOCK

NO_CHANNEL = "none"  # an office with no address at all: its reminders are held, not dropped


@dataclass(frozen=True, kw_only=True, slots=True)
class PlanReport:
    first: date
    last: date
    changes: PlanChanges

    def summary(self) -> str:
        return f"planned {self.first} to {self.last}: {self.changes.summary()}"


def _start_of(day: date, config: Config) -> datetime:
    return datetime.combine(day, time.min, tzinfo=config.settings.tz)


def plan_outbox(
    config: Config, engine: Engine, now: datetime, *, digest: str | None = None
) -> PlanReport:
    """Materialize reminders up to today + horizon.

    With the same config as last time (`digest` given and equal) only the days not planned yet
    are added; otherwise everything from today (or the last planned day, after a long
    downtime) is planned again and reconciled.
    """
    tz = config.settings.tz
    today = now.astimezone(tz).date()
    last = today + timedelta(days=config.delivery.horizon_days)
    cal = config.calendar()
    with transaction(engine) as session:
        serialize(session, PLAN_LOCK)
        planned_until = schedule.get_meta(session, "planned_until")
        # After downtime longer than the horizon, plan the gap too: catch-up will coalesce it.
        first = today
        if planned_until:
            after = date.fromisoformat(planned_until) + timedelta(days=1)
            same = digest is not None and schedule.get_meta(session, "planned_digest") == digest
            first = after if same else min(today, after)
        if first > last:
            return PlanReport(first=first, last=last, changes=PlanChanges())
        state = outbox.planning_state(session)
        occurrences: dict[tuple[str, str], Values] = {}
        wanted: list[Values] = []
        for deadline in config.deadlines:
            since = state.active_since.get(deadline.id)
            if since is None:
                continue
            for r in plan_deadline(config, cal, deadline, first, last, since):
                occ = r.occurrence
                key = (deadline.id, occ.period_key)
                if key in state.completed:
                    continue
                occurrences[key] = {
                    "period_start": occ.period_start, "nominal_due": occ.nominal_due,
                    "due": occ.due, "provisional": r.provisional,
                }  # fmt: skip
                channels = config.channels_for(config.offices[r.office]) or (NO_CHANNEL,)
                wanted += [{
                    "deadline_id": deadline.id, "occurrence": key, "kind": r.kind,
                    "step": r.step, "office_id": r.office, "channel": channel, "role": r.role,
                    "remind_at": r.remind_at, "working_days_left": r.working_days_left,
                    "provisional": r.provisional,
                } for channel in channels]  # fmt: skip
        ids = outbox.ensure_occurrences(session, occurrences, now)
        for w in wanted:
            w["occurrence_id"] = ids[w.pop("occurrence")]
        changes = outbox.reconcile(
            session,
            wanted,
            since=_start_of(first, config),
            completed_occurrences=state.completed_ids,
            now=now,
        )
        schedule.set_meta(
            session,
            {
                "planned_until": max(last.isoformat(), planned_until or ""),
                "planned_digest": digest or "",
            },
        )
    return PlanReport(first=first, last=last, changes=changes)
