"""Delivery commands: run, tick, log, done, reopen, status, send-test. Docstrings are --help."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from reminder.cli import options
from reminder.cli.formats import EXPORTS, FORMATS, export_checked, render, write_export
from reminder.clock import Clock, SystemClock
from reminder.errors import BadQuery, UsageError
from reminder.vocabulary import CHANNELS

if TYPE_CHECKING:  # each command imports what it uses when it runs: --help loads none of it
    from reminder.app.sentlog import LogEntry
    from reminder.config.model import Config

# They log URLs (robot keys), every job run, and every migration step and plugin.
QUIET = ("httpx", "httpcore", "apscheduler", "alembic")


def setup_logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)


def _clock(args: argparse.Namespace, config: Config) -> Clock:
    return options.clock(args, config.settings.tz)


def cmd_run(args: argparse.Namespace) -> int:
    """Run the service: send each reminder at its time, until stopped.

    Syncs and plans at start and daily, and reloads schedules.toml when it changes (a bad edit
    is logged and the last good config keeps running).

    SIGTERM or Ctrl-C finishes the message in flight and exits. --dry-run renders and logs
    every reminder as "dry-run" without sending; a later real run sends them.

    Example: reminder run --config schedules.toml --dry-run
    """
    from reminder.app.database import open_database, single_instance
    from reminder.app.runtime import Runtime, checked_renderer
    from reminder.app.service import Service
    from reminder.config.loader import load_config

    if args.now:
        raise UsageError("run follows the real clock; use tick --now to act at another instant")
    setup_logging(args.verbose)
    config = load_config(options.config_path(args))
    renderer = checked_renderer(config)
    engine = open_database(config)
    clock = SystemClock()  # the one clock of this process
    with single_instance(engine, since=clock.now()):
        runtime = Runtime(
            options.config_path(args),
            clock=clock,
            dry_run=args.dry_run,
            engine=engine,
            config=config,
            renderer=renderer,
        )
        return Service(runtime).run_forever()


def cmd_tick(args: argparse.Namespace) -> int:
    """One pass as if at --now (default: now): sync, plan, send what is due, then exit.

    For cron-style deployments and for tests.

    Example: reminder tick --now 2027-01-22T09:00+08:00
    """
    from reminder.app.runtime import Runtime, checked_renderer
    from reminder.config.loader import load_config

    setup_logging(args.verbose)
    config = load_config(options.config_path(args))
    runtime = Runtime(
        options.config_path(args),
        clock=_clock(args, config),
        dry_run=args.dry_run,
        config=config,
        renderer=checked_renderer(config),
    )
    runtime.report_unreachable()
    print(runtime.tick().summary())
    return 0


LOG_COLUMNS = [
    ("at_local", "at"),
    ("status", "status"),
    ("office", "office"),
    ("channel", "channel"),
    ("kind", "kind"),
    ("deadline", "deadline"),
    ("period", "period"),
    ("attempt", "try"),
    ("target", "target"),
    ("error", "error"),
]


def log_row(e: LogEntry, body: str | None = None) -> dict[str, Any]:
    """A log entry as `log` prints it; instants in local time with their offset."""
    return {
        "at": e.at.isoformat(),
        "status": e.status,
        "office": e.office,
        "channel": e.channel,
        "target": e.target,
        "kind": e.kind,
        "role": e.role,
        "deadline": e.deadline,
        "period": e.period,
        "due": e.due.isoformat() if e.due else None,
        "attempt": e.attempt,
        "subject": e.subject,
        "body": body,
        "error": e.error,
        "response_code": e.response_code,
        "message_id": e.message_id,
        "finished_at": e.finished_at.isoformat() if e.finished_at else None,
        "at_local": e.at.strftime("%Y-%m-%d %H:%M:%S"),
    }


def cmd_log(args: argparse.Namespace) -> int:
    """Show the sent-reminder log: who was told what, when, how, and did it arrive.

    Times are local; --since/--until take a date or an ISO instant. A date as --until
    includes that whole day; an instant ends just before it.

    --format csv or xlsx exports as the /log page does (Chinese headers, local times; xlsx
    with a title row), each message as kept in a last column, to -o FILE (csv: to stdout
    without it).

    Example: reminder log --office legal --since 2027-01-01 --status failed --format csv
    Example: reminder log --since 2027-01-01 --until 2027-01-31 --format xlsx -o 1月.xlsx
    """
    from reminder.app import sentlog
    from reminder.app.database import open_database
    from reminder.config.loader import load_config

    export_checked("log", args.format, args.output)
    config = load_config(options.config_path(args))
    tz = config.settings.tz
    q = sentlog.LogQuery(
        office=args.office,
        deadline=args.deadline,
        channel=args.channel,
        status=args.status,
        since=options.day_or_instant(args.since, "--since", tz) if args.since else None,
        until=options.day_or_instant(args.until, "--until", tz) if args.until else None,
    )
    try:
        sentlog.log_filter(config, q)  # refused before the database is opened
        found = sentlog.read(config, open_database(config), q, bodies=True)
    except BadQuery as exc:
        raise options.refused(config, exc) from None
    if args.format in EXPORTS:
        entries = [e for e, _ in found]
        bodies = {e.id: body for e, body in found}
        sheet = sentlog.export(config, q, _clock(args, config).now(), entries, bodies)
        write_export(sheet, args.format, args.output)
        if args.output:
            print(f"wrote {args.output}: {_entries(len(entries))}")
        return 0
    rows = [log_row(e, body) for e, body in found]
    if args.format != "table":
        for row in rows:
            del row["at_local"]
    print(render(rows, args.format, LOG_COLUMNS))
    if args.format == "table":
        print(_entries(len(rows)))
    return 0


def _entries(n: int) -> str:
    return f"{n} log entr{'y' if n == 1 else 'ies'}"


def _completion(args: argparse.Namespace, action: Callable[..., str], **extra: Any) -> int:
    from reminder.app.completion import Which
    from reminder.app.sync import open_database
    from reminder.config.loader import load_config

    config = load_config(options.config_path(args))
    engine = open_database(config)
    due = options.day(args.due, "--due") if args.due else None
    which = Which(
        deadline=args.deadline, office=args.office, period=args.period, due=due, by=args.by
    )
    print(action(config, engine, _clock(args, config).now(), which, **extra))
    return 0


def cmd_done(args: argparse.Namespace) -> int:
    """Mark an occurrence done: its pending reminders are cancelled.

    Without --due or --period, the current one: the occurrence the next reminder is about
    (else the first open one not yet due). Only the task's lead offices may close it; an
    administrator acts for any office on the task with --by NAME (kept in the audit trail).

    Example: reminder done annual-disclosure-report --period 2027 --office office --note 已发布
    """
    from reminder.app.actions import mark_done

    return _completion(args, mark_done, note=args.note)


def cmd_reopen(args: argparse.Namespace) -> int:
    """Undo `done`: the occurrence is open again and its future reminders are planned again.

    Example: reminder reopen annual-disclosure-report --period 2027 --office office
    """
    from reminder.app.actions import reopen

    return _completion(args, reopen)


STATUS_COLUMNS = [
    ("light", "light"),
    ("due", "due"),
    ("working_days_left", "wd left"),
    ("deadline", "deadline"),
    ("period", "period"),
    ("lead", "lead"),
    ("done_by", "done by"),
    ("done_at", "done at"),
    ("title", "title"),
]


def cmd_status(args: argparse.Namespace) -> int:
    """Show each occurrence with a 督办 light, and done ones with when and by whom.

    green: on track; yellow: within the last lead time; red: overdue; past: a routine duty
    whose period is over (routine duties are not chased).

    Example: reminder status --office legal
    """
    from reminder.app.status import status_rows
    from reminder.app.sync import open_database
    from reminder.config.loader import load_config

    config = load_config(options.config_path(args))
    engine = open_database(config)
    found = status_rows(
        config, engine, _clock(args, config).now(), options.offices(config, args.office)
    )
    print(render([r.as_row(config) for r in found], args.format, STATUS_COLUMNS))
    return 0


def cmd_send_test(args: argparse.Namespace) -> int:
    """Send a test message to an office, to check a robot key or a mailbox.

    It goes as reminders do: within the robot's minute budget, logged before it is sent.

    Example: reminder send-test --office legal --channel wecom
    """
    from reminder.app.sendtest import send_test
    from reminder.app.sync import open_database
    from reminder.config.loader import load_config

    config = load_config(options.config_path(args))
    if args.office not in config.addressees:
        raise UsageError(f"--office: no office {args.office!r} in {config.path}")
    engine = open_database(config)
    now = _clock(args, config).now()
    failures = 0
    for sent in send_test(config, engine, args.office, args.channel, now):
        outcome, channel = sent.outcome, sent.channel
        if outcome.status == "sent":
            print(f"{channel}: sent to {outcome.target}")
        elif outcome.status == "deferred" and outcome.wait is not None:
            failures += 1
            when = outcome.wait.astimezone(config.settings.tz).strftime("%H:%M:%S")
            print(f"{channel}: not sent: its minute budget is spent until {when}", file=sys.stderr)
        else:
            failures += 1
            print(f"{channel}: failed: {outcome.error}", file=sys.stderr)
    return 1 if failures else 0


def add_commands(sub: Any, common: argparse.ArgumentParser, command: Any) -> None:
    """Register the delivery commands on the main parser."""
    for name, handler in (("run", cmd_run), ("tick", cmd_tick)):
        p = command(sub, name, handler, common)
        p.add_argument("--dry-run", action="store_true", help="render and log, do not send")
        p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    p = command(sub, "log", cmd_log, common)
    for option in ("office", "deadline", "channel", "status", "since", "until"):
        p.add_argument(f"--{option}", metavar=option.upper())
    p.add_argument("--format", choices=(*FORMATS, "xlsx"), default="table")
    p.add_argument("-o", "--output", metavar="FILE", help="write the csv or xlsx export to FILE")
    for name, handler in (("done", cmd_done), ("reopen", cmd_reopen)):
        p = command(sub, name, handler, common)
        p.add_argument("deadline", metavar="DEADLINE")
        which = p.add_mutually_exclusive_group()
        which.add_argument("--due", metavar="DATE", help="the occurrence due that day")
        which.add_argument("--period", metavar="KEY", help="e.g. 2027, 2027-Q1, 2027-03")
        p.add_argument("--office", required=True, metavar="ID", help="who did it")
        p.add_argument(
            "--by", metavar="NAME", help="an administrator acting for the office (audited)"
        )
        if name == "done":
            p.add_argument("--note", metavar="TEXT")
    p = command(sub, "status", cmd_status, common)
    p.add_argument("--office", metavar="ID")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p = command(sub, "send-test", cmd_send_test, common)
    p.add_argument("--office", required=True, metavar="ID")
    p.add_argument("--channel", choices=CHANNELS)
