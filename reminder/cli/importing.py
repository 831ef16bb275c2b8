"""`reminder import`: a bureau's task table in, schedules.toml text to review out."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reminder.app.importing import FORMATS
from reminder.cli.extras import require
from reminder.errors import UsageError

if TYPE_CHECKING:
    from reminder.config.model import Config


def cmd_import(args: argparse.Namespace) -> int:
    """Read a task table (任务分工方案: Word, Excel, CSV, text, a saved web page or a PDF with
    a text layer) and write [[deadlines]] to review, with the [[offices]] and [[groups]] it
    names that --config lacks (a whole new file without --config). Nothing is written into
    --config itself. Each task keeps its requirement and its time limit word for word; what
    needs a person's decision is marked # REVIEW:. A summary goes to stderr.

    Then: review the # REVIEW: lines, append, `reminder check`, `reminder preview`, `sync`.

    With --update, the table is next year's 方案 and the result the complete new schedules
    file: the running file's settings, offices and groups kept, each task matched to the row
    it continues (by number and text, with a score), unchanged rows as they were, changed rows
    rewritten, new rows added with # REVIEW: lines, gone rows kept with an `end` date (the day
    before the new plan's year, or --end). The running file is never written.

    Example: reminder import 分工方案.docx --config schedules.toml -o new-tasks.toml
    Example: reminder import 2028年分工方案.docx --update schedules.toml -o update.toml
    """
    require("import", "import")
    if args.update:
        return _update(args)
    from reminder.app.importing import import_table
    from reminder.config.loader import load_config

    path = Path(args.file)
    config: Config | None = None
    if args.config:
        config = load_config(args.config)
    output = Path(args.output) if args.output else None
    if output is not None and args.config and output.resolve() == Path(args.config).resolve():
        raise UsageError("-o: that is the --config file; import never writes into it")
    imported = import_table(path, fmt=args.format, config=config, sheet=args.sheet)
    if output is None:
        sys.stdout.write(imported.text)
    else:
        output.write_text(imported.text, encoding="utf-8")
    print(f"{path}: {imported.summary()}", file=sys.stderr)
    if output is not None:
        print(f"wrote {output}", file=sys.stderr)
    return 0


def _update(args: argparse.Namespace) -> int:
    from reminder.app.importing import update_table

    path, running = Path(args.file), Path(args.update)
    output = Path(args.output) if args.output else None
    if output is not None and output.resolve() == running.resolve():
        raise UsageError("-o: that is the --update file; import never writes into it")
    try:
        end = date.fromisoformat(args.end) if args.end else None
    except ValueError:
        raise UsageError(f"--end: {args.end!r} is not a date (write YYYY-MM-DD)") from None
    updated = update_table(path, running, fmt=args.format, sheet=args.sheet, end=end)
    if output is None:
        sys.stdout.write(updated.text)
    else:
        output.write_text(updated.text, encoding="utf-8")
    for line in updated.lines:
        print(line, file=sys.stderr)
    if output is not None:
        print(f"wrote {output}", file=sys.stderr)
    return 0


def add_import(sub: Any, common: argparse.ArgumentParser, command: Callable[..., Any]) -> None:
    p = command(sub, "import", cmd_import, common)
    p.add_argument("file", metavar="FILE", help="the task table")
    p.add_argument("--format", choices=None, metavar="|".join(FORMATS), help="default: by suffix")
    p.add_argument("--sheet", metavar="NAME", help="the Excel sheet (default: the first)")
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    p.add_argument(
        "--update",
        metavar="SCHEDULES",
        help="next year's table as an update of this running file (the whole new file to -o)",
    )
    p.add_argument("--end", metavar="DATE", help="with --update: when gone rows end")
