"""Excel .xlsx sheets (openpyxl): merged ranges filled with their top-left value."""

from __future__ import annotations

import zipfile
from pathlib import Path

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
    ws = book[sheet] if sheet is not None else book.worksheets[0]
    grid = [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)]
    for merged in ws.merged_cells.ranges:
        top = grid[merged.min_row - 1][merged.min_col - 1] if grid else ""
        for r in range(merged.min_row - 1, min(merged.max_row, len(grid))):
            for c in range(merged.min_col - 1, merged.max_col):
                if c < len(grid[r]):
                    grid[r][c] = top
    return Source(tables=[grid])
