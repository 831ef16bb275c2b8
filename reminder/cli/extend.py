"""`reminder extend`: an administrator moves a lead office's occurrence to a new due date."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from reminder.cli import options


def cmd_extend(args: argparse.Namespace) -> int:
    """Grant 延期: move an occurrence's due date to --until, as an administrator (--by).

    Its reminders are planned again to the new date (the overdue chase only after it), and it
    counts as on time in the 通报 when done by then. Only a lead office's occurrence can be
    extended, to a date after its current due date and not before today. Without --period or
    --due, the current occurrence (as for `done`). The office reads the new date in its next
    message; the audit trail keeps who granted it and why.

    Example: reminder extend annual-report --office legal --until 2027-02-28 --by 张三
    """
    from reminder.app.completion import Which
    from reminder.app.extensions import grant_extension
    from reminder.app.sync import open_database
    from reminder.config.loader import load_config

    config = load_config(options.config_path(args))
    until = options.day(args.until, "--until")
    due = options.day(args.due, "--due") if args.due else None
    engine = open_database(config)
    now = options.clock(args, config.settings.tz).now()
    which = Which(deadline=args.deadline, office=args.office, period=args.period, due=due)
    print(grant_extension(config, engine, now, which, until=until, by=args.by, reason=args.reason))
    return 0


def add_extend(sub: Any, common: argparse.ArgumentParser, command: Callable[..., Any]) -> None:
    p = command(sub, "extend", cmd_extend, common)
    p.add_argument("deadline", metavar="DEADLINE")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--period", metavar="KEY", help="e.g. 2027, 2027-Q1, 2027-03")
    which.add_argument("--due", metavar="DATE", help="the occurrence due that day")
    p.add_argument("--office", required=True, metavar="ID", help="the lead office")
    p.add_argument("--until", required=True, metavar="DATE", help="the new due date")
    p.add_argument("--by", required=True, metavar="NAME", help="the administrator (audited)")
    p.add_argument("--reason", metavar="TEXT", help="why (kept in the audit trail)")
