"""Reader of the `[[deadlines]]` sections of schedules.toml."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from reminder.calendar.leadtime import Shift
from reminder.calendar.parse import parse_date, parse_rule
from reminder.config.checker import Checker, choice, new_id, offsets, q, refs, time_of_day
from reminder.config.model import Deadline, DeadlineKind
from reminder.config.settings import cadence

KEYS = {
    "deadlines": {
        "id",
        "task",
        "kind",
        "section",
        "title",
        "requirement",
        "limit",
        "lead",
        "cooperate",
        "due",
        "remind",
        "cooperate_remind",
        "overdue",
        "overdue_every",
        "overdue_limit",
        "routine_to",
        "leader_after",
        "shift",
        "send_time",
        "start",
        "end",
    },
}


def deadlines(items: list[dict[str, Any]], check: Checker, known: set[str]) -> list[Deadline]:
    out: list[Deadline] = []
    seen: dict[str, str] = {}
    tasks: dict[int, str] = {}
    for i, table in enumerate(items):
        f = f"deadlines[{i}]"
        check.known_keys(table, KEYS["deadlines"], f)
        deadline = read_deadline(table, f, check, known, seen)
        if deadline is None:
            continue
        if deadline.task is not None:
            if deadline.task in tasks:
                check.warn(
                    f"{f}.task", f"task {deadline.task} is also deadline {q(tasks[deadline.task])}"
                )
            tasks.setdefault(deadline.task, deadline.id)
        out.append(deadline)
    return out


def read_deadline(
    table: dict[str, Any], f: str, check: Checker, known: set[str], seen: dict[str, str]
) -> Deadline | None:
    before = len(check.errors)
    deadline_id = new_id(check, table, f, seen)
    title = check.text(table, "title", f, required=True)
    task = check.get(table, "task", f, int, "a task number")
    if task is not None and not 1 <= task <= 9999:
        check.error(f"{f}.task", f"must be a task number from 1 to 9999, got {task}")
    lead = refs(check, table, "lead", f, known, required=True)
    cooperate = refs(check, table, "cooperate", f, known, required=False)
    bounds = {
        k: check.parsed(f"{f}.{k}", parse_date, table[k]) for k in ("start", "end") if k in table
    }
    if isinstance(table.get("due"), date):  # an unquoted TOML date
        table = {**table, "due": table["due"].isoformat()}
    due_text = check.get(table, "due", f, str, 'a due rule like "yearly 01-31"', required=True)
    rule = None
    if due_text is not None and None not in bounds.values():
        rule = check.parsed(
            f"{f}.due",
            lambda v: parse_rule(v, start=bounds.get("start"), end=bounds.get("end")),
            due_text,
        )
    remind = offsets(check, table, "remind", f) if "remind" in table else None
    shift = choice(check, table, "shift", f, ("before", "after", "none"))
    send_time = time_of_day(check, table, "send_time", f)
    requirement = check.text(table, "requirement", f, lines=True) or ""
    limit = check.text(table, "limit", f) or ""
    kind = choice(check, table, "kind", f, ("deadline", "routine")) or "deadline"
    section = check.text(table, "section", f) or ""
    chase = cadence(check, table, f)
    if kind == "routine":
        for key in sorted(
            set(chase) & {"overdue", "overdue_every", "overdue_limit", "leader_after"}
        ):
            check.warn(
                f"{f}.{key}",
                "a routine duty is announced once a period and never chased as overdue: "
                f'{key} has no effect (remove it, or make the task kind = "deadline")',
            )
    if len(check.errors) > before or deadline_id is None or title is None or rule is None:
        return None
    return Deadline(
        id=deadline_id,
        title=title,
        rule=rule,
        lead=lead,
        cooperate=cooperate,
        task=task,
        kind=cast(DeadlineKind, kind),
        section=section,
        requirement=requirement,
        limit=limit,
        remind=remind,
        shift=cast(Shift | None, shift),
        send_time=send_time,
        **chase,
    )
