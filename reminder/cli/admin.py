"""`reminder admin add|passwd|remove|list`: the accounts administrators log in to the web
pages with. Passwords come from a prompt (asked twice) or, for scripts, one line on stdin."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import Any

from reminder.cli import options
from reminder.errors import UsageError


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        line = sys.stdin.readline()
        return line.removesuffix("\n").removesuffix("\r")
    if not sys.stdin.isatty():
        raise UsageError("no terminal to ask the password on: pipe it in with --password-stdin")
    first = getpass.getpass("password (at least 12 characters): ")
    if getpass.getpass("the same again: ") != first:
        raise UsageError("the two passwords differ; nothing was changed")
    return first


def _database(args: argparse.Namespace) -> Any:
    from reminder.app.sync import open_database
    from reminder.config.loader import load_config

    config = load_config(options.config_path(args))
    return config, open_database(config)


def cmd_admin_add(args: argparse.Namespace) -> int:
    """Create an administrator's account for the web pages (the board, the sent log, the
    通报). NAME is the person's, as the audit will show it.

    Example: reminder admin add 张三
             printf '%s\\n' "$PASSWORD" | reminder admin add 张三 --password-stdin
    """
    from reminder.app import admins

    config, engine = _database(args)
    name = admins.checked_name(args.name)  # before asking for a password
    password = _password(args)
    added = admins.add(engine, name, password, options.clock(args, config.settings.tz).now())
    print(f"administrator {added} added: log in at {config.web.base_url or '/login'}")
    return 0


def cmd_admin_passwd(args: argparse.Namespace) -> int:
    """Set an administrator's password; every login of that account ends at once.

    Example: reminder admin passwd 张三
    """
    from reminder.app import admins

    config, engine = _database(args)
    password = _password(args)
    now = options.clock(args, config.settings.tz).now()
    admins.change_password(engine, args.name, password, now)
    print(f"password of {args.name} changed; its logins have ended")
    return 0


def cmd_admin_remove(args: argparse.Namespace) -> int:
    """Remove an administrator's account; its logins end at once. The audit keeps the name.

    Example: reminder admin remove 张三
    """
    from reminder.app import admins

    _, engine = _database(args)
    admins.remove(engine, args.name)
    print(f"administrator {args.name} removed; its logins have ended")
    return 0


def cmd_admin_list(args: argparse.Namespace) -> int:
    """List the administrators' accounts: when made, when the password last changed, how
    many logins are live.

    Example: reminder admin list
    """
    from reminder.app import admins
    from reminder.cli.formats import table

    config, engine = _database(args)
    now = options.clock(args, config.settings.tz).now()
    tz = config.settings.tz
    rows = [
        {
            "name": a.name,
            "created": a.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            "changed": a.changed_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            "logins": a.sessions,
        }
        for a in admins.accounts(engine, now)
    ]
    if not rows:
        print("no administrator yet: reminder admin add NAME")
        return 0
    columns = [("name", "NAME"), ("created", "CREATED"), ("changed", "PASSWORD SET")]
    print(table(rows, [*columns, ("logins", "LIVE LOGINS")]))
    return 0


def add_admin(sub: Any, common: argparse.ArgumentParser, command: Callable[..., Any]) -> None:
    group = sub.add_parser("admin", help="administrators' accounts for the web pages")
    admin_sub = group.add_subparsers(dest="admin_command", required=True, metavar="COMMAND")
    for name, handler in (("add", cmd_admin_add), ("passwd", cmd_admin_passwd)):
        p = command(admin_sub, name, handler, common)
        p.add_argument("name", metavar="NAME", help="the administrator's name")
        p.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from the first line of stdin instead of asking",
        )
    p = command(admin_sub, "remove", cmd_admin_remove, common)
    p.add_argument("name", metavar="NAME", help="the administrator's name")
    command(admin_sub, "list", cmd_admin_list, common)
