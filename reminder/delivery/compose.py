"""Composing messages: one digest per office and channel, packed so that the channel never has
to cut it (a WeCom digest over 4096 bytes becomes several messages of whole reminders), and
rendered from the templates. A template that fails on a reminder's own data fails only that
reminder, for good, with the admin told; the rest of its digest go one by one."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy.orm import Session

from reminder.config.model import Config
from reminder.delivery.alerts import failed_for_good, failure_facts
from reminder.delivery.channels.base import Attachment, Rendered, Target, Transport
from reminder.delivery.documents import docx_bytes
from reminder.delivery.linking import Linker, linker_for
from reminder.delivery.notices import ATTACHMENT_TYPE, can_write, notice_facts
from reminder.delivery.outcomes import Outcome, outcomes
from reminder.delivery.outgoing import Outgoing, PassReport
from reminder.delivery.rendering import Renderer, template_issue
from reminder.delivery.triage import Group
from reminder.delivery.wording import Item, make_item
from reminder.store import linkgen, outbox
from reminder.store.models import OccurrenceRow, OutboxRow
from reminder.vocabulary import OutboxStatus

Part = tuple[list[OutboxRow], Rendered]


Render = Callable[[list[OutboxRow], str], Rendered]
WIDEST = "(99/99)"  # a part label as long as any: parts are sized with it in place


@dataclass(frozen=True, slots=True)
class Known:
    """What the messages of a claimed batch need from the database, asked once for the batch
    rather than once a message (500 robots, one message each: 1,000 queries fewer)."""

    said: dict[tuple[int, str], Outcome]  # 延期, 情况说明 by occurrence and office (`outcomes`)
    generations: dict[str, int]  # link generations (`linkgen`)


def pack(rows: list[OutboxRow], render: Render, fits: Callable[[Rendered], bool]) -> list[Part]:
    """`rows` as one message if it `fits`; else as several, each holding as many whole
    reminders as fit (found by binary search) and numbered "(1/3)", "(2/3)" … A single
    reminder too long by itself is left for the channel to cut."""
    whole = render(rows, "")
    if len(rows) == 1 or fits(whole):
        return [(rows, whole)]
    parts: list[list[OutboxRow]] = []
    rest = rows
    while rest:
        fit, too_many = 1, len(rest)
        if fits(render(rest, WIDEST)):
            fit = too_many
        while too_many - fit > 1:
            mid = (fit + too_many) // 2
            if fits(render(rest[:mid], WIDEST)):
                fit = mid
            else:
                too_many = mid
        parts.append(rest[:fit])
        rest = rest[fit:]
    n = len(parts)
    return [(part, render(part, f"({i}/{n})")) for i, part in enumerate(parts, 1)]


class Composer:
    def __init__(
        self,
        config: Config,
        transports: dict[str, Transport],
        renderer: Renderer,
        *,
        dry_run: bool = False,
    ) -> None:
        self.config, self.transports, self.renderer = config, transports, renderer
        self.dry_run = dry_run  # nothing is posted: no payloads to build (nor to fail on)
        self.cal = config.calendar()

    def known(self, s: Session, rows: Sequence[OutboxRow]) -> Known:
        """What `messages` would otherwise ask for each message of these rows."""
        return Known(outcomes(s, rows), linkgen.generations(s))

    def messages(
        self,
        s: Session,
        group: Group,
        occurrences: dict[int, OccurrenceRow],
        now: datetime,
        report: PassReport,
        known: Known | None = None,
    ) -> list[Outgoing]:
        """The messages that carry `group`'s reminders (`known`: asked for all the groups of
        the batch at once, by `known`)."""
        out = []
        for batch in self._batches(group.rows):
            for part, rendered, payloads in self._rendered(
                s, group.target, batch, occurrences, now, report, known
            ):
                out.append(
                    Outgoing(
                        group.office_id,
                        group.channel,
                        group.target,
                        part,
                        rendered,
                        occurrences,
                        payloads,
                    )
                )
        return out

    def _batches(self, rows: list[OutboxRow]) -> list[list[OutboxRow]]:
        if self.config.delivery.digest and rows[0].kind != "alert":
            return [rows]
        return [[r] for r in rows]

    def _rendered(
        self,
        s: Session,
        target: Target,
        rows: list[OutboxRow],
        occurrences: dict[int, OccurrenceRow],
        now: datetime,
        report: PassReport,
        known: Known | None = None,
    ) -> list[tuple[list[OutboxRow], Rendered, list[object] | None]]:
        """`rows` packed, rendered and made into what the channel posts; a reminder whose
        template or payload fails (a line break in a header, say) fails alone."""
        transport = self.transports.get(target.channel)
        builds = transport is not None and not self.dry_run

        today = now.astimezone(self.config.settings.tz).date()
        at = now.astimezone(self.config.settings.tz)
        known = known or self.known(s, rows)
        linker = linker_for(self.config, now, generations=known.generations)

        made: dict[int, Attachment] = {}  # the pack's trials make each notice once

        def render(part: list[OutboxRow], label: str) -> Rendered:
            rendered = self._render(s, target, part, occurrences, today, label, linker, known)
            if builds and target.channel == "email":
                notices = self._notices(s, part, occurrences, now, linker, made)
                return replace(rendered, at=at, attachments=notices)
            return replace(rendered, at=at)

        def fits(rendered: Rendered) -> bool:
            return transport is None or transport.parts(target, rendered) == 1

        stage = "render"
        try:
            parts = pack(rows, render, fits)
            stage = "build"
            return [
                (
                    part,
                    rendered,
                    transport.payloads(target, rendered) if builds and transport else None,
                )
                for part, rendered in parts
            ]
        except Exception as exc:
            if len(rows) > 1:
                return [
                    m
                    for r in rows
                    for m in self._rendered(s, target, [r], occurrences, now, report, known)
                ]
            if stage == "render":
                reason = f"cannot render: {template_issue(exc)}"
            else:
                reason = f"cannot build the {target.channel} message: {type(exc).__name__}: {exc}"
            outbox.set_status(s, rows, OutboxStatus.FAILED, now, reason=reason)
            failed_for_good(s, self.config, rows, reason, now)
            report.counts["failed"] += len(rows)
            return []

    def _notices(
        self,
        s: Session,
        rows: list[OutboxRow],
        occurrences: dict[int, OccurrenceRow],
        now: datetime,
        linker: Linker | None,
        made: dict[int, Attachment],
    ) -> tuple[Attachment, ...]:
        """The 督办通知单 of each escalation to an office among `rows`, numbered now if it has
        no number yet; its reply route is the first lead office's link. None without
        python-docx (the web extra): the email goes without it."""
        if not can_write():
            return ()
        for r in rows:
            if r.kind != "escalation" or r.office_id not in self.config.offices:
                continue
            if r.occurrence_id not in made:
                occ = occurrences[r.occurrence_id]
                lead = self.config.expand(self.config.deadline_by_id[occ.deadline_id].lead)[0]
                link = linker.item(lead, occ.id) if linker is not None else ""
                facts = notice_facts(self.config, s, occ, now, link=link, take=True)
                doc = self.renderer.notice(facts)
                made[r.occurrence_id] = Attachment(
                    filename=f"{doc.title}{facts.number}.docx",
                    data=docx_bytes(doc),
                    maintype=ATTACHMENT_TYPE[0],
                    subtype=ATTACHMENT_TYPE[1],
                )
        return tuple(dict.fromkeys(made[r.occurrence_id] for r in rows if r.occurrence_id in made))

    def _render(
        self,
        s: Session,
        target: Target,
        rows: list[OutboxRow],
        occurrences: dict[int, OccurrenceRow],
        today: date,
        label: str = "",
        linker: Linker | None = None,
        known: Known | None = None,
    ) -> Rendered:
        office = self.config.addressee(rows[0].office_id)
        if rows[0].kind == "alert":
            facts = failure_facts(s, self.config, rows[0])
            return self.renderer.alert(office, facts, self.config.settings.signature)
        # What a decided 延期 changed (for most items: nothing).
        said = known.said if known is not None else outcomes(s, rows)
        items = [
            self._item(
                r, occurrences[r.occurrence_id], today, said.get((r.occurrence_id, r.office_id))
            )
            for r in rows
        ]
        if linker is not None:
            # A 分管领导 reads; only offices act on an item (a leader gets no link).
            items = [
                replace(i, url=linker.item(r.office_id, r.occurrence_id))
                if r.office_id in self.config.offices
                else i
                for i, r in zip(items, rows, strict=True)
            ]
        return self.renderer.reminder(
            target.channel,
            office,
            items,
            config=self.config,
            digest=self.config.delivery.digest,
            mentions=bool(target.mentions),
            part=label,
            sent_on=today,
            office_url=(
                linker.office(office.id)
                if linker is not None and office.id in self.config.offices
                else ""
            ),
        )

    def _item(
        self, row: OutboxRow, occ: OccurrenceRow, today: date, said: Outcome | None = None
    ) -> Item:
        """A reminder as it reads on the day it goes out (`today`): a Monday catch-up of
        Friday's due-day reminder says it is a working day overdue, not "due today". An
        approved 延期 (`said`) gives it its new due date, and says so beside it."""
        due = said.due if said is not None and said.due is not None else occ.due
        days = (occ.nominal_due, due, today)
        years = [
            y for y in range(min(days).year, max(days).year + 1) if not self.cal.is_official(y)
        ]
        item = make_item(
            self.config,
            self.cal,
            deadline_id=row.deadline_id,
            kind=row.kind,
            role=row.role,
            due=due,
            nominal_due=occ.nominal_due,
            period_key=occ.period_key,
            working_days_left=self.cal.workdays_between(today, due),
            provisional_years=years,
            today=today,
        )
        if said is None:
            return item
        # An approved 延期's line stands for the rest day the old due date moved off.
        kept = () if said.due is not None or not item.moved_text else (item.moved_text,)
        return replace(
            item, moved_text="；".join((*kept, *said.lines)), said_text="；".join(said.lines)
        )
