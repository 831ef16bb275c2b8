"""One import: read the file in its format, find the tasks, map them, write the TOML text and
say what was found. Nothing is written here; the command writes the text where it is told."""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from reminder.config.model import Config
from reminder.errors import ReadError
from reminder.importing import FORMATS, emit, tasks, update
from reminder.importing.limits import plan_year
from reminder.importing.offices import FIRST_LEADS, Matcher
from reminder.importing.readers import Source, excel, pdf, plain, web, word
from reminder.importing.text import clean
from reminder.importing.titles import CUT

SUFFIXES = {
    ".docx": "docx",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".csv": "csv",
    ".txt": "txt",
    ".text": "txt",
    ".htm": "html",
    ".html": "html",
    ".pdf": "pdf",
}


@dataclass(frozen=True, kw_only=True, slots=True)
class Imported:
    text: str
    tasks: int
    matched: int
    proposed: int
    kinds: Counter[str]
    reviews: int
    titles_only: int = 0  # of `reviews`, the tasks marked only for a title cut from its sentence

    def summary(self) -> str:
        dated, routine = self.kinds.get("deadline", 0), self.kinds.get("routine", 0)
        titles = f" ({self.titles_only} of them for a shortened title only)"
        return (
            f"{self.tasks} task(s) found; offices: {self.matched} matched, {self.proposed} "
            f"proposed; limits: {dated} dated, {routine} routine; "
            f"{self.reviews} marked # REVIEW{titles if self.titles_only else ''}"
        )


def format_of(path: Path, given: str | None) -> str:
    if given is not None:
        if given not in FORMATS:
            raise ReadError(f"{path}: --format {given!r} is not one of {', '.join(FORMATS)}")
        return given
    found = SUFFIXES.get(path.suffix.lower())
    if found is None:
        raise ReadError(
            f"{path}: cannot tell the format from {path.suffix or 'no suffix'!r}; "
            f"give --format ({', '.join(FORMATS)})"
        )
    return found


def read(path: Path, fmt: str, sheet: str | None = None) -> Source:
    if not path.is_file():
        raise ReadError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise ReadError(f"{path}: the file is empty")
    if fmt == "docx":
        return word.read(path)
    if fmt == "xlsx":
        return excel.read(path, sheet)
    if fmt == "html":
        return web.read(path)
    if fmt == "csv":
        return plain.read_csv(path)
    if fmt == "pdf":
        return pdf.read(path)
    return plain.read_text(path)


def tasks_of(source: Source) -> list[tasks.RawTask]:
    found: list[tasks.RawTask] = []
    rows = [row for table in source.tables for row in table]
    if rows:
        found = tasks.from_rows(rows, unit=source.unit)
    if not found and source.cells:
        found = tasks.from_cells(source.cells)
    if not found and source.prose:
        found = tasks.from_prose(source.prose)
    return found


def first_leads(source: Source) -> bool:
    """Whether the document says the first office named leads (排在第一位的为牵头单位)."""
    cells = (c for table in source.tables for row in table for c in row)
    texts = [*source.head, *source.prose, *source.cells, *cells]
    return any(FIRST_LEADS.search(clean(t)) for t in texts)


def no_table(source: Source) -> str:
    """Why no task was found, naming the header cells each table has."""
    seen = [h for table in source.tables if (h := tasks.headers_seen(table))]
    said = "; ".join("、".join(h) for h in seen) if seen else "none"
    return (
        f"no task table found (headers seen: {said}; a task table needs a column of tasks "
        "such as 具体要求/具体工作/工作内容 and one of offices such as 责任单位/牵头单位; "
        "no numbered tasks with 牵头单位：… lines either)"
    )


def import_table(
    path: Path, *, fmt: str | None = None, config: Config | None = None, sheet: str | None = None
) -> Imported:
    kind = format_of(path, fmt)
    source = read(path, kind, sheet)
    found = tasks_of(source)
    if not found:
        raise ReadError(f"{path}: {no_table(source)}")
    matcher = Matcher.of(config)
    taken = {d.id for d in config.deadlines} if config else set()
    first = first_leads(source)
    mapped = emit.map_tasks(found, matcher, taken, plan_year(source.title_lines()), first)
    text = emit.toml_text(mapped, matcher, config, path.name)
    return Imported(
        text=text,
        tasks=len(mapped),
        matched=len(matcher.matched),
        proposed=len(matcher.proposed_offices) + len(matcher.proposed_groups),
        kinds=Counter(m.limit.kind for m in mapped),
        reviews=sum(1 for m in mapped if m.reviews) + len(matcher.proposed_offices),
        titles_only=sum(1 for m in mapped if m.reviews and set(m.reviews) == {CUT}),
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class Updated:
    text: str  # the complete new schedules file
    lines: list[str]  # the summary: counts, then each change
    counts: dict[str, int]


NEW_TASK = "新方案新增的任务：请核对各项，尤其是牵头单位和期限"


def update_table(
    path: Path,
    *,
    config: Config,
    running: str,
    fmt: str | None = None,
    sheet: str | None = None,
    end: date | None = None,
) -> Updated:
    """The running file (`running`, loaded as `config`) updated by the new table at `path`:
    unchanged rows kept, changed ones rewritten, new ones added, gone ones ended on `end`
    (default: the last day of the year before the new plan's)."""
    source = read(path, format_of(path, fmt), sheet)
    found = tasks_of(source)
    if not found:
        raise ReadError(f"{path}: {no_table(source)}")
    plan = plan_year(source.title_lines())
    if end is None and plan is None:
        raise ReadError(
            f"{path}: the new table names no year (2027年…方案): give --end, the last day "
            "of the running plan"
        )
    matcher = Matcher.of(config)
    mapped = emit.map_tasks(
        found, matcher, {d.id for d in config.deadlines}, plan, first_leads(source)
    )
    rows = tomllib.loads(running).get("deadlines", [])
    changes = update.match([r for r in rows if "task" in r], mapped)
    added = emit.office_block(matcher, config)
    for c in changes.changes:
        if c.state == "new" and c.new is not None:
            reviews = (NEW_TASK, *c.new.reviews)
            added += emit.deadline_block(replace(c.new, reviews=reviews), c.new.task.category)
    last = end or date((plan or 1) - 1, 12, 31)
    return Updated(
        text=update.updated_text(running, rows, changes, added, last),
        lines=update.summary(changes),
        counts={s: changes.count(s) for s in ("unchanged", "changed", "new", "gone")},
    )
