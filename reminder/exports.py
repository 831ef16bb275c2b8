"""Tables out as files people open in Excel: CSV in UTF-8 with a BOM (what Chinese Excel needs
to read it as UTF-8) and XLSX. Cells from the config or the database are data, never formulas:
a CSV cell starting like a formula gets a leading ', an XLSX cell is written as text."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
Columns = Sequence[tuple[str, str]]  # (key, header)


def defused(value: Any) -> Any:
    """A CSV cell Excel will not run: text starting like a formula gets a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _cell(value: Any) -> Any:
    return "" if value is None else defused(value)


def csv_lines(
    rows: Iterable[dict[str, Any]], columns: Columns, *, bom: bool = True
) -> Iterator[str]:
    """The CSV text in pieces (a header line, then a piece per 500 rows), for streaming."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([header for _, header in columns])
    yield (BOM if bom else "") + out.getvalue()
    out.seek(0)
    out.truncate()
    for n, row in enumerate(rows, 1):
        writer.writerow([_cell(row.get(key)) for key, _ in columns])
        if n % 500 == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def csv_text(rows: Iterable[dict[str, Any]], columns: Columns, *, bom: bool = True) -> str:
    return "".join(csv_lines(rows, columns, bom=bom))


def xlsx_bytes(sheets: Sequence[tuple[str, Columns, Iterable[dict[str, Any]]]]) -> bytes:
    """A workbook with one sheet per (title, columns, rows); every text cell is text."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, columns, rows in sheets:
        sheet = book.create_sheet(title=title[:31])
        for i, (_, header) in enumerate(columns):
            width = max(10, min(60, 2 * len(header) + 4))
            sheet.column_dimensions[_letter(i)].width = width
        header_cells = []
        for _, header in columns:
            cell = WriteOnlyCell(sheet, value=header)
            cell.font = bold
            header_cells.append(cell)
        sheet.append(header_cells)
        for row in rows:
            cells = []
            for key, _ in columns:
                value = row.get(key)
                cell = WriteOnlyCell(sheet, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # never a formula, whatever it starts with
                cells.append(cell)
            sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(index + 1))
