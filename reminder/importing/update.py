"""Next year's 方案 as a reviewed update of the running schedules file. Pure.

The new table's tasks are matched to the running file's task rows (those with a `task`
number): the same requirement word for word first (the same number before another), then by
the similarity of their requirements, with a bonus for the same number. A matched
task is unchanged when its requirement, 时限 words, section and the offices it names (and which
of them leads, where the table marks it) are the same; else changed, and only what changed is
rewritten (a new 时限 brings a new due rule, new offices new lead and cooperate, each with a
REVIEW line). The file written is the running one with these edits: settings, offices, groups,
leaders and unchanged rows as they were, new rows added at the end with REVIEW lines, gone rows
kept with an `end` date (their history stays).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher
from typing import Any

from reminder.importing.emit import Mapped, toml_list, toml_string
from reminder.importing.offices import MANY_LEADS

MATCH = 0.6  # similarity of requirements that makes two tasks one
SAME_NUMBER = 0.2  # added to the similarity when the task numbers agree
COMPARED = ("requirement", "limit", "section", "offices", "task")


@dataclass(frozen=True, kw_only=True, slots=True)
class Change:
    old: dict[str, Any] | None  # the running row (None: a new task)
    new: Mapped | None  # the new table's task (None: gone)
    score: float = 0.0
    fields: tuple[str, ...] = ()  # what differs, of COMPARED

    @property
    def state(self) -> str:
        """new, gone, changed, or unchanged: a task only renumbered (one inserted or removed
        above it) is unchanged; its number follows the new plan."""
        if self.old is None:
            return "new"
        if self.new is None:
            return "gone"
        return "changed" if set(self.fields) - {"task"} else "unchanged"

    @property
    def renumbered(self) -> bool:
        return "task" in self.fields


@dataclass(kw_only=True)
class Update:
    changes: list[Change] = field(default_factory=list)

    def count(self, state: str) -> int:
        return sum(1 for c in self.changes if c.state == state)


def _norm(text: object) -> str:
    return re.sub(r"\s+", "", str(text or ""))


def _offices(row: dict[str, Any]) -> set[str]:
    return {*row.get("lead", ()), *row.get("cooperate", ())}


def differs(old: dict[str, Any], new: Mapped) -> tuple[str, ...]:
    """The COMPARED fields in which the new task differs from the running row."""
    now = {
        "requirement": new.task.requirement,
        "limit": new.task.limit,
        "section": new.task.section,
    }
    out = [k for k, v in now.items() if _norm(old.get(k)) != _norm(v)]
    if _offices(old) != {*new.lead, *new.cooperate} or _lead_moved(old, new):
        out.append("offices")
    if old.get("task") != new.task.number:
        out.append("task")
    return tuple(out)


def _lead_moved(old: dict[str, Any], new: Mapped) -> bool:
    """The new table marks another lead among the offices both name (甲牵头，乙配合 -> 乙牵头，
    甲配合). Leads the import only guessed (several offices, none marked) are no change: the
    running file's may be a reviewed choice among them."""
    return MANY_LEADS not in new.reviews and set(new.lead) != set(old.get("lead", ()))


def match(rows: Sequence[dict[str, Any]], mapped: Sequence[Mapped]) -> Update:
    """Each new task paired with the running row it continues, best pairs first."""
    texts = [_norm(old.get("requirement")) for old in rows]
    new_texts = [_norm(new.task.requirement) for new in mapped]
    used_old: dict[int, tuple[int, float]] = {}
    used_new: set[int] = set()
    # The same requirement word for word is the same task, whatever its number now (a task
    # inserted above renumbers the rest): taken first, the same number before another. Only
    # what changed is left to compare pair by pair (500 rows unchanged: no comparison).
    same: dict[str, list[int]] = {}
    for j, text in enumerate(new_texts):
        same.setdefault(text, []).append(j)
    for numbered in (True, False):
        for i, old in enumerate(rows):
            free = [j for j in same.get(texts[i], []) if j not in used_new]
            if numbered:
                free = [j for j in free if mapped[j].task.number == old.get("task")]
            if free and i not in used_old:
                bonus = SAME_NUMBER if mapped[free[0]].task.number == old.get("task") else 0.0
                used_old[i] = (free[0], 1.0 + bonus)
                used_new.add(free[0])
    pairs = _scored(rows, mapped, texts, new_texts, set(used_old), used_new)
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    for score, i, j in pairs:
        if i not in used_old and j not in used_new:
            used_old[i] = (j, score)
            used_new.add(j)
    update = Update()
    for i, old in enumerate(rows):
        if i in used_old:
            j, score = used_old[i]
            fields = differs(old, mapped[j])
            update.changes.append(Change(old=old, new=mapped[j], score=score, fields=fields))
        else:
            update.changes.append(Change(old=old, new=None))
    update.changes += [Change(old=None, new=m) for j, m in enumerate(mapped) if j not in used_new]
    return update


def _scored(
    rows: Sequence[dict[str, Any]],
    mapped: Sequence[Mapped],
    texts: list[str],
    new_texts: list[str],
    skip_old: set[int],
    skip_new: set[int],
) -> list[tuple[float, int, int]]:
    """(score, i, j) of every pair not yet matched that scores at least MATCH: the ratio of
    their texts, plus SAME_NUMBER for the same task number. SequenceMatcher's cheap upper
    bounds skip the pairs that cannot reach MATCH before the full ratio is worked out."""
    pairs = []
    matcher = SequenceMatcher(None, autojunk=False)
    for j, new in enumerate(mapped):
        if j in skip_new:
            continue
        matcher.set_seq2(new_texts[j])
        for i, old in enumerate(rows):
            if i in skip_old:
                continue
            bonus = SAME_NUMBER if old.get("task") == new.task.number else 0.0
            matcher.set_seq1(texts[i])
            if matcher.real_quick_ratio() + bonus < MATCH or matcher.quick_ratio() + bonus < MATCH:
                continue
            if (score := matcher.ratio() + bonus) >= MATCH:
                pairs.append((score, i, j))
    return pairs


def summary(update: Update) -> list[str]:
    """Lines for the terminal: counts, then each change with its score and old -> new."""
    counts = [f"{update.count(s)} {s}" for s in ("unchanged", "changed", "new", "gone")]
    moved = sum(1 for c in update.changes if c.state == "unchanged" and c.renumbered)
    if moved:
        counts[0] += f" ({moved} of them renumbered)"
    lines = [", ".join(counts)]
    order = {"changed": 0, "new": 1, "gone": 2, "unchanged": 3}
    for c in sorted(update.changes, key=lambda c: order[c.state]):
        if c.state == "changed" and c.old is not None and c.new is not None:
            lines.append(f"changed {c.old['id']} (task {c.old.get('task')}, score {c.score:.2f}):")
            for name in c.fields:
                before, after = _shown(c.old, c.new, name)
                lines.append(f"  {name}: {before} -> {after}")
        elif c.state == "new" and c.new is not None:
            lines.append(f"new {c.new.id} (task {c.new.task.number}): {c.new.title}")
        elif c.state == "gone" and c.old is not None:
            lines.append(f"gone {c.old['id']} (task {c.old.get('task')}): {c.old.get('title')}")
        elif c.renumbered and c.old is not None and c.new is not None:
            lines.append(
                f"renumbered {c.old['id']}: task {c.old.get('task')} -> {c.new.task.number}"
            )
    return lines


def _shown(old: dict[str, Any], new: Mapped, name: str) -> tuple[str, str]:
    if name == "task":
        return str(old.get("task")), str(new.task.number)
    if name == "offices":
        return (
            _who(old.get("lead", ()), old.get("cooperate", ())),
            _who(new.lead, new.cooperate),
        )
    after = {"requirement": new.task.requirement, "limit": new.task.limit}.get(
        name, new.task.section
    )
    return _short(old.get(name)), _short(after)


def _who(lead: Sequence[str], cooperate: Sequence[str]) -> str:
    return f"lead {','.join(lead) or '-'}; cooperate {','.join(cooperate) or '-'}"


def _short(text: object, size: int = 40) -> str:
    s = _norm(text)
    return repr(s if len(s) <= size else s[: size - 1] + "…")


def toml_value(value: Any) -> str:
    """A value of a deadline's table as TOML (one line)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list | tuple):
        if all(isinstance(v, str) for v in value):
            return toml_list(value)
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def rewritten(old: dict[str, Any], new: Mapped, fields: Sequence[str]) -> list[str]:
    """A changed row: the running row with what changed taken from the new table."""
    row = dict(old)
    reviews = []
    for name in ("requirement", "limit", "section"):
        if name in fields:
            row[name] = getattr(new.task, name)
    if "task" in fields:
        row["task"] = new.task.number
    if "requirement" in fields:
        reviews.append("新方案改写了要求：请核对标题和期限")
    if "limit" in fields:
        row["due"] = new.limit.due
        if new.limit.kind == "routine":
            row["kind"] = "routine"
        else:
            row.pop("kind", None)
        reviews.append(f"新方案的时限为“{new.task.limit}”：due 按此改为 {new.limit.due}")
    if "offices" in fields:
        row["lead"], row["cooperate"] = list(new.lead), list(new.cooperate)
        reviews.append("新方案的责任单位有变：请核对 lead 和 cooperate")
    reviews += list(new.reviews) if "limit" in fields or "offices" in fields else []
    lines = ["[[deadlines]]", *(f"# REVIEW: {r}" for r in dict.fromkeys(reviews))]
    return lines + [f"{k} = {toml_value(v)}" for k, v in row.items()]


_HEADER = re.compile(r"^\s*\[\[?\s*[A-Za-z_]")
# [[deadlines]] as TOML allows it written: spaces inside the brackets, a comment after.
_DEADLINES = re.compile(r"^\s*\[\[\s*deadlines\s*\]\]\s*(?:#.*)?$")


def _blocks(lines: list[str]) -> list[tuple[int, int]]:
    """(first, last + 1) of each [[deadlines]] table in the file's lines, without the comments
    and blank lines that stand above the next table."""
    heads = [i for i, ln in enumerate(lines) if _DEADLINES.match(ln)]
    out = []
    for i in heads:
        j = next((k for k in range(i + 1, len(lines)) if _HEADER.match(lines[k])), len(lines))
        while j > i + 1 and (not lines[j - 1].strip() or lines[j - 1].lstrip().startswith("#")):
            j -= 1
        out.append((i, j))
    return out


def _ended(block: list[str], row: dict[str, Any], end: date) -> list[str]:
    """A gone row kept, ending with the old plan (a fixed date ends by itself)."""
    if "end" in row or re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(row.get("due", ""))):
        return block
    at = next((k + 1 for k, ln in enumerate(block) if ln.lstrip().startswith("id")), 1)
    note = f"# 新方案中已无此项：保留历史，{end.isoformat()} 后不再提醒"
    return [*block[:at], note, f"end = {end.isoformat()}", *block[at:]]


def _numbered(block: list[str], number: int | None, old: object) -> list[str]:
    """A row's `task = N` line set to the new plan's number, or (None) taken out of a gone row
    whose number the new plan gives another task, with a comment keeping the old one."""
    at = next((k for k, ln in enumerate(block) if re.match(r"\s*task\s*=", ln)), None)
    if at is None:
        return block
    if number is None:
        return [*block[:at], f"# 原任务{old}：新方案中此序号已是另一项", *block[at + 1 :]]
    return [*block[:at], f"task = {number}", *block[at + 1 :]]


def updated_text(
    running: str, rows: Sequence[dict[str, Any]], update: Update, added: Sequence[str], end: date
) -> str:
    """The running file with the update applied; `rows` its deadlines in file order, `added`
    the text of new offices and new rows to append."""
    lines = running.splitlines()
    by_id = {id(c.old): c for c in update.changes if c.old is not None}
    numbers = {c.new.task.number for c in update.changes if c.new is not None}
    out: list[str] = []
    at = 0
    for (first, last), row in zip(_blocks(lines), rows, strict=True):
        out += lines[at:first]
        block = lines[first:last]
        change = by_id.get(id(row))
        if change is not None and change.state == "gone":
            block = _ended(block, row, end)
            if row.get("task") in numbers:
                block = _numbered(block, None, row.get("task"))
        elif change is not None and change.state == "changed" and change.new is not None:
            block = rewritten(row, change.new, change.fields)
        elif change is not None and change.renumbered and change.new is not None:
            block = _numbered(block, change.new.task.number, row.get("task"))
        out += block
        at = last
    out += lines[at:]
    return "\n".join([*out, *added]).rstrip("\n") + "\n"
