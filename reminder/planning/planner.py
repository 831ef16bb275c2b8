"""From config and calendar to occurrences and the reminders each office gets. Pure date logic.

Nothing here reads the clock, the database or the network: callers pass the window.

Rules, in one place (the days themselves are worked out in `days`, the policies in `cadence`):
- a due date on a non-working day moves by `shift` ("before", "after" or "none");
- a lead time in ``d`` counts calendar days and lands on the previous working day when it
  hits a rest day; ``wd`` counts working days; ``0d`` is the due day itself;
- lead offices get every lead time and the overdue chase (1, 3, 5 working days after, then
  every `overdue_every`, up to `overdue_limit`), which stops at the next occurrence's due date;
  cooperating offices get their fewer lead times and no chase;
- from `escalate_after` on, each chase also goes to the escalation offices, unless they lead
  the task (a cooperating 督办 office hears it all the same);
- from `leader_after` on, a chase round also goes to the lead offices' 分管领导, a week apart
  at most;
- a routine duty is one check a period, in the month of its nominal due;
- an office with a weekly digest gets what is not urgent on its digest day;
- two lead times landing on the same day for the same office make one reminder.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from reminder.calendar.leadtime import Shift, lead_day, lookahead, shift_due
from reminder.calendar.rules import FIRST_DAY, DueRule, Offset
from reminder.calendar.workcal import WorkCalendar
from reminder.config.model import Config, Deadline, Role
from reminder.planning.cadence import weekly_digest
from reminder.planning.days import reminder_days
from reminder.planning.memo import PlanMemo
from reminder.planning.model import Occurrence, PlannedReminder
from reminder.planning.recipients import Fixed, fixed_for

ROLE_ORDER = {"lead": 0, "cooperate": 1, "escalation": 2, "leader": 3}
TOLD_UPWARDS = frozenset({"escalation", "leader"})  # their reminders are of kind "escalation"


FREQUENT_AHEAD = timedelta(days=2)


def plan_ahead(config: Config, deadline: Deadline) -> timedelta:
    """How far past today a deadline's reminders go into the outbox: the horizon, or two days
    for a frequent rule (planning runs daily; more would be rows that every re-plan compares
    and, after downtime, every catch-up supersedes)."""
    horizon = timedelta(days=config.delivery.horizon_days)
    return min(horizon, FREQUENT_AHEAD) if deadline.rule.frequent else horizon


def occurrences(
    config: Config,
    cal: WorkCalendar,
    deadline: Deadline,
    first: date,
    last: date,
    memo: PlanMemo | None = None,
) -> list[Occurrence]:
    """Occurrences whose nominal due falls in [first, last], each knowing its period."""
    shift = config.shift_for(deadline)
    dates = _occurrence_dates(
        cal, deadline.rule, shift, first, last, PlanMemo() if memo is None else memo
    )
    return [_occurrence(deadline, d) for d in dates]


def occurrence_values(occ: Occurrence, cal: WorkCalendar) -> dict[str, date | bool]:
    """The stored form of an occurrence, made here only: `provisional` means that its due date
    (nominal or effective) lies in a year without an official holiday schedule."""
    years = range(min(occ.nominal_due, occ.due).year, max(occ.nominal_due, occ.due).year + 1)
    return {
        "period_start": occ.period_start,
        "nominal_due": occ.nominal_due,
        "due": occ.due,
        "provisional": not all(cal.is_official(y) for y in years),
    }


def _occurrence(deadline: Deadline, dates: _Dates) -> Occurrence:
    key, start, nominal, due, next_due = dates
    return Occurrence(
        deadline_id=deadline.id,
        period_key=key,
        period_start=start,
        nominal_due=nominal,
        due=due,
        next_due=next_due,
    )


_Dates = tuple[str, date, date, date, date | None]  # period key, start, nominal, due, next due


def _occurrence_dates(
    cal: WorkCalendar, rule: DueRule, shift: Shift, first: date, last: date, memo: PlanMemo
) -> tuple[_Dates, ...]:
    """The dates of `occurrences`, worked out once per rule (by its text), shift and window."""
    key = ("occurrences", type(rule), rule.text, rule.start, rule.end, shift, first, last)
    found: tuple[_Dates, ...] | None = memo.get(key)
    if found is not None:
        return found
    dues = rule.dues_between(first, last, cal)
    out: list[_Dates] = []
    if dues:
        following = rule.next_after(dues[-1].nominal, cal)
        previous = rule.previous_before(dues[0].nominal, cal)
        for i, due in enumerate(dues):
            before = previous.nominal if i == 0 and previous else dues[i - 1].nominal if i else None
            nxt = dues[i + 1] if i + 1 < len(dues) else following
            out.append(
                (
                    due.period_key,
                    before + timedelta(days=1) if before else (rule.start or FIRST_DAY),
                    due.nominal,
                    shift_due(cal, due.nominal, shift),
                    shift_due(cal, nxt.nominal, shift) if nxt else None,
                )
            )
    return memo.put(key, tuple(out))


def reminders_for(
    config: Config,
    cal: WorkCalendar,
    deadline: Deadline,
    occ: Occurrence,
    first: date,
    last: date,
    fixed: Fixed,
    memo: PlanMemo,
    *,
    overdue: bool = True,
    now: bool = False,
) -> list[PlannedReminder]:
    """Every reminder of one occurrence whose day falls in [first, last] (without the overdue
    repeats when `overdue` is false). Lead offices get the lead times and the overdue chase
    (with the escalation offices from `escalate_after` on); cooperating offices get their
    fewer lead times; a routine duty is one check a period for both."""
    # A weekly office's reminder moves back to its week's digest day, so the days of the
    # week after the window are looked at too (and those that stay after it dropped): the day
    # a reminder goes out depends on the occurrence only, never on where a window ends.
    window = (first, last + fixed.spill)
    out: list[PlannedReminder] = []
    for who, lead_times, chase in roles(fixed, overdue):
        # Who hears of a day by its reach: the role alone, with the 督办 offices, with leaders.
        up = who + fixed.escalation
        reached = (who, up, up + fixed.leaders)
        for day, step, kind, remind_at, left, years, reach in reminder_days(
            config, cal, fixed, occ, window, lead_times, chase, memo
        ):
            for office, role in reached[reach]:
                out.append(
                    PlannedReminder(
                        deadline=deadline,
                        occurrence=occ,
                        office=office,
                        role=role,
                        step=step,
                        day=day,
                        kind="escalation" if role in TOLD_UPWARDS else kind,
                        remind_at=remind_at,
                        working_days_left=left,
                        provisional_years=years,
                    )
                )
    if not fixed.weekly:
        return out
    floor = cal.next_workday(first) if now else None
    return [r for r in weekly_digest(cal, out, fixed.weekly, floor) if first <= r.day <= last]


Recipients = tuple[tuple[str, Role], ...]
LeadTimes = tuple[tuple[tuple[Offset, str], ...], int]


def roles(fixed: Fixed, overdue: bool) -> list[tuple[Recipients, LeadTimes, bool]]:
    """Who hears on which lead times, chased or not: the leads (chased when `overdue`), then
    the cooperating offices (never chased); a role nobody holds is left out."""
    out: list[tuple[Recipients, LeadTimes, bool]] = [
        (fixed.leads, (fixed.offsets, fixed.lead_token), overdue),
        (fixed.cooperators, (fixed.cooperate_offsets, fixed.cooperate_token), False),
    ]
    return [role for role in out if role[0]]


def sort_key(r: PlannedReminder) -> tuple[datetime, int, str, int, str]:
    return (r.remind_at, r.deadline.task or 0, r.deadline.id, ROLE_ORDER[r.role], r.office)


def plan_deadline(
    config: Config,
    cal: WorkCalendar,
    deadline: Deadline,
    first: date,
    last: date,
    epoch: date,
    *,
    overdue: bool = True,
    memo: PlanMemo | None = None,
    starts_now: bool = False,
) -> list[PlannedReminder]:
    """One deadline's reminders in [first, last], counting occurrences due from `epoch` on.
    `starts_now`: nothing before `first` was planned (a first start, a preview from `first`),
    so a weekly office's reminder whose digest day has passed goes on `first`.

    Only the latest occurrence before `first` can still be overdue inside the window (each
    occurrence's overdue reminders stop at the next one's due date), so the search starts there.
    """
    memo = PlanMemo() if memo is None else memo
    return [
        r
        for occ, fixed in occurrences_touching(config, cal, deadline, first, last, epoch, memo)
        for r in reminders_for(
            config, cal, deadline, occ, first, last, fixed, memo, overdue=overdue, now=starts_now
        )
    ]


def occurrences_touching(
    config: Config,
    cal: WorkCalendar,
    deadline: Deadline,
    first: date,
    last: date,
    epoch: date,
    memo: PlanMemo,
) -> Iterator[tuple[Occurrence, Fixed]]:
    """The deadline's occurrences (due from `epoch` on) that may have a reminder in [first,
    last], each with what the deadline's occurrences share."""
    start = max(epoch, first)
    previous = _previous_nominal(cal, deadline.rule, first, memo)
    if previous is not None and previous >= epoch:
        start = min(start, previous)
    fixed = fixed_for(config, deadline, memo)
    ahead = lookahead(fixed.farthest) + fixed.spill
    shift = config.shift_for(deadline)
    for found in _occurrence_dates(cal, deadline.rule, shift, start, last + ahead, memo):
        # `ahead` is generous. Dues only grow, and lead days with them: from the first
        # occurrence whose earliest reminder falls after the window, none has one inside it.
        due = found[3]
        if due > last and _earliest(cal, fixed, due) > last + fixed.spill:
            return
        yield _occurrence(deadline, found), fixed


def _earliest(cal: WorkCalendar, fixed: Fixed, due: date) -> date:
    """A day on or before the occurrence's first reminder."""
    return min((lead_day(cal, due, o) for o in fixed.farthest), default=due)


def _previous_nominal(cal: WorkCalendar, rule: DueRule, first: date, memo: PlanMemo) -> date | None:
    """The nominal due of the rule's last occurrence before `first`, once per rule and day."""
    key = ("previous", type(rule), rule.text, rule.start, rule.end, first)
    if key not in memo:
        previous = rule.previous_before(first, cal)
        memo.put(key, previous.nominal if previous is not None else None)
    found: date | None = memo.get(key)
    return found


def plan(
    config: Config,
    first: date,
    last: date,
    *,
    epoch: date | None = None,
    offices: set[str] | None = None,
    deadlines: set[str] | None = None,
    cal: WorkCalendar | None = None,
) -> list[PlannedReminder]:
    """All reminders due in [first, last], in time order.

    Occurrences due before `epoch` (default: `first`) are taken as handled, so a preview of a
    window does not dig up the past; later ones count as not done.
    """
    cal = cal or config.calendar()
    epoch = epoch or first
    memo = PlanMemo()
    out: list[PlannedReminder] = []
    for deadline in config.deadlines:
        if deadlines is None or deadline.id in deadlines:
            out += plan_deadline(
                config, cal, deadline, first, last, epoch, memo=memo, starts_now=True
            )
    if offices is not None:
        out = [r for r in out if r.office in offices]
    out.sort(key=sort_key)
    return out
