"""Rows out as an aligned table, JSON or CSV (reminder.exports), and exports written as CSV or
XLSX: the one place CLI listings are formatted."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from reminder.cli.extras import require
from reminder.errors import UsageError
from reminder.exports import Column, Sheet, csv_text, display_width, xlsx_bytes

FORMATS = ("table", "json", "csv")
EXPORTS = ("csv", "xlsx")
_INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:\d\d|Z)")


def visible(text: str) -> str:
    """`text` safe for a terminal: control characters (an escape sequence from the database
    would recolour or rewrite the screen), line breaks and bidi controls shown as \\xNN or
    \\uNNNN instead of acted on."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else _escaped(ch) for ch in text)


def _escaped(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return visible(str(value))


def table(rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]]) -> str:
    """Columns are (key, header); cells padded by display width."""
    cells = [[_cell(row.get(key)) for key, _ in columns] for row in rows]
    headers = [header for _, header in columns]
    widths = [
        max([display_width(h)] + [display_width(r[i]) for r in cells])
        for i, h in enumerate(headers)
    ]

    def line(values: Sequence[str]) -> str:
        padded = [v + " " * (w - display_width(v)) for v, w in zip(values, widths, strict=True)]
        return "  ".join(padded).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in cells])


def to_json(rows: Sequence[dict[str, Any]]) -> str:
    return json.dumps(list(rows), ensure_ascii=False, indent=2)


def to_csv(rows: Sequence[dict[str, Any]], keys: Sequence[str]) -> str:
    """UTF-8 with a BOM and CRLF line ends, as Excel reads it: an instant as the local time it
    names (2027-01-22 09:00, no T, no offset), the period column as text, formulas defused."""
    columns = [Column(k, k, "period" if k == "period" else "text") for k in keys]
    return csv_text([_for_excel(r) for r in rows], columns).removesuffix("\r\n")


def _for_excel(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k: datetime.fromisoformat(v) if isinstance(v, str) and _INSTANT.fullmatch(v) else v
        for k, v in row.items()
    }


def render(rows: Sequence[dict[str, Any]], fmt: str, columns: Sequence[tuple[str, str]]) -> str:
    if fmt == "json":
        return to_json(rows)
    if fmt == "csv":
        return to_csv(rows, list(rows[0].keys()) if rows else [k for k, _ in columns])
    return table(rows, columns)


def export_checked(command: str, fmt: str, output: str | None) -> None:
    """Refuse an XLSX export without -o FILE (or without openpyxl) before any work is done."""
    if fmt == "xlsx" and not output:
        raise UsageError("--format xlsx writes a file: give -o FILE")
    if fmt == "xlsx":
        require(f"{command} --format xlsx", "web", "openpyxl")


def write_export(sheet: Sheet, fmt: str, output: str | None) -> None:
    """`sheet` as XLSX to `output`, or as CSV to `output` or stdout."""
    if fmt == "xlsx":
        Path(str(output)).write_bytes(xlsx_bytes([sheet]))
        return
    text = csv_text(sheet.rows, sheet.columns)
    if output:
        Path(output).write_text(text, encoding="utf-8", newline="")
    else:
        sys.stdout.write(text)
