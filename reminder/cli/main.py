"""The `reminder` command line. Each command's docstring is its --help."""

from __future__ import annotations

import argparse
import atexit
import gc
import os
import sys
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reminder import __version__
from reminder.cli import options
from reminder.cli.admin import add_admin
from reminder.cli.commands import add_commands
from reminder.cli.extend import add_extend
from reminder.cli.extras import extra_of, missing_line
from reminder.cli.feeds import add_feeds
from reminder.cli.formats import FORMATS, render
from reminder.cli.importing import add_import
from reminder.cli.init import add_init
from reminder.cli.maintenance import add_maintenance
from reminder.cli.notice import add_calendar
from reminder.cli.report import add_report
from reminder.cli.serve import add_serve
from reminder.errors import AppError, ConfigError, ReminderError, UsageError

if TYPE_CHECKING:  # the commands import what they use when they run: --help loads none of it
    from reminder.app.preview import PreviewRow
    from reminder.config.model import Config

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

Handler = Callable[[argparse.Namespace], int]


def _load(args: argparse.Namespace) -> Config:
    from reminder.config.loader import load_config

    return load_config(options.config_path(args))


def _warn(lines: Sequence[object]) -> None:
    for line in lines:
        print(f"warning: {line}", file=sys.stderr)


# -- commands ----------------------------------------------------------------------------


def cmd_check(args: argparse.Namespace) -> int:
    """Validate schedules.toml and print its warnings and a one-line summary.

    Exit 0 when valid (warnings allowed), 2 with every error as PATH:LINE: FIELD: message.

    Example: reminder check --config schedules.toml
    """
    from reminder.app.preview import check_warnings
    from reminder.app.runtime import renderer_for
    from reminder.config.loader import load_config

    path = options.config_path(args)
    try:
        config = load_config(path)
    except ConfigError as exc:
        for issue in exc.issues:
            print(issue)
        print(f"{path}: {len(exc.issues)} error(s)")
        return 2
    if config.env_errors:
        for issue in config.env_errors:
            print(issue)
        print(f"{path}: {len(config.env_errors)} error(s) in the environment")
        return 2
    template_errors = renderer_for(config).check(config)
    if template_errors:
        for issue in template_errors:
            print(issue)
        print(f"{path}: {len(template_errors)} template error(s)")
        return 2
    today = options.clock(args, config.settings.tz).now().astimezone(config.settings.tz).date()
    warnings = list(config.warnings) + check_warnings(config, today)
    for issue in warnings:
        print(f"{issue} (warning)")
    print(
        f"{path}: ok: {len(config.offices)} offices, {len(config.groups)} groups, "
        f"{len(config.deadlines)} deadlines, {len(warnings)} warning(s)"
    )
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    """Load schedules.toml into the database in one transaction (migrating it first).

    Unchanged rows are left alone, changed ones updated, removed deadlines disabled.
    An invalid file changes nothing.

    Example: reminder sync --config schedules.toml
    """
    from reminder.app.database import name_of, open_database
    from reminder.app.sync import config_digest, sync
    from reminder.config.loader import load_config

    path = options.config_path(args)
    config = load_config(path)
    now = options.clock(args, config.settings.tz).now()
    engine = open_database(config)
    report = sync(config, engine, now, digest=config_digest(Path(path).read_bytes()))
    print(f"synced {path} into {name_of(engine)}: {report.summary()}")
    return 0


PREVIEW_COLUMNS = [
    ("remind_local", "remind at"),
    ("kind", "kind"),
    ("office", "office"),
    ("role", "role"),
    ("deadline", "deadline"),
    ("due", "due"),
    ("working_days_left", "wd left"),
    ("title", "title"),
]


def preview_row(r: PreviewRow) -> dict[str, Any]:
    """One reminder as the JSON object `preview --format json` prints."""
    return {
        "deadline": r.deadline,
        "task": r.task,
        "title": r.title,
        "due": r.due.isoformat(),
        "nominal_due": r.nominal_due.isoformat(),
        "remind_at": r.remind_at.isoformat(),
        "office": r.office,
        "role": r.role,
        "kind": r.kind,
        "working_days_left": r.working_days_left,
        "provisional": r.provisional,
        "office_name": r.office_name,
        "period": r.period,
        "step": r.step,
        "limit": r.limit,
        "provisional_years": list(r.provisional_years),
    }


def cmd_preview(args: argparse.Namespace) -> int:
    """List every reminder that would go out in a window, in time order.

    The window defaults to today and the planning horizon after it ([delivery] horizon,
    60 days). Occurrences due before --from are taken as done; later ones as not done, so
    overdue reminders continue through the window.

    Example: reminder preview --from 2026-12-01 --to 2027-03-01 --office legal --format json
    """
    from reminder.app.preview import preview

    config = _load(args)
    tz = config.settings.tz
    today = options.clock(args, tz).now().astimezone(tz).date()
    first = options.day(args.from_, "--from") if args.from_ else today
    horizon = timedelta(days=config.delivery.horizon_days)
    last = options.day(args.to, "--to") if args.to else first + horizon
    if last < first:
        raise UsageError(f"--to {last} is before --from {first}")
    offices = _office_filter(config, args.office)
    deadlines = None
    if args.deadline:
        if args.deadline not in {d.id for d in config.deadlines}:
            raise UsageError(f"--deadline: no deadline {args.deadline!r} in {config.path}")
        deadlines = {args.deadline}
    found = preview(config, first, last, offices=offices, deadlines=deadlines)
    rows = [preview_row(r) for r in found.rows]
    for row, r in zip(rows, found.rows, strict=True):
        row["remind_local"] = r.remind_at.strftime("%Y-%m-%d %H:%M")
    if args.format != "table":
        for row in rows:
            del row["remind_local"]
    print(render(rows, args.format, PREVIEW_COLUMNS))
    if args.format == "table":
        print(f"{len(rows)} reminder(s) from {first} to {last}")
    _warn(found.warnings)
    return 0


def _office_filter(config: Config, ref: str | None) -> set[str] | None:
    found = options.offices(config, ref)
    return None if found is None else set(found)


def _config_if_any(args: argparse.Namespace) -> Config | None:
    """--config, or ./schedules.toml when it is there; else None (the plain calendar)."""
    from reminder.config.loader import load_config

    path = options.config_path(args)
    if args.config or Path(path).exists():
        return load_config(path)
    return None


def cmd_calendar(args: argparse.Namespace) -> int:
    """Print a year's holidays and make-up workdays, and whether the data is official.

    Uses schedules.toml's [calendar] overrides when the file is there.

    Example: reminder calendar --year 2026
    """
    from reminder.app.calendar import FIRST_YEAR, LAST_YEAR, year_calendar

    if not FIRST_YEAR <= args.year <= LAST_YEAR:
        raise UsageError(
            f"--year: {args.year} is outside the years reminder works with "
            f"({FIRST_YEAR}-{LAST_YEAR})"
        )
    info = year_calendar(_config_if_any(args), args.year)
    print(f"{info.year}: {info.source}")
    if info.official_span and not info.official:
        first, last = info.official_span
        side = "before" if args.year < first else "after"
        print(
            f"  ({side} the official data, which covers {first}-{last}: "
            "the holidays below are the fixed statutory ones, the make-up days unknown)"
        )
    print("rest days (holidays):")
    for named in info.holidays:
        print(f"  {named.day}  {WEEKDAY_NAMES[named.day.weekday()]}  {named.name}")
    print("make-up workdays (调休, on a weekend):")
    for named in info.makeup_days:
        print(f"  {named.day}  {WEEKDAY_NAMES[named.day.weekday()]}  {named.name}")
    if not info.makeup_days:
        print("  (none)")
    print(f"working days: {info.working_days}")
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    """Migrate the database to the newest schema (sync and run also do this).

    Example: reminder db upgrade --config schedules.toml
    """
    from reminder.app.database import migrate

    done = migrate(_load(args))
    print(f"database {done.database}: schema {done.after} (was {done.before or 'empty'})")
    return 0


# -- parser ------------------------------------------------------------------------------


def _command(
    sub: Any, name: str, handler: Handler, common: argparse.ArgumentParser
) -> argparse.ArgumentParser:
    doc = handler.__doc__ or ""
    parser: argparse.ArgumentParser = sub.add_parser(
        name,
        parents=[common],
        help=doc.splitlines()[0],
        description=doc,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(func=handler)
    return parser


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        metavar="PATH",
        help="schedules.toml to use (default: $REMINDER_CONFIG or ./schedules.toml)",
    )
    common.add_argument(
        "--now", metavar="ISO", help="act as if it were this instant, e.g. 2026-12-01T09:00+08:00"
    )
    parser = argparse.ArgumentParser(
        prog="reminder", description="Deadline reminders on China's working-day calendar."
    )
    parser.add_argument("--version", action="version", version=f"reminder {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_init(sub, _command)
    _command(sub, "check", cmd_check, common)
    _command(sub, "sync", cmd_sync, common)
    p = _command(sub, "preview", cmd_preview, common)
    p.add_argument("--from", dest="from_", metavar="DATE", help="first day (default: today)")
    p.add_argument("--to", metavar="DATE", help="last day (default: --from + horizon)")
    p.add_argument("--office", metavar="ID", help="only this office (or a group's members)")
    p.add_argument("--deadline", metavar="ID", help="only this deadline")
    p.add_argument("--format", choices=FORMATS, default="table")
    add_calendar(sub, common, _command, cmd_calendar)
    add_commands(sub, common, _command)
    add_extend(sub, common, _command)
    add_maintenance(sub, common, _command)
    add_admin(sub, common, _command)
    add_serve(sub, common, _command)
    add_report(sub, common, _command)
    add_feeds(sub, common, _command)
    add_import(sub, common, _command)
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    _command(db_sub, "upgrade", cmd_db_upgrade, common)
    return parser


def _hint(exc: ReminderError) -> str:
    """What the command line adds to an app refusal: the option that gets past it."""
    if not isinstance(exc, AppError):
        return ""
    if exc.code == "not-lead":
        return " (an administrator: --by NAME)"
    if exc.fields.get("ask") == "period":
        return "; name one with --period or --due"
    return ""


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:  # the process ends with this command (tests pass `argv`)
        # Its last garbage collections, over every object the imports made, are skipped:
        # they took 0.3 s of a whole `reminder tick` on a quiet machine, 1 s on a busy one.
        atexit.register(gc.freeze)
    args = build_parser().parse_args(argv)
    try:
        result: int = args.func(args)
        return result
    except ConfigError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        return exc.exit_code
    except ReminderError as exc:
        print(f"reminder: {exc}{_hint(exc)}", file=sys.stderr)
        return exc.exit_code
    except ModuleNotFoundError as exc:  # an optional library a command lacks: say which extra
        found = extra_of(exc)
        if found is None:
            raise
        print(f"reminder: {missing_line(args.command, *found)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `reminder preview | head`: the reader left, which is fine
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
