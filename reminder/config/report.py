"""The ``[report]`` section: who gets the 通报 by itself, and how often."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from reminder.config.checker import Checker, choice, number, q, suggest
from reminder.config.model import ReportSettings

KEYS = {"report": {"to", "every", "workday"}}


def report(table: Mapping[str, Any], check: Checker, ids: set[str]) -> ReportSettings | None:
    """None when the section is absent; `ids`: the offices and groups declared."""
    f = "report"
    if not table:
        return None
    check.known_keys(table, KEYS[f], f)
    to = table.get("to")
    if not isinstance(to, list) or not to or not all(isinstance(t, str) for t in to):
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
    )
