"""Command-line values every command reads the same way: the config path, the clock, dates."""

from __future__ import annotations

import argparse
import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

from reminder.clock import Clock, FixedClock, SystemClock, parse_now
from reminder.errors import UsageError

DEFAULT_CONFIG = "schedules.toml"


def config_path(args: argparse.Namespace) -> str:
    """--config, else $REMINDER_CONFIG, else ./schedules.toml."""
    return str(args.config or os.environ.get("REMINDER_CONFIG") or DEFAULT_CONFIG)


def clock(args: argparse.Namespace, tz: ZoneInfo) -> Clock:
    """A clock fixed at --now, else the system clock."""
    if getattr(args, "now", None):
        return FixedClock(parse_now(args.now, tz))
    return SystemClock()


def day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option}: {text!r} is not a date (write YYYY-MM-DD)") from None


def instant(text: str, option: str, tz: ZoneInfo) -> datetime:
    """A date (its midnight) or an ISO instant; without an offset, in `tz`."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option}: {text!r} is not a date or ISO 8601 instant") from None
    return value if value.tzinfo is not None else value.replace(tzinfo=tz)
