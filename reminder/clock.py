"""The one source of "now".

Only the CLI and the service read it; pure code takes `now` as an argument.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from reminder.errors import UsageError


class Clock(Protocol):
    def now(self) -> datetime:
        """Return the current instant as an aware datetime."""


class SystemClock:
    """Wall-clock time."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stays where it is set (tests, ``--now`` runs); `advance` moves it."""

    def __init__(self, instant: datetime) -> None:
        self._instant = as_aware(instant)

    def now(self) -> datetime:
        return self._instant

    def set(self, instant: datetime) -> None:
        self._instant = as_aware(instant)


def as_aware(value: datetime) -> datetime:
    """Reject naive datetimes: every instant in `reminder` carries its offset."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()} has no UTC offset")
    return value


def parse_now(text: str, default_tz: object) -> datetime:
    """Parse a ``--now`` value: ISO 8601; without an offset it is read in the configured zone."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"--now: {text!r} is not an ISO 8601 instant (e.g. 2026-12-01T09:00+08:00)"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=default_tz)  # type: ignore[arg-type]
    return value
