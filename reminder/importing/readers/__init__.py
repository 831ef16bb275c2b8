"""One module per format, each turning a file into what tasks.py reads: rows of cells (merged
cells repeated into every row and column they span), a stream of cells, or lines of prose."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from reminder.errors import ReadError

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an encrypted Office file, or an old .doc/.xls


def refuse_ole(path: Path, suffix: str) -> None:
    with path.open("rb") as f:
        if f.read(8) == OLE:
            raise ReadError(
                f"{path}: encrypted (password-protected) or in the old .doc/.xls format: save "
                f"it as .{suffix} without a password, then import that"
            )


@dataclass(kw_only=True)
class Source:
    """What a file held: tables (rows of cells), or the cells of a text export, or prose."""

    tables: list[list[list[str]]] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)
    prose: list[str] = field(default_factory=list)
    unit: str = "row"  # what a location in messages counts: row, line, page
    head: list[str] = field(default_factory=list)  # the first lines: the title, for its year

    def title_lines(self) -> list[str]:
        """Where a title may be: the first lines, paragraphs, cells and rows."""
        rows = [" ".join(row) for table in self.tables for row in table[:3]]
        return [*self.head, *self.prose[:8], *self.cells[:4], *rows]
