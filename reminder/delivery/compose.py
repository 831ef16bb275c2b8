"""Composing messages: one digest per office and channel, packed so that the channel never has
to cut it (a WeCom digest over 4096 bytes becomes several messages of whole reminders), and
rendered from the templates. A template that fails on a reminder's own data fails only that
reminder, for good, with the admin told; the rest of its digest go one by one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from reminder.config.model import Config
from reminder.delivery.alerts import failed_for_good, failure_facts
from reminder.delivery.channels.base import Rendered, Target, Transport
from reminder.delivery.outgoing import Outgoing, PassReport
from reminder.delivery.rendering import Item, Renderer, make_item, template_issue
from reminder.delivery.triage import Group
from reminder.store import outbox
from reminder.store.models import OccurrenceRow, OutboxRow
from reminder.vocabulary import OutboxStatus

Part = tuple[list[OutboxRow], Rendered]


def pack(
    rows: list[OutboxRow],
    render: Callable[[list[OutboxRow]], Rendered],
    fits: Callable[[Rendered], bool],
) -> list[Part]:
    """`rows` as one message if it `fits`; else as several, each holding as many whole
    reminders as fit (found by binary search; the best fit keeps its rendering). A single
    reminder too long by itself is left for the channel to cut."""
    out: list[Part] = []
    rest = rows
    while rest:
        whole = render(rest)
        if len(rest) == 1 or fits(whole):
            out.append((rest, whole))
            break
        fit, too_many, best = 1, len(rest), None
        while too_many - fit > 1:
            mid = (fit + too_many) // 2
            tried = render(rest[:mid])
            if fits(tried):
                fit, best = mid, tried
            else:
                too_many = mid
        out.append((rest[:fit], best or render(rest[:1])))
        rest = rest[fit:]
    return out


class Composer:
    def __init__(
        self, config: Config, transports: dict[str, Transport], renderer: Renderer
    ) -> None:
        self.config, self.transports, self.renderer = config, transports, renderer
        self.cal = config.calendar()

    def messages(
        self,
        s: Session,
        group: Group,
        occurrences: dict[int, OccurrenceRow],
        now: datetime,
        report: PassReport,
    ) -> list[Outgoing]:
        """The messages that carry `group`'s reminders."""
        out = []
        for batch in self._batches(group.rows):
            for part, rendered in self._rendered(s, group.target, batch, occurrences, now, report):
                out.append(
                    Outgoing(
                        group.office_id, group.channel, group.target, part, rendered, occurrences
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
    ) -> list[Part]:
        """`rows` packed and rendered; a reminder its template fails on fails alone."""
        transport = self.transports.get(target.channel)

        def render(part: list[OutboxRow]) -> Rendered:
            return self._render(s, target, part, occurrences)

        def fits(rendered: Rendered) -> bool:
            return transport is None or transport.parts(target, rendered) == 1

        try:
            return pack(rows, render, fits)
        except Exception as exc:
            if len(rows) > 1:
                return [
                    m
                    for r in rows
                    for m in self._rendered(s, target, [r], occurrences, now, report)
                ]
            reason = f"cannot render: {template_issue(exc)}"
            outbox.set_status(s, rows, OutboxStatus.FAILED, now, reason=reason)
            failed_for_good(s, self.config, rows, reason, now)
            report.counts["failed"] += len(rows)
            return []

    def _render(
        self,
        s: Session,
        target: Target,
        rows: list[OutboxRow],
        occurrences: dict[int, OccurrenceRow],
    ) -> Rendered:
        office = self.config.offices[rows[0].office_id]
        if rows[0].kind == "alert":
            return self.renderer.alert(office, failure_facts(s, self.config, rows[0]))
        items = [self._item(r, occurrences[r.occurrence_id]) for r in rows]
        return self.renderer.reminder(
            target.channel,
            office,
            items,
            digest=self.config.delivery.digest,
            mentions=bool(target.mentions),
        )

    def _item(self, row: OutboxRow, occ: OccurrenceRow) -> Item:
        day = row.remind_at.astimezone(self.config.settings.tz).date()
        days = (occ.nominal_due, occ.due, day)
        years = [
            y for y in range(min(days).year, max(days).year + 1) if not self.cal.is_official(y)
        ]
        return make_item(
            self.config,
            deadline_id=row.deadline_id,
            kind=row.kind,
            role=row.role,
            office_id=row.office_id,
            due=occ.due,
            nominal_due=occ.nominal_due,
            period_key=occ.period_key,
            working_days_left=row.working_days_left,
            provisional_years=years,
        )
