"""Reconciling what planning wants with what the outbox holds. Pure: the store reads the rows
and applies the decision.

A waiting row (pending or held, not in flight, never tried) whose time, role or count changed
is updated; a cancelled row wanted again in the future is revived, and so is a row that a pass
at a later instant superseded or put off (the clock went back); a waiting row no longer
wanted is superseded when a later wanted reminder for the same task, office and channel is
due already and will go (or went), else cancelled; a wanted reminder with no row is inserted.
Rows already sent, failed or in flight are never touched.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from reminder.planning.coalesce import latest_times
from reminder.vocabulary import WAITING, WENT, OutboxStatus

KEY = ("deadline_id", "occurrence_id", "kind", "step", "office_id", "channel")
MUTABLE = ("remind_at", "role", "working_days_left", "provisional")

Values = dict[str, Any]
Key = tuple[Any, ...]


class Row(Protocol):
    """What the decision reads of an outbox row."""

    @property
    def id(self) -> int: ...
    @property
    def deadline_id(self) -> str: ...
    @property
    def office_id(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def attempts(self) -> int: ...
    @property
    def lease_until(self) -> datetime | None: ...
    @property
    def remind_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...


R = TypeVar("R", bound=Row)


@dataclass(kw_only=True, slots=True)
class Reconciliation(Generic[R]):
    update: list[tuple[R, Values]] = field(default_factory=list)  # row, wanted values
    revive: list[tuple[R, Values]] = field(default_factory=list)
    cancel: list[R] = field(default_factory=list)
    supersede: list[R] = field(default_factory=list)
    insert: list[Values] = field(default_factory=list)


def key_of(row: Row) -> Key:
    return tuple(getattr(row, k) for k in KEY)


def reconcile(
    rows: Iterable[R], wanted: Sequence[Values], *, orphans: Collection[int], now: datetime
) -> Reconciliation[R]:
    """The decision for `rows` (a deadline window's rows) against `wanted` (the planner's
    values for the same window). `orphans`: ids of rows the store cancels anyway (removed
    deadline, done occurrence), left out of the decision."""
    out: Reconciliation[R] = Reconciliation()
    wanted_by_key = {tuple(w[k] for k in KEY): w for w in wanted}
    unwanted: list[R] = []
    final: dict[Key, str] = {}  # wanted keys whose row exists and will not be waiting
    seen: set[Key] = set()
    for row in rows:
        key = key_of(row)
        seen.add(key)
        want = wanted_by_key.get(key)
        in_flight = row.lease_until is not None and row.lease_until > now
        if want is None:
            if row.status in WAITING and not in_flight and row.id not in orphans:
                unwanted.append(row)
        elif row.status in WAITING and row.attempts == 0 and not in_flight:
            if any(getattr(row, k) != want[k] for k in MUTABLE):
                out.update.append((row, want))
        elif row.status == OutboxStatus.CANCELLED and want["remind_at"] >= now:
            out.revive.append((row, want))
        elif row.updated_at > now and (
            row.status == OutboxStatus.SUPERSEDED or (row.status in WAITING and not in_flight)
        ):
            # Touched by a pass at a later instant (a `tick --now` into the future, a clock
            # set back): superseded or put off by what has not happened yet. Due again.
            out.revive.append((row, want))
        elif row.status not in WAITING:
            final[key] = row.status
    # Per task, office and channel the latest wanted reminder due now that will go (a new or
    # waiting row) or went.
    latest = latest_times(
        (
            w
            for key, w in wanted_by_key.items()
            if w["remind_at"] <= now and final.get(key) in (None, *WENT)
        ),
        lambda w: (w["deadline_id"], w["office_id"], w["channel"]),
        lambda w: w["remind_at"],
    )
    for row in unwanted:
        newer = latest.get((row.deadline_id, row.office_id, row.channel))
        (out.supersede if newer is not None and row.remind_at < newer else out.cancel).append(row)
    out.insert = [w for key, w in wanted_by_key.items() if key not in seen]
    return out
