"""Where the 督办 loop stands on each occurrence, as the board shows it: which offices on the
task have signed (签收) and when, and the latest word of the offices (a 反馈 or a 情况说明,
with its date). Read in one query per kind for a whole board, never one per row."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.engine import Engine

from reminder.calendar.workcal import SHIFT_SLACK
from reminder.config.model import Config
from reminder.store import actions, submissions
from reminder.store.engine import transaction

Key = tuple[str, str]  # deadline id, period key


@dataclass(frozen=True, kw_only=True, slots=True)
class Signed:
    """One office on a task, as the board lists it: whether and when it signed (local)."""

    office: str
    name: str
    at: datetime | None


@dataclass(frozen=True, kw_only=True, slots=True)
class Word:
    """The latest 反馈 or 情况说明 on an occurrence: what kind, by whom, when, what it says,
    and for a 情况说明 the planned completion date."""

    kind: str  # feedback, explain
    office: str  # the office's name
    at: datetime  # local
    text: str
    until: date | None = None


def acks(config: Config, engine: Engine, today: date) -> dict[Key, dict[str, datetime]]:
    """Each occurrence's 签收 by office, from a year back to the horizon ahead (local times)."""
    first = today - timedelta(days=366) - SHIFT_SLACK
    last = today + timedelta(days=config.delivery.horizon_days) + SHIFT_SLACK
    with transaction(engine) as s:
        found = actions.acks_by_key(s, first, last)
    tz = config.settings.tz
    return {k: {o: at.astimezone(tz) for o, at in v.items()} for k, v in found.items()}


def signed(
    config: Config, offices: Iterable[str], acked: dict[str, datetime] | None
) -> tuple[Signed, ...]:
    """The task's offices in the order the task names them, each with its 签收 time."""
    acked = acked or {}
    return tuple(
        Signed(office=o, name=config.office_names.get(o, o), at=acked.get(o)) for o in offices
    )


def latest_words(config: Config, engine: Engine, keys: Collection[Key]) -> dict[Key, Word]:
    """The latest 反馈 or 情况说明 of each of these occurrences, whichever came last."""
    with transaction(engine) as s:
        feedback = actions.latest_feedback(s, keys)
        explained = submissions.latest_explained(s, keys)
    tz, names = config.settings.tz, config.office_names
    out: dict[Key, Word] = {}
    for k, a in feedback.items():
        at = a.at.astimezone(tz)
        out[k] = Word(
            kind="feedback", office=names.get(a.office_id, a.office_id), at=at, text=a.note or ""
        )
    for k, x in explained.items():
        at = x.created_at.astimezone(tz)
        if k not in out or out[k].at <= at:
            out[k] = Word(
                kind="explain",
                office=names.get(x.office_id, x.office_id),
                at=at,
                text=x.reason,
                until=x.until,
            )
    return out
