"""Rows of cells (or the cells of a text export, or a prose list) into tasks: which column
holds what, found by its header words whatever the order and naming; section headings; header
rows repeated on every page skipped; a task split over two pages joined. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from reminder.importing.text import SECTION, SUBSECTION, clean, number_of, tidy_heading

# Header words, most specific first: (role, words a header cell may contain).
HEADERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("number", ("序号", "编号")),
    ("lead", ("牵头单位", "牵头科室", "牵头部门", "牵头股室", "主办单位")),
    (
        "cooperate",
        ("配合单位", "配合科室", "配合部门", "配合股室", "协办单位", "参与单位", "参加单位"),
    ),
    ("responsibility", ("责任科室", "责任单位", "责任部门", "责任股室", "责任主体", "承办单位")),
    (
        "limit",
        (
            "完成时限",
            "时限要求",
            "完成时间",
            "时间节点",
            "办理时限",
            "进度安排",
            "时间安排",
            "完成期限",
            "时间进度",
            "进度要求",
            "时限",
        ),
    ),
    (
        "requirement",
        (
            "具体要求",
            "具体工作",
            "工作内容",
            "任务内容",
            "主要内容",
            "具体任务",
            "工作措施",
            "任务事项",
            "工作事项",
            "具体措施",
        ),
    ),
    ("category", ("工作任务", "重点任务", "主要任务", "任务名称")),
    ("section", ("工作要求", "工作类别", "类别", "项目")),
)
FIELD_LABEL = re.compile(
    r"^(牵头单位|牵头科室|牵头部门|责任单位|责任科室|责任部门|配合单位|配合科室|配合部门|"
    r"完成时限|时限要求|完成时间)\s*[:：]\s*"
)
_OFFICE_END = re.compile(r"(科|室|局|委|办|单位|部门|股|中心|所|队|处|站|组)$")
_MARKERS = ("牵头", "配合", "负责", "办理", "协办")


@dataclass(kw_only=True)
class RawTask:
    """A task as read, before its offices and limit are mapped."""

    number: int | None
    requirement: str
    section: str = ""
    category: str = ""
    responsibility: str = ""
    lead: str = ""
    cooperate: str = ""
    limit: str = ""
    where: str = ""  # "row 12", "page 3": for messages
    notes: list[str] = field(default_factory=list)


def _bare(cell: str) -> str:
    """A header cell without spaces and its note in brackets (责任单位（排在第一位的为牵头单位）:
    the note is read for who leads, not for the column's role)."""
    return re.sub(r"[（(][^（()）]*[）)]", "", re.sub(r"\s+", "", cell))


def role_of(cell: str) -> str | None:
    text = _bare(cell)
    if not text or len(text) > 16:
        return None
    for role, words in HEADERS:
        if any(w in text for w in words):
            return role
    return None


def is_header_word(cell: str) -> bool:
    """A cell that is a column's name, not a task's words ("2.落实年度重点任务" is a task)."""
    text = _bare(cell)
    if len(text) > 10 or number_of(text)[0] is not None:
        return False
    return role_of(text) is not None


def columns_of(cells: Sequence[str]) -> dict[int, str] | None:
    """The role of each column, if this row is a header row: every cell a column's name, two
    or more roles, one of them the task's text or its offices."""
    filled = [c for c in cells if c]
    if len(set(filled)) < 2 or not all(is_header_word(c) for c in filled):
        return None  # a title across the table, or a task that names a header word
    roles = {i: r for i, c in enumerate(cells) if (r := role_of(c)) is not None}
    found = set(roles.values())
    if len(found) < 2 or not found & {"requirement", "category", "responsibility", "lead"}:
        return None
    if "requirement" not in found and "category" in found:
        # 工作任务 alone is the task's own text.
        roles = {i: ("requirement" if r == "category" else r) for i, r in roles.items()}
    return roles


def looks_like_offices(text: str) -> bool:
    if not text or len(text) > 80 or text.endswith(("。", ".")):
        return False
    if any(m in text for m in _MARKERS):
        return True
    names = re.split(r"[、，,/\s]+", text)
    return all(_OFFICE_END.search(n.strip("（）()")) for n in names if n)


def _numeral(heading: str) -> str:
    return re.sub(r"[\s（()）、]", "", re.split(r"[、）)]", heading, maxsplit=1)[0])


def _heading(text: str, state: dict[str, str]) -> bool:
    """Take a section (一、…) or category (（一）…) heading. The same heading repeated under the
    header of the next page keeps the first one's words (a repeat may carry a typo)."""
    for pattern, role in ((SECTION, "section"), (SUBSECTION, "category")):
        if pattern.match(text):
            new = tidy_heading(text)
            if _numeral(new) != _numeral(state[role]) or not state[role]:
                state[role] = new
                if role == "section":
                    state["category"] = ""
            return True
    return False


def _join(before: str, more: str) -> str:
    if not more or more in before:
        return before
    return f"{before}{more}" if before else more


class Builder:
    """Tasks as rows arrive: a numbered one starts a task; a later row without a number (or
    with the same number: a page break) continues it."""

    def __init__(self) -> None:
        self.tasks: list[RawTask] = []
        self.state = {"section": "", "category": ""}
        self.after_heading = False  # a heading or a header row came since the last task

    def add(self, values: dict[str, str], where: str) -> None:
        req = values.get("requirement", "")
        number, text = number_of(req)
        if number is None and values.get("number", "").strip().isdigit():
            number = int(values["number"].strip())
        last = self.tasks[-1] if self.tasks else None
        notes: list[str] = []
        if last is not None and last.number is not None and number in (None, last.number):
            clash = [
                name
                for name in ("responsibility", "lead", "cooperate", "limit")
                if values.get(name) and getattr(last, name) and values[name] != getattr(last, name)
            ]
            if not clash and (number is not None or not self.after_heading or not text):
                self._continue(last, text, values)
                return
            if number is not None:
                notes.append(f"序号{number}与上一行相同，但科室或时限不同：按另一项读入")
            elif text:
                notes.append(f"这一行没有序号（{where}）：按单独一项读入，请核对是否属于上一项")
        if not text and not values.get("responsibility") and not values.get("lead"):
            return
        self.after_heading = False
        self.tasks.append(
            RawTask(
                number=number,
                requirement=text,
                section=self.state["section"],
                category=self.state["category"],
                responsibility=values.get("responsibility", ""),
                lead=values.get("lead", ""),
                cooperate=values.get("cooperate", ""),
                limit=values.get("limit", ""),
                where=where,
                notes=notes,
            )
        )

    def heading(self, text: str) -> bool:
        """Take a heading; a new one (not a page's repeat) ends the task before it."""
        before = dict(self.state)
        if not _heading(text, self.state):
            return False
        if self.state != before:
            self.after_heading = True
        return True

    def _continue(self, last: RawTask, text: str, values: dict[str, str]) -> None:
        """A task that runs on into this row (a page break): its words joined, not read twice."""
        last.requirement = _join(last.requirement, text)
        for name in ("responsibility", "lead", "cooperate", "limit"):
            if not getattr(last, name):
                setattr(last, name, values.get(name, ""))


def from_rows(rows: Iterable[Sequence[str]], *, unit: str = "row") -> list[RawTask]:
    """Tasks of a table (merged cells already repeated into every row they span)."""
    build = Builder()
    mapping: dict[int, str] | None = None
    for n, row in enumerate(rows, 1):
        cells = [clean(c) for c in row]
        if not any(cells):
            continue
        header = columns_of(cells)
        if header is not None:
            mapping = header  # repeated on each page; another table's order replaces it
            continue
        if mapping is None:
            continue  # a title above the table
        distinct = {c for c in cells if c}
        if len(distinct) == 1 and build.heading(next(iter(distinct))):
            continue  # a heading row (merged across the table)
        values: dict[str, str] = {}
        for i, role in mapping.items():
            if i < len(cells) and cells[i]:
                values[role] = _join(values.get(role, ""), cells[i])
        for role in ("section", "category"):
            changed = values.get(role) and values[role] != build.state[role]
            if changed and not build.heading(values[role]):
                build.state[role] = values[role]
        build.add(values, f"{unit} {n}")
    return build.tasks


def from_cells(cells: Iterable[str]) -> list[RawTask]:
    """Tasks of a text export whose cells come one after another (the shipped table): headings,
    then for each task its text, its offices and its limit."""
    build = Builder()
    expect = "requirement"
    for n, raw in enumerate(cells, 1):
        cell = clean(raw)
        if not cell or is_header_word(cell):
            continue
        if build.heading(cell):
            continue
        number, _ = number_of(cell)
        current = build.tasks[-1] if build.tasks else None
        if number is not None or current is None:
            build.add({"requirement": cell}, f"cell {n}")
            expect = "responsibility"
        elif expect == "responsibility" and looks_like_offices(cell):
            current.responsibility = cell
            expect = "limit"
        elif expect == "limit" and not looks_like_offices(cell) and len(cell) <= 40:
            current.limit = cell
            expect = "done"
        else:
            current.requirement = _join(current.requirement, cell)
    return build.tasks


def from_prose(lines: Iterable[str]) -> list[RawTask]:
    """A numbered list where each task is followed by lines such as 牵头单位：… 配合单位：…
    责任单位：… 完成时限：…"""
    build = Builder()
    labels = {
        "牵头": "lead",
        "配合": "cooperate",
        "责任": "responsibility",
        "完成时限": "limit",
        "时限要求": "limit",
        "完成时间": "limit",
    }
    for n, raw in enumerate(lines, 1):
        line = clean(raw)
        if not line or build.heading(line):
            continue
        m = FIELD_LABEL.match(line)
        current = build.tasks[-1] if build.tasks else None
        if m is not None and current is not None:
            label = next(v for k, v in labels.items() if m.group(1).startswith(k))
            setattr(current, label, _join(getattr(current, label), line[m.end() :]))
            continue
        number, _ = number_of(line)
        if number is not None:
            build.add({"requirement": line}, f"line {n}")
        elif current is not None:
            current.requirement = _join(current.requirement, line)
        # else: the document's title or preamble, before the first numbered task
    return build.tasks


def headers_seen(rows: Iterable[Sequence[str]]) -> list[str]:
    """The cells of the first row that looks like a header (two or more short cells), for the
    message when no task table is found."""
    for row in rows:
        cells = [c for c in (clean(x) for x in row) if c]
        if len(set(cells)) >= 2 and all(len(c) <= 12 for c in cells):
            return list(dict.fromkeys(cells))
    return []
