"""Send budgets in the database: N messages per sliding minute per key, for all instances."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, text
from sqlalchemy.orm import Session

from reminder.store.engine import chunks
from reminder.store.models import SendRow

# A robot counts a message when it arrives; a send is recorded here when its round starts,
# up to a few seconds earlier (the commit, a queue behind the robot's previous message, the
# network). Counting each send for a little longer than the minute keeps a send made right
# at the window's edge from arriving as the 21st of the robot's minute (45009).
WINDOW = timedelta(minutes=1, seconds=5)
SENDS = cast(Table, SendRow.__table__)  # Core statements, built once: this runs per message
_IN_WINDOW = SENDS.c.at > bindparam("since")
_COUNTS = (
    select(SENDS.c.rate_key, func.count())
    .where(SENDS.c.rate_key.in_(bindparam("keys", expanding=True)), _IN_WINDOW)
    .group_by(SENDS.c.rate_key)
)
_NTH_OLDEST = (
    select(SENDS.c.at)
    .where(SENDS.c.rate_key == bindparam("key"), _IN_WINDOW)
    .order_by(SENDS.c.at)
    .limit(1)
    .offset(bindparam("nth"))
)
_INSERT = insert(SENDS)
# A key whose lock another transaction holds longer than PATIENCE (an instance stalled in its
# round: the server frees it a lease later) is not waited for: its messages are tried again
# BUSY later, and the round goes on with the other robots'.
PATIENCE = timedelta(milliseconds=500)
BUSY = timedelta(seconds=1)
# Each key's lock (PostgreSQL: a transaction-scoped advisory lock, named as `serialize` names
# it) tried for all the keys of a round in one statement: a round starting 64 robots' sends
# asked 64 times, a third of a city's minute spent in round trips.
_TRY_LOCKS = text(
    "SELECT k FROM unnest(CAST(:keys AS text[])) AS k"
    " WHERE NOT pg_try_advisory_xact_lock(hashtext('reminder:budget:' || k))"
)


@dataclass(frozen=True, slots=True)
class Ask:
    """`count` sends wanted from `key`'s budget of `per_minute`."""

    key: str
    count: int
    per_minute: int

    @property
    def sends(self) -> int:
        """The sends it takes: a message longer than a minute's budget takes that budget."""
        return min(self.count, self.per_minute)


def over(in_window: int, ask: Ask) -> int | None:
    """None when `ask` fits beside `in_window` sends of its key this minute; otherwise which
    of those sends, oldest first, must leave the window before it fits."""
    if in_window + ask.sends <= ask.per_minute:
        return None
    return in_window + ask.sends - ask.per_minute - 1


def reserve(session: Session, asks: Sequence[Ask], now: datetime) -> list[datetime | None]:
    """For each ask in turn: record its sends at `now` and answer None if they fit the budget;
    otherwise record nothing and answer when they will fit (a key another transaction holds
    past PATIENCE: BUSY from now). One count and one insert for all; a send time is read only
    for an ask that must wait."""
    keys = sorted({a.key for a in asks})
    busy = _lock(session, keys)
    keys = [k for k in keys if k not in busy]
    conn = session.connection()
    since = now - WINDOW
    stored: dict[str, int] = {}  # sends in the window, per key, before this call
    for chunk in chunks(keys):
        stored.update(
            (key, n) for key, n in conn.execute(_COUNTS, {"keys": list(chunk), "since": since})
        )
    added: dict[str, int] = defaultdict(int)  # taken by this call, at `now`: the newest
    answers: list[datetime | None] = []
    for ask in asks:
        if ask.key in busy:
            answers.append(now + BUSY)
            continue
        before = stored.get(ask.key, 0)
        nth = over(before + added[ask.key], ask)
        if nth is None:
            added[ask.key] += ask.sends
            answers.append(None)
            continue
        oldest = (
            now
            if nth >= before
            else conn.scalar(_NTH_OLDEST, {"key": ask.key, "since": since, "nth": nth})
        )
        answers.append((oldest or now) + WINDOW)
    taken = [{"rate_key": key, "at": now} for key, n in added.items() for _ in range(n)]
    if taken:
        conn.execute(_INSERT, taken)
    return answers


def _lock(session: Session, keys: list[str]) -> set[str]:
    """Take each key's budget lock for the transaction; the keys another transaction still
    holds after PATIENCE (it stalled: the server frees them a lease later). Never waits on a
    lock, so two instances cannot wait on each other's keys. SQLite: BEGIN IMMEDIATE did it."""
    if not keys or session.get_bind().dialect.name != "postgresql":
        return set()
    give_up = time.monotonic() + PATIENCE.total_seconds()
    pause = threading.Event()
    busy = keys
    while True:
        busy = list(session.scalars(_TRY_LOCKS, {"keys": busy}))
        if not busy or time.monotonic() >= give_up:
            return set(busy)
        pause.wait(0.01)  # the holder's transaction is a few milliseconds, unless it stalled


def prune(session: Session, now: datetime) -> None:
    """Forget sends older than the window (they no longer count against any budget)."""
    session.connection().execute(delete(SENDS).where(SENDS.c.at <= now - WINDOW))
