"""The send protocol: claim → renew → log → send → record, with conditional updates.

A round starts its messages in one transaction (renew their lease, leaving those another
instance took after the lease ran out; take their robots' budget; log them `sending`), then
sends them (here or on a worker thread) and records the outcomes in the transaction that
starts the next round. A crash between a send and its record leaves the log row `sending`
and the lease to expire: at worst the messages in flight are repeated, never lost.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from reminder.config.model import Config
from reminder.delivery.alerts import failed_for_good
from reminder.delivery.channels.base import Target, Transport
from reminder.delivery.outgoing import Attempt, Outgoing, PassReport
from reminder.delivery.ratelimit import Limiter
from reminder.delivery.retry import RetryPolicy
from reminder.errors import DeliveryError
from reminder.store import leases, outbox, sentlog
from reminder.store.budget import Ask
from reminder.vocabulary import LogStatus, OutboxStatus

log = logging.getLogger("reminder.dispatch")

Started = tuple[Outgoing, list[int], list[object]]  # message, its log rows, its payloads
# What an attempt's outcome makes of its outbox rows: a retry waits as pending.
OUTBOX_STATUS = {
    LogStatus.SENT: OutboxStatus.SENT,
    LogStatus.DRY_RUN: OutboxStatus.DRY_RUN,
    LogStatus.FAILED: OutboxStatus.FAILED,
    LogStatus.RETRYING: OutboxStatus.PENDING,
}


def owner_name() -> str:
    """Who holds a lease: host, process and a per-process nonce."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def owner_gone(owner: str) -> bool:
    """True when `owner` (an `owner_name`) was a process of this host that has ended (killed,
    crashed, or a zombie not yet reaped): its leases need not run out before another instance
    takes its rows. Another host's instance, this process, or one that cannot be told, is not
    gone; its leases run out as usual. Should a process id have been reused, the rows are
    taken early all the same; their old owner, were it alive, would find them taken when it
    renews their lease before each send (the protocol), so nothing is sent twice but what it
    had in flight."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit() or int(pid_text) == os.getpid():
        return False
    try:
        with open(f"/proc/{int(pid_text)}/stat", encoding="ascii", errors="replace") as f:
            state = f.read().rpartition(")")[2].split()[:1]
    except FileNotFoundError:
        return True
    except OSError:  # no /proc (not Linux), or not readable: cannot tell
        return False
    return state in (["Z"], ["X"])  # a zombie, or dead


def free_ended_owners(session: Session) -> int:
    """Free the leases of instances of this host that have ended, at once rather than a lease
    later (a `reminder run` restarted on a SQLite file, a killed instance beside a live one).
    The number of rows freed."""
    gone = sorted(o for o in leases.lease_owners(session) if owner_gone(o))
    if not gone:
        return 0
    freed = leases.release_owners(session, gone)
    log.warning(
        "took over %d reminder(s) claimed by %s, which ended before sending them",
        freed,
        ", ".join(gone),
    )
    return freed


def send_payloads(
    transport: Transport, target: Target, payloads: Sequence[object], what: str
) -> tuple[str, DeliveryError | None]:
    """Post each payload in turn: the server's last code, or the error that stopped it. Never
    an exception: a bug becomes a DeliveryError (code "error"), so that it neither leaves the
    message `sending` until its lease nor passes for sent. `what` names it in the log."""
    try:
        code = ""
        for payload in payloads:
            code = transport.send(target, payload)
    except DeliveryError as exc:
        return "", exc
    except Exception as exc:
        log.exception("sending %s", what)
        return "", DeliveryError(
            f"unexpected error: {type(exc).__name__}", permanent=False, code="error"
        )
    return code, None


class SendProtocol:
    def __init__(
        self,
        config: Config,
        *,
        owner: str,
        transports: dict[str, Transport],
        limiter: Limiter,
        dry_run: bool,
    ) -> None:
        self.config, self.owner, self.transports = config, owner, transports
        self.limiter, self.dry_run = limiter, dry_run
        self.policy = RetryPolicy(retries=config.delivery.retries, backoff=config.delivery.backoff)

    def payloads(self, message: Outgoing) -> list[object]:
        """What will be posted (one item per request), built before any transaction."""
        transport = self.transports.get(message.channel)
        if self.dry_run or transport is None:
            return []
        if message.payloads is not None:
            return message.payloads
        return transport.payloads(message.target, message.rendered)

    def start(
        self,
        s: Session,
        messages: Sequence[tuple[Outgoing, list[object]]],
        now: datetime,
        report: PassReport,
    ) -> list[Started]:
        """Start sending `messages`: renew their lease, take their budget, log them `sending`
        (`dry-run`). Those another instance took, or whose budget is spent, are not started."""
        if not messages:
            return []
        going = self._still_mine(s, messages, now)
        if not self.dry_run:
            going = self._within_budget(s, going, now, report)
        log_ids = sentlog.log_messages(
            s,
            [
                (
                    m.rows,
                    {
                        "message_id": str(uuid.uuid4()),
                        "target": m.target.shown,
                        "subject": m.rendered.subject,
                        "body": m.body,
                        "attempt": m.attempt,
                    },
                )
                for m, _ in going
            ],
            at=now,
            status=LogStatus.DRY_RUN if self.dry_run else LogStatus.SENDING,
            occurrences={
                r.occurrence_id: m.occurrences[r.occurrence_id] for m, _ in going for r in m.rows
            },
        )
        return [(m, ids, p) for (m, p), ids in zip(going, log_ids, strict=True)]

    def _still_mine(
        self, s: Session, messages: Sequence[tuple[Outgoing, list[object]]], now: datetime
    ) -> list[tuple[Outgoing, list[object]]]:
        """Renew the lease of `messages`; those another instance took are released here."""
        mine = outbox.renew(
            s,
            [r.id for m, _ in messages for r in m.rows],
            owner=self.owner,
            until=now + self.config.delivery.lease,
        )
        going = []
        for message, payloads in messages:
            ids = [r.id for r in message.rows]
            if mine.issuperset(ids):
                going.append((message, payloads))
                continue
            log.warning(
                "lease on %d reminder(s) for %s ran out and another instance took "
                "them; not sending them here",
                len(ids),
                message.office_id,
            )
            leases.release(s, ids, owner=self.owner)
        return going

    def _within_budget(
        self,
        s: Session,
        going: list[tuple[Outgoing, list[object]]],
        now: datetime,
        report: PassReport,
    ) -> list[tuple[Outgoing, list[object]]]:
        """Take the budget of each robot (server, URL); what must wait is deferred."""
        waits = self.limiter.reserve(
            [Ask(m.target.rate_key, len(p), m.target.per_minute) for m, p in going],
            now,
            session=s,
        )
        for (message, _), wait in zip(going, waits, strict=True):
            if wait is not None:
                outbox.defer(s, [r.id for r in message.rows], wait)
                report.counts["deferred"] += len(message.rows)
        return [g for g, wait in zip(going, waits, strict=True) if wait is None]

    def send(self, message: Outgoing, log_ids: list[int], payloads: list[object]) -> Attempt:
        """Send one message (here or on a worker thread); the outcome, never an exception."""
        what = f"to {message.office_id} by {message.channel}"
        code, error = send_payloads(
            self.transports[message.channel], message.target, payloads, what
        )
        if error is not None:
            return Attempt(message, log_ids, "error", error, error.code)
        return Attempt(message, log_ids, "sent", None, code)

    def record(
        self, s: Session, attempts: Sequence[Attempt], now: datetime, report: PassReport
    ) -> None:
        """Write attempts' outcomes: sent, retrying later, or failed (the admin told). Attempts
        with the same outcome are written by one statement."""
        same: dict[tuple[Any, ...], tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
        for attempt in attempts:
            status, values, reason = self.outcome(attempt, now)
            ids, log_ids = same[(status, reason, attempt.code, tuple(sorted(values.items())))]
            ids += [r.id for r in attempt.message.rows]
            log_ids += attempt.log_ids
            if status == LogStatus.FAILED:
                failed_for_good(s, self.config, attempt.message.rows, reason, now)
            report.counts[status] += len(attempt.message.rows)
        for (status, reason, code, values), (ids, log_ids) in same.items():
            outbox.finish(s, ids, OUTBOX_STATUS[status], now, reason, **dict(values))
            sentlog.finish(s, log_ids, status, now, reason, code)

    def outcome(
        self, attempt: Attempt, now: datetime
    ) -> tuple[LogStatus, dict[str, Any], str | None]:
        """The status an attempt ends in, the outbox values that go with it, and the reason."""
        error = attempt.error
        reason = str(error) if error else None
        if attempt.outcome == "dry-run":
            return LogStatus.DRY_RUN, {"sent_at": now}, reason
        if attempt.outcome == "sent" or error is None:
            return LogStatus.SENT, {"sent_at": now}, reason
        decision = self.policy.after(attempt.message.attempt, error, now)
        if decision.status == "failed":
            return LogStatus.FAILED, {}, reason
        return LogStatus.RETRYING, {"next_attempt_at": decision.next_attempt_at}, reason

    def release(self, s: Session, messages: Sequence[Outgoing]) -> None:
        """Give back the claim on messages that will not be started in this pass."""
        leases.release(s, [r.id for m in messages for r in m.rows], owner=self.owner)
