"""`reminder report`: the 通报 statistics of a month or a year, as text, JSON, CSV or XLSX."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reminder.cli import options
from reminder.cli.extras import require
from reminder.cli.formats import table, to_json
from reminder.errors import UsageError
from reminder.exports import csv_text, xlsx_bytes


def cmd_report(args: argparse.Namespace) -> int:
    """Print the 通报 statistics of a month or a year: per lead office, time-limited tasks due,
    done on time, done late (by up to how many working days), still open and overdue, the
    on-time rate, routine duties confirmed, reminders delivered and failed.

    --format xlsx writes a workbook to -o FILE.

    Example: reminder report --month 2027-01
    Example: reminder report --year 2027 --format xlsx -o 2027年通报.xlsx
    """
    from reminder.app.report import COLUMNS, span_of, statistics, title, totals
    from reminder.app.sync import NOT_SYNCED, never_synced, open_database
    from reminder.config.loader import load_config

    if bool(args.month) == bool(args.year):
        raise UsageError("name one of --month YYYY-MM or --year YYYY")
    span = span_of(args.month or args.year)
    if args.format == "xlsx" and not args.output:
        raise UsageError("--format xlsx writes a file: give -o FILE")
    if args.format == "xlsx":
        require("report --format xlsx", "web", "openpyxl")
    config = load_config(options.config_path(args))
    now = options.clock(args, config.settings.tz).now()
    today = now.astimezone(config.settings.tz).date()
    engine = open_database(config)
    if never_synced(engine):
        print(NOT_SYNCED, file=sys.stderr)
    rows = statistics(config, engine, now, span)
    data = [r.as_row() for r in [*rows, totals(rows)]]
    if args.format == "xlsx":
        Path(args.output).write_bytes(xlsx_bytes([(span.name, COLUMNS, data)]))
        print(f"wrote {args.output}: {len(rows)} office(s)")
        return 0
    if args.format == "json":
        text = to_json(data)
    elif args.format == "csv":
        text = csv_text(data, COLUMNS)
    else:
        shown = [{**r, "rate": "-" if r["rate"] is None else r["rate"]} for r in data]
        text = f"{title(span, today)}\n\n{table(shown, COLUMNS)}"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output}: {len(rows)} office(s)")
    else:
        sys.stdout.write(text.rstrip("\n") + "\n")
    return 0


def add_report(sub: Any, common: argparse.ArgumentParser, command: Callable[..., Any]) -> None:
    p = command(sub, "report", cmd_report, common)
    which = p.add_mutually_exclusive_group()
    which.add_argument("--month", metavar="YYYY-MM")
    which.add_argument("--year", metavar="YYYY")
    p.add_argument("--format", choices=("text", "json", "csv", "xlsx"), default="text")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
