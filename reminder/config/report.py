"""The ``[report]`` section: who gets the 通报 by itself, how often, and the numbers of the
通报 (文号) and of the 督办通知单."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from reminder.config.checker import Checker, choice, number, q, suggest
from reminder.config.model import NOTICE_NUMBER, REPORT_NUMBER, ReportSettings

KEYS = {"report": {"to", "every", "workday", "number", "notice_number"}}


def report(table: Any, check: Checker, ids: set[str]) -> ReportSettings | None:
    """None when the section is absent (a bare [report] sends it to every office); `ids`: the
    offices and groups declared."""
    f = "report"
    if table is None:
        return None
    if not isinstance(table, Mapping):
        check.error(f, "must be a table: [report]")
        return None
    check.known_keys(table, KEYS[f], f)
    to = table.get("to", [])
    if not isinstance(to, list) or not all(isinstance(t, str) for t in to):
        check.error(f"{f}.to", 'must list offices or groups, e.g. to = ["office"]')
        return None
    for i, ref in enumerate(to):
        if ref not in ids:
            check.error(f"{f}.to[{i}]", f"unknown office or group {q(ref)}{suggest(ref, ids)}")
    every = choice(check, table, "every", f, ("month", "year"))
    workday = number(check, table, "workday", f, 1, 20)
    return ReportSettings(
        to=tuple(to),
        every=cast(Any, every or "month"),
        workday=int(workday) if workday is not None else 1,
        number=_pattern(check, table, "number", REPORT_NUMBER),
        notice_number=_pattern(check, table, "notice_number", NOTICE_NUMBER),
    )


def _pattern(check: Checker, table: Mapping[str, Any], key: str, default: str) -> str:
    """A document number's pattern: one line holding {n}, and {year} if it likes."""
    value = check.text(table, key, "report")
    if value is None:
        return default
    try:
        value.format(year=2027, n=1)
    except (KeyError, IndexError, ValueError):
        braces = f'{q(value)}: only {{year}} and {{n}} may be in braces, e.g. "{default}"'
        check.error(f"report.{key}", braces)
        return default
    if "{n}" not in value:
        check.error(f"report.{key}", f'{q(value)} has no {{n}}, e.g. "{default}"')
        return default
    return value
