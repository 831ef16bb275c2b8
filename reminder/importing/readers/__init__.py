"""One module per format, each turning a file into what tasks.py reads: rows of cells (merged
cells repeated into every row and column they span), a stream of cells, or lines of prose."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(kw_only=True)
class Source:
    """What a file held: tables (rows of cells), or the cells of a text export, or prose."""

    tables: list[list[list[str]]] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)
    prose: list[str] = field(default_factory=list)
    unit: str = "row"  # what a location in messages counts: row, line, page
