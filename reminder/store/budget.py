"""Send budgets in the database: N messages per sliding minute per key, for all instances."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, delete, insert, select
from sqlalchemy.orm import Session

from reminder.store.engine import chunks, serialize
from reminder.store.models import SendRow

WINDOW = timedelta(minutes=1)
SENDS = cast(Table, SendRow.__table__)  # Core statements, built once: this runs per message
_RECENT = (select(SENDS.c.rate_key, SENDS.c.at)
           .where(SENDS.c.rate_key.in_(bindparam("keys", expanding=True)),
                  SENDS.c.at > bindparam("since"))
           .order_by(SENDS.c.at))  # fmt: skip
_INSERT = insert(SENDS)


@dataclass(frozen=True, slots=True)
class Ask:
    """`count` sends wanted from `key`'s budget of `per_minute`."""

    key: str
    count: int
    per_minute: int


def reserve(session: Session, asks: Sequence[Ask], now: datetime) -> list[datetime | None]:
    """For each ask in turn: record its sends at `now` and answer None if they fit the budget;
    otherwise record nothing and answer when they will fit. One query and one insert for all."""
    keys = sorted({a.key for a in asks})
    for key in keys:  # in one order everywhere: two instances never wait on each other's keys
        serialize(session, f"reminder:budget:{key}")
    conn = session.connection()
    recent: dict[str, list[datetime]] = defaultdict(list)
    for chunk in chunks(keys):
        for key, at in conn.execute(_RECENT, {"keys": list(chunk), "since": now - WINDOW}):
            recent[key].append(at)
    answers: list[datetime | None] = []
    taken: list[dict[str, object]] = []
    for ask in asks:
        sent = recent[ask.key]
        count = min(ask.count, ask.per_minute)  # a message longer than a minute's budget
        if len(sent) + count <= ask.per_minute:
            sent.extend([now] * count)
            taken += [{"rate_key": ask.key, "at": now}] * count
            answers.append(None)
        else:
            answers.append(sent[len(sent) + count - ask.per_minute - 1] + WINDOW)
    if taken:
        conn.execute(_INSERT, taken)
    return answers


def prune(session: Session, now: datetime) -> None:
    """Forget sends older than the window (they no longer count against any budget)."""
    session.connection().execute(delete(SENDS).where(SENDS.c.at <= now - WINDOW))
