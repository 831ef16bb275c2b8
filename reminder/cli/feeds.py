"""`reminder ics`: an office's deadlines as an iCalendar file, for Outlook, WPS or a phone."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reminder.cli import options
from reminder.cli.extras import require
from reminder.errors import UsageError


def cmd_ics(args: argparse.Namespace) -> int:
    """Write the deadlines of an office (or of all offices) as an iCalendar (.ics) file: one
    all-day event per occurrence on its due date, with alarms at the office's lead times;
    done ones marked 【已办结】. From a year back to the planning horizon.

    Example: reminder ics --office legal -o legal.ics
    """
    require("ics", "web", "icalendar")
    from reminder.app.feeds import feed
    from reminder.app.sync import NOT_SYNCED, never_synced, open_database
    from reminder.config.loader import load_config

    config = load_config(options.config_path(args))
    if args.office and args.office not in config.offices:
        raise UsageError(f"--office: no office {args.office!r} in {config.path}")
    now = options.clock(args, config.settings.tz).now()
    engine = open_database(config)
    if never_synced(engine):
        print(NOT_SYNCED, file=sys.stderr)
    data = feed(config, engine, now, args.office)
    if args.output:
        Path(args.output).write_bytes(data)
        print(f"wrote {args.output}")
    else:
        sys.stdout.buffer.write(data)
    return 0


def add_feeds(sub: Any, common: argparse.ArgumentParser, command: Callable[..., Any]) -> None:
    p = command(sub, "ics", cmd_ics, common)
    p.add_argument("--office", metavar="ID", help="only what this office leads or cooperates on")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
