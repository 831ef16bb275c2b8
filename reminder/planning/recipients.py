"""Who gets a deadline's reminders, and what every occurrence of it shares (recipients with
their roles, escalation offices, each role's sorted lead times, the overdue policy, send time):
worked out once per planning run and shared by deadlines of the same shape. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import time, timedelta

from reminder.calendar.rules import Offset
from reminder.config.model import Config, Deadline, Overdue, Role
from reminder.planning.memo import PlanMemo

ROUTINE_REACH = Offset(31, "d")  # a routine check goes out in its due's month
WEEKLY_SPILL = timedelta(days=6)  # the furthest a weekly digest moves a reminder back


@dataclass(frozen=True, slots=True)
class Fixed:
    """What every occurrence of one deadline shares: worked out once, not per occurrence."""

    recipients: tuple[tuple[str, Role], ...]
    leads: tuple[tuple[str, Role], ...]  # the recipients that lead, then those that cooperate
    cooperators: tuple[tuple[str, Role], ...]
    escalation: tuple[tuple[str, Role], ...]
    leaders: tuple[tuple[str, Role], ...]  # the lead offices' 分管领导
    offsets: tuple[tuple[Offset, str], ...]  # the lead's, nearest first, with their step names
    cooperate_offsets: tuple[tuple[Offset, str], ...]  # a cooperating office's
    # The longest lead time in days and in working days (for a routine duty, a month: its
    # check goes out in the month of its due).
    farthest: tuple[Offset, ...]
    overdue: Overdue
    leader_after: Offset  # how long overdue before the leaders hear
    routine: bool  # a standing duty: one check a period, never overdue
    send_time: time
    official: dict[int, bool]
    weekly: dict[str, int]  # offices with a weekly digest: their weekday
    spill: timedelta  # how far a weekly digest moves a reminder back (0: none does)
    # What decides the reminder days of each role, as memo tokens (cheap to hash in keys).
    lead_token: int = 0
    cooperate_token: int = 0


def fixed_for(config: Config, deadline: Deadline, memo: PlanMemo) -> Fixed:
    """The deadline's `Fixed`, worked out once per planning run."""
    key = ("fixed", deadline.id, id(config))
    found: Fixed | None = memo.get(key)
    if found is None:
        # Deadlines with the same offices, lead times and send time share one.
        # (What the deadline writes itself; the rest comes from the config's [settings].)
        shape = (
            "fixed",
            deadline.lead,
            deadline.cooperate,
            deadline.remind,
            deadline.cooperate_remind,
            (deadline.overdue, deadline.overdue_every, deadline.overdue_limit),
            (deadline.routine_to, deadline.leader_after),
            deadline.kind,
            deadline.send_time,
            id(config),
        )
        found = memo.get(shape)
        if found is None:
            made = _make(config, deadline)
            s = config.settings
            leader_after = config.leader_after_for(deadline)
            days = (
                made.routine,
                made.send_time,
                s.tz,
                s.escalate_after,
                leader_after,
                s.routine_workday,
            )
            found = memo.put(
                shape,
                replace(
                    made,
                    lead_token=memo.token((made.offsets, made.overdue, *days)),
                    cooperate_token=memo.token((made.cooperate_offsets, None, *days)),
                ),
            )
        memo.put(key, found)
    return found


def _make(config: Config, deadline: Deadline) -> Fixed:
    recipients = tuple(config.recipients(deadline))
    # The 督办 offices hear of an overdue chase even when they cooperate on the task; an
    # office that leads it already gets the chase.
    leading = {office for office, role in recipients if role == "lead"}
    escalation: tuple[tuple[str, Role], ...] = tuple(
        (o, "escalation") for o in config.expand(config.settings.escalate_to) if o not in leading
    )
    leaders: tuple[tuple[str, Role], ...] = tuple(
        (o, "leader") for o in config.leaders_for(deadline)
    )
    routine = deadline.kind == "routine"
    everyone = recipients + escalation + leaders
    weekly = {o: w for o, _ in everyone if (w := _weekday(config, o)) is not None}
    offsets = _sorted(config.remind_offsets(deadline))
    helping = _sorted(config.cooperate_offsets(deadline))
    both = _sorted(offsets + helping)
    return Fixed(
        recipients=recipients,
        leads=tuple(r for r in recipients if r[1] == "lead"),
        cooperators=tuple(r for r in recipients if r[1] == "cooperate"),
        escalation=escalation,
        leaders=leaders,
        offsets=tuple((o, str(o)) for o in offsets),
        cooperate_offsets=tuple((o, str(o)) for o in helping),
        # sorted: the last of each unit
        farthest=tuple({o.unit: o for o in both}.values()) + (ROUTINE_REACH,) * routine,
        overdue=config.overdue_for(deadline),
        leader_after=config.leader_after_for(deadline),
        routine=routine,
        send_time=config.send_time_for(deadline),
        official={},
        weekly=weekly,
        spill=WEEKLY_SPILL if weekly else timedelta(0),
    )


def _weekday(config: Config, office: str) -> int | None:
    return config.addressee(office).digest_weekday


def _sorted(offsets: tuple[Offset, ...]) -> tuple[Offset, ...]:
    return tuple(sorted(set(offsets), key=lambda o: (o.amount, o.unit == "d")))


def offices_reminded(
    config: Config, deadline: Deadline, memo: PlanMemo | None = None
) -> frozenset[str]:
    """Every office (or leader) a reminder of this deadline can go to, escalation included."""
    fixed = fixed_for(config, deadline, PlanMemo() if memo is None else memo)
    return frozenset(office for office, _ in fixed.recipients + fixed.escalation + fixed.leaders)
