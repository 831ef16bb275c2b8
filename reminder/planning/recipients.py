"""Who gets a deadline's reminders, and what every occurrence of it shares (recipients with
their roles, escalation offices, sorted lead times, send time): worked out once per planning
run and shared by deadlines of the same shape. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from reminder.calendar.rules import Offset
from reminder.config.model import Config, Deadline, Role
from reminder.planning.memo import PlanMemo


@dataclass(frozen=True, slots=True)
class Fixed:
    """What every occurrence of one deadline shares: worked out once, not per occurrence."""

    recipients: tuple[tuple[str, Role], ...]
    escalation: tuple[tuple[str, Role], ...]
    offsets: tuple[tuple[Offset, str], ...]  # nearest first, with their step names
    farthest: tuple[Offset, ...]  # the longest lead time in days and in working days
    send_time: time
    official: dict[int, bool]


def fixed_for(config: Config, deadline: Deadline, memo: PlanMemo) -> Fixed:
    """The deadline's `Fixed`, worked out once per planning run."""
    key = ("fixed", deadline.id, id(config))
    found: Fixed | None = memo.get(key)
    if found is None:
        # Deadlines with the same offices, lead times and send time share one.
        shape = (
            "fixed",
            deadline.lead,
            deadline.cooperate,
            config.remind_offsets(deadline),
            config.send_time_for(deadline),
            id(config),
        )
        found = memo.get(shape)
        if found is None:
            found = memo.put(shape, _make(config, deadline))
        memo.put(key, found)
    return found


def _make(config: Config, deadline: Deadline) -> Fixed:
    recipients = tuple(config.recipients(deadline))
    on_task = {office for office, _ in recipients}
    escalation = tuple(
        (o, "escalation") for o in config.expand(config.settings.escalate_to) if o not in on_task
    )
    offsets = sorted(config.remind_offsets(deadline), key=lambda o: (o.amount, o.unit == "d"))
    return Fixed(
        recipients=recipients,
        escalation=escalation,  # type: ignore[arg-type]
        offsets=tuple((o, str(o)) for o in offsets),
        farthest=tuple({o.unit: o for o in offsets}.values()),  # sorted: the last of each unit
        send_time=config.send_time_for(deadline),
        official={},
    )


def offices_reminded(
    config: Config, deadline: Deadline, memo: PlanMemo | None = None
) -> frozenset[str]:
    """Every office a reminder of this deadline can go to, escalation included."""
    fixed = fixed_for(config, deadline, PlanMemo() if memo is None else memo)
    return frozenset(office for office, _ in fixed.recipients + fixed.escalation)
