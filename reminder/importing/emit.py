"""Tasks, their offices and limits mapped, written as schedules.toml text to review: the
offices and groups the config lacks, then one [[deadlines]] per task with the source's words
in comments and a # REVIEW: line above anything a person must decide."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from reminder.config.model import Config
from reminder.importing.cadence import spread
from reminder.importing.limits import Limit, map_limit
from reminder.importing.offices import Matcher, split
from reminder.importing.tasks import RawTask
from reminder.importing.titles import id_of, title_of


@dataclass(frozen=True, kw_only=True, slots=True)
class Mapped:
    task: RawTask
    id: str
    title: str
    lead: tuple[str, ...]
    cooperate: tuple[str, ...]
    limit: Limit
    reviews: tuple[str, ...]


def toml_string(text: str) -> str:
    """A TOML basic string (one line)."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def toml_list(items: Sequence[str]) -> str:
    return "[" + ", ".join(toml_string(i) for i in items) + "]"


def who(t: RawTask, first_leads: bool) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    """Lead and cooperating names of a task, and a review when the leads are a guess. A 牵头
    column (or line) names the leads; 配合 and 责任 beside it name the cooperating offices."""
    if t.lead:
        lead = split(t.lead, first_leads=first_leads)
        more = split(t.cooperate).names + split(t.responsibility).names
        cooperate = tuple(dict.fromkeys(n for n in lead.cooperate + more if n not in lead.lead))
        return lead.lead, cooperate, lead.review
    if t.cooperate and not t.responsibility:
        return (), split(t.cooperate).names, ""
    parts = split(t.responsibility, first_leads=first_leads)
    cooperate = parts.cooperate + tuple(n for n in split(t.cooperate).names if n not in parts.names)
    return parts.lead, cooperate, parts.review


def map_tasks(
    tasks: Sequence[RawTask],
    matcher: Matcher,
    taken: set[str],
    plan: int | None = None,
    first_leads: bool = False,
) -> list[Mapped]:
    out = []
    shared = Counter(t.category for t in tasks)
    for i, t in enumerate(tasks, 1):
        reviews = list(t.notes)
        lead, cooperate, review = who(t, first_leads)
        if review:
            reviews.append(review)
        if not lead:
            reviews.append("没有识别出牵头（责任）科室：请填写 lead")
        limit = map_limit(t.limit, t.requirement, plan)
        if limit.review:
            reviews.append(limit.review)
        # A category over this task alone is its own name; one over several is a heading.
        title = title_of(t.requirement, t.category if shared[t.category] == 1 else "")
        if title.review:
            reviews.append(title.review)
        text = title.text or (f"第{t.number}项" if t.number else f"第{i}项")
        fallback = f"task-{t.number}" if t.number is not None else f"task-r{i}"
        lead_ids = tuple(matcher.ids(lead))
        coop_ids = tuple(c for c in matcher.ids(cooperate) if c not in lead_ids)
        out.append(
            Mapped(
                task=t,
                id=id_of(text, taken, fallback),
                title=text,
                lead=lead_ids,
                cooperate=coop_ids,
                limit=limit,
                reviews=tuple(reviews),
            )
        )
    return with_cadence(out)


def with_cadence(mapped: list[Mapped]) -> list[Mapped]:
    """Routine duties given the cadence that spreads them over the months (cadence.py)."""
    routine = [i for i, m in enumerate(mapped) if m.limit.kind == "routine"]
    chosen = spread([(mapped[i].lead, mapped[i].task.limit) for i in routine])
    out = list(mapped)
    for i, c in zip(routine, chosen, strict=True):
        m = mapped[i]
        limit = replace(m.limit, due=c.due, note=c.note)
        out[i] = replace(m, limit=limit, reviews=m.reviews + ((c.review,) if c.review else ()))
    return out


def office_block(matcher: Matcher, config: Config | None) -> list[str]:
    lines: list[str] = []
    for ident, name in matcher.proposed_offices.items():
        lines += [
            "",
            f"# REVIEW: 新科室“{name}”：{'未在现有配置中找到；' if config else ''}"
            "请核对名称，并填写 email、wecom 或 webhook",
            "[[offices]]",
            f"id = {toml_string(ident)}",
            f"name = {toml_string(name)}",
        ]
    for ident, name in matcher.proposed_groups.items():
        members = sorted({*(config.offices if config else ()), *matcher.proposed_offices} - {ident})
        lines += [
            "",
            f"# REVIEW: 新分组“{name}”：成员暂列全部科室，请核对",
            "[[groups]]",
            f"id = {toml_string(ident)}",
            f"name = {toml_string(name)}",
            f"members = {toml_list(members)}",
        ]
    return lines


def deadline_block(m: Mapped, heading: str) -> list[str]:
    """A task's table; `heading` the category above it, when it starts a new one."""
    t = m.task
    who = t.responsibility or "；".join(x for x in (t.lead, t.cooperate) if x)
    said = "；".join(x for x in (who, t.limit) if x)
    lines = [""]
    if heading:
        lines += [f"# {heading}", ""]
    lines.append(f"# {t.number}. {said}" if t.number is not None else f"# {said}")
    lines += [f"# REVIEW: {r}" for r in m.reviews]
    if m.limit.note:
        lines.append(f"# {m.limit.note}")
    lines += ["[[deadlines]]", f"id = {toml_string(m.id)}"]
    if t.number is not None:
        lines.append(f"task = {t.number}")
    if m.limit.kind == "routine":
        lines.append('kind = "routine"')
    if t.section:
        lines.append(f"section = {toml_string(t.section)}")
    lines += [
        f"title = {toml_string(m.title)}",
        f"requirement = {toml_string(t.requirement)}",
        f"limit = {toml_string(t.limit)}",
        f"lead = {toml_list(m.lead)}",
        f"cooperate = {toml_list(m.cooperate)}",
        f"due = {toml_string(m.limit.due)}",
    ]
    return lines


STARTER = """[settings]
timezone = "Asia/Shanghai"
send_time = "09:00"
workdays = "cn"
"""


def toml_text(
    mapped: Sequence[Mapped], matcher: Matcher, config: Config | None, source: str
) -> str:
    name = "".join(ch if ch.isprintable() else "?" for ch in source)
    head = [
        f"# 由 reminder import 从 {name} 读出 {len(mapped)} 项任务。",
        "# 请逐条核对标有 REVIEW 的内容，再运行 reminder check 和 reminder preview。",
    ]
    if config is None:
        head += ["", STARTER.rstrip()]
    else:
        head.append(f"# 以下内容可追加到 {config.path} 之后（其中的科室、分组为该文件中没有的）。")
    lines = head + office_block(matcher, config)
    shown = ""
    for m in mapped:
        heading = m.task.category if m.task.category != shown else ""
        shown = m.task.category
        lines += deadline_block(m, heading)
    return "\n".join(lines) + "\n"
