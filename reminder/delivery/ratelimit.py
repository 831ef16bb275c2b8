"""Per-target send budgets (WeCom: 20 messages a minute per robot), enforced before sending.

A budget that is spent does not make the dispatcher sleep: it answers when a slot frees, and
the message waits in the outbox until then.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from reminder.store import budget
from reminder.store.budget import WINDOW, Ask, over
from reminder.store.engine import transaction


class Limiter(Protocol):
    def reserve(
        self, asks: Sequence[Ask], now: datetime, session: Session | None = None
    ) -> list[datetime | None]:
        """For each ask in turn, take its sends from its key's budget at `now` and answer None,
        or take nothing and answer the earliest instant when they fit. With `session`, inside
        the caller's transaction (a database budget commits with the caller's other writes)."""


class MemoryLimiter:
    """A sliding one-minute window per key, in this process."""

    def __init__(self) -> None:
        self._sent: dict[str, deque[datetime]] = {}

    def reserve(
        self, asks: Sequence[Ask], now: datetime, session: Session | None = None
    ) -> list[datetime | None]:
        return [self._one(ask, now) for ask in asks]

    def _one(self, ask: Ask, now: datetime) -> datetime | None:
        sent = self._sent.setdefault(ask.key, deque())
        while sent and sent[0] <= now - WINDOW:
            sent.popleft()
        nth = over(len(sent), ask)
        if nth is None:
            sent.extend([now] * ask.sends)
            return None
        return sent[nth] + WINDOW


class DatabaseLimiter:
    """The budget kept in the database: shared by every instance, and kept across restarts
    (a restart within the minute cannot send the budget twice)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def reserve(
        self, asks: Sequence[Ask], now: datetime, session: Session | None = None
    ) -> list[datetime | None]:
        if session is not None:
            return budget.reserve(session, asks, now)
        with transaction(self.engine) as own:
            return budget.reserve(own, asks, now)
