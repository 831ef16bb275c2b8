"""The 通报 as a 公文: its title, 文号, figures, the items done late or still overdue (往期结转
included), the offices ranked by 按时办结率, routine confirmations, 落款 and date; delivery
statistics apart, in an appendix only the administrator sees. The words are the report/
templates'; this module gathers what they print and takes the 文号 (once per span)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.engine import Engine

from reminder.app.report import LateItem, OfficeStats, Span, tally, totals
from reminder.config.model import REPORT_NUMBER, Config
from reminder.delivery.documents import docx_bytes
from reminder.delivery.rendering import Renderer
from reminder.store import numbers
from reminder.store.engine import transaction

REPORT = "report"


@dataclass(frozen=True, kw_only=True, slots=True)
class Ranked:
    place: int  # offices with the same rate share a place
    name: str
    due: int
    on_time: int
    rate: float  # per cent, one decimal


@dataclass(frozen=True, kw_only=True, slots=True)
class Routine:
    name: str
    done: int
    of: int


@dataclass(frozen=True, kw_only=True, slots=True)
class Circular:
    """One span's 通报. `number` is None when it has not been taken yet (a page only reads)."""

    span: Span
    key: str  # "2027-01", "2026"
    number: str | None
    dated: date
    total: OfficeStats
    items: list[LateItem]
    ranking: list[Ranked]
    routine: list[Routine]
    appendix: list[OfficeStats]  # per office: reminders delivered and failed
    signature: str
    contact: str

    @property
    def rate(self) -> float | None:
        """The 按时办结率 of all offices, per cent, one decimal."""
        rate = self.total.rate
        return None if rate is None else round(rate * 100, 1)

    @property
    def red(self) -> list[LateItem]:
        return [i for i in self.items if i.open]


def span_key(span: Span) -> str:
    """ "2027-01" for a month, "2027" for a year."""
    if span.first.month == span.last.month:
        return span.first.strftime("%Y-%m")
    return str(span.first.year)


def circular(
    config: Config, engine: Engine, now: datetime, span: Span, *, numbered: bool
) -> Circular:
    """The 通报 of `span` as of `now`. `numbered`: take its 文号 if it has none yet (sending,
    or an administrator's export); otherwise only read the one it was given."""
    today = now.astimezone(config.settings.tz).date()
    counted = tally(config, engine, now, span)
    routine = [r for r in counted.rows if r.routine]
    key = span_key(span)
    with transaction(engine) as s:
        if numbered:
            found: tuple[int, int] | None = numbers.take(s, REPORT, key, today.year, now)
        else:
            found = numbers.taken(s, REPORT, key)
    pattern = config.report.number if config.report else REPORT_NUMBER
    return Circular(
        span=span,
        key=key,
        number=None if found is None else pattern.format(year=found[0], n=found[1]),
        dated=today,
        total=totals(counted.rows),
        items=counted.items,
        ranking=ranking(counted.rows),
        routine=[Routine(name=r.name, done=r.routine_done, of=r.routine) for r in routine],
        appendix=[r for r in counted.rows if r.sent or r.failed],
        signature=config.settings.signature,
        contact=config.settings.contact,
    )


def ranking(rows: list[OfficeStats]) -> list[Ranked]:
    """Offices with something due, best 按时办结率 first (ties share a place, then by the
    file's order); an office with nothing due is left out."""
    rated = [(r, r.rate) for r in rows]
    ordered = sorted(
        [(r, rate) for r, rate in rated if rate is not None], key=lambda p: -round(p[1] * 1000)
    )
    out: list[Ranked] = []
    for i, (r, rate) in enumerate(ordered):
        pct = round(rate * 100, 1)
        place = out[-1].place if out and out[-1].rate == pct else i + 1
        out.append(Ranked(place=place, name=r.name, due=r.due, on_time=r.on_time, rate=pct))
    return out


def docx(renderer: Renderer, c: Circular) -> bytes:
    """The 通报 as a .docx in 公文 layout (python-docx: the web extra)."""
    return docx_bytes(renderer.official(c))
