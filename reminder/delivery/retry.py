"""The retry policy: after a failed attempt, try again later or give up. Pure: no clock, no I/O.

A permanent error (an invalid key, a refused login) fails at once. Other errors are retried
`retries` times after the first attempt, waiting `backoff`, then twice that, and so on; the
server's own wait (WeCom's frequency limit) wins over the backoff.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from reminder.errors import DeliveryError

Verdict = Literal["retrying", "failed"]


@dataclass(frozen=True, kw_only=True, slots=True)
class Decision:
    """What becomes of a failed attempt: `retrying` at `next_attempt_at`, or `failed`."""

    status: Verdict
    next_attempt_at: datetime | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class RetryPolicy:
    retries: int  # attempts after the first
    backoff: timedelta  # the wait after the first failure; doubles each retry

    def __post_init__(self) -> None:
        if self.retries < 0:
            raise ValueError(f"retries must be 0 or more, got {self.retries}")
        if self.backoff <= timedelta(0):
            raise ValueError(f"backoff must be positive, got {self.backoff}")

    def wait(self, attempt: int, error: DeliveryError) -> timedelta:
        """How long to wait after failed attempt number `attempt` (1 for the first)."""
        if error.retry_after:
            return timedelta(seconds=error.retry_after)
        return self.backoff * (1 << (attempt - 1))

    def after(self, attempt: int, error: DeliveryError, now: datetime) -> Decision:
        """The decision after attempt number `attempt` failed with `error` at `now`."""
        if error.permanent or attempt > self.retries:
            return Decision(status="failed")
        return Decision(status="retrying", next_attempt_at=now + self.wait(attempt, error))
