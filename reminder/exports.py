"""Tables out as files people open in Excel: CSV in UTF-8 with a BOM (what Chinese Excel needs
to read it as UTF-8) and XLSX. Every export describes itself the same way: a title (what, which
span, as of when), columns with a kind, and rows of plain values; dates and times are real
`date` and `datetime` values (local, aware or not), never text.

In XLSX a date is a date cell, a time a datetime cell in local time (Excel has no time zones),
a period is text; the title is the first row, the header the second, frozen and filtered. In
CSV a time is "2027-01-22 09:00" (Excel reads it as a time; an ISO instant with "T" and an
offset it keeps as text), and a period that Excel would turn into a date ("2027-01",
"2027年1月") is guarded with an invisible zero-width space so it stays as written.

Cells from the config or the database are data, never formulas: a CSV cell starting like a
formula gets a leading ', an XLSX cell is written as text."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice
from typing import Any, Literal

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_GUARD = "\u200b"  # zero-width space: Excel shows nothing, parses no date
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
# What Excel (in a Chinese locale too) reads as a date or a number when it opens a CSV.
_DATE_LIKE = re.compile(r"[\d\s.,/:\-年月日时分秒]+")
_WIDTH_SAMPLE = 2000  # rows looked at to size a column
_WIDEST = 60

Kind = Literal["text", "number", "date", "datetime", "period"]


@dataclass(frozen=True, slots=True)
class Column:
    """One column of an export: the row key, its header, and what its values are (a period
    is text that must not become a date)."""

    key: str
    header: str
    kind: Kind = "text"


Columns = Sequence[Column | tuple[str, str]]  # a (key, header) pair is a text column


@dataclass(frozen=True, kw_only=True, slots=True)
class Sheet:
    """An export: `name` is the sheet's tab (31 characters at most), `title` its first row."""

    name: str
    title: str
    columns: Columns
    rows: Iterable[Mapping[str, Any]]


def columns_of(columns: Columns) -> list[Column]:
    return [c if isinstance(c, Column) else Column(*c) for c in columns]


def display_width(text: str) -> int:
    """Columns on a screen or in a sheet: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def defused(value: Any) -> Any:
    """A CSV cell Excel will not run: text starting like a formula gets a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def text_safe(value: str) -> str:
    """`value` as Excel keeps it when it opens a CSV: guarded when it would read as a date."""
    return TEXT_GUARD + value if _DATE_LIKE.fullmatch(value) else value


def csv_cell(value: Any, kind: Kind = "text") -> Any:
    """A value as CSV text: local times to the minute, dates as YYYY-MM-DD, periods guarded."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    if kind == "period" and isinstance(value, str):
        return text_safe(defused(value))
    return defused(value)


def csv_lines(
    rows: Iterable[Mapping[str, Any]], columns: Columns, *, bom: bool = True
) -> Iterator[str]:
    """The CSV text in pieces (a header line, then a piece per 500 rows), for streaming."""
    cols = columns_of(columns)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header for c in cols])
    yield (BOM if bom else "") + out.getvalue()
    out.seek(0)
    out.truncate()
    for n, row in enumerate(rows, 1):
        writer.writerow([csv_cell(row.get(c.key), c.kind) for c in cols])
        if n % 500 == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def csv_text(rows: Iterable[Mapping[str, Any]], columns: Columns, *, bom: bool = True) -> str:
    return "".join(csv_lines(rows, columns, bom=bom))


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """A workbook with a sheet per export: the title row, a bold header that stays in view
    and carries the filter, columns sized to their content; every text cell is text."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for sheet in sheets:
        _write(book, sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _write(book: Any, sheet: Sheet) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    cols = columns_of(sheet.columns)
    rows = list(sheet.rows)
    ws = book.create_sheet(title=sheet.name[:31])
    last = get_column_letter(len(cols))
    for i, c in enumerate(cols):
        ws.column_dimensions[get_column_letter(i + 1)].width = column_width(c, rows)
    ws.freeze_panes = "A3"
    ws.auto_filter.ref = f"A2:{last}{len(rows) + 2}"
    title = WriteOnlyCell(ws, value=sheet.title)
    title.data_type = "s"
    title.font = Font(bold=True, size=14)
    ws.append([title])
    bold = Font(bold=True)
    headers = []
    for c in cols:
        cell = WriteOnlyCell(ws, value=c.header)
        cell.font = bold
        headers.append(cell)
    ws.append(headers)
    for row in rows:
        ws.append([_xlsx_cell(ws, row.get(c.key)) for c in cols])


def _xlsx_cell(ws: Any, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, datetime):
        cell = WriteOnlyCell(ws, value=value.replace(tzinfo=None))  # shown as given: local
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, date):
        day: Any = value  # a date cell, which openpyxl's stubs leave out
        cell = WriteOnlyCell(ws, value=day)
        cell.number_format = DATE_FORMAT
        return cell
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula or a date, whatever it looks like
    return cell


def column_width(column: Column, rows: Sequence[Mapping[str, Any]]) -> float:
    """Wide enough for the header and the values (a CJK character counts two), the filter
    button beside the header, and no wider than 60."""
    widest = max(10, display_width(column.header) + 4)  # room for the filter button
    for row in islice(rows, _WIDTH_SAMPLE):
        value = row.get(column.key)
        if isinstance(value, datetime):
            widest = max(widest, 17)
        elif isinstance(value, date):
            widest = max(widest, 11)
        elif value is not None:
            widest = max(widest, display_width(str(value)) + 2)
    return float(min(widest, _WIDEST))
