"""One message outside the schedule (a test message, the 通报, the 督办 documents to come),
sent the way the dispatcher sends: its channel's transport from the registry, its robot's (or
server's) minute budget shared with every instance, and a sent-log row written `sending`
before the message leaves, finished after. A crash in between leaves the trace, as a
dispatched reminder's does; a budget that is spent defers it (nothing is logged, nothing sent).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from reminder import labels, links
from reminder.config.model import Office
from reminder.delivery.channels.base import Rendered, Target, Transport
from reminder.delivery.protocol import send_payloads
from reminder.delivery.ratelimit import Limiter
from reminder.errors import NotConfigured
from reminder.store import sentlog
from reminder.store.budget import Ask
from reminder.store.engine import transaction
from reminder.store.models import SentLogRow
from reminder.vocabulary import LogStatus

log = logging.getLogger("reminder.dispatch")


@dataclass(frozen=True, kw_only=True, slots=True)
class OneOff:
    """What to send: to one office by one channel, of a kind the sent log names."""

    office: Office
    channel: str
    kind: str  # "test", "report", ...
    rendered: Rendered
    period_key: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Outcome:
    """How it went: sent, failed, dry-run, held (no address), deferred (the budget is spent
    until `wait`), or skipped (`claim` said it had gone already)."""

    status: str
    target: str = ""
    error: str | None = None
    code: str | None = None
    wait: datetime | None = None


def send_one_off(
    engine: Engine,
    transport: Transport,
    limiter: Limiter,
    one: OneOff,
    now: datetime,
    *,
    dry_run: bool = False,
    claim: Callable[[Session], bool] | None = None,
    log_held: bool = False,
) -> Outcome:
    """Send `one` now, or say why not. `claim` runs in the transaction that logs the message
    (False: it has gone already, nothing is done); `log_held` writes a failed row for an
    office without an address on the channel (a test message reports it; the 通报 waits)."""
    try:
        target = transport.target(one.office)
        payloads = transport.payloads(target, one.rendered)
    except NotConfigured as exc:
        if log_held:
            with transaction(engine) as s:
                sentlog.add_entry(s, _entry(one, now, "", LogStatus.FAILED, error=str(exc)))
        return Outcome(status="held", error=str(exc))
    with transaction(engine) as s:
        if claim is not None and not claim(s):
            return Outcome(status="skipped", target=target.shown)
        if not dry_run:
            ask = Ask(target.rate_key, len(payloads), target.per_minute)
            wait = limiter.reserve([ask], now, session=s)[0]
            if wait is not None:
                return Outcome(status="deferred", target=target.shown, wait=wait)
        status = LogStatus.DRY_RUN if dry_run else LogStatus.SENDING
        entry = _entry(one, now, target.shown, status)
        sentlog.add_entry(s, entry)
        s.flush()
        entry_id = entry.id
    if dry_run:
        return Outcome(status="dry-run", target=target.shown)
    outcome = _send(transport, target, payloads, one)
    with transaction(engine) as s:
        sentlog.finish(s, [entry_id], LogStatus(outcome.status), now, outcome.error, outcome.code)
    return outcome


def _send(transport: Transport, target: Target, payloads: list[object], one: OneOff) -> Outcome:
    what = f"{one.kind} to {one.office.id} by {one.channel}"
    code, error = send_payloads(transport, target, payloads, what)
    if error is not None:
        log.error("%s failed: %s", what, error)
        return Outcome(status="failed", target=target.shown, error=str(error), code=error.code)
    return Outcome(status="sent", target=target.shown, code=code or None)


def _entry(
    one: OneOff, now: datetime, target: str, status: LogStatus, *, error: str | None = None
) -> SentLogRow:
    return SentLogRow(
        at=now,
        message_id=str(uuid.uuid4()),
        office_id=one.office.id,
        channel=one.channel,
        target=target or None,
        kind=one.kind,
        period_key=one.period_key,
        subject=one.rendered.subject,
        body=links.redact(one.rendered.text, labels.LINK_MARKER),
        status=status,
        attempt=1,
        error=error,
        finished_at=now if status == LogStatus.FAILED else None,
    )
