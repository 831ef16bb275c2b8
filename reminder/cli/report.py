"""`reminder report`: the 通报 of a month or a year as readers get it (text, markdown, DOCX),
or its statistics per office (table, JSON, CSV, XLSX: delivery figures included)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reminder.cli import options
from reminder.cli.extras import require
from reminder.cli.formats import table, to_json
from reminder.errors import UsageError
from reminder.exports import Sheet, csv_text, xlsx_bytes

if TYPE_CHECKING:
    from reminder.app.report import Span


def cmd_report(args: argparse.Namespace) -> int:
    """Print the 通报 of a month or a year as readers get it: title, 文号 (taken the first
    time, kept for that span), the figures, every item done late or still overdue (往期结转
    included), the offices ranked by 按时办结率, routine duties confirmed, 落款 and date.

    --format docx writes it in 公文 layout to -o FILE; markdown is the WeCom message.
    --format table, json, csv and xlsx give the statistics per office, with the reminders
    delivered and failed (for the administrator).

    Example: reminder report --month 2027-01
    Example: reminder report --month 2027-01 --format docx -o 2027年1月通报.docx
    Example: reminder report --year 2027 --format xlsx -o 2027年通报.xlsx
    """
    from reminder.app.report import (
        COLUMNS,
        span_of,
        tally,
        title,
        totals,
    )
    from reminder.app.sync import NOT_SYNCED, never_synced, open_database
    from reminder.config.loader import load_config

    if bool(args.month) == bool(args.year):
        raise UsageError("name one of --month YYYY-MM or --year YYYY")
    span = span_of(args.month or args.year)
    if args.format in ("xlsx", "docx") and not args.output:
        raise UsageError(f"--format {args.format} writes a file: give -o FILE")
    if args.format == "xlsx":
        require("report --format xlsx", "web", "openpyxl")
    if args.format == "docx":
        require("report --format docx", "web", "docx")
    config = load_config(options.config_path(args))
    now = options.clock(args, config.settings.tz).now()
    engine = open_database(config)
    if never_synced(engine):
        print(NOT_SYNCED, file=sys.stderr)
    if args.format in ("text", "markdown", "docx"):
        return _document(args, config, engine, now, span)
    today = now.astimezone(config.settings.tz).date()
    counted = tally(config, engine, now, span)
    rows = counted.rows
    data = [r.as_row() for r in [*rows, totals(rows)]]
    if args.format == "xlsx":
        _xlsx(args.output, span, title(span, today), data, counted.items)
        print(f"wrote {args.output}: {len(rows)} office(s)")
        return 0
    if args.format == "json":
        text = to_json(data)
    elif args.format == "csv":
        text = csv_text(data, COLUMNS)
    else:
        shown = [{**r, "rate": "-" if r["rate"] is None else r["rate"]} for r in data]
        text = f"{title(span, today)}\n\n{table(shown, COLUMNS)}"
    _write(args, text, f"{len(rows)} office(s)")
    return 0


def _xlsx(output: str, span: Span, heading: str, data: list[Any], items: list[Any]) -> None:
    """The statistics, and the 通报's late and overdue items on a second sheet."""
    from reminder.app.report import COLUMNS, ITEM_COLUMNS, ITEM_SHEET

    sheet = Sheet(name=span.name, title=heading, columns=COLUMNS, rows=data)
    late = Sheet(
        name=f"{span.name}{ITEM_SHEET}",
        title=heading,
        columns=ITEM_COLUMNS,
        rows=[i.as_row() for i in items],
    )
    Path(output).write_bytes(xlsx_bytes([sheet, late]))


def _document(args: argparse.Namespace, config: Any, engine: Any, now: Any, span: Span) -> int:
    """The 通报 itself, numbered: text, markdown or DOCX."""
    from reminder.app.circular import circular, docx
    from reminder.app.runtime import renderer_for

    c = circular(config, engine, now, span, numbered=True)
    renderer = renderer_for(config)
    done = f"{c.number}, {len(c.items)} item(s) late or overdue"
    if args.format == "docx":
        Path(args.output).write_bytes(docx(renderer, c))
        print(f"wrote {args.output}: {done}")
        return 0
    office = next(iter(config.offices.values()))  # the words are the same for every reader
    rendered = renderer.bulletin(office, c)
    _write(args, (rendered.markdown or "") if args.format == "markdown" else rendered.text, done)
    return 0


def _write(args: argparse.Namespace, text: str, done: str) -> None:
    if args.output:
        Path(args.output).write_text(text.rstrip("\n") + "\n", encoding="utf-8")
        print(f"wrote {args.output}: {done}")
    else:
        sys.stdout.write(text.rstrip("\n") + "\n")


def add_report(sub: Any, common: argparse.ArgumentParser, command: Callable[..., Any]) -> None:
    p = command(sub, "report", cmd_report, common)
    which = p.add_mutually_exclusive_group()
    which.add_argument("--month", metavar="YYYY-MM")
    which.add_argument("--year", metavar="YYYY")
    formats = ("text", "markdown", "docx", "table", "json", "csv", "xlsx")
    p.add_argument("--format", choices=formats, default="text")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
