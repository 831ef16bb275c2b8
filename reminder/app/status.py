"""Where each task stands: its occurrences from a year back to the horizon ahead, with their
light (red overdue, yellow near, green on track, done, past), the working days left, and who
closed them; an occurrence an approved 延期 moved stands by its new due date. `reminder
status`, the board and the pages, the calendar feeds and /metrics read it here, as typed rows
with real dates.

Worked out once per config, day and database generation (`completions.generation`: the
newest audit row and the deadlines' last sync) and kept: the board asks for 10,000 deadlines'
rows on every request. Every action, in this process or another (the CLI, a second
instance), writes an audit row as it changes anything shown here, so the next request finds
a new generation and works the rows out again: a kept answer is never stale."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy.engine import Engine

from reminder.app import progress
from reminder.app.completion import Entry, board_entries, light, local_minute
from reminder.calendar.workcal import SHIFT_SLACK
from reminder.config.model import Config, Deadline
from reminder.store import completions, submissions
from reminder.store.engine import transaction
from reminder.store.models import CompletionRow

Key = tuple[str, str]  # deadline id, period key
T = TypeVar("T")
Ordered = tuple[tuple["StatusRow", ...], tuple[frozenset[str], ...]]  # rows, and their offices


@dataclass(frozen=True, kw_only=True, slots=True)
class StatusRow:
    deadline: str
    task: int | None
    title: str
    period: str
    due: date  # the effective due date (off a rest day; moved by an approved 延期)
    light: str  # red, yellow, green, done, past
    working_days_left: int  # negative: working days overdue
    lead: str  # office ids, comma-separated
    cooperate: str
    kind: str  # deadline, routine
    section: str
    done_by: str | None
    done_at: datetime | None  # local
    note: str | None
    moved_from: date | None = None  # the due date before an approved 延期 moved it

    @property
    def key(self) -> Key:
        """The occurrence: deadline and period."""
        return (self.deadline, self.period)

    def as_row(self, config: Config) -> dict[str, Any]:
        """As `reminder status` prints it and the API returns it: the due date as
        YYYY-MM-DD, the time it was closed as local time to the minute."""
        return {
            "deadline": self.deadline,
            "task": self.task,
            "title": self.title,
            "period": self.period,
            "due": self.due.isoformat(),
            "light": self.light,
            "working_days_left": self.working_days_left,
            "lead": self.lead,
            "cooperate": self.cooperate,
            "kind": self.kind,
            "section": self.section,
            "done_by": self.done_by,
            "done_at": local_minute(config, self.done_at) if self.done_at else None,
            "note": self.note,
        }


LIGHT_ORDER = {"red": 0, "yellow": 1, "green": 2, "done": 3, "past": 4}
OPEN = ("red", "yellow")  # due items: the reminders have gone out, a 签收 is expected


def on_task(r: StatusRow) -> tuple[str, ...]:
    """The offices expected to sign, lead first, in the order the task names them (a routine
    duty's check goes to its lead offices only)."""
    return _expected(r.lead if r.kind == "routine" else f"{r.lead},{r.cooperate}")


@functools.lru_cache(maxsize=4096)
def _expected(offices: str) -> tuple[str, ...]:
    # Asked of every row (10,000 at scale) for a few hundred distinct tasks.
    return tuple(dict.fromkeys(o for o in offices.split(",") if o))


def not_signed(r: StatusRow, acked: dict[str, datetime] | None, office: str) -> bool:
    """A due item some office on it (or `office`, when given) has not signed."""
    if r.light not in OPEN:
        return False
    acked = acked or {}
    if office:
        return office in on_task(r) and office not in acked
    return any(o not in acked for o in on_task(r))


@dataclass(frozen=True, slots=True)
class Standing:
    """Every occurrence from a year back to the horizon ahead as it stood at one generation:
    the rows by due date, each row's offices, the 签收 of each occurrence, and the board's
    order (most urgent first: overdue, near, on track; closed and lapsed last)."""

    rows: tuple[StatusRow, ...]
    offices: tuple[frozenset[str], ...]  # every office on each row's task
    acks: dict[Key, dict[str, datetime]]  # office → when it signed (local), by occurrence
    # The rows most urgent first, and their offices (two tuples, not 10,000 pairs: fewer
    # objects for the garbage collector's full passes to walk).
    urgent: Ordered
    _counts: dict[str, dict[str, int]] = field(default_factory=dict, compare=False)
    _unsigned: dict[str, Ordered] = field(default_factory=dict, compare=False)
    _derived: dict[Hashable, object] = field(default_factory=dict, compare=False)

    def counts(self, office: str) -> dict[str, int]:
        """Rows per light, of one office's tasks ("" for all), counted once."""
        found = self._counts.get(office)
        if found is None:
            found = {light: 0 for light in LIGHT_ORDER}
            for r, on in zip(self.rows, self.offices, strict=True):
                if not office or office in on:
                    found[r.light] += 1
            self._counts[office] = found
        return found

    def unsigned(self, office: str) -> Ordered:
        """Of `urgent`, the due occurrences some office on them (`office`, when given) has
        not signed, found once."""
        found = self._unsigned.get(office)
        if found is None:
            acks = self.acks
            pairs = [
                (r, on)
                for r, on in zip(*self.urgent, strict=True)
                if not_signed(r, acks.get(r.key), office)
            ]
            found = (tuple(r for r, _ in pairs), tuple(on for _, on in pairs))
            self._unsigned[office] = found
        return found

    def derived(self, key: Hashable, make: Callable[[], T]) -> T:
        """What a page works out from these rows and nothing newer (one page of the board),
        made once and kept with them: the next generation starts afresh. The latest 64."""
        if key in self._derived:
            return cast(T, self._derived[key])
        made = make()
        with _KEEP_LOCK:  # another request's thread may be keeping one too
            while len(self._derived) >= 64:
                self._derived.pop(next(iter(self._derived)), None)
            self._derived[key] = made
        return made


_KEPT: dict[tuple[int, int, date], tuple[Config, Engine, tuple[object, ...], Standing]] = {}
_KEEP_LOCK = threading.Lock()


def standing(config: Config, engine: Engine, now: datetime) -> Standing:
    """Where every task stands today: kept while the database's generation stays the same."""
    today = now.astimezone(config.settings.tz).date()
    # The generation is read before the rows: a change committed in between is read with
    # the rows and kept under the older generation, which the next request no longer finds.
    with transaction(engine) as s:
        generation = completions.generation(s)
    key = (id(config), id(engine), today)
    found = _KEPT.get(key)
    if found is not None and found[0] is config and found[1] is engine and found[2] == generation:
        return found[3]
    made = _work_out(config, engine, today)
    with _KEEP_LOCK:
        _KEPT.pop(key, None)  # the same day's older generation
        while len(_KEPT) >= 4:
            _KEPT.pop(next(iter(_KEPT)))
        _KEPT[key] = (config, engine, generation, made)
    return made


def status_rows(
    config: Config,
    engine: Engine,
    now: datetime,
    offices: frozenset[str] | None,
    *,
    deadline: str | None = None,
) -> list[StatusRow]:
    """Open and recently done occurrences from a year back to the horizon ahead (of the
    deadlines these offices are on, when given; of one deadline, when given), by due date."""
    st = standing(config, engine, now)
    return [
        r
        for r, on in zip(st.rows, st.offices, strict=True)
        if deadline in (None, r.deadline) and (offices is None or not offices.isdisjoint(on))
    ]


def _work_out(config: Config, engine: Engine, today: date) -> Standing:
    first, last = today - timedelta(days=366), today + timedelta(days=config.delivery.horizon_days)
    with transaction(engine) as s:
        active = completions.active_deadlines(s)
        # Stored dues may differ from the rule's (a calendar edited since): look wider.
        done_by_key = completions.done_between(s, first - SHIFT_SLACK, last + SHIFT_SLACK)
        moved = submissions.extended_by_key(s, first - SHIFT_SLACK, last + SHIFT_SLACK)
    entries = board_entries(config, today, active)
    plain = _plain(entries)
    rows, urgency = list(plain.rows), list(plain.urgency)
    for k in done_by_key.keys() | moved.keys():
        i = plain.index.get(k)
        if i is not None:
            d = entries[i].deadline
            rows[i] = _laid_over(config, today, rows[i], d, done_by_key.get(k), moved.get(k))
            urgency[i] = _urgency(rows[i])
    order = sorted(range(len(rows)), key=urgency.__getitem__)
    offices = plain.offices
    urgent = (tuple(rows[i] for i in order), tuple(offices[i] for i in order))
    acks = progress.acks(config, engine, today)
    return Standing(tuple(rows), offices, acks, urgent)


def _urgency(r: StatusRow) -> tuple[int, date, int]:
    """The board's order: overdue, near, on track, then closed and lapsed; by due date."""
    return (LIGHT_ORDER[r.light], r.due, r.task or 0)


@dataclass(frozen=True, slots=True)
class _Plain:
    """A day's entries as rows before any 办结 or 延期 is laid over them, made once a day."""

    entries: list[Entry]
    rows: tuple[StatusRow, ...]
    offices: tuple[frozenset[str], ...]
    index: dict[Key, int]
    urgency: tuple[tuple[int, date, int], ...]


_PLAIN: dict[int, _Plain] = {}


def _plain(entries: list[Entry]) -> _Plain:
    found = _PLAIN.get(id(entries))
    if found is not None and found.entries is entries:
        return found
    rows = tuple(
        StatusRow(
            deadline=e.deadline.id,
            task=e.deadline.task,
            title=e.deadline.title,
            period=e.occurrence.period_key,
            due=e.occurrence.due,
            light=e.light,
            working_days_left=e.left,
            lead=e.lead,
            cooperate=e.cooperate,
            kind=e.deadline.kind,
            section=e.deadline.section,
            done_by=None,
            done_at=None,
            note=None,
        )
        for e in entries
    )
    made = _Plain(
        entries=entries,
        rows=rows,
        offices=tuple(e.offices for e in entries),
        index={r.key: i for i, r in enumerate(rows)},
        urgency=tuple(_urgency(r) for r in rows),
    )
    while len(_PLAIN) >= 4:
        _PLAIN.pop(next(iter(_PLAIN)), None)
    _PLAIN[id(entries)] = made
    return made


def _laid_over(
    config: Config,
    today: date,
    plain: StatusRow,
    d: Deadline,
    done: CompletionRow | None,
    until: date | None,
) -> StatusRow:
    """A plain row with its completion and its approved 延期 (the new due date) laid over."""
    due, lit, left, was = plain.due, plain.light, plain.working_days_left, None
    if until is not None:
        was, due = plain.due, until
        lit, left = light(config, d, due, today), config.calendar().workdays_between(today, due)
    return replace(
        plain,
        due=due,
        light="done" if done else lit,
        working_days_left=left,
        done_by=done.office_id if done else None,
        done_at=done.completed_at.astimezone(config.settings.tz) if done else None,
        note=done.note if done else None,
        moved_from=was,
    )
