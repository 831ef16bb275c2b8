"""Line numbers for TOML keys, so a config error can say ``schedules.toml:57: deadlines[3].due``.

`tomllib` parses values but forgets where they were. This scanner reads the same text once
more and records the line of every table header, key and array element, as a field path.
It runs only on text `tomllib` has already accepted, and when in doubt it falls back to
the enclosing table's line, so it never has to be a full TOML parser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

_HEADER = re.compile(r"\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_PART = r"""(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')"""
_KEY = re.compile(rf"\s*({_PART}(?:\s*\.\s*{_PART})*)\s*=")


def _clean_key(raw: str) -> str:
    return ".".join(part.strip().strip("\"'") for part in raw.split("."))


@dataclass
class _Open:
    """An array or inline table whose closing bracket has not been seen yet."""

    kind: str  # "[" or "{"
    path: str
    index: int = 0  # next element of an array
    seen: bool = False  # has the current element's first token been recorded


class _Scanner:
    def __init__(self) -> None:
        self.lines: dict[str, int] = {}
        self.counts: dict[str, int] = {}
        self.prefix = ""
        self.in_string: str | None = None  # the closing delimiter of an open multi-line string
        self.stack: list[_Open] = []

    def record(self, path: str, line: int) -> None:
        self.lines.setdefault(path, line)

    def header(self, text: str, line: int) -> None:
        m = _HEADER.match(text)
        if m is None:
            return
        name = _clean_key(m.group(2))
        if m.group(1) == "[[":
            index = self.counts.get(name, 0)
            self.counts[name] = index + 1
            self.prefix = f"{name}[{index}]"
        else:
            self.prefix = name
        self.record(self.prefix, line)

    def scan_value(self, text: str, pos: int, line: int, path: str) -> None:
        """Walk a value (or the rest of a continued one), tracking strings and brackets."""
        while pos < len(text):
            if self.in_string is not None:
                end = text.find(self.in_string, pos)
                if end < 0:
                    return
                pos = end + len(self.in_string)
                self.in_string = None
                continue
            ch = text[pos]
            if ch == "#":
                return
            if ch in " \t,":
                pos += 1
                continue
            if self.stack and ch not in "]}":
                top = self.stack[-1]
                if top.kind == "[" and not top.seen:
                    self.record(f"{top.path}[{top.index}]", line)
                    top.seen = True
            if ch in "[{":
                if self.stack:
                    top = self.stack[-1]
                    child = f"{top.path}[{top.index}]" if top.kind == "[" else top.path
                else:
                    child = path
                self.stack.append(_Open(ch, child))
                pos += 1
                continue
            if ch in "]}":
                if self.stack:
                    self.stack.pop()
                pos = self.after_item(text, pos + 1)
                continue
            if ch in "\"'":
                pos = self.skip_string(text, pos)
            else:
                pos += 1
            pos = self.after_item(text, pos)

    def after_item(self, text: str, pos: int) -> int:
        # Consume the rest of a bare item up to a separator; a comma opens the next element.
        while pos < len(text) and text[pos] not in ",]}#\"'[{":
            pos += 1
        if pos < len(text) and text[pos] == "," and self.stack and self.stack[-1].kind == "[":
            self.stack[-1].index += 1
            self.stack[-1].seen = False
        return pos

    def skip_string(self, text: str, pos: int) -> int:
        quote = text[pos]
        if text.startswith(quote * 3, pos):
            end = text.find(quote * 3, pos + 3)
            if end < 0:
                self.in_string = quote * 3
                return len(text)
            return end + 3
        pos += 1
        while pos < len(text):
            if text[pos] == "\\" and quote == '"':
                pos += 2
                continue
            if text[pos] == quote:
                return pos + 1
            pos += 1
        return pos

    def line(self, text: str, number: int) -> None:
        if self.in_string is not None or self.stack:
            self.scan_value(text, 0, number, "")
            return
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            return
        if stripped.startswith("["):
            self.header(text, number)
            return
        m = _KEY.match(text)
        if m is None:
            return
        key = _clean_key(m.group(1))
        path = f"{self.prefix}.{key}" if self.prefix else key
        self.record(path, number)
        self.scan_value(text, m.end(), number, path)


def key_lines(text: str) -> dict[str, int]:
    """Map field paths (``deadlines[3].due``, ``offices[0].email[1]``) to 1-based line numbers."""
    scanner = _Scanner()
    for number, line in enumerate(text.splitlines(), start=1):
        scanner.line(line, number)
    return scanner.lines


class KeyLines(Mapping[str, int]):
    """`key_lines(text)`, scanned only as far as asked: only an error or a warning needs a
    line, and scanning a file of 20,000 deadlines costs more than parsing it. A key is looked
    for from where the last search stopped; one under a table the file does not have (`roots`:
    the top-level keys TOML read) is known missing without a scan."""

    def __init__(self, text: str, roots: frozenset[str] | None = None) -> None:
        self._text = text
        self._roots = roots
        self._scanner = _Scanner()
        self._rest: Iterator[tuple[int, str]] | None = None
        self._done = False

    def _find(self, key: str) -> bool:
        lines = self._scanner.lines
        if key in lines:
            return True
        if self._done or (self._roots is not None and _root(key) not in self._roots):
            return False
        if self._rest is None:
            self._rest = enumerate(self._text.splitlines(), start=1)
        for number, line in self._rest:
            self._scanner.line(line, number)
            if key in lines:
                return True
        self._done = True
        return False

    def _all(self) -> dict[str, int]:
        self._find("\0")  # no such key: scans to the end
        return self._scanner.lines

    def __getitem__(self, key: str) -> int:
        if self._find(key):
            return self._scanner.lines[key]
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


def _root(key: str) -> str:
    """The top-level key of a field path: "offices" of "offices[0].wecom"."""
    return re.split(r"[.\[]", key, maxsplit=1)[0]


def line_of(lines: Mapping[str, int], field: str) -> int:
    """The line of `field`, else of its closest enclosing key or table, else 1."""
    path = field
    while path:
        if path in lines:
            return lines[path]
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return 1
