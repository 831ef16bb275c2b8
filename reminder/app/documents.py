"""Documents to download: a span's 通报 and an occurrence's 督办通知单, as DOCX. Reading only:
a download shows the number a document was given (when it was sent, or written by `reminder
report`) and takes none, so opening a link never changes anything."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine

from reminder.app.circular import circular, docx
from reminder.app.report import Span
from reminder.app.runtime import renderer_for
from reminder.config.model import Config
from reminder.delivery.documents import docx_bytes
from reminder.delivery.notices import notice_facts
from reminder.errors import NotFound
from reminder.store import completions
from reminder.store.engine import transaction


@dataclass(frozen=True, kw_only=True, slots=True)
class Download:
    name: str  # the file's name, in Chinese
    data: bytes


def circular_file(config: Config, engine: Engine, now: datetime, span: Span) -> Download:
    """The 通报 of `span` as of `now`, with its 文号 if it has one."""
    c = circular(config, engine, now, span, numbered=False)
    renderer = renderer_for(config)
    title = renderer.official(c).title
    return Download(name=f"{title}.docx", data=docx(renderer, c))


def notice_file(
    config: Config, engine: Engine, now: datetime, occurrence_id: int, link: str
) -> Download:
    """The 督办通知单 of an occurrence as of `now`, with its number if it has one."""
    with transaction(engine) as s:
        occ = completions.occurrence(s, occurrence_id)
        if occ is None or occ.deadline_id not in config.deadline_by_id:
            raise NotFound(f"occurrence {occurrence_id}")
        facts = notice_facts(config, s, occ, now, link=link, take=False)
    doc = renderer_for(config).notice(facts)
    return Download(name=f"{doc.title}{facts.number}.docx", data=docx_bytes(doc))


def occurrence_of(engine: Engine, deadline_id: str, period: str) -> int:
    """The id of a deadline's occurrence of `period` (NotFound otherwise)."""
    with transaction(engine) as s:
        for occ in completions.occurrences_of(s, deadline_id):
            if occ.period_key == period:
                return occ.id
    raise NotFound(f"{deadline_id} {period}")
