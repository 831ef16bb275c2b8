"""HTML tables (a saved government page): rowspan and colspan expanded. The standard
library's parser: no markup is run, scripts and styles are skipped."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from reminder.importing.readers import Source
from reminder.importing.readers.plain import decode


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[tuple[str, int, int]]]] = []
        self.stack: list[list[list[tuple[str, int, int]]]] = []
        self.cell: list[str] | None = None
        self.span = (1, 1)
        self.skip = 0
        self.outside: list[str] = []  # text outside tables: the title, for its year

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("script", "style"):
            self.skip += 1
        elif tag == "table":
            self.stack.append([])
        elif tag == "tr" and self.stack:
            self.stack[-1].append([])
        elif tag in ("td", "th") and self.stack:
            self.cell = []
            self.span = (_int(a.get("rowspan")), _int(a.get("colspan")))
        elif tag in ("br", "p", "div") and self.cell is not None:
            self.cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif tag in ("td", "th") and self.cell is not None and self.stack:
            if not self.stack[-1]:
                self.stack[-1].append([])
            self.stack[-1][-1].append(("".join(self.cell), *self.span))
            self.cell = None
        elif tag == "table" and self.stack:
            self.tables.append(self.stack.pop())

    def handle_data(self, data: str) -> None:
        if self.cell is not None and not self.skip:
            self.cell.append(data)
        elif not self.skip and not self.stack and data.strip() and len(self.outside) < 8:
            self.outside.append(data.strip())


def _int(value: str | None) -> int:
    try:
        return max(1, min(int(value or "1"), 500))
    except ValueError:
        return 1


def grid(rows: list[list[tuple[str, int, int]]]) -> list[list[str]]:
    """Rows with rowspan/colspan cells laid out on a grid, each spanned position filled."""
    out: list[list[str]] = []
    pending: dict[tuple[int, int], str] = {}
    for r, row in enumerate(rows):
        line: list[str] = []
        cells = iter(row)
        c = 0
        while True:
            if (r, c) in pending:
                line.append(pending.pop((r, c)))
                c += 1
                continue
            cell = next(cells, None)
            if cell is None:
                break
            text, rowspan, colspan = cell
            for dc in range(colspan):
                line.append(text)
                for dr in range(1, rowspan):
                    pending[(r + dr, c + dc)] = text
            c += colspan
        while (r, c) in pending:
            line.append(pending.pop((r, c)))
            c += 1
        out.append(line)
    return out


def read(path: Path) -> Source:
    parser = _Tables()
    parser.feed(decode(path.read_bytes(), path))
    parser.close()
    return Source(tables=[grid(t) for t in parser.tables], head=parser.outside)
