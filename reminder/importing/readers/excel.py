"""Excel .xlsx sheets (openpyxl): every sheet (or the one --sheet names), merged ranges
filled with their top-left value, dates written as the table shows them."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

from openpyxl.worksheet.worksheet import Worksheet

from reminder.errors import ReadError
from reminder.importing.readers import Source, refuse_ole


def read(path: Path, sheet: str | None = None) -> Source:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    refuse_ole(path, "xlsx")
    try:
        book = load_workbook(str(path), data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ReadError(
            f"{path}: not an Excel .xlsx file that can be read (damaged, encrypted or another "
            f"format: {type(exc).__name__})"
        ) from None
    if sheet is not None and sheet not in book.sheetnames:
        names = "、".join(book.sheetnames)
        raise ReadError(f"{path}: no sheet {sheet!r} (sheets: {names})")
    sheets = [book[sheet]] if sheet is not None else book.worksheets
    return Source(tables=[_grid(ws) for ws in sheets])


def _text(value: object) -> str:
    """A cell as the table shows it: a date as 2026年3月31日 (a 完成时限 typed as a date)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return f"{value.year}年{value.month}月{value.day}日"
    return str(value)


def _grid(ws: Worksheet) -> list[list[str]]:
    """A sheet's rows, each merged range filled with its top-left value."""
    grid = [[_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    for merged in ws.merged_cells.ranges:
        top = grid[merged.min_row - 1][merged.min_col - 1] if grid else ""
        for r in range(merged.min_row - 1, min(merged.max_row, len(grid))):
            for c in range(merged.min_col - 1, merged.max_col):
                if c < len(grid[r]):
                    grid[r][c] = top
    return grid
