"""`reminder calendar`: a year's calendar (--year, in cli.main), or the `[calendar]` block of
the State Council's holiday notice (--from-notice)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reminder.errors import UsageError

if TYPE_CHECKING:
    from reminder.app.calendar import NoticeCalendar

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def cmd_calendar(args: argparse.Namespace) -> int:
    """Print a year's holidays and make-up workdays, and whether the data is official; or turn
    the State Council's holiday notice into the [calendar] block of schedules.toml.

    --year uses schedules.toml's [calendar] overrides when the file is there.

    --from-notice FILE reads the notice as published (国务院办公厅关于2027年部分节假日安排的通知,
    pasted as text, UTF-8 or GB18030, from the gov.cn page or the Gazette's PDF; FILE "-" reads
    standard input) and prints a [calendar] block: every 放假 (or 补休) day under holidays,
    every 上班 make-up day under workdays, the year in confirmed_years, each date named after
    its holiday; -o OUT writes it to a new file instead.
    When the package already has the year's official data, standard error says whether the
    notice agrees, date by date. A text that is not such a notice, a date that does not
    exist, a weekday in brackets that does not match its date or a make-up day that is not on
    a weekend: exit 2 naming the line, nothing printed.

    Then append the block to schedules.toml (one [calendar] table: merge it into one that is
    already there), run `reminder check`, then `reminder sync`.

    Examples: reminder calendar --year 2026
              reminder calendar --from-notice notice-2027.txt >> schedules.toml
    """
    if args.from_notice is None:
        year_handler: Callable[[argparse.Namespace], int] = args.by_year
        return year_handler(args)
    return _from_notice(args.from_notice, args.output)


def _from_notice(path: str, output: str | None) -> int:
    from reminder.app.calendar import calendar_from_notice

    if output is not None and Path(output).exists():
        raise UsageError(f"-o: {output} exists; give a new file (append the block by hand)")
    try:
        raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"--from-notice: cannot read {path}: {exc.strerror}") from None
    found = calendar_from_notice(raw, source="<stdin>" if path == "-" else path)
    if output is None:
        sys.stdout.write(found.block)
    else:
        Path(output).write_text(found.block, encoding="utf-8")
    for line in _comparison(found):
        print(line, file=sys.stderr)
    return 0


def _comparison(found: NoticeCalendar) -> list[str]:
    """What standard error says about the notice against the package's data."""
    notice = found.notice
    rest, work = len(notice.rest_days()), len(notice.workdays())
    counts = f"{rest} rest day(s) in {len(notice.holidays)} holidays, {work} make-up workday(s)"
    if not found.official:
        return [
            f"{notice.year}: {counts}; the package has no official data for {notice.year}, "
            "so this block is what the year's calendar will be: append it to schedules.toml, "
            "run `reminder check`, then `reminder sync`"
        ]
    if not found.disagreements:
        return [
            f"{notice.year}: {counts}; the notice agrees with the package's official data "
            "on every rest day and make-up workday of the year"
        ]
    lines = [
        f"{notice.year}: {counts}; the notice differs from the package's official data on "
        f"{len(found.disagreements)} day(s):"
    ]
    for d in found.disagreements:
        said = "a rest day" if d.notice_rest else "a working day"
        other = "a working day" if d.notice_rest else "a rest day"
        name = f" ({d.name})" if d.name else ""
        lines.append(
            f"  {d.day} {WEEKDAY_NAMES[d.day.weekday()]}: {said} in the notice{name}, "
            f"{other} in the package's data"
        )
    return lines


def add_calendar(
    sub: Any,
    common: argparse.ArgumentParser,
    command: Callable[..., Any],
    by_year: Callable[[argparse.Namespace], int],
) -> None:
    p = command(sub, "calendar", cmd_calendar, common)
    p.set_defaults(by_year=by_year)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--year", type=int, metavar="YYYY")
    which.add_argument(
        "--from-notice", metavar="FILE", help="the State Council's holiday notice, as text"
    )
    p.add_argument("-o", "--output", metavar="OUT", help="with --from-notice: write to OUT")
