"""The daily cap of SMS per mobile number (`[sms] daily_cap`), counted from the sent log: every
instance and every restart sees the same count, and no table of its own is needed.

An SMS counts once it is logged `sending`, `sent` or `unknown` (a crash in flight may have
sent it), test messages included; one that failed or waits for a retry does not. A number
that has had its SMS today is left out of the message: the others get it, and the sent log
says who did not (`cancelled`, with the reason). When every number of an office has had its
SMS, its reminders are held until the next working day's send time (`held`), where a newer
reminder of the same task may replace them, as after any wait. Two instances triaging at the
same moment may each give a number its last SMS: at most one over the cap.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import replace
from datetime import datetime, time, timedelta

from sqlalchemy.orm import Session

from reminder.config.model import Config
from reminder.delivery.channels.base import Target
from reminder.delivery.outgoing import PassReport
from reminder.store import outbox
from reminder.store.models import OutboxRow
from reminder.store.sentlog import log_rows, targets_since
from reminder.vocabulary import Channel, LogStatus, OutboxStatus

log = logging.getLogger("reminder.dispatch")

COUNTED = (LogStatus.SENDING, LogStatus.SENT, LogStatus.UNKNOWN)
REASON = "daily SMS cap reached"  # labels.NOT_SENT words it


def sent_since(session: Session, since: datetime) -> Counter[str]:
    """SMS per mobile number logged since `since`."""
    counts: Counter[str] = Counter()
    for target in targets_since(session, Channel.SMS, since, COUNTED):
        counts.update(m for m in target.split(", ") if m)
    return counts


class DailyCap:
    """One triage round's view of today's SMS per number: the sent log's count (read at the
    first SMS), plus what this round has given out."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.limit = config.sms.daily_cap if config.sms is not None else 0
        self.counts: Counter[str] | None = None

    def apply(
        self, s: Session, target: Target, rows: list[OutboxRow], now: datetime, report: PassReport
    ) -> Target | None:
        """`target` without the numbers that have had their SMS today; None (the rows held)
        when no number is left."""
        tz = self.config.settings.tz
        if self.counts is None:
            midnight = datetime.combine(now.astimezone(tz).date(), time(0), tz)
            self.counts = sent_since(s, midnight)
        counts = self.counts
        over = [m for m in target.recipients if counts[m] >= self.limit]
        keep = tuple(m for m in target.recipients if m not in over)
        if not over:
            counts.update(keep)
            return target
        what = f"{REASON}: {', '.join(over)} had {self.limit} SMS today ([sms] daily_cap)"
        if not keep:
            self._hold(s, target, rows, now, what, report)
            return None
        log_rows(
            s,
            rows,
            at=now,
            status=LogStatus.CANCELLED,
            target=", ".join(over),
            error=f"{what}; not sent to {'it' if len(over) == 1 else 'them'}, the other "
            "numbers were",
            finished_at=now,
        )
        log.warning("SMS for %s: %s", rows[0].office_id, what)
        counts.update(keep)
        return replace(target, recipients=keep, shown=", ".join(keep))

    def _hold(
        self,
        s: Session,
        target: Target,
        rows: list[OutboxRow],
        now: datetime,
        what: str,
        report: PassReport,
    ) -> None:
        at = self.next_send(rows, now)
        reason = f"{what}; held until {at:%Y-%m-%d %H:%M}"
        fresh = [r for r in rows if r.status != OutboxStatus.HELD]
        if fresh:
            log_rows(
                s,
                fresh,
                at=now,
                status=LogStatus.HELD,
                target=target.shown,
                error=reason,
                finished_at=now,
            )
            log.warning("held %d SMS reminder(s) for %s: %s", len(fresh), rows[0].office_id, reason)
        outbox.hold(s, [r.id for r in rows], now, reason, recheck=at)
        report.counts["held"] += len(fresh)
        report.counts["still held"] += len(rows) - len(fresh)

    def next_send(self, rows: list[OutboxRow], now: datetime) -> datetime:
        """The next working day's send time (the earliest of the rows' deadlines)."""
        c = self.config
        tz = c.settings.tz
        day = c.calendar().next_workday(now.astimezone(tz).date() + timedelta(days=1))
        deadlines = [
            c.deadline_by_id[r.deadline_id] for r in rows if r.deadline_id in c.deadline_by_id
        ]
        send = min((c.send_time_for(d) for d in deadlines), default=c.settings.send_time)
        return datetime.combine(day, send, tz)
