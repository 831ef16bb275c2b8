"""Triage of claimed reminders: what is no longer wanted (cancelled), what a newer reminder of
the same task replaces (superseded), what cannot be sent yet (held), and what goes out,
grouped by office and channel with its resolved target."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from reminder.config.model import Config
from reminder.delivery.channels.base import Target, Transport, resolve_target
from reminder.delivery.outgoing import PassReport
from reminder.delivery.smscap import DailyCap
from reminder.errors import NotConfigured
from reminder.planning.coalesce import older
from reminder.store import completions, outbox
from reminder.store.models import OutboxRow
from reminder.store.sentlog import log_rows
from reminder.vocabulary import Channel, LogStatus, OutboxStatus

log = logging.getLogger("reminder.dispatch")

HOLD_RECHECK = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class Group:
    """Reminders for one office on one channel (alerts apart), and where they go."""

    office_id: str
    channel: str
    target: Target
    rows: list[OutboxRow]


class Triage:
    def __init__(self, config: Config, transports: dict[str, Transport], dry_run: bool) -> None:
        self.config, self.transports, self.dry_run = config, transports, dry_run

    def groups(
        self, s: Session, rows: list[OutboxRow], now: datetime, report: PassReport
    ) -> list[Group]:
        """The claimed `rows` that go out now, by office and channel; the rest are cancelled,
        superseded or held here (and counted in `report`)."""
        done = completions.done_among(s, {r.occurrence_id for r in rows})
        live = self._supersede(s, self._drop_unwanted(s, rows, done, now, report), now, report)
        by_key: dict[tuple[str, str, bool], list[OutboxRow]] = defaultdict(list)
        for row in live:
            by_key[(row.office_id, row.channel, row.kind == "alert")].append(row)
        out = []
        cap = DailyCap(self.config)  # SMS per mobile number and day
        for (office_id, channel, _), members in by_key.items():
            target = self._target(s, office_id, channel, members, now, report)
            if target is not None and channel == Channel.SMS and not self.dry_run:
                target = cap.apply(s, target, members, now, report)
            if target is not None:
                out.append(Group(office_id, channel, target, members))
        return out

    def _drop_unwanted(
        self, s: Session, rows: list[OutboxRow], done: set[int], now: datetime, report: PassReport
    ) -> list[OutboxRow]:
        deadlines = self.config.deadline_by_id
        gone = [
            r
            for r in rows
            if (r.occurrence_id in done and r.kind != "alert")
            or r.deadline_id not in deadlines
            or r.office_id not in self.config.addressees
        ]
        if gone:
            outbox.cancel(s, gone, now, reason="done, or no longer in schedules.toml")
            report.counts["cancelled"] += len(gone)
        return [r for r in rows if r not in gone]

    def _supersede(
        self, s: Session, rows: list[OutboxRow], now: datetime, report: PassReport
    ) -> list[OutboxRow]:
        """Per task, office and channel only the most recent due reminder goes out.

        Within one occurrence a "7 days left" replaces the "30 days left" before it; across
        occurrences the newer one replaces the older, as the planner's overdue repeats do.
        """
        old = older(
            [r for r in rows if r.kind != "alert"],
            lambda r: (r.deadline_id, r.office_id, r.channel),
            lambda r: r.remind_at,
        )
        if old:
            outbox.supersede(s, old, now)
            report.counts["superseded"] += len(old)
        return [r for r in rows if r not in old]

    def _target(
        self,
        s: Session,
        office_id: str,
        channel: str,
        rows: list[OutboxRow],
        now: datetime,
        report: PassReport,
    ) -> Target | None:
        """Where the office's messages on `channel` go; None when they are held."""
        office = self.config.addressee(office_id)
        try:
            return resolve_target(self.transports, office, channel)
        except NotConfigured as exc:
            if self.dry_run:
                return Target(
                    channel=channel,
                    address="",
                    shown=f"(not configured: {exc})",
                    rate_key="dry-run",
                    per_minute=10**9,
                )
            fresh = [r for r in rows if r.status != OutboxStatus.HELD]
            if fresh:
                log_rows(s, fresh, at=now, status=LogStatus.HELD, error=str(exc), finished_at=now)
                log.warning(
                    "held %d reminder(s) for %s by %s: %s", len(fresh), office_id, channel, exc
                )
            outbox.hold(s, [r.id for r in rows], now, str(exc), recheck=now + HOLD_RECHECK)
            report.counts["held"] += len(fresh)
            report.counts["still held"] += len(rows) - len(fresh)
            return None
