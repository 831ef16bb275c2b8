"""CSV and text: UTF-8 (with or without a BOM) or GB18030; a text file is a delimited paste
(tabs or |), a prose list (牵头单位：… lines), or an export whose cells start on a tabbed line
and wrap onto unindented ones (the shipped task table)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from reminder.errors import ReadError
from reminder.importing.readers import Source
from reminder.importing.tasks import FIELD_LABEL


def decode(data: bytes, path: Path) -> str:
    if not data.strip():
        raise ReadError(f"{path}: the file is empty")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ReadError(f"{path}: not text in UTF-8 or GB18030")


def read_csv(path: Path) -> Source:
    text = decode(path.read_bytes(), path)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;|")
        rows = list(csv.reader(io.StringIO(text), dialect))
    except csv.Error:
        rows = list(csv.reader(io.StringIO(text)))
    return Source(tables=[rows])


def _delimited(lines: list[str]) -> list[list[str]] | None:
    """Rows of a tab- or |-separated paste, when most lines have several fields."""
    filled = [ln for ln in lines if ln.strip()]
    for sep in ("|", "\t"):
        split = [[f.strip() for f in _fields(ln, sep)] for ln in filled]
        wide = [r for r in split if sum(1 for f in r if f) >= 2]
        if filled and len(wide) >= 0.5 * len(filled):
            return [r for r in split if not all(set(f) <= set("-:= ") for f in r)]
    return None


def _fields(line: str, sep: str) -> list[str]:
    """A line's fields; an empty first field (a merged 序号 pasted from Excel) is kept."""
    if sep == "|":
        return line.strip().removeprefix("|").removesuffix("|").split("|")
    return line.rstrip("\r\n").split("\t")


def cells_of(lines: list[str]) -> list[str]:
    """Cells of an export: a line starting with a tab starts one; an unindented line continues
    the cell before it (a wrapped cell); blank lines separate nothing."""
    cells: list[str] = []
    started = False
    for line in lines:
        if not line.strip():
            continue
        if line.startswith(("\t", " " * 4)):
            cells.append(line.strip())
            started = True
        elif started and cells:
            cells[-1] += line.strip()
    return cells


def read_text(path: Path) -> Source:
    text = decode(path.read_bytes(), path)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    head = [line for line in lines[:12] if line.strip()][:4]
    if any(FIELD_LABEL.match(line.strip()) for line in lines):
        return Source(prose=lines, unit="line", head=head)
    if any(line.startswith("\t") and line.strip() for line in lines) and not any(
        len([f for f in line.split("\t") if f.strip()]) >= 2 for line in lines
    ):
        return Source(cells=cells_of(lines), unit="cell", head=head)
    rows = _delimited(lines)
    if rows is not None:
        return Source(tables=[rows], unit="line", head=head)
    if any(re.match(r"\s*\d{1,3}\s*[.．、]", line) for line in lines):
        return Source(prose=lines, unit="line", head=head)
    raise ReadError(f"{path}: no task table found (no header row, no numbered tasks)")
