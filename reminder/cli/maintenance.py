"""Commands that look after the database: `reminder prune`, `reminder links revoke`."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from reminder.cli import options


def cmd_prune(args: argparse.Namespace) -> int:
    """Remove what the database no longer needs: sent and failed messages older than
    [delivery] keep (default three years), superseded, cancelled and dry-run rows older than
    90 days. Waiting reminders, completions and the config are never removed. The service
    does this once a day; --dry-run only counts.

    Example: reminder prune --dry-run
    """
    from reminder.app.retention import prune
    from reminder.app.sync import open_database
    from reminder.config.loader import load_config

    config = load_config(options.config_path(args))
    now = options.clock(args, config.settings.tz).now()
    pruned = prune(config, open_database(config), now, dry_run=args.dry_run)
    print(f"{'would remove' if args.dry_run else 'removed'} {pruned.summary()}")
    return 0


def cmd_links_revoke(args: argparse.Namespace) -> int:
    """Revoke every link already sent to an office: its pages, buttons, API access and
    calendar feed through them stop working at once; its next messages carry new links. For
    a lost phone, a forwarded message, a colleague who left.

    Example: reminder links revoke --office legal
    """
    from reminder.app.revocation import revoke
    from reminder.app.sync import open_database
    from reminder.config.loader import load_config

    config = load_config(options.config_path(args))
    revoke(config, open_database(config), args.office)
    print(
        f"links of {args.office} revoked: those already sent no longer work; "
        "its next messages carry new ones"
    )
    return 0


def add_maintenance(sub: Any, common: argparse.ArgumentParser, command: Callable[..., Any]) -> None:
    p = command(sub, "prune", cmd_prune, common)
    p.add_argument("--dry-run", action="store_true", help="count what would go, remove nothing")
    group = sub.add_parser("links", help="the signed links in messages")
    links_sub = group.add_subparsers(dest="links_command", required=True, metavar="COMMAND")
    p = command(links_sub, "revoke", cmd_links_revoke, common)
    p.add_argument("--office", required=True, metavar="ID", help="the office whose links go")
