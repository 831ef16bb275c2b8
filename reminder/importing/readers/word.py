"""Word .docx tables (python-docx): vertically and horizontally merged cells come back as the
same text in every position they cover; paragraphs inside a cell are joined. A document
without a table is read as prose (numbered tasks with 牵头单位：… lines)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from reminder.errors import ReadError
from reminder.importing.readers import Source, refuse_ole


def read(path: Path) -> Source:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    refuse_ole(path, "docx")
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ReadError(
            f"{path}: not a Word .docx file that can be read (damaged, encrypted or another "
            f"format: {type(exc).__name__})"
        ) from None
    tables = []
    for table in document.tables:
        rows = []
        for row in table.rows:
            rows.append(["\n".join(p.text for p in cell.paragraphs) for cell in row.cells])
        tables.append(rows)
    # A plan written as numbered paragraphs (牵头单位：… lines) rather than a table.
    return Source(tables=tables, prose=[p.text for p in document.paragraphs], unit="row")
