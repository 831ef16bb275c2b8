"""Command-line values every command reads the same way: the config path, the clock, dates,
and the wording of a name an option gives that names nothing."""

from __future__ import annotations

import argparse
import difflib
import os
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from reminder.clock import Clock, FixedClock, SystemClock, parse_now
from reminder.errors import BadQuery, UsageError
from reminder.vocabulary import CHANNELS

if TYPE_CHECKING:
    from reminder.config.model import Config

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


def day_or_instant(text: str, option: str, tz: ZoneInfo) -> date | datetime:
    """A date (the whole day, as the app reads it) or an ISO instant (exact; without an
    offset, in `tz`)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option}: {text!r} is not a date or ISO 8601 instant") from None
    return value if value.tzinfo is not None else value.replace(tzinfo=tz)


def offices(config: Config, ref: str | None) -> frozenset[str] | None:
    """The offices behind `--office` (an office, or a group's members); a name that is neither
    is a usage error with the closest one suggested."""
    if not ref:
        return None
    if ref not in config.addressees and ref not in config.groups:
        raise _no_office(config, ref)
    return frozenset(config.expand((ref,)))


def _no_office(config: Config, ref: str) -> UsageError:
    return UsageError(
        f"--office: no office or group {ref!r} in {config.path}"
        + did_you_mean(ref, [*config.addressees, *config.groups])
    )


def _no_channel(value: str) -> UsageError:
    known = [str(c) for c in CHANNELS]
    return UsageError(
        f"--channel: no channel {value!r} (one of {', '.join(known)})" + did_you_mean(value, known)
    )


def refused(config: Config, exc: BadQuery) -> UsageError:
    """The app's refusal of a query field that names nothing, worded for the command line:
    the option, the name, and the closest one there is."""
    value = exc.value
    if exc.field == "office":
        return _no_office(config, value)
    if exc.field == "channel":
        return _no_channel(value)
    if exc.field == "deadline":
        return UsageError(
            f"--deadline: no deadline {value!r} in {config.path}"
            + did_you_mean(value, list(exc.choices))
        )
    if exc.field == "status":
        return UsageError(f"--status: one of {', '.join(exc.choices)}")
    return UsageError(f"--{exc.field}: no {value!r}")


def did_you_mean(value: str, known: list[str]) -> str:
    close = difflib.get_close_matches(value, known, n=1)
    return f'; did you mean "{close[0]}"?' if close else ""
