"""Typed, located reads from parsed TOML: each bad value becomes an `Issue`, never an exception.

The loader walks schedules.toml with these; every message names the field, and the line comes
from `tomlpos`.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date, time, timedelta
from typing import Any, TypeVar

from reminder.calendar.parse import parse_date, parse_offset
from reminder.calendar.rules import Offset
from reminder.config.tomlpos import line_of
from reminder.errors import Issue, RuleError

T = TypeVar("T")
ID_RE = re.compile(r"[a-z][a-z0-9_-]{0,63}")


def q(value: object) -> str:
    """Quote a value as it would be written in TOML."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


class Checker:
    """Collects located issues while the loader walks the parsed TOML."""

    def __init__(self, path: str, lines: Mapping[str, int]) -> None:
        self.path = path
        self.lines = lines
        self.errors: list[Issue] = []
        self.warnings: list[Issue] = []
        self.written_secrets: list[str] = []  # fields holding a secret written in the file
        # Mistakes in the environment's values (a URL that does not parse): errors for
        # `check`, but the service starts and holds what they concern, like an unset one.
        self.env_errors: list[Issue] = []

    def issue(self, field: str, message: str) -> Issue:
        return Issue(path=self.path, line=line_of(self.lines, field), field=field, message=message)

    def error(self, field: str, message: str) -> None:
        self.errors.append(self.issue(field, message))

    def warn(self, field: str, message: str) -> None:
        self.warnings.append(self.issue(field, message))

    def env_error(self, field: str, message: str) -> None:
        self.env_errors.append(self.issue(field, message))

    def secret_in_file(self, field: str, message: str) -> None:
        """A secret written in the file (not ${NAME}): a warning, and the config must not be
        copied anywhere (the config cache)."""
        self.written_secrets.append(field)
        self.warn(field, message)

    def known_keys(self, table: Mapping[str, Any], allowed: set[str], field: str) -> None:
        for key in table:
            if key not in allowed:
                close = difflib.get_close_matches(key, sorted(allowed), n=1)
                hint = f' (did you mean "{close[0]}"?)' if close else ""
                self.error(f"{field}.{key}" if field else key, f"unknown key{hint}")

    def get(
        self,
        table: Mapping[str, Any],
        key: str,
        field: str,
        kind: type[T],
        what: str,
        *,
        required: bool = False,
    ) -> T | None:
        """The value at `key` if it has the right type; else an issue and None."""
        if key not in table:
            if required:
                self.error(f"{field}.{key}", "is required")
            return None
        value = table[key]
        if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
            self.error(f"{field}.{key}", f"must be {what}, got {q(value)}")
            return None
        return value

    def text(
        self,
        table: Mapping[str, Any],
        key: str,
        field: str,
        *,
        required: bool = False,
        lines: bool = False,
    ) -> str | None:
        """A string; one line unless `lines`, and never with control characters (a line
        break in a title would end up in an email header)."""
        value = self.get(table, key, field, str, "a string", required=required)
        if value is not None and required and not value.strip():
            self.error(f"{field}.{key}", "must not be empty")
            return None
        if value is not None and (bad := unsafe_character(value, lines=lines)) is not None:
            self.error(f"{field}.{key}", bad)
            return None
        return value

    def strings(
        self, table: Mapping[str, Any], key: str, field: str, *, required: bool = False
    ) -> tuple[str, ...] | None:
        value = self.get(table, key, field, list, "a list of strings", required=required)
        if value is None:
            return None
        bad = [i for i, v in enumerate(value) if not isinstance(v, str)]
        for i in bad:
            self.error(f"{field}.{key}[{i}]", f"must be a string, got {q(value[i])}")
        return None if bad else tuple(value)

    def parsed(self, field: str, parse: Callable[[Any], T], value: Any) -> T | None:
        """Run a parser that raises RuleError; turn its message into an issue."""
        try:
            return parse(value)
        except RuleError as exc:
            self.error(field, str(exc))
            return None


# Characters that change how text is laid out or read rather than what it says: line and
# paragraph separators, and the bidirectional controls that reorder a line on screen.
_INVISIBLE = {"Zl", "Zp"}
_BIDI = set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))
_CONTROL_NAMES = {"\n": "LINE FEED", "\r": "CARRIAGE RETURN", "\x85": "NEXT LINE"}


def unsafe_character(value: str, *, lines: bool) -> str | None:
    """Why `value` may not be used as written, or None: a control character, or (unless
    `lines`) a line break of any kind."""
    allowed = {"\t", "\n", "\r"} if lines else {"\t"}
    for i, ch in enumerate(value):
        if ch in allowed:
            continue
        kind = unicodedata.category(ch)
        if kind == "Cc" or kind in _INVISIBLE or ord(ch) in _BIDI:
            name = unicodedata.name(ch, "") or _CONTROL_NAMES.get(ch, "CONTROL CHARACTER")
            where = f"U+{ord(ch):04X} ({name}) at character {i + 1}"
            if (kind == "Cc" and ch in "\r\n\x85") or kind in _INVISIBLE:
                return f"must be one line, but holds a line break: {where}"
            return f"holds an invisible control character: {where}; remove it"
    return None


def suggest(value: str, known: set[str]) -> str:
    """' (did you mean "office"?)' when `value` is close to a known id, else ''."""
    close = difflib.get_close_matches(value, sorted(known), n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""


def offset(check: Checker, field: str, value: Any, *, allow_zero: bool = True) -> Offset | None:
    return check.parsed(field, lambda v: parse_offset(v, allow_zero=allow_zero), value)


def offsets(
    check: Checker, table: Mapping[str, Any], key: str, field: str
) -> tuple[Offset, ...] | None:
    items = check.strings(table, key, field)
    if items is None:
        return None
    parsed = [offset(check, f"{field}.{key}[{i}]", v) for i, v in enumerate(items)]
    if any(p is None for p in parsed):
        return None
    if not items:
        check.error(f"{field}.{key}", 'must list at least one lead time, e.g. ["0d"]')
    return tuple(p for p in parsed if p is not None)


def time_of_day(check: Checker, table: Mapping[str, Any], key: str, field: str) -> time | None:
    value = check.text(table, key, field)
    if value is None:
        return None
    m = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value.strip())
    if m is None:
        check.error(f"{field}.{key}", f"{q(value)} is not a time of day (write HH:MM)")
        return None
    return time(int(m.group(1)), int(m.group(2)))


def choice(
    check: Checker, table: Mapping[str, Any], key: str, field: str, choices: tuple[str, ...]
) -> str | None:
    value = check.text(table, key, field)
    if value is not None and value not in choices:
        options = " | ".join(q(c) for c in choices)
        check.error(f"{field}.{key}", f"{q(value)} is not one of {options}")
        return None
    return value


def dates(check: Checker, table: Mapping[str, Any], key: str, field: str) -> frozenset[date]:
    value = check.get(table, key, field, list, "a list of dates")
    out: set[date] = set()
    for i, item in enumerate(value or []):
        day = check.parsed(f"{field}.{key}[{i}]", parse_date, item)
        if day is not None:
            out.add(day)
    return frozenset(out)


def new_id(
    check: Checker, table: Mapping[str, Any], field: str, seen: dict[str, str]
) -> str | None:
    value = check.text(table, "id", field, required=True)
    if value is None:
        return None
    if not ID_RE.fullmatch(value):
        check.error(
            f"{field}.id",
            f"{q(value)} is not an id: use lowercase letters, digits, "
            '"-" or "_", starting with a letter',
        )
        return None
    if value in seen:
        check.error(f"{field}.id", f"duplicate id {q(value)} (first used by {seen[value]})")
        return None
    seen[value] = field
    return value


def refs(
    check: Checker,
    table: Mapping[str, Any],
    key: str,
    field: str,
    known: set[str],
    *,
    required: bool,
) -> tuple[str, ...]:
    refs = check.strings(table, key, field, required=required)
    if refs is None:
        return ()
    if required and not refs:
        check.error(f"{field}.{key}", "must name at least one office or group")
    for j, ref in enumerate(refs):
        if ref not in known:
            check.error(
                f"{field}.{key}[{j}]", f"unknown office or group {q(ref)}{suggest(ref, known)}"
            )
    return refs


_DURATION_RE = re.compile(r"(\d{1,6})(s|m|h|d)")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def duration(check: Checker, table: Mapping[str, Any], key: str, field: str) -> timedelta | None:
    """A span of time written ``"30s"``, ``"1m"``, ``"2h"`` or ``"1d"``."""
    value = check.text(table, key, field)
    if value is None:
        return None
    m = _DURATION_RE.fullmatch(value.strip())
    if m is None or int(m.group(1)) == 0:
        check.error(
            f"{field}.{key}", f'{q(value)} is not a duration (write e.g. "30s", "1m", "2h" or "1d")'
        )
        return None
    return timedelta(seconds=int(m.group(1)) * _UNITS[m.group(2)])


def number(
    check: Checker,
    table: Mapping[str, Any],
    key: str,
    field: str,
    low: float,
    high: float,
    *,
    integer: bool = True,
) -> Any:
    """An int (or, with integer=False, an int or float) within [low, high]."""
    if key not in table:
        return None
    value = table[key]
    ok_type = isinstance(value, int) or (not integer and isinstance(value, float))
    if isinstance(value, bool) or not ok_type or not low <= value <= high:
        what = "a whole number" if integer else "a number"
        check.error(f"{field}.{key}", f"must be {what} from {low:g} to {high:g}, got {q(value)}")
        return None
    return value
