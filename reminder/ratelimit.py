"""Per-target send budgets (WeCom: 20 messages a minute per robot), enforced before sending.

A budget that is spent does not make the dispatcher sleep: it answers when a slot frees, and
the message waits in the outbox until then.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime
from typing import Protocol

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from reminder.store import budget
from reminder.store.budget import WINDOW
from reminder.store.engine import transaction


class Limiter(Protocol):
    def reserve(
        self, key: str, count: int, per_minute: int, now: datetime, session: Session | None = None
    ) -> datetime | None:
        """Take `count` sends from `key`'s budget at `now` and return None, or take nothing
        and return the earliest instant when `count` sends fit. With `session`, inside the
        caller's transaction (a database budget commits with the caller's other writes)."""


class MemoryLimiter:
    """A sliding one-minute window per key, in this process."""

    def __init__(self) -> None:
        self._sent: dict[str, deque[datetime]] = {}

    def reserve(
        self, key: str, count: int, per_minute: int, now: datetime, session: Session | None = None
    ) -> datetime | None:
        sent = self._sent.setdefault(key, deque())
        while sent and sent[0] <= now - WINDOW:
            sent.popleft()
        if count > per_minute:  # a message longer than a minute's budget: spread it
            count = per_minute
        if len(sent) + count <= per_minute:
            sent.extend([now] * count)
            return None
        # The (len + count - per_minute)-th oldest send must leave the window first.
        return sent[len(sent) + count - per_minute - 1] + WINDOW


class DatabaseLimiter:
    """The budget kept in the database: shared by every instance, and kept across restarts
    (a restart within the minute cannot send the budget twice)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def reserve(
        self, key: str, count: int, per_minute: int, now: datetime, session: Session | None = None
    ) -> datetime | None:
        if session is not None:
            return budget.reserve(session, key, count, per_minute, now)
        with transaction(self.engine) as own:
            return budget.reserve(own, key, count, per_minute, now)
